// Metrics: a flat, ordered map from a dotted key to a number or a truth value, computed only from
// the trace records (plus the run's end time and the scenario's process list), so every number
// can be traced back to records.
//
// The registry below is the one place that names the metrics: the scenario loader checks an
// expectation's metric against it, `iosim metrics` prints it, and docs/trace-format.md shows it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/core/trace.h"
#include "models/os/program.h"

namespace iosim::sim {

/// Integers (picoseconds, bytes, counts) stay exact; ratios are doubles.
using MetricValue = std::variant<std::int64_t, double, bool>;
/// Ordered by key, so every output built from it is in the same order on every run.
using Metrics = std::map<std::string, MetricValue>;

/// What a metric's number counts, for parsing expectation values and for printing.
enum class MetricKind { count, time_ps, bytes, ratio, flag };

struct MetricDefinition {
  std::string pattern;  // "interrupts" or "interrupts.<device>": <...> stands for one name
  MetricKind kind;
  std::string description;  // one sentence
};

/// Every metric a run may produce, in a stable order.
const std::vector<MetricDefinition>& metric_definitions();
/// The definition whose pattern `key` matches, or nullptr. `placeholder` receives the name that
/// filled the pattern's <...> ("disk0" for "interrupts.disk0"), if any.
const MetricDefinition* find_metric_definition(std::string_view key,
                                               std::string* placeholder = nullptr);
/// Every concrete name in the registry (patterns left out), for "did you mean".
std::vector<std::string> concrete_metric_names();

/// "time", "bytes", ...
const char* to_string(MetricKind kind);

/// Computes the metrics of a run. `processes` tells which processes compete (their program has
/// `compute: {until: end}`) for cpu.other_work_ps.
Metrics compute_metrics(const std::vector<trace::Record>& records, Picoseconds end_time,
                        const std::vector<os::ProcessSpec>& processes);

/// The value for people: "12.5ms" for a time, "65536 (64KiB)" for bytes, "37.5%" for a ratio.
std::string format_metric(const MetricValue& value, MetricKind kind);
/// The value as a plain number or true/false (JSON/CSV-like): "12500000000", "0.375".
std::string format_metric_plain(const MetricValue& value);
/// The value as a long double (0/1 for flags).
long double metric_as_number(const MetricValue& value);

}  // namespace iosim::sim
