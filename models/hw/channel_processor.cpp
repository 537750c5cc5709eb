#include "models/hw/channel_processor.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "models/hw/bus.h"

namespace iosim::hw {

using sc_core::sc_time;
using sc_core::sc_time_stamp;

namespace {

std::uint32_t get_le32(const std::uint8_t* b) {
  return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
         static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}

void put_le32(std::uint8_t* b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t get_be32(const std::uint8_t* b) {
  return static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
         static_cast<std::uint32_t>(b[2]) << 8 | static_cast<std::uint32_t>(b[3]);
}

void put_be32(std::uint8_t* b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

// Which way a command moves data (decides channel_read vs channel_write and the length probe).
enum class Direction { none, in, out };

Direction direction_of(std::uint8_t command) {
  switch (command) {
    case ccw_command::read:
    case ccw_command::sense:
      return Direction::in;
    case ccw_command::write:
    case ccw_command::locate:
      return Direction::out;
    default:
      return Direction::none;
  }
}

bool valid_command(std::uint8_t command) {
  switch (command) {
    case ccw_command::write:
    case ccw_command::read:
    case ccw_command::no_operation:
    case ccw_command::sense:
    case ccw_command::locate:
      return true;
    default:
      return false;
  }
}

// S/360 ignores the high four bits of a TIC's command code.
bool is_tic(std::uint8_t command) {
  return (command & 0x0F) == ccw_command::transfer_in_channel;
}

// Format-1 data and CCW addresses are 31 bits.
constexpr std::uint32_t kAddressMask = 0x8000'0000;

std::string command_name(std::uint8_t command) {
  if (is_tic(command)) return "TIC";
  switch (command) {
    case ccw_command::write:
      return "WRITE";
    case ccw_command::read:
      return "READ";
    case ccw_command::no_operation:
      return "NOP";
    case ccw_command::sense:
      return "SENSE";
    case ccw_command::locate:
      return "LOCATE";
    default: {
      char text[16];
      std::snprintf(text, sizeof text, "CMD 0x%02X", command);
      return text;
    }
  }
}

std::string hex(std::uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llX", static_cast<unsigned long long>(v));
  return text;
}

// "READ CD addr=0x12000 count=4096 dev=1", the detail of a "ccw" activity record.
std::string describe(const Ccw& ccw, std::uint8_t command, std::uint16_t device) {
  std::string text = command_name(command);
  if (!is_tic(command)) {
    const struct {
      std::uint8_t bit;
      const char* name;
    } kFlags[] = {{ccw_flag::chain_data, " CD"},
                  {ccw_flag::chain_command, " CC"},
                  {ccw_flag::suppress_length, " SLI"},
                  {ccw_flag::skip, " SKIP"},
                  {ccw_flag::pci, " PCI"}};
    for (const auto& f : kFlags) {
      if (ccw.flags & f.bit) text += f.name;
    }
  }
  text += " addr=" + hex(ccw.data_address);
  if (!is_tic(command)) text += " count=" + std::to_string(ccw.count);
  return text + " dev=" + std::to_string(device);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// CCW and CSW layouts.

std::array<std::uint8_t, Ccw::kBytes> Ccw::bytes() const {
  std::array<std::uint8_t, kBytes> b{};
  b[0] = command;
  b[1] = flags;
  b[2] = static_cast<std::uint8_t>(count >> 8);
  b[3] = static_cast<std::uint8_t>(count);
  put_be32(&b[4], data_address);
  return b;
}

Ccw Ccw::from_bytes(const std::uint8_t* b) {
  Ccw c;
  c.command = b[0];
  c.flags = b[1];
  c.count = static_cast<std::uint16_t>(b[2] << 8 | b[3]);
  c.data_address = get_be32(&b[4]);
  return c;
}

std::array<std::uint8_t, Csw::kBytes> Csw::bytes() const {
  std::array<std::uint8_t, kBytes> b{};
  put_be32(&b[0], ccw_address);
  b[4] = unit_status;
  b[5] = channel_status;
  b[6] = static_cast<std::uint8_t>(residual >> 8);
  b[7] = static_cast<std::uint8_t>(residual);
  return b;
}

Csw Csw::from_bytes(const std::uint8_t* b) {
  Csw c;
  c.ccw_address = get_be32(&b[0]);
  c.unit_status = b[4];
  c.channel_status = b[5];
  c.residual = static_cast<std::uint16_t>(b[6] << 8 | b[7]);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Construction.

struct ChannelProcessor::Program {
  std::uint32_t ccw_address = 0;  // the CCW being executed
  Ccw ccw;
  bool data_chained = false;    // the current CCW continues the previous one's command
  bool command_active = false;  // the device accepted a command that has not been ended
  std::uint8_t command = 0;     // the command of the current data chain
  std::uint64_t copy_id = 0;
  Csw csw;
  std::uint64_t ccws = 0, bytes = 0;
};

ChannelProcessor::ChannelProcessor(sc_core::sc_module_name name, const ChannelParams& params,
                                   ModelContext& context)
    : sc_module(name),
      bus_socket("bus_socket"),
      register_socket("register_socket"),
      irq_out("irq_out"),
      params_(params),
      context_(context),
      multiplexer_(params.kind == "multiplexer"),
      name_(basename()) {
  if (params_.kind != "selector" && params_.kind != "multiplexer") {
    throw std::invalid_argument(name_ + ": kind must be selector or multiplexer, not " +
                                params_.kind);
  }
  if (params_.transfer_unit.bytes == 0) {
    throw std::invalid_argument(name_ + ": transfer_unit must be positive");
  }
  register_socket.register_b_transport(this, &ChannelProcessor::register_b_transport);
  // One writer for the interrupt line, whichever process changes the pending set.
  SC_METHOD(update_irq);
  sensitive << irq_changed_;
}

ChannelProcessor::~ChannelProcessor() = default;

void ChannelProcessor::attach(std::uint16_t device_number, ChannelDevice& device) {
  if (by_number_.count(device_number)) {
    throw std::invalid_argument(name_ + ": device number " + std::to_string(device_number) +
                                " attached twice");
  }
  auto sub = std::make_unique<Subchannel>();
  sub->number = device_number;
  sub->device = &device;
  sub->name = name_ + ".sub" + std::to_string(device_number);
  sub->buffer.resize(params_.transfer_unit.bytes);
  Subchannel* s = sub.get();
  by_number_[device_number] = s;
  subchannels_.push_back(std::move(sub));
  sc_core::sc_spawn_options options;
  // Devices and the bus run inside this thread (they may wait()): give it room.
  options.set_stack_size(kThreadStackBytes);
  sc_core::sc_spawn([this, s] { subchannel_thread(*s); },
                    ("subchannel" + std::to_string(device_number)).c_str(), &options);
}

// ---------------------------------------------------------------------------------------------
// The CPU's side.

void ChannelProcessor::register_b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const sc_time arrival = delay;  // when the access reaches the channel, in the caller's time
  delay += params_.register_latency;
  if (trans.get_byte_enable_ptr()) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (trans.get_data_length() != 4 || trans.get_streaming_width() < 4) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  std::uint8_t* data = trans.get_data_ptr();
  const bool write = trans.is_write();
  const std::uint32_t value = write ? get_le32(data) : 0;
  std::uint32_t result = 0;
  bool allowed = true;
  switch (trans.get_address()) {
    case kCaw:
      if (write) caw_ = value;
      result = caw_;
      break;
    case kDevice:
      if (write) device_ = value;
      result = device_;
      break;
    case kStart:
      allowed = write;
      if (write) start(arrival, delay);
      break;
    case kConditionCode:
      allowed = !write;
      result = condition_code_;
      break;
    case kInterruption:
      allowed = !write;
      if (!write) {
        result = kNoInterruption;
        if (!pending_.empty()) {
          Subchannel* sub = pending_.front();
          pending_.pop_front();
          sub->pending = false;
          result = sub->number;
          store_csw(*sub, arrival);
          irq_changed_.notify(sc_core::SC_ZERO_TIME);
        }
      }
      break;
    case kStatus:
      allowed = !write;
      result = (pending_.empty() ? 0 : kStatusInterruptionPending) | (running_ ? kStatusBusy : 0);
      break;
    default:
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
  }
  if (!allowed) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (trans.is_read()) put_le32(data, result);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void ChannelProcessor::start(const sc_time& arrival, const sc_time& effective) {
  auto it =
      device_ <= 0xFFFF ? by_number_.find(static_cast<std::uint16_t>(device_)) : by_number_.end();
  if (it == by_number_.end()) {
    condition_code_ = condition_code::not_operational;
    return;
  }
  Subchannel& sub = *it->second;
  // A selector has one path for one program; a multiplexer only refuses a busy subchannel.
  if (sub.busy || (!multiplexer_ && running_ > 0)) {
    condition_code_ = condition_code::busy;
    return;
  }
  if (sub.pending) {
    // S/360 SIO: a device with pending status does not start; its CSW is stored instead.
    pending_.erase(std::find(pending_.begin(), pending_.end(), &sub));
    sub.pending = false;
    store_csw(sub, arrival);
    irq_changed_.notify(sc_core::SC_ZERO_TIME);
    condition_code_ = condition_code::csw_stored;
    return;
  }
  sub.busy = true;
  sub.caw = caw_;
  ++running_;
  // The program starts when the write (and its decode) is done in the CPU's local time.
  sub.start.notify(effective);
  condition_code_ = condition_code::started;
}

void ChannelProcessor::store_csw(Subchannel& sub, const sc_time& at) {
  // Stored as the channel sees the access that accepts the interruption, in parallel with the
  // register decode. On the system bus this store is reserved before the CPU's register access
  // completes, so the CPU's next read of the CSW finds it, and the bus time is counted once:
  // the access takes occ(8) for the store plus its own occupancy (register_latency included).
  sc_time delay = at;
  std::array<std::uint8_t, Csw::kBytes> bytes = sub.csw.bytes();
  BusAccess access;
  access.initiator = name_;
  const Picoseconds start = now_ps() + to_ps(delay);
  tlm::tlm_response_status status;
  bus_transaction(bus_socket, access, tlm::TLM_WRITE_COMMAND, params_.csw_address, bytes.data(),
                  static_cast<unsigned>(bytes.size()), delay, status);
  std::string detail = "dev=" + std::to_string(sub.number) + " ccw=" + hex(sub.csw.ccw_address) +
                       " unit=" + hex(sub.csw.unit_status) +
                       " channel=" + hex(sub.csw.channel_status) +
                       " residual=" + std::to_string(sub.csw.residual);
  if (status != tlm::TLM_OK_RESPONSE) detail += " store failed";
  trace::Record r;
  r.start = start;
  r.end = now_ps() + to_ps(delay);
  r.actor = name_;
  r.data = trace::DeviceActivity{name_, "csw", std::move(detail)};
  context_.record(std::move(r));
}

void ChannelProcessor::update_irq() {
  irq_out.write(!pending_.empty());
}

void ChannelProcessor::present(Subchannel& sub, const Csw& csw) {
  if (sub.pending) {
    // One interruption per subchannel: a PCI not yet taken merges into the newer status.
    const std::uint8_t pci = sub.csw.channel_status & channel_status::pci;
    sub.csw = csw;
    sub.csw.channel_status |= pci;
    return;
  }
  sub.pending = true;
  sub.csw = csw;
  pending_.push_back(&sub);
  ++interruptions_presented_;
  irq_changed_.notify(sc_core::SC_ZERO_TIME);
}

// ---------------------------------------------------------------------------------------------
// The path to storage.

void ChannelProcessor::acquire_path(Subchannel& sub) {
  if (!path_owner_) {
    path_owner_ = &sub;
    return;
  }
  path_queue_.push_back(&sub);
  wait(sub.path_granted);  // release_path() makes us the owner before notifying
}

void ChannelProcessor::release_path() {
  if (path_queue_.empty()) {
    path_owner_ = nullptr;
    return;
  }
  // Handing the path to the longest waiter, while the releaser queues behind it for its next
  // unit, is what interleaves the subchannels one transfer_unit per turn.
  path_owner_ = path_queue_.front();
  path_queue_.pop_front();
  path_owner_->path_granted.notify();
}

bool ChannelProcessor::storage_access(Subchannel& sub, tlm::tlm_command command,
                                      std::uint64_t address, std::uint8_t* data,
                                      std::size_t length) {
  acquire_path(sub);
  BusAccess access;
  access.initiator = name_;
  access.mode = BusAccess::Mode::normal;  // cycle stealing: the CPU may use the bus between units
  sc_time delay = sc_core::SC_ZERO_TIME;
  tlm::tlm_response_status status;
  bus_transaction(bus_socket, access, command, address, data, static_cast<unsigned>(length), delay,
                  status);
  // Not temporally decoupled: the channel's next step depends on this one having finished.
  wait(delay);
  release_path();
  return status == tlm::TLM_OK_RESPONSE;
}

// ---------------------------------------------------------------------------------------------
// Channel programs.

void ChannelProcessor::subchannel_thread(Subchannel& sub) {
  for (;;) {
    wait(sub.start);
    run_program(sub);
  }
}

void ChannelProcessor::run_program(Subchannel& sub) {
  const Picoseconds program_start = now_ps();
  Program p;
  std::uint32_t next = sub.caw;
  bool first = true;       // the CCW the CAW designates may not be a TIC
  bool after_tic = false;  // nor may a TIC designate another TIC
  for (;;) {
    const Picoseconds fetch_start = now_ps();
    p.ccw_address = next;
    p.ccw = Ccw{};
    std::array<std::uint8_t, Ccw::kBytes> raw{};
    // A CCW address must be doubleword-aligned and inside memory.
    if (next % Ccw::kBytes != 0 || (next & kAddressMask) ||
        !storage_access(sub, tlm::TLM_READ_COMMAND, next, raw.data(), raw.size())) {
      p.csw.channel_status |= channel_status::program_check;
      break;
    }
    wait(params_.ccw_decode);
    const Ccw ccw = Ccw::from_bytes(raw.data());
    p.ccw = ccw;
    ++p.ccws;

    // A data-chained CCW's command code is ignored: it continues the command of the chain.
    const std::string detail =
        describe(ccw, p.data_chained && !is_tic(ccw.command) ? p.command : ccw.command, sub.number);

    if (is_tic(ccw.command)) {
      const bool bad = first || after_tic || (ccw.data_address & kAddressMask);
      record_activity(name_, "ccw", fetch_start, detail + (bad ? " program check" : ""));
      if (bad) {
        p.csw.channel_status |= channel_status::program_check;
        break;
      }
      // A TIC is transparent to data chaining: the chain goes on at the new address.
      next = ccw.data_address;
      after_tic = true;
      first = false;
      continue;
    }
    first = after_tic = false;

    if (ccw.count == 0 || (ccw.flags & ccw_flag::unsupported) ||
        (ccw.data_address & kAddressMask) || (!p.data_chained && !valid_command(ccw.command))) {
      record_activity(name_, "ccw", fetch_start, detail + " program check");
      p.csw.channel_status |= channel_status::program_check;
      p.csw.residual = ccw.count;
      break;
    }
    if (ccw.flags & ccw_flag::pci) {
      // Program-controlled interruption: tells the CPU how far the program has got.
      Csw progress;
      progress.ccw_address = p.ccw_address + Ccw::kBytes;
      progress.channel_status = channel_status::pci;
      progress.residual = ccw.count;
      present(sub, progress);
    }

    if (!p.data_chained) {
      const Picoseconds select_start = now_ps();
      wait(params_.device_selection);
      p.command = ccw.command;
      const std::uint8_t status = sub.device->start_command(ccw.command);
      record_activity(name_, "select", select_start,
                      "dev=" + std::to_string(sub.number) + " " + command_name(ccw.command) +
                          (status ? " status=" + hex(status) : ""));
      if (status != 0) {
        // Refused at initial selection: the device's status ends the program.
        record_activity(name_, "ccw", fetch_start, detail);
        p.csw.unit_status = status;
        p.csw.residual = ccw.count;
        break;
      }
      p.command_active = true;
      // Only READ and WRITE move payload. The bytes of a LOCATE or SENSE are command parameters:
      // they show as ccw activity, not as a copy, so copy counts match the lecture's.
      const bool payload = p.command == ccw_command::read || p.command == ccw_command::write;
      p.copy_id = payload ? context_.new_copy_id() : 0;
    }

    const bool storage_ok = execute_data(sub, p);
    record_activity(name_, "ccw", fetch_start, detail);
    if (!storage_ok) {
      p.csw.channel_status |= channel_status::program_check;
      break;
    }
    const bool device_ended = p.csw.residual > 0 && direction_of(p.command) != Direction::none;
    if (!device_ended && (ccw.flags & ccw_flag::chain_data)) {
      p.data_chained = true;
      next = p.ccw_address + Ccw::kBytes;
      continue;
    }

    // The command ends here. Incorrect length: the record was shorter than the count, or longer
    // (the device offers a byte beyond it). The probe is made only when SLI does not suppress the
    // indication anyway, so that a device that streams (a disk) is never asked for more.
    bool incorrect_length = false;
    if (!(ccw.flags & ccw_flag::suppress_length)) {
      if (device_ended) {
        incorrect_length = true;
      } else if (direction_of(p.command) == Direction::in) {
        std::uint8_t extra = 0;
        incorrect_length = sub.device->channel_read(&extra, 1) > 0;
      }
    }
    if (incorrect_length) p.csw.channel_status |= channel_status::incorrect_length;
    p.csw.unit_status = sub.device->end_command();
    p.command_active = false;

    const bool chain =
        (ccw.flags & ccw_flag::chain_command) && !incorrect_length &&
        !(p.csw.unit_status & (unit_status::unit_check | unit_status::unit_exception));
    if (!chain) break;
    // Status modifier (a search that matched) makes the channel skip the next CCW.
    next =
        p.ccw_address + Ccw::kBytes * ((p.csw.unit_status & unit_status::status_modifier) ? 2 : 1);
    p.data_chained = false;
    // The channel accepted this command's ending status in order to chain: the CSW will show
    // the status of the last command only.
    p.csw = Csw{};
  }
  end_program(sub, p);
  record_activity(sub.name, "program", program_start,
                  "caw=" + hex(sub.caw) + " ccws=" + std::to_string(p.ccws) +
                      " bytes=" + std::to_string(p.bytes) + " unit=" + hex(p.csw.unit_status) +
                      " channel=" + hex(p.csw.channel_status));
}

bool ChannelProcessor::execute_data(Subchannel& sub, Program& p) {
  const Ccw& ccw = p.ccw;
  const Direction dir = direction_of(p.command);
  std::uint32_t remaining = ccw.count;
  std::uint64_t address = ccw.data_address;
  p.csw.residual = static_cast<std::uint16_t>(remaining);
  if (dir == Direction::none) return true;  // NOP: no data

  const bool store = !(dir == Direction::in && (ccw.flags & ccw_flag::skip));
  const std::string device_region = sub.device->channel_device_name() + ".buffer";
  // The units of one CCW to one memory region make one Copy record.
  std::string run_region;
  Picoseconds run_start = 0, run_end = 0;
  std::uint64_t run_bytes = 0;
  auto flush = [&] {
    if (run_bytes == 0) return;
    if (dir == Direction::in) {
      record_copy(p.copy_id, device_region, run_region, run_bytes, run_start, run_end);
    } else {
      record_copy(p.copy_id, run_region, device_region, run_bytes, run_start, run_end);
    }
    run_bytes = 0;
  };
  auto note = [&](std::uint64_t at, std::uint64_t n, Picoseconds start) {
    std::string region = context_.region_at(at);
    if (run_bytes > 0 && region != run_region) flush();
    if (run_bytes == 0) {
      run_region = std::move(region);
      run_start = start;
    }
    run_bytes += n;
    run_end = now_ps();
    p.bytes += n;
  };

  std::uint8_t* buffer = sub.buffer.data();
  bool ok = true;
  while (remaining > 0) {
    const std::size_t n = std::min<std::size_t>(sub.buffer.size(), remaining);
    if (dir == Direction::in) {
      const std::size_t got = std::min(n, sub.device->channel_read(buffer, n));
      if (got == 0) break;  // the device's record ended before the count
      if (store) {
        const Picoseconds t = now_ps();
        if (!storage_access(sub, tlm::TLM_WRITE_COMMAND, address, buffer, got)) {
          ok = false;
          break;
        }
        note(address, got, t);
      }
      address += got;
      remaining -= static_cast<std::uint32_t>(got);
    } else {
      const Picoseconds t = now_ps();
      if (!storage_access(sub, tlm::TLM_READ_COMMAND, address, buffer, n)) {
        ok = false;
        break;
      }
      const std::size_t took = std::min(n, sub.device->channel_write(buffer, n));
      if (took > 0) note(address, took, t);
      address += took;
      remaining -= static_cast<std::uint32_t>(took);
      if (took < n) break;  // the device's record is full
    }
  }
  flush();
  p.csw.residual = static_cast<std::uint16_t>(remaining);
  return ok;
}

void ChannelProcessor::end_program(Subchannel& sub, Program& p) {
  // A program that stops inside a command (program check) still ends it at the device.
  if (p.command_active) {
    p.csw.unit_status |= sub.device->end_command();
    p.command_active = false;
  }
  p.csw.ccw_address = p.ccw_address + Ccw::kBytes;
  present(sub, p.csw);
  sub.busy = false;
  --running_;
  ++programs_completed_;
}

// ---------------------------------------------------------------------------------------------
// Records.

void ChannelProcessor::record_activity(const std::string& device, const char* phase,
                                       Picoseconds start, std::string detail) {
  trace::Record r;
  r.start = start;
  r.end = now_ps();
  r.actor = name_;
  r.data = trace::DeviceActivity{device, phase, std::move(detail)};
  context_.record(std::move(r));
}

void ChannelProcessor::record_copy(std::uint64_t copy_id, const std::string& from,
                                   const std::string& to, std::uint64_t bytes, Picoseconds start,
                                   Picoseconds end) {
  if (copy_id == 0) return;  // control data, not payload
  // Regions are declared by their owners (the device, the DRAM, the kernel); a name nobody has
  // declared yet is declared here so that no Copy refers to an unknown region.
  context_.declare_region(from, trace::Layer::hardware, from);
  context_.declare_region(to, trace::Layer::hardware, to);
  trace::Record r;
  r.start = start;
  r.end = end;
  r.actor = name_;
  r.data = trace::Copy{copy_id, trace::Engine::channel, from, to, bytes};
  context_.record(std::move(r));
}

}  // namespace iosim::hw
