// Expectations: what a scenario claims about its own metrics (`expect:` in the file), checked
// after the run. A claim compares one metric with a value in the metric's own unit, or with a
// percentage of another metric, exactly (integers and decimals are compared without rounding).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/metrics.h"
#include "sim/source_pos.h"
#include "sim/units.h"

namespace iosim::sim {

/// A value an expectation compares with.
struct Amount {
  /// In the metric's base unit (picoseconds, bytes, a count, a ratio), or, when of_metric is set,
  /// the fraction of that metric ("5% of sim_time_ps": 0.05).
  Decimal number;
  std::string of_metric;
  std::string text;  // as written, for messages
};

struct Expectation {
  std::string metric;
  MetricKind kind = MetricKind::count;
  std::optional<bool> equals_flag;  // for true/false metrics
  std::optional<Amount> equals, at_least, at_most;
  /// With `equals`: a percentage is relative to the expected value, a value with a unit is
  /// absolute. Without one, equality is exact.
  std::optional<Amount> tolerance;
  bool tolerance_is_relative = false;
  SourcePos pos;  // where the expectation is written

  /// "at most 5% of sim_time_ps", "equals 4", "between 1ms and 2ms"
  std::string describe() const;
};

struct ExpectationResult {
  Expectation expectation;
  bool passed = false;
  std::string expected;  // the claim with every value resolved: "at most 617.25us (5% of ...)"
  std::string actual;    // the metric's value: "12.3ms"
};

/// Reads a value written for a metric of `kind`: "2ms" for a time, "64KiB" for bytes, "4" for a
/// count, "37.5%" for a ratio, or "N% of other.metric" for any numeric metric. Throws ParseError.
/// Does not check that `other.metric` exists (the loader does, with the file position).
Amount parse_amount(std::string_view text, MetricKind kind);

/// Checks each expectation against the metrics. A metric whose name matches a pattern of the
/// registry ("interrupts.<device>") but that the run did not produce counts as 0.
std::vector<ExpectationResult> evaluate_expectations(const std::vector<Expectation>& expectations,
                                                     const Metrics& metrics);

/// The metric's value, or 0 for a pattern metric the run did not produce; nullopt when unknown.
std::optional<MetricValue> lookup_metric(const Metrics& metrics, const std::string& key);

}  // namespace iosim::sim
