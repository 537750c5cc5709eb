// The `iosim` command line (docs/cli.md).
//
// Exit status: 0 success; 1 the run finished but an expectation failed or the data did not
// verify; 2 bad input or usage (the message says FILE:LINE:COL: error: ...).
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <systemc>

#include "sim/catalog.h"
#include "sim/cli/child_process.h"
#include "sim/cli/sweep_command.h"
#include "sim/export_json.h"
#include "sim/export_perfetto.h"
#include "sim/export_vcd.h"
#include "sim/file_output.h"
#include "sim/presets.h"
#include "sim/report.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/suggest.h"
#include "sim/trace_reader.h"

// libsystemc.so defines main() and calls sc_main(); this program has its own main, so sc_main
// is never the entry point (shared/spec/toolchain.md).
int sc_main(int, char*[]) {
  return EXIT_FAILURE;
}

namespace {

using namespace iosim::sim;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

/// The path this program was started from, for running itself as a child.
const char* const kSelf = "/proc/self/exe";
/// The environment variable that says where the built-in scenarios are (`iosim list`).
const char* const kScenariosEnv = "IOSIM_SCENARIOS";
/// The environment variable that names another program to run each point of a sweep (the tests
/// use a wrapper that crashes on purpose); by default this program itself.
const char* const kSweepWorkerEnv = "IOSIM_SWEEP_WORKER";

/// The command as typed, each argument quoted for a POSIX shell when it needs it (OUT.meta).
std::string shell_command(int argc, char** argv) {
  std::string out = "iosim";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789_./=:,+@%-") == std::string::npos;
    out += ' ';
    if (plain) {
      out += arg;
    } else {
      out += '\'';
      for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

/// Reads every `--set KEY=VALUE`; prints the first malformed one and returns false.
bool parse_overrides(const std::vector<std::string>& arguments,
                     std::vector<ScenarioOverride>& overrides) {
  for (const std::string& argument : arguments) {
    try {
      overrides.push_back(parse_override(argument));
    } catch (const InputError& e) {
      std::cerr << e.what() << "\n";
      return false;
    }
  }
  return true;
}

/// Adds the repeatable `--set KEY=VALUE` option to a subcommand.
void add_set_option(CLI::App* command, std::vector<std::string>& sets) {
  command
      ->add_option("--set", sets,
                   "Set a value of the scenario before it is checked: KEY is a path "
                   "(platform.disk.rpm, processes[0].program[0].device_read.bytes) or a knob's "
                   "name, VALUE is YAML (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
}

iosim::sim::TableStyle style_from(bool csv, bool markdown) {
  if (markdown) return TableStyle::markdown;
  if (csv) return TableStyle::csv;
  return TableStyle::text;
}

/// SystemC's reports go to stdout by default; stdout belongs to the program's output (`run
/// --json` must print nothing but JSON), so they go to stderr. The one that ends every run
/// ("Simulation stopped by user.", from sc_stop) is routine and dropped.
void report_to_stderr(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
  sc_core::sc_actions rest = actions;
  if ((actions & sc_core::SC_DISPLAY) != 0) {
    const bool routine_stop = report.get_severity() == sc_core::SC_INFO &&
                              std::string(report.get_msg()) == "Simulation stopped by user.";
    if (!routine_stop) std::cerr << sc_core::sc_report_compose_message(report) << std::endl;
    rest &= ~sc_core::SC_DISPLAY;
  }
  sc_core::sc_report_handler::default_handler(report, rest);
}

/// Fails early, before a long run, when an output file could not be written at the end.
bool check_output_path(const std::string& path, const char* option) {
  if (path.empty()) return true;
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    std::cerr << "iosim: error: " << option << " " << path << ": directory " << parent.string()
              << " does not exist\n";
    return false;
  }
  if (fs::is_directory(path, ec)) {
    std::cerr << "iosim: error: " << option << " " << path << ": is a directory\n";
    return false;
  }
  return true;
}

struct RunOptions {
  std::string file;
  std::vector<ScenarioOverride> overrides;
  std::string trace_path, vcd_path, metrics_csv_path, perfetto_path;
  bool json = false;
  bool quiet = false;
  std::uint64_t seed = 0;
  bool seed_given = false;
};

int command_run(const RunOptions& o) {
  Scenario scenario;
  try {
    scenario = load_scenario_file(o.file, o.overrides);
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kExitBadInput;
  }
  if (o.seed_given) scenario.seed = o.seed;
  if (!check_output_path(o.trace_path, "--trace") || !check_output_path(o.vcd_path, "--vcd") ||
      !check_output_path(o.metrics_csv_path, "--metrics-csv") ||
      !check_output_path(o.perfetto_path, "--perfetto")) {
    return kExitBadInput;
  }

  RunResult result;
  try {
    result = run_scenario(scenario);
  } catch (const std::exception& e) {
    // A model refusing its parameters (or failing) is reported like bad input: no partial
    // output, one message naming the file.
    std::cerr << scenario.file << ": error: the simulation stopped: " << e.what() << "\n";
    return kExitBadInput;
  }
  if (result.outcome.refused) {
    std::cerr << scenario.file
              << ": error: the platform refuses these parameters: " << result.outcome.error << "\n";
    return kExitBadInput;
  }

  try {
    if (!o.trace_path.empty()) {
      const TraceScenarioInfo info{scenario.title, scenario.file, scenario.seed};
      write_file_atomically(o.trace_path, trace_to_json(info, result.outcome.end_time,
                                                        result.records, result.metrics));
    }
    if (!o.vcd_path.empty()) {
      write_file_atomically(o.vcd_path, records_to_vcd(result.records, result.outcome.end_time));
    }
    if (!o.metrics_csv_path.empty()) {
      write_file_atomically(o.metrics_csv_path, metrics_to_csv(result.metrics));
    }
    if (!o.perfetto_path.empty()) {
      const TraceScenarioInfo info{scenario.title, scenario.file, scenario.seed};
      write_file_atomically(o.perfetto_path, trace_to_chrome_json(info, result.outcome.end_time,
                                                                  result.records, result.metrics));
    }
  } catch (const std::runtime_error& e) {
    std::cerr << "iosim: error: " << e.what() << "\n";
    return kExitBadInput;
  }

  if (o.json) {
    std::cout << metrics_to_json(result.metrics);
    std::cerr << format_run_problems(scenario, result);
  } else if (o.quiet) {
    std::cerr << format_run_problems(scenario, result);
  } else {
    std::cout << format_run_report(scenario, result);
  }
  return result.passed() ? kExitOk : kExitFailed;
}

int command_validate(const std::vector<std::string>& files,
                     const std::vector<ScenarioOverride>& overrides) {
  int status = kExitOk;
  for (const std::string& file : files) {
    try {
      load_scenario_file(file, overrides);
      std::cout << file << ": ok\n";
    } catch (const ScenarioError& e) {
      std::cerr << e.what() << "\n";
      status = kExitBadInput;
    }
  }
  return status;
}

int command_explain(const std::string& file, const std::vector<ScenarioOverride>& overrides,
                    bool json) {
  try {
    const Scenario scenario = load_scenario_file(file, overrides);
    std::cout << (json ? explain_to_json(scenario) : format_explain(scenario));
    return kExitOk;
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kExitBadInput;
  }
}

int command_params(TableStyle style, const std::string& preset_name) {
  const Preset* preset = nullptr;
  if (!preset_name.empty()) {
    preset = find_preset(preset_name);
    if (preset == nullptr) {
      std::cerr << "iosim: error: unknown preset '" << preset_name << "'"
                << did_you_mean(preset_name, preset_names())
                << " (presets: " << join(preset_names()) << ")\n";
      return kExitBadInput;
    }
  }
  std::cout << params_reference(style, preset);
  return kExitOk;
}

int command_list(const std::string& dir, bool json) {
  std::string scenarios_dir;
  try {
    const char* env = std::getenv(kScenariosEnv);
    std::error_code ec;
    const std::string self = std::filesystem::read_symlink(kSelf, ec).string();
    scenarios_dir =
        find_scenarios_dir(dir, env == nullptr ? "" : env, self, IOSIM_SOURCE_SCENARIOS_DIR);
  } catch (const std::runtime_error& e) {
    std::cerr << "iosim: error: " << e.what() << "\n";
    return kExitBadInput;
  }
  const std::vector<CatalogGroup> groups = list_scenarios(scenarios_dir);
  std::cout << (json ? catalog_to_json(scenarios_dir, groups)
                     : format_catalog(scenarios_dir, groups));
  return kExitOk;
}

struct CompareOptions {
  std::vector<std::string> files;
  std::vector<ScenarioOverride> overrides;
  unsigned jobs = 1;
  bool csv = false, markdown = false, json = false;
};

std::string file_stem(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

int command_compare(const CompareOptions& o) {
  std::vector<std::vector<std::string>> commands;
  for (const std::string& file : o.files) {
    std::vector<std::string> command = {kSelf, "run", "--json"};
    for (const ScenarioOverride& set : o.overrides) {
      command.push_back("--set");
      command.push_back(set.argument.substr(set.argument.find(' ') + 1));
    }
    // "--" so that a file name starting with '-' is not taken for an option.
    command.push_back("--");
    command.push_back(file);
    commands.push_back(std::move(command));
  }
  std::vector<iosim::cli::ChildResult> children;
  try {
    children = iosim::cli::run_children(commands, o.jobs);
  } catch (const std::runtime_error& e) {
    std::cerr << "iosim: error: " << e.what() << "\n";
    return kExitBadInput;
  }

  int status = kExitOk;
  std::vector<CompareRow> rows;
  std::vector<std::string> notes;  // failures worth showing below the table
  nlohmann::ordered_json json_rows = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < children.size(); ++i) {
    const iosim::cli::ChildResult& child = children[i];
    const std::string& file = o.files[i];
    if (child.exit_status != kExitOk && child.exit_status != kExitFailed) {
      // Bad input: the child's message already names the file and position.
      std::cerr << (child.err.empty()
                        ? file + ": error: exit status " + std::to_string(child.exit_status) + "\n"
                        : child.err);
      status = kExitBadInput;
      continue;
    }
    CompareRow row{file_stem(file), {}};
    try {
      row.metrics = parse_metrics_json(child.out, file + " (metrics from iosim run --json)");
    } catch (const TraceError& e) {
      std::cerr << e.what() << "\n";
      status = kExitBadInput;
      continue;
    }
    if (child.exit_status == kExitFailed) {
      if (status == kExitOk) status = kExitFailed;
      notes.push_back(child.err);
    }
    if (o.json) {
      nlohmann::ordered_json entry;
      entry["scenario"] = row.name;
      entry["file"] = file;
      entry["exit_status"] = child.exit_status;
      entry["metrics"] = nlohmann::ordered_json::parse(metrics_to_json(row.metrics));
      json_rows.push_back(std::move(entry));
    }
    rows.push_back(std::move(row));
  }

  if (o.json) {
    std::cout << json_rows.dump(2) << "\n";
  } else if (!rows.empty()) {
    std::cout << format_compare(rows, style_from(o.csv, o.markdown));
  }
  for (const std::string& note : notes) std::cerr << note;
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // Before SystemC builds its simulation context, which prints the banner unless told not to.
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  sc_core::sc_report_handler::set_handler(report_to_stderr);

  CLI::App app{"iosim: timed simulation of how data moves through a machine", "iosim"};
  app.set_version_flag("--version", std::string("iosim ") + IOSIM_VERSION);
  app.require_subcommand(1);

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a scenario and print what happened");
  run_cmd->add_option("file", run.file, "Scenario file (YAML)")->required();
  run_cmd->add_option("--trace", run.trace_path, "Write the event trace (JSON) to this file");
  run_cmd->add_flag("--json", run.json, "Print the metrics as JSON on stdout instead of the table");
  run_cmd->add_option("--vcd", run.vcd_path, "Write the signals (VCD, for GTKWave) to this file");
  run_cmd->add_option("--metrics-csv", run.metrics_csv_path, "Write the metrics as CSV");
  run_cmd->add_option("--perfetto", run.perfetto_path,
                      "Write the run as a Chrome trace (JSON) for ui.perfetto.dev");
  CLI::Option* seed_opt = run_cmd->add_option("--seed", run.seed, "Override the scenario's seed");
  run_cmd->add_flag("--quiet,-q", run.quiet, "Print only failures");
  // One list for every subcommand: only one of them runs.
  std::vector<std::string> sets;
  add_set_option(run_cmd, sets);

  CompareOptions compare;
  CLI::App* compare_cmd =
      app.add_subcommand("compare", "Run several scenarios and print one table");
  compare_cmd->add_option("files", compare.files, "Scenario files")->required();
  compare_cmd->add_option("--jobs,-j", compare.jobs, "Scenarios to run at once")
      ->check(CLI::Range(1U, 1024U));
  compare_cmd->add_flag("--csv", compare.csv, "Print CSV with raw numbers (ps, counts)");
  compare_cmd->add_flag("--markdown", compare.markdown, "Print a Markdown table");
  compare_cmd->add_flag("--json", compare.json, "Print every scenario's metrics as JSON");
  add_set_option(compare_cmd, sets);

  std::vector<std::string> validate_files;
  CLI::App* validate_cmd =
      app.add_subcommand("validate", "Check scenario files without running them");
  validate_cmd->add_option("files", validate_files, "Scenario files")->required();
  add_set_option(validate_cmd, sets);

  std::string explain_file;
  CLI::App* explain_cmd = app.add_subcommand(
      "explain", "Show a scenario with every effective parameter and where it comes from");
  explain_cmd->add_option("file", explain_file, "Scenario file")->required();
  bool explain_json = false;
  explain_cmd->add_flag("--json", explain_json,
                        "Print one JSON object, with the scenario's knobs (for the GUI)");
  add_set_option(explain_cmd, sets);

  bool list_json = false;
  std::string list_dir;
  CLI::App* list_cmd =
      app.add_subcommand("list", "List the built-in scenarios, grouped, with their titles");
  list_cmd->add_flag("--json", list_json, "Print JSON (for the GUI's scenario browser)");
  list_cmd->add_option("--dir", list_dir,
                       "The scenarios directory (default: $IOSIM_SCENARIOS, the installed "
                       "share/iosim/scenarios, or the source tree's)");

  bool params_markdown = false, params_csv = false;
  std::string params_preset;
  CLI::App* params_cmd =
      app.add_subcommand("params", "List every platform parameter with unit, default and source");
  params_cmd->add_flag("--markdown", params_markdown, "Markdown (docs/parameters.md)");
  params_cmd->add_flag("--csv", params_csv, "CSV");
  params_cmd->add_option("--preset", params_preset, "Show the values of this preset");

  bool presets_markdown = false;
  CLI::App* presets_cmd =
      app.add_subcommand("presets", "List the presets and the values each one sets");
  presets_cmd->add_flag("--markdown", presets_markdown, "Markdown (docs/presets.md)");

  iosim::cli::SweepOptions sweep;
  CLI::App* sweep_cmd = app.add_subcommand(
      "sweep", "Run a scenario at every point of a grid of values, in parallel, into CSV or JSON");
  sweep_cmd->add_option("file", sweep.file, "Scenario file")->required();
  sweep_cmd
      ->add_option("--vary", sweep.vary,
                   "KEY=VALUES: a list a,b,c or a range LO..HI:xFACTOR or LO..HI:+STEP; KEY as "
                   "--set takes it (repeatable; the first varies slowest)")
      ->type_name("KEY=VALUES")
      ->required()
      ->allow_extra_args(false);
  sweep_cmd->add_option("--jobs,-j", sweep.jobs, "Points to run at once (default: the cores)")
      ->check(CLI::Range(1U, 1024U));
  sweep_cmd->add_option("--out,-o", sweep.out,
                        "Write the rows to this .csv or .json file, resumable (default: CSV on "
                        "stdout)");
  sweep_cmd->add_option("--shard", sweep.shard, "Run only share I of N: the points p % N == I-1")
      ->type_name("I/N");
  sweep_cmd->add_option("--metrics", sweep.metrics, "The metric columns, comma-separated")
      ->type_name("M1,M2,...");
  add_set_option(sweep_cmd, sets);

  std::string merge_out;
  std::vector<std::string> merge_inputs;
  CLI::App* merge_cmd =
      app.add_subcommand("merge", "Join the shards of a sweep (--shard) into one file");
  merge_cmd->add_option("out", merge_out, "The merged file (.csv or .json)")->required();
  merge_cmd->add_option("shards", merge_inputs, "The shards' files")->required();

  bool metrics_markdown = false, metrics_csv = false;
  CLI::App* metrics_cmd = app.add_subcommand("metrics", "List the metric names and their meaning");
  metrics_cmd->add_flag("--markdown", metrics_markdown, "Markdown (docs/trace-format.md)");
  metrics_cmd->add_flag("--csv", metrics_csv, "CSV");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }

  if (*merge_cmd)
    return iosim::cli::command_merge(merge_out, merge_inputs, shell_command(argc, argv));
  std::vector<ScenarioOverride> overrides;
  if (!parse_overrides(sets, overrides)) return kExitBadInput;
  if (*sweep_cmd) {
    sweep.sets = sets;
    sweep.command_line = shell_command(argc, argv);
    const char* worker = std::getenv(kSweepWorkerEnv);
    sweep.worker = worker != nullptr && *worker != '\0' ? worker : kSelf;
    return iosim::cli::command_sweep(sweep);
  }
  if (*run_cmd) {
    run.seed_given = seed_opt->count() > 0;
    run.overrides = overrides;
    return command_run(run);
  }
  if (*compare_cmd) {
    compare.overrides = overrides;
    return command_compare(compare);
  }
  if (*validate_cmd) return command_validate(validate_files, overrides);
  if (*explain_cmd) return command_explain(explain_file, overrides, explain_json);
  if (*list_cmd) return command_list(list_dir, list_json);
  if (*params_cmd) return command_params(style_from(params_csv, params_markdown), params_preset);
  if (*presets_cmd) {
    std::cout << presets_reference(presets_markdown ? TableStyle::markdown : TableStyle::text);
    return kExitOk;
  }
  if (*metrics_cmd) {
    std::cout << metrics_reference(style_from(metrics_csv, metrics_markdown));
    return kExitOk;
  }
  return kExitBadInput;
}
