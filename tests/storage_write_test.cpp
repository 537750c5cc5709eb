// The storage write path on the whole machine (models/os/writeback.cpp): buffered write() and
// its cost, dirty pages against the thresholds of the dirtyable memory, background and periodic
// writeback, throttling, fsync / fdatasync / sync_file_range / O_SYNC, O_DIRECT, the C
// library's buffers, and what a process crash, a kernel crash or a power loss loses, checked
// against real bytes. Closed forms are computed from the parameters here (docs/models/kernel.md).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/platform.h"

namespace iosim {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kKiB = 1024;

/// What a test looks at in a run.
struct Writes {
  bool completed = false;
  std::string error;
  Picoseconds end = 0;
  std::uint64_t verified = 0, mismatched = 0;
  std::vector<trace::Record> dirty;  // DirtyState records, in time order
  std::vector<trace::Writeback> writebacks;
  std::vector<Picoseconds> writeback_times;
  std::vector<trace::Throttle> throttles;
  Picoseconds throttled = 0;
  std::vector<trace::Durable> durable;
  std::vector<trace::Loss> losses;
  std::optional<trace::Crash> crash;
  Picoseconds crash_at = 0;
  std::vector<trace::Syscall> syscalls;
  std::map<std::string, std::uint64_t> copy_bytes;  // "engine:from->to" -> bytes
  std::uint64_t peak_dirty = 0, peak_dirty_and_writeback = 0;
};

Writes summarize(const RunOutcome& outcome, std::vector<trace::Record> records) {
  std::stable_sort(
      records.begin(), records.end(),
      [](const trace::Record& a, const trace::Record& b) { return a.start < b.start; });
  Writes w;
  w.completed = outcome.completed;
  w.error = outcome.error;
  w.end = outcome.end_time;
  for (const trace::Record& r : records) {
    if (const auto* v = std::get_if<trace::Verification>(&r.data)) {
      w.verified += v->bytes;
      w.mismatched += v->mismatched;
    } else if (const auto* d = std::get_if<trace::DirtyState>(&r.data)) {
      w.dirty.push_back(r);
      w.peak_dirty = std::max(w.peak_dirty, d->dirty_bytes);
      w.peak_dirty_and_writeback =
          std::max(w.peak_dirty_and_writeback, d->dirty_bytes + d->writeback_bytes);
    } else if (const auto* b = std::get_if<trace::Writeback>(&r.data)) {
      w.writebacks.push_back(*b);
      w.writeback_times.push_back(r.start);
    } else if (const auto* t = std::get_if<trace::Throttle>(&r.data)) {
      w.throttles.push_back(*t);
      w.throttled += r.end - r.start;
    } else if (const auto* u = std::get_if<trace::Durable>(&r.data)) {
      w.durable.push_back(*u);
    } else if (const auto* l = std::get_if<trace::Loss>(&r.data)) {
      w.losses.push_back(*l);
    } else if (const auto* c = std::get_if<trace::Crash>(&r.data)) {
      w.crash = *c;
      w.crash_at = r.start;
    } else if (const auto* s = std::get_if<trace::Syscall>(&r.data)) {
      w.syscalls.push_back(*s);
    } else if (const auto* c = std::get_if<trace::Copy>(&r.data)) {
      w.copy_bytes[std::string(trace::to_string(c->engine)) + ":" + c->from + "->" + c->to] +=
          c->bytes;
    }
  }
  return w;
}

Writes run(const RunSpec& spec) {
  trace::VectorSink sink;
  const RunOutcome outcome = run_platform(spec, sink);
  return summarize(outcome, std::move(sink.records));
}

os::FileSpec file(const std::string& path, std::uint64_t bytes) {
  os::FileSpec f;
  f.path = path;
  f.size = ByteSize(bytes);
  f.has_content_seed = true;
  f.content_seed = 3;
  return f;
}

os::FileOpen open_for_writing(const std::string& path, os::OpenFlags flags = {}) {
  flags.write = true;
  return os::FileOpen{path, flags};
}

os::FileWrite write(const std::string& path, std::uint64_t chunk, std::uint64_t bytes) {
  os::FileWrite w;
  w.path = path;
  w.chunk = ByteSize(chunk);
  w.bytes = ByteSize(bytes);
  return w;
}

os::FileSync sync(const std::string& path, os::SyncKind kind = os::SyncKind::fsync) {
  return os::FileSync{path, kind};
}

std::uint64_t lost_total(const trace::Crash& c) {
  return c.lost_application + c.lost_page_cache + c.lost_disk_cache;
}

// --- Buffered write() ----------------------------------------------------------------------------

TEST(StorageWrite, BufferedWriteCostsSystemCallsCopiesAndDirtying) {
  // 64 KiB in 16 KiB write() calls to a new, empty file: no page is read (nothing exists yet),
  // far below the background threshold (no writeback, no throttle). Each call: entry, VFS work,
  // per page a lookup, the copy and the dirtying, exit.
  RunSpec spec;
  spec.files = {file("log", 0)};
  spec.processes = {
      {"writer",
       {open_for_writing("log"), write("log", 16 * kKiB, 64 * kKiB), os::FileClose{"log"}}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  const PlatformParams& p = spec.params;
  const Picoseconds entry = to_ps(p.cpu.syscall_entry), exit = to_ps(p.cpu.syscall_exit);
  const Picoseconds vfs = to_ps(p.kernel.file_syscall_work);
  const Picoseconds per_page = to_ps(p.kernel.page_lookup) +
                               p.cpu.memcpy_bandwidth.transfer_ps(kPage) +
                               to_ps(p.kernel.page_dirty_work);
  const Picoseconds expected = to_ps(p.cpu.context_switch)  // the writer dispatches itself
                               + 2 * (entry + vfs + exit)   // open, close
                               + 4 * (entry + vfs + 4 * per_page + exit);
  EXPECT_EQ(w.end, expected);
  EXPECT_TRUE(w.writebacks.empty());
  EXPECT_TRUE(w.throttles.empty());
  EXPECT_EQ(w.peak_dirty, 64 * kKiB);
  EXPECT_EQ(w.copy_bytes.at("cpu:writer.buf->page_cache"), 64 * kKiB);
  // Each write() checks the page cache, the end of the run checks the file: 2 x 64 KiB.
  EXPECT_EQ(w.verified, 2 * 64 * kKiB);
  EXPECT_EQ(w.mismatched, 0u);
  ASSERT_EQ(w.syscalls.size(), 6u);
  EXPECT_EQ(w.syscalls[0].args, "log, O_RDWR");
  EXPECT_EQ(w.syscalls[1].result, 16 * 1024);
}

TEST(StorageWrite, ThresholdsComeFromTheDirtyableMemory) {
  // A 4 MiB page cache: dirtyable = 1024 pages + 1 (global_dirtyable_memory never returns 0).
  // domain_dirty_limits: ratio = vm_dirty_ratio * PAGE_SIZE / 100 = 819 (20%) and 409 (10%),
  // thresh = ratio * dirtyable / PAGE_SIZE: 819 * 1025 / 4096 = 204, 409 * 1025 / 4096 = 102.
  RunSpec spec;
  spec.params.kernel.page_cache_size = ByteSize(4ULL << 20);
  spec.files = {file("log", 0)};
  spec.processes = {{"writer", {open_for_writing("log"), write("log", 4 * kKiB, 8 * kKiB)}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_FALSE(w.dirty.empty());
  const auto& d = std::get<trace::DirtyState>(w.dirty.back().data);
  EXPECT_EQ(d.background_bytes, 102 * kPage);
  EXPECT_EQ(d.limit_bytes, 204 * kPage);
}

TEST(StorageWrite, TheBytesFormsOfTheThresholdsWinOverTheRatios) {
  RunSpec spec;
  spec.params.kernel.page_cache_size = ByteSize(4ULL << 20);
  spec.params.kernel.dirty.set_dirty_background_bytes(ByteSize(40 * kPage));
  ASSERT_TRUE(spec.params.kernel.dirty.set_dirty_bytes(ByteSize(100 * kPage)));
  EXPECT_FALSE(spec.params.kernel.dirty.set_dirty_bytes(ByteSize(kPage)));  // below two pages
  spec.files = {file("log", 0)};
  spec.processes = {{"writer", {open_for_writing("log"), write("log", 4 * kKiB, 8 * kKiB)}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_FALSE(w.dirty.empty());
  const auto& d = std::get<trace::DirtyState>(w.dirty.back().data);
  EXPECT_EQ(d.background_bytes, 40 * kPage);
  EXPECT_EQ(d.limit_bytes, 100 * kPage);
}

TEST(StorageWrite, BackgroundWritebackStartsOverTheBackgroundThresholdAndWritersAreThrottled) {
  // 4 MiB written into a 4 MiB cache (thresholds 102 / 204 pages, freerun 153): the flusher
  // starts once a writer finds more than 102 pages dirty, the writer is paused above 153, and
  // dirty + writeback never passes the hard limit by more than what one call dirties before it
  // is checked.
  RunSpec spec;
  spec.params.kernel.page_cache_size = ByteSize(4ULL << 20);
  spec.files = {file("log", 0)};
  spec.processes = {{"writer", {open_for_writing("log"), write("log", 16 * kKiB, 4ULL << 20)}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_FALSE(w.writebacks.empty());
  EXPECT_EQ(w.writebacks.front().reason, "background");
  // Before the first writeback, the dirty pages had passed the background threshold.
  std::uint64_t dirty_before = 0;
  for (const trace::Record& r : w.dirty) {
    if (r.start >= w.writeback_times.front()) break;
    dirty_before = std::get<trace::DirtyState>(r.data).dirty_bytes;
  }
  EXPECT_GT(dirty_before, 102 * kPage) << "first writeback at " << w.writeback_times.front()
                                       << " ps, first DirtyState at " << w.dirty.front().start;
  EXPECT_FALSE(w.throttles.empty());
  EXPECT_GT(w.throttled, 0u);
  for (const trace::Throttle& t : w.throttles) EXPECT_GT(t.dirty_bytes, 153 * kPage);
  EXPECT_LE(w.peak_dirty_and_writeback, 204 * kPage + 16 * kKiB);
  EXPECT_EQ(w.mismatched, 0u);
}

TEST(StorageWrite, PeriodicWritebackWritesExpiredInodes) {
  // After 100 ms, 64 KiB dirty (under every threshold), then the writer sleeps. The flusher
  // wakes every 500 ms; the inode expires 1 s after it was first dirtied (just after 100 ms),
  // so the wake-ups at 0.5 s and 1 s find nothing to do and the one at 1.5 s writes it.
  RunSpec spec;
  spec.params.kernel.dirty.dirty_writeback_interval = sc_core::sc_time(500, sc_core::SC_MS);
  spec.params.kernel.dirty.dirty_expire_interval = sc_core::sc_time(1, sc_core::SC_SEC);
  spec.files = {file("log", 0)};
  spec.processes = {
      {"writer",
       {os::Sleep{sc_core::sc_time(100, sc_core::SC_MS)}, open_for_writing("log"),
        write("log", 16 * kKiB, 64 * kKiB), os::Sleep{sc_core::sc_time(2, sc_core::SC_SEC)}}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_EQ(w.writebacks.size(), 1u);  // 16 contiguous pages: one request
  EXPECT_EQ(w.writebacks[0].reason, "periodic");
  EXPECT_EQ(w.writebacks[0].pages, 16u);
  const Picoseconds wake = 1500ULL * 1'000'000'000ULL;
  EXPECT_GE(w.writeback_times[0], wake);
  EXPECT_LT(w.writeback_times[0], wake + 1'000'000'000ULL);  // within 1 ms of the wake-up
  EXPECT_EQ(std::get<trace::DirtyState>(w.dirty.back().data).dirty_bytes, 0u);
}

// --- Durability and crashes
// ------------------------------------------------------------------------

TEST(StorageWrite, PowerLossBeforeWritebackLosesThePageCache) {
  RunSpec spec;
  spec.files = {file("log", 0)};
  spec.processes = {{"writer",
                     {open_for_writing("log"), write("log", 16 * kKiB, 64 * kKiB),
                      os::Sleep{sc_core::sc_time(1, sc_core::SC_SEC)}}}};
  spec.crash = os::CrashSpec{os::CrashKind::power, sc_core::sc_time(10, sc_core::SC_MS)};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_TRUE(w.crash.has_value());
  EXPECT_EQ(w.crash_at, 10ULL * 1'000'000'000ULL);
  EXPECT_EQ(w.crash->kind, "power");
  EXPECT_EQ(w.crash->lost_page_cache, 64 * kKiB);
  EXPECT_EQ(w.crash->lost_application, 0u);
  EXPECT_EQ(w.crash->lost_disk_cache, 0u);
  EXPECT_EQ(w.crash->durable_lost, 0u);
  ASSERT_EQ(w.losses.size(), 1u);
  EXPECT_EQ(w.losses[0].layer, "page_cache");
  EXPECT_EQ(w.losses[0].offset, 0u);
  EXPECT_EQ(w.losses[0].bytes, 64 * kKiB);
}

TEST(StorageWrite, FsyncedDataSurvivesAndLaterWritesAreLost) {
  // 64 KiB, fsync, then 16 KiB more: a power loss afterwards loses exactly the last 16 KiB,
  // from offset 64 KiB, in the page cache; every byte reported durable survives.
  RunSpec spec;
  spec.files = {file("log", 0)};
  spec.processes = {
      {"writer",
       {open_for_writing("log"), write("log", 16 * kKiB, 64 * kKiB), sync("log"),
        write("log", 16 * kKiB, 16 * kKiB), os::Sleep{sc_core::sc_time(1, sc_core::SC_SEC)}}}};
  spec.crash = os::CrashSpec{os::CrashKind::power, sc_core::sc_time(500, sc_core::SC_MS)};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_TRUE(w.crash.has_value());
  ASSERT_EQ(w.durable.size(), 1u);
  EXPECT_EQ(w.durable[0].how, "fsync");
  EXPECT_EQ(w.durable[0].bytes, 64 * kKiB);
  EXPECT_EQ(w.crash->durable_bytes, 64 * kKiB);
  EXPECT_EQ(w.crash->durable_lost, 0u);
  EXPECT_EQ(lost_total(*w.crash), 16 * kKiB);
  EXPECT_EQ(w.crash->lost_page_cache, 16 * kKiB);
  ASSERT_EQ(w.losses.size(), 1u);
  EXPECT_EQ(w.losses[0].offset, 64 * kKiB);
  EXPECT_EQ(w.losses[0].bytes, 16 * kKiB);
  // fsync wrote the data (one request) and the journal block.
  ASSERT_EQ(w.writebacks.size(), 2u);
  EXPECT_EQ(w.writebacks[0].reason, "sync");
  EXPECT_EQ(w.writebacks[1].reason, "journal");
}

TEST(StorageWrite, FdatasyncSkipsTheJournalWhenTheSizeDidNotChange) {
  // Overwriting existing bytes: fdatasync needs no metadata; fsync writes the journal block.
  RunSpec spec;
  spec.files = {file("db", 64 * kKiB)};
  spec.processes = {{"writer",
                     {open_for_writing("db"), write("db", 16 * kKiB, 16 * kKiB),
                      sync("db", os::SyncKind::fdatasync), write("db", 16 * kKiB, 16 * kKiB),
                      sync("db", os::SyncKind::fsync)}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  std::vector<std::string> reasons;
  for (const trace::Writeback& b : w.writebacks) reasons.push_back(b.reason);
  EXPECT_EQ(reasons, (std::vector<std::string>{"sync", "sync", "journal"}));
  ASSERT_EQ(w.durable.size(), 2u);
  EXPECT_EQ(w.durable[0].how, "fdatasync");
  EXPECT_EQ(w.mismatched, 0u);
}

TEST(StorageWrite, SyncFileRangeWritesButClaimsNothing) {
  RunSpec spec;
  spec.files = {file("log", 0)};
  spec.processes = {{"writer",
                     {open_for_writing("log"), write("log", 16 * kKiB, 32 * kKiB),
                      sync("log", os::SyncKind::sync_file_range)}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_EQ(w.writebacks.size(), 1u);
  EXPECT_EQ(w.writebacks[0].reason, "sync");
  EXPECT_TRUE(w.durable.empty());
  EXPECT_EQ(std::get<trace::DirtyState>(w.dirty.back().data).dirty_bytes, 0u);
}

/// 1 MiB written, sync_file_range, then the power fails at once: on `write_cache` of the
/// textbook HDD, whose media (51 MB/s) are slower than the host's DMA into its cache.
RunSpec sync_file_range_then_power_loss(const std::string& write_cache) {
  RunSpec spec;
  spec.params.disk.write_cache = write_cache;
  spec.files = {file("data.bin", 0)};
  spec.processes = {
      {"app",
       {open_for_writing("data.bin"), write("data.bin", 64 * kKiB, 1ULL << 20),
        sync("data.bin", os::SyncKind::sync_file_range), os::Crash{os::CrashKind::power}}}};
  return spec;
}

TEST(StorageWrite, WriteBackCacheLosesAcknowledgedWritesWithoutAFlush) {
  const Writes w = run(sync_file_range_then_power_loss("write_back"));
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_TRUE(w.crash.has_value());
  EXPECT_EQ(w.crash->lost_page_cache, 0u);        // every page reached the disk ...
  EXPECT_GT(w.crash->lost_disk_cache, 0u);        // ... but not all of it the media
  EXPECT_EQ(w.crash->lost_disk_cache % 512, 0u);  // whole sectors
  for (const trace::Loss& l : w.losses) EXPECT_EQ(l.layer, "disk_cache");
}

TEST(StorageWrite, WriteThroughLosesNothingAcknowledged) {
  const Writes w = run(sync_file_range_then_power_loss("write_through"));
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_TRUE(w.crash.has_value());
  EXPECT_EQ(lost_total(*w.crash), 0u);
}

TEST(StorageWrite, FsyncOnAWriteBackCacheFlushesAndSurvivesPowerLoss) {
  RunSpec spec = sync_file_range_then_power_loss("write_back");
  spec.processes[0].program[2] = sync("data.bin", os::SyncKind::fsync);
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_TRUE(w.crash.has_value());
  EXPECT_EQ(lost_total(*w.crash), 0u);
  EXPECT_EQ(w.crash->durable_bytes, 1ULL << 20);
  EXPECT_EQ(w.crash->durable_lost, 0u);
}

TEST(StorageWrite, OSyncWritesAreDurableOneByOne) {
  os::OpenFlags flags;
  flags.sync = true;
  RunSpec spec;
  spec.files = {file("log", 0)};
  spec.processes = {{"writer",
                     {open_for_writing("log", flags), write("log", 4 * kKiB, 16 * kKiB),
                      os::Crash{os::CrashKind::power}}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_EQ(w.durable.size(), 4u);
  EXPECT_EQ(w.durable.back().how, "O_SYNC write");
  EXPECT_EQ(w.durable.back().bytes, 16 * kKiB);
  ASSERT_TRUE(w.crash.has_value());
  EXPECT_EQ(lost_total(*w.crash), 0u);
  EXPECT_EQ(w.crash->durable_bytes, 16 * kKiB);
  EXPECT_EQ(w.crash->durable_lost, 0u);
}

TEST(StorageWrite, ProcessCrashLosesOnlyTheCLibrarysBuffer) {
  // fwrite of 10 000 bytes through a 4 KiB stdio buffer: two full buffers went out by write(),
  // 1808 bytes were still in the process when it died. The page cache keeps the rest.
  RunSpec spec;
  spec.files = {file("out.txt", 0)};
  os::StdioWrite fw;
  fw.path = "out.txt";
  fw.chunk = ByteSize(1000);
  fw.bytes = ByteSize(10000);
  spec.processes = {{"app", {open_for_writing("out.txt"), fw, os::Crash{os::CrashKind::process}}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_TRUE(w.crash.has_value());
  EXPECT_EQ(w.crash->lost_application, 10000u - 8192u);
  EXPECT_EQ(w.crash->lost_page_cache, 0u);
  ASSERT_EQ(w.losses.size(), 1u);
  EXPECT_EQ(w.losses[0].layer, "application");
  EXPECT_EQ(w.losses[0].offset, 8192u);
  std::uint64_t writes = 0;
  for (const trace::Syscall& s : w.syscalls) writes += s.name == "write";
  EXPECT_EQ(writes, 2u);
}

TEST(StorageWrite, KernelCrashLosesTheCLibrarysBufferAndThePageCache) {
  RunSpec spec;
  spec.files = {file("out.txt", 0)};
  os::StdioWrite fw;
  fw.path = "out.txt";
  fw.chunk = ByteSize(1000);
  fw.bytes = ByteSize(10000);
  spec.processes = {{"app", {open_for_writing("out.txt"), fw, os::Crash{os::CrashKind::kernel}}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_TRUE(w.crash.has_value());
  EXPECT_EQ(w.crash->lost_application, 10000u - 8192u);
  EXPECT_EQ(w.crash->lost_page_cache, 8192u);
}

TEST(StorageWrite, ExitFlushesTheCLibrarysBuffer) {
  RunSpec spec;
  spec.files = {file("out.txt", 0)};
  os::StdioWrite fw;
  fw.path = "out.txt";
  fw.chunk = ByteSize(1000);
  fw.bytes = ByteSize(10000);
  spec.processes = {{"app", {open_for_writing("out.txt"), fw}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  std::vector<std::int64_t> writes;
  for (const trace::Syscall& s : w.syscalls) {
    if (s.name == "write") writes.push_back(s.result);
  }
  EXPECT_EQ(writes, (std::vector<std::int64_t>{4096, 4096, 10000 - 8192}));
  EXPECT_EQ(w.mismatched, 0u);
}

// --- O_DIRECT
// -------------------------------------------------------------------------------------

TEST(StorageWrite, DirectWriteBypassesThePageCache) {
  os::OpenFlags flags;
  flags.direct = true;
  RunSpec spec;
  spec.files = {file("db", 0)};
  os::FileRead back;
  back.path = "db";
  back.chunk = ByteSize(64 * kKiB);
  spec.processes = {{"db",
                     {open_for_writing("db", flags), write("db", 64 * kKiB, 64 * kKiB),
                      os::FileSeek{"db", ByteSize(0)}, back}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  EXPECT_EQ(w.copy_bytes.count("cpu:db.buf->page_cache"), 0u);
  EXPECT_EQ(w.copy_bytes.at("dma:db.buf->disk0.buffer"), 64 * kKiB);
  EXPECT_EQ(w.copy_bytes.at("dma:disk0.buffer->db.buf"), 64 * kKiB);
  EXPECT_TRUE(w.dirty.empty() ||
              std::get<trace::DirtyState>(w.dirty.back().data).dirty_bytes == 0u);
  EXPECT_EQ(w.mismatched, 0u);
  EXPECT_GE(w.verified, 2 * 64 * kKiB);
}

TEST(StorageWrite, MisalignedDirectWriteFailsWithEinval) {
  os::OpenFlags flags;
  flags.direct = true;
  RunSpec spec;
  spec.files = {file("db", 0)};
  spec.processes = {{"db", {open_for_writing("db", flags), write("db", 1000, 1000)}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_EQ(w.syscalls.size(), 2u);
  EXPECT_EQ(w.syscalls[1].name, "write");
  EXPECT_EQ(w.syscalls[1].result, -1);
  EXPECT_EQ(w.syscalls[1].error, "EINVAL");
}

TEST(StorageWrite, DirectWriteOverCachedDirtyPagesWritesThemBackFirst) {
  // A buffered write dirties the first 16 KiB, then a direct write of the same range by a second
  // description: the kernel writes the dirty pages back, drops them, then writes directly; a
  // buffered read after that sees the direct write's bytes (read from the disk again).
  os::OpenFlags direct;
  direct.direct = true;
  RunSpec spec;
  spec.files = {file("db", 64 * kKiB)};
  os::FileRead back;
  back.path = "db";
  back.chunk = ByteSize(16 * kKiB);
  back.bytes = ByteSize(16 * kKiB);
  spec.processes = {
      {"one",
       {open_for_writing("db"), write("db", 16 * kKiB, 16 * kKiB), open_for_writing("db", direct),
        write("db", 16 * kKiB, 16 * kKiB), os::FileOpen{"db"}, back}}};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  std::vector<std::string> reasons;
  for (const trace::Writeback& b : w.writebacks) reasons.push_back(b.reason);
  EXPECT_EQ(reasons, (std::vector<std::string>{"invalidate", "direct"}));
  EXPECT_EQ(w.mismatched, 0u);
}

// --- The property: nothing reported durable is ever lost
// -------------------------------------------

/// Runs `spec` in a forked child; returns "durable_bytes durable_lost lost disk_cache_lost" of
/// its crash, or
/// an empty string when it had none.
std::string crash_in_child(const RunSpec& spec) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const Writes w = run(spec);
    std::string line;
    if (w.completed && w.crash) {
      line = std::to_string(w.crash->durable_bytes) + " " + std::to_string(w.crash->durable_lost) +
             " " + std::to_string(lost_total(*w.crash)) + " " +
             std::to_string(w.crash->lost_disk_cache);
    }
    if (::write(fds[1], line.data(), line.size()) < 0) _exit(1);
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

TEST(StorageWrite, RandomCrashTimesNeverLoseDurableBytes) {
  // Ten rounds of 32 KiB written then fsync'ed, on an SSD with a write-back cache; power lost at
  // times drawn from a fixed generator over the whole run. Whatever the time, durable_lost is 0;
  // some runs lose bytes (the property is not vacuous) and some have durable bytes to check.
  RunSpec base;
  base.params.disk.write_cache = "write_back";
  base.files = {file("log", 0)};
  std::vector<os::Operation> program = {open_for_writing("log")};
  for (int round = 0; round < 10; ++round) {
    program.push_back(write("log", 8 * kKiB, 32 * kKiB));
    program.push_back(sync("log"));
  }
  program.push_back(os::Sleep{sc_core::sc_time(1, sc_core::SC_SEC)});
  base.processes = {{"writer", program}};
  std::uint64_t x = 12345, with_losses = 0, with_durable = 0;
  std::uint64_t with_disk_cache_losses = 0;
  for (int trial = 0; trial < 16; ++trial) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    RunSpec spec = base;
    const Picoseconds at = 1'000'000ULL + (x >> 16) % 200'000'000'000ULL;  // 1 us .. 200 ms
    spec.crash = os::CrashSpec{os::CrashKind::power, from_ps(at)};
    const std::string result = crash_in_child(spec);
    ASSERT_FALSE(result.empty()) << "crash at " << at << " ps";
    std::uint64_t durable = 0, durable_lost = 0, lost = 0, disk_cache = 0;
    ASSERT_EQ(
        std::sscanf(result.c_str(), "%lu %lu %lu %lu", &durable, &durable_lost, &lost, &disk_cache),
        4);
    with_disk_cache_losses += disk_cache > 0;
    EXPECT_EQ(durable_lost, 0u) << "crash at " << at << " ps";
    with_losses += lost > 0;
    with_durable += durable > 0;
  }
  EXPECT_GT(with_losses, 0u);
  EXPECT_GT(with_durable, 0u);
  EXPECT_GT(with_disk_cache_losses, 0u);  // some crashes hit data acknowledged, not yet flushed
}

// --- io_uring
// ----------------------------------------------------------------------------------------

/// 2 MiB read with O_DIRECT in 128 KiB chunks, 1 ms of work after each: through io_uring with
/// `depth` reads in flight, or (depth 0) with read() one chunk at a time.
RunSpec scan(std::uint64_t depth) {
  RunSpec spec;
  spec.params.disk.kind = "ssd";
  spec.files = {file("table.dat", 2ULL << 20)};
  os::OpenFlags direct;
  direct.direct = true;
  std::vector<os::Operation> program = {os::FileOpen{"table.dat", direct}};
  const sc_core::sc_time work(1, sc_core::SC_MS);
  if (depth > 0) {
    os::UringRead u;
    u.path = "table.dat";
    u.chunk = ByteSize(128 * kKiB);
    u.depth = depth;
    u.compute = work;
    program.push_back(u);
  } else {
    os::FileRead r;
    r.path = "table.dat";
    r.chunk = ByteSize(128 * kKiB);
    r.bytes = ByteSize(128 * kKiB);
    os::Repeat loop;
    loop.count = 16;
    loop.body = {r, os::Compute{work, false}};
    program.push_back(loop);
  }
  spec.processes = {{"scanner", program}};
  return spec;
}

TEST(StorageUring, ReadsEveryByteByDmaIntoTheSlotsWithFewSystemCalls) {
  const Writes w = run(scan(4));
  ASSERT_TRUE(w.completed) << w.error;
  EXPECT_EQ(w.verified, 2ULL << 20);
  EXPECT_EQ(w.mismatched, 0u);
  EXPECT_EQ(w.copy_bytes.at("dma:disk0.buffer->scanner.buf"), 2ULL << 20);
  EXPECT_EQ(w.copy_bytes.count("cpu:page_cache->scanner.buf"), 0u);
  std::uint64_t setup = 0, enter = 0, submitted = 0;
  for (const trace::Syscall& s : w.syscalls) {
    setup += s.name == "io_uring_setup";
    if (s.name == "io_uring_enter") {
      ++enter;
      submitted += static_cast<std::uint64_t>(s.result);
    }
  }
  EXPECT_EQ(setup, 1u);
  EXPECT_EQ(submitted, 16u);  // every read submitted exactly once
  // At most one call to submit and one to wait per chunk (read() would take 16 plus no waits).
  EXPECT_LE(enter, 2u * 16u);
}

/// Runs `spec` in a child; returns its simulated end time, or 0.
Picoseconds end_in_child(const RunSpec& spec) {
  int fds[2];
  if (pipe(fds) != 0) return 0;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const Writes w = run(spec);
    const Picoseconds end = w.completed && w.mismatched == 0 ? w.end : 0;
    if (::write(fds[1], &end, sizeof end) != sizeof end) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  Picoseconds end = 0;
  if (read(fds[0], &end, sizeof end) != sizeof end) end = 0;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return end;
}

TEST(StorageUring, TransfersOverlapTheComputation) {
  // Synchronously every chunk costs its transfer plus 1 ms of work; with reads in flight the
  // work of one chunk runs during the transfer of the next, so most of the 16 ms of work hide.
  const Picoseconds sync = end_in_child(scan(0));
  const Picoseconds one = end_in_child(scan(1));
  const Picoseconds four = end_in_child(scan(4));
  ASSERT_GT(sync, 0u);
  ASSERT_GT(one, 0u);
  ASSERT_GT(four, 0u);
  const Picoseconds ms = 1'000'000'000ULL;
  EXPECT_LT(four + 8 * ms, sync);  // at least half of the work overlapped
  EXPECT_LT(four + 8 * ms, one);   // depth 1: nothing in flight while computing
}

TEST(StorageUring, NeedsODirect) {
  RunSpec spec = scan(4);
  spec.processes[0].program[0] = os::FileOpen{"table.dat"};
  const Writes w = run(spec);
  ASSERT_TRUE(w.completed) << w.error;
  ASSERT_GE(w.syscalls.size(), 2u);
  EXPECT_EQ(w.syscalls[1].name, "io_uring_setup");
  EXPECT_EQ(w.syscalls[1].error, "EINVAL");
}

}  // namespace
}  // namespace iosim
