// An 8237-style DMA controller, widened to 32-bit addresses and counts, with descriptor chains.
//
// Each channel has address, count and mode registers. The CPU programs them (masked), unmasks
// the channel, and from then on the controller moves the data between the device and memory on
// its own: whenever the device raises DREQ it takes `transfer_unit` bytes from the device (DACK)
// and writes them to memory over the bus, until the count runs out (terminal count), which it
// signals to the device. The bus discipline is the channel's mode:
//
//   single  (cycle stealing)  one bus transaction per unit; the CPU gets the bus in between.
//   block   (burst)           the bus is held from the first unit to terminal count, idle or not,
//                             so the CPU cannot touch memory until the whole block is done.
//   demand                    the bus is held while DREQ stays high, given back when it drops.
//   transparent               single-unit transactions only in bus cycles the CPU does not want.
//
// Descriptor chains (scatter-gather): with the chain bit, ADDRESS points at a table of 16-byte
// descriptors {u64 address, u32 count, u32 flags (bit 0 = last)} that the controller reads from
// memory one by one, so one command can fill scattered pages.
//
// Registers, per channel c at c * 0x20 in the controller's window (4 bytes, little-endian):
//   0x00 ADDRESS   memory address, or the first descriptor's with chain
//   0x04 COUNT     bytes (ignored with chain)
//   0x08 MODE      bits 3-2 type (01 device->memory, 10 memory->device, 00 verify)
//                  bit 4 autoinit, bit 5 address decrement, bits 7-6 mode (00 demand, 01 single,
//                  10 block), bit 0 transparent (with single), bit 1 chain
//   0x0C MASK      1 = channel masked; writing 0 starts the channel
//   0x10 STATUS    (r) bit 0 terminal count reached (cleared by reading), bit 1 DREQ, bit 2 error
//   0x14 CURRENT_ADDRESS (r)   0x18 CURRENT_COUNT (r)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/hw/bus.h"
#include "models/hw/device_ports.h"
#include "models/hw/dma_params.h"

namespace iosim::hw {

class DmaController : public sc_core::sc_module {
 public:
  static constexpr std::uint64_t kChannelStride = 0x20;
  static constexpr std::uint64_t kAddress = 0x00, kCount = 0x04, kMode = 0x08, kMask = 0x0C,
                                 kStatus = 0x10, kCurrentAddress = 0x14, kCurrentCount = 0x18;
  // MODE register fields.
  static constexpr std::uint32_t kModeTransparent = 0x01, kModeChain = 0x02;
  static constexpr std::uint32_t kTypeVerify = 0x0, kTypeDeviceToMemory = 0x4,
                                 kTypeMemoryToDevice = 0x8, kTypeMask = 0xC;
  static constexpr std::uint32_t kAutoinit = 0x10, kDecrement = 0x20;
  static constexpr std::uint32_t kDemand = 0x00, kSingle = 0x40, kBlock = 0x80, kModeMask = 0xC0;
  // STATUS register bits.
  static constexpr std::uint32_t kStatusTerminalCount = 0x1, kStatusRequest = 0x2,
                                 kStatusError = 0x4;
  static constexpr std::uint32_t kDescriptorLast = 0x1;

  tlm_utils::simple_initiator_socket<DmaController> bus_socket;
  tlm_utils::simple_target_socket<DmaController> register_socket;

  DmaController(sc_core::sc_module_name name, const DmaParams& params, ModelContext& context);

  /// Connects `device` to `channel` (its DREQ/DACK/TC lines).
  void attach(unsigned channel, DmaPeripheral& device);

  /// The name a channel uses on the bus and in records: "<controller>.ch<N>".
  std::string channel_name(unsigned channel) const;

 private:
  struct Channel {
    unsigned index = 0;
    DmaPeripheral* device = nullptr;
    std::uint32_t base_address = 0, base_count = 0, mode = 0;
    std::uint32_t current_address = 0, current_count = 0;
    bool masked = true;
    bool terminal_count = false;
    bool error = false;
    sc_core::sc_event start;
  };
  struct Segment {
    std::uint64_t address;
    std::uint32_t count;
  };

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void channel_thread(Channel& ch);
  /// Runs one programmed transfer to terminal count.
  void run_transfer(Channel& ch);
  bool read_descriptor(Channel& ch, std::uint64_t address, Segment& segment, bool& last,
                       BusAccess::Hold hold);
  /// One bus transaction for `ch`; waits for it to finish. False on an error response.
  bool bus_transfer(Channel& ch, tlm::tlm_command command, std::uint64_t address,
                    std::uint8_t* data, unsigned length, BusAccess::Mode mode, BusAccess::Hold hold,
                    Picoseconds* granted);

  DmaParams params_;
  ModelContext& context_;
  std::vector<Channel> channels_;
};

}  // namespace iosim::hw
