// The exports: JSON trace (writer and reader), metrics JSON/CSV, VCD (checked by parsing it back,
// and through GTKWave's vcd2fst/fst2vcd when installed), and atomic file writing.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "sim/export_json.h"
#include "sim/export_vcd.h"
#include "sim/file_output.h"
#include "sim/trace_reader.h"

namespace iosim::sim {
namespace {

namespace fs = std::filesystem;
using trace::Record;

Record rec(Picoseconds start, Picoseconds end, trace::Payload data, std::string actor = "",
           std::string step = "") {
  Record r;
  r.start = start;
  r.end = end;
  r.actor = std::move(actor);
  r.step = std::move(step);
  r.data = std::move(data);
  return r;
}

/// One record of every type, with values that would expose a swapped or dropped field.
std::vector<Record> every_record_type() {
  return {
      rec(0, 0, trace::RegionDecl{"disk0.buffer", trace::Layer::hardware, "disk0 sector buffer"},
          "disk0"),
      rec(0, 0, trace::RegionDecl{"reader.buf", trace::Layer::user, "reader's \"buf\""}, "kernel"),
      rec(10, 20, trace::Copy{3, trace::Engine::dma, "disk0.buffer", "reader.buf", 4096},
          "dma0.ch1", "copy-1"),
      rec(11, 21, trace::ModeSwitch{"cpu0", "reader", true, "syscall device_read"}, "cpu0"),
      rec(12, 22, trace::ContextSwitch{"cpu0", "reader", "cruncher", "block"}, "kernel"),
      rec(13, 23, trace::Syscall{"reader", "device_read", "disk0, 4096", -1, "EIO"}, "kernel"),
      rec(14, 24, trace::Interrupt{14, "disk0", 18}, "pic"),
      rec(15, 25, trace::DeviceActivity{"disk0", "seek", "cylinder 5 -> 9"}, "disk0"),
      rec(16, 26, trace::BusTenure{"cpu0", 7, 448, 9, 2}, "bus"),
      rec(17, 27, trace::CpuInterval{"cpu0", "cruncher", trace::CpuState::user, 3}, "cpu0"),
      rec(18, 28, trace::Narration{"Step 1: the disk seeks \xE2\x80\x94 ünïcode"}, "lecture",
          "step-1"),
      rec(19, 29, trace::Verification{"reader.buf", 4096, 0}, "kernel"),
  };
}

Metrics some_metrics() {
  return Metrics{{"sim_time_ps", std::int64_t{29}},
                 {"bus.utilization", 0.3103448275862069},
                 {"verified", true},
                 {"cpu.other_work_ps", std::int64_t{-5}}};
}

std::string temp_dir() {
  const fs::path dir =
      fs::temp_directory_path() / ("iosim-export-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir.string();
}

TEST(SimTraceJson, HeaderAndOneRecordPerLine) {
  const std::string text =
      trace_to_json({"A title", "s.yaml", 7}, 29, every_record_type(), some_metrics());
  EXPECT_EQ(
      text.rfind("{\n  \"format\": \"iosim-trace\",\n  \"version\": 1,\n  \"time_unit\": \"ps\",\n"
                 "  \"scenario\": {\"title\":\"A title\",\"file\":\"s.yaml\",\"seed\":7},\n"
                 "  \"end_time\": 29,\n",
                 0),
      0U)
      << text;
  EXPECT_NE(
      text.find("\n    {\"type\":\"copy\",\"start\":10,\"end\":20,\"actor\":\"dma0.ch1\",\"step\":"
                "\"copy-1\",\"copy_id\":3,\"engine\":\"dma\",\"from\":\"disk0.buffer\",\"to\":"
                "\"reader.buf\",\"bytes\":4096},\n"),
      std::string::npos);
  EXPECT_NE(text.find("{\"type\":\"cpu\",\"start\":17,\"end\":27,\"actor\":\"cpu0\",\"step\":\"\","
                      "\"cpu\":\"cpu0\",\"process\":\"cruncher\",\"state\":\"user\",\"stall\":3}"),
            std::string::npos);
  EXPECT_NE(text.find("  \"regions\": [\n    {\"name\":\"disk0.buffer\",\"layer\":\"hardware\","
                      "\"label\":\"disk0 sector buffer\"},\n"),
            std::string::npos);
  EXPECT_NE(text.find("  \"metrics\": {\n    \"bus.utilization\": 0.3103448275862069,\n"),
            std::string::npos);
  // Deterministic: the same input gives the same bytes.
  EXPECT_EQ(text, trace_to_json({"A title", "s.yaml", 7}, 29, every_record_type(), some_metrics()));
}

TEST(SimTraceJson, ReaderRoundTrip) {
  const std::vector<Record> records = every_record_type();
  const std::string text = trace_to_json({"A title", "s.yaml", 7}, 29, records, some_metrics());
  const TraceFile file = parse_trace(text, "t.json");
  EXPECT_EQ(file.version, 1);
  EXPECT_EQ(file.scenario.title, "A title");
  EXPECT_EQ(file.scenario.file, "s.yaml");
  EXPECT_EQ(file.scenario.seed, 7U);
  EXPECT_EQ(file.end_time, 29U);
  ASSERT_EQ(file.regions.size(), 2U);
  EXPECT_EQ(file.regions[1].label, "reader's \"buf\"");
  ASSERT_EQ(file.records.size(), records.size());
  const auto& copy = std::get<trace::Copy>(file.records[2].data);
  EXPECT_EQ(copy.copy_id, 3U);
  EXPECT_EQ(copy.engine, trace::Engine::dma);
  EXPECT_EQ(copy.bytes, 4096U);
  EXPECT_EQ(file.records[2].step, "copy-1");
  EXPECT_EQ(std::get<trace::Syscall>(file.records[5].data).result, -1);
  EXPECT_EQ(std::get<trace::Interrupt>(file.records[6].data).handler_start, 18U);
  EXPECT_EQ(std::get<trace::CpuInterval>(file.records[9].data).state, trace::CpuState::user);
  EXPECT_EQ(file.metrics, some_metrics());
  // Writing what was read gives the same bytes: no field is lost or altered.
  EXPECT_EQ(trace_to_json(file.scenario, file.end_time, file.records, file.metrics), text);
}

std::string error_of_trace(const std::string& text) {
  try {
    parse_trace(text, "t.json");
  } catch (const TraceError& e) {
    return e.what();
  }
  return "(no error)";
}

/// The write path's records: values that would expose a swapped or dropped field.
std::vector<Record> write_path_records() {
  return {
      rec(30, 30, trace::DirtyState{40960, 8192, 6701056, 13418496}, "kernel"),
      rec(31, 31, trace::Writeback{"log.bin", 3, 5, 20480, "background"}, "flusher"),
      rec(32, 45, trace::Throttle{"writer", 13000000, 0.375}, "writer"),
      rec(46, 50, trace::Durable{"log.bin", 65536, "fdatasync"}, "kernel"),
      rec(51, 51, trace::Loss{"log.bin", "page_cache", 65536, 12288}, "kernel"),
      rec(51, 51, trace::Crash{"power", 1000, 12288, 4096, 65536, 7}, "kernel"),
  };
}

TEST(SimTraceJson, WritePathRecordsRoundTrip) {
  std::vector<Record> records = every_record_type();
  for (Record& r : write_path_records()) records.push_back(std::move(r));
  const std::string text = trace_to_json({"A title", "s.yaml", 7}, 51, records, some_metrics());
  // The field names and order of docs/trace-format.md.
  for (const char* line :
       {"{\"type\":\"dirty_state\",\"start\":30,\"end\":30,\"actor\":\"kernel\",\"step\":\"\","
        "\"dirty_bytes\":40960,\"writeback_bytes\":8192,\"background_bytes\":6701056,"
        "\"limit_bytes\":13418496}",
        "{\"type\":\"writeback\",\"start\":31,\"end\":31,\"actor\":\"flusher\",\"step\":\"\","
        "\"file\":\"log.bin\",\"first_page\":3,\"pages\":5,\"bytes\":20480,\"reason\":"
        "\"background\"}",
        "{\"type\":\"throttle\",\"start\":32,\"end\":45,\"actor\":\"writer\",\"step\":\"\","
        "\"process\":\"writer\",\"dirty_bytes\":13000000,\"pos_ratio\":0.375}",
        "{\"type\":\"durable\",\"start\":46,\"end\":50,\"actor\":\"kernel\",\"step\":\"\","
        "\"file\":\"log.bin\",\"bytes\":65536,\"how\":\"fdatasync\"}",
        "{\"type\":\"loss\",\"start\":51,\"end\":51,\"actor\":\"kernel\",\"step\":\"\","
        "\"file\":\"log.bin\",\"layer\":\"page_cache\",\"offset\":65536,\"bytes\":12288}",
        "{\"type\":\"crash\",\"start\":51,\"end\":51,\"actor\":\"kernel\",\"step\":\"\","
        "\"kind\":\"power\",\"lost_application\":1000,\"lost_page_cache\":12288,"
        "\"lost_disk_cache\":4096,\"durable_bytes\":65536,\"durable_lost\":7}"}) {
    EXPECT_NE(text.find(std::string("\n    ") + line), std::string::npos) << line;
  }

  const TraceFile file = parse_trace(text, "t.json");
  ASSERT_EQ(file.records.size(), records.size());
  const std::size_t first = every_record_type().size();
  const auto& dirty = std::get<trace::DirtyState>(file.records[first].data);
  EXPECT_EQ(dirty.dirty_bytes, 40960U);
  EXPECT_EQ(dirty.writeback_bytes, 8192U);
  EXPECT_EQ(dirty.background_bytes, 6701056U);
  EXPECT_EQ(dirty.limit_bytes, 13418496U);
  const auto& writeback = std::get<trace::Writeback>(file.records[first + 1].data);
  EXPECT_EQ(writeback.file, "log.bin");
  EXPECT_EQ(writeback.first, 3U);
  EXPECT_EQ(writeback.pages, 5U);
  EXPECT_EQ(writeback.bytes, 20480U);
  EXPECT_EQ(writeback.reason, "background");
  const auto& throttle = std::get<trace::Throttle>(file.records[first + 2].data);
  EXPECT_EQ(throttle.process, "writer");
  EXPECT_EQ(throttle.dirty_bytes, 13000000U);
  EXPECT_DOUBLE_EQ(throttle.pos_ratio, 0.375);
  EXPECT_EQ(file.records[first + 2].end, 45U);
  const auto& durable = std::get<trace::Durable>(file.records[first + 3].data);
  EXPECT_EQ(durable.file, "log.bin");
  EXPECT_EQ(durable.bytes, 65536U);
  EXPECT_EQ(durable.how, "fdatasync");
  const auto& loss = std::get<trace::Loss>(file.records[first + 4].data);
  EXPECT_EQ(loss.file, "log.bin");
  EXPECT_EQ(loss.layer, "page_cache");
  EXPECT_EQ(loss.offset, 65536U);
  EXPECT_EQ(loss.bytes, 12288U);
  const auto& crash = std::get<trace::Crash>(file.records[first + 5].data);
  EXPECT_EQ(crash.kind, "power");
  EXPECT_EQ(crash.lost_application, 1000U);
  EXPECT_EQ(crash.lost_page_cache, 12288U);
  EXPECT_EQ(crash.lost_disk_cache, 4096U);
  EXPECT_EQ(crash.durable_bytes, 65536U);
  EXPECT_EQ(crash.durable_lost, 7U);
  // Writing what was read gives the same bytes.
  EXPECT_EQ(trace_to_json(file.scenario, file.end_time, file.records, file.metrics), text);

  // A pos_ratio of 0 (at the hard limit) is written as 0.0 and read back as a number.
  const std::string at_limit =
      trace_to_json({"t", "s.yaml", 1}, 2, {rec(1, 2, trace::Throttle{"w", 5, 0.0}, "w")}, {});
  EXPECT_DOUBLE_EQ(
      std::get<trace::Throttle>(parse_trace(at_limit, "t.json").records.at(0).data).pos_ratio, 0.0);
}

TEST(SimTraceJson, WritePathRecordsAreChecked) {
  const std::string text =
      trace_to_json({"A title", "s.yaml", 7}, 51, write_path_records(), some_metrics());
  auto edited = [&text](const std::string& from, const std::string& to) {
    std::string t = text;
    const std::size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return error_of_trace(t);
  };
  EXPECT_EQ(edited("\"kind\":\"power\"", "\"kind\":\"meteor\""),
            "t.json: error: records[5] (crash): field 'kind' has an unknown value 'meteor'");
  EXPECT_EQ(edited("\"layer\":\"page_cache\"", "\"layer\":\"ram\""),
            "t.json: error: records[4] (loss): field 'layer' has an unknown value 'ram'");
  EXPECT_EQ(edited("\"pos_ratio\":0.375", "\"pos_ratio\":\"half\""),
            "t.json: error: records[2] (throttle): field 'pos_ratio' must be a number");
  EXPECT_EQ(edited(",\"limit_bytes\":13418496", ""),
            "t.json: error: records[0] (dirty_state): missing field 'limit_bytes'");
  EXPECT_EQ(
      edited("\"first_page\":3", "\"first_page\":-3"),
      "t.json: error: records[1] (writeback): field 'first_page' must be a whole number >= 0");
}

/// Page faults of a mapped file, one of each kind: values that would expose a swapped field.
std::vector<Record> page_fault_records() {
  return {
      rec(60, 75, trace::PageFault{"mapper", "table.dat", 3, "major", 16}, "mapper", "fault"),
      rec(80, 82, trace::PageFault{"mapper", "table.dat", 19, "minor", 1}, "mapper", "fault"),
      rec(90, 99, trace::PageFault{"copier", "other.dat", 7, "cow", 1}, "copier"),
  };
}

TEST(SimTraceJson, PageFaultRecordsRoundTrip) {
  std::vector<Record> records = every_record_type();
  for (Record& r : page_fault_records()) records.push_back(std::move(r));
  const std::string text = trace_to_json({"A title", "s.yaml", 7}, 99, records, some_metrics());
  // The field names and order of docs/trace-format.md.
  EXPECT_NE(text.find("\n    {\"type\":\"page_fault\",\"start\":60,\"end\":75,\"actor\":"
                      "\"mapper\",\"step\":\"fault\",\"process\":\"mapper\",\"file\":"
                      "\"table.dat\",\"page\":3,\"kind\":\"major\",\"mapped\":16}"),
            std::string::npos)
      << text;

  const TraceFile file = parse_trace(text, "t.json");
  ASSERT_EQ(file.records.size(), records.size());
  const std::size_t first = every_record_type().size();
  const auto& major = std::get<trace::PageFault>(file.records[first].data);
  EXPECT_EQ(major.process, "mapper");
  EXPECT_EQ(major.file, "table.dat");
  EXPECT_EQ(major.page, 3U);
  EXPECT_EQ(major.kind, "major");
  EXPECT_EQ(major.mapped, 16U);
  EXPECT_EQ(file.records[first].end, 75U);
  EXPECT_EQ(file.records[first].step, "fault");
  EXPECT_EQ(std::get<trace::PageFault>(file.records[first + 1].data).kind, "minor");
  const auto& cow = std::get<trace::PageFault>(file.records[first + 2].data);
  EXPECT_EQ(cow.process, "copier");
  EXPECT_EQ(cow.file, "other.dat");
  EXPECT_EQ(cow.page, 7U);
  EXPECT_EQ(cow.kind, "cow");
  EXPECT_EQ(cow.mapped, 1U);
  // Writing what was read gives the same bytes.
  EXPECT_EQ(trace_to_json(file.scenario, file.end_time, file.records, file.metrics), text);
}

TEST(SimTraceJson, PageFaultRecordsAreChecked) {
  const std::string text =
      trace_to_json({"A title", "s.yaml", 7}, 99, page_fault_records(), some_metrics());
  auto edited = [&text](const std::string& from, const std::string& to) {
    std::string t = text;
    const std::size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return error_of_trace(t);
  };
  EXPECT_EQ(edited("\"kind\":\"cow\"", "\"kind\":\"soft\""),
            "t.json: error: records[2] (page_fault): field 'kind' has an unknown value 'soft'");
  EXPECT_EQ(edited("\"page\":19", "\"page\":-19"),
            "t.json: error: records[1] (page_fault): field 'page' must be a whole number >= 0");
  EXPECT_EQ(edited(",\"mapped\":16", ""),
            "t.json: error: records[0] (page_fault): missing field 'mapped'");
  EXPECT_EQ(edited("\"process\":\"copier\"", "\"process\":7"),
            "t.json: error: records[2] (page_fault): field 'process' must be a string");
}

TEST(SimTraceJson, TruncatedFileIsRejectedWithPosition) {
  const std::string text =
      trace_to_json({"A title", "s.yaml", 7}, 29, every_record_type(), some_metrics());
  const std::string truncated = text.substr(0, text.size() / 2);
  try {
    parse_trace(truncated, "cut.json");
    FAIL() << "a truncated trace was accepted";
  } catch (const TraceError& e) {
    const int lines = 1 + static_cast<int>(std::count(truncated.begin(), truncated.end(), '\n'));
    const int last_line_length = static_cast<int>(truncated.size() - truncated.rfind('\n') - 1);
    EXPECT_EQ(e.pos().line, lines) << e.what();
    EXPECT_EQ(e.pos().column, last_line_length + 1) << e.what();
    EXPECT_EQ(e.message().rfind("invalid JSON: ", 0), 0U) << e.what();
    EXPECT_NE(e.message().find("unexpected end of input"), std::string::npos) << e.what();
  }
}

TEST(SimTraceJson, SyntaxErrorInTheMiddleHasItsLineAndColumn) {
  const std::string text = "{\n  \"format\": \"iosim-trace\",\n  \"version\": 1 x\n}\n";
  try {
    parse_trace(text, "bad.json");
    FAIL() << "accepted";
  } catch (const TraceError& e) {
    EXPECT_EQ(e.pos().line, 3);
    EXPECT_EQ(e.pos().column, 16);
    EXPECT_EQ(e.pos().to_string(), "bad.json:3:16");
  }
}

TEST(SimTraceJson, StructureErrorsAndVersions) {
  const std::string text =
      trace_to_json({"A title", "s.yaml", 7}, 29, every_record_type(), some_metrics());
  std::string newer = text;
  newer.replace(newer.find("\"version\": 1"), 12, "\"version\": 2");
  EXPECT_EQ(
      error_of_trace(newer),
      "t.json: error: trace format version 2 is newer than this reader (1); use a newer iosim");

  std::string missing = text;
  const std::string bytes_field = ",\"bytes\":4096}";
  missing.replace(missing.find(bytes_field), bytes_field.size(), "}");
  EXPECT_EQ(error_of_trace(missing), "t.json: error: records[2] (copy): missing field 'bytes'");

  std::string wrong_enum = text;
  wrong_enum.replace(wrong_enum.find("\"engine\":\"dma\""), 14, "\"engine\":\"dmx\"");
  EXPECT_EQ(error_of_trace(wrong_enum),
            "t.json: error: records[2] (copy): field 'engine' has an unknown value 'dmx'");

  EXPECT_EQ(error_of_trace("{\"format\": \"other\"}"),
            "t.json: error: not an iosim trace (\"format\" must be \"iosim-trace\")");
  EXPECT_EQ(error_of_trace("[]"), "t.json: error: expected a JSON object at the top");

  // A record type from a newer writer of the same version is skipped, not an error.
  std::string unknown_type = text;
  unknown_type.replace(unknown_type.find("{\"type\":\"narration\""), 19,
                       "{\"type\":\"future_kind\"");
  EXPECT_EQ(parse_trace(unknown_type, "t.json").records.size(), every_record_type().size() - 1);
}

TEST(SimTraceJson, MissingFile) {
  try {
    read_trace_file("/nonexistent/trace.json");
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent/trace.json: error: cannot read '/nonexistent/trace.json': No such "
              "file or directory");
  }
}

TEST(SimMetricsExport, JsonAndCsv) {
  EXPECT_EQ(metrics_to_json(some_metrics()),
            "{\n  \"bus.utilization\": 0.3103448275862069,\n  \"cpu.other_work_ps\": -5,\n"
            "  \"sim_time_ps\": 29,\n  \"verified\": true\n}\n");
  EXPECT_EQ(metrics_to_csv(some_metrics()),
            "metric,value\nbus.utilization,0.3103448275862069\ncpu.other_work_ps,-5\n"
            "sim_time_ps,29\nverified,true\n");
  EXPECT_EQ(metrics_to_json({}), "{}\n");
  EXPECT_EQ(parse_metrics_json(metrics_to_json(some_metrics()), "m"), some_metrics());
}

TEST(SimFileOutput, WritesWholeFilesOnly) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/out.txt";
  write_file_atomically(path, "hello\n");
  EXPECT_EQ(read_file(path), "hello\n");
  write_file_atomically(path, "replaced\n");
  EXPECT_EQ(read_file(path), "replaced\n");
  const std::string missing_dir = dir + "/no/such/dir/out.txt";
  EXPECT_THROW(write_file_atomically(missing_dir, "x"), std::runtime_error);
  EXPECT_FALSE(fs::exists(missing_dir));
  // No temporary file is left beside the output.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1);
  fs::remove_all(dir);
}

// --- VCD -----------------------------------------------------------------------------------

/// A VCD file as signals: full name ("iosim.irq.irq_14_disk0") -> value changes (time, value),
/// with repeated values dropped. Value "1"/"0" for wires, the bit string for vectors.
struct Vcd {
  std::map<std::string, std::vector<std::pair<Picoseconds, std::string>>> changes;
  std::map<std::string, int> widths;
  std::vector<Picoseconds> timestamps;
  std::string timescale;
};

Vcd parse_vcd(const std::string& text) {
  Vcd vcd;
  std::istringstream in(text);
  std::string token;
  std::vector<std::string> scopes;
  std::map<std::string, std::string> names;  // id -> full name
  Picoseconds now = 0;
  auto set = [&](const std::string& id, std::string value) {
    const auto it = names.find(id);
    if (it == names.end()) {
      ADD_FAILURE() << "value change for undeclared id " << id;
      return;
    }
    // Vectors: drop leading zeros so "b01" and "b1" (as fst2vcd may write) compare equal.
    const std::size_t first_one = value.find('1');
    if (value.size() > 1) value = first_one == std::string::npos ? "0" : value.substr(first_one);
    auto& list = vcd.changes[it->second];
    if (list.empty() || list.back().second != value) list.emplace_back(now, value);
  };
  while (in >> token) {
    if (token == "$scope") {
      std::string kind, name;
      in >> kind >> name >> token;
      scopes.push_back(name);
    } else if (token == "$upscope") {
      in >> token;
      scopes.pop_back();
    } else if (token == "$var") {
      std::string kind, id, name;
      int width = 0;
      in >> kind >> width >> id >> name;
      while (in >> token && token != "$end") {
      }
      std::string full;
      for (const std::string& s : scopes) full += s + ".";
      names[id] = full + name;
      vcd.widths[full + name] = width;
    } else if (token == "$timescale") {
      while (in >> token && token != "$end") vcd.timescale += token;
    } else if (token == "$date" || token == "$version" || token == "$comment") {
      while (in >> token && token != "$end") {
      }
    } else if (token == "$enddefinitions" || token == "$dumpvars" || token == "$end" ||
               token == "$dumpall" || token == "$dumpon" || token == "$dumpoff") {
      if (token == "$enddefinitions") in >> token;
    } else if (token[0] == '#') {
      now = std::stoull(token.substr(1));
      vcd.timestamps.push_back(now);
    } else if (token[0] == 'b' || token[0] == 'B') {
      std::string id;
      in >> id;
      set(id, token.substr(1));
    } else if (token[0] == '0' || token[0] == '1' || token[0] == 'x' || token[0] == 'z') {
      set(token.substr(1), token.substr(0, 1));
    } else {
      ADD_FAILURE() << "unexpected VCD token " << token;
    }
  }
  return vcd;
}

using Changes = std::vector<std::pair<Picoseconds, std::string>>;

std::vector<Record> vcd_records() {
  return {
      rec(0, 1000, trace::CpuInterval{"cpu0", "cruncher", trace::CpuState::user, 0}),
      rec(1000, 2000, trace::CpuInterval{"cpu0", "reader", trace::CpuState::kernel, 0}),
      rec(2000, 3000, trace::CpuInterval{"cpu0", "", trace::CpuState::irq, 0}),
      rec(3000, 4000, trace::CpuInterval{"cpu0", "", trace::CpuState::idle, 0}),
      rec(1000, 3000, trace::Interrupt{14, "disk0", 2000}, "pic"),
      rec(5000, 5000, trace::Interrupt{14, "disk0", 5000}, "pic"),
      rec(0, 2000, trace::BusTenure{"cpu0", 4, 256, 1000, 0}, "bus"),
      rec(1500, 2500, trace::BusTenure{"cpu0", 2, 128, 500, 0}, "bus"),
      rec(2000, 4000, trace::BusTenure{"dma0.ch1", 100, 400, 2000, 0}, "bus"),
      rec(2000, 4000, trace::DeviceActivity{"dma0", "transfer", "channel 1"}, "dma0.ch1"),
      rec(100, 200, trace::DeviceActivity{"disk0", "seek", ""}, "disk0"),
      rec(200, 900, trace::DeviceActivity{"disk0", "transfer", ""}, "disk0"),
      rec(7000, 7000, trace::Narration{"not a signal"}),
  };
}

void expect_vcd_signals(const Vcd& vcd) {
  EXPECT_EQ(vcd.changes.size(), 6U);  // DMA activity only in the dma scope
  EXPECT_EQ(vcd.changes.at("iosim.irq.irq_14_disk0"),
            (Changes{{0, "0"}, {1000, "1"}, {3000, "0"}, {5000, "1"}, {5001, "0"}}));
  EXPECT_EQ(vcd.changes.at("iosim.bus.bus_grant_cpu0"), (Changes{{0, "1"}, {2500, "0"}}));
  EXPECT_EQ(vcd.changes.at("iosim.bus.bus_grant_dma0_ch1"),
            (Changes{{0, "0"}, {2000, "1"}, {4000, "0"}}));
  EXPECT_EQ(vcd.changes.at("iosim.cpu.cpu0_mode"),
            (Changes{{0, "1"}, {1000, "10"}, {2000, "11"}, {3000, "0"}}));
  EXPECT_EQ(vcd.widths.at("iosim.cpu.cpu0_mode"), 2);
  EXPECT_EQ(vcd.changes.at("iosim.dma.dma0_ch1_busy"),
            (Changes{{0, "0"}, {2000, "1"}, {4000, "0"}}));
  EXPECT_EQ(vcd.changes.count("iosim.devices.dma0_busy"), 0U);
  // Seek then transfer back to back: one busy stretch.
  EXPECT_EQ(vcd.changes.at("iosim.devices.disk0_busy"),
            (Changes{{0, "0"}, {100, "1"}, {900, "0"}}));
}

TEST(SimVcd, SignalsFromRecords) {
  const std::string text = records_to_vcd(vcd_records(), 10'000);
  const Vcd vcd = parse_vcd(text);
  EXPECT_EQ(vcd.timescale, "1ps");
  expect_vcd_signals(vcd);
  // One #time per distinct time, increasing, ending at the run's end.
  for (std::size_t i = 1; i < vcd.timestamps.size(); ++i) {
    EXPECT_LT(vcd.timestamps[i - 1], vcd.timestamps[i]);
  }
  ASSERT_FALSE(vcd.timestamps.empty());
  EXPECT_EQ(vcd.timestamps.back(), 10'000U);
  EXPECT_EQ(text.find("$date"), std::string::npos) << "no wall-clock date: output is deterministic";
  EXPECT_EQ(text, records_to_vcd(vcd_records(), 10'000));
}

TEST(SimVcd, EmptyTraceIsStillAValidFile) {
  const std::string text = records_to_vcd({}, 0);
  EXPECT_NE(text.find("$enddefinitions $end"), std::string::npos);
  EXPECT_TRUE(parse_vcd(text).changes.empty());
}

bool have_tool(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

TEST(SimVcd, GtkwaveReadsWhatWeWrite) {
  if (!have_tool("vcd2fst") || !have_tool("fst2vcd")) GTEST_SKIP() << "gtkwave tools not installed";
  const std::string dir = temp_dir();
  const std::string vcd_path = dir + "/signals.vcd";
  const std::string fst_path = dir + "/signals.fst";
  const std::string back_path = dir + "/back.vcd";
  write_file_atomically(vcd_path, records_to_vcd(vcd_records(), 10'000));
  // vcd2fst exits 0 even on garbage, so its status proves nothing: the content is checked below.
  const std::string convert = "vcd2fst " + vcd_path + " " + fst_path +
                              " >/dev/null 2>&1 && fst2vcd " + fst_path + " > " + back_path +
                              " 2>/dev/null";
  ASSERT_EQ(std::system(convert.c_str()), 0);
  const Vcd back = parse_vcd(read_file(back_path));
  expect_vcd_signals(back);
  EXPECT_EQ(back.changes, parse_vcd(read_file(vcd_path)).changes);
  fs::remove_all(dir);
}

TEST(SimVcd, GarbageDoesNotSurviveTheRoundTrip) {
  // The check above must be able to fail: a file GTKWave cannot read gives no signals back.
  if (!have_tool("vcd2fst") || !have_tool("fst2vcd")) GTEST_SKIP() << "gtkwave tools not installed";
  const std::string dir = temp_dir();
  write_file_atomically(dir + "/garbage.vcd", "this is not a value change dump\n");
  std::system(("vcd2fst " + dir + "/garbage.vcd " + dir + "/garbage.fst >/dev/null 2>&1; fst2vcd " +
               dir + "/garbage.fst > " + dir + "/back.vcd 2>/dev/null")
                  .c_str());
  std::string back;
  try {
    back = read_file(dir + "/back.vcd");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(back.find("irq_14_disk0"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace iosim::sim
