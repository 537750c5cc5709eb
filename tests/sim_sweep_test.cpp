// `iosim sweep` and `iosim merge`: the grid's values (ranges with units), the file formats, and
// the program as users run it: parallel runs give the same file, an interrupted sweep resumes to
// the same bytes, shards merge to the unsharded file, a crashing point does not stop the sweep.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/file_output.h"
#include "sim/sweep.h"
#include "sim/trace_reader.h"
#include "sim/units.h"

namespace iosim::sim {
namespace {

namespace fs = std::filesystem;
using Values = std::vector<std::string>;

// ------------------------------------------------------------------------------------------------
// Values of --vary

Values expand(const std::string& text) {
  return expand_sweep_values(text);
}

/// The message of the error parse_vary throws, or "" when it does not throw.
std::string vary_error(const std::string& argument) {
  try {
    parse_vary(argument);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(SweepValues, GeometricRangeKeepsUnits) {
  EXPECT_EQ(expand("4KiB..1GiB:x4"), (Values{"4KiB", "16KiB", "64KiB", "256KiB", "1MiB", "4MiB",
                                             "16MiB", "64MiB", "256MiB", "1GiB"}));
  // HI is included when reached exactly and never exceeded.
  EXPECT_EQ(expand("4KiB..100KiB:x4"), (Values{"4KiB", "16KiB", "64KiB"}));
  EXPECT_EQ(expand("1kB..1MB:x10"), (Values{"1kB", "10kB", "100kB", "1MB"}));
  EXPECT_EQ(expand("1..1000:x10"), (Values{"1", "10", "100", "1000"}));
  EXPECT_EQ(expand("8MHz..33MHz:x2"), (Values{"8MHz", "16MHz", "32MHz"}));
  EXPECT_EQ(expand("1ms..1ms:x2"), (Values{"1ms"}));
  // A decimal factor is exact: 4096 * 1.5^k bytes, written in KiB.
  EXPECT_EQ(expand("4KiB..64KiB:x1.5"),
            (Values{"4KiB", "6KiB", "9KiB", "13.5KiB", "20.25KiB", "30.375KiB", "45.5625KiB"}));
  for (const std::string& value : expand("4KiB..64KiB:x1.5")) EXPECT_NO_THROW(parse_size(value));
}

TEST(SweepValues, ArithmeticRangeKeepsUnits) {
  EXPECT_EQ(expand("1ms..5ms:+1ms"), (Values{"1ms", "2ms", "3ms", "4ms", "5ms"}));
  EXPECT_EQ(expand("1ms..2ms:+250us"), (Values{"1ms", "1250us", "1500us", "1750us", "2ms"}));
  EXPECT_EQ(expand("5400..7200:+600"), (Values{"5400", "6000", "6600", "7200"}));
  EXPECT_EQ(expand("0.5..2:+0.5"), (Values{"0.5", "1", "1.5", "2"}));
  EXPECT_EQ(expand("10%..30%:+10%"), (Values{"10%", "20%", "30%"}));
  EXPECT_EQ(expand("1Gb/s..3Gb/s:+1Gb/s"), (Values{"1Gb/s", "2Gb/s", "3Gb/s"}));
  EXPECT_EQ(expand("500Mb/s..2Gb/s:+500Mb/s"), (Values{"500Mb/s", "1Gb/s", "1500Mb/s", "2Gb/s"}));
  EXPECT_EQ(expand("1GB/s..4GB/s:x2"), (Values{"1GB/s", "2GB/s", "4GB/s"}));
  EXPECT_EQ(expand("1\xC2\xB5s..3\xC2\xB5s:+1\xC2\xB5s"),
            (Values{"1\xC2\xB5s", "2\xC2\xB5s", "3\xC2\xB5s"}));  // µs stays µs
  EXPECT_EQ(expand("0.1..0.5:+0.1"), (Values{"0.1", "0.2", "0.3", "0.4", "0.5"}));
  EXPECT_EQ(expand("5%..50%:x2"), (Values{"5%", "10%", "20%", "40%"}));
  EXPECT_EQ(expand("4KiB..16KiB:+5KiB"), (Values{"4KiB", "9KiB", "14KiB"}));  // HI not reached
  EXPECT_EQ(expand("0B..2KiB:+1KiB"), (Values{"0B", "1KiB", "2KiB"}));
  // Every value reads back as what it says.
  Picoseconds expected = 1'000'000'000;
  for (const std::string& value : expand("1ms..2ms:+250us")) {
    EXPECT_EQ(parse_time_ps(value), expected) << value;
    expected += 250'000'000;
  }
}

TEST(SweepValues, ListsAreKeptAsWritten) {
  EXPECT_EQ(expand("pio,dma"), (Values{"pio", "dma"}));
  EXPECT_EQ(expand("true, false"), (Values{"true", "false"}));
  EXPECT_EQ(expand("64KiB"), (Values{"64KiB"}));
  // Commas inside a YAML flow value or quotes do not split it.
  EXPECT_EQ(expand("{kind: ssd, rpm: 0},{kind: hdd}"),
            (Values{"{kind: ssd, rpm: 0}", "{kind: hdd}"}));
  EXPECT_EQ(expand("'a,b',c"), (Values{"'a,b'", "c"}));
  EXPECT_EQ(expand("1..2,3"), (Values{"1..2", "3"}));  // a list item is never a range
}

TEST(SweepValues, BadRangesSayWhatIsWrong) {
  EXPECT_EQ(vary_error("size=16KiB..4KiB:x2"),
            "--vary size=16KiB..4KiB:x2: error: the start 16KiB is greater than the end 4KiB");
  EXPECT_EQ(vary_error("size=4KiB..16KiB:x1"),
            "--vary size=4KiB..16KiB:x1: error: the factor must be greater than 1; got 'x1'");
  EXPECT_EQ(vary_error("size=4KiB..16KiB:x0.5"),
            "--vary size=4KiB..16KiB:x0.5: error: the factor must be greater than 1; got 'x0.5'");
  EXPECT_EQ(vary_error("t=1ms..5ms:+0ms"),
            "--vary t=1ms..5ms:+0ms: error: the step must be "
            "greater than 0");
  EXPECT_EQ(vary_error("x=4KiB..1ms:x2"),
            "--vary x=4KiB..1ms:x2: error: the start '4KiB' is a size and the end '1ms' a time: "
            "both must be of one kind");
  EXPECT_EQ(vary_error("t=1ms..5ms:+1KiB"),
            "--vary t=1ms..5ms:+1KiB: error: the step '1KiB' is a size, the range's values are of "
            "kind time");
  EXPECT_EQ(vary_error("size=1B..1TiB:+1B"),
            "--vary size=1B..1TiB:+1B: error: the range has more than 100000 points");
  EXPECT_EQ(vary_error("size=1B..1TiB:x1.0001"),
            "--vary size=1B..1TiB:x1.0001: error: 1B x1.0001 is not a whole number of bytes; "
            "choose a factor that keeps every value whole, like x2");
  EXPECT_EQ(vary_error("size=0B..1KiB:x2"),
            "--vary size=0B..1KiB:x2: error: a geometric range (xFACTOR) cannot start at 0");
  EXPECT_EQ(vary_error("n=1..5"),
            "--vary n=1..5: error: expected LO..HI:xFACTOR or LO..HI:+STEP, like 4KiB..1GiB:x4 "
            "or 1ms..5ms:+1ms; no ':'");
  EXPECT_EQ(vary_error("n=1..5:-1"),
            "--vary n=1..5:-1: error: expected LO..HI:xFACTOR or LO..HI:+STEP, like "
            "4KiB..1GiB:x4 or 1ms..5ms:+1ms; got '-1' after ':'");
  EXPECT_EQ(vary_error("t=1parsec..2parsec:+1ps"),
            "--vary t=1parsec..2parsec:+1ps: error: unknown unit 'parsec' in '1parsec'");
  EXPECT_EQ(vary_error("size=4KB..8KB:+1KB"),
            "--vary size=4KB..8KB:+1KB: error: unknown unit 'KB' in '4KB'; did you mean 'kB'?");
  EXPECT_EQ(vary_error("mechanism=pio..dma:x2"),
            "--vary mechanism=pio..dma:x2: error: expected a number with its unit, like 4KiB or "
            "1ms; got 'pio'");
  EXPECT_EQ(vary_error("mechanism=pio,,dma"),
            "--vary mechanism=pio,,dma: error: the list has an empty value (two commas in a row, "
            "or one at an end)");
  EXPECT_EQ(vary_error("size"),
            "--vary size: error: expected KEY=VALUES, like "
            "size=4KiB..1MiB:x4 or mechanism=pio,dma");
  EXPECT_EQ(vary_error("=1,2"), "--vary =1,2: error: the KEY before '=' is empty");
  EXPECT_EQ(vary_error("size=4KiB..1MiB:x4"), "");
}

TEST(SweepGrid, FirstAxisVariesSlowest) {
  const SweepGrid grid({parse_vary("size=4KiB..16KiB:x2"), parse_vary("mechanism=pio,dma")});
  ASSERT_EQ(grid.size(), 6U);
  EXPECT_EQ(grid.keys(), (Values{"size", "mechanism"}));
  EXPECT_EQ(grid.values_at(0), (Values{"4KiB", "pio"}));
  EXPECT_EQ(grid.values_at(1), (Values{"4KiB", "dma"}));
  EXPECT_EQ(grid.values_at(2), (Values{"8KiB", "pio"}));
  EXPECT_EQ(grid.values_at(5), (Values{"16KiB", "dma"}));
}

TEST(SweepGrid, TooManyPointsOrTheSameKeyTwiceAreErrors) {
  try {
    SweepGrid({parse_vary("a=1..1000:+1"), parse_vary("b=1..1000:+1")});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "iosim sweep: error: the --vary arguments make more than 100000 points");
  }
  try {
    SweepGrid({parse_vary("size=1KiB,2KiB"), parse_vary("size=4KiB")});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "--vary size=4KiB: error: size is varied twice");
  }
}

TEST(SweepShard, ParsesAndSelects) {
  const Shard shard = parse_shard("2/3");
  EXPECT_FALSE(shard.contains(0));
  EXPECT_TRUE(shard.contains(1));
  EXPECT_TRUE(shard.contains(4));
  EXPECT_EQ(shard.to_string(), "2/3");
  for (const std::string bad : {"0/3", "4/3", "1/0", "3", "a/b", "1/3x"}) {
    EXPECT_THROW(parse_shard(bad), InputError) << bad;
  }
  try {
    parse_shard("4/3");
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "--shard 4/3: error: I must be between 1 and N");
  }
}

TEST(SweepMetrics, NamesAreCheckedWithDidYouMean) {
  EXPECT_EQ(parse_sweep_metrics("sim_time_ps, interrupts.disk0,throughput_bps"),
            (Values{"sim_time_ps", "interrupts.disk0", "throughput_bps"}));
  try {
    parse_sweep_metrics("sim_time_ps,cpu.bussy_ps");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "--metrics sim_time_ps,cpu.bussy_ps: error: unknown metric 'cpu.bussy_ps'; did "
                 "you mean 'cpu.busy_ps'? (iosim metrics lists them)");
  }
  EXPECT_THROW(parse_sweep_metrics("verified,verified"), InputError);
  EXPECT_THROW(parse_sweep_metrics(""), InputError);

  Metrics m;
  m["sim_time_ps"] = std::int64_t{3'000'000'000};  // 3 ms
  m["bytes.verified"] = std::int64_t{4096};
  m["verified"] = true;
  m["cpu.other_share"] = 0.25;
  EXPECT_EQ(sweep_metric_cell(m, "throughput_bps"), "1365333");  // 4096 B / 3 ms, rounded down
  EXPECT_EQ(sweep_metric_cell(m, "verified"), "true");
  EXPECT_EQ(sweep_metric_cell(m, "cpu.other_share"), "0.25");
  EXPECT_EQ(sweep_metric_cell(m, "interrupts"), "");
}

SweepIdentity small_identity(const Values& vary) {
  SweepIdentity identity;
  identity.scenario = "s.yaml";
  identity.scenario_hash = fnv1a64_hex("title: x");
  identity.vary = vary;
  identity.metrics = {"sim_time_ps", "verified"};
  std::vector<VaryAxis> axes;
  for (const std::string& v : vary) axes.push_back(parse_vary(v));
  identity.points = SweepGrid(axes).size();
  return identity;
}

TEST(SweepFile, CsvRowsReadBackAndATornRowIsDropped) {
  const SweepIdentity identity = small_identity({"mechanism=\"dma, burst\",pio"});
  const SweepGrid grid = grid_of(identity);
  const SweepFileLayout layout(SweepFormat::csv, identity, grid.keys());
  EXPECT_EQ(layout.head(), "point,mechanism,status,sim_time_ps,verified\n");
  SweepRow a{0, grid.values_at(0), SweepStatus::ok, {"25", "true"}, ""};
  SweepRow b{1, grid.values_at(1), SweepStatus::error, {"", ""}, "killed"};
  EXPECT_EQ(layout.row_text(a), "0,\"\"\"dma, burst\"\"\",ok,25,true\n");  // RFC 4180 quoting
  const std::string text = layout.file_text({layout.row_text(a), layout.row_text(b)});
  SweepFileLayout::Content content = layout.parse(text, "f.csv", grid, Shard{});
  ASSERT_EQ(content.rows.size(), 2U);
  EXPECT_FALSE(content.torn);
  EXPECT_EQ(content.rows[1].status, SweepStatus::error);
  EXPECT_EQ(layout.file_text(content.row_texts), text);

  content = layout.parse(text.substr(0, text.size() - 3), "f.csv", grid, Shard{});
  EXPECT_EQ(content.rows.size(), 1U);
  EXPECT_TRUE(content.torn);
  // Another sweep's header, an edited row, a point outside the shard: refused.
  EXPECT_THROW(layout.parse("point,size,status\n", "f.csv", grid, Shard{}), InputError);
  EXPECT_THROW(layout.parse(layout.head() + "0,\"\"\"dma, burst\"\"\",ok,2x5,true\n", "f.csv", grid,
                            Shard{}),
               InputError);
  EXPECT_THROW(layout.parse(text, "f.csv", grid, parse_shard("2/2")), InputError);
}

TEST(SweepFile, JsonIsValidAfterEveryRowAndReadsBack) {
  const SweepIdentity identity = small_identity({"size=4KiB..8KiB:x2"});
  const SweepGrid grid = grid_of(identity);
  const SweepFileLayout layout(SweepFormat::json, identity, grid.keys());
  SweepRow a{0, grid.values_at(0), SweepStatus::ok, {"25", "true"}, ""};
  SweepRow b{1, grid.values_at(1), SweepStatus::failed, {"0.5", "false"}, "FAIL \"x\""};
  std::vector<std::string> texts;
  for (const SweepRow* row : {&a, &b}) {
    texts.push_back(layout.row_text(*row));
    const auto json = nlohmann::json::parse(layout.file_text(texts));  // throws if invalid
    EXPECT_EQ(json["format"], "iosim-sweep");
    EXPECT_EQ(json["version"], 1);
    EXPECT_EQ(json["rows"].size(), texts.size());
  }
  const auto json = nlohmann::json::parse(layout.file_text(texts));
  EXPECT_EQ(json["vary"], nlohmann::json::array({"size"}));
  EXPECT_EQ(json["rows"][1]["values"]["size"], "8KiB");
  EXPECT_EQ(json["rows"][1]["status"], "failed");
  EXPECT_EQ(json["rows"][1]["reason"], "FAIL \"x\"");
  EXPECT_EQ(json["rows"][1]["metrics"]["sim_time_ps"], 0.5);
  EXPECT_EQ(json["rows"][0]["metrics"]["verified"], true);
  const std::string text = layout.file_text(texts);
  SweepFileLayout::Content content = layout.parse(text, "f.json", grid, Shard{});
  EXPECT_EQ(content.row_texts, texts);
  EXPECT_FALSE(content.torn);
  content = layout.parse(text.substr(0, text.size() - 20), "f.json", grid, Shard{});
  EXPECT_EQ(content.rows.size(), 1U);
  EXPECT_TRUE(content.torn);
}

TEST(SweepFile, MetaRoundTripsAndDifferencesAreNamed) {
  SweepMeta meta;
  meta.identity = small_identity({"size=4KiB..8KiB:x2"});
  meta.shard = parse_shard("2/3");
  meta.command = "iosim sweep s.yaml --vary size=4KiB..8KiB:x2";
  const SweepMeta back = parse_meta(meta_to_json(meta), "m");
  EXPECT_EQ(identity_difference(back.identity, meta.identity), "");
  EXPECT_EQ(back.shard.to_string(), "2/3");
  EXPECT_EQ(back.command, meta.command);
  SweepIdentity other = meta.identity;
  other.vary = {"size=4KiB..16KiB:x2"};
  EXPECT_EQ(identity_difference(other, meta.identity),
            "--vary size=4KiB..16KiB:x2 vs size=4KiB..8KiB:x2");
  EXPECT_THROW(parse_meta("{}", "m"), InputError);
  EXPECT_THROW(parse_meta("not json", "m"), InputError);
}

// ------------------------------------------------------------------------------------------------
// The program

const std::string kBinary = IOSIM_BINARY;
const std::string kPio = std::string(IOSIM_SOURCE_DIR) + "/scenarios/mechanisms/pio.yaml";
/// 6 points: 3 pass, 3 fail their expectations (pio.yaml expects no interrupt and a CPU copy).
const std::string kSmallGrid = " --vary size=4KiB..16KiB:x2 --vary mechanism=pio,dma";

struct Result {
  int status = -1;
  std::string out, err;
};

class SweepCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("iosim-sweep-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Runs `iosim ARGS` in the test's directory; `env` is prepended ("NAME=VALUE ...").
  Result iosim(const std::string& args, const std::string& env = "") {
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    const std::string command =
        "cd " + dir_ + " && env " + env + " " + kBinary + " " + args + " >" + out + " 2>" + err;
    const int raw = std::system(command.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }
  std::string file(const std::string& name) const { return read_file(dir_ + "/" + name); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
  }
  /// A worker script: `body` (sh) runs first, then the real iosim with the same arguments.
  std::string worker(const std::string& name, const std::string& body) const {
    write(name, "#!/bin/sh\n" + body + "\nexec " + kBinary + " \"$@\"\n");
    ::chmod(path(name).c_str(), 0755);
    return "IOSIM_SWEEP_WORKER=" + path(name);
  }
  static std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }

  std::string dir_;
};

TEST_F(SweepCli, SmallSweepMatchesDirectRuns) {
  const Result r = iosim("sweep " + kPio + kSmallGrid + " --jobs 2 --out r.csv");
  EXPECT_EQ(r.status, 1) << r.err;  // the dma points fail pio.yaml's expectations
  const std::string csv = file("r.csv");
  const std::string header =
      "point,size,mechanism,status,sim_time_ps,copies.total,copies.cpu,copies.dma,mode_switches,"
      "context_switches,syscalls,interrupts,cpu.busy_ps,cpu.user_ps,cpu.kernel_ps,cpu.irq_ps,"
      "bytes.verified,verified,throughput_bps\n";
  ASSERT_EQ(csv.substr(0, header.size()), header);
  EXPECT_EQ(lines(csv), 7U);
  EXPECT_NE(r.err.find("iosim sweep: 6 points: 3 ok, 3 failed, 0 error; 6 ran in"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("point 1 (size=4KiB, mechanism=dma): failed: "), std::string::npos);
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no progress line when stderr is a file";

  const SweepGrid grid({parse_vary("size=4KiB..16KiB:x2"), parse_vary("mechanism=pio,dma")});
  std::istringstream rows(csv.substr(header.size()));
  std::string row;
  for (std::size_t point = 0; std::getline(rows, row); ++point) {
    const Values values = grid.values_at(point);
    const Result direct =
        iosim("run --json --set size=" + values[0] + " --set mechanism=" + values[1] + " " + kPio);
    const Metrics metrics = parse_metrics_json(direct.out, "direct run");
    std::string expected = std::to_string(point) + "," + values[0] + "," + values[1] + "," +
                           (direct.status == 0 ? "ok" : "failed");
    for (const std::string& metric : default_sweep_metrics()) {
      expected += "," + sweep_metric_cell(metrics, metric);
    }
    EXPECT_EQ(row, expected);
    EXPECT_EQ(direct.status, values[1] == "pio" ? 0 : 1);
  }
  // Without --out the same CSV goes to stdout.
  const Result to_stdout = iosim("sweep " + kPio + kSmallGrid);
  EXPECT_EQ(to_stdout.status, 1);
  EXPECT_EQ(to_stdout.out, csv);
}

TEST_F(SweepCli, OneJobAndTwoJobsWriteTheSameBytes) {
  const std::string grid = kSmallGrid + " --vary preset=textbook,pc-1995";
  ASSERT_EQ(iosim("sweep " + kPio + grid + " --jobs 1 --out one.csv").status, 1);
  ASSERT_EQ(iosim("sweep " + kPio + grid + " --jobs 2 --out two.csv").status, 1);
  EXPECT_EQ(lines(file("one.csv")), 13U);
  EXPECT_EQ(file("one.csv"), file("two.csv"));
  ASSERT_EQ(iosim("sweep " + kPio + grid + " --jobs 1 --out one.json").status, 1);
  ASSERT_EQ(iosim("sweep " + kPio + grid + " --jobs 2 --out two.json").status, 1);
  EXPECT_EQ(file("one.json"), file("two.json"));
  const auto json = nlohmann::json::parse(file("one.json"));
  EXPECT_EQ(json["rows"].size(), 12U);
  EXPECT_EQ(json["scenario"], kPio);
  EXPECT_EQ(json["rows"][2]["values"]["mechanism"], "dma");
  EXPECT_EQ(json["rows"][2]["status"], "failed");
  EXPECT_NE(json["rows"][2]["reason"].get<std::string>().find("FAIL interrupts equals 0"),
            std::string::npos);
}

TEST_F(SweepCli, ResumeAfterTruncationEqualsStraightThrough) {
  for (const std::string ext : {"csv", "json"}) {
    const std::string sweep = "sweep " + kPio + kSmallGrid + " --jobs 2 --out ";
    ASSERT_EQ(iosim(sweep + "straight." + ext).status, 1);
    const std::string straight = file("straight." + ext);
    // Interrupted after two rows, in the middle of the third.
    ASSERT_EQ(iosim(sweep + "resumed." + ext).status, 1);
    std::size_t cut = 0;
    for (int line = 0; line < 3; ++line) cut = straight.find('\n', cut) + 1;
    write("resumed." + ext, straight.substr(0, cut + 10));
    const Result r = iosim(sweep + "resumed." + ext);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("4 ran in"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("2 were already done"), std::string::npos) << r.err;
    EXPECT_EQ(file("resumed." + ext), straight) << ext;
    // Finished: running it again runs nothing and changes nothing.
    const Result again = iosim(sweep + "resumed." + ext);
    EXPECT_NE(again.err.find("0 ran in"), std::string::npos) << again.err;
    EXPECT_EQ(file("resumed." + ext), straight);
  }
}

/// Starts `iosim ARGS` in `dir` as a child of the test, with `env` set.
pid_t spawn_iosim(const std::string& dir, const std::vector<std::string>& args,
                  const std::string& env_name, const std::string& env_value) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(127);
    ::setenv(env_name.c_str(), env_value.c_str(), 1);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    const int err = ::open((dir + "/spawned.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(err, STDERR_FILENO);
    std::vector<char*> argv = {const_cast<char*>(kBinary.c_str())};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(kBinary.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

/// Waits until `path` has at least `count` lines.
bool wait_for_lines(const std::string& path, std::size_t count) {
  for (int i = 0; i < 3000; ++i) {
    std::error_code ec;
    if (fs::exists(path, ec)) {
      const std::string text = read_file(path);
      if (static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) >= count) {
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST_F(SweepCli, KilledOrInterruptedSweepResumesToTheSameBytes) {
  // Each point takes a third of a second longer, so that the sweep is surely killed midway.
  const std::string slow = worker("slow-worker", "sleep 0.3");
  const std::string slow_path = slow.substr(slow.find('=') + 1);
  const std::vector<std::string> args = {
      "sweep", kPio,    "--vary", "size=4KiB..32KiB:x2", "--vary", "mechanism=pio,dma", "--jobs",
      "1",     "--out", "r.csv"};
  ASSERT_EQ(iosim("sweep " + kPio +
                  " --vary size=4KiB..32KiB:x2 --vary mechanism=pio,dma "
                  "--out straight.csv")
                .status,
            1);
  const std::string straight = file("straight.csv");

  for (int signal_number : {SIGKILL, SIGINT}) {
    fs::remove(path("r.csv"));
    fs::remove(path("r.csv.meta"));
    const pid_t pid = spawn_iosim(dir_, args, "IOSIM_SWEEP_WORKER", slow_path);
    ASSERT_TRUE(wait_for_lines(path("r.csv"), 4)) << "header and three rows";
    ::kill(pid, signal_number);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (signal_number == SIGKILL) {
      EXPECT_TRUE(WIFSIGNALED(status));
    } else {
      // Ctrl-C: the workers are stopped, the message says how to go on.
      ASSERT_TRUE(WIFEXITED(status));
      EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
      EXPECT_NE(file("spawned.err").find("run the same command again to continue"),
                std::string::npos)
          << file("spawned.err");
    }
    const std::string partial = file("r.csv");
    EXPECT_LT(lines(partial), 9U) << "the sweep finished before it was stopped";
    EXPECT_EQ(partial, straight.substr(0, partial.size())) << "a prefix of the full file";
    const Result r = iosim("sweep " + kPio +
                           " --vary size=4KiB..32KiB:x2 "
                           "--vary mechanism=pio,dma --jobs 2 --out r.csv");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("were already done"), std::string::npos) << r.err;
    EXPECT_EQ(file("r.csv"), straight);
  }
}

TEST_F(SweepCli, IncompatibleExistingFileIsRefusedAndKept) {
  ASSERT_EQ(iosim("sweep " + kPio + kSmallGrid + " --out r.csv").status, 1);
  const std::string before = file("r.csv");
  Result r = iosim("sweep " + kPio +
                   " --vary size=4KiB..32KiB:x2 --vary mechanism=pio,dma "
                   "--out r.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "--out r.csv: error: the file holds another sweep (here vs there: --vary "
            "size=4KiB..32KiB:x2 mechanism=pio,dma vs size=4KiB..16KiB:x2 mechanism=pio,dma). "
            "Nothing was overwritten; remove it and r.csv.meta or choose another --out\n");
  EXPECT_EQ(file("r.csv"), before);
  r = iosim("sweep " + kPio + kSmallGrid + " --metrics sim_time_ps --out r.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("metrics sim_time_ps vs sim_time_ps,copies.total"), std::string::npos);
  r = iosim("sweep " + kPio + kSmallGrid + " --shard 1/2 --out r.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("shard 1/2 vs 1/1"), std::string::npos) << r.err;
  // A file that no sweep wrote.
  write("mine.csv", "my,own,data\n");
  r = iosim("sweep " + kPio + kSmallGrid + " --out mine.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "--out mine.csv: error: the file exists, but mine.csv.meta does not: it is not "
            "the output of a sweep that can continue. Nothing was overwritten; remove it "
            "or choose another --out\n");
  EXPECT_EQ(file("mine.csv"), "my,own,data\n");
  // An edited row.
  std::string edited = before;
  edited.replace(edited.find(",ok,"), 4, ",OK,");
  write("r.csv", edited);
  r = iosim("sweep " + kPio + kSmallGrid + " --out r.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("r.csv:2:1: error: 'status' must be ok, failed or error, not 'OK'"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(file("r.csv"), edited);
}

TEST_F(SweepCli, ShardsMergeToTheUnshardedFile) {
  for (const std::string ext : {"csv", "json"}) {
    const std::string sweep = "sweep " + kPio + kSmallGrid + " --out ";
    ASSERT_EQ(iosim(sweep + "all." + ext).status, 1);
    std::string parts;
    for (int i = 1; i <= 3; ++i) {
      const std::string part = "part-" + std::to_string(i) + "." + ext;
      const Result r = iosim(sweep + part + " --shard " + std::to_string(i) + "/3");
      EXPECT_EQ(lines(file(part)), ext == "csv" ? 3U : 4U) << file(part);
      EXPECT_NE(r.err.find("2 points (shard " + std::to_string(i) + "/3 of 6)"), std::string::npos)
          << r.err;
      parts += " " + part;
    }
    Result r = iosim("merge merged." + ext + parts);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "iosim merge: 6 of 6 points from 3 files; wrote merged." + ext + "\n");
    EXPECT_EQ(file("merged." + ext), file("all." + ext)) << ext;

    // A missing shard: the file is written all the same, the points are named, exit 1; the
    // unsharded sweep then runs only the missing points.
    r = iosim("merge holes." + ext + " part-1." + ext + " part-3." + ext);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("iosim merge: warning: 2 of 6 points are missing: 1, 4"),
              std::string::npos)
        << r.err;
    r = iosim(sweep + "holes." + ext);
    EXPECT_NE(r.err.find("2 ran in"), std::string::npos) << r.err;
    EXPECT_EQ(file("holes." + ext), file("all." + ext)) << ext;
  }
}

TEST_F(SweepCli, OverlappingOrForeignShardsAreRefused) {
  const std::string sweep = "sweep " + kPio + kSmallGrid + " --out ";
  ASSERT_EQ(iosim(sweep + "part-1.csv --shard 1/2").status, 0);  // the pio points: all pass
  ASSERT_EQ(iosim(sweep + "part-2.csv --shard 2/2").status, 1);
  // The same rows twice are kept once.
  Result r = iosim("merge merged.csv part-1.csv part-2.csv part-1.csv");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("3 rows were in more than one file, identical, kept once"),
            std::string::npos);
  // A row that differs between two files: refused, nothing written.
  fs::copy_file(path("part-1.csv"), path("copy.csv"));
  fs::copy_file(path("part-1.csv.meta"), path("copy.csv.meta"));
  std::string text = file("copy.csv");
  text.replace(text.find(",4096,"), 6, ",4097,");
  write("copy.csv", text);
  r = iosim("merge bad.csv part-1.csv part-2.csv copy.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "copy.csv: error: point 0 differs from its row in part-1.csv; nothing was "
            "written\n");
  EXPECT_FALSE(fs::exists(path("bad.csv")));
  // A shard of another sweep.
  ASSERT_EQ(iosim("sweep " + kPio + " --vary size=4KiB,8KiB --out other.csv").status, 0);
  r = iosim("merge bad.csv part-1.csv other.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("other.csv: error: not a shard of the same sweep as part-1.csv (--vary"),
            std::string::npos)
      << r.err;
  // Without its meta file.
  fs::remove(path("part-2.csv.meta"));
  r = iosim("merge bad.csv part-1.csv part-2.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("part-2.csv.meta is missing"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("bad.csv")));
}

TEST_F(SweepCli, CrashingPointIsAnErrorRowAndTheSweepGoesOn) {
  const std::string crashing = worker(
      "crashing-worker", "for a in \"$@\"; do [ \"$a\" = size=8KiB ] && kill -SEGV $$; done");
  const Result r = iosim("sweep " + kPio + kSmallGrid + " --jobs 2 --out r.json", crashing);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("iosim sweep: 6 points: 2 ok, 2 failed, 2 error"), std::string::npos)
      << r.err;
  const auto json = nlohmann::json::parse(file("r.json"));
  ASSERT_EQ(json["rows"].size(), 6U);
  for (int point : {2, 3}) {
    const auto& row = json["rows"][point];
    EXPECT_EQ(row["status"], "error");
    EXPECT_EQ(row["reason"], "the worker was killed by signal 11 (Segmentation fault)");
    EXPECT_TRUE(row["metrics"]["sim_time_ps"].is_null());
  }
  EXPECT_EQ(json["rows"][4]["status"], "ok");
  ASSERT_EQ(iosim("sweep " + kPio + kSmallGrid + " --out r.csv", crashing).status, 1);
  EXPECT_NE(file("r.csv").find("\n2,8KiB,pio,error,,,,,,,,,,,,,,,\n"), std::string::npos)
      << file("r.csv");
}

TEST_F(SweepCli, BadInputStopsBeforeAnythingRuns) {
  Result r = iosim("sweep " + kPio + " --vary size=16KiB..4KiB:x2 --out r.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "--vary size=16KiB..4KiB:x2: error: the start 16KiB is greater than the end "
            "4KiB\n");
  // A value the scenario refuses: every point is loaded before any runs.
  r = iosim("sweep " + kPio + " --vary size=4KiB,-1KiB --vary mechanism=pio,bogus --out r.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind(kPio + ": --vary mechanism=bogus: error: ", 0), 0U) << r.err;
  EXPECT_NE(r.err.find("[point 1 (size=4KiB, mechanism=bogus)] (2 more of the 4 points are "
                       "invalid)"),
            std::string::npos)
      << r.err;
  r = iosim("sweep " + kPio + " --vary sise=4KiB --out r.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("did you mean 'size'?"), std::string::npos) << r.err;
  r = iosim("sweep " + kPio + " --vary size=4KiB --metrics sim_time_ps,interupts --out r.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown metric 'interupts'; did you mean 'interrupts'?"), std::string::npos)
      << r.err;
  EXPECT_EQ(iosim("sweep " + kPio + " --vary size=4KiB --out r.txt").status, 2);
  EXPECT_EQ(iosim("sweep " + kPio + " --vary size=4KiB --shard 3/2 --out r.csv").status, 2);
  EXPECT_EQ(iosim("sweep " + kPio + " --out r.csv").status, 2);  // --vary is required
  EXPECT_EQ(iosim("sweep no-such.yaml --vary size=4KiB --out r.csv").status, 2);
  EXPECT_FALSE(fs::exists(path("r.csv")));
  EXPECT_FALSE(fs::exists(path("r.csv.meta")));
}

}  // namespace
}  // namespace iosim::sim
