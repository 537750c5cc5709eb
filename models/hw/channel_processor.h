// An IBM System/360-style I/O channel: a small processor that runs channel programs (chains of
// CCWs in main memory) on behalf of the CPU, moves the data between its devices and memory by
// stealing storage cycles, and interrupts the CPU once per program.
//
// The CPU's side (registers, 4 bytes little-endian, offsets in the channel's I/O window):
//   0x00 CAW          (rw) address of the first CCW of the next program
//   0x04 DEVICE       (rw) device number the next START addresses
//   0x08 START        (w)  START SUBCHANNEL / SIO for DEVICE with CAW; sets CONDITION CODE
//   0x0C CONDITION CODE (r) of the last START: 0 started, 1 CSW stored (the device had a pending
//                          interruption: its CSW is now at csw_address and nothing started),
//                          2 busy, 3 not operational (no such device)
//   0x10 INTERRUPTION (r)  device number of the oldest pending interruption, or 0xFFFFFFFF. The
//                          read accepts that interruption: its CSW is stored at csw_address before
//                          the read completes. Until then a CSW waits in its subchannel.
//   0x14 STATUS       (r)  bit 0: an interruption is pending (irq_out high); bit 1: a program runs
//
// Channel program (format-1 CCWs, 8 bytes big-endian, doubleword aligned):
//   byte 0 command, byte 1 flags (CD CC SLI SKIP PCI), bytes 2-3 count, bytes 4-7 data address.
// CSW (8 bytes big-endian at csw_address):
//   bytes 0-3 address of the last CCW used + 8, byte 4 unit status, byte 5 channel status,
//   bytes 6-7 residual count of the last CCW.
//
// Kinds: a selector channel runs one program at a time (START for any device while one runs gives
// cc 2); a multiplexer keeps a subchannel per device and runs their programs concurrently, its
// storage accesses (CCW fetches and data units) taken in round-robin, one transfer_unit per turn.
//
// Timing (docs/models/channel.md): every storage access is a bus transaction of at most
// transfer_unit bytes in BusAccess mode normal, and the channel waits for it to complete, so with
// an otherwise idle bus
//     t(irq) = t(START) + register_latency  (over the bus: when the START write's transaction ends)
//              + per CCW fetched (also TIC and data-chained ones):  occ(8) + ccw_decode
//              + per new command:                                   device_selection
//              + per data unit of n bytes:                          occ(n)
//              + whatever the device waits before it has the data (card reader: one card cycle)
// with occ(n) = arbitration + ceil(n / width) / clock + memory latency (bus.h).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/hw/channel_params.h"
#include "models/hw/device_ports.h"

namespace iosim::hw {

/// CCW flag bits (byte 1 of a format-1 CCW).
namespace ccw_flag {
constexpr std::uint8_t chain_data = 0x80;       // CD: next CCW continues this command
constexpr std::uint8_t chain_command = 0x40;    // CC: next CCW starts a new command
constexpr std::uint8_t suppress_length = 0x20;  // SLI: no incorrect-length indication
constexpr std::uint8_t skip = 0x10;             // SKIP: read from the device, store nothing
constexpr std::uint8_t pci = 0x08;              // PCI: interrupt when this CCW is fetched
/// IDA, suspend and MIDA (0x04, 0x02, 0x01) are not supported: program check.
constexpr std::uint8_t unsupported = 0x07;
}  // namespace ccw_flag

/// Channel status bits (byte 5 of the CSW).
namespace channel_status {
constexpr std::uint8_t pci = 0x80;
constexpr std::uint8_t incorrect_length = 0x40;
constexpr std::uint8_t program_check = 0x20;
}  // namespace channel_status

/// START condition codes.
namespace condition_code {
constexpr std::uint32_t started = 0;
constexpr std::uint32_t csw_stored = 1;
constexpr std::uint32_t busy = 2;
constexpr std::uint32_t not_operational = 3;
}  // namespace condition_code

/// A channel command word as the channel program holds it.
struct Ccw {
  static constexpr std::size_t kBytes = 8;
  std::uint8_t command = 0;
  std::uint8_t flags = 0;
  std::uint16_t count = 0;
  std::uint32_t data_address = 0;

  /// The 8 big-endian bytes a driver writes into memory.
  std::array<std::uint8_t, kBytes> bytes() const;
  static Ccw from_bytes(const std::uint8_t* b);
};

/// A channel status word.
struct Csw {
  static constexpr std::size_t kBytes = 8;
  std::uint32_t ccw_address = 0;  // address of the last CCW used + 8
  std::uint8_t unit_status = 0;
  std::uint8_t channel_status = 0;
  std::uint16_t residual = 0;

  std::array<std::uint8_t, kBytes> bytes() const;
  static Csw from_bytes(const std::uint8_t* b);
  /// True for the interruption that ends a program, false for a PCI interruption of a program that
  /// still runs (channel status PCI alone and no unit status).
  bool final() const { return unit_status != 0 || (channel_status & ~channel_status::pci) != 0; }
};

class ChannelProcessor : public sc_core::sc_module {
 public:
  static constexpr std::uint64_t kCaw = 0x00, kDevice = 0x04, kStart = 0x08, kConditionCode = 0x0C,
                                 kInterruption = 0x10, kStatus = 0x14;
  static constexpr std::uint32_t kNoInterruption = 0xFFFFFFFF;
  static constexpr std::uint32_t kStatusInterruptionPending = 0x1, kStatusBusy = 0x2;

  /// All memory traffic: CCW fetches, data units, CSW stores.
  tlm_utils::simple_initiator_socket<ChannelProcessor> bus_socket;
  /// The CPU's access to the registers above (addresses are offsets in the window).
  tlm_utils::simple_target_socket<ChannelProcessor> register_socket;
  /// High while an interruption is pending (level-sensitive).
  sc_core::sc_out<bool> irq_out;

  ChannelProcessor(sc_core::sc_module_name name, const ChannelParams& params,
                   ModelContext& context);
  ~ChannelProcessor() override;

  /// Connects `device` as device number `device_number` (before the simulation starts). Each
  /// device gets a subchannel with its own SystemC thread.
  void attach(std::uint16_t device_number, ChannelDevice& device);

  const ChannelParams& params() const { return params_; }
  bool multiplexer() const { return multiplexer_; }
  /// Programs ended so far (all devices), and interruptions presented (PCI ones included).
  std::uint64_t programs_completed() const { return programs_completed_; }
  std::uint64_t interruptions_presented() const { return interruptions_presented_; }

 private:
  SC_HAS_PROCESS(ChannelProcessor);
  static constexpr std::size_t kThreadStackBytes = 256 * 1024;

  struct Subchannel {
    std::uint16_t number = 0;
    ChannelDevice* device = nullptr;
    std::string name;                  // for records: "channel0.sub1"
    bool busy = false;                 // a program was accepted and has not ended
    std::uint32_t caw = 0;             // latched at START
    sc_core::sc_event start;           // the START takes effect
    bool pending = false;              // an interruption waits for the CPU
    Csw csw;                           // its status
    sc_core::sc_event path_granted;    // release_path() made this subchannel the path's owner
    std::vector<std::uint8_t> buffer;  // one transfer unit on its way
  };

  /// The state of one program while it runs (in its subchannel's thread).
  struct Program;

  void subchannel_thread(Subchannel& sub);
  void run_program(Subchannel& sub);
  bool execute_data(Subchannel& sub, Program& p);
  void end_program(Subchannel& sub, Program& p);
  void present(Subchannel& sub, const Csw& csw);

  bool storage_access(Subchannel& sub, tlm::tlm_command command, std::uint64_t address,
                      std::uint8_t* data, std::size_t length);
  void acquire_path(Subchannel& sub);
  void release_path();

  void register_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void start(const sc_core::sc_time& arrival, const sc_core::sc_time& effective);
  void store_csw(Subchannel& sub, const sc_core::sc_time& at);
  void update_irq();

  void record_activity(const std::string& device, const char* phase, Picoseconds start,
                       std::string detail);
  void record_copy(std::uint64_t copy_id, const std::string& from, const std::string& to,
                   std::uint64_t bytes, Picoseconds start, Picoseconds end);

  ChannelParams params_;
  ModelContext& context_;
  bool multiplexer_;
  std::string name_;  // basename: "channel0"

  std::vector<std::unique_ptr<Subchannel>> subchannels_;
  std::map<std::uint16_t, Subchannel*> by_number_;
  std::deque<Subchannel*> pending_;  // interruptions, oldest first
  unsigned running_ = 0;             // programs running (at most 1 on a selector)

  // The channel's one path to storage, handed round-robin between the subchannels.
  Subchannel* path_owner_ = nullptr;
  std::deque<Subchannel*> path_queue_;

  std::uint32_t caw_ = 0;
  std::uint32_t device_ = 0;
  std::uint32_t condition_code_ = condition_code::started;

  sc_core::sc_event irq_changed_;
  std::uint64_t programs_completed_ = 0;
  std::uint64_t interruptions_presented_ = 0;
};

}  // namespace iosim::hw
