// The whole machine: the four transfer mechanisms end to end, against closed-form costs and
// against each other. Runs that must be compared happen in forked children, because SystemC
// elaborates one model per process.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "models/platform.h"

namespace iosim {
namespace {

using os::DmaMode;
using os::Mechanism;

/// What a test looks at in a run, derived from its records.
struct Summary {
  bool completed = false;
  Picoseconds end = 0;
  std::uint64_t interrupts = 0, syscall_mode_switches = 0, context_switches = 0;
  std::uint64_t cpu_copies = 0, dma_copies = 0, channel_copies = 0;
  std::uint64_t verified_bytes = 0, mismatched = 0, syscall_errors = 0;
  Picoseconds other_work = 0, other_stall = 0, irq_time = 0, io_time = 0;
  std::vector<Picoseconds> cpu_copy_starts;
};

Summary summarize(const RunOutcome& outcome, const std::vector<trace::Record>& records) {
  Summary s;
  s.completed = outcome.completed;
  s.end = outcome.end_time;
  std::map<trace::Engine, std::set<std::uint64_t>> copies;
  for (const trace::Record& r : records) {
    if (auto* i = std::get_if<trace::CpuInterval>(&r.data)) {
      if (i->state == trace::CpuState::user && i->process == "cruncher") {
        s.other_work += r.end - r.start - i->stall;
        s.other_stall += i->stall;
      }
      if (i->state == trace::CpuState::irq) s.irq_time += r.end - r.start;
      if (i->state == trace::CpuState::irq || i->state == trace::CpuState::kernel) {
        s.io_time += r.end - r.start;
      }
    } else if (auto* c = std::get_if<trace::Copy>(&r.data)) {
      copies[c->engine].insert(c->copy_id);
      if (c->engine == trace::Engine::cpu) s.cpu_copy_starts.push_back(r.start);
    } else if (std::get_if<trace::Interrupt>(&r.data)) {
      ++s.interrupts;
    } else if (auto* m = std::get_if<trace::ModeSwitch>(&r.data)) {
      if (m->cause.rfind("syscall ", 0) == 0 || m->cause.rfind("sysret ", 0) == 0) {
        ++s.syscall_mode_switches;
      }
    } else if (auto* c = std::get_if<trace::Syscall>(&r.data)) {
      if (c->result < 0) ++s.syscall_errors;
    } else if (std::get_if<trace::ContextSwitch>(&r.data)) {
      ++s.context_switches;
    } else if (auto* v = std::get_if<trace::Verification>(&r.data)) {
      s.verified_bytes += v->bytes;
      s.mismatched += v->mismatched;
    }
  }
  s.cpu_copies = copies[trace::Engine::cpu].size();
  s.dma_copies = copies[trace::Engine::dma].size();
  s.channel_copies = copies[trace::Engine::channel].size();
  return s;
}

RunSpec read_while_computing(Mechanism mechanism, DmaMode mode = DmaMode::cycle_steal) {
  RunSpec spec;
  os::DeviceRead read;
  read.bytes = ByteSize(64 << 10);
  read.lba = 1000;
  read.mechanism = mechanism;
  read.dma_mode = mode;
  os::Compute forever;
  forever.until_end = true;
  spec.processes = {{"reader", {read}}, {"cruncher", {forever}}};
  return spec;
}

/// Runs `spec` in a forked child and brings back the summary's numbers.
Summary run_in_child(const RunSpec& spec) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    trace::VectorSink sink;
    const Summary s = summarize(run_platform(spec, sink), sink.records);
    const std::string line = std::to_string(s.completed) + " " + std::to_string(s.end) + " " +
                             std::to_string(s.interrupts) + " " + std::to_string(s.other_work) +
                             " " + std::to_string(s.other_stall) + " " +
                             std::to_string(s.verified_bytes) + " " + std::to_string(s.mismatched) +
                             " " + std::to_string(s.syscall_errors) + "\n";
    if (write(fds[1], line.data(), line.size()) < 0) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  char buffer[512] = {};
  std::size_t got = 0;
  ssize_t n;
  while ((n = read(fds[0], buffer + got, sizeof buffer - 1 - got)) > 0) got += n;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Summary s;
  int completed = 0;
  unsigned long long end, interrupts, work, stall, verified, mismatched, errors;
  if (std::sscanf(buffer, "%d %llu %llu %llu %llu %llu %llu %llu", &completed, &end, &interrupts,
                  &work, &stall, &verified, &mismatched, &errors) == 8) {
    s.syscall_errors = errors;
    s.completed = completed;
    s.end = end;
    s.interrupts = interrupts;
    s.other_work = work;
    s.other_stall = stall;
    s.verified_bytes = verified;
    s.mismatched = mismatched;
  }
  return s;
}

// Cost of one register access by the CPU: the instruction plus a one-beat bus transaction to a
// device that answers after register_latency.
Picoseconds register_access(const PlatformParams& p, std::uint64_t latency_ps) {
  return to_ps(p.cpu.io_instruction) + to_ps(p.bus.arbitration) + to_ps(p.bus.clock.cycles(1)) +
         latency_ps;
}
// A CPU store of one cache line to DRAM.
Picoseconds line_store(const PlatformParams& p) {
  const std::uint64_t beats = p.cpu.cache_line.bytes / p.bus.width.bytes;
  return to_ps(p.bus.arbitration) + to_ps(p.bus.clock.cycles(beats)) + to_ps(p.dram.access_latency);
}
// Moving one sector by PIO once it is in the disk's buffer: one status read that finds DRQ,
// the data register read sector/width times, the sector stored line by line.
Picoseconds pio_sector(const PlatformParams& p) {
  const Picoseconds reg = register_access(p, to_ps(p.disk.register_latency));
  const std::uint64_t words = p.disk.sector_size.bytes / p.disk.data_register_width.bytes;
  const std::uint64_t lines = p.disk.sector_size.bytes / p.cpu.cache_line.bytes;
  return reg + words * reg + lines * line_store(p);
}

TEST(Platform, PioMovesEverySectorAtTheClosedFormCost) {
  // An SSD far faster than PIO: every sector waits in the buffer, so the CPU sets the pace.
  RunSpec spec = read_while_computing(Mechanism::pio);
  spec.params.disk.kind = "ssd";
  spec.params.disk.ssd_read_bandwidth = Bandwidth(100'000'000'000ULL);
  trace::VectorSink sink;
  const Summary s = summarize(run_platform(spec, sink), sink.records);
  ASSERT_TRUE(s.completed);
  ASSERT_EQ(s.cpu_copy_starts.size(), 128u);
  for (std::size_t i = 1; i < s.cpu_copy_starts.size(); ++i) {
    EXPECT_EQ(s.cpu_copy_starts[i] - s.cpu_copy_starts[i - 1], pio_sector(spec.params))
        << "sector " << i;
  }
  EXPECT_EQ(s.cpu_copies, 1u);
  EXPECT_EQ(s.interrupts, 0u);
  EXPECT_EQ(s.verified_bytes, 64u << 10);
  EXPECT_EQ(s.mismatched, 0u);
}

TEST(Platform, InterruptDrivenIoTakesOneHandlerPerSector) {
  RunSpec spec = read_while_computing(Mechanism::interrupt);
  trace::VectorSink sink;
  const Summary s = summarize(run_platform(spec, sink), sink.records);
  ASSERT_TRUE(s.completed);
  EXPECT_EQ(s.interrupts, 128u);
  // Each handler: entry, INTA, the PIO sector, EOI, exit. Nothing else uses the bus meanwhile.
  const PlatformParams& p = spec.params;
  const Picoseconds pic_access = register_access(p, 0);
  const Picoseconds handler = to_ps(p.cpu.interrupt_entry) + pic_access + pio_sector(p) +
                              pic_access + to_ps(p.cpu.interrupt_exit);
  EXPECT_EQ(s.irq_time, 128 * handler);
  EXPECT_EQ(s.syscall_mode_switches, 2u);
  EXPECT_EQ(s.cpu_copies, 1u);
  EXPECT_EQ(s.mismatched, 0u);
  EXPECT_EQ(s.verified_bytes, 64u << 10);
}

TEST(Platform, DmaRaisesOneInterruptAndCopiesByDescriptorChain) {
  RunSpec spec = read_while_computing(Mechanism::dma);
  trace::VectorSink sink;
  const Summary s = summarize(run_platform(spec, sink), sink.records);
  ASSERT_TRUE(s.completed);
  EXPECT_EQ(s.interrupts, 1u);
  EXPECT_EQ(s.dma_copies, 1u);
  EXPECT_EQ(s.cpu_copies, 0u);
  EXPECT_EQ(s.mismatched, 0u);
  EXPECT_EQ(s.verified_bytes, 64u << 10);
  // The handler reads the disk's status and the DMA channel's status: its cost is closed form.
  const PlatformParams& p = spec.params;
  const Picoseconds handler = to_ps(p.cpu.interrupt_entry) + register_access(p, 0) +
                              register_access(p, to_ps(p.disk.register_latency)) +
                              register_access(p, 0) + register_access(p, 0) +
                              to_ps(p.cpu.interrupt_exit);
  EXPECT_EQ(s.irq_time, handler);
}

TEST(Platform, ChannelProgramEndsWithOneInterrupt) {
  RunSpec spec = read_while_computing(Mechanism::channel);
  trace::VectorSink sink;
  const Summary s = summarize(run_platform(spec, sink), sink.records);
  ASSERT_TRUE(s.completed) << run_platform(spec, sink).error;
  EXPECT_EQ(s.interrupts, 1u);
  EXPECT_EQ(s.channel_copies, 1u);
  EXPECT_EQ(s.syscall_errors, 0u);
  EXPECT_EQ(s.cpu_copies, 0u);
  EXPECT_EQ(s.mismatched, 0u);
  EXPECT_EQ(s.verified_bytes, 64u << 10);
}

TEST(Platform, CompetingProcessGetsMoreCpuAsTheMechanismImproves) {
  const Summary pio = run_in_child(read_while_computing(Mechanism::pio));
  const Summary irq = run_in_child(read_while_computing(Mechanism::interrupt));
  const Summary burst = run_in_child(read_while_computing(Mechanism::dma, DmaMode::burst));
  const Summary steal = run_in_child(read_while_computing(Mechanism::dma, DmaMode::cycle_steal));
  const Summary transparent =
      run_in_child(read_while_computing(Mechanism::dma, DmaMode::transparent));
  const Summary channel = run_in_child(read_while_computing(Mechanism::channel));
  for (const Summary* s : {&pio, &irq, &burst, &steal, &transparent, &channel}) {
    ASSERT_TRUE(s->completed);
    EXPECT_EQ(s->syscall_errors, 0u);
    EXPECT_EQ(s->mismatched, 0u);
    EXPECT_EQ(s->verified_bytes, 64u << 10);
  }
  auto share = [](const Summary& s) { return double(s.other_work) / double(s.end); };
  // PIO: the CPU polls through the seek and moves every word: the other process gets nothing.
  EXPECT_LT(share(pio), 0.01);
  // Interrupts: free between sectors, but every sector costs a handler.
  EXPECT_GT(share(irq), share(pio) + 0.2);
  // DMA: nearly all the CPU, and burst mode measurably less than cycle stealing (bus stalls).
  EXPECT_GT(share(steal), 0.95);
  EXPECT_LT(burst.other_work, steal.other_work);
  EXPECT_GT(burst.other_stall, steal.other_stall);
  // Transparent DMA never makes the CPU wait for the bus.
  EXPECT_LE(transparent.other_stall, steal.other_stall);
  EXPECT_GT(share(channel), 0.95);
}

TEST(Platform, SameSpecGivesTheSameRun) {
  const Summary a = run_in_child(read_while_computing(Mechanism::dma, DmaMode::burst));
  const Summary b = run_in_child(read_while_computing(Mechanism::dma, DmaMode::burst));
  EXPECT_EQ(a.end, b.end);
  EXPECT_EQ(a.other_work, b.other_work);
  EXPECT_EQ(a.other_stall, b.other_stall);
}

TEST(Platform, DeviceReadNarratesFourContiguousSteps) {
  RunSpec spec = read_while_computing(Mechanism::channel);
  trace::VectorSink sink;
  ASSERT_TRUE(run_platform(spec, sink).completed);
  std::vector<const trace::Record*> steps;
  for (const auto& r : sink.records) {
    if (std::holds_alternative<trace::Narration>(r.data)) steps.push_back(&r);
  }
  std::sort(steps.begin(), steps.end(),
            [](const trace::Record* a, const trace::Record* b) { return a->start < b->start; });
  ASSERT_EQ(steps.size(), 4u);
  const char* ids[] = {"switch-1", "program", "copy-1", "switch-2"};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i]->step, ids[i]);
    EXPECT_LT(steps[i]->start, steps[i]->end);
    if (i > 0) EXPECT_EQ(steps[i]->start, steps[i - 1]->end) << "steps follow one another";
  }
  // The trap and the return take exactly the CPU's syscall costs.
  EXPECT_EQ(steps[0]->end - steps[0]->start, to_ps(spec.params.cpu.syscall_entry));
  EXPECT_EQ(steps[3]->end - steps[3]->start, to_ps(spec.params.cpu.syscall_exit));
}

TEST(Platform, ReadersOfOneDiskTakeTurnsAndAllBytesArrive) {
  // Two readers of disk0 by different mechanisms and a channel reader of disk1 at once: the
  // kernel queues requests per device, so every read completes with its bytes intact.
  RunSpec spec;
  os::DeviceRead a, b, c;
  a.bytes = b.bytes = c.bytes = ByteSize(64 << 10);
  a.mechanism = Mechanism::dma;
  b.mechanism = Mechanism::interrupt;
  b.lba = 5000;
  c.mechanism = Mechanism::channel;
  c.device = "disk1";
  spec.processes = {{"a", {a}}, {"b", {b}}, {"c", {c}}};
  trace::VectorSink sink;
  const Summary s = summarize(run_platform(spec, sink), sink.records);
  ASSERT_TRUE(s.completed);
  EXPECT_EQ(s.syscall_errors, 0u);
  EXPECT_EQ(s.verified_bytes, 3u * (64u << 10));
  EXPECT_EQ(s.mismatched, 0u);
  EXPECT_EQ(s.interrupts, 1u + 128u + 1u);
}

TEST(Platform, DecouplingQuantumDoesNotChangeTheResult) {
  // Devices answer decoupled accesses as of the reader's local time, so how often the PIO code
  // synchronises changes the simulation's speed, never its times.
  RunSpec fine = read_while_computing(Mechanism::pio);
  fine.params.kernel.decoupling_quantum = sc_core::sc_time(1, sc_core::SC_US);
  RunSpec coarse = read_while_computing(Mechanism::pio);
  coarse.params.kernel.decoupling_quantum = sc_core::sc_time(1, sc_core::SC_MS);
  const Summary a = run_in_child(fine);
  const Summary b = run_in_child(coarse);
  ASSERT_TRUE(a.completed && b.completed);
  EXPECT_EQ(a.end, b.end);
  EXPECT_EQ(a.verified_bytes, 64u << 10);
  EXPECT_EQ(b.mismatched, 0u);
}

TEST(Platform, ReadBeyondTheDiskFailsWithEinvalAndFinishes) {
  RunSpec spec = read_while_computing(Mechanism::dma);
  std::get<os::DeviceRead>(spec.processes[0].program[0]).lba = ~0ULL >> 20;
  trace::VectorSink sink;
  const RunOutcome outcome = run_platform(spec, sink);
  ASSERT_TRUE(outcome.completed);
  bool saw = false;
  for (const auto& r : sink.records) {
    if (auto* c = std::get_if<trace::Syscall>(&r.data)) {
      EXPECT_EQ(c->result, -1);
      EXPECT_EQ(c->error, "EINVAL");
      saw = true;
    }
  }
  EXPECT_TRUE(saw);
}

}  // namespace
}  // namespace iosim
