#include "sim/run.h"

#include <set>

#include "sim/recorder.h"

namespace iosim::sim {
namespace {

bool scenario_moves_data(const Scenario& scenario) {
  for (const os::ProcessSpec& p : scenario.processes) {
    // A write to a file opened read-only fails with EBADF and moves nothing; so does a store
    // into a shared mapping of it (PROT_READ: SIGSEGV). A private mapping can always be written.
    std::set<std::string> writable, mapped_private;
    auto note_open = [&writable, &mapped_private](const os::Operation& op) {
      const auto* open = std::get_if<os::FileOpen>(&op);
      if (open != nullptr && open->flags.write) writable.insert(open->path);
      const auto* map = std::get_if<os::MmapFile>(&op);
      if (map != nullptr && map->kind == os::MapKind::private_copy)
        mapped_private.insert(map->path);
      return false;
    };
    os::any_operation(p.setup, note_open);
    os::any_operation(p.program, note_open);
    const bool moves = os::any_operation(p.program, [&](const os::Operation& op) {
      if (const auto* w = std::get_if<os::FileWrite>(&op)) return writable.count(w->path) > 0;
      if (const auto* w = std::get_if<os::StdioWrite>(&op)) return writable.count(w->path) > 0;
      if (const auto* w = std::get_if<os::MapWrite>(&op)) {
        return writable.count(w->path) > 0 || mapped_private.count(w->path) > 0;
      }
      return std::holds_alternative<os::DeviceRead>(op) ||
             std::holds_alternative<os::FileRead>(op) ||
             std::holds_alternative<os::UringRead>(op) || std::holds_alternative<os::MapRead>(op) ||
             std::holds_alternative<os::ReadWrite>(op) ||
             std::holds_alternative<os::ReadSendZerocopy>(op) ||
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
  const auto number = [this](const char* key) {
    const auto it = metrics.find(key);
    return it == metrics.end() ? 0.0L : metric_as_number(it->second);
  };
  // A crash may end the run before any byte was checked; bytes checked must still match.
  const bool crashed_unchecked = number("crash.happened") != 0 && number("bytes.verified") == 0;
  if (moves_data && !crashed_unchecked &&
      (verified == metrics.end() || !std::get<bool>(verified->second))) {
    out.push_back("the payload bytes did not verify");
  }
  if (number("lost.durable_bytes") > 0) {
    out.push_back("the crash lost " +
                  format_metric(metrics.at("lost.durable_bytes"), MetricKind::bytes) +
                  " that the model had reported durable");
  }
  return out;
}

RunSpec make_run_spec(const Scenario& scenario) {
  RunSpec spec;
  spec.params = scenario.params;
  spec.processes = scenario.processes;
  spec.files = scenario.files;
  spec.seed = scenario.seed;
  spec.crash = scenario.crash;
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
