// Scenario files: a lesson and its proof in one YAML file (docs/scenario-format.md).
//
//     title: Programmed I/O keeps the CPU busy
//     teaches: ...
//     platform: { preset: pc-1995, disk: { rpm: 5400 } }
//     processes:
//       - name: reader
//         program:
//           - device_read: { device: disk0, bytes: 64KiB, mechanism: pio, into: buf }
//     expect:
//       cpu.other_work_ps: { at_most: 5% of sim_time_ps }
//
// Loading checks everything that can be checked without running: every error is a
// ScenarioError naming the file, line and column of the offending text and what was expected.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/platform.h"
#include "sim/expectations.h"
#include "sim/param_table.h"
#include "sim/source_pos.h"

namespace iosim::sim {

/// Where an effective parameter value comes from.
enum class ParamOrigin { model_default, preset, scenario };
/// "default", "preset", "override"
const char* to_string(ParamOrigin origin);

/// What a knob's value is, so that a form can offer the right control: a combo box for a
/// choice, a check box for a switch, a line edit that checks the unit otherwise.
enum class KnobKind { choice, boolean, size, time, rate, frequency, count, fraction, text };
/// "choice", "bool", "size", "time", "rate", "frequency", "count", "fraction", "text"
const char* to_string(KnobKind kind);
/// The kind of control for a platform parameter of this unit kind.
KnobKind knob_kind(ParamKind kind);

/// One of the scenario's main parameters (`knobs:` in the file): the values a GUI form shows and
/// a lecturer changes. `iosim run FILE --set NAME=VALUE` sets the value at `path`.
struct Knob {
  std::string name;   // "size"
  std::string label;  // "Bytes to read"; the name when the file gives none
  std::string path;   // "processes[0].program[0].device_read.bytes"
  std::string value;  // the current value as a user types it: "64KiB"
  KnobKind kind = KnobKind::text;
  std::vector<std::string> choices;  // for KnobKind::choice
  SourcePos pos;                     // of the knob's entry
};

/// One `--set KEY=VALUE` of the command line: KEY is a path into the scenario's YAML document
/// (`platform.disk.rpm`, `processes[0].program[0].device_read.bytes`) or a knob's name, VALUE
/// is YAML (`64KiB`, `true`, `{kind: ssd}`).
struct ScenarioOverride {
  std::string argument;  // "--set KEY=VALUE", as messages name it
  std::string key;
  std::string value;
};

/// Reads "KEY=VALUE" (the text after --set). Throws InputError ("--set KEY: error: ...") for a
/// missing '=', a malformed path or a VALUE that is not YAML; whether the path fits a scenario
/// is checked when the scenario is loaded.
ScenarioOverride parse_override(const std::string& key_equals_value);

struct Scenario {
  std::string file;  // as given to the loader
  std::string title;
  std::string teaches;  // may be empty
  std::uint64_t seed = 1;
  std::string preset = "textbook";
  PlatformParams params;                             // effective values
  std::map<std::string, ParamOrigin> param_origins;  // "disk.rpm" -> origin, for every parameter
  /// Parameters set by an included file rather than this one: "disk.rpm" -> that file.
  std::map<std::string, std::string> param_files;
  std::vector<std::string> includes;  // the files `include:` brought in, in order
  std::vector<os::FileSpec> files;    // the `files:` section, in file order
  std::vector<os::ProcessSpec> processes;
  /// The top-level `crash:` (a crash at a simulated time), if any.
  std::optional<os::CrashSpec> crash;
  std::vector<Expectation> expectations;
  std::vector<Knob> knobs;
};

/// Reads and checks a scenario file, after applying `overrides` in order to its YAML document.
/// Throws ScenarioError (also for a missing, unreadable or empty file; then the position has no
/// line). An error in a value an override set names the override, not a line of the file.
Scenario load_scenario_file(const std::string& path,
                            const std::vector<ScenarioOverride>& overrides = {});
/// Checks a scenario given as text; `file_name` is used in messages.
Scenario parse_scenario(const std::string& yaml_text, const std::string& file_name,
                        const std::vector<ScenarioOverride>& overrides = {});

/// The keys allowed at the top level of a scenario file, in documentation order.
const std::vector<std::string>& scenario_top_level_keys();
/// The operations a program may contain.
const std::vector<std::string>& operation_names();

/// The names the scenario language uses for the models' enums.
const char* mechanism_name(os::Mechanism m);
const char* dma_mode_name(os::DmaMode m);
const char* read_order_name(os::ReadOrder o);
const char* advice_name(os::Advice a);
/// An operation as a scenario writes it: "device_read: { device: disk0, ... }".
std::string describe_operation(const os::Operation& op);

}  // namespace iosim::sim
