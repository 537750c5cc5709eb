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
#include <string>
#include <vector>

#include "models/platform.h"
#include "sim/expectations.h"
#include "sim/source_pos.h"

namespace iosim::sim {

/// Where an effective parameter value comes from.
enum class ParamOrigin { model_default, preset, scenario };
/// "default", "preset", "override"
const char* to_string(ParamOrigin origin);

struct Scenario {
  std::string file;  // as given to the loader
  std::string title;
  std::string teaches;  // may be empty
  std::uint64_t seed = 1;
  std::string preset = "textbook";
  PlatformParams params;                             // effective values
  std::map<std::string, ParamOrigin> param_origins;  // "disk.rpm" -> origin, for every parameter
  std::vector<os::ProcessSpec> processes;
  std::vector<Expectation> expectations;
};

/// Reads and checks a scenario file. Throws ScenarioError (also for a missing, unreadable or
/// empty file; then the position has no line).
Scenario load_scenario_file(const std::string& path);
/// Checks a scenario given as text; `file_name` is used in messages.
Scenario parse_scenario(const std::string& yaml_text, const std::string& file_name);

/// The keys allowed at the top level of a scenario file, in documentation order.
const std::vector<std::string>& scenario_top_level_keys();
/// The operations a program may contain.
const std::vector<std::string>& operation_names();

/// The names the scenario language uses for the models' enums.
const char* mechanism_name(os::Mechanism m);
const char* dma_mode_name(os::DmaMode m);
/// An operation as a scenario writes it: "device_read: { device: disk0, ... }".
std::string describe_operation(const os::Operation& op);

}  // namespace iosim::sim
