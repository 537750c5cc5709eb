#pragma once

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::hw {

/// The costs of what a CPU does besides computing. Defaults are the `textbook` machine's round
/// numbers; presets (docs/presets.md) replace them with sourced figures.
struct CpuParams {
  Frequency clock{1'000'000'000};
  sc_core::sc_time syscall_entry{100, sc_core::SC_NS};
  sc_core::sc_time syscall_exit{100, sc_core::SC_NS};
  sc_core::sc_time interrupt_entry{1, sc_core::SC_US};
  sc_core::sc_time interrupt_exit{1, sc_core::SC_US};
  sc_core::sc_time context_switch{2, sc_core::SC_US};
  sc_core::sc_time io_instruction{100, sc_core::SC_NS};
  Bandwidth memcpy_bandwidth{8'000'000'000};
  ByteSize cache_line{64};
  sc_core::sc_time compute_access_interval{500, sc_core::SC_NS};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"clock", "Core clock; sets the unit of `cycles` in compute operations",
               "textbook round number"},
      clock);
    v(ParamDoc{"syscall_entry", "User -> kernel transition of a system call (trap, entry code)",
               "~0.1 us bare; shared/spec/linux-io.md section 9"},
      syscall_entry);
    v(ParamDoc{"syscall_exit", "Kernel -> user return of a system call",
               "~0.1 us bare; shared/spec/linux-io.md section 9"},
      syscall_exit);
    v(ParamDoc{"interrupt_entry",
               "From a raised line to the first handler instruction (INTA, vector, state save)",
               "1-5 us entry+handler+exit, unverified (linux-io.md section 9)"},
      interrupt_entry);
    v(ParamDoc{"interrupt_exit", "From the handler's last instruction back to the interrupted code",
               "1-5 us entry+handler+exit, unverified (linux-io.md section 9)"},
      interrupt_exit);
    v(ParamDoc{"context_switch",
               "Switching the CPU from one process to another (scheduler + state)",
               "1-3 us pipe ping-pong (linux-io.md section 9)"},
      context_switch);
    v(ParamDoc{"io_instruction",
               "CPU time of one in/out instruction besides its bus transaction (serialising)",
               "textbook round number"},
      io_instruction);
    v(ParamDoc{"memcpy_bandwidth", "Rate of a CPU copy between two memory buffers",
               "7-11 GB/s one core (linux-io.md section 9)"},
      memcpy_bandwidth);
    v(ParamDoc{"cache_line", "Bytes of one cache-line fill or write-back on the bus", "x86: 64 B"},
      cache_line);
    v(ParamDoc{"compute_access_interval",
               "While a process computes, one cache-line fill from memory every this long",
               "textbook: a loop that misses the cache every 500 ns"},
      compute_access_interval);
  }
};

}  // namespace iosim::hw
