#include "sim/run.h"

#include "sim/recorder.h"

namespace iosim::sim {
namespace {

bool scenario_moves_data(const Scenario& scenario) {
  for (const os::ProcessSpec& p : scenario.processes) {
    const bool moves = os::any_operation(p.program, [](const os::Operation& op) {
      return std::holds_alternative<os::DeviceRead>(op) ||
             std::holds_alternative<os::FileRead>(op) ||
             std::holds_alternative<os::ReadWrite>(op) ||
             std::holds_alternative<os::SendFile>(op) ||
             std::holds_alternative<os::MmapWrite>(op) || std::holds_alternative<os::Splice>(op);
    });
    if (moves) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> RunResult::problems() const {
  std::vector<std::string> out;
  if (!outcome.completed) {
    out.push_back("the simulation did not complete" +
                  (outcome.error.empty() ? std::string() : ": " + outcome.error));
  }
  for (const ExpectationResult& e : expectations) {
    if (!e.passed)
      out.push_back("expectation failed: " + e.expectation.metric + " " + e.expectation.describe());
  }
  const auto verified = metrics.find("verified");
  if (moves_data && (verified == metrics.end() || !std::get<bool>(verified->second))) {
    out.push_back("the payload bytes did not verify");
  }
  return out;
}

RunSpec make_run_spec(const Scenario& scenario) {
  RunSpec spec;
  spec.params = scenario.params;
  spec.processes = scenario.processes;
  spec.files = scenario.files;
  spec.seed = scenario.seed;
  return spec;
}

RunResult finish_run(const Scenario& scenario, const RunOutcome& outcome,
                     std::vector<trace::Record> records) {
  RunResult result;
  result.outcome = outcome;
  result.moves_data = scenario_moves_data(scenario);
  result.records = std::move(records);
  sort_by_start(result.records);
  result.metrics = compute_metrics(result.records, outcome.end_time, scenario.processes);
  result.metrics["completed"] = outcome.completed;
  result.expectations = evaluate_expectations(scenario.expectations, result.metrics);
  std::int64_t passed = 0;
  for (const ExpectationResult& e : result.expectations) passed += e.passed ? 1 : 0;
  result.metrics["expectations.passed"] = passed;
  result.metrics["expectations.failed"] =
      static_cast<std::int64_t>(result.expectations.size()) - passed;
  return result;
}

RunResult run_scenario(const Scenario& scenario) {
  Recorder recorder;
  const RunOutcome outcome = run_platform(make_run_spec(scenario), recorder);
  return finish_run(scenario, outcome, recorder.take_sorted());
}

}  // namespace iosim::sim
