// The zero-copy scenarios beyond one buffer (issue: "scaled counts for multi-chunk transfers";
// "CPU time ordering for a large warm-cache transfer ... with the link, not the CPU, limiting
// the zero-copy paths at 10 GbE"). Each comparison runs the four paths as users do, through
// `iosim compare --json` (one simulation per process, as SystemC wants).
#include <sys/wait.h>

#include <cstdio>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

const std::string kBinary = IOSIM_BINARY;
const std::string kSource = IOSIM_SOURCE_DIR;

using Rows = std::map<std::string, nlohmann::json>;  // scenario -> its metrics

/// `iosim compare --json` of the four zero-copy scenarios in `dir` (under scenarios/) with `sets`
/// (--set arguments). `own_expectations`: each must pass its own expect: section.
Rows compare_zero_copy(const std::string& dir, const std::string& sets, bool own_expectations) {
  std::string command = kBinary + " compare --json";
  for (const char* name : {"read-write", "mmap-write", "sendfile", "sendfile-sg"})
    command += " " + kSource + "/scenarios/" + dir + "/" + name + ".yaml";
  command += " " + sets + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string out;
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  // 1: the scenarios' own expectations (one buffer, cold) do not hold for these settings.
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) <= 1) << command;
  Rows rows;
  for (const nlohmann::json& row : nlohmann::json::parse(out)) {
    EXPECT_EQ(row["metrics"]["completed"], true) << row["scenario"];
    EXPECT_EQ(row["metrics"]["verified"], true) << row["scenario"];
    if (own_expectations) EXPECT_EQ(row["exit_status"], 0) << row["scenario"];
    rows[row["scenario"].get<std::string>()] = row["metrics"];
  }
  return rows;
}

std::int64_t count(const Rows& rows, const std::string& scenario, const std::string& metric) {
  return rows.at(scenario).at(metric).get<std::int64_t>();
}

TEST(ZeroCopyScaling, CountsScaleWithTheNumberOfCalls) {
  // 64 KiB in 16 KiB calls, warm cache (no disk copies): every figure of the seeds' table for
  // one buffer, times the four calls; mmap() is one call whatever the size.
  constexpr std::int64_t calls = 4;
  const Rows rows = compare_zero_copy(
      "zero-copy", "--set file_size=64KiB --set buffer_size=16KiB --set cache=warm", false);
  ASSERT_EQ(rows.size(), 4U);

  EXPECT_EQ(count(rows, "read-write", "copies.cpu"), 2 * calls);  // copy-2, copy-3
  EXPECT_EQ(count(rows, "read-write", "copies.dma"), calls);      // copy-4: NIC
  EXPECT_EQ(count(rows, "read-write", "mode_switches.syscall"), 4 * calls);
  EXPECT_EQ(count(rows, "read-write", "syscalls"), 2 * calls);

  EXPECT_EQ(count(rows, "mmap-write", "copies.cpu"), calls);
  EXPECT_EQ(count(rows, "mmap-write", "copies.dma"), calls);
  EXPECT_EQ(count(rows, "mmap-write", "mode_switches.syscall"), 2 * calls + 2);
  EXPECT_EQ(count(rows, "mmap-write", "syscalls"), calls + 1);

  EXPECT_EQ(count(rows, "sendfile", "copies.cpu"), calls);
  EXPECT_EQ(count(rows, "sendfile", "copies.dma"), calls);
  EXPECT_EQ(count(rows, "sendfile", "mode_switches.syscall"), 2 * calls);
  EXPECT_EQ(count(rows, "sendfile", "syscalls"), calls);

  EXPECT_EQ(count(rows, "sendfile-sg", "copies.cpu"), 0);
  EXPECT_EQ(count(rows, "sendfile-sg", "copies.dma"), calls);
  EXPECT_EQ(count(rows, "sendfile-sg", "descriptors"), calls);
  EXPECT_EQ(count(rows, "sendfile-sg", "mode_switches.syscall"), 2 * calls);
  EXPECT_EQ(count(rows, "sendfile-sg", "syscalls"), calls);

  for (const auto& [name, metrics] : rows) {
    EXPECT_EQ(metrics.at("network.bytes").get<std::int64_t>(), 64 * 1024) << name;
    EXPECT_EQ(metrics.at("page_cache.misses").get<std::int64_t>(), 0) << name;
  }
}

TEST(ZeroCopyScaling, LargeWarmTransferOrdersCpuTimeAndTheLinkLimits) {
  // scenarios/zero-copy/large: 16 MiB in 64 KiB calls from a warm cache on a 2024 server (a bus
  // far faster than the link), with a 512 KiB send buffer so that the sender is never the
  // bottleneck. Each passes its own expectations (counts for 256 calls, link busy >= 97%).
  const Rows rows = compare_zero_copy("zero-copy/large", "", true);
  ASSERT_EQ(rows.size(), 4U);
  auto cpu = [&rows](const std::string& name) { return count(rows, name, "cpu.busy_ps"); };
  EXPECT_GT(cpu("read-write"), cpu("mmap-write"));  // two CPU copies per chunk against one
  EXPECT_GT(cpu("mmap-write"), cpu("sendfile"));    // the same copy, plus the mapping's faults
  EXPECT_GT(cpu("sendfile"), cpu("sendfile-sg"));   // one copy against none
  // What scatter-gather saves is the CPU copy: 16 MiB at the preset's memcpy_bandwidth of
  // 10 GB/s, 1.678 ms, less the SG path's extra descriptor writes (one per page, not per skb).
  // Receiving the peer's ACKs costs both paths the same.
  constexpr double memcpy_ps = 16.0 * 1024 * 1024 / 10e9 * 1e12;
  const double saved = static_cast<double>(cpu("sendfile") - cpu("sendfile-sg"));
  EXPECT_GT(saved, 0.8 * memcpy_ps) << saved;
  EXPECT_LT(saved, memcpy_ps) << saved;

  // The wire time in closed form: 64 KiB TSO packets cut into frames of mtu - headers = 1460 B
  // of payload (45 frames each: 44 x 1460 + 1296), each frame with 40 B of IP/TCP headers,
  // 18 B of Ethernet header and FCS and 20 B of preamble and gap, at 10 Gb/s = 1.25 GB/s.
  constexpr std::int64_t packets = 16 * 1024 / 64;
  constexpr std::int64_t frames = packets * 45;
  constexpr std::int64_t wire_bytes = 16 * 1024 * 1024 + frames * (40 + 18 + 20);
  constexpr std::int64_t link_ps = wire_bytes * 800;  // 1 / 1.25 GB/s = 800 ps per byte
  for (const auto& [name, metrics] : rows) {
    const std::int64_t sim = metrics.at("sim_time_ps").get<std::int64_t>();
    EXPECT_EQ(metrics.at("device.nic0.link_ps").get<std::int64_t>(), link_ps) << name;
    // The link is busy at least 97% of the run: it, not the CPU, sets the pace.
    EXPECT_GE(link_ps * 100, sim * 97) << name << ": sim time " << sim;
    EXPECT_LT(metrics.at("cpu.busy_ps").get<std::int64_t>(), sim / 2) << name;
  }
}

}  // namespace
