// Running a scenario: build the platform from it, run it, record, compute the metrics and check
// the expectations.
#pragma once

#include <vector>

#include "models/platform.h"
#include "sim/expectations.h"
#include "sim/metrics.h"
#include "sim/scenario.h"

namespace iosim::sim {

struct RunResult {
  RunOutcome outcome;
  std::vector<trace::Record> records;  // sorted by start time
  Metrics metrics;                     // including "completed", "expectations.passed/failed"
  std::vector<ExpectationResult> expectations;

  /// True when the run completed, every expectation held and the data verified (when the
  /// scenario moves any data).
  bool passed() const { return problems().empty(); }
  /// Why the run did not pass, one sentence each; empty when it passed.
  std::vector<std::string> problems() const;
  bool moves_data = false;  // the scenario has operations that move payload bytes
};

/// What run_platform needs from a scenario.
RunSpec make_run_spec(const Scenario& scenario);

/// Builds and runs the platform. SystemC elaborates once per OS process: call at most once.
RunResult run_scenario(const Scenario& scenario);

/// The part of run_scenario after the simulation: sorts the records, computes the metrics and
/// checks the expectations (separate so it can be tested without SystemC).
RunResult finish_run(const Scenario& scenario, const RunOutcome& outcome,
                     std::vector<trace::Record> records);

}  // namespace iosim::sim
