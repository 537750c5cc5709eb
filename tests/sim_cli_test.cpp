// The `iosim` program as users run it: exit statuses, messages, output files, and the generated
// documentation (which must equal the program's output, so it cannot go stale).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/catalog.h"
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

  /// Runs `iosim ARGS` (ARGS already shell-quoted where needed) from the test's directory,
  /// without IOSIM_SCENARIOS unless `env` sets it ("NAME=VALUE").
  Result iosim_with_env(const std::string& env, const std::string& args) {
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    const std::string command = "cd " + dir_ + " && env -u IOSIM_SCENARIOS " + env + " " + kBinary +
                                " " + args + " >" + out + " 2>" + err;
    const int raw = std::system(command.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }
  Result iosim(const std::string& args) { return iosim_with_env("", args); }

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

TEST_F(SimCli, ParametersTheModelsRefuseExitTwoAndWriteNothing) {
  // Valid values one by one that a model refuses when the platform is built: bad input, not a
  // failed run, and no trace as if the run had happened.
  const std::string file = kData + "/run/dma_small.yaml";
  const Result r = iosim("run " + file + " --set platform.disk.rpm=0 --trace trace.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, file + ": error: the platform refuses these parameters: disk0: rpm is zero\n");
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(dir_ + "/trace.json"));
}

// Impossible platforms (tests/data/impossible): each file is valid scenario text, but a model
// refuses the machine it describes when it is built. Each gets one precise message and exit
// status 2, never a crash, and no output file (validate cannot see these: docs/cli.md).
struct Impossible {
  const char* file;
  const char* message;  // after "FILE: error: "
};
constexpr Impossible kImpossible[] = {
    {"disk_not_spinning.yaml", "the platform refuses these parameters: disk0: rpm is zero"},
    {"disk_without_sectors.yaml",
     "processes[0].program[0].device_read: reads past the end of disk0, which has 0 sectors "
     "(cylinders x heads x sectors_per_track)"},
    {"dma_without_channels.yaml",
     "the platform refuses these parameters: dma: needs at least one channel"},
    {"dram_too_small.yaml",
     "the platform refuses these parameters: dram.size must be between 4MiB and 1TiB"},
    {"file_larger_than_the_disk.yaml",
     "the platform refuses these parameters: file big.bin does not fit on disk0"},
    {"nic_rx_ring_of_one.yaml",
     "the platform refuses these parameters: nic: rx_ring_size must be at least 2"},
    {"peer_acks_never.yaml", "the platform refuses these parameters: peer: ack_every is 0"},
    {"page_cache_smaller_than_a_page.yaml",
     "the platform refuses these parameters: kernel.page_cache_size must hold at least one 4KiB "
     "page"},
    {"socket_buffer_too_large.yaml",
     "the platform refuses these parameters: kernel.socket_buffer_size must be between 4KiB and "
     "512KiB"},
    {"write_cache_smaller_than_a_sector.yaml",
     "the platform refuses these parameters: disk0: write_cache_size holds no whole sector"},
};

TEST_F(SimCli, ImpossiblePlatformsGetOneMessageAndExitTwo) {
  std::set<std::string> covered;
  for (const Impossible& c : kImpossible) {
    const std::string file = kData + "/impossible/" + c.file;
    covered.insert(c.file);
    const Result r = iosim("run " + file + " --trace trace.json --vcd signals.vcd");
    EXPECT_EQ(r.status, 2) << c.file;
    EXPECT_EQ(r.err.substr(0, file.size()), file) << c.file;
    EXPECT_NE(r.err.find(std::string(": error: ") + c.message + "\n"), std::string::npos)
        << c.file << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.file << ": one line";
    EXPECT_EQ(r.out, "") << c.file;
    EXPECT_FALSE(fs::exists(dir_ + "/trace.json")) << c.file;
    EXPECT_FALSE(fs::exists(dir_ + "/signals.vcd")) << c.file;
  }
  for (const auto& entry : fs::directory_iterator(kData + "/impossible")) {
    EXPECT_EQ(covered.count(entry.path().filename().string()), 1u)
        << entry.path() << " has no case in kImpossible";
  }
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

TEST_F(SimCli, PerfettoWritesAChromeTraceOfTheSameRun) {
  const std::string file = kData + "/run/dma_small.yaml";
  ASSERT_EQ(iosim("run -q " + file + " --perfetto p.json").status, 0);
  const std::string chrome = read_file(dir_ + "/p.json");
  EXPECT_NE(chrome.find("\"traceEvents\": [\n"), std::string::npos) << chrome.substr(0, 400);
  EXPECT_NE(chrome.find("\"ph\":\"X\""), std::string::npos) << "no complete (duration) event";
  EXPECT_NE(chrome.find("A small DMA read beside a computation"), std::string::npos);
  // A path that cannot be written is bad input, and no file is left behind.
  const Result bad = iosim("run -q " + file + " --perfetto no-such-dir/p.json");
  EXPECT_EQ(bad.status, 2) << bad.err;
  EXPECT_NE(bad.err.find("--perfetto"), std::string::npos) << bad.err;
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

/// The cells of `line` (a csv row without quoted commas).
std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::size_t from = 0;
  for (std::size_t comma; (comma = line.find(',', from)) != std::string::npos; from = comma + 1) {
    cells.push_back(line.substr(from, comma - from));
  }
  cells.push_back(line.substr(from));
  return cells;
}

TEST_F(SimCli, CompareThroughputIsTheBytesSentPerSimulatedSecond) {
  // network.bytes * 10^12 / sim_time_ps, in whole bytes per second, from the same row.
  const Result r = iosim("compare --csv " + kSource + "/scenarios/zero-copy/sendfile-sg.yaml");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::size_t newline = r.out.find('\n');
  const std::vector<std::string> header = csv_cells(r.out.substr(0, newline));
  const std::vector<std::string> row =
      csv_cells(r.out.substr(newline + 1, r.out.find('\n', newline + 1) - newline - 1));
  ASSERT_EQ(header.size(), row.size());
  auto cell = [&](const std::string& name) -> std::uint64_t {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return std::stoull(row[i]);
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  };
  const std::uint64_t sent = cell("network.bytes"), ps = cell("sim_time_ps");
  EXPECT_EQ(sent, 16384U);
  EXPECT_EQ(
      cell("throughput_bps"),
      static_cast<std::uint64_t>(static_cast<unsigned __int128>(sent) * 1'000'000'000'000ULL / ps));
}

TEST_F(SimCli, SetChangesTheRunWithAPathOrAKnobName) {
  const std::string file = kSource + "/scenarios/mechanisms/dma-burst.yaml";
  // A knob name, a path, and a key the file does not have (an expectation).
  Result r = iosim("run --json " + file +
                   " --set size=4KiB --set processes[0].program[0].device_read.mode=cycle_steal"
                   " --set expect.bytes.dma=4KiB --set 'expect.cpu.other_stall_ps={at_least: 0}'"
                   " --set 'expect.cpu.other_work_ps={at_least: 0}'");
  ASSERT_EQ(r.status, 0) << r.err;
  const Metrics metrics = parse_metrics_json(r.out, "stdout");
  EXPECT_EQ(std::get<std::int64_t>(metrics.at("bytes.dma")), 4096);
  EXPECT_EQ(std::get<std::int64_t>(metrics.at("expectations.passed")), 7);

  // Every file of validate and compare gets the same --set.
  const std::string pio = kSource + "/scenarios/mechanisms/pio.yaml";
  r = iosim("validate --set size=8KiB " + file + " " + pio);
  EXPECT_EQ(r.status, 0) << r.err;
  r = iosim("compare --csv --set size=8KiB --set expect.bytes.cpu=8KiB " + pio);
  EXPECT_EQ(r.status, 0) << r.err;
  r = iosim("compare --set expect.copies.cpu=2 " + pio);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("pio.yaml: --set expect.copies.cpu=2: FAIL copies.cpu equals 2"),
            std::string::npos)
      << r.err;
}

TEST_F(SimCli, SetErrorsNameTheArgumentAndExitTwo) {
  const std::string file = kSource + "/scenarios/mechanisms/pio.yaml";
  Result r = iosim("run " + file + " --set platform.disk.rpm=fast --trace t.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, file +
                       ": --set platform.disk.rpm=fast: error: platform.disk.rpm: expected a whole "
                       "number, like 128; got 'fast'\n");
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(dir_ + "/t.json"));

  r = iosim("run " + file + " --set size=64KB");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind(file + ": --set size=64KB: error: processes[0].program[0].device_read."
                               "bytes: unknown size unit 'KB'",
                        0),
            0U)
      << r.err;

  r = iosim("explain " + file + " --set processes[5].name=x");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, file +
                       ": --set processes[5].name=x: error: processes has 2 entries (indexes 0 to "
                       "1)\n");
  r = iosim("validate " + file + " --set platform.disk.rpm");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "--set platform.disk.rpm: error: expected KEY=VALUE, like platform.disk.rpm=7200 or "
            "size=128KiB\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(SimCli, ExplainJsonDescribesTheKnobs) {
  const std::string file = kSource + "/scenarios/mechanisms/pio.yaml";
  Result r = iosim("explain --json " + file);
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["file"], file);
  EXPECT_EQ(json["title"], "Programmed I/O keeps the CPU busy");
  EXPECT_EQ(json["preset"], "textbook");
  EXPECT_EQ(json["seed"], 1);
  ASSERT_TRUE(json["platform"].is_array());
  bool found_rpm = false;
  for (const auto& p : json["platform"]) {
    if (p["name"] != "disk.rpm") continue;
    found_rpm = true;
    EXPECT_EQ(p["kind"], "count");
    EXPECT_EQ(p["origin"], "default");
  }
  EXPECT_TRUE(found_rpm);
  EXPECT_EQ(json["processes"][0]["name"], "reader");
  EXPECT_EQ(json["processes"][0]["program"][0].get<std::string>().rfind("device_read: {", 0), 0U);
  EXPECT_EQ(json["expectations"][0]["metric"], "verified");
  EXPECT_EQ(json["expectations"][0]["claim"], "is true");

  const nlohmann::json& knobs = json["knobs"];
  ASSERT_EQ(knobs.size(), 3U);
  EXPECT_EQ(knobs[0]["name"], "size");
  EXPECT_EQ(knobs[0]["label"], "Bytes to read");
  EXPECT_EQ(knobs[0]["path"], "processes[0].program[0].device_read.bytes");
  EXPECT_EQ(knobs[0]["value"], "64KiB");
  EXPECT_EQ(knobs[0]["kind"], "size");
  EXPECT_EQ(knobs[0]["choices"], nlohmann::json::array());
  EXPECT_EQ(knobs[1]["name"], "mechanism");
  EXPECT_EQ(knobs[1]["kind"], "choice");
  EXPECT_EQ(knobs[1]["choices"], nlohmann::json({"pio", "interrupt", "dma", "channel"}));
  EXPECT_EQ(knobs[2]["name"], "preset");
  EXPECT_EQ(knobs[2]["kind"], "choice");
  EXPECT_EQ(knobs[2]["choices"], nlohmann::json({"textbook", "pc-1995", "server-2024"}));

  // Values reflect --set, by knob name or by path; so do the parameters and their origins.
  r = iosim("explain --json " + file +
            " --set size=128KiB --set mechanism=interrupt --set platform.preset=pc-1995"
            " --set platform.disk.rpm=7200");
  ASSERT_EQ(r.status, 0) << r.err;
  json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["knobs"][0]["value"], "128KiB");
  EXPECT_EQ(json["knobs"][1]["value"], "interrupt");
  EXPECT_EQ(json["knobs"][2]["value"], "pc-1995");
  EXPECT_EQ(json["preset"], "pc-1995");
  for (const auto& p : json["platform"]) {
    if (p["name"] == "disk.rpm") {
      EXPECT_EQ(p["value"], "7200");
      EXPECT_EQ(p["origin"], "override");
    }
    if (p["name"] == "bus.width") EXPECT_EQ(p["origin"], "preset");
  }
}

TEST_F(SimCli, EveryMechanismScenarioHasKnobs) {
  for (const auto& entry : fs::directory_iterator(kSource + "/scenarios/mechanisms")) {
    const std::string file = entry.path().string();
    const Result r = iosim("explain --json " + file);
    ASSERT_EQ(r.status, 0) << r.err;
    const nlohmann::json json = nlohmann::json::parse(r.out);
    std::set<std::string> names;
    for (const auto& knob : json["knobs"]) names.insert(knob["name"].get<std::string>());
    EXPECT_TRUE(names.count("size")) << file;
    EXPECT_TRUE(names.count("preset")) << file;
    const bool dma = file.find("dma-") != std::string::npos;
    if (dma) EXPECT_TRUE(names.count("mode")) << file;
    // Every choice of every knob loads (a GUI offers them all).
    for (const auto& knob : json["knobs"]) {
      for (const auto& choice : knob["choices"]) {
        const std::string set = knob["name"].get<std::string>() + "=" + choice.get<std::string>();
        EXPECT_EQ(iosim("validate " + file + " --set " + set).status, 0) << file << " " << set;
      }
    }
  }
}

TEST_F(SimCli, ListGroupsTheBuiltInScenarios) {
  Result r = iosim("list --json");
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["scenarios_dir"], fs::weakly_canonical(kSource + "/scenarios").string());
  ASSERT_FALSE(json["groups"].empty());
  EXPECT_EQ(json["groups"][0]["name"], "mechanisms");
  bool found_pio = false;
  for (const auto& s : json["groups"][0]["scenarios"]) {
    EXPECT_EQ(s["group"], "mechanisms");
    EXPECT_FALSE(s.contains("error")) << s;
    if (s["file"] != "pio.yaml") continue;
    found_pio = true;
    EXPECT_EQ(s["title"], "Programmed I/O keeps the CPU busy");
    EXPECT_EQ(s["summary"], "The CPU moves every word itself.");
    EXPECT_TRUE(fs::exists(s["path"].get<std::string>()));
  }
  EXPECT_TRUE(found_pio);

  r = iosim("list");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\nmechanisms\n  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pio.yaml"), std::string::npos);
}

TEST_F(SimCli, ListShowsBrokenFilesAndOrdersGroups) {
  const std::string library = dir_ + "/library";
  for (const char* group : {"zebra", "cases", "alpha", "mechanisms", "zero-copy"}) {
    fs::create_directories(library + "/" + group);
    fs::copy_file(kData + "/run/dma_small.yaml", library + "/" + group + "/small.yaml");
  }
  fs::copy_file(kData + "/broken/unknown_mechanism.yaml", library + "/cases/broken.yaml");
  fs::copy_file(kData + "/run/dma_small.yaml", library + "/cases/notes.txt");
  // include/ holds fragments that scenarios share (include:), not scenarios.
  fs::create_directories(library + "/cases/include");
  fs::copy_file(kData + "/include/parts/disk.yaml", library + "/cases/include/disk.yaml");

  const Result r = iosim("list --json --dir " + library);
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  std::vector<std::string> groups;
  for (const auto& g : json["groups"]) groups.push_back(g["name"].get<std::string>());
  EXPECT_EQ(groups,
            (std::vector<std::string>{"mechanisms", "zero-copy", "cases", "alpha", "zebra"}));
  const nlohmann::json& cases = json["groups"][2]["scenarios"];
  ASSERT_EQ(cases.size(), 2U) << "only YAML files, and no fragment under include/";
  EXPECT_EQ(cases[0]["file"], "broken.yaml");
  const std::string broken = fs::weakly_canonical(library).string() + "/cases/broken.yaml";
  EXPECT_EQ(cases[0]["path"], broken);
  EXPECT_EQ(cases[0]["error"],
            broken +
                ":5:64: error: processes[0].program[0].device_read.mechanism: unknown mechanism "
                "'dmaa'; did you mean 'dma'? (mechanisms: pio, interrupt, dma, channel)");
  EXPECT_EQ(cases[1]["file"], "small.yaml");
  EXPECT_EQ(cases[1]["title"], "A small DMA read beside a computation");
  EXPECT_EQ(cases[1]["summary"],
            "Used by the CLI tests; reads 4 KiB by DMA while another process computes.");
  EXPECT_FALSE(cases[1].contains("error"));

  // The text list shows the error too; the environment variable stands in for --dir.
  const Result via_env = iosim_with_env("IOSIM_SCENARIOS=" + library, "list");
  EXPECT_EQ(via_env.status, 0) << via_env.err;
  EXPECT_NE(via_env.out.find("broken.yaml  error: " + broken + ":5:64: error: "), std::string::npos)
      << via_env.out;
}

TEST_F(SimCli, ListWithoutADirectoryExitsTwo) {
  Result r = iosim("list --dir " + dir_ + "/nowhere");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "iosim: error: --dir " + dir_ + "/nowhere: no such directory\n");
  r = iosim_with_env("IOSIM_SCENARIOS=" + dir_ + "/nowhere", "list --json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "iosim: error: IOSIM_SCENARIOS=" + dir_ + "/nowhere: no such directory\n");
}

TEST(SimCatalog, FindsTheInstalledLayoutBeforeTheSourceTree) {
  const fs::path root =
      fs::temp_directory_path() / ("iosim-catalog-test-" + std::to_string(::getpid()));
  fs::create_directories(root / "bin");
  fs::create_directories(root / "share/iosim/scenarios");
  fs::create_directories(root / "src/scenarios");
  const std::string exe = (root / "bin/iosim").string();
  const std::string source = (root / "src/scenarios").string();
  EXPECT_EQ(find_scenarios_dir("", "", exe, source), (root / "share/iosim/scenarios").string());
  EXPECT_EQ(find_scenarios_dir("", source, exe, ""), source) << "the environment comes first";
  fs::remove_all(root / "share");
  EXPECT_EQ(find_scenarios_dir("", "", exe, source), source);
  fs::remove_all(root / "src");
  try {
    find_scenarios_dir("", "", exe, source);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot find the scenarios directory (looked in " +
                                         (root / "share/iosim/scenarios").string() + " and " +
                                         source + "); give --dir DIR or set IOSIM_SCENARIOS");
  }
  fs::remove_all(root);
  EXPECT_EQ(first_sentence("Reads 64 KiB.\nThen 0.5ms later, more."), "Reads 64 KiB.");
  EXPECT_EQ(first_sentence("No full stop\n  here"), "No full stop here");
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
