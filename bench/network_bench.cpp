// A file sent to the peer over the wire by each path (read + write, mmap + write, sendfile,
// sendfile with a scatter-gather NIC), warm cache, at growing sizes up to 1 GiB: wall time,
// simulated bytes per wall second and peak memory of the simulation. The wall time per MiB must
// stay flat (the cost grows linearly with the size). Every byte is checked at the peer. Each run
// is a forked child (SystemC elaborates one model per process).
// Usage: network_bench [largest MiB = 1024]
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
  int ok = 0;
};

/// Counts the peer's verification and keeps nothing.
class CheckingSink final : public iosim::trace::Sink {
 public:
  void record(iosim::trace::Record r) override {
    if (const auto* v = std::get_if<iosim::trace::Verification>(&r.data)) {
      if (v->what.find(" at peer") != std::string::npos) peer_bytes += v->bytes;
      mismatched += v->mismatched;
    }
  }
  bool discards() const override { return true; }
  std::uint64_t peer_bytes = 0, mismatched = 0;
};

enum class Path { read_write, mmap_write, sendfile, sendfile_sg };
const char* name(Path p) {
  switch (p) {
    case Path::read_write:
      return "read+write";
    case Path::mmap_write:
      return "mmap+write";
    case Path::sendfile:
      return "sendfile";
    case Path::sendfile_sg:
      return "sendfile+SG";
  }
  return "?";
}

Figures send(Path path, std::uint64_t mib) {
  return iosim::bench::in_child<Figures>([&] {
    iosim::RunSpec spec;
    spec.params.dram.size = iosim::ByteSize(2ULL << 30);
    spec.params.kernel.page_cache_size = iosim::ByteSize((mib + 64) << 20);
    spec.params.kernel.socket_buffer_size = iosim::ByteSize(512ULL << 10);
    spec.params.disk.cylinders = 100000;  // room for the file
    spec.params.nic.scatter_gather = path == Path::sendfile_sg;
    iosim::os::FileSpec file;
    file.path = "video.bin";
    file.size = iosim::ByteSize(mib << 20);
    file.warm = true;  // default contents: the disk's own bytes, which cost no memory
    spec.files = {file};
    const iosim::ByteSize chunk(64ULL << 10);
    iosim::os::ProcessSpec server;
    server.name = "server";
    server.setup = {iosim::os::FileOpen{"video.bin"}, iosim::os::SocketConnect{"sock"}};
    switch (path) {
      case Path::read_write:
        server.program = {iosim::os::ReadWrite{"video.bin", "sock", chunk}};
        break;
      case Path::mmap_write:
        server.program = {iosim::os::MmapWrite{"video.bin", "sock", chunk}};
        break;
      case Path::sendfile:
      case Path::sendfile_sg:
        server.program = {iosim::os::SendFile{"sock", "video.bin", chunk}};
        break;
    }
    spec.processes = {server};
    spec.time_limit = sc_core::sc_time(1000, sc_core::SC_SEC);
    CheckingSink sink;
    const auto start = std::chrono::steady_clock::now();
    const iosim::RunOutcome outcome = iosim::run_platform(spec, sink);
    Figures f;
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f.simulated_ps = static_cast<double>(outcome.end_time);
    f.ok = outcome.completed && sink.mismatched == 0 && sink.peer_bytes == (mib << 20);
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
  std::printf("%-12s %6s %9s %12s %10s %14s %9s %s\n", "path", "MiB", "wall s", "wall ms/MiB",
              "sim s", "sim MB/wall s", "peak MiB", "peer ok");
  bool all_ok = true;
  for (const Path path : {Path::read_write, Path::mmap_write, Path::sendfile, Path::sendfile_sg}) {
    for (std::uint64_t mib = largest / 16 ? largest / 16 : 1; mib <= largest; mib *= 4) {
      const Figures f = send(path, mib);
      all_ok = all_ok && f.ok;
      std::printf("%-12s %6llu %9.2f %12.2f %10.4f %14.1f %9.0f %s\n", name(path),
                  static_cast<unsigned long long>(mib), f.seconds, 1000.0 * f.seconds / mib,
                  f.simulated_ps / 1e12, (mib * 1.048576) / f.seconds, f.peak_rss_mib,
                  f.ok ? "yes" : "NO");
      std::fflush(stdout);
    }
  }
  return all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
