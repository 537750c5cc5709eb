// libFuzzer target: bytes as the text of a scenario file, with "#set KEY=VALUE" lines as --set
// overrides (fuzz/scenario_input.h). The loader may reject anything, but only with its own error
// (a ScenarioError naming file, line and column); any other exception, a crash, or what
// AddressSanitizer/UBSan catch is a bug. See fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/scenario_input.h"
#include "sim/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    iosim::sim::parse_scenario(text, "fuzz.yaml", iosim::fuzz::overrides_in(text));
  } catch (const iosim::sim::ScenarioError&) {
    // The expected way to refuse an input.
  }
  return 0;
}
