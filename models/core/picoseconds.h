// The unit of simulated time in records and metrics, without SystemC: the trace vocabulary
// (trace.h) is shared with programs that never link the simulation (the GUI).
#pragma once

#include <cstdint>

namespace iosim {

/// Simulated time as an integer number of picoseconds.
using Picoseconds = std::uint64_t;

}  // namespace iosim
