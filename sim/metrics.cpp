#include "sim/metrics.h"

#include <algorithm>
#include <initializer_list>
#include <regex>
#include <set>

#include <fmt/format.h>

namespace iosim::sim {
namespace {

using trace::CpuState;
using trace::Engine;

/// The step of records a process makes during its set-up (models/os/kernel.cpp).
constexpr std::string_view kSetupStep = "setup";

constexpr Engine kAllEngines[] = {Engine::cpu, Engine::dma, Engine::channel, Engine::nic,
                                  Engine::disk};

std::vector<MetricDefinition> build_definitions() {
  using K = MetricKind;
  std::vector<MetricDefinition> d = {
      {"sim_time_ps", K::time_ps, "Simulated time until the last process with finite work ended"},
      {"completed", K::flag, "The simulation ran to its end (false: deadlock or model error)"},
      {"copies.total", K::count, "Logical copies of data (distinct Copy.copy_id)"},
  };
  for (Engine e : kAllEngines) {
    const std::string name = trace::to_string(e);
    d.push_back({"copies." + name, K::count,
                 "Logical copies made by the " + name + " engine (distinct copy ids)"});
  }
  for (Engine e : kAllEngines) {
    const std::string name = trace::to_string(e);
    d.push_back({"bytes." + name, K::bytes, "Bytes moved by the " + name + " engine"});
  }
  const std::vector<MetricDefinition> rest = {
      {"descriptors", K::count,
       "Data handed over by reference, not copied (SG descriptors, pipe page references)"},
      {"descriptors.bytes", K::bytes, "Bytes referred to by those descriptors"},
      {"mode_switches", K::count, "User/kernel transitions (ModeSwitch records), both directions"},
      {"mode_switches.syscall", K::count,
       "Mode switches of system calls (cause starts with \"syscall \" or \"sysret \")"},
      {"mode_switches.interrupt", K::count,
       "Mode switches of interrupts (cause starts with \"interrupt \" or \"iret \")"},
      {"context_switches", K::count, "Changes of the running process (ContextSwitch records)"},
      {"syscalls", K::count, "System calls (Syscall records)"},
      {"setup.syscalls", K::count,
       "System calls of the processes' set-up (records with step \"setup\": opening files, "
       "connecting sockets); copies, descriptors, mode switches and syscalls above leave them "
       "out"},
      {"setup.mode_switches", K::count, "Mode switches of the processes' set-up"},
      {"network.bytes", K::bytes, "Payload bytes the NIC put on the wire to the peer"},
      {"network.acks", K::count,
       "Frames the NIC received into its RX ring (the peer's TCP ACKs: DeviceActivity records "
       "with phase \"rx\")"},
      {"syscall_errors", K::count, "System calls that failed (error set or result < 0)"},
      {"interrupts", K::count, "Interrupts (Interrupt records)"},
      {"interrupts.<device>", K::count, "Interrupts raised by one device"},
      {"cpu.busy_ps", K::time_ps, "CPU time not idle (user + kernel + irq), all CPUs"},
      {"cpu.user_ps", K::time_ps, "CPU time in user mode, all CPUs"},
      {"cpu.kernel_ps", K::time_ps, "CPU time in the kernel outside interrupt handlers"},
      {"cpu.irq_ps", K::time_ps, "CPU time in interrupt entry, handlers and exit"},
      {"cpu.idle_ps", K::time_ps, "CPU time idle"},
      {"cpu.stall_ps", K::time_ps, "CPU time spent waiting for the bus (inside the above)"},
      {"cpu.io_ps", K::time_ps,
       "CPU time spent on the I/O path, moving data or managing its movement (kernel + irq)"},
      {"cpu.other_work_ps", K::time_ps,
       "Useful CPU time of the competing processes (those with compute: {until: end}): their "
       "user time minus their bus stalls"},
      {"cpu.other_stall_ps", K::time_ps, "Bus stalls of the competing processes"},
      {"cpu.other_share", K::ratio, "cpu.other_work_ps / sim_time_ps"},
      {"process.<name>.user_ps", K::time_ps, "CPU time of one process in user mode"},
      {"process.<name>.kernel_ps", K::time_ps, "CPU time of one process in the kernel"},
      {"process.<name>.stall_ps", K::time_ps, "Bus stalls of one process"},
      {"bus.busy_ps", K::time_ps, "Time the bus was held by some initiator (sum of tenures)"},
      {"bus.busy_ps.<initiator>", K::time_ps, "Time the bus was held by one initiator"},
      {"bus.stall_ps.<initiator>", K::time_ps, "Time one initiator waited for the bus"},
      {"bus.transactions.<initiator>", K::count, "Bus transactions of one initiator"},
      {"bus.utilization", K::ratio, "bus.busy_ps / sim_time_ps"},
      {"device.<device>.<phase>_ps", K::time_ps,
       "Time one device spent in one phase (seek, rotate, transfer, ...)"},
      {"page_cache.hits", K::count,
       "Pages a read() found in the page cache when it began (CacheAccess records)"},
      {"page_cache.misses", K::count, "Pages a read() did not find in the page cache"},
      {"page_cache.hits.<file>", K::count, "Page-cache hits of the reads of one file"},
      {"page_cache.misses.<file>", K::count, "Page-cache misses of the reads of one file"},
      {"page_cache.evictions", K::count, "Clean pages dropped by page reclaim (Eviction records)"},
      {"page_cache.evictions.<file>", K::count, "Pages of one file dropped by page reclaim"},
      {"page_cache.resident.<file>", K::count,
       "Pages of one file in the page cache after the last read() of it"},
      {"page_cache.active.<file>", K::count,
       "Pages of one file on the active list after the last read() of it"},
      {"readahead.ios", K::count, "Read-ahead windows submitted (Readahead records)"},
      {"readahead.bytes", K::bytes, "Bytes read from disk into the page cache by read-ahead"},
      {"readahead.sync_ios", K::count,
       "Read-ahead windows the reader waited for (a missing page triggered them)"},
      {"readahead.async_ios", K::count,
       "Read-ahead windows ahead of the reader (a PG_readahead marker triggered them)"},
      {"page_faults", K::count, "Page faults on file mappings, all kinds (PageFault records)"},
      {"page_faults.minor", K::count,
       "Minor faults: the page was up to date in the page cache, only the page table changed "
       "(also the write fault that makes a shared page writable and dirty)"},
      {"page_faults.major", K::count, "Major faults: the page had to be read from the disk first"},
      {"page_faults.cow", K::count,
       "Copy-on-write faults: a store into a MAP_PRIVATE mapping copied the page into the "
       "process's own"},
      {"page_faults.mapped_pages", K::count,
       "Pages the faults mapped (PageFault.mapped summed: fault-around maps neighbours too)"},
      {"dirty.peak_bytes", K::bytes,
       "Most dirty page-cache memory at any moment (largest DirtyState.dirty_bytes)"},
      {"writeback.peak_bytes", K::bytes,
       "Most page-cache memory under writeback at any moment (largest "
       "DirtyState.writeback_bytes)"},
      {"writeback.bytes", K::bytes,
       "Dirty page-cache bytes submitted to the disk (Writeback records of reason background, "
       "periodic, sync or invalidate)"},
      {"writeback.ios", K::count, "Page-cache writeback submissions (those Writeback records)"},
      {"writeback.background_bytes", K::bytes,
       "Bytes written back because dirty memory was above the background threshold"},
      {"writeback.periodic_bytes", K::bytes,
       "Bytes written back by periodic writeback (expired inodes, dirty_expire_interval)"},
      {"writeback.sync_bytes", K::bytes,
       "Bytes written back by fsync, fdatasync, sync_file_range or an O_SYNC / O_DSYNC write"},
      {"writeback.journal_ios", K::count,
       "File-system journal (metadata) blocks written (Writeback records of reason journal)"},
      {"direct.write_bytes", K::bytes,
       "Bytes O_DIRECT writes sent to the disk from user memory (reasons direct, direct+fua)"},
      {"direct.write_ios", K::count, "O_DIRECT write requests (those Writeback records)"},
      {"throttle.ps", K::time_ps,
       "Time writers spent paused by balance_dirty_pages() (sum of Throttle records)"},
      {"throttle.pauses", K::count,
       "Pauses of writers by balance_dirty_pages() (Throttle records)"},
      {"durable.bytes", K::bytes,
       "Bytes the model reported on stable media: the last Durable record of each file, summed "
       "over files"},
      {"crash.happened", K::count, "1 when the run ended in a crash (a Crash record), else 0"},
      {"lost.bytes", K::bytes,
       "Bytes the application wrote that the crash lost, all layers (application + page cache + "
       "disk cache)"},
      {"lost.application_bytes", K::bytes,
       "Lost bytes that were still in the application's C library buffers (Crash record)"},
      {"lost.page_cache_bytes", K::bytes,
       "Lost bytes that were still dirty in the page cache, not yet on the disk"},
      {"lost.disk_cache_bytes", K::bytes,
       "Lost bytes that were still in the disk's volatile write cache"},
      {"lost.bytes.<file>", K::bytes, "Lost bytes of one file (its Loss records)"},
      {"lost.durable_bytes", K::bytes,
       "Bytes reported durable before the crash that did not survive it (Crash.durable_lost; 0 "
       "unless the model is wrong)"},
      {"crash.durable_checked_bytes", K::bytes,
       "Bytes reported durable before the crash that the crash check compared "
       "(Crash.durable_bytes)"},
      {"bytes.verified", K::bytes, "Payload bytes compared with their source"},
      {"verified", K::flag, "At least one verification ran and no byte differed from its source"},
      {"expectations.passed", K::count, "Expectations of the scenario that held"},
      {"expectations.failed", K::count, "Expectations of the scenario that did not hold"},
  };
  d.insert(d.end(), rest.begin(), rest.end());
  return d;
}

bool is_pattern(const std::string& p) {
  return p.find('<') != std::string::npos;
}

// "interrupts.<device>" -> ^interrupts\.(.+)$
std::regex pattern_regex(const std::string& pattern) {
  std::string re = "^";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '<') {
      i = pattern.find('>', i);
      re += "(.+)";
    } else if (c == '.') {
      re += "\\.";
    } else {
      re += c;
    }
  }
  return std::regex(re + "$");
}

Picoseconds duration(const trace::Record& r) {
  return r.end > r.start ? r.end - r.start : 0;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::int64_t as_int(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}

bool competes(const os::ProcessSpec& p) {
  return os::any_operation(p.program, [](const os::Operation& op) {
    const auto* c = std::get_if<os::Compute>(&op);
    return c != nullptr && c->until_end;
  });
}

/// Accumulates one metric per record kind; the totals go into Metrics at the end.
struct Accumulator {
  std::set<std::uint64_t> all_copy_ids;
  std::map<Engine, std::set<std::uint64_t>> copy_ids;
  std::map<Engine, std::uint64_t> bytes;
  std::uint64_t mode_switches = 0, syscall_switches = 0, interrupt_switches = 0;
  std::uint64_t descriptors = 0, descriptor_bytes = 0;
  std::uint64_t context_switches = 0, syscalls = 0, syscall_errors = 0;
  std::uint64_t setup_syscalls = 0, setup_mode_switches = 0, network_bytes = 0, network_acks = 0;
  std::uint64_t interrupts = 0;
  std::map<std::string, std::uint64_t> interrupts_by_device;
  std::map<CpuState, Picoseconds> cpu_time;
  Picoseconds cpu_stall = 0;
  struct ProcessTime {
    Picoseconds user = 0, kernel = 0, stall = 0, user_stall = 0;
  };
  std::map<std::string, ProcessTime> process_time;
  Picoseconds bus_busy = 0;
  struct BusUse {
    Picoseconds busy = 0, stall = 0;
    std::uint64_t transactions = 0;
  };
  std::map<std::string, BusUse> bus_by_initiator;
  std::map<std::string, Picoseconds> device_phase;  // "disk0.seek" -> time
  std::uint64_t verified_bytes = 0, verifications = 0, mismatched = 0;
  std::uint64_t cache_hits = 0, cache_misses = 0, evictions = 0;
  std::map<std::string, std::uint64_t> hits_by_file, misses_by_file, evictions_by_file;
  std::map<std::string, std::uint64_t> resident_by_file, active_by_file;
  std::uint64_t readahead_ios = 0, readahead_bytes = 0, readahead_sync = 0, readahead_async = 0;
  std::uint64_t dirty_peak = 0, writeback_peak = 0;
  std::map<std::string, std::uint64_t> writeback_bytes, writeback_ios;  // by reason
  Picoseconds throttle_time = 0;
  std::uint64_t throttle_pauses = 0;
  std::map<std::string, std::uint64_t> durable_by_file;  // the file's last Durable record
  bool crashed = false;
  trace::Crash crash{};
  std::map<std::string, std::uint64_t> lost_by_file;
  std::map<std::string, std::uint64_t> faults_by_kind;
  std::uint64_t faults = 0, fault_mapped_pages = 0;

  void add(const trace::Record& r) {
    // Set-up is reported apart: the transfer's figures are those of the program.
    if (r.step == kSetupStep) {
      if (std::holds_alternative<trace::Syscall>(r.data)) ++setup_syscalls;
      if (std::holds_alternative<trace::ModeSwitch>(r.data)) ++setup_mode_switches;
      if (std::holds_alternative<trace::Copy>(r.data) ||
          std::holds_alternative<trace::Descriptor>(r.data) ||
          std::holds_alternative<trace::Syscall>(r.data) ||
          std::holds_alternative<trace::ModeSwitch>(r.data)) {
        return;
      }
    }
    std::visit([&](const auto& payload) { on(r, payload); }, r.data);
  }

  void on(const trace::Record&, const trace::RegionDecl&) {}
  void on(const trace::Record&, const trace::Narration&) {}
  void on(const trace::Record&, const trace::Copy& c) {
    if (c.to == "peer") network_bytes += c.bytes;
    all_copy_ids.insert(c.copy_id);
    copy_ids[c.engine].insert(c.copy_id);
    bytes[c.engine] += c.bytes;
  }
  void on(const trace::Record&, const trace::ModeSwitch& m) {
    ++mode_switches;
    if (starts_with(m.cause, "syscall ") || starts_with(m.cause, "sysret ")) ++syscall_switches;
    if (starts_with(m.cause, "interrupt ") || starts_with(m.cause, "iret ")) ++interrupt_switches;
  }
  void on(const trace::Record&, const trace::ContextSwitch&) { ++context_switches; }
  void on(const trace::Record&, const trace::Descriptor& d) {
    ++descriptors;
    descriptor_bytes += d.bytes;
  }
  void on(const trace::Record&, const trace::Syscall& s) {
    ++syscalls;
    if (!s.error.empty() || s.result < 0) ++syscall_errors;
  }
  void on(const trace::Record&, const trace::Interrupt& i) {
    ++interrupts;
    ++interrupts_by_device[i.device];
  }
  void on(const trace::Record& r, const trace::DeviceActivity& a) {
    device_phase[a.device + "." + a.phase] += duration(r);
    if (a.phase == "rx") ++network_acks;
  }
  void on(const trace::Record&, const trace::BusTenure& b) {
    bus_busy += b.busy;
    BusUse& use = bus_by_initiator[b.initiator];
    use.busy += b.busy;
    use.stall += b.stall;
    use.transactions += b.transactions;
  }
  void on(const trace::Record& r, const trace::CpuInterval& c) {
    cpu_time[c.state] += duration(r);
    cpu_stall += c.stall;
    if (c.process.empty()) return;
    ProcessTime& t = process_time[c.process];
    if (c.state == CpuState::user) {
      t.user += duration(r);
      t.user_stall += c.stall;
    }
    if (c.state == CpuState::kernel) t.kernel += duration(r);
    t.stall += c.stall;
  }
  void on(const trace::Record&, const trace::Readahead& r) {
    ++readahead_ios;
    readahead_bytes += r.bytes;
    ++(r.async ? readahead_async : readahead_sync);
  }
  void on(const trace::Record&, const trace::CacheAccess& c) {
    cache_hits += c.hits;
    cache_misses += c.misses;
    hits_by_file[c.file] += c.hits;
    misses_by_file[c.file] += c.misses;
    // Records arrive sorted by start: the last one of a file is its state at the end.
    resident_by_file[c.file] = c.resident;
    active_by_file[c.file] = c.active;
  }
  void on(const trace::Record&, const trace::Eviction& e) {
    evictions += e.pages;
    evictions_by_file[e.file] += e.pages;
  }
  void on(const trace::Record&, const trace::DirtyState& d) {
    dirty_peak = std::max(dirty_peak, d.dirty_bytes);
    writeback_peak = std::max(writeback_peak, d.writeback_bytes);
  }
  void on(const trace::Record&, const trace::Writeback& w) {
    writeback_bytes[w.reason] += w.bytes;
    ++writeback_ios[w.reason];
  }
  void on(const trace::Record& r, const trace::Throttle&) {
    throttle_time += duration(r);
    ++throttle_pauses;
  }
  void on(const trace::Record&, const trace::Durable& d) {
    // Records arrive sorted by start: the last one of a file is what it ended with.
    durable_by_file[d.file] = d.bytes;
  }
  void on(const trace::Record&, const trace::Crash& c) {
    crashed = true;
    crash = c;
  }
  void on(const trace::Record&, const trace::Loss& l) { lost_by_file[l.file] += l.bytes; }
  void on(const trace::Record&, const trace::PageFault& f) {
    ++faults;
    ++faults_by_kind[f.kind];
    fault_mapped_pages += f.mapped;
  }
  void on(const trace::Record&, const trace::Verification& v) {
    ++verifications;
    verified_bytes += v.bytes;
    mismatched += v.mismatched;
  }
};

double ratio(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

const std::vector<MetricDefinition>& metric_definitions() {
  static const std::vector<MetricDefinition> definitions = build_definitions();
  return definitions;
}

const MetricDefinition* find_metric_definition(std::string_view key, std::string* placeholder) {
  for (const MetricDefinition& d : metric_definitions()) {
    if (!is_pattern(d.pattern) && d.pattern == key) return &d;
  }
  static const std::vector<std::pair<const MetricDefinition*, std::regex>> patterns = [] {
    std::vector<std::pair<const MetricDefinition*, std::regex>> out;
    for (const MetricDefinition& d : metric_definitions()) {
      if (is_pattern(d.pattern)) out.emplace_back(&d, pattern_regex(d.pattern));
    }
    return out;
  }();
  const std::string text(key);
  for (const auto& [definition, regex] : patterns) {
    std::smatch match;
    if (std::regex_match(text, match, regex)) {
      if (placeholder != nullptr) *placeholder = match[1].str();
      return definition;
    }
  }
  return nullptr;
}

std::vector<std::string> concrete_metric_names() {
  std::vector<std::string> names;
  for (const MetricDefinition& d : metric_definitions()) {
    if (!is_pattern(d.pattern)) names.push_back(d.pattern);
  }
  return names;
}

const char* to_string(MetricKind kind) {
  switch (kind) {
    case MetricKind::count:
      return "count";
    case MetricKind::time_ps:
      return "time (ps)";
    case MetricKind::bytes:
      return "bytes";
    case MetricKind::ratio:
      return "ratio";
    case MetricKind::flag:
      return "true/false";
  }
  return "?";
}

Metrics compute_metrics(const std::vector<trace::Record>& records, Picoseconds end_time,
                        const std::vector<os::ProcessSpec>& processes) {
  Accumulator acc;
  for (const os::ProcessSpec& p : processes) acc.process_time[p.name];  // listed even if idle
  for (const trace::Record& r : records) acc.add(r);

  Metrics m;
  m["sim_time_ps"] = as_int(end_time);
  m["copies.total"] = as_int(acc.all_copy_ids.size());
  for (Engine e : kAllEngines) {
    const std::string name = trace::to_string(e);
    m["copies." + name] = as_int(acc.copy_ids[e].size());
    m["bytes." + name] = as_int(acc.bytes[e]);
  }
  m["descriptors"] = as_int(acc.descriptors);
  m["descriptors.bytes"] = as_int(acc.descriptor_bytes);
  m["mode_switches"] = as_int(acc.mode_switches);
  m["mode_switches.syscall"] = as_int(acc.syscall_switches);
  m["mode_switches.interrupt"] = as_int(acc.interrupt_switches);
  m["context_switches"] = as_int(acc.context_switches);
  m["syscalls"] = as_int(acc.syscalls);
  m["syscall_errors"] = as_int(acc.syscall_errors);
  m["setup.syscalls"] = as_int(acc.setup_syscalls);
  m["setup.mode_switches"] = as_int(acc.setup_mode_switches);
  m["network.bytes"] = as_int(acc.network_bytes);
  m["network.acks"] = as_int(acc.network_acks);
  m["interrupts"] = as_int(acc.interrupts);
  for (const auto& [device, count] : acc.interrupts_by_device) {
    m["interrupts." + device] = as_int(count);
  }

  const Picoseconds user = acc.cpu_time[CpuState::user];
  const Picoseconds kernel = acc.cpu_time[CpuState::kernel];
  const Picoseconds irq = acc.cpu_time[CpuState::irq];
  m["cpu.busy_ps"] = as_int(user + kernel + irq);
  m["cpu.user_ps"] = as_int(user);
  m["cpu.kernel_ps"] = as_int(kernel);
  m["cpu.irq_ps"] = as_int(irq);
  m["cpu.idle_ps"] = as_int(acc.cpu_time[CpuState::idle]);
  m["cpu.stall_ps"] = as_int(acc.cpu_stall);
  m["cpu.io_ps"] = as_int(kernel + irq);

  std::int64_t other_work = 0, other_stall = 0;
  for (const os::ProcessSpec& p : processes) {
    if (!competes(p)) continue;
    const Accumulator::ProcessTime& t = acc.process_time[p.name];
    other_work += as_int(t.user) - as_int(t.user_stall);
    other_stall += as_int(t.user_stall);
  }
  m["cpu.other_work_ps"] = other_work;
  m["cpu.other_stall_ps"] = other_stall;
  m["cpu.other_share"] =
      ratio(static_cast<std::uint64_t>(std::max<std::int64_t>(other_work, 0)), end_time);
  for (const auto& [name, t] : acc.process_time) {
    m["process." + name + ".user_ps"] = as_int(t.user);
    m["process." + name + ".kernel_ps"] = as_int(t.kernel);
    m["process." + name + ".stall_ps"] = as_int(t.stall);
  }

  m["bus.busy_ps"] = as_int(acc.bus_busy);
  for (const auto& [initiator, use] : acc.bus_by_initiator) {
    m["bus.busy_ps." + initiator] = as_int(use.busy);
    m["bus.stall_ps." + initiator] = as_int(use.stall);
    m["bus.transactions." + initiator] = as_int(use.transactions);
  }
  m["bus.utilization"] = ratio(acc.bus_busy, end_time);
  for (const auto& [device_phase, time] : acc.device_phase) {
    m["device." + device_phase + "_ps"] = as_int(time);
  }
  m["page_cache.hits"] = as_int(acc.cache_hits);
  m["page_cache.misses"] = as_int(acc.cache_misses);
  m["page_cache.evictions"] = as_int(acc.evictions);
  for (const auto& [file, n] : acc.hits_by_file) m["page_cache.hits." + file] = as_int(n);
  for (const auto& [file, n] : acc.misses_by_file) m["page_cache.misses." + file] = as_int(n);
  for (const auto& [file, n] : acc.evictions_by_file) m["page_cache.evictions." + file] = as_int(n);
  for (const auto& [file, n] : acc.resident_by_file) m["page_cache.resident." + file] = as_int(n);
  for (const auto& [file, n] : acc.active_by_file) m["page_cache.active." + file] = as_int(n);
  m["readahead.ios"] = as_int(acc.readahead_ios);
  m["readahead.bytes"] = as_int(acc.readahead_bytes);
  m["readahead.sync_ios"] = as_int(acc.readahead_sync);
  m["readahead.async_ios"] = as_int(acc.readahead_async);
  m["page_faults"] = as_int(acc.faults);
  for (const char* kind : {"minor", "major", "cow"}) {
    m[std::string("page_faults.") + kind] = as_int(acc.faults_by_kind[kind]);
  }
  m["page_faults.mapped_pages"] = as_int(acc.fault_mapped_pages);
  m["dirty.peak_bytes"] = as_int(acc.dirty_peak);
  m["writeback.peak_bytes"] = as_int(acc.writeback_peak);
  auto by_reasons = [](const std::map<std::string, std::uint64_t>& table,
                       std::initializer_list<const char*> reasons) {
    std::uint64_t sum = 0;
    for (const char* reason : reasons) {
      const auto it = table.find(reason);
      if (it != table.end()) sum += it->second;
    }
    return as_int(sum);
  };
  const std::initializer_list<const char*> page_cache_reasons = {"background", "periodic", "sync",
                                                                 "invalidate"};
  m["writeback.bytes"] = by_reasons(acc.writeback_bytes, page_cache_reasons);
  m["writeback.ios"] = by_reasons(acc.writeback_ios, page_cache_reasons);
  m["writeback.background_bytes"] = by_reasons(acc.writeback_bytes, {"background"});
  m["writeback.periodic_bytes"] = by_reasons(acc.writeback_bytes, {"periodic"});
  m["writeback.sync_bytes"] = by_reasons(acc.writeback_bytes, {"sync"});
  m["writeback.journal_ios"] = by_reasons(acc.writeback_ios, {"journal"});
  m["direct.write_bytes"] = by_reasons(acc.writeback_bytes, {"direct", "direct+fua"});
  m["direct.write_ios"] = by_reasons(acc.writeback_ios, {"direct", "direct+fua"});
  m["throttle.ps"] = as_int(acc.throttle_time);
  m["throttle.pauses"] = as_int(acc.throttle_pauses);
  std::uint64_t durable = 0;
  for (const auto& [file, bytes] : acc.durable_by_file) durable += bytes;
  m["durable.bytes"] = as_int(durable);
  m["crash.happened"] = std::int64_t{acc.crashed ? 1 : 0};
  const trace::Crash& c = acc.crash;
  m["lost.bytes"] = as_int(c.lost_application + c.lost_page_cache + c.lost_disk_cache);
  m["lost.application_bytes"] = as_int(c.lost_application);
  m["lost.page_cache_bytes"] = as_int(c.lost_page_cache);
  m["lost.disk_cache_bytes"] = as_int(c.lost_disk_cache);
  for (const auto& [file, bytes] : acc.lost_by_file) m["lost.bytes." + file] = as_int(bytes);
  m["lost.durable_bytes"] = as_int(c.durable_lost);
  m["crash.durable_checked_bytes"] = as_int(c.durable_bytes);
  m["bytes.verified"] = as_int(acc.verified_bytes);
  m["verified"] = acc.verifications > 0 && acc.mismatched == 0;
  return m;
}

std::string format_metric(const MetricValue& value, MetricKind kind) {
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "yes" : "no";
  if (const double* d = std::get_if<double>(&value)) {
    constexpr double kPercent = 100.0;
    return kind == MetricKind::ratio ? fmt::format("{:.1f}%", *d * kPercent)
                                     : fmt::format("{}", *d);
  }
  const std::int64_t n = std::get<std::int64_t>(value);
  const std::string sign = n < 0 ? "-" : "";
  const std::uint64_t magnitude =
      n < 0 ? static_cast<std::uint64_t>(-(n + 1)) + 1 : static_cast<std::uint64_t>(n);
  switch (kind) {
    case MetricKind::time_ps:
      return sign + format_time_ps(magnitude);
    case MetricKind::bytes:
      return sign + format_size(ByteSize(magnitude));
    default:
      return std::to_string(n);
  }
}

std::string format_metric_plain(const MetricValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const double* d = std::get_if<double>(&value)) return fmt::format("{}", *d);
  return std::to_string(std::get<std::int64_t>(value));
}

long double metric_as_number(const MetricValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b ? 1 : 0;
  if (const double* d = std::get_if<double>(&value)) return *d;
  return static_cast<long double>(std::get<std::int64_t>(value));
}

}  // namespace iosim::sim
