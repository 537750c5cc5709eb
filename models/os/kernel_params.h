#pragma once

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::os {

struct KernelParams {
  sc_core::sc_time driver_setup{2, sc_core::SC_US};
  sc_core::sc_time timeslice{4, sc_core::SC_MS};
  bool wakeup_preemption = true;
  std::uint64_t max_sectors_per_command = 256;
  sc_core::sc_time decoupling_quantum{10, sc_core::SC_US};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"driver_setup",
               "CPU time a driver spends preparing one request besides its register accesses "
               "(checks, building a descriptor list or channel program, queueing)",
               "textbook"},
      driver_setup);
    v(ParamDoc{"timeslice", "How long a process runs before another runnable one gets the CPU",
               "CFS sched_latency 6 ms / 24 ms; textbook 4 ms"},
      timeslice);
    v(ParamDoc{"wakeup_preemption",
               "A process woken by I/O preempts a running computation at once (CFS wakeup "
               "preemption) instead of waiting for the timeslice to end",
               "kernel/sched/fair.c check_preempt_wakeup"},
      wakeup_preemption);
    v(ParamDoc{"max_sectors_per_command",
               "Largest request the block driver sends to a disk in one command; longer reads "
               "are split",
               "ATA 28-bit commands: 256 sectors"},
      max_sectors_per_command);
    v(ParamDoc{"decoupling_quantum",
               "Longest stretch PIO code runs ahead of the simulation clock before it "
               "synchronises; bounds how late an interrupt is noticed during PIO",
               "simulation setting; TLM-2.0 quantum keeper practice"},
      decoupling_quantum);
  }
};

}  // namespace iosim::os
