// What the command line prints: the run report, `explain`, the parameter, preset and metric
// references, and the comparison table. Kept in the library (not in the CLI) so tests and the
// documentation checks use exactly what users see.
#pragma once

#include <string>
#include <vector>

#include "sim/metrics.h"
#include "sim/presets.h"
#include "sim/run.h"
#include "sim/scenario.h"

namespace iosim::sim {

enum class TableStyle { text, csv, markdown };

/// A table of text cells printed aligned (text), as RFC 4180 CSV, or as a Markdown table.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  /// Columns whose cells are numbers read better right-aligned (text style only).
  void align_right(std::size_t column) { right_.push_back(column); }
  std::string render(TableStyle style, const std::string& indent = "") const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::size_t> right_;
};

/// The readable summary of a run: title, what it teaches, the figures, the expectations.
std::string format_run_report(const Scenario& scenario, const RunResult& result);
/// Only the expectations that failed and the other problems (for --quiet).
std::string format_run_problems(const Scenario& scenario, const RunResult& result);

/// `iosim explain`: the scenario with every effective parameter and where it comes from.
std::string format_explain(const Scenario& scenario);
/// `iosim explain --json`: the same as one JSON object, with the scenario's knobs (docs/cli.md).
std::string explain_to_json(const Scenario& scenario);

/// `iosim params`: every parameter with its unit kind, default, description and source.
/// With a preset: the preset's effective values and which come from the preset.
std::string params_reference(TableStyle style, const Preset* preset = nullptr);
/// `iosim presets`: each preset's summary and the values it sets, with sources.
std::string presets_reference(TableStyle style);
/// `iosim metrics`: every metric name (or pattern), its kind and meaning.
std::string metrics_reference(TableStyle style);

/// One scenario's outcome in `iosim compare`.
struct CompareRow {
  std::string name;  // file stem
  Metrics metrics;
};
/// The comparison table, one row per scenario.
std::string format_compare(const std::vector<CompareRow>& rows, TableStyle style);

}  // namespace iosim::sim
