// The storage path end to end on the whole machine: open/read/close through the page cache,
// read-ahead windows, eviction, the bytes that reach the user buffer. Closed forms are computed
// from the parameters here; window sequences by hand from mm/readahead.c's rules
// (docs/models/page-cache.md). Runs that must be compared happen in forked children, because
// SystemC elaborates one model per process.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/platform.h"

namespace iosim {
namespace {

constexpr std::uint64_t kPage = 4096;

/// What a test looks at in a run.
struct Storage {
  bool completed = false;
  std::string error;
  Picoseconds end = 0;
  std::uint64_t hits = 0, misses = 0, evicted = 0;
  std::map<std::string, std::uint64_t> hits_by_file, misses_by_file, evicted_by_file;
  std::vector<trace::Readahead> windows;
  std::uint64_t verified = 0, mismatched = 0, verifications = 0;
  std::uint64_t dma_bytes = 0, cpu_bytes = 0, interrupts = 0;
  std::vector<std::string> syscall_causes;     // of ModeSwitch records, in order
  std::vector<std::string> syscalls;           // Syscall names, in order
  std::map<std::string, std::uint64_t> steps;  // narration step -> count
  Picoseconds seek = 0, rotate = 0, transfer = 0, command = 0;
  std::string copy_regions;  // "engine:from->to" of every copy, deduplicated, sorted
};

Storage summarize(const RunOutcome& outcome, std::vector<trace::Record> records) {
  std::stable_sort(
      records.begin(), records.end(),
      [](const trace::Record& a, const trace::Record& b) { return a.start < b.start; });
  Storage s;
  s.completed = outcome.completed;
  s.error = outcome.error;
  s.end = outcome.end_time;
  std::set<std::string> regions;
  for (const trace::Record& r : records) {
    if (const auto* a = std::get_if<trace::CacheAccess>(&r.data)) {
      s.hits += a->hits;
      s.misses += a->misses;
      s.hits_by_file[a->file] += a->hits;
      s.misses_by_file[a->file] += a->misses;
    } else if (const auto* e = std::get_if<trace::Eviction>(&r.data)) {
      s.evicted += e->pages;
      s.evicted_by_file[e->file] += e->pages;
    } else if (const auto* w = std::get_if<trace::Readahead>(&r.data)) {
      s.windows.push_back(*w);
    } else if (const auto* v = std::get_if<trace::Verification>(&r.data)) {
      s.verified += v->bytes;
      s.mismatched += v->mismatched;
      ++s.verifications;
    } else if (const auto* c = std::get_if<trace::Copy>(&r.data)) {
      (c->engine == trace::Engine::dma ? s.dma_bytes : s.cpu_bytes) += c->bytes;
      regions.insert(std::string(trace::to_string(c->engine)) + ":" + c->from + "->" + c->to);
    } else if (std::holds_alternative<trace::Interrupt>(r.data)) {
      ++s.interrupts;
    } else if (const auto* m = std::get_if<trace::ModeSwitch>(&r.data)) {
      s.syscall_causes.push_back(m->cause);
    } else if (const auto* call = std::get_if<trace::Syscall>(&r.data)) {
      s.syscalls.push_back(call->name);
    } else if (std::holds_alternative<trace::Narration>(r.data)) {
      ++s.steps[r.step];
    } else if (const auto* d = std::get_if<trace::DeviceActivity>(&r.data)) {
      if (d->device != "disk0") continue;
      const Picoseconds t = r.end - r.start;
      if (d->phase == "seek") s.seek += t;
      if (d->phase == "rotate") s.rotate += t;
      if (d->phase == "transfer") s.transfer += t;
      if (d->phase == "command") s.command += t;
    }
  }
  for (const std::string& r : regions) s.copy_regions += r + " ";
  return s;
}

Storage run(const RunSpec& spec) {
  trace::VectorSink sink;
  const RunOutcome outcome = run_platform(spec, sink);
  return summarize(outcome, std::move(sink.records));
}

os::FileSpec file(const std::string& path, std::uint64_t bytes, bool warm = false) {
  os::FileSpec f;
  f.path = path;
  f.size = ByteSize(bytes);
  f.warm = warm;
  return f;
}

os::FileRead read_all(const std::string& path, std::uint64_t chunk,
                      os::ReadOrder order = os::ReadOrder::sequential) {
  os::FileRead r;
  r.path = path;
  r.chunk = ByteSize(chunk);
  r.order = order;
  return r;
}

/// One process: open, read the whole file in `chunk`s, close.
RunSpec one_reader(std::uint64_t file_bytes, std::uint64_t chunk, bool warm = false) {
  RunSpec spec;
  spec.files = {file("data.bin", file_bytes, warm)};
  spec.processes = {
      {"reader",
       {os::FileOpen{"data.bin"}, read_all("data.bin", chunk), os::FileClose{"data.bin"}}}};
  return spec;
}

TEST(StoragePlatform, ColdReadMovesEveryByteByDmaThenCpu) {
  const Storage s = run(one_reader(256 << 10, 16 << 10));
  ASSERT_TRUE(s.completed) << s.error;
  EXPECT_EQ(s.verified, 256u << 10);
  EXPECT_EQ(s.mismatched, 0u);
  EXPECT_EQ(s.dma_bytes, 256u << 10);
  EXPECT_EQ(s.cpu_bytes, 256u << 10);
  EXPECT_EQ(s.copy_regions, "cpu:page_cache->reader.buf dma:disk0.buffer->page_cache ");
  EXPECT_EQ(s.misses, 4u);  // the first read()'s pages; read-ahead brought the rest in time
  EXPECT_EQ(s.hits, 60u);
}

TEST(StoragePlatform, EveryReadIsASystemCallWithTheSeedsSteps) {
  const Storage s = run(one_reader(64 << 10, 16 << 10));
  ASSERT_TRUE(s.completed) << s.error;
  const std::vector<std::string> calls = {"open", "read", "read", "read", "read", "close"};
  EXPECT_EQ(s.syscalls, calls);
  const std::vector<std::string> causes = {"syscall open", "sysret open",   "syscall read",
                                           "sysret read",  "syscall read",  "sysret read",
                                           "syscall read", "sysret read",   "syscall read",
                                           "sysret read",  "syscall close", "sysret close"};
  std::vector<std::string> syscall_causes;
  for (const std::string& c : s.syscall_causes) {
    if (c.rfind("syscall ", 0) == 0 || c.rfind("sysret ", 0) == 0) syscall_causes.push_back(c);
  }
  EXPECT_EQ(syscall_causes, causes);
  EXPECT_EQ(s.steps.at("switch-1"), 4u);
  EXPECT_EQ(s.steps.at("copy-2"), 4u);
  EXPECT_EQ(s.steps.at("switch-2"), 4u);
  EXPECT_GE(s.steps.at("copy-1"), 1u);
}

// --- Closed forms
// ---------------------------------------------------------------------------------

/// CPU cost of the system calls and copies of reading `file_bytes` in `chunk`s from a warm
/// cache, with open and close: everything a warm read costs.
Picoseconds warm_read_cost(const PlatformParams& p, std::uint64_t file_bytes, std::uint64_t chunk) {
  const Picoseconds entry = to_ps(p.cpu.syscall_entry), exit = to_ps(p.cpu.syscall_exit);
  const Picoseconds vfs = to_ps(p.kernel.file_syscall_work);
  const Picoseconds per_page = to_ps(p.kernel.page_lookup) +
                               p.cpu.memcpy_bandwidth.transfer_ps(kPage);  // 4 KiB-aligned chunks
  const std::uint64_t calls = file_bytes / chunk;
  const std::uint64_t pages_per_call = chunk / kPage;
  return 2 * (entry + vfs + exit)                                     // open, close
         + calls * (entry + vfs + pages_per_call * per_page + exit);  // read()
}

TEST(StoragePlatform, WarmReadCostsOnlySystemCallsAndCopies) {
  const RunSpec spec = one_reader(256 << 10, 16 << 10, /*warm=*/true);
  const Storage s = run(spec);
  ASSERT_TRUE(s.completed) << s.error;
  const PlatformParams& p = spec.params;
  // The process dispatches itself onto the idle CPU first: one context switch.
  EXPECT_EQ(s.end, to_ps(p.cpu.context_switch) + warm_read_cost(p, 256 << 10, 16 << 10));
  EXPECT_EQ(s.hits, 64u);
  EXPECT_EQ(s.misses, 0u);
  EXPECT_TRUE(s.windows.empty());
  EXPECT_EQ(s.dma_bytes, 0u);
  EXPECT_EQ(s.interrupts, 0u);
  EXPECT_EQ(s.verified, 256u << 10);
  EXPECT_EQ(s.mismatched, 0u);
}

TEST(StoragePlatform, ColdReadAddsTheDiskAndTheDriverToTheWarmCost) {
  // One read() of a 64 KiB file: one synchronous window of 16 pages (init(16) = max = 32,
  // truncated at the end of the file), 128 sectors on the disk from fs_first_lba.
  const RunSpec spec = one_reader(64 << 10, 64 << 10);
  const Storage s = run(spec);
  ASSERT_TRUE(s.completed) << s.error;
  ASSERT_EQ(s.windows.size(), 1u);
  EXPECT_EQ(s.windows[0].start, 0u);
  EXPECT_EQ(s.windows[0].pages, 16u);
  EXPECT_FALSE(s.windows[0].async);
  const PlatformParams& p = spec.params;
  const Picoseconds bus_cycle = to_ps(p.bus.clock.cycles(1));
  const Picoseconds reg = to_ps(p.cpu.io_instruction) + to_ps(p.bus.arbitration) + bus_cycle;
  const Picoseconds disk_reg = reg + to_ps(p.disk.register_latency);
  const Picoseconds dma_reg = reg;  // the DMA controller answers at once
  // The descriptor table (16 scattered frames, 16 bytes each) stored line by line.
  const std::uint64_t lines = 16 * 16 / p.cpu.cache_line.bytes;
  const Picoseconds line_store =
      to_ps(p.bus.arbitration) +
      to_ps(p.bus.clock.cycles(p.cpu.cache_line.bytes / p.bus.width.bytes)) +
      to_ps(p.dram.access_latency);
  const Picoseconds submit = to_ps(p.kernel.driver_setup) + lines * line_store + 5 * dma_reg +
                             6 * disk_reg /* task file */ + disk_reg /* command */;
  // Up to the command: dispatch, open, read() entry, VFS work, 16 page lookups, the submission.
  const Picoseconds before_copy_free =
      to_ps(p.cpu.context_switch) + to_ps(p.cpu.syscall_entry) + to_ps(p.kernel.file_syscall_work) +
      to_ps(p.cpu.syscall_exit) + to_ps(p.cpu.syscall_entry) + to_ps(p.kernel.file_syscall_work) +
      16 * to_ps(p.kernel.page_lookup) + submit;
  // The disk: command overhead, no seek (cylinder 0), rotation to sector 2048 % 1000 = 48 of its
  // track (the platter turns from angle 0 at time 0), then 128 sectors under the head.
  const Picoseconds revolution = 60ULL * 1'000'000'000'000ULL / p.disk.rpm;
  const Picoseconds sector_time = revolution / p.disk.sectors_per_track;
  // The disk decodes the command from the moment the command register write reaches it (after
  // the instruction itself, before the bus and register latency are paid back to the CPU).
  const Picoseconds command_seen = before_copy_free - disk_reg + to_ps(p.cpu.io_instruction);
  const Picoseconds ready = command_seen + to_ps(p.disk.command_overhead);
  const Picoseconds first_sector = 48 * sector_time;
  Picoseconds under_head = first_sector;
  while (under_head < ready) under_head += revolution;
  const Picoseconds media_done = under_head + 128 * sector_time;
  EXPECT_EQ(s.seek, 0u);
  EXPECT_EQ(s.rotate, under_head - ready);
  EXPECT_EQ(s.transfer, 128 * sector_time);
  // After the media: the DMA drains the last sector, the interrupt wakes the reader (handler:
  // INTA, the disk's and the DMA channel's status, EOI), the reader switches in and copies 16
  // pages, returns, closes.
  const Picoseconds after = to_ps(p.cpu.interrupt_entry) + reg + disk_reg + dma_reg + reg +
                            to_ps(p.cpu.interrupt_exit) + to_ps(p.cpu.context_switch) +
                            16 * p.cpu.memcpy_bandwidth.transfer_ps(kPage) +
                            to_ps(p.cpu.syscall_exit) + to_ps(p.cpu.syscall_entry) +
                            to_ps(p.kernel.file_syscall_work) + to_ps(p.cpu.syscall_exit);
  // The DMA moves the last sector unit by unit after the media has delivered it (cycle
  // stealing: one bus transaction per unit); the disk interrupts at terminal count, during the
  // last unit's cycle, so the drain before the interrupt is one unit short.
  const std::uint64_t units = p.disk.sector_size.bytes / p.dma.transfer_unit.bytes;
  const std::uint64_t beats =
      (p.dma.transfer_unit.bytes + p.bus.width.bytes - 1) / p.bus.width.bytes;
  const Picoseconds unit_time = to_ps(p.bus.arbitration) + to_ps(p.bus.clock.cycles(beats)) +
                                to_ps(p.dram.access_latency) + to_ps(p.dma.cycle_overhead);
  const Picoseconds drain = (units - 1) * unit_time;
  EXPECT_EQ(s.end, media_done + drain + after);
  // Cold minus warm: the disk and the driver, nothing else.
  const Picoseconds warm = to_ps(p.cpu.context_switch) + warm_read_cost(p, 64 << 10, 64 << 10);
  EXPECT_GT(s.end - warm, s.rotate + s.transfer);
  EXPECT_EQ(s.misses, 16u);
  EXPECT_EQ(s.hits, 0u);
}

// --- Read-ahead
// -----------------------------------------------------------------------------------

struct Window {
  std::uint64_t start, pages;
  bool async;
  std::int64_t marker;
  friend bool operator==(const Window& a, const Window& b) {
    return a.start == b.start && a.pages == b.pages && a.async == b.async && a.marker == b.marker;
  }
};

std::ostream& operator<<(std::ostream& os, const Window& w) {
  return os << w.start << "+" << w.pages << (w.async ? "*" : "") << " m" << w.marker;
}

std::vector<Window> windows_of(const Storage& s) {
  std::vector<Window> out;
  for (const trace::Readahead& w : s.windows) out.push_back({w.start, w.pages, w.async, w.marker});
  return out;
}

TEST(StoragePlatform, SequentialReadOpensTheKernelsWindowsInOrder) {
  // 1 MiB read 4 KiB at a time, read_ahead 128 KiB (32 pages): by hand from get_init_ra_size /
  // get_next_ra_size (as tests/readahead_test.cpp): 0+4 (marker 1), then at each marker the
  // next window: 4+8, 12+16, 28+32, then +32 every 32 pages, the last one cut at the end.
  const Storage s = run(one_reader(1 << 20, 4 << 10));
  ASSERT_TRUE(s.completed) << s.error;
  const std::vector<Window> expected = {
      {0, 4, false, 1},     {4, 8, true, 4},      {12, 16, true, 12},   {28, 32, true, 28},
      {60, 32, true, 60},   {92, 32, true, 92},   {124, 32, true, 124}, {156, 32, true, 156},
      {188, 32, true, 188}, {220, 32, true, 220}, {252, 4, true, -1}};
  EXPECT_EQ(windows_of(s), expected);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 255u);
  EXPECT_EQ(s.dma_bytes, 1u << 20);
  EXPECT_EQ(s.mismatched, 0u);
  EXPECT_EQ(s.verified, 1u << 20);
}

TEST(StoragePlatform, FadviseSequentialDoublesTheWindow) {
  // POSIX_FADV_SEQUENTIAL: ra_pages = 2 x 32 = 64 (mm/fadvise.c). 4 KiB reads: init(1) = 4
  // (1 <= 64/32), then next(): 4 -> 8 (4 is not < 64/16), 8 -> 16, 16 -> 32, 32 -> 64 (32 <= 64/2),
  // then 64 every 64 pages, the last window cut at the end of the file.
  RunSpec spec;
  spec.files = {file("data.bin", 1 << 20)};
  spec.processes = {{"reader",
                     {os::FileOpen{"data.bin"}, os::FileAdvise{"data.bin", os::Advice::sequential},
                      read_all("data.bin", 4 << 10)}}};
  const Storage s = run(spec);
  ASSERT_TRUE(s.completed) << s.error;
  const std::vector<Window> expected = {
      {0, 4, false, 1},   {4, 8, true, 4},      {12, 16, true, 12},   {28, 32, true, 28},
      {60, 64, true, 60}, {124, 64, true, 124}, {188, 64, true, 188}, {252, 4, true, -1}};
  EXPECT_EQ(windows_of(s), expected);
  EXPECT_EQ(s.mismatched, 0u);
}

TEST(StoragePlatform, ReadAheadSizeCapsTheWindows) {
  // read_ahead 16 KiB (4 pages), 16 KiB reads: init(4) with max 4 = 4, async 4 - 4 = 0...
  // the read hits its own window's end; every later window is next(4) = 4 pages.
  RunSpec spec = one_reader(256 << 10, 16 << 10);
  spec.params.kernel.read_ahead_kb = 16;
  const Storage s = run(spec);
  ASSERT_TRUE(s.completed) << s.error;
  for (const trace::Readahead& w : s.windows) EXPECT_LE(w.pages, 4u);
  EXPECT_EQ(s.dma_bytes, 256u << 10);
  EXPECT_EQ(s.mismatched, 0u);
}

TEST(StoragePlatform, RandomReadsReadTheirOwnPageAlone) {
  // Every 4 KiB page of a 1 MiB file once, in an order drawn from the seed. A read whose page
  // is missing, is not page 0, does not follow the previous read and has no cached page just
  // before it is a "standalone, small random read": exactly its own page, synchronously
  // (ondemand_readahead). Reads next to cached pages get context read-ahead, and a read that
  // lands on a page carrying PG_readahead opens an asynchronous window, as in Linux.
  RunSpec spec;
  spec.files = {file("data.bin", 1 << 20)};
  spec.processes = {
      {"reader", {os::FileOpen{"data.bin"}, read_all("data.bin", 4 << 10, os::ReadOrder::random)}}};
  trace::VectorSink sink;
  const RunOutcome outcome = run_platform(spec, sink);
  ASSERT_TRUE(outcome.completed) << outcome.error;
  std::vector<trace::Record> records = sink.records;
  std::stable_sort(
      records.begin(), records.end(),
      [](const trace::Record& a, const trace::Record& b) { return a.start < b.start; });
  std::set<std::uint64_t> cached;
  std::optional<std::uint64_t> previous_end, last_end;
  std::uint64_t single = 0, reads = 0, async_windows = 0;
  std::optional<std::uint64_t> reading;
  for (const trace::Record& r : records) {
    if (const auto* call = std::get_if<trace::Syscall>(&r.data); call && call->name == "lseek") {
      reading = static_cast<std::uint64_t>(call->result) / kPage;
      previous_end = last_end;  // where the read before this one ended (ra->prev_pos)
    } else if (const auto* w = std::get_if<trace::Readahead>(&r.data)) {
      ASSERT_TRUE(reading.has_value());
      const std::uint64_t page = *reading;
      if (w->async) {
        ++async_windows;
        EXPECT_GT(w->start, page) << "an asynchronous window lies ahead of the read";
        for (std::uint64_t i = w->start; i < w->start + w->pages; ++i) cached.insert(i);
        continue;
      }
      // ondemand_readahead(): index 0 starts a file; index - prev_index <= 1 is sequential.
      const bool sequential = previous_end && (page == *previous_end || page == *previous_end + 1);
      const bool standalone = page != 0 && !sequential && cached.count(page - 1) == 0;
      if (standalone) {
        EXPECT_EQ(w->start, page);
        EXPECT_EQ(w->pages, 1u) << "read of page " << page;
        ++single;
      }
      for (std::uint64_t i = w->start; i < w->start + w->pages; ++i) cached.insert(i);
    } else if (const auto* a = std::get_if<trace::CacheAccess>(&r.data)) {
      last_end = a->first + a->pages;
      ++reads;
    } else if (const auto* v = std::get_if<trace::Verification>(&r.data)) {
      EXPECT_EQ(v->mismatched, 0u);
    }
  }
  EXPECT_EQ(reads, 256u);
  EXPECT_GT(single, 100u);  // most random reads are standalone
  EXPECT_LT(async_windows, single);
}

TEST(StoragePlatform, FadviseRandomReadsExactlyEachRequest) {
  // POSIX_FADV_RANDOM (FMODE_RANDOM): no read-ahead at all, even for a sequential reader:
  // 64 synchronous one-page I/Os for 64 reads of 4 KiB.
  RunSpec spec;
  spec.files = {file("data.bin", 256 << 10)};
  spec.processes = {{"reader",
                     {os::FileOpen{"data.bin"}, os::FileAdvise{"data.bin", os::Advice::random},
                      read_all("data.bin", 4 << 10)}}};
  const Storage s = run(spec);
  ASSERT_TRUE(s.completed) << s.error;
  ASSERT_EQ(s.windows.size(), 64u);
  for (std::size_t i = 0; i < s.windows.size(); ++i) {
    EXPECT_EQ(windows_of(s)[i], (Window{i, 1, false, -1}));
  }
  EXPECT_EQ(s.misses, 64u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.mismatched, 0u);
}

// --- Eviction
// -------------------------------------------------------------------------------------

TEST(StoragePlatform, HotFileReadTwiceSurvivesAStreamReadOnceDoesNot) {
  // A 512 KiB cache. hot.dat (8 pages) is read twice: its pages go to the active list. once.dat
  // (8 pages) is read once: referenced, but inactive. Streaming big.dat (2 MiB) through the cache
  // reclaims from the inactive tail: once.dat goes, hot.dat stays. The third read of hot.dat
  // hits every page; the second read of once.dat misses every page.
  RunSpec spec;
  spec.params.kernel.page_cache_size = ByteSize(512 << 10);
  spec.files = {file("hot.dat", 32 << 10), file("once.dat", 32 << 10), file("big.dat", 2 << 20)};
  auto rewind = [](const std::string& path) { return os::FileSeek{path, ByteSize(0)}; };
  spec.processes = {
      {"reader",
       {os::FileOpen{"hot.dat"}, os::FileOpen{"once.dat"}, os::FileOpen{"big.dat"},
        read_all("hot.dat", 32 << 10), rewind("hot.dat"), read_all("hot.dat", 32 << 10),
        read_all("once.dat", 32 << 10), read_all("big.dat", 16 << 10), rewind("hot.dat"),
        read_all("hot.dat", 32 << 10), rewind("once.dat"), read_all("once.dat", 32 << 10)}}};
  const Storage s = run(spec);
  ASSERT_TRUE(s.completed) << s.error;
  EXPECT_EQ(s.misses_by_file.at("hot.dat"), 8u);
  EXPECT_EQ(s.hits_by_file.at("hot.dat"), 16u);  // second and third reads
  EXPECT_EQ(s.evicted_by_file.count("hot.dat"), 0u);
  EXPECT_EQ(s.misses_by_file.at("once.dat"), 16u);
  EXPECT_EQ(s.hits_by_file.at("once.dat"), 0u);
  EXPECT_EQ(s.evicted_by_file.at("once.dat"), 8u);
  EXPECT_GT(s.evicted_by_file.at("big.dat"), 0u);
  EXPECT_EQ(s.mismatched, 0u);
}

TEST(StoragePlatform, CacheSmallerThanAWindowStillDeliversEveryByte) {
  // 8 pages of cache against 32-page windows: reclaim drops pages of the window being filled and
  // pages not yet copied; those are read again on their own, and every byte still arrives.
  RunSpec spec = one_reader(512 << 10, 16 << 10);
  spec.params.kernel.page_cache_size = ByteSize(32 << 10);
  const Storage s = run(spec);
  ASSERT_TRUE(s.completed) << s.error;
  EXPECT_EQ(s.verified, 512u << 10);
  EXPECT_EQ(s.mismatched, 0u);
  EXPECT_GT(s.evicted, 0u);
}

// --- Bytes and determinism
// ------------------------------------------------------------------------

TEST(StoragePlatform, UserBufferHoldsTheGeneratedContents) {
  // Seeded and pattern contents, cold and warm: every read() is checked byte for byte against
  // the file's generator, and every byte of both files is checked.
  RunSpec spec;
  os::FileSpec seeded = file("seeded.bin", 100000);  // not a whole number of pages
  seeded.has_content_seed = true;
  seeded.content_seed = 7;
  os::FileSpec text = file("text.txt", 20000, /*warm=*/true);
  text.pattern = "iosim ";
  spec.files = {seeded, text};
  spec.processes = {{"reader",
                     {os::FileOpen{"seeded.bin"}, read_all("seeded.bin", 12288),
                      os::FileOpen{"text.txt"}, read_all("text.txt", 3000)}}};
  const Storage s = run(spec);
  ASSERT_TRUE(s.completed) << s.error;
  EXPECT_EQ(s.verified, 100000u + 20000u);
  EXPECT_EQ(s.mismatched, 0u);
  EXPECT_EQ(s.verifications, (100000u + 12287u) / 12288u + (20000u + 2999u) / 3000u);
}

/// Runs `spec` in a forked child; returns a digest of its records (every field that a trace
/// file holds, in order).
std::string run_digest_in_child(const RunSpec& spec) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    trace::VectorSink sink;
    const RunOutcome outcome = run_platform(spec, sink);
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over a textual form
    auto mix = [&h](const std::string& text) {
      for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
    };
    mix(std::to_string(outcome.end_time));
    for (const trace::Record& r : sink.records) {
      mix(std::to_string(r.start) + "/" + std::to_string(r.end) + r.actor + r.step +
          std::to_string(r.data.index()));
      if (const auto* w = std::get_if<trace::Readahead>(&r.data)) {
        mix(std::to_string(w->start) + "+" + std::to_string(w->pages));
      }
      if (const auto* c = std::get_if<trace::Copy>(&r.data)) mix(c->from + c->to);
    }
    const std::string line = std::to_string(sink.records.size()) + " " + std::to_string(h) + "\n";
    if (write(fds[1], line.data(), line.size()) < 0) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buffer[256];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof buffer)) > 0) out.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return out;
}

TEST(StoragePlatform, SameSpecGivesTheSameTrace) {
  RunSpec spec = one_reader(512 << 10, 8 << 10);
  spec.processes[0].program.push_back(os::FileOpen{"data.bin"});
  spec.processes[0].program.push_back(read_all("data.bin", 4 << 10, os::ReadOrder::random));
  const std::string a = run_digest_in_child(spec);
  const std::string b = run_digest_in_child(spec);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace iosim
