// Memory mappings of files on the whole machine (models/os/mmap.cpp): minor and major faults,
// fault-around, copy-on-write of MAP_PRIVATE (the file stays unchanged), dirty pages through
// MAP_SHARED and msync, and the cost of mmap against read()'s copy, computed from the
// parameters (docs/models/kernel.md, "Memory mappings").
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

struct Mapped {
  bool completed = false;
  std::string error;
  Picoseconds end = 0;
  std::uint64_t verified = 0, mismatched = 0;
  std::vector<trace::PageFault> faults;
  std::map<std::string, std::uint64_t> copy_bytes;
  std::vector<trace::Syscall> syscalls;
  std::optional<trace::Crash> crash;
  std::vector<trace::Durable> durable;
};

Mapped run(const RunSpec& spec) {
  trace::VectorSink sink;
  const RunOutcome outcome = run_platform(spec, sink);
  std::stable_sort(
      sink.records.begin(), sink.records.end(),
      [](const trace::Record& a, const trace::Record& b) { return a.start < b.start; });
  Mapped m;
  m.completed = outcome.completed;
  m.error = outcome.error;
  m.end = outcome.end_time;
  for (const trace::Record& r : sink.records) {
    if (const auto* v = std::get_if<trace::Verification>(&r.data)) {
      m.verified += v->bytes;
      m.mismatched += v->mismatched;
    } else if (const auto* f = std::get_if<trace::PageFault>(&r.data)) {
      m.faults.push_back(*f);
    } else if (const auto* c = std::get_if<trace::Copy>(&r.data)) {
      m.copy_bytes[std::string(trace::to_string(c->engine)) + ":" + c->from + "->" + c->to] +=
          c->bytes;
    } else if (const auto* s = std::get_if<trace::Syscall>(&r.data)) {
      m.syscalls.push_back(*s);
    } else if (const auto* c = std::get_if<trace::Crash>(&r.data)) {
      m.crash = *c;
    } else if (const auto* d = std::get_if<trace::Durable>(&r.data)) {
      m.durable.push_back(*d);
    }
  }
  return m;
}

os::FileSpec file(const std::string& path, std::uint64_t bytes, bool warm) {
  os::FileSpec f;
  f.path = path;
  f.size = ByteSize(bytes);
  f.has_content_seed = true;
  f.content_seed = 9;
  f.warm = warm;
  return f;
}

os::MapRead load(const std::string& path, std::uint64_t offset, std::uint64_t bytes) {
  return os::MapRead{path, ByteSize(offset), ByteSize(bytes)};
}

os::MapWrite store(const std::string& path, std::uint64_t offset, std::uint64_t bytes) {
  return os::MapWrite{path, ByteSize(offset), ByteSize(bytes), ""};
}

std::map<std::string, std::uint64_t> kinds(const Mapped& m) {
  std::map<std::string, std::uint64_t> k;
  for (const trace::PageFault& f : m.faults) ++k[f.kind];
  return k;
}

TEST(StorageMmap, PrivateWritesAreCopiedAndTheFileStaysUnchanged) {
  // Two pages written through MAP_PRIVATE: two copy-on-write faults, each a 4 KiB CPU copy into
  // the process's own pages. Reading the mapping back sees the process's bytes; read() of the
  // file afterwards checks every byte against the file as created: unchanged.
  RunSpec spec;
  spec.files = {file("db", 64 * kKiB, true)};
  os::FileRead after;
  after.path = "db";
  after.chunk = ByteSize(64 * kKiB);
  spec.processes = {{"app",
                     {os::FileOpen{"db"}, os::MmapFile{"db", os::MapKind::private_copy},
                      store("db", 0, 8 * kKiB), load("db", 0, 16 * kKiB), after}}};
  const Mapped m = run(spec);
  ASSERT_TRUE(m.completed) << m.error;
  ASSERT_EQ(m.faults.size(), 3u);
  EXPECT_EQ(m.faults[0].kind, "cow");
  EXPECT_EQ(m.faults[1].kind, "cow");
  EXPECT_EQ(m.faults[2].kind, "minor");  // page 2: fault-around maps the other 14 cached pages
  EXPECT_EQ(m.faults[2].mapped, 14u);
  EXPECT_EQ(m.copy_bytes.at("cpu:page_cache->app.anon"), 2 * kPage);
  EXPECT_EQ(m.mismatched, 0u);
  EXPECT_EQ(m.verified, 16 * kKiB + 64 * kKiB);
}

TEST(StorageMmap, ColdMappingFaultsMajorThenMinor) {
  RunSpec spec;
  spec.files = {file("big", 256 * kKiB, false)};
  spec.processes = {{"app",
                     {os::FileOpen{"big"}, os::MmapFile{"big", os::MapKind::shared},
                      load("big", 0, 256 * kKiB)}}};
  const Mapped m = run(spec);
  ASSERT_TRUE(m.completed) << m.error;
  const auto k = kinds(m);
  EXPECT_GE(k.count("major") ? k.at("major") : 0u, 1u);
  EXPECT_GE(k.count("minor") ? k.at("minor") : 0u, 1u);
  EXPECT_EQ(k.count("cow"), 0u);
  // Fault-around: far fewer faults than pages (64).
  EXPECT_LE(m.faults.size(), 64u / 16u + (k.count("major") ? k.at("major") : 0u));
  EXPECT_EQ(m.verified, 256 * kKiB);
  EXPECT_EQ(m.mismatched, 0u);
  EXPECT_EQ(m.copy_bytes.count("cpu:page_cache->app.buf"), 0u);  // no copy: loads from the cache
}

RunSpec shared_store(bool sync) {
  RunSpec spec;
  spec.params.disk.write_cache = "write_back";
  spec.files = {file("db", 64 * kKiB, true)};
  os::OpenFlags rw;
  rw.write = true;
  std::vector<os::Operation> program = {
      os::FileOpen{"db", rw}, os::MmapFile{"db", os::MapKind::shared}, store("db", 0, 8 * kKiB)};
  if (sync) program.push_back(os::Msync{"db"});
  program.push_back(os::Crash{os::CrashKind::power});
  spec.processes = {{"app", program}};
  return spec;
}

TEST(StorageMmap, SharedStoresDirtyThePageCacheAndArLostWithoutMsync) {
  const Mapped m = run(shared_store(false));
  ASSERT_TRUE(m.completed) << m.error;
  const auto k = kinds(m);
  EXPECT_EQ(k.at("minor"), 2u);  // two write faults on cached pages: made writable and dirty
  ASSERT_TRUE(m.crash.has_value());
  EXPECT_EQ(m.crash->lost_page_cache, 8 * kKiB);
}

TEST(StorageMmap, MsyncMakesSharedStoresDurable) {
  const Mapped m = run(shared_store(true));
  ASSERT_TRUE(m.completed) << m.error;
  ASSERT_TRUE(m.crash.has_value());
  EXPECT_EQ(m.crash->lost_page_cache + m.crash->lost_disk_cache, 0u);
  ASSERT_EQ(m.durable.size(), 1u);
  EXPECT_EQ(m.durable[0].how, "msync");
  EXPECT_EQ(m.crash->durable_bytes, 8 * kKiB);
  EXPECT_EQ(m.crash->durable_lost, 0u);
}

TEST(StorageMmap, AStoreAfterWritebackFaultsAgainToRedirtyThePage) {
  RunSpec spec = shared_store(true);
  spec.processes[0].program.back() = store("db", 0, 100);  // instead of the crash
  const Mapped m = run(spec);
  ASSERT_TRUE(m.completed) << m.error;
  std::uint64_t on_page0 = 0;
  for (const trace::PageFault& f : m.faults) on_page0 += f.page == 0;
  EXPECT_EQ(on_page0, 2u);  // the first store, and the one after msync cleaned the page
  EXPECT_EQ(m.mismatched, 0u);
}

/// Simulated time of `spec` in a child (SystemC elaborates once per process); 0 on failure.
Picoseconds end_in_child(const RunSpec& spec) {
  int fds[2];
  if (pipe(fds) != 0) return 0;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const Mapped m = run(spec);
    const Picoseconds end = m.completed && m.mismatched == 0 ? m.end : 0;
    if (write(fds[1], &end, sizeof end) != sizeof end) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  Picoseconds end = 0;
  if (read(fds[0], &end, sizeof end) != sizeof end) end = 0;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return end;
}

RunSpec by_mmap(std::uint64_t bytes) {
  RunSpec spec;
  spec.files = {file("f", bytes, true)};
  spec.processes = {{"app",
                     {os::FileOpen{"f"}, os::MmapFile{"f", os::MapKind::shared},
                      load("f", 0, bytes), os::Munmap{"f"}}}};
  return spec;
}

RunSpec by_read(std::uint64_t bytes) {
  RunSpec spec;
  spec.files = {file("f", bytes, true)};
  os::FileRead r;
  r.path = "f";
  r.chunk = ByteSize(bytes);
  spec.processes = {{"app", {os::FileOpen{"f"}, r}}};
  return spec;
}

TEST(StorageMmap, OnePageCostsTheMappingItsFaultAndTheUnmapInClosedForm) {
  const RunSpec spec = by_mmap(kPage);
  const Mapped m = run(spec);
  ASSERT_TRUE(m.completed) << m.error;
  const PlatformParams& p = spec.params;
  const Picoseconds entry = to_ps(p.cpu.syscall_entry), exit = to_ps(p.cpu.syscall_exit);
  const Picoseconds expected =
      to_ps(p.cpu.context_switch) + (entry + to_ps(p.kernel.file_syscall_work) + exit)  // open
      + (entry + to_ps(p.kernel.mmap_work) + exit)                                      // mmap
      + (entry + to_ps(p.kernel.page_fault_work) + to_ps(p.kernel.pte_work) + exit)     // fault
      + (entry + to_ps(p.kernel.munmap_work) + exit);                                   // munmap
  EXPECT_EQ(m.end, expected);
}

TEST(StorageMmap, MmapLosesToReadForOnePageAndWinsForAMebibyte) {
  // read() pays a copy per byte; mmap pays the mapping, one fault per fault-around window and
  // the unmap. For one page the fixed costs dominate; for 1 MiB the copy does.
  const Picoseconds mmap_small = end_in_child(by_mmap(kPage));
  const Picoseconds read_small = end_in_child(by_read(kPage));
  const Picoseconds mmap_large = end_in_child(by_mmap(1ULL << 20));
  const Picoseconds read_large = end_in_child(by_read(1ULL << 20));
  ASSERT_GT(mmap_small * read_small * mmap_large * read_large, 0u);
  EXPECT_GT(mmap_small, read_small);
  EXPECT_LT(mmap_large, read_large);
}

}  // namespace
}  // namespace iosim
