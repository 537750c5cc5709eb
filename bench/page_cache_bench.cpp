// Reading a file through the page cache, cold (every page from the disk by DMA, read-ahead
// windows) and warm (every page already cached: the CPU's copies only), at growing sizes: wall
// time, simulated time, peak memory of the simulation, and wall time per MiB, which must stay
// flat (the cost grows linearly with the size). Each run is a forked child, because SystemC
// elaborates one model per process. Usage: page_cache_bench [largest MiB = 1024]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/in_child.h"
#include "models/platform.h"

namespace {

struct Figures {
  double seconds = 0;
  double simulated_ps = 0;
  double peak_rss_mib = 0;
  double records = 0;
  double verified = 0;
  int ok = 0;
};

/// Counts what a run reports and keeps nothing (a 1 GiB read makes millions of records).
class CountingSink final : public iosim::trace::Sink {
 public:
  void record(iosim::trace::Record r) override {
    ++records;
    if (const auto* v = std::get_if<iosim::trace::Verification>(&r.data)) {
      verified += v->bytes;
      mismatched += v->mismatched;
    }
  }
  bool discards() const override { return true; }
  std::uint64_t records = 0, verified = 0, mismatched = 0;
};

Figures read_file(std::uint64_t mib, bool warm) {
  return iosim::bench::in_child<Figures>([&] {
    iosim::RunSpec spec;
    // Room for the whole file in memory (frames stay below the 2 GiB DMA zone).
    spec.params.dram.size = iosim::ByteSize(2ULL << 30);
    spec.params.kernel.page_cache_size = iosim::ByteSize((mib + 64) << 20);
    spec.params.disk.cylinders = 100000;  // 200 GB: room for the file
    iosim::os::FileSpec file;
    file.path = "big.bin";
    file.size = iosim::ByteSize(mib << 20);
    file.warm = warm;  // default contents: the disk's own bytes, which cost no memory
    spec.files = {file};
    iosim::os::FileRead read;
    read.path = "big.bin";
    read.chunk = iosim::ByteSize(1 << 20);
    spec.processes = {{"reader", {iosim::os::FileOpen{"big.bin"}, read}}};
    spec.time_limit = sc_core::sc_time(1000, sc_core::SC_SEC);
    CountingSink sink;
    const auto start = std::chrono::steady_clock::now();
    const iosim::RunOutcome outcome = iosim::run_platform(spec, sink);
    Figures f;
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f.simulated_ps = static_cast<double>(outcome.end_time);
    f.records = static_cast<double>(sink.records);
    f.verified = static_cast<double>(sink.verified);
    f.ok = outcome.completed && sink.mismatched == 0 && sink.verified == (mib << 20);
    return f;
  });
}

}  // namespace

int sc_main(int, char**) {
  return EXIT_FAILURE;
}

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  const std::uint64_t largest = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024;
  std::printf("%-6s %8s %10s %12s %12s %10s %12s %s\n", "cache", "MiB", "wall s", "wall ms/MiB",
              "sim s", "peak MiB", "records", "bytes ok");
  bool all_ok = true;
  for (const bool warm : {false, true}) {
    for (std::uint64_t mib = largest / 16 ? largest / 16 : 1; mib <= largest; mib *= 4) {
      const Figures f = read_file(mib, warm);
      all_ok = all_ok && f.ok;
      std::printf("%-6s %8llu %10.2f %12.2f %12.4f %10.0f %12.0f %s\n", warm ? "warm" : "cold",
                  static_cast<unsigned long long>(mib), f.seconds, 1000.0 * f.seconds / mib,
                  f.simulated_ps / 1e12, f.peak_rss_mib, f.records, f.ok ? "yes" : "NO");
      std::fflush(stdout);
    }
  }
  return all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
