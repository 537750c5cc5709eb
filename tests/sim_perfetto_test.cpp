// The Chrome trace-event / Perfetto export: parsed back with nlohmann::json and checked for its
// tracks, exact times, the mapping of every record type, lanes for overlapping intervals, copy
// flows and counters, determinism, and the structure of a real run's export.
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/export_perfetto.h"
#include "sim/run.h"
#include "sim/scenario.h"

namespace iosim::sim {
namespace {

using Json = nlohmann::json;
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

/// One record of every type, each with its own start so that it can be found by its time.
std::vector<Record> every_record_type() {
  return {
      rec(0, 0, trace::RegionDecl{"disk0.buffer", trace::Layer::hardware, "disk0 sector buffer"},
          "disk0"),
      rec(1000000, 2000000, trace::Copy{3, trace::Engine::dma, "disk0.buffer", "reader.buf", 4096},
          "dma0.ch1", "copy-1"),
      rec(2000000, 2100000, trace::Descriptor{"page_cache", "socket.buf", 8192, 2, "sg descriptor"},
          "cpu0"),
      rec(3000000, 3100000, trace::ModeSwitch{"cpu0", "reader", true, "syscall device_read"},
          "cpu0"),
      rec(4000000, 4200000, trace::ContextSwitch{"cpu0", "reader", "cruncher", "block"}, "kernel"),
      rec(5000000, 9000000, trace::Syscall{"reader", "device_read", "disk0, 4096", -1, "EIO"},
          "kernel"),
      rec(6000000, 6500000, trace::Interrupt{14, "disk0", 6100000}, "pic"),
      rec(7000000, 7300000, trace::DeviceActivity{"disk0", "seek", "cylinder 5 -> 9"}, "disk0"),
      rec(8000000, 8400000, trace::DeviceActivity{"dma0.ch1", "transfer", "block"}, "dma0.ch1"),
      rec(9000000, 9040000, trace::BusTenure{"cpu0", 7, 448, 30000, 2000}, "bus"),
      rec(10000000, 11000000, trace::CpuInterval{"cpu0", "cruncher", trace::CpuState::user, 3},
          "cpu0"),
      rec(11000000, 12000000, trace::Narration{"The disk seeks"}, "lecture", "step-1"),
      rec(12000000, 12000000, trace::Verification{"reader.buf", 4096, 0}, "kernel"),
      rec(13000000, 14000000, trace::Readahead{"data.bin", 0, 32, 131072, false, 8}, "kernel"),
      rec(14000000, 14500000, trace::CacheAccess{"reader", "data.bin", 0, 4, 3, 1, 32, 4},
          "kernel"),
      rec(15000000, 15000000, trace::Eviction{"data.bin", 16}, "kernel"),
  };
}

Metrics some_metrics() {
  return Metrics{
      {"sim_time_ps", std::int64_t{15000000}}, {"bus.utilization", 0.25}, {"verified", true}};
}

Json export_json(const std::vector<Record>& records, Picoseconds end = 15000000) {
  const std::string text =
      trace_to_chrome_json({"A title", "s.yaml", 7}, end, records, some_metrics());
  return Json::parse(text);
}

/// What the metadata events say: group (pid) names and track (pid, tid) names.
struct Tracks {
  std::map<int, std::string> groups;
  std::map<std::pair<int, int>, std::string> threads;
  std::map<int, int> group_order;

  explicit Tracks(const Json& trace) {
    for (const Json& e : trace.at("traceEvents")) {
      if (e.at("ph") != "M") continue;
      const int pid = e.at("pid").get<int>();
      const std::string what = e.at("name").get<std::string>();
      if (what == "process_name") groups[pid] = e.at("args").at("name").get<std::string>();
      if (what == "process_sort_index") group_order[pid] = e.at("args").at("sort_index").get<int>();
      if (what == "thread_name") {
        threads[{pid, e.at("tid").get<int>()}] = e.at("args").at("name").get<std::string>();
      }
    }
  }
  /// "Group/track" of an event.
  std::string of(const Json& event) const {
    const int pid = event.at("pid").get<int>();
    std::string out = groups.count(pid) != 0 ? groups.at(pid) : "?";
    if (event.contains("tid")) {
      const auto it = threads.find({pid, event.at("tid").get<int>()});
      out += "/" + (it == threads.end() ? std::string("?") : it->second);
    }
    return out;
  }
};

/// The non-metadata events with a given category.
std::vector<Json> events_of(const Json& trace, const std::string& category) {
  std::vector<Json> out;
  for (const Json& e : trace.at("traceEvents")) {
    if (e.at("ph") != "M" && e.value("cat", "") == category) out.push_back(e);
  }
  return out;
}

/// A Trace Event Format time (microseconds, up to 6 decimals) back in picoseconds.
std::int64_t to_ps(const Json& microseconds) {
  return std::llround(microseconds.get<double>() * 1e6);
}

TEST(SimPerfetto, MicrosecondsAreExactDecimals) {
  EXPECT_EQ(chrome_microseconds(0), "0");
  EXPECT_EQ(chrome_microseconds(1), "0.000001");
  EXPECT_EQ(chrome_microseconds(1234567), "1.234567");
  EXPECT_EQ(chrome_microseconds(1500000), "1.5");
  EXPECT_EQ(chrome_microseconds(2000000), "2");
  EXPECT_EQ(chrome_microseconds(1000010), "1.00001");
  // 2^64 - 1 ps: beyond what a double holds exactly, still written digit for digit.
  EXPECT_EQ(chrome_microseconds(18446744073709551615ULL), "18446744073709.551615");
}

TEST(SimPerfetto, TopLevelAndTimesAsWritten) {
  const std::vector<Record> records = {rec(
      1234567, 2234568, trace::CpuInterval{"cpu0", "reader", trace::CpuState::kernel, 0}, "cpu0")};
  const std::string text =
      trace_to_chrome_json({"A title", "s.yaml", 7}, 2234568, records, some_metrics());
  EXPECT_NE(text.find("\"ts\":1.234567,\"dur\":1.000001,"), std::string::npos) << text;
  const Json trace = Json::parse(text);
  EXPECT_EQ(trace.at("displayTimeUnit"), "ns");
  EXPECT_EQ(trace.at("otherData").at("title"), "A title");
  EXPECT_EQ(trace.at("otherData").at("file"), "s.yaml");
  EXPECT_EQ(trace.at("otherData").at("seed"), 7);
  EXPECT_EQ(trace.at("otherData").at("end_time_ps"), 2234568);
  EXPECT_EQ(trace.at("otherData").at("metrics").at("verified"), true);
  ASSERT_TRUE(trace.at("traceEvents").is_array());
}

TEST(SimPerfetto, TracksAreNamedAndOrdered) {
  const Json trace = export_json(every_record_type());
  const Tracks tracks(trace);
  std::vector<std::string> groups;
  for (const auto& [pid, name] : tracks.groups) groups.push_back(name);
  EXPECT_EQ(groups,
            (std::vector<std::string>{"CPUs", "Processes", "Interrupts", "Devices", "DMA channels",
                                      "Bus", "Copies", "Page cache", "Lecture"}));
  for (const auto& [pid, order] : tracks.group_order) EXPECT_EQ(order, pid);

  std::set<std::string> names;
  for (const auto& [key, name] : tracks.threads)
    names.insert(tracks.groups.at(key.first) + "/" + name);
  EXPECT_EQ(names,
            (std::set<std::string>{
                "CPUs/cpu0", "Processes/cruncher", "Processes/reader", "Interrupts/irq 14 disk0",
                "Devices/disk0", "DMA channels/dma0.ch1", "Bus/cpu0", "Copies/dma0.ch1",
                "Copies/cpu0", "Page cache/data.bin", "Lecture/steps", "Lecture/checks"}));
  // Every thread has a sort index, and thread ids are unique across groups.
  std::set<int> tids;
  int sort_indexes = 0;
  for (const Json& e : trace.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name") tids.insert(e.at("tid").get<int>());
    if (e.at("ph") == "M" && e.at("name") == "thread_sort_index") ++sort_indexes;
  }
  EXPECT_EQ(tids.size(), tracks.threads.size());
  EXPECT_EQ(sort_indexes, static_cast<int>(tracks.threads.size()));
}

TEST(SimPerfetto, EveryRecordTypeIsMapped) {
  const Json trace = export_json(every_record_type());
  const Tracks tracks(trace);
  struct Expected {
    std::string category, phase, name, track;
    std::int64_t ts, dur;  // dur -1: an instant
  };
  const std::vector<Expected> expected = {
      {"copy", "X", "copy 3", "Copies/dma0.ch1", 1000000, 1000000},
      {"descriptor", "i", "descriptor: sg descriptor", "Copies/cpu0", 2000000, -1},
      {"mode_switch", "i", "mode switch to kernel", "CPUs/cpu0", 3000000, -1},
      {"context_switch", "i", "context switch reader -> cruncher", "CPUs/cpu0", 4000000, -1},
      {"syscall", "X", "device_read", "Processes/reader", 5000000, 4000000},
      {"interrupt", "X", "irq 14", "Interrupts/irq 14 disk0", 6000000, 500000},
      {"device", "X", "seek", "Devices/disk0", 7000000, 300000},
      {"device", "X", "transfer", "DMA channels/dma0.ch1", 8000000, 400000},
      {"bus", "X", "held by cpu0", "Bus/cpu0", 9000000, 40000},
      {"cpu", "X", "user", "CPUs/cpu0", 10000000, 1000000},
      {"cpu", "X", "user", "Processes/cruncher", 10000000, 1000000},
      {"narration", "X", "step-1", "Lecture/steps", 11000000, 1000000},
      {"verification", "i", "verified", "Lecture/checks", 12000000, -1},
      {"readahead", "X", "readahead", "Page cache/data.bin", 13000000, 1000000},
      {"cache_access", "X", "page cache lookup", "Processes/reader", 14000000, 500000},
      {"eviction", "i", "eviction", "Page cache/data.bin", 15000000, -1},
  };
  for (const Expected& x : expected) {
    SCOPED_TRACE(x.category + " " + x.name);
    std::vector<Json> found;
    for (const Json& e : events_of(trace, x.category)) {
      if (e.at("ph") == x.phase && e.at("name") == x.name && tracks.of(e) == x.track) {
        found.push_back(e);
      }
    }
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(to_ps(found[0].at("ts")), x.ts);
    if (x.dur >= 0) EXPECT_EQ(to_ps(found[0].at("dur")), x.dur);
    if (x.dur < 0) EXPECT_EQ(found[0].at("s"), "t");
  }
  // The payloads' fields are in args.
  const Json copy = events_of(trace, "copy")[0];
  EXPECT_EQ(copy.at("args"), Json::parse(R"({"copy_id":3,"engine":"dma","from":"disk0.buffer",
      "to":"reader.buf","bytes":4096,"actor":"dma0.ch1","step":"copy-1"})"));
  const Json mode = events_of(trace, "mode_switch")[0];
  EXPECT_EQ(mode.at("args").at("cause"), "syscall device_read");
  EXPECT_EQ(mode.at("args").at("cost_ps"), 100000);
  EXPECT_EQ(events_of(trace, "context_switch")[0].at("args").at("reason"), "block");
  const Json syscall = events_of(trace, "syscall")[0];
  EXPECT_EQ(syscall.at("args").at("result"), -1);
  EXPECT_EQ(syscall.at("args").at("error"), "EIO");
  EXPECT_EQ(events_of(trace, "interrupt")[0].at("args").at("latency_ps"), 100000);
  EXPECT_EQ(events_of(trace, "narration")[0].at("args").at("text"), "The disk seeks");
  // A region is a place, not an event.
  EXPECT_TRUE(events_of(trace, "region").empty());
}

TEST(SimPerfetto, WritePathRecordsAreMapped) {
  const std::vector<Record> records = {
      rec(1000000, 9000000, trace::Syscall{"writer", "write", "log.bin, buf, 4KiB", 4096, ""},
          "kernel"),
      rec(1000000, 1000000, trace::DirtyState{8192, 0, 100000, 200000}, "kernel"),
      rec(2000000, 2000000, trace::Writeback{"log.bin", 0, 2, 8192, "background"}, "flusher"),
      rec(2000000, 2000000, trace::DirtyState{0, 8192, 100000, 200000}, "kernel"),
      rec(3000000, 5000000, trace::Throttle{"writer", 190000, 0.25}, "writer"),
      rec(6000000, 6000000, trace::Durable{"log.bin", 8192, "fsync"}, "kernel"),
      rec(10000000, 10000000, trace::Loss{"log.bin", "page_cache", 8192, 4096}, "kernel"),
      rec(10000000, 10000000, trace::Crash{"power", 0, 4096, 0, 8192, 0}, "kernel"),
  };
  const Json trace = export_json(records, 10000000);
  const Tracks tracks(trace);
  struct Expected {
    std::string category, phase, name, track;
    std::int64_t ts, dur;  // dur -1: an instant
    const char* scope;
  };
  const std::vector<Expected> expected = {
      {"writeback", "i", "writeback (background)", "Processes/flusher", 2000000, -1, "t"},
      {"throttle", "X", "throttled", "Processes/writer", 3000000, 2000000, ""},
      {"durable", "i", "durable (fsync)", "Page cache/log.bin", 6000000, -1, "t"},
      {"loss", "i", "lost (page_cache)", "Lecture/crash", 10000000, -1, "t"},
      {"crash", "i", "crash: power", "Lecture/crash", 10000000, -1, "g"},
  };
  for (const Expected& x : expected) {
    SCOPED_TRACE(x.category + " " + x.name);
    const std::vector<Json> found = events_of(trace, x.category);
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].at("ph"), x.phase);
    EXPECT_EQ(found[0].at("name"), x.name);
    EXPECT_EQ(tracks.of(found[0]), x.track);
    EXPECT_EQ(to_ps(found[0].at("ts")), x.ts);
    if (x.dur >= 0) EXPECT_EQ(to_ps(found[0].at("dur")), x.dur);
    if (x.dur < 0) EXPECT_EQ(found[0].at("s"), x.scope);
  }
  EXPECT_EQ(events_of(trace, "throttle")[0].at("args").at("pos_ratio"), 0.25);
  EXPECT_EQ(events_of(trace, "writeback")[0].at("args").at("bytes"), 8192);
  EXPECT_EQ(events_of(trace, "crash")[0].at("args").at("lost_page_cache"), 4096);
  EXPECT_EQ(events_of(trace, "loss")[0].at("args").at("offset"), 8192);
  // The throttle pause nests inside the write() that it paused.
  EXPECT_EQ(tracks.of(events_of(trace, "syscall")[0]), "Processes/writer");

  // Dirty memory: two counters of the Page cache group, one sample per DirtyState record.
  std::map<std::string, std::vector<std::pair<std::int64_t, std::uint64_t>>> counters;
  for (const Json& e : events_of(trace, "dirty_state")) {
    EXPECT_EQ(e.at("ph"), "C");
    EXPECT_EQ(tracks.of(e), "Page cache");
    counters[e.at("name").get<std::string>()].emplace_back(
        to_ps(e.at("ts")), e.at("args").at("bytes").get<std::uint64_t>());
  }
  using Samples = std::vector<std::pair<std::int64_t, std::uint64_t>>;
  EXPECT_EQ(counters["dirty bytes"], (Samples{{1000000, 8192}, {2000000, 0}}));
  EXPECT_EQ(counters["writeback bytes"], (Samples{{1000000, 0}, {2000000, 8192}}));
  EXPECT_EQ(counters.size(), 2U);
}

TEST(SimPerfetto, PageFaultsAreInstantsOnTheProcesssTrack) {
  const std::vector<Record> records = {
      rec(1000000, 1000000, trace::Narration{"map"}, "lecture", "map"),
      rec(2000000, 2500000, trace::PageFault{"mapper", "table.dat", 3, "major", 16}, "mapper",
          "fault"),
      rec(3000000, 3001000, trace::PageFault{"mapper", "table.dat", 19, "minor", 1}, "mapper",
          "fault"),
      // The track is the faulting process's even when the actor is not.
      rec(4000000, 4002000, trace::PageFault{"copier", "other.dat", 7, "cow", 1}, "kernel"),
  };
  const Json trace = export_json(records, 5000000);
  const Tracks tracks(trace);
  const std::vector<Json> faults = events_of(trace, "page_fault");
  ASSERT_EQ(faults.size(), 3U);
  struct Expected {
    std::string name, track;
    std::int64_t ts;
    std::uint64_t page, mapped, fault_ps;
  };
  const std::vector<Expected> expected = {
      {"page fault (major)", "Processes/mapper", 2000000, 3, 16, 500000},
      {"page fault (minor)", "Processes/mapper", 3000000, 19, 1, 1000},
      {"page fault (cow)", "Processes/copier", 4000000, 7, 1, 2000},
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Expected& x = expected[i];
    SCOPED_TRACE(x.name);
    const Json& e = faults[i];
    EXPECT_EQ(e.at("ph"), "i");
    EXPECT_EQ(e.at("s"), "t");
    EXPECT_EQ(e.at("name"), x.name);
    EXPECT_EQ(tracks.of(e), x.track);
    EXPECT_EQ(to_ps(e.at("ts")), x.ts);
    EXPECT_FALSE(e.contains("dur"));
    EXPECT_EQ(e.at("args").at("page"), x.page);
    EXPECT_EQ(e.at("args").at("mapped"), x.mapped);
    EXPECT_EQ(e.at("args").at("fault_ps"), x.fault_ps);
  }
  EXPECT_EQ(faults[0].at("args"), Json::parse(R"({"file":"table.dat","page":3,"kind":"major",
      "mapped":16,"fault_ps":500000,"actor":"mapper","step":"fault"})"));
  // Mapped, not left to the "Other" group.
  EXPECT_TRUE(events_of(trace, "other").empty());
}

TEST(SimPerfetto, OverlappingIntervalsGetASecondLaneAndNestedOnesShareOne) {
  const std::vector<Record> records = {
      rec(0, 100, trace::DeviceActivity{"disk0", "command", ""}, "disk0"),
      rec(10, 50, trace::DeviceActivity{"disk0", "seek", ""}, "disk0"),       // nested in command
      rec(80, 200, trace::DeviceActivity{"disk0", "transfer", ""}, "disk0"),  // overlaps command
      rec(200, 300, trace::DeviceActivity{"disk0", "rotate", ""}, "disk0"),   // after both
      // Reported short one first: the longer one of the same start still holds it.
      rec(400, 410, trace::DeviceActivity{"disk0", "inner", ""}, "disk0"),
      rec(400, 500, trace::DeviceActivity{"disk0", "outer", ""}, "disk0"),
  };
  const Json trace = export_json(records, 500);
  const Tracks tracks(trace);
  std::map<std::string, std::string> track_of_phase;
  for (const Json& e : events_of(trace, "device")) {
    track_of_phase[e.at("name").get<std::string>()] = tracks.of(e);
  }
  EXPECT_EQ(track_of_phase["command"], "Devices/disk0");
  EXPECT_EQ(track_of_phase["seek"], "Devices/disk0");
  EXPECT_EQ(track_of_phase["transfer"], "Devices/disk0 (2)");
  EXPECT_EQ(track_of_phase["rotate"], "Devices/disk0");
  EXPECT_EQ(track_of_phase["inner"], "Devices/disk0");
  EXPECT_EQ(track_of_phase["outer"], "Devices/disk0");
}

TEST(SimPerfetto, RecordsOfOneCopyAreLinkedByAFlow) {
  const std::vector<Record> records = {
      rec(0, 10, trace::Copy{1, trace::Engine::dma, "a", "b", 2}, "dma0.ch1"),
      rec(10, 20, trace::Copy{1, trace::Engine::dma, "a", "b", 2}, "dma0.ch1"),
      rec(20, 30, trace::Copy{1, trace::Engine::dma, "a", "b", 2}, "dma0.ch1"),
      rec(40, 50, trace::Copy{2, trace::Engine::cpu, "b", "c", 6}, "cpu0"),
  };
  const Json trace = export_json(records, 50);
  std::vector<Json> starts, finishes;
  for (const Json& e : events_of(trace, "copy")) {
    if (e.at("ph") == "s") starts.push_back(e);
    if (e.at("ph") == "f") finishes.push_back(e);
  }
  // Copy 2 has one record: nothing to link.
  ASSERT_EQ(starts.size(), 1U);
  ASSERT_EQ(finishes.size(), 1U);
  EXPECT_EQ(starts[0].at("id"), 1);
  EXPECT_EQ(finishes[0].at("id"), 1);
  EXPECT_EQ(to_ps(starts[0].at("ts")), 0);
  EXPECT_EQ(to_ps(finishes[0].at("ts")), 20);
  EXPECT_EQ(finishes[0].at("bp"), "e");
  EXPECT_EQ(starts[0].at("tid"), finishes[0].at("tid"));

  // Counters: bytes each engine has moved so far, when each record ends.
  std::vector<std::pair<std::int64_t, std::uint64_t>> dma;
  for (const Json& e : events_of(trace, "copy")) {
    if (e.at("ph") != "C") continue;
    EXPECT_FALSE(e.contains("tid"));
    if (e.at("name") == "bytes copied by dma") {
      dma.emplace_back(to_ps(e.at("ts")), e.at("args").at("bytes").get<std::uint64_t>());
    } else {
      EXPECT_EQ(e.at("name"), "bytes copied by cpu");
      EXPECT_EQ(e.at("args").at("bytes"), 6);
    }
  }
  EXPECT_EQ(dma, (std::vector<std::pair<std::int64_t, std::uint64_t>>{{10, 2}, {20, 4}, {30, 6}}));
}

TEST(SimPerfetto, SameRecordsSameBytes) {
  std::vector<Record> records = every_record_type();
  const std::string first = trace_to_chrome_json({"t", "f", 1}, 15000000, records, some_metrics());
  const std::string second = trace_to_chrome_json({"t", "f", 1}, 15000000, records, some_metrics());
  EXPECT_EQ(first, second);
  // An empty run is still a valid file.
  const Json empty = Json::parse(trace_to_chrome_json({"t", "f", 1}, 0, {}, {}));
  EXPECT_TRUE(empty.at("traceEvents").empty());
  // Strings that are not UTF-8 are replaced, not thrown on.
  records.push_back(rec(1, 2, trace::Narration{"bad \xFF byte"}, "lecture"));
  EXPECT_NO_THROW(Json::parse(trace_to_chrome_json({"t", "f", 1}, 2, records, {})));
}

/// Checks what a viewer relies on: named tracks for every event, times, nesting per thread.
void check_structure(const Json& trace) {
  const Tracks tracks(trace);
  std::map<std::pair<int, int>, std::vector<std::pair<std::int64_t, std::int64_t>>> slices;
  double previous_ts = 0;
  for (const Json& e : trace.at("traceEvents")) {
    const std::string phase = e.at("ph").get<std::string>();
    ASSERT_TRUE(e.at("pid").is_number_integer()) << e;
    if (phase == "M") continue;
    ASSERT_TRUE(e.at("name").is_string()) << e;
    ASSERT_TRUE(e.at("ts").is_number()) << e;
    EXPECT_GE(e.at("ts").get<double>(), previous_ts) << "events are in time order: " << e;
    previous_ts = e.at("ts").get<double>();
    EXPECT_EQ(tracks.groups.count(e.at("pid").get<int>()), 1U) << e;
    if (phase == "C") {
      ASSERT_TRUE(e.at("args").is_object());
      continue;
    }
    ASSERT_TRUE(e.at("tid").is_number_integer()) << e;
    EXPECT_EQ(tracks.threads.count({e.at("pid").get<int>(), e.at("tid").get<int>()}), 1U) << e;
    EXPECT_TRUE(phase == "X" || phase == "i" || phase == "s" || phase == "f") << e;
    if (phase == "X") {
      const std::int64_t start = to_ps(e.at("ts"));
      slices[{e.at("pid").get<int>(), e.at("tid").get<int>()}].emplace_back(
          start, start + to_ps(e.at("dur")));
    }
  }
  // On one thread, two slices are disjoint or one holds the other.
  for (const auto& [thread, list] : slices) {
    std::vector<std::int64_t> open;
    for (const auto& [start, end] : list) {
      while (!open.empty() && open.back() <= start) open.pop_back();
      ASSERT_TRUE(open.empty() || open.back() >= end)
          << tracks.threads.at(thread) << ": a slice at " << start << " overlaps its neighbour";
      open.push_back(end);
    }
  }
}

TEST(SimPerfetto, ARealRunExportsAValidTimeline) {
  const Scenario scenario =
      load_scenario_file(std::string(IOSIM_SOURCE_DIR) + "/scenarios/mechanisms/dma-burst.yaml");
  const RunResult run = run_scenario(scenario);
  ASSERT_TRUE(run.passed());
  const Picoseconds end =
      static_cast<Picoseconds>(std::get<std::int64_t>(run.metrics.at("sim_time_ps")));
  const std::string text = trace_to_chrome_json({scenario.title, scenario.file, scenario.seed}, end,
                                                run.records, run.metrics);
  EXPECT_EQ(text, trace_to_chrome_json({scenario.title, scenario.file, scenario.seed}, end,
                                       run.records, run.metrics));
  const Json trace = Json::parse(text);
  check_structure(trace);

  const Tracks tracks(trace);
  std::set<std::string> names;
  for (const auto& [key, name] : tracks.threads)
    names.insert(tracks.groups.at(key.first) + "/" + name);
  for (const char* expected :
       {"CPUs/cpu0", "Processes/reader", "Processes/cruncher", "Devices/disk0",
        "DMA channels/dma0.ch1", "Bus/cpu0", "Bus/dma0.ch1", "Copies/dma0.ch1"}) {
    EXPECT_EQ(names.count(expected), 1U)
        << expected << " missing; tracks: " << testing::PrintToString(names);
  }
  // As many copy slices as copy records, and each record's bytes in the counters' final value.
  std::size_t copy_records = 0;
  std::uint64_t dma_bytes = 0;
  for (const Record& r : run.records) {
    if (const auto* c = std::get_if<trace::Copy>(&r.data)) {
      ++copy_records;
      if (c->engine == trace::Engine::dma) dma_bytes += c->bytes;
    }
  }
  std::size_t copy_slices = 0;
  std::uint64_t last_dma_counter = 0;
  for (const Json& e : events_of(trace, "copy")) {
    if (e.at("ph") == "X") ++copy_slices;
    if (e.at("ph") == "C" && e.at("name") == "bytes copied by dma") {
      last_dma_counter = e.at("args").at("bytes").get<std::uint64_t>();
    }
  }
  EXPECT_EQ(copy_slices, copy_records);
  EXPECT_EQ(last_dma_counter, dma_bytes);
  EXPECT_GT(dma_bytes, 0U);
}

}  // namespace
}  // namespace iosim::sim
