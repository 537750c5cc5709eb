// Reading a trace file back (the GUI's and the tests' side of docs/trace-format.md).
#pragma once

#include <string>
#include <vector>

#include "models/core/trace.h"
#include "sim/export_json.h"
#include "sim/metrics.h"
#include "sim/source_pos.h"

namespace iosim::sim {

struct TraceFile {
  int version = 0;
  TraceScenarioInfo scenario;
  Picoseconds end_time = 0;
  std::vector<trace::RegionDecl> regions;
  std::vector<trace::Record> records;  // in file order; record types this reader does not know
                                       // (from a newer writer of the same version) are skipped
  Metrics metrics;
};

/// A trace that cannot be read. For JSON syntax errors (a truncated file) the position has the
/// line and column; for a structure error it has none and the message names the element
/// ("records[12]: missing field 'bytes'").
class TraceError : public InputError {
 public:
  using InputError::InputError;
};

/// Reads and checks a trace file. Throws TraceError.
TraceFile read_trace_file(const std::string& path);
/// Parses trace text; `name` is used in messages.
TraceFile parse_trace(const std::string& text, const std::string& name);

/// Parses a metrics JSON object (`iosim run --json`, metrics_to_json). Throws TraceError.
Metrics parse_metrics_json(const std::string& text, const std::string& name);

}  // namespace iosim::sim
