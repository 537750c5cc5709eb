// Two parts of the scenario language that let a lecture set stay short: `include:` (a platform
// and files shared by several scenarios) and `repeat:` loops in programs. Data files are in
// tests/data/include/.
#include <string>

#include <gtest/gtest.h>

#include "sim/metrics.h"
#include "sim/run.h"
#include "sim/scenario.h"

namespace iosim::sim {
namespace {

const std::string kData = IOSIM_TEST_DATA;
const std::string kDir = kData + "/include";

std::int64_t metric(const RunResult& r, const std::string& name) {
  return std::get<std::int64_t>(r.metrics.at(name));
}

TEST(SimInclude, IncludedPlatformAndFilesComeFirstAndTheFileItselfWins) {
  const Scenario s = load_scenario_file(kDir + "/lecture.yaml");
  // Depth first: the platform file's own include comes before it.
  ASSERT_EQ(s.includes.size(), 2U);
  EXPECT_EQ(s.includes[0], kDir + "/parts/disk.yaml");
  EXPECT_EQ(s.includes[1], kDir + "/platform.yaml");

  EXPECT_EQ(s.preset, "pc-1995");                     // named only in platform.yaml
  EXPECT_EQ(s.params.cpu.clock.hertz, 100'000'000U);  // platform.yaml
  EXPECT_EQ(s.params.disk.rpm, 10000U);               // lecture.yaml over parts/disk.yaml's 7200
  EXPECT_EQ(s.params.bus.width.bytes, 2U);            // pc-1995: 16-bit ISA
  EXPECT_EQ(s.param_origins.at("cpu.clock"), ParamOrigin::scenario);
  EXPECT_EQ(s.param_origins.at("bus.width"), ParamOrigin::preset);
  // Where each value came from, for `iosim explain`.
  EXPECT_EQ(s.param_files.at("cpu.clock"), kDir + "/platform.yaml");
  EXPECT_EQ(s.param_files.count("disk.rpm"), 0U) << "set last by the scenario itself";

  ASSERT_EQ(s.files.size(), 1U);
  EXPECT_EQ(s.files[0].path, "shared.bin");
  EXPECT_EQ(s.files[0].content_seed, 7U);
}

TEST(SimInclude, AFileNamedTwiceIsIncludedOnce) {
  const Scenario s = load_scenario_file(kDir + "/diamond.yaml");
  ASSERT_EQ(s.includes.size(), 2U);
  EXPECT_EQ(s.includes[0], kDir + "/parts/disk.yaml");
  EXPECT_EQ(s.includes[1], kDir + "/parts/uses-disk.yaml");
  EXPECT_EQ(s.params.disk.rpm, 7200U);
  EXPECT_EQ(s.params.cpu.clock.hertz, 200'000'000U);
}

void expect_error(const std::string& file, const std::string& at_file, int line, int column,
                  const std::string& message) {
  try {
    load_scenario_file(file);
    FAIL() << file << " loaded without an error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pos().file, at_file) << e.what();
    EXPECT_EQ(e.pos().line, line) << e.what();
    EXPECT_EQ(e.pos().column, column) << e.what();
    EXPECT_EQ(e.message(), message);
  }
}

TEST(SimInclude, ACycleNamesEveryFileOnIt) {
  // Reported where the cycle closes: the include that leads back.
  expect_error(kDir + "/cycle-a.yaml", kDir + "/parts/cycle-b.yaml", 1, 10,
               "include: cyclic include: " + kDir + "/cycle-a.yaml -> " + kDir +
                   "/parts/cycle-b.yaml -> " + kDir + "/cycle-a.yaml");
}

TEST(SimInclude, AnErrorInAnIncludedFileNamesThatFile) {
  expect_error(kDir + "/bad-value.yaml", kDir + "/parts/bad-disk.yaml", 2, 16,
               "platform.disk.rpm: expected a whole number, like 128; got 'fast'");
}

TEST(SimInclude, AWholeScenarioIsNotAFragment) {
  expect_error(kDir + "/not-a-fragment.yaml", kDir + "/lecture.yaml", 1, 1,
               "unknown key 'title' in an included file (allowed: include, platform, files)");
}

TEST(SimRepeat, LoadsAsALoopNotAsCopies) {
  const Scenario s = load_scenario_file(kDir + "/lecture.yaml");
  ASSERT_EQ(s.processes.size(), 1U);
  ASSERT_EQ(s.processes[0].program.size(), 1U);
  const auto* loop = std::get_if<os::Repeat>(&s.processes[0].program[0]);
  ASSERT_NE(loop, nullptr);
  EXPECT_EQ(loop->count, 4U);
  ASSERT_EQ(loop->body.size(), 3U);
  EXPECT_TRUE(std::holds_alternative<os::FileSeek>(loop->body[0]));
  EXPECT_EQ(describe_operation(s.processes[0].program[0]),
            "repeat: { count: 4, do: [ { lseek: { file: shared.bin, offset: 0B } }, { read: { "
            "file: shared.bin, chunk: 4KiB, bytes: 4KiB, into: buf, order: sequential } }, { "
            "compute: { for: 10us } } ] }");
}

TEST(SimRepeat, EveryPassRunsAndOnlyTheFirstMisses) {
  const RunResult r = run_scenario(load_scenario_file(kDir + "/lecture.yaml"));
  ASSERT_TRUE(r.outcome.completed) << r.outcome.error;
  EXPECT_TRUE(r.passed());
  // Four passes of lseek + read: eight system calls (the open is set-up).
  EXPECT_EQ(metric(r, "syscalls"), 8);
  EXPECT_EQ(metric(r, "page_cache.misses"), 1);  // the first pass reads page 0 from the disk
  EXPECT_EQ(metric(r, "page_cache.hits"), 3);    // the next three find it cached
  EXPECT_EQ(metric(r, "bytes.verified"), 4 * 4096);
  // The compute of each pass: 4 x 10 us of user time at least.
  EXPECT_GE(metric(r, "cpu.user_ps"), 4 * 10'000'000);
}

}  // namespace
}  // namespace iosim::sim
