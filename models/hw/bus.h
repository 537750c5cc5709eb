// The system bus: the one path between initiators (CPU, DMA controller, channel processor) and
// targets (DRAM, device registers), with arbitration and a bandwidth.
//
// It is a loosely-timed TLM-2.0 interconnect with an arbitration calendar. Every transaction
// occupies the bus for
//
//     occupancy = arbitration + ceil(length / width) / clock + target latency
//
// and is granted at the earliest time >= its request time (sc_time_stamp() + the initiator's
// annotated delay) at which the bus is free for that long. The calendar lets an initiator that
// runs ahead of the simulation clock (temporal decoupling: the CPU doing PIO) reserve bus time
// without a SystemC context switch, while initiators that meet on the bus still queue behind each
// other. Three ways of competing for it, chosen per transaction with a BusAccess extension:
//
//   normal       first come, first served (CPU accesses, cycle-stealing DMA: one unit at a time);
//   hold         burst DMA: the initiator keeps the bus from its first transaction until it
//                releases it, idle or not, and everybody else waits (8237 block mode);
//   transparent  only bus cycles the CPU does not want: the transaction must end before the CPU's
//                announced next access, otherwise it waits until that access is done.
//
// Simplification (docs/models.md): the CPU announces only the accesses of user-mode computation,
// whose pattern is regular; kernel accesses are not announced, so a transparent transfer can
// delay one by at most one transfer unit.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/core/params.h"
#include "models/core/trace.h"
#include "models/core/units.h"

namespace iosim::hw {

struct BusParams {
  Frequency clock{100'000'000};
  ByteSize width{8};
  sc_core::sc_time arbitration{10, sc_core::SC_NS};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"clock", "Bus clock: one data beat of `width` bytes per cycle",
               "textbook: 100 MHz (a 64-bit front-side bus of the early 2000s)"},
      clock);
    v(ParamDoc{"width", "Bytes moved per bus cycle", "textbook: 64-bit"}, width);
    v(ParamDoc{"arbitration", "Time to grant the bus to an initiator, paid per transaction",
               "one bus cycle (PCI REQ#/GNT# handshake)"},
      arbitration);
  }
  /// The peak data rate width * clock.
  Bandwidth peak_bandwidth() const { return Bandwidth(width.bytes * clock.hertz); }
};

/// How a transaction competes for the bus (absent = normal, initiator named by socket index).
struct BusAccess : tlm::tlm_extension<BusAccess> {
  enum class Mode { normal, transparent };
  enum class Hold { none, acquire, keep, release };

  std::string initiator;  // who asks, for arbitration records ("cpu0", "dma0.ch1")
  Mode mode = Mode::normal;
  Hold hold = Hold::none;

  tlm::tlm_extension_base* clone() const override { return new BusAccess(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const BusAccess&>(other);
  }
};

/// What the bus did with one transaction, for the initiator's own accounting.
struct BusGrant {
  Picoseconds requested = 0;
  Picoseconds granted = 0;
  Picoseconds finished = 0;
  Picoseconds stall() const { return granted - requested; }
};

/// Result of the last transaction, attached by the bus so an initiator can read its stall.
struct BusGrantInfo : tlm::tlm_extension<BusGrantInfo> {
  BusGrant grant;
  tlm::tlm_extension_base* clone() const override { return new BusGrantInfo(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const BusGrantInfo&>(other);
  }
};

/// Issues one transaction through an initiator's socket with the bus's extensions attached:
/// `access` says who asks and how; `delay` is the initiator's annotated delay, in and out.
/// Returns what the bus granted; the response status is left in `status`.
BusGrant bus_transaction(tlm::tlm_initiator_socket<>& socket, const BusAccess& access,
                         tlm::tlm_command command, std::uint64_t address, std::uint8_t* data,
                         unsigned length, sc_core::sc_time& delay,
                         tlm::tlm_response_status& status);

class Bus : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Bus> initiator_socket;  // initiators bind here
  tlm_utils::multi_passthrough_initiator_socket<Bus> target_socket;  // targets bind here

  Bus(sc_core::sc_module_name name, const BusParams& params, ModelContext& context);

  /// Routes [base, base + size) to the target bound at `target_index` of target_socket.
  /// Addresses are rebased: the target sees offsets from `base`.
  void map(unsigned target_index, std::uint64_t base, std::uint64_t size, std::string target_name);

  /// The CPU's next user-mode memory access will start at `at` (transparent transfers keep out).
  void announce_cpu_access(const sc_core::sc_time& at);
  /// The CPU has no regular accesses coming (it blocked, idles or left user mode).
  void withdraw_cpu_announcement();

  /// Time the bus is occupied by a transaction of `length` bytes to a target adding `latency`.
  sc_core::sc_time occupancy(std::uint64_t length, const sc_core::sc_time& latency) const;

  Picoseconds occupancy_ps(std::uint64_t length, Picoseconds latency) const;

  const BusParams& params() const { return params_; }

  /// Closes the open tenure records (call at the end of a run).
  void flush_records();

 private:
  struct Mapping {
    std::uint64_t base, size;
    unsigned target_index;
    std::string name;
  };
  struct Reservation {
    Picoseconds start, end;
  };
  struct HeldBus {
    std::string owner;
    Picoseconds since;     // grant of the first transaction
    Picoseconds last_end;  // end of the owner's latest transaction
  };
  struct OpenTenure {
    Picoseconds start = 0, end = 0, busy = 0, stall = 0;
    std::uint64_t transactions = 0, bytes = 0;
  };

  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  const Mapping* route(std::uint64_t address) const;
  Picoseconds find_gap(Picoseconds from, Picoseconds length) const;
  void reserve(Picoseconds start, Picoseconds end);
  void forget_before(Picoseconds now);
  void note_tenure(const std::string& initiator, Picoseconds granted, Picoseconds end,
                   Picoseconds busy, Picoseconds stall, std::uint64_t bytes);
  void emit_tenure(const std::string& initiator, const OpenTenure& t);

  BusParams params_;
  ModelContext& context_;
  Picoseconds arbitration_ps_;
  std::vector<Mapping> map_;
  mutable const Mapping* last_route_ = nullptr;
  std::deque<Reservation> calendar_;  // sorted by start; never overlapping
  std::optional<HeldBus> hold_;
  sc_core::sc_event hold_released_;
  std::optional<Picoseconds> cpu_next_access_;
  sc_core::sc_event cpu_announcement_changed_;
  std::string last_initiator_;
  std::map<std::string, OpenTenure> open_tenures_;
  OpenTenure* last_tenure_ = nullptr;  // open_tenures_[last_initiator_], the common case
};

}  // namespace iosim::hw
