// The storage scenarios (scenarios/storage/) through the iosim program: each passes its own
// expectations, offers knobs whose every choice loads, writes a byte-identical trace twice, and
// the trace's new records (readahead, cache_access, eviction) read back.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/scenario.h"
#include "sim/trace_reader.h"

namespace iosim::sim {
namespace {

namespace fs = std::filesystem;

const std::string kBinary = IOSIM_BINARY;
const std::string kSource = IOSIM_SOURCE_DIR;
const std::string kData = IOSIM_TEST_DATA;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class StorageScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("iosim-storage-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Runs `iosim ARGS`; returns the exit status, stdout in `out`.
  int iosim(const std::string& args, std::string* out = nullptr) {
    const std::string out_file = dir_ + "/stdout";
    const std::string command =
        "cd " + dir_ + " && " + kBinary + " " + args + " >" + out_file + " 2>" + dir_ + "/stderr";
    const int raw = std::system(command.c_str());
    if (out) *out = read_file(out_file) + read_file(dir_ + "/stderr");
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  }

  std::string dir_;
};

std::vector<std::string> storage_scenarios(const std::string& dir = "storage") {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(kSource + "/scenarios/" + dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(StorageScenarioFormat, FilesAndFileOperationsLoad) {
  const Scenario s = parse_scenario(
      "title: files\n"
      "files:\n"
      "  - { path: a.bin, size: 1MiB }\n"
      "  - { path: dir/b.txt, size: 100B, device: disk1, pattern: 'xy', cache: warm }\n"
      "  - { path: c.dat, size: 8KiB, seed: 9, cache: cold }\n"
      "processes:\n"
      "  - name: r\n"
      "    program:\n"
      "      - open: { file: a.bin }\n"
      "      - fadvise: { file: a.bin, advice: sequential }\n"
      "      - lseek: { file: a.bin, offset: 64KiB }\n"
      "      - read: { file: a.bin, chunk: 16KiB, bytes: 128KiB, into: data, order: random }\n"
      "      - read: { file: a.bin }\n"
      "      - close: { file: a.bin }\n",
      "inline");
  ASSERT_EQ(s.files.size(), 3u);
  EXPECT_EQ(s.files[0].path, "a.bin");
  EXPECT_EQ(s.files[0].size.bytes, 1u << 20);
  EXPECT_EQ(s.files[0].device, "disk0");
  EXPECT_FALSE(s.files[0].warm);
  EXPECT_FALSE(s.files[0].has_content_seed);
  EXPECT_EQ(s.files[1].device, "disk1");
  EXPECT_EQ(s.files[1].pattern, "xy");
  EXPECT_TRUE(s.files[1].warm);
  EXPECT_TRUE(s.files[2].has_content_seed);
  EXPECT_EQ(s.files[2].content_seed, 9u);
  const auto& program = s.processes[0].program;
  ASSERT_EQ(program.size(), 6u);
  EXPECT_EQ(std::get<os::FileAdvise>(program[1]).advice, os::Advice::sequential);
  EXPECT_EQ(std::get<os::FileSeek>(program[2]).offset.bytes, 64u << 10);
  const auto& read = std::get<os::FileRead>(program[3]);
  EXPECT_EQ(read.chunk.bytes, 16u << 10);
  EXPECT_EQ(read.bytes.bytes, 128u << 10);
  EXPECT_EQ(read.into, "data");
  EXPECT_EQ(read.order, os::ReadOrder::random);
  const auto& defaults = std::get<os::FileRead>(program[4]);
  EXPECT_EQ(defaults.chunk.bytes, 4096u);
  EXPECT_EQ(defaults.bytes.bytes, 0u);  // to the end of the file
  EXPECT_EQ(defaults.into, "buf");
  EXPECT_EQ(defaults.order, os::ReadOrder::sequential);
  EXPECT_EQ(describe_operation(program[3]),
            "read: { file: a.bin, chunk: 16KiB, bytes: 128KiB, into: data, order: random }");
}

TEST_F(StorageScenario, EveryScenarioPassesItsExpectations) {
  const std::vector<std::string> files = storage_scenarios();
  EXPECT_EQ(files.size(), 18u);
  for (const std::string& file : files) {
    std::string out;
    EXPECT_EQ(iosim("run " + file, &out), 0) << file << "\n" << out;
    EXPECT_NE(out.find("Result: PASS"), std::string::npos) << file;
  }
}

TEST_F(StorageScenario, TheCasesPassTheirExpectations) {
  // scenarios/cases: InnoDB's buffer pool over O_DIRECT beside the page cache, the Kafka-like
  // and RocketMQ-like brokers, a static-file server, an encrypting server.
  const std::vector<std::string> files = storage_scenarios("cases");
  EXPECT_EQ(files.size(), 6u);
  for (const std::string& file : files) {
    std::string out;
    EXPECT_EQ(iosim("run " + file, &out), 0) << file << "\n" << out;
    EXPECT_NE(out.find("Result: PASS"), std::string::npos) << file;
  }
}

TEST_F(StorageScenario, EveryScenarioHasKnobsAndEveryChoiceLoads) {
  for (const std::string& file : storage_scenarios()) {
    const Scenario s = load_scenario_file(file);
    EXPECT_GE(s.knobs.size(), 3u) << file;
    for (const Knob& knob : s.knobs) {
      for (const std::string& choice : knob.choices) {
        EXPECT_EQ(iosim("validate " + file + " --set " + knob.name + "=" + choice), 0)
            << file << " " << knob.name << "=" << choice;
      }
    }
  }
  const Scenario cold = load_scenario_file(kSource + "/scenarios/storage/buffered-read-cold.yaml");
  std::map<std::string, const Knob*> by_name;
  for (const Knob& k : cold.knobs) by_name[k.name] = &k;
  EXPECT_EQ(by_name.at("file_size")->kind, KnobKind::size);
  EXPECT_EQ(by_name.at("chunk")->kind, KnobKind::size);
  EXPECT_EQ(by_name.at("cache")->kind, KnobKind::choice);
  EXPECT_EQ(by_name.at("cache")->choices, (std::vector<std::string>{"cold", "warm"}));
  EXPECT_EQ(by_name.at("read_ahead")->kind, KnobKind::count);
}

TEST_F(StorageScenario, WarmIsMuchFasterThanCold) {
  const std::string cold = kSource + "/scenarios/storage/buffered-read-cold.yaml";
  ASSERT_EQ(iosim("run " + cold + " --trace cold.json"), 0);
  ASSERT_EQ(iosim("run " + cold + " --set cache=warm --trace warm.json"), 1)
      << "the cold scenario's expectations (misses, read-ahead) fail on a warm cache";
  const TraceFile c = read_trace_file(dir_ + "/cold.json");
  const TraceFile w = read_trace_file(dir_ + "/warm.json");
  EXPECT_GT(c.end_time, 100 * w.end_time);
  EXPECT_EQ(std::get<std::int64_t>(w.metrics.at("page_cache.misses")), 0);
  EXPECT_EQ(std::get<std::int64_t>(w.metrics.at("page_cache.hits")), 64);
}

TEST_F(StorageScenario, TraceIsByteIdenticalAndItsRecordsReadBack) {
  const std::string file = kSource + "/scenarios/storage/readahead-sequential.yaml";
  ASSERT_EQ(iosim("run " + file + " --trace a.json"), 0);
  ASSERT_EQ(iosim("run " + file + " --trace b.json"), 0);
  const std::string a = read_file(dir_ + "/a.json");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, read_file(dir_ + "/b.json"));

  const TraceFile t = read_trace_file(dir_ + "/a.json");
  std::vector<std::string> windows;
  std::uint64_t accesses = 0;
  for (const trace::Record& r : t.records) {
    if (const auto* w = std::get_if<trace::Readahead>(&r.data)) {
      windows.push_back(std::to_string(w->start) + "+" + std::to_string(w->pages) +
                        (w->async ? "*" : ""));
      EXPECT_EQ(w->bytes, w->pages * 4096);
      EXPECT_EQ(w->file, "data.bin");
    }
    if (std::holds_alternative<trace::CacheAccess>(r.data)) ++accesses;
  }
  const std::vector<std::string> expected = {"0+4",     "4+8*",    "12+16*",  "28+32*",
                                             "60+32*",  "92+32*",  "124+32*", "156+32*",
                                             "188+32*", "220+32*", "252+4*"};
  EXPECT_EQ(windows, expected);
  EXPECT_EQ(accesses, 256u);
}

TEST_F(StorageScenario, EvictionRecordsReadBack) {
  const std::string file = kSource + "/scenarios/storage/page-cache-eviction.yaml";
  ASSERT_EQ(iosim("run " + file + " --trace e.json"), 0);
  const TraceFile t = read_trace_file(dir_ + "/e.json");
  std::map<std::string, std::uint64_t> evicted;
  for (const trace::Record& r : t.records) {
    if (const auto* e = std::get_if<trace::Eviction>(&r.data)) evicted[e->file] += e->pages;
  }
  EXPECT_EQ(evicted.count("hot.dat"), 0u);
  EXPECT_EQ(evicted.at("once.dat"), 8u);
  EXPECT_EQ(std::get<std::int64_t>(t.metrics.at("page_cache.evictions.big.dat")),
            static_cast<std::int64_t>(evicted.at("big.dat")));
}

}  // namespace
}  // namespace iosim::sim
