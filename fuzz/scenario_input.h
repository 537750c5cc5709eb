// How scenario_fuzz reads its input, shared with tests/fuzz_regression_test.cpp so that a saved
// finding replays exactly: the bytes are the scenario's text, and each line "#set KEY=VALUE" (a
// YAML comment, so the text stays a scenario) is also an `iosim run --set KEY=VALUE` override.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "sim/scenario.h"

namespace iosim::fuzz {

inline std::vector<sim::ScenarioOverride> overrides_in(const std::string& text) {
  std::vector<sim::ScenarioOverride> overrides;
  std::istringstream lines(text);
  const std::string marker = "#set ";
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, marker.size(), marker) != 0) continue;
    try {
      overrides.push_back(sim::parse_override(line.substr(marker.size())));
    } catch (const sim::InputError&) {
      // A malformed --set is refused before any file is read: nothing more to fuzz with it.
    }
  }
  return overrides;
}

}  // namespace iosim::fuzz
