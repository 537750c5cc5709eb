#pragma once

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::hw {

/// An 8237-style DMA controller with descriptor chaining.
struct DmaParams {
  std::uint64_t channels = 4;
  ByteSize transfer_unit{4};
  ByteSize descriptor_size{16};
  sc_core::sc_time cycle_overhead{0, sc_core::SC_NS};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"channels", "Independent DMA channels", "8237A: 4 per chip"}, channels);
    v(ParamDoc{"transfer_unit", "Bytes moved per DMA bus transaction (one DACK cycle)",
               "8237A: 1 B (2 B on the 16-bit slave); textbook 4 B"},
      transfer_unit);
    v(ParamDoc{"descriptor_size",
               "Bytes of one scatter-gather descriptor read from memory "
               "(address, count, flags, next)",
               "PCI bus-master IDE PRD: 8 B; textbook 16 B"},
      descriptor_size);
    v(ParamDoc{"cycle_overhead",
               "Extra time the controller holds the bus per transfer unit beyond the bus "
               "transaction itself (8237: S0-S4 states)",
               "textbook: none"},
      cycle_overhead);
  }
};

}  // namespace iosim::hw
