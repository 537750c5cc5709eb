// Programmed I/O of 64 MiB in 4-byte words, against a bare SystemC wait() loop.
//
// PIO must not cost a SystemC context switch per word: the CPU model runs the PIO loop ahead of
// the simulation clock (temporal decoupling) and synchronises once per quantum. This benchmark
// prints simulated words per wall second beside the rate of an SC_THREAD that calls wait() once
// per iteration, measured in the same run (each in a forked child, because SystemC elaborates one
// model per process). Usage: pio_bench [MiB=64]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/in_child.h"
#include "models/platform.h"

namespace {

struct Figures {
  double seconds = 0;
  double items = 0;
  double simulated_ps = 0;
  double peak_rss_mib = 0;
  int ok = 0;
};

struct WaitLoop : sc_core::sc_module {
  std::uint64_t iterations;
  SC_HAS_PROCESS(WaitLoop);
  WaitLoop(sc_core::sc_module_name n, std::uint64_t count) : sc_module(n), iterations(count) {
    SC_THREAD(run);
  }
  void run() {
    for (std::uint64_t i = 0; i < iterations; ++i) sc_core::wait(1, sc_core::SC_NS);
  }
};

using Clock = std::chrono::steady_clock;

}  // namespace

int sc_main(int, char**) {
  return EXIT_FAILURE;
}

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  const std::uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 64;
  const std::uint64_t wait_iterations = 5'000'000;

  const Figures loop = iosim::bench::in_child<Figures>([&] {
    WaitLoop top("loop", wait_iterations);
    const auto start = Clock::now();
    sc_core::sc_start();
    Figures f;
    f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    f.items = static_cast<double>(wait_iterations);
    f.ok = 1;
    return f;
  });

  // PIO twice: with the trace thrown away (the models skip per-transaction bus records), and
  // with every record built and handed to a sink that only counts them.
  auto pio_run = [&](iosim::trace::Sink& sink) {
    iosim::RunSpec spec;
    iosim::os::DeviceRead read;
    read.bytes = iosim::ByteSize(mib << 20);
    read.mechanism = iosim::os::Mechanism::pio;
    spec.processes = {{"reader", {read}}};
    spec.params.dram.size = iosim::ByteSize((mib + 64) << 20);
    // A disk faster than PIO, so that the figure counts word moves rather than status polls.
    spec.params.disk.kind = "ssd";
    spec.params.disk.ssd_read_bandwidth = iosim::Bandwidth(100'000'000'000ULL);
    const auto start = Clock::now();
    const iosim::RunOutcome outcome = iosim::run_platform(spec, sink);
    Figures f;
    f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    f.items = static_cast<double>((mib << 20) / spec.params.disk.data_register_width.bytes);
    f.simulated_ps = static_cast<double>(outcome.end_time);
    f.ok = outcome.completed ? 1 : 0;
    return f;
  };
  const Figures pio = iosim::bench::in_child<Figures>([&] {
    iosim::trace::NullSink sink;
    return pio_run(sink);
  });
  struct CountingSink : iosim::trace::Sink {
    std::uint64_t count = 0;
    void record(iosim::trace::Record) override { ++count; }
  };
  const Figures traced = iosim::bench::in_child<Figures>([&] {
    CountingSink sink;
    return pio_run(sink);
  });

  std::printf(
      "bare SystemC wait() loop : %10.0f iterations in %.2f s = %6.2f M/s  (peak RSS %.0f MiB)\n",
      loop.items, loop.seconds, loop.items / loop.seconds / 1e6, loop.peak_rss_mib);
  std::printf(
      "PIO of %llu MiB in words  : %10.0f words      in %.2f s = %6.2f M words/s  "
      "(simulated %.3f s, peak RSS %.0f MiB)%s\n",
      static_cast<unsigned long long>(mib), pio.items, pio.seconds, pio.items / pio.seconds / 1e6,
      pio.simulated_ps / 1e12, pio.peak_rss_mib, pio.ok ? "" : "  [run did not complete]");
  std::printf("  the same, every record built: %10.0f words      in %.2f s = %6.2f M words/s\n",
              traced.items, traced.seconds, traced.items / traced.seconds / 1e6);
  std::printf(
      "PIO words per wall second / bare wait() iterations per wall second = %.2f "
      "(%.2f with every record built)\n",
      (pio.items / pio.seconds) / (loop.items / loop.seconds),
      (traced.items / traced.seconds) / (loop.items / loop.seconds));
  return pio.ok && traced.ok && loop.ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
