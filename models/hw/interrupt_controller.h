// A programmable interrupt controller in the manner of two cascaded 8259As, level-sensitive.
//
// A line requests while its input is high. The CPU's INTR input is high while some unmasked
// requesting line has a higher priority (lower number) than every line in service. The CPU
// acknowledges (INTA: a read of the ACK register, which returns the line and marks it in
// service) and the handler ends with an EOI write. Devices lower their lines themselves when the
// handler reads their status, as ATA INTRQ does.
//
// Registers (4 bytes, little-endian, offsets in the controller's I/O window):
//   0x0 MASK (rw)  bit n set = line n masked
//   0x4 ACK  (r)   INTA: highest-priority pending line, now in service; 0xFFFFFFFF if none
//   0x8 EOI  (w)   end of interrupt for the line written
//   0xC PENDING (r) lines requesting now;  0x10 IN_SERVICE (r)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/hw/dram_params.h"

namespace iosim::hw {

class InterruptController : public sc_core::sc_module {
 public:
  static constexpr std::uint64_t kMask = 0x0, kAck = 0x4, kEoi = 0x8, kPending = 0xC,
                                 kInService = 0x10;
  static constexpr std::uint32_t kNoInterrupt = 0xFFFFFFFF;

  sc_core::sc_vector<sc_core::sc_in<bool>> irq_in;
  sc_core::sc_out<bool> intr_out;
  tlm_utils::simple_target_socket<InterruptController> register_socket;

  InterruptController(sc_core::sc_module_name name, const InterruptControllerParams& params,
                      ModelContext& context);

  /// Names the device on `line`, for records.
  void name_line(int line, std::string device);

 private:
  SC_HAS_PROCESS(InterruptController);
  void sample_lines();
  void update_output();
  int highest_pending() const;
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  struct Line {
    std::string device;
    bool level = false;
    Picoseconds raised_at = 0;
    Picoseconds acknowledged_at = 0;
  };

  ModelContext& context_;
  std::vector<Line> lines_;
  std::uint32_t mask_ = 0;
  std::uint32_t in_service_ = 0;
  sc_core::sc_signal<bool> intr_level_{"intr_level"};
  sc_core::sc_event output_changed_;
};

}  // namespace iosim::hw
