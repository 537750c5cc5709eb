// The `iosim` program as users run it: exit statuses, messages, output files, and the generated
// documentation (which must equal the program's output, so it cannot go stale).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "sim/file_output.h"
#include "sim/trace_reader.h"

namespace iosim::sim {
namespace {

namespace fs = std::filesystem;

const std::string kBinary = IOSIM_BINARY;
const std::string kData = IOSIM_TEST_DATA;
const std::string kSource = IOSIM_SOURCE_DIR;

struct Result {
  int status = -1;
  std::string out, err;
};

class SimCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("iosim-cli-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Runs `iosim ARGS` (ARGS already shell-quoted where needed) from the test's directory.
  Result iosim(const std::string& args) {
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    const std::string command =
        "cd " + dir_ + " && " + kBinary + " " + args + " >" + out + " 2>" + err;
    const int raw = std::system(command.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }

  std::string dir_;
};

TEST_F(SimCli, BrokenScenarioExitsTwoWithPositionAndWritesNothing) {
  const std::string file = kData + "/broken/unknown_key_typo.yaml";
  const Result r = iosim("run " + file + " --trace trace.json --vcd signals.vcd");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, file +
                       ":4:33: error: unknown key 'avg_seek' in platform.disk; did you mean "
                       "'average_seek'?\n");
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(dir_ + "/trace.json"));
  EXPECT_FALSE(fs::exists(dir_ + "/signals.vcd"));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "stdout" || name == "stderr") << "left behind: " << name;
  }
}

TEST_F(SimCli, NegativeSizeAndUnknownUnitExitTwo) {
  Result r = iosim("run " + kData + "/broken/negative_size.yaml");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("negative_size.yaml:5:46: error: "), std::string::npos) << r.err;
  r = iosim("validate " + kData + "/broken/unknown_unit.yaml");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown_unit.yaml:4:19: error: platform.disk.average_seek: unknown time "
                       "unit 'parsecs'"),
            std::string::npos)
      << r.err;
}

TEST_F(SimCli, MissingAndEmptyFilesExitTwo) {
  Result r = iosim("run no-such-scenario.yaml");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "no-such-scenario.yaml: error: cannot open the scenario: no such file\n");
  r = iosim("validate " + kData + "/broken/empty.yaml");
  EXPECT_EQ(r.status, 2);
  r = iosim("run " + kData);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("it is a directory"), std::string::npos);
}

TEST_F(SimCli, UsageErrorsExitTwo) {
  EXPECT_EQ(iosim("").status, 2);
  EXPECT_EQ(iosim("frobnicate").status, 2);
  EXPECT_EQ(iosim("run").status, 2);
  EXPECT_EQ(iosim("run x.yaml --no-such-option").status, 2);
  EXPECT_EQ(iosim("--help").status, 0);
  EXPECT_EQ(iosim("--version").status, 0);
}

TEST_F(SimCli, ValidateGoodAndBadFiles) {
  const std::string good = kData + "/good/all_features.yaml";
  Result r = iosim("validate " + good);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, good + ": ok\n");
  r = iosim("validate " + good + " " + kData + "/broken/duplicate_key.yaml");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, good + ": ok\n");
  EXPECT_NE(r.err.find("duplicate_key.yaml:3:1: error: duplicate key 'title'"), std::string::npos);
}

TEST_F(SimCli, ExplainShowsOriginsOfParameters) {
  const Result r = iosim("explain " + kData + "/good/all_features.yaml");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Platform (preset pc-1995)"), std::string::npos);
  EXPECT_NE(r.out.find("disk.rpm"), std::string::npos);
  EXPECT_NE(r.out.find("7200"), std::string::npos);
  EXPECT_NE(r.out.find("override"), std::string::npos);
  EXPECT_NE(r.out.find("preset"), std::string::npos);
  EXPECT_NE(r.out.find("default"), std::string::npos);
  EXPECT_NE(r.out.find("compute: { until: end }"), std::string::npos);
  EXPECT_NE(r.out.find("cpu.other_work_ps at least 5% of sim_time_ps"), std::string::npos);
}

TEST_F(SimCli, RunPrintsTableAndWritesOutputs) {
  const std::string file = kData + "/run/dma_small.yaml";
  const Result r =
      iosim("run " + file + " --trace trace.json --vcd signals.vcd --metrics-csv m.csv");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("A small DMA read beside a computation"), std::string::npos);
  EXPECT_NE(r.out.find("simulated time"), std::string::npos);
  EXPECT_NE(r.out.find("CPU time moving data"), std::string::npos);
  EXPECT_NE(r.out.find("PASS  copies.dma equals 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Result: PASS"), std::string::npos);
  EXPECT_EQ(r.out.find("Simulation stopped"), std::string::npos) << "SystemC noise on stdout";

  const TraceFile trace = read_trace_file(dir_ + "/trace.json");
  EXPECT_EQ(trace.scenario.title, "A small DMA read beside a computation");
  EXPECT_FALSE(trace.records.empty());
  EXPECT_EQ(std::get<std::int64_t>(trace.metrics.at("copies.dma")), 1);
  EXPECT_TRUE(std::get<bool>(trace.metrics.at("verified")));
  EXPECT_NE(read_file(dir_ + "/signals.vcd").find("$timescale 1ps $end"), std::string::npos);
  EXPECT_EQ(read_file(dir_ + "/m.csv").rfind("metric,value\n", 0), 0U);
}

TEST_F(SimCli, SameScenarioAndSeedGiveTheSameTrace) {
  const std::string file = kData + "/run/dma_small.yaml";
  ASSERT_EQ(iosim("run -q " + file + " --trace a.json --vcd a.vcd").status, 0);
  ASSERT_EQ(iosim("run -q " + file + " --trace b.json --vcd b.vcd").status, 0);
  EXPECT_EQ(read_file(dir_ + "/a.json"), read_file(dir_ + "/b.json"));
  EXPECT_EQ(read_file(dir_ + "/a.vcd"), read_file(dir_ + "/b.vcd"));
  ASSERT_EQ(iosim("run -q " + file + " --seed 99 --trace c.json").status, 0);
  EXPECT_NE(read_file(dir_ + "/c.json").find("\"seed\":99"), std::string::npos);
}

TEST_F(SimCli, JsonPrintsOnlyMetrics) {
  const Result r = iosim("run --json " + kData + "/run/dma_small.yaml");
  EXPECT_EQ(r.status, 0) << r.err;
  const Metrics metrics = parse_metrics_json(r.out, "stdout");  // throws on anything but JSON
  EXPECT_EQ(std::get<std::int64_t>(metrics.at("expectations.failed")), 0);
  EXPECT_EQ(std::get<std::int64_t>(metrics.at("expectations.passed")), 4);
  EXPECT_GT(std::get<std::int64_t>(metrics.at("sim_time_ps")), 0);
}

TEST_F(SimCli, FailedExpectationExitsOne) {
  const Result r = iosim("run " + kData + "/run/failing_expectation.yaml");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("FAIL  copies.dma equals 5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expected 5, actual 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Result: FAIL"), std::string::npos);
  const Result quiet = iosim("run -q " + kData + "/run/failing_expectation.yaml");
  EXPECT_EQ(quiet.status, 1);
  EXPECT_EQ(quiet.out, "");
  EXPECT_NE(quiet.err.find("failing_expectation.yaml:8:3: FAIL copies.dma equals 5"),
            std::string::npos)
      << quiet.err;
}

TEST_F(SimCli, CompareRunsEachScenarioInItsOwnProcess) {
  const std::string good = kData + "/run/dma_small.yaml";
  const std::string failing = kData + "/run/failing_expectation.yaml";
  Result r = iosim("compare --jobs 2 " + good + " " + failing);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("scenario"), std::string::npos);
  EXPECT_NE(r.out.find("dma_small"), std::string::npos);
  EXPECT_NE(r.out.find("failing_expectation"), std::string::npos);
  EXPECT_NE(r.out.find("1 of 1 FAIL"), std::string::npos) << r.out;

  r = iosim("compare --csv " + good);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("scenario,sim_time_ps,cpu.io_ps,cpu.other_work_ps,", 0), 0U) << r.out;
  r = iosim("compare --markdown " + good);
  EXPECT_EQ(r.out.rfind("| scenario | sim time |", 0), 0U) << r.out;

  r = iosim("compare " + good + " " + kData + "/broken/unknown_mechanism.yaml");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown_mechanism.yaml:5:64: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("dma_small"), std::string::npos) << "the good scenario is still shown";
}

/// The part of `doc` between the two marker lines.
std::string between_markers(const std::string& doc, const std::string& begin,
                            const std::string& end) {
  const std::size_t b = doc.find(begin);
  const std::size_t e = doc.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) return "(markers not found)";
  const std::size_t start = doc.find('\n', b) + 1;
  return doc.substr(start, e - start);
}

TEST_F(SimCli, ParametersDocumentIsTheProgramsOutput) {
  const Result r = iosim("params --markdown");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(read_file(kSource + "/docs/parameters.md"), r.out)
      << "docs/parameters.md is stale: regenerate it with `iosim params --markdown > "
         "docs/parameters.md`";
}

TEST_F(SimCli, PresetTablesInTheDocsAreTheProgramsOutput) {
  const Result r = iosim("presets --markdown");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(between_markers(read_file(kSource + "/docs/presets.md"),
                            "<!-- BEGIN GENERATED: iosim presets --markdown -->",
                            "<!-- END GENERATED -->"),
            r.out)
      << "docs/presets.md is stale: paste the output of `iosim presets --markdown`";
}

TEST_F(SimCli, MetricTableInTheDocsIsTheProgramsOutput) {
  const Result r = iosim("metrics --markdown");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(between_markers(read_file(kSource + "/docs/trace-format.md"),
                            "<!-- BEGIN GENERATED: iosim metrics --markdown -->",
                            "<!-- END GENERATED -->"),
            r.out)
      << "docs/trace-format.md is stale: paste the output of `iosim metrics --markdown`";
}

TEST_F(SimCli, ParamsWithPreset) {
  Result r = iosim("params --preset pc-1995");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("8MHz"), std::string::npos);
  r = iosim("params --preset pc-1996");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("did you mean 'pc-1995'?"), std::string::npos);
}

}  // namespace
}  // namespace iosim::sim
