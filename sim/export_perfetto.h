// The Chrome trace-event export: a run as a timeline that ui.perfetto.dev and chrome://tracing
// open, with one track per CPU, process, device, DMA channel, bus initiator and interrupt line
// (docs/trace-format.md, "Chrome trace / Perfetto export").
//
// It is written from the same records as the iosim trace, so it shows nothing the trace does not
// have; it is a view for people, not an interchange format (read the iosim trace for that).
// Output is deterministic: the same records and metrics give the same bytes.
#pragma once

#include <string>
#include <vector>

#include "models/core/trace.h"
#include "sim/export_json.h"
#include "sim/metrics.h"

namespace iosim::sim {

/// The whole run in the Trace Event Format (a JSON object with "traceEvents"), one event per line.
std::string trace_to_chrome_json(const TraceScenarioInfo& scenario, Picoseconds end_time,
                                 const std::vector<trace::Record>& records, const Metrics& metrics);

/// Picoseconds as the format's microseconds, exactly: 1234567 -> "1.234567", 1500000 -> "1.5",
/// 2000000 -> "2" (no floating point, so no rounding).
std::string chrome_microseconds(Picoseconds ps);

}  // namespace iosim::sim
