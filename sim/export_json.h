// The JSON exports: the event trace (the contract between simulation and presentation,
// docs/trace-format.md) and the metrics.
//
// Output is deterministic: the same records and metrics give the same bytes (no wall-clock time,
// no addresses, no unordered containers), so two runs of a scenario with the same seed can be
// compared with `cmp`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/core/trace.h"
#include "sim/metrics.h"

namespace iosim::sim {

/// The trace format this build writes; readers reject a file with a larger version.
constexpr int kTraceFormatVersion = 1;
/// The value of the "format" field.
constexpr const char* kTraceFormatName = "iosim-trace";

/// What the trace says about the scenario it came from.
struct TraceScenarioInfo {
  std::string title;
  std::string file;
  std::uint64_t seed = 0;
};

/// The record's "type" in the trace: "copy", "mode_switch", ..., "region".
const char* record_type(const trace::Payload& payload);

/// The whole trace file: header, regions, one record per line, metrics.
std::string trace_to_json(const TraceScenarioInfo& scenario, Picoseconds end_time,
                          const std::vector<trace::Record>& records, const Metrics& metrics);

/// The metrics as one flat JSON object, keys in the map's order.
std::string metrics_to_json(const Metrics& metrics);

/// The metrics as CSV with a header: "metric,value".
std::string metrics_to_csv(const Metrics& metrics);

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s);

}  // namespace iosim::sim
