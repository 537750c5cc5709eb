// libFuzzer target: bytes as a trace file (docs/trace-format.md) and as a metrics object. The
// reader may reject anything, but only with a TraceError; any other exception, a crash, or what
// AddressSanitizer/UBSan catch is a bug. See fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/trace_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    iosim::sim::parse_trace(text, "fuzz.json");
  } catch (const iosim::sim::TraceError&) {
    // The expected way to refuse an input.
  }
  try {
    iosim::sim::parse_metrics_json(text, "fuzz.json");
  } catch (const iosim::sim::TraceError&) {
  }
  return 0;
}
