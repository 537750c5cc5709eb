#include "models/hw/dma_controller.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "models/core/byte_order.h"
namespace iosim::hw {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {}  // namespace

DmaController::DmaController(sc_core::sc_module_name name, const DmaParams& params,
                             ModelContext& context)
    : sc_module(name),
      bus_socket("bus_socket"),
      register_socket("register_socket"),
      params_(params),
      context_(context),
      channels_(params.channels) {
  if (params_.channels == 0) throw std::invalid_argument("dma: needs at least one channel");
  if (params_.transfer_unit.bytes == 0) throw std::invalid_argument("dma: transfer_unit is 0");
  register_socket.register_b_transport(this, &DmaController::b_transport);
  for (unsigned i = 0; i < channels_.size(); ++i) {
    channels_[i].index = i;
    Channel* ch = &channels_[i];
    sc_core::sc_spawn_options options;
    sc_core::sc_spawn([this, ch] { channel_thread(*ch); }, sc_core::sc_gen_unique_name("channel"),
                      &options);
  }
}

std::string DmaController::channel_name(unsigned channel) const {
  return std::string(name()) + ".ch" + std::to_string(channel);
}

void DmaController::attach(unsigned channel, DmaPeripheral& device) {
  channels_.at(channel).device = &device;
}

void DmaController::b_transport(tlm::tlm_generic_payload& trans, sc_time&) {
  const std::uint64_t offset = trans.get_address();
  const std::uint64_t index = offset / kChannelStride;
  const std::uint64_t reg = offset % kChannelStride;
  if (index >= channels_.size() || trans.get_data_length() != 4) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  Channel& ch = channels_[index];
  std::uint32_t value = 0;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  if (trans.is_write()) {
    std::memcpy(&value, trans.get_data_ptr(), 4);
    switch (reg) {
      case kAddress:
        ch.base_address = ch.current_address = value;
        break;
      case kCount:
        ch.base_count = ch.current_count = value;
        break;
      case kMode:
        ch.mode = value;
        break;
      case kMask: {
        const bool was_masked = ch.masked;
        ch.masked = value & 1;
        if (was_masked && !ch.masked) {
          ch.terminal_count = false;
          ch.error = false;
          ch.start.notify(SC_ZERO_TIME);
        }
        break;
      }
      default:
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    return;
  }
  switch (reg) {
    case kAddress:
      value = ch.base_address;
      break;
    case kCount:
      value = ch.base_count;
      break;
    case kMode:
      value = ch.mode;
      break;
    case kMask:
      value = ch.masked ? 1 : 0;
      break;
    case kStatus:
      value = (ch.terminal_count ? kStatusTerminalCount : 0) |
              (ch.device && ch.device->dma_request() ? kStatusRequest : 0) |
              (ch.error ? kStatusError : 0);
      ch.terminal_count = false;
      break;
    case kCurrentAddress:
      value = ch.current_address;
      break;
    case kCurrentCount:
      value = ch.current_count;
      break;
    default:
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
  }
  std::memcpy(trans.get_data_ptr(), &value, 4);
}

void DmaController::channel_thread(Channel& ch) {
  for (;;) {
    sc_core::wait(ch.start);
    if (ch.masked || !ch.device) continue;
    do {
      run_transfer(ch);
      if (ch.mode & kAutoinit) {
        ch.current_address = ch.base_address;
        ch.current_count = ch.base_count;
      }
    } while ((ch.mode & kAutoinit) && !ch.masked && !ch.error);
    ch.masked = true;
  }
}

bool DmaController::bus_transfer(Channel& ch, tlm::tlm_command command, std::uint64_t address,
                                 std::uint8_t* data, unsigned length, BusAccess::Mode mode,
                                 BusAccess::Hold hold, Picoseconds* granted) {
  BusAccess access;
  access.initiator = channel_name(ch.index);
  access.mode = mode;
  access.hold = hold;
  sc_time delay = params_.cycle_overhead;
  tlm::tlm_response_status status;
  const BusGrant grant =
      bus_transaction(bus_socket, access, command, address, data, length, delay, status);
  sc_core::wait(delay);
  if (granted) *granted = grant.granted;
  return status == tlm::TLM_OK_RESPONSE;
}

bool DmaController::read_descriptor(Channel& ch, std::uint64_t address, Segment& segment,
                                    bool& last, BusAccess::Hold hold) {
  std::vector<std::uint8_t> raw(params_.descriptor_size.bytes);
  if (raw.size() < 16) throw std::invalid_argument("dma: descriptor_size must be >= 16 bytes");
  if (!bus_transfer(ch, tlm::TLM_READ_COMMAND, address, raw.data(),
                    static_cast<unsigned>(raw.size()), BusAccess::Mode::normal, hold, nullptr)) {
    return false;
  }
  segment.address = load_le(raw.data(), 8);
  segment.count = static_cast<std::uint32_t>(load_le(raw.data() + 8, 4));
  last = load_le(raw.data() + 12, 4) & kDescriptorLast;
  return true;
}

void DmaController::run_transfer(Channel& ch) {
  DmaPeripheral& device = *ch.device;
  const std::uint32_t discipline = ch.mode & kModeMask;
  const bool burst = discipline == kBlock;
  const bool demand = discipline == kDemand;
  const BusAccess::Mode bus_mode = (discipline == kSingle && (ch.mode & kModeTransparent))
                                       ? BusAccess::Mode::transparent
                                       : BusAccess::Mode::normal;
  const bool to_memory = (ch.mode & kTypeMask) == kTypeDeviceToMemory;
  const bool from_memory = (ch.mode & kTypeMask) == kTypeMemoryToDevice;
  const bool chained = ch.mode & kModeChain;
  const std::uint64_t unit = params_.transfer_unit.bytes;

  const std::string me = channel_name(ch.index);
  const std::string device_region = device.dma_device_name() + ".buffer";
  const std::uint64_t copy_id = context_.new_copy_id();
  const Picoseconds started = now_ps();
  bool holding = false;
  std::vector<std::uint8_t> data(unit);

  // Burst and demand modes hold the bus: the first transaction acquires it, the last releases
  // it. Demand mode also lets go whenever the device has run dry for the moment.
  auto hold_for = [&](bool last_transaction, bool device_dry) {
    if (!burst && !demand) return BusAccess::Hold::none;
    const bool ends = last_transaction || (demand && device_dry);
    if (!holding) return ends ? BusAccess::Hold::none : BusAccess::Hold::acquire;
    return ends ? BusAccess::Hold::release : BusAccess::Hold::keep;
  };

  std::uint64_t descriptor_address = ch.current_address;
  Segment segment{ch.current_address, ch.current_count};
  bool last_segment = !chained;
  if (chained &&
      !read_descriptor(ch, descriptor_address, segment, last_segment, BusAccess::Hold::none)) {
    ch.error = true;
  }

  while (!ch.error) {
    ch.current_address = static_cast<std::uint32_t>(segment.address);
    ch.current_count = segment.count;
    Picoseconds segment_start = 0, segment_end = 0;
    std::uint64_t segment_bytes = 0;
    const std::string memory_region = context_.region_at(segment.address);
    std::uint64_t address = segment.address;
    std::uint64_t remaining = segment.count;
    while (remaining > 0) {
      while (!device.dma_request()) sc_core::wait(device.dma_request_event());
      const std::uint64_t n = std::min(unit, remaining);
      const bool last_unit = remaining == n && last_segment;
      if (to_memory) device.dma_read(data.data(), n);
      // 8237: TC is asserted during the last transfer cycle, so a device that ends its command
      // on its last byte and interrupts at once finds the channel already at terminal count.
      if (last_unit) ch.terminal_count = true;
      const BusAccess::Hold hold = hold_for(last_unit, !device.dma_request());
      Picoseconds granted = 0;
      bool ok = true;
      if (to_memory || from_memory) {
        ok = bus_transfer(ch, to_memory ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, address,
                          data.data(), static_cast<unsigned>(n), bus_mode, hold, &granted);
      }
      if (hold == BusAccess::Hold::acquire) holding = true;
      if (hold == BusAccess::Hold::release) holding = false;
      if (!ok) {
        ch.error = true;
        break;
      }
      if (from_memory) device.dma_write(data.data(), n);
      if (segment_bytes == 0) segment_start = granted;
      segment_end = now_ps();
      segment_bytes += n;
      address = (ch.mode & kDecrement) ? address - n : address + n;
      remaining -= n;
      ch.current_address = static_cast<std::uint32_t>(address);
      ch.current_count = static_cast<std::uint32_t>(remaining);
    }
    if (segment_bytes > 0 && (to_memory || from_memory)) {
      trace::Record r;
      r.start = segment_start;
      r.end = segment_end;
      r.actor = me;
      r.data = trace::Copy{copy_id, trace::Engine::dma, to_memory ? device_region : memory_region,
                           to_memory ? memory_region : device_region, segment_bytes};
      context_.record(std::move(r));
    }
    if (ch.error || last_segment) break;
    descriptor_address += params_.descriptor_size.bytes;
    if (!read_descriptor(ch, descriptor_address, segment, last_segment,
                         holding ? BusAccess::Hold::keep : BusAccess::Hold::none)) {
      ch.error = true;
    }
  }
  if (holding) {
    // An error ended the burst early: give the bus back.
    bus_transfer(ch, tlm::TLM_READ_COMMAND, 0, data.data(), 0, bus_mode, BusAccess::Hold::release,
                 nullptr);
  }
  ch.terminal_count = !ch.error;
  trace::Record activity;
  activity.start = started;
  activity.end = now_ps();
  activity.actor = me;
  const char* discipline_name = burst ? "block" : demand ? "demand" : "single";
  activity.data =
      trace::DeviceActivity{me, "transfer",
                            std::string(discipline_name) +
                                (bus_mode == BusAccess::Mode::transparent ? " transparent" : "") +
                                (chained ? " chained" : "") + (ch.error ? " error" : "")};
  context_.record(std::move(activity));
  device.dma_terminal_count();
}

}  // namespace iosim::hw
