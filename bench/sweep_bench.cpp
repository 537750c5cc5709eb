// A 64-point sweep (16 sizes x 4 mechanisms of scenarios/mechanisms/pio.yaml) with --jobs 1 and
// --jobs 2, printing both wall times. Each point is its own `iosim run` process, so on two idle
// cores the second should take about half as long; the two output files must be byte-identical.
// The machine may be shared: each configuration runs REPEAT times (alternating) and the best time
// counts; the load average is printed beside the figures. Usage: sweep_bench [REPEAT=3 [IOSIM
// [SCENARIO]]] (defaults: the iosim built with it, pio.yaml).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// User + system time of every finished child so far (the sweep and its workers), in seconds.
double children_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/// Runs the sweep into `out` and returns the wall time in seconds, or a negative value on error.
double timed_sweep(const std::string& iosim, const std::string& scenario, unsigned jobs,
                   const std::string& out) {
  fs::remove(out);
  fs::remove(out + ".meta");
  const std::string command = iosim + " sweep " + scenario +
                              " --vary size=4KiB..64KiB:+4KiB"
                              " --vary mechanism=pio,interrupt,dma,channel"
                              " --jobs " +
                              std::to_string(jobs) + " --out " + out + " 2>/dev/null";
  const auto start = std::chrono::steady_clock::now();
  const int raw = std::system(command.c_str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Exit status 1 is fine: pio.yaml's expectations fail for the other mechanisms.
  if (!WIFEXITED(raw) || WEXITSTATUS(raw) > 1) return -1;
  return seconds;
}

std::string load_average() {
  std::string text = read_all("/proc/loadavg");
  return text.substr(0, text.find(' ', text.find(' ', text.find(' ') + 1) + 1));
}

}  // namespace

int main(int argc, char** argv) {
  const int repeat = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const std::string iosim = argc > 2 ? argv[2] : IOSIM_BINARY;
  const std::string scenario =
      argc > 3 ? argv[3] : IOSIM_SOURCE_DIR "/scenarios/mechanisms/pio.yaml";
  const fs::path dir = fs::temp_directory_path() / ("sweep-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string one = (dir / "jobs1.csv").string(), two = (dir / "jobs2.csv").string();

  const std::string load_before = load_average();
  double t1 = 1e300, t2 = 1e300;
  const double cpu_before = children_cpu_seconds();
  for (int i = 0; i < repeat; ++i) {
    const double a = timed_sweep(iosim, scenario, 1, one);
    const double b = timed_sweep(iosim, scenario, 2, two);
    if (a < 0 || b < 0) {
      std::fprintf(stderr, "sweep_bench: the sweep failed (is %s built?)\n", iosim.c_str());
      fs::remove_all(dir);
      return 1;
    }
    t1 = std::min(t1, a);
    t2 = std::min(t2, b);
  }
  const double cpu_per_sweep = (children_cpu_seconds() - cpu_before) / (2.0 * repeat);
  const std::string a = read_all(one), b = read_all(two);
  const long rows = static_cast<long>(std::count(a.begin(), a.end(), '\n')) - 1;
  std::printf("sweep of %ld points (%s), best of %d\n", rows, scenario.c_str(), repeat);
  std::printf("  --jobs 1  %8.3f s  %7.1f points/s\n", t1, rows / t1);
  std::printf("  --jobs 2  %8.3f s  %7.1f points/s\n", t2, rows / t2);
  std::printf("  speedup   %8.2f x   (2 idle cores: about 2)\n", t1 / t2);
  std::printf(
      "  CPU time  %8.3f s per sweep (processes and workers): the floor of --jobs 1; half\n"
      "            of it is the floor of --jobs 2 when two cores are free\n",
      cpu_per_sweep);
  std::printf("  files     %s\n", a == b ? "byte-identical" : "DIFFER");
  std::printf("  load average (1, 5, 15 min) before %s, after %s on %ld cores\n",
              load_before.c_str(), load_average().c_str(), ::sysconf(_SC_NPROCESSORS_ONLN));
  fs::remove_all(dir);
  return a == b && rows == 64 ? 0 : 1;
}
