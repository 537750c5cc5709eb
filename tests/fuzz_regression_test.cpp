// What the fuzzers found (fuzz/regressions/), replayed in every test run: each input must be
// refused with the parser's own error, or accepted, never crash or throw anything else. Under
// IOSIM_SANITIZE the sanitizers check the memory errors some of them once caused.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz/scenario_input.h"
#include "sim/file_output.h"
#include "sim/scenario.h"
#include "sim/trace_reader.h"

namespace iosim::sim {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs(const std::string& target) {
  std::vector<fs::path> files;
  for (const auto& entry :
       fs::directory_iterator(fs::path(IOSIM_SOURCE_DIR) / "fuzz" / "regressions" / target)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FuzzRegressions, ScenarioLoaderRefusesWithItsOwnError) {
  const std::vector<fs::path> files = inputs("scenario");
  ASSERT_FALSE(files.empty());
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    try {
      const std::string text = read_file(file.string());
      parse_scenario(text, "fuzz.yaml", fuzz::overrides_in(text));
    } catch (const ScenarioError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "escaped: " << e.what();
    }
  }
}

TEST(FuzzRegressions, TraceReaderRefusesWithItsOwnError) {
  const std::vector<fs::path> files = inputs("trace_reader");
  ASSERT_FALSE(files.empty());
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    const std::string text = read_file(file.string());
    for (bool metrics_only : {false, true}) {
      try {
        if (metrics_only) {
          parse_metrics_json(text, "fuzz.json");
        } else {
          parse_trace(text, "fuzz.json");
        }
      } catch (const TraceError&) {
      } catch (const std::exception& e) {
        ADD_FAILURE() << "escaped: " << e.what();
      }
    }
  }
}

TEST(FuzzRegressions, NumberOverflowIsAnErrorWithItsPosition) {
  try {
    parse_trace("{\n  \"format\": \"iosim-trace\",\n  \"version\": 1e400\n}", "t.json");
    FAIL() << "accepted";
  } catch (const TraceError& e) {
    EXPECT_STREQ(e.what(), "t.json:3:14: error: invalid JSON: number overflow parsing '1e400'");
  }
}

}  // namespace
}  // namespace iosim::sim
