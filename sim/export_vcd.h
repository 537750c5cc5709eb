// VCD (IEEE 1364 value change dump) for GTKWave, written from the trace records.
//
// Not through sc_trace: models that use temporal decoupling report events ahead of the SystemC
// clock, so only the records know when things really happened. Signals, in scopes:
//
//   irq.irq_<line>_<device>      wire   high from Interrupt.start (raised) to .end (handled);
//                                       an interrupt reported as an instant is a 1 ps pulse
//   bus.bus_grant_<initiator>    wire   high during each BusTenure of the initiator
//   cpu.<cpu>_mode               reg[2] 0 idle, 1 user, 2 kernel, 3 irq (CpuInterval)
//   dma.<actor>_busy             wire   DeviceActivity of a device named dma*, phase "transfer"
//   devices.<device>_busy        wire   any DeviceActivity of the device
//
// Names are reduced to letters, digits and '_' (a '.' would read as a scope separator).
// Overlapping intervals of one signal merge; a zero-length interval cannot be seen in a
// waveform and is left out. The file has no $date, so it is the same for the same records.
#pragma once

#include <string>
#include <vector>

#include "models/core/trace.h"

namespace iosim::sim {

/// The VCD text; `end_time` (ps) is written as the last timestamp so the run's full length shows.
std::string records_to_vcd(const std::vector<trace::Record>& records, Picoseconds end_time);

}  // namespace iosim::sim
