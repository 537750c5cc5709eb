// Metrics from hand-made records (sim/metrics.h), expectations (sim/expectations.h) and
// finishing a run (sim/run.h finish_run) without SystemC.
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "sim/expectations.h"
#include "sim/metrics.h"
#include "sim/recorder.h"
#include "sim/report.h"
#include "sim/run.h"
#include "sim/scenario.h"

namespace iosim::sim {
namespace {

using trace::CpuState;
using trace::Engine;
using trace::Record;

constexpr Picoseconds kUs = 1'000'000;

Record rec(Picoseconds start, Picoseconds end, trace::Payload data, std::string actor = "") {
  Record r;
  r.start = start;
  r.end = end;
  r.actor = std::move(actor);
  r.data = std::move(data);
  return r;
}

std::int64_t integer(const Metrics& m, const std::string& key) {
  const auto it = m.find(key);
  if (it == m.end()) {
    ADD_FAILURE() << "no metric " << key;
    return -1;
  }
  return std::get<std::int64_t>(it->second);
}

std::vector<os::ProcessSpec> reader_and_cruncher() {
  os::ProcessSpec reader{"reader", {os::DeviceRead{}}};
  os::Compute forever;
  forever.until_end = true;
  os::ProcessSpec cruncher{"cruncher", {forever}};
  return {reader, cruncher};
}

/// A small run: one DMA copy in two records, a CPU copy, syscalls, an interrupt, two CPUs.
std::vector<Record> sample_records() {
  return {
      rec(0, 0, trace::RegionDecl{"disk0.buffer", trace::Layer::hardware, "disk0 sector buffer"}),
      rec(0, 1 * kUs, trace::ModeSwitch{"cpu0", "reader", true, "syscall device_read"}),
      rec(0, 10 * kUs, trace::Syscall{"reader", "device_read", "disk0", 4096, ""}),
      rec(1 * kUs, 2 * kUs, trace::CpuInterval{"cpu0", "reader", CpuState::kernel, 0}),
      rec(2 * kUs, 3 * kUs, trace::ContextSwitch{"cpu0", "reader", "cruncher", "block"}),
      rec(3 * kUs, 9 * kUs, trace::CpuInterval{"cpu0", "cruncher", CpuState::user, 1 * kUs}),
      rec(3 * kUs, 9 * kUs, trace::CpuInterval{"cpu1", "", CpuState::idle, 0}),
      rec(3 * kUs, 5 * kUs, trace::Copy{7, Engine::dma, "disk0.buffer", "reader.buf", 2048},
          "dma0.ch1"),
      rec(5 * kUs, 7 * kUs, trace::Copy{7, Engine::dma, "disk0.buffer", "reader.buf", 2048},
          "dma0.ch1"),
      rec(7 * kUs, 8 * kUs, trace::Copy{8, Engine::cpu, "reader.buf", "reader.out", 100}, "cpu0"),
      rec(3 * kUs, 7 * kUs, trace::BusTenure{"dma0.ch1", 1024, 4096, 3 * kUs, 500'000}),
      rec(3 * kUs, 9 * kUs, trace::BusTenure{"cpu0", 6, 384, 1 * kUs, 0}),
      rec(1 * kUs, 3 * kUs, trace::DeviceActivity{"disk0", "seek", "cylinder 4"}),
      rec(3 * kUs, 7 * kUs, trace::DeviceActivity{"disk0", "transfer", "4 KiB"}),
      rec(4 * kUs, 5 * kUs, trace::DeviceActivity{"disk0", "transfer", "again"}),
      rec(7 * kUs, 9 * kUs, trace::Interrupt{14, "disk0", 8 * kUs}),
      rec(8 * kUs, 8 * kUs, trace::ModeSwitch{"cpu0", "cruncher", true, "interrupt 14"}),
      rec(8 * kUs, 9 * kUs, trace::CpuInterval{"cpu0", "", CpuState::irq, 0}),
      rec(9 * kUs, 9 * kUs, trace::ModeSwitch{"cpu0", "cruncher", false, "iret 14"}),
      rec(9 * kUs, 10 * kUs, trace::ModeSwitch{"cpu0", "reader", false, "sysret device_read"}),
      rec(9 * kUs, 10 * kUs, trace::CpuInterval{"cpu0", "reader", CpuState::kernel, 0}),
      rec(10 * kUs, 10 * kUs, trace::Syscall{"reader", "close", "", -1, "EBADF"}),
      rec(10 * kUs, 10 * kUs, trace::Verification{"reader.buf", 4096, 0}),
      rec(10 * kUs, 10 * kUs, trace::Narration{"done"}),
  };
}

TEST(SimMetrics, CountsCopiesByEngineAndDistinctId) {
  const Metrics m = compute_metrics(sample_records(), 10 * kUs, reader_and_cruncher());
  EXPECT_EQ(integer(m, "copies.total"), 2);
  EXPECT_EQ(integer(m, "copies.dma"), 1);  // two records, one copy id
  EXPECT_EQ(integer(m, "copies.cpu"), 1);
  EXPECT_EQ(integer(m, "copies.channel"), 0);
  EXPECT_EQ(integer(m, "copies.nic"), 0);
  EXPECT_EQ(integer(m, "copies.disk"), 0);
  EXPECT_EQ(integer(m, "bytes.dma"), 4096);
  EXPECT_EQ(integer(m, "bytes.cpu"), 100);
  EXPECT_EQ(integer(m, "bytes.channel"), 0);
}

TEST(SimMetrics, SwitchesSyscallsInterrupts) {
  const Metrics m = compute_metrics(sample_records(), 10 * kUs, reader_and_cruncher());
  EXPECT_EQ(integer(m, "mode_switches"), 4);
  EXPECT_EQ(integer(m, "mode_switches.syscall"), 2);
  EXPECT_EQ(integer(m, "mode_switches.interrupt"), 2);
  EXPECT_EQ(integer(m, "context_switches"), 1);
  EXPECT_EQ(integer(m, "syscalls"), 2);
  EXPECT_EQ(integer(m, "syscall_errors"), 1);
  EXPECT_EQ(integer(m, "interrupts"), 1);
  EXPECT_EQ(integer(m, "interrupts.disk0"), 1);
  EXPECT_EQ(m.count("interrupts.disk1"), 0U);
}

TEST(SimMetrics, CpuTimeOverAllCpusAndTheCompetingProcess) {
  const Metrics m = compute_metrics(sample_records(), 10 * kUs, reader_and_cruncher());
  EXPECT_EQ(integer(m, "sim_time_ps"), static_cast<std::int64_t>(10 * kUs));
  EXPECT_EQ(integer(m, "cpu.user_ps"), static_cast<std::int64_t>(6 * kUs));
  EXPECT_EQ(integer(m, "cpu.kernel_ps"), static_cast<std::int64_t>(2 * kUs));
  EXPECT_EQ(integer(m, "cpu.irq_ps"), static_cast<std::int64_t>(1 * kUs));
  EXPECT_EQ(integer(m, "cpu.idle_ps"), static_cast<std::int64_t>(6 * kUs));  // cpu1
  EXPECT_EQ(integer(m, "cpu.busy_ps"), static_cast<std::int64_t>(9 * kUs));
  EXPECT_EQ(integer(m, "cpu.io_ps"), static_cast<std::int64_t>(3 * kUs));
  EXPECT_EQ(integer(m, "cpu.stall_ps"), static_cast<std::int64_t>(1 * kUs));
  // The cruncher computes until the end: its user time minus its bus stalls.
  EXPECT_EQ(integer(m, "cpu.other_work_ps"), static_cast<std::int64_t>(5 * kUs));
  EXPECT_EQ(integer(m, "cpu.other_stall_ps"), static_cast<std::int64_t>(1 * kUs));
  EXPECT_DOUBLE_EQ(std::get<double>(m.at("cpu.other_share")), 0.5);
  EXPECT_EQ(integer(m, "process.reader.kernel_ps"), static_cast<std::int64_t>(2 * kUs));
  EXPECT_EQ(integer(m, "process.reader.user_ps"), 0);
  EXPECT_EQ(integer(m, "process.cruncher.user_ps"), static_cast<std::int64_t>(6 * kUs));
  EXPECT_EQ(integer(m, "process.cruncher.stall_ps"), static_cast<std::int64_t>(1 * kUs));
}

TEST(SimMetrics, NoCompetingProcessMeansNoOtherWork) {
  std::vector<os::ProcessSpec> processes = reader_and_cruncher();
  processes[1].program = {os::Compute{sc_core::sc_time(1, sc_core::SC_MS), false}};
  const Metrics m = compute_metrics(sample_records(), 10 * kUs, processes);
  EXPECT_EQ(integer(m, "cpu.other_work_ps"), 0);
}

TEST(SimMetrics, BusAndDevices) {
  const Metrics m = compute_metrics(sample_records(), 10 * kUs, reader_and_cruncher());
  EXPECT_EQ(integer(m, "bus.busy_ps"), static_cast<std::int64_t>(4 * kUs));
  EXPECT_EQ(integer(m, "bus.busy_ps.dma0.ch1"), static_cast<std::int64_t>(3 * kUs));
  EXPECT_EQ(integer(m, "bus.stall_ps.dma0.ch1"), 500'000);
  EXPECT_EQ(integer(m, "bus.transactions.dma0.ch1"), 1024);
  EXPECT_EQ(integer(m, "bus.busy_ps.cpu0"), static_cast<std::int64_t>(1 * kUs));
  EXPECT_DOUBLE_EQ(std::get<double>(m.at("bus.utilization")), 0.4);
  EXPECT_EQ(integer(m, "device.disk0.seek_ps"), static_cast<std::int64_t>(2 * kUs));
  EXPECT_EQ(integer(m, "device.disk0.transfer_ps"), static_cast<std::int64_t>(5 * kUs));
}

TEST(SimMetrics, Verification) {
  std::vector<Record> records = sample_records();
  Metrics m = compute_metrics(records, 10 * kUs, reader_and_cruncher());
  EXPECT_TRUE(std::get<bool>(m.at("verified")));
  EXPECT_EQ(integer(m, "bytes.verified"), 4096);

  records.push_back(rec(10 * kUs, 10 * kUs, trace::Verification{"reader.buf", 512, 3}));
  m = compute_metrics(records, 10 * kUs, reader_and_cruncher());
  EXPECT_FALSE(std::get<bool>(m.at("verified")));
  EXPECT_EQ(integer(m, "bytes.verified"), 4608);

  m = compute_metrics({}, 0, {});
  EXPECT_FALSE(std::get<bool>(m.at("verified"))) << "nothing checked is not verified";
  EXPECT_DOUBLE_EQ(std::get<double>(m.at("bus.utilization")), 0.0);
}

TEST(SimMetrics, EveryComputedKeyIsInTheRegistry) {
  const Metrics m = compute_metrics(sample_records(), 10 * kUs, reader_and_cruncher());
  for (const auto& [key, value] : m) {
    EXPECT_NE(find_metric_definition(key), nullptr) << key;
  }
  std::string placeholder;
  ASSERT_NE(find_metric_definition("bus.busy_ps.dma0.ch1", &placeholder), nullptr);
  EXPECT_EQ(placeholder, "dma0.ch1");
  EXPECT_EQ(find_metric_definition("copies.cpus"), nullptr);
  EXPECT_EQ(find_metric_definition("device.disk0.seek_ps")->kind, MetricKind::time_ps);
  EXPECT_EQ(find_metric_definition("device.disk0.seek"), nullptr);
}

/// A run that writes: dirty memory rising and written back, a throttled writer, two files made
/// durable (one twice), then a power loss.
std::vector<Record> write_records() {
  return {
      rec(1 * kUs, 1 * kUs, trace::DirtyState{8192, 0, 100000, 200000}, "kernel"),
      rec(2 * kUs, 2 * kUs, trace::DirtyState{90000, 4096, 100000, 200000}, "kernel"),
      rec(3 * kUs, 3 * kUs, trace::DirtyState{20000, 65536, 100000, 200000}, "kernel"),
      rec(2 * kUs, 2 * kUs, trace::Writeback{"a.log", 0, 16, 65536, "background"}, "flusher"),
      rec(3 * kUs, 3 * kUs, trace::Writeback{"a.log", 16, 2, 8192, "periodic"}, "flusher"),
      rec(4 * kUs, 4 * kUs, trace::Writeback{"a.log", 18, 1, 4096, "sync"}, "writer"),
      rec(4 * kUs, 4 * kUs, trace::Writeback{"a.log", 19, 1, 4096, "invalidate"}, "writer"),
      rec(4 * kUs, 4 * kUs, trace::Writeback{"a.log", 0, 0, 4096, "journal"}, "writer"),
      rec(4 * kUs, 4 * kUs, trace::Writeback{"a.log", 0, 0, 4096, "journal"}, "writer"),
      rec(5 * kUs, 5 * kUs, trace::Writeback{"b.dat", 0, 2, 8192, "direct"}, "writer"),
      rec(5 * kUs, 5 * kUs, trace::Writeback{"b.dat", 2, 1, 512, "direct+fua"}, "writer"),
      rec(2 * kUs, 5 * kUs, trace::Throttle{"writer", 190000, 0.5}, "writer"),
      rec(6 * kUs, 8 * kUs, trace::Throttle{"writer", 199000, 0.0}, "writer"),
      rec(6 * kUs, 6 * kUs, trace::Durable{"a.log", 40000, "fsync"}, "kernel"),
      rec(7 * kUs, 7 * kUs, trace::Durable{"b.dat", 8704, "O_DIRECT write"}, "kernel"),
      rec(8 * kUs, 8 * kUs, trace::Durable{"a.log", 65536, "fsync"}, "kernel"),
  };
}

TEST(SimMetrics, DirtyMemoryWritebackAndThrottling) {
  const Metrics m = compute_metrics(write_records(), 10 * kUs, {});
  EXPECT_EQ(integer(m, "dirty.peak_bytes"), 90000) << "the largest, not the last";
  EXPECT_EQ(integer(m, "writeback.peak_bytes"), 65536);
  // Page-cache writeback: background, periodic, sync and invalidate; not journal or direct.
  EXPECT_EQ(integer(m, "writeback.bytes"), 65536 + 8192 + 4096 + 4096);
  EXPECT_EQ(integer(m, "writeback.ios"), 4);
  EXPECT_EQ(integer(m, "writeback.background_bytes"), 65536);
  EXPECT_EQ(integer(m, "writeback.periodic_bytes"), 8192);
  EXPECT_EQ(integer(m, "writeback.sync_bytes"), 4096);
  EXPECT_EQ(integer(m, "writeback.journal_ios"), 2);
  EXPECT_EQ(integer(m, "direct.write_bytes"), 8192 + 512);
  EXPECT_EQ(integer(m, "direct.write_ios"), 2);
  EXPECT_EQ(integer(m, "throttle.ps"), static_cast<std::int64_t>(3 * kUs + 2 * kUs));
  EXPECT_EQ(integer(m, "throttle.pauses"), 2);
  EXPECT_EQ(integer(m, "durable.bytes"), 65536 + 8704) << "the last Durable of each file";
  EXPECT_EQ(integer(m, "crash.happened"), 0);
  EXPECT_EQ(integer(m, "lost.bytes"), 0);
  EXPECT_EQ(integer(m, "lost.durable_bytes"), 0);
  EXPECT_EQ(m.count("lost.bytes.a.log"), 0U);
  for (const auto& [key, value] : m) EXPECT_NE(find_metric_definition(key), nullptr) << key;

  // A run without writes has the keys, at zero.
  const Metrics none = compute_metrics(sample_records(), 10 * kUs, reader_and_cruncher());
  for (const char* key : {"dirty.peak_bytes", "writeback.bytes", "throttle.ps", "durable.bytes",
                          "lost.bytes", "crash.durable_checked_bytes"}) {
    EXPECT_EQ(integer(none, key), 0) << key;
  }
}

TEST(SimMetrics, CrashLossesByLayer) {
  std::vector<Record> records = write_records();
  records.push_back(rec(9 * kUs, 9 * kUs, trace::Loss{"a.log", "application", 70000, 1000}));
  records.push_back(rec(9 * kUs, 9 * kUs, trace::Loss{"a.log", "page_cache", 65536, 4464}));
  records.push_back(rec(9 * kUs, 9 * kUs, trace::Loss{"b.dat", "disk_cache", 0, 512}));
  records.push_back(
      rec(9 * kUs, 9 * kUs, trace::Crash{"power", 1000, 4464, 512, 74240, 0}, "kernel"));
  const Metrics m = compute_metrics(records, 9 * kUs, {});
  EXPECT_EQ(integer(m, "crash.happened"), 1);
  EXPECT_EQ(integer(m, "lost.application_bytes"), 1000);
  EXPECT_EQ(integer(m, "lost.page_cache_bytes"), 4464);
  EXPECT_EQ(integer(m, "lost.disk_cache_bytes"), 512);
  EXPECT_EQ(integer(m, "lost.bytes"), 1000 + 4464 + 512);
  EXPECT_EQ(integer(m, "lost.bytes.a.log"), 1000 + 4464);
  EXPECT_EQ(integer(m, "lost.bytes.b.dat"), 512);
  EXPECT_EQ(integer(m, "crash.durable_checked_bytes"), 74240);
  EXPECT_EQ(integer(m, "lost.durable_bytes"), 0);
  EXPECT_EQ(find_metric_definition("lost.bytes.a.log")->pattern, "lost.bytes.<file>");
  EXPECT_EQ(find_metric_definition("lost.bytes")->pattern, "lost.bytes");
  EXPECT_EQ(find_metric_definition("crash.happened")->kind, MetricKind::count);
  EXPECT_EQ(find_metric_definition("throttle.ps")->kind, MetricKind::time_ps);
  // Verification records of the write path keep verified and bytes.verified working.
  records.push_back(rec(4 * kUs, 4 * kUs, trace::Verification{"buf -> a.log", 4096, 0}));
  EXPECT_TRUE(std::get<bool>(compute_metrics(records, 9 * kUs, {}).at("verified")));
  EXPECT_EQ(integer(compute_metrics(records, 9 * kUs, {}), "bytes.verified"), 4096);
}

/// Page faults of a mapped file: a major fault with fault-around, minor ones, copy-on-write.
std::vector<Record> fault_records() {
  return {
      rec(1 * kUs, 3 * kUs, trace::PageFault{"mapper", "t.dat", 0, "major", 16}, "mapper"),
      rec(4 * kUs, 4 * kUs, trace::PageFault{"mapper", "t.dat", 16, "minor", 16}, "mapper"),
      rec(5 * kUs, 5 * kUs, trace::PageFault{"mapper", "t.dat", 3, "minor", 0}, "mapper"),
      rec(6 * kUs, 7 * kUs, trace::PageFault{"copier", "t.dat", 3, "cow", 1}, "copier"),
      rec(7 * kUs, 8 * kUs, trace::PageFault{"copier", "t.dat", 4, "cow", 1}, "copier"),
      rec(8 * kUs, 9 * kUs, trace::PageFault{"copier", "t.dat", 5, "cow", 1}, "copier"),
  };
}

TEST(SimMetrics, PageFaultsByKind) {
  const Metrics m = compute_metrics(fault_records(), 10 * kUs, {});
  EXPECT_EQ(integer(m, "page_faults"), 6);
  EXPECT_EQ(integer(m, "page_faults.minor"), 2);
  EXPECT_EQ(integer(m, "page_faults.major"), 1);
  EXPECT_EQ(integer(m, "page_faults.cow"), 3);
  EXPECT_EQ(integer(m, "page_faults.mapped_pages"), 16 + 16 + 0 + 3);
  for (const char* key : {"page_faults", "page_faults.minor", "page_faults.major",
                          "page_faults.cow", "page_faults.mapped_pages"}) {
    const MetricDefinition* d = find_metric_definition(key);
    ASSERT_NE(d, nullptr) << key;
    EXPECT_EQ(d->kind, MetricKind::count) << key;
    EXPECT_EQ(d->pattern, key);
  }
  for (const auto& [key, value] : m) EXPECT_NE(find_metric_definition(key), nullptr) << key;
  // A kind this version does not know counts in the total only.
  std::vector<Record> records = fault_records();
  records.push_back(rec(9 * kUs, 9 * kUs, trace::PageFault{"mapper", "t.dat", 9, "huge", 512}));
  const Metrics more = compute_metrics(records, 10 * kUs, {});
  EXPECT_EQ(integer(more, "page_faults"), 7);
  EXPECT_EQ(integer(more, "page_faults.minor") + integer(more, "page_faults.major") +
                integer(more, "page_faults.cow"),
            6);
  EXPECT_EQ(more.count("page_faults.huge"), 0U);

  // A run without mappings has the keys, at zero.
  const Metrics none = compute_metrics(sample_records(), 10 * kUs, reader_and_cruncher());
  for (const char* key : {"page_faults", "page_faults.minor", "page_faults.major",
                          "page_faults.cow", "page_faults.mapped_pages"}) {
    EXPECT_EQ(integer(none, key), 0) << key;
  }
}

TEST(SimRecorder, SortsStablyByStart) {
  Recorder recorder;
  recorder.record(rec(5, 6, trace::Narration{"third"}));
  recorder.record(rec(1, 9, trace::Narration{"first"}));
  recorder.record(rec(5, 5, trace::Narration{"fourth"}));
  recorder.record(rec(1, 2, trace::Narration{"second"}));
  const std::vector<Record> sorted = recorder.take_sorted();
  ASSERT_EQ(sorted.size(), 4U);
  EXPECT_EQ(recorder.size(), 0U);
  const char* expected[] = {"first", "second", "third", "fourth"};
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    EXPECT_EQ(std::get<trace::Narration>(sorted[i].data).text, expected[i]);
  }
}

// --- Expectations -------------------------------------------------------------------------

Metrics sample_metrics() {
  return Metrics{{"sim_time_ps", std::int64_t{10'000'000'000}},  // 10ms
                 {"copies.dma", std::int64_t{1}},
                 {"bytes.dma", std::int64_t{65536}},
                 {"cpu.other_work_ps", std::int64_t{400'000'000}},  // 0.4ms = 4%
                 {"cpu.io_ps", std::int64_t{1'005'000'000}},        // 1.005ms
                 {"bus.utilization", 0.375},
                 {"verified", true}};
}

/// Loads `expect:` text for one metric as a scenario would and evaluates it.
ExpectationResult check(const std::string& expect_yaml) {
  const std::string text =
      "title: t\nprocesses:\n  - name: reader\n    program:\n      - sleep: { for: 1ms }\n"
      "expect:\n  " +
      expect_yaml + "\n";
  const Scenario s = parse_scenario(text, "inline");
  const std::vector<ExpectationResult> results =
      evaluate_expectations(s.expectations, sample_metrics());
  EXPECT_EQ(results.size(), 1U);
  return results.empty() ? ExpectationResult{} : results.front();
}

TEST(SimExpectations, Equality) {
  EXPECT_TRUE(check("copies.dma: 1").passed);
  EXPECT_FALSE(check("copies.dma: 2").passed);
  EXPECT_TRUE(check("bytes.dma: 64KiB").passed);
  EXPECT_FALSE(check("bytes.dma: 64kB").passed);
  EXPECT_TRUE(check("sim_time_ps: 10ms").passed);
  EXPECT_TRUE(check("sim_time_ps: 10000000000").passed);
  EXPECT_FALSE(check("sim_time_ps: 10.000000001ms").passed) << "exact, no rounding";
  EXPECT_TRUE(check("verified: true").passed);
  EXPECT_FALSE(check("verified: false").passed);
  EXPECT_TRUE(check("verified: { equals: true }").passed);
  const ExpectationResult failed = check("copies.dma: 2");
  EXPECT_EQ(failed.expected, "2");
  EXPECT_EQ(failed.actual, "1");
}

TEST(SimExpectations, Bounds) {
  EXPECT_TRUE(check("cpu.other_work_ps: { at_most: 5% of sim_time_ps }").passed);
  EXPECT_FALSE(check("cpu.other_work_ps: { at_most: 3% of sim_time_ps }").passed);
  EXPECT_TRUE(check("cpu.other_work_ps: { at_most: 4% of sim_time_ps }").passed) << "inclusive";
  EXPECT_TRUE(check("cpu.other_work_ps: { at_least: 0.4ms }").passed);
  EXPECT_FALSE(check("cpu.other_work_ps: { at_least: 0.41ms }").passed);
  EXPECT_TRUE(check("sim_time_ps: { between: [9ms, 11ms] }").passed);
  EXPECT_FALSE(check("sim_time_ps: { between: [11ms, 12ms] }").passed);
  EXPECT_TRUE(check("sim_time_ps: { at_least: 1ms, at_most: 10ms }").passed);
  EXPECT_TRUE(check("bus.utilization: { between: [30%, 40%] }").passed);
  EXPECT_FALSE(check("bus.utilization: { at_most: 0.3 }").passed);
  const ExpectationResult r = check("cpu.other_work_ps: { at_most: 3% of sim_time_ps }");
  EXPECT_EQ(r.expected, "\xE2\x89\xA4 300us (3% of sim_time_ps)");
  EXPECT_EQ(r.actual, "400us");
}

TEST(SimExpectations, Tolerance) {
  EXPECT_TRUE(check("cpu.io_ps: { equals: 1ms, tolerance: 1% }").passed);
  EXPECT_FALSE(check("cpu.io_ps: { equals: 1ms, tolerance: 0.4% }").passed);
  EXPECT_TRUE(check("cpu.io_ps: { equals: 1ms, tolerance: 5us }").passed);
  EXPECT_FALSE(check("cpu.io_ps: { equals: 1ms, tolerance: 4us }").passed);
  EXPECT_TRUE(check("cpu.other_work_ps: { equals: 4% of sim_time_ps, tolerance: 0% }").passed);
  EXPECT_EQ(check("cpu.io_ps: { equals: 1ms, tolerance: 4us }").expected, "1ms \xC2\xB1 4us");
}

TEST(SimExpectations, PatternMetricTheRunDidNotProduceCountsAsZero) {
  EXPECT_TRUE(check("interrupts.disk1: 0").passed);
  EXPECT_FALSE(check("interrupts.disk1: { at_least: 1 }").passed);
  EXPECT_TRUE(check("bus.busy_ps.dma0.ch3: 0").passed);
}

TEST(SimRun, FinishRunCountsExpectationsAndFindsProblems) {
  const Scenario s = parse_scenario(
      "title: t\nprocesses:\n  - name: reader\n    program:\n"
      "      - device_read: { bytes: 4KiB, mechanism: dma }\n"
      "  - name: cruncher\n    program:\n      - compute: { until: end }\n"
      "expect:\n  copies.dma: 1\n  copies.cpu: 2\n  cpu.other_work_ps: { at_least: 1us }\n",
      "inline");
  RunOutcome outcome;
  outcome.end_time = 10 * kUs;
  outcome.completed = true;
  const RunResult result = finish_run(s, outcome, sample_records());
  EXPECT_EQ(integer(result.metrics, "expectations.passed"), 2);
  EXPECT_EQ(integer(result.metrics, "expectations.failed"), 1);
  EXPECT_TRUE(std::get<bool>(result.metrics.at("completed")));
  EXPECT_FALSE(result.passed());
  ASSERT_EQ(result.problems().size(), 1U);
  EXPECT_EQ(result.problems()[0], "expectation failed: copies.cpu equals 2");
  EXPECT_EQ(std::get<trace::RegionDecl>(result.records.front().data).name, "disk0.buffer");

  outcome.completed = false;
  outcome.error = "deadlock";
  std::vector<Record> unverified = sample_records();
  unverified.push_back(rec(10 * kUs, 10 * kUs, trace::Verification{"reader.buf", 4096, 1}));
  const RunResult broken = finish_run(s, outcome, unverified);
  const std::vector<std::string> problems = broken.problems();
  ASSERT_EQ(problems.size(), 3U);
  EXPECT_EQ(problems[0], "the simulation did not complete: deadlock");
  EXPECT_EQ(problems[2], "the payload bytes did not verify");
}

const char* const kWriterScenario =
    "title: t\nfiles:\n  - { path: a.log, size: 0B }\nprocesses:\n  - name: writer\n"
    "    program:\n      - open: { file: a.log, flags: %s }\n"
    "      - write: { file: a.log, bytes: 64KiB }\n";

Scenario writer_scenario(const std::string& flags) {
  char text[512];
  std::snprintf(text, sizeof text, kWriterScenario, flags.c_str());
  return parse_scenario(text, "inline");
}

TEST(SimRun, WritesMoveDataAndACrashIsReported) {
  RunOutcome outcome;
  outcome.end_time = 9 * kUs;
  outcome.completed = true;
  // A run that writes must verify its bytes, like one that reads.
  const RunResult unverified = finish_run(writer_scenario("[write]"), outcome, write_records());
  EXPECT_TRUE(unverified.moves_data);
  EXPECT_EQ(unverified.problems(), std::vector<std::string>{"the payload bytes did not verify"});
  // A write to a file opened read-only fails (EBADF): nothing moves, nothing to verify.
  const RunResult read_only = finish_run(writer_scenario("[]"), outcome, write_records());
  EXPECT_FALSE(read_only.moves_data);
  EXPECT_TRUE(read_only.passed());

  // A crash before anything was checked is not a verification failure; a broken durability
  // claim is a problem of its own.
  std::vector<Record> crashed = write_records();
  crashed.push_back(rec(9 * kUs, 9 * kUs, trace::Loss{"a.log", "page_cache", 0, 4096}, "kernel"));
  crashed.push_back(
      rec(9 * kUs, 9 * kUs, trace::Crash{"kernel", 0, 4096, 0, 65536, 512}, "kernel"));
  const RunResult result = finish_run(writer_scenario("[write]"), outcome, crashed);
  EXPECT_EQ(result.problems(),
            std::vector<std::string>{"the crash lost 512B that the model had reported durable"});

  const std::string report = format_run_report(writer_scenario("[write]"), result);
  EXPECT_NE(report.find("Crash: kernel at 9us\n"), std::string::npos) << report;
  EXPECT_NE(report.find("    in the page cache    4KiB  dirty, not yet on the disk\n"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("durable, lost"), std::string::npos) << report;
  EXPECT_NE(report.find("dirty memory"), std::string::npos) << report;
  EXPECT_NE(report.find("dirty memory                   90000B  at the peak"), std::string::npos)
      << report;
  EXPECT_NE(report.find("writers throttled"), std::string::npos) << report;
  EXPECT_NE(report.find("5us  2 pauses"), std::string::npos) << report;
  // A run without writes or a crash shows neither block.
  const RunResult plain = finish_run(writer_scenario("[write]"), outcome, sample_records());
  const std::string plain_report = format_run_report(writer_scenario("[write]"), plain);
  EXPECT_EQ(plain_report.find("Crash:"), std::string::npos) << plain_report;
  EXPECT_EQ(plain_report.find("dirty memory"), std::string::npos) << plain_report;
}

const char* const kMapperScenario =
    "title: t\nfiles:\n  - { path: t.dat, size: 64KiB }\nprocesses:\n  - name: mapper\n"
    "    program:\n      - open: { file: t.dat%s }\n      - mmap: { file: t.dat%s }\n"
    "      - %s: { file: t.dat }\n";

Scenario mapper_scenario(const char* flags, const char* mode, const char* access) {
  char text[512];
  std::snprintf(text, sizeof text, kMapperScenario, flags, mode, access);
  return parse_scenario(text, "inline");
}

TEST(SimRun, MappedAccessesMoveDataAndFaultsAreReported) {
  RunOutcome outcome;
  outcome.end_time = 10 * kUs;
  outcome.completed = true;
  // Loads from a mapping move the file's bytes: they must verify.
  const RunResult loads = finish_run(mapper_scenario("", "", "map_read"), outcome, fault_records());
  EXPECT_TRUE(loads.moves_data);
  EXPECT_EQ(loads.problems(), std::vector<std::string>{"the payload bytes did not verify"});
  // Stores move data into a shared mapping of a file opened for writing, or a private mapping.
  EXPECT_TRUE(
      finish_run(mapper_scenario(", flags: [write]", "", "map_write"), outcome, {}).moves_data);
  EXPECT_TRUE(
      finish_run(mapper_scenario("", ", mode: private", "map_write"), outcome, {}).moves_data);
  // A shared mapping of a read-only file is PROT_READ: the store faults (SIGSEGV), nothing moves.
  EXPECT_FALSE(finish_run(mapper_scenario("", "", "map_write"), outcome, {}).moves_data);
  // msync and munmap move nothing.
  EXPECT_FALSE(finish_run(mapper_scenario("", "", "msync"), outcome, {}).moves_data);
  EXPECT_FALSE(finish_run(mapper_scenario("", "", "munmap"), outcome, {}).moves_data);

  // The report has a row of page faults by kind when there are any.
  const std::string report = format_run_report(mapper_scenario("", "", "map_read"), loads);
  EXPECT_NE(
      report.find("\n  page faults                       6  2 minor, 1 major, 3 cow  35 pages "
                  "mapped\n"),
      std::string::npos)
      << report;
  const RunResult plain =
      finish_run(mapper_scenario("", "", "map_read"), outcome, sample_records());
  EXPECT_EQ(format_run_report(mapper_scenario("", "", "map_read"), plain).find("page faults"),
            std::string::npos);
}

}  // namespace
}  // namespace iosim::sim
