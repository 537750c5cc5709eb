#pragma once

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::hw {

struct DramParams {
  ByteSize size{256ULL << 20};
  sc_core::sc_time access_latency{50, sc_core::SC_NS};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"size", "Physical memory (pages are allocated on first touch)", "textbook"}, size);
    v(ParamDoc{"access_latency",
               "From the bus command to the first data beat (row activate + CAS); the data beats "
               "themselves are paced by the bus",
               "DDR4: tRCD + CL ~ 28 ns; textbook 50 ns"},
      access_latency);
  }
};

struct InterruptControllerParams {
  std::uint64_t lines = 16;

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"lines", "Interrupt request lines; a lower number has higher priority",
               "two cascaded 8259A: 16 lines"},
      lines);
  }
};

}  // namespace iosim::hw
