// Runs one DMA read on the installed library and checks that the bytes arrived.
#include <cstdlib>
#include <iostream>

#include "models/platform.h"

int sc_main(int, char**) {
  return EXIT_FAILURE;
}

int main() {
  iosim::RunSpec spec;
  iosim::os::DeviceRead read;
  read.bytes = iosim::ByteSize(4096);
  spec.processes = {{"reader", {read}}};
  iosim::trace::VectorSink sink;
  const iosim::RunOutcome outcome = iosim::run_platform(spec, sink);
  std::uint64_t verified = 0, mismatched = 0;
  for (const auto& r : sink.records) {
    if (const auto* v = std::get_if<iosim::trace::Verification>(&r.data)) {
      verified += v->bytes;
      mismatched += v->mismatched;
    }
  }
  std::cout << "completed=" << outcome.completed << " verified=" << verified
            << " mismatched=" << mismatched << "\n";
  return outcome.completed && verified == 4096 && mismatched == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
