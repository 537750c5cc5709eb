// Pipes, splice() and tee() (models/os/net.cpp): references move, bytes do not; a card without
// scatter-gather makes the CPU copy; a pipe holds kernel.pipe_buffers pages; tee() sends the
// same pages twice. Every byte is checked at the peer (metrics "verified").
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/run.h"
#include "sim/scenario.h"

namespace iosim {
namespace {

const std::string kZeroCopy = std::string(IOSIM_SOURCE_DIR) + "/scenarios/zero-copy/";

std::int64_t count(const sim::RunResult& r, const std::string& metric) {
  return std::get<std::int64_t>(r.metrics.at(metric));
}

std::vector<trace::Descriptor> descriptors(const sim::RunResult& r) {
  std::vector<trace::Descriptor> out;
  for (const trace::Record& record : r.records)
    if (const auto* d = std::get_if<trace::Descriptor>(&record.data)) out.push_back(*d);
  return out;
}

std::vector<trace::Syscall> calls(const sim::RunResult& r, const std::string& name) {
  std::vector<trace::Syscall> out;
  for (const trace::Record& record : r.records)
    if (const auto* s = std::get_if<trace::Syscall>(&record.data); s && s->name == name)
      out.push_back(*s);
  return out;
}

TEST(Splice, WithScatterGatherNoByteIsCopiedByTheCpu) {
  const sim::RunResult r = sim::run_scenario(sim::load_scenario_file(kZeroCopy + "splice.yaml"));
  ASSERT_TRUE(r.problems().empty()) << r.problems().front();
  EXPECT_EQ(count(r, "copies.cpu"), 0);
  EXPECT_EQ(count(r, "copies.dma"), 2);  // disk -> page cache, page cache -> NIC
  const std::vector<trace::Descriptor> refs = descriptors(r);
  ASSERT_EQ(refs.size(), 2U);
  EXPECT_EQ(refs[0].from, "page_cache");  // splice(file -> pipe)
  EXPECT_EQ(refs[0].to, "pipe");
  EXPECT_EQ(refs[0].fragments, 4U);  // 16 KiB: four page references
  EXPECT_EQ(refs[1].from, "pipe");   // splice(pipe -> socket): the same pages as fragments
  EXPECT_EQ(refs[1].to, "socket_buffer");
  EXPECT_EQ(refs[1].bytes, 16U * 1024);
  const std::vector<trace::Syscall> splices = calls(r, "splice");
  ASSERT_EQ(splices.size(), 2U);
  EXPECT_EQ(splices[0].result, 16 * 1024);
  EXPECT_EQ(splices[1].result, 16 * 1024);
}

TEST(Splice, WithoutScatterGatherTheCpuCopiesIntoTheSocket) {
  const sim::RunResult r = sim::run_scenario(sim::load_scenario_file(
      kZeroCopy + "splice.yaml", {sim::parse_override("scatter_gather=false")}));
  EXPECT_EQ(r.metrics.at("verified"), sim::MetricValue(true));
  EXPECT_EQ(count(r, "copies.cpu"), 1);
  EXPECT_EQ(count(r, "copies.total"), 3);
  const std::vector<trace::Descriptor> refs = descriptors(r);
  ASSERT_EQ(refs.size(), 1U) << "only the pipe's page references";
  EXPECT_EQ(refs[0].to, "pipe");
  bool cpu_copy_to_socket = false;
  for (const trace::Record& record : r.records) {
    const auto* c = std::get_if<trace::Copy>(&record.data);
    if (c != nullptr && c->engine == trace::Engine::cpu) {
      EXPECT_EQ(c->from, "page_cache");
      EXPECT_EQ(c->to, "socket_buffer");
      cpu_copy_to_socket = true;
    }
  }
  EXPECT_TRUE(cpu_copy_to_socket);
}

TEST(Splice, APipeHoldsPipeBuffersPages) {
  // 128 KiB asked for; a pipe of 16 slots takes 64 KiB (whole pages from offset 0), then is
  // full; draining it sends those 64 KiB, and the file position moved by 64 KiB only.
  const sim::Scenario s = sim::parse_scenario(R"(
title: A full pipe
platform: { nic: { scatter_gather: true } }
files:
  - { path: big.bin, size: 128KiB, seed: 3 }
processes:
  - name: server
    setup:
      - open: { file: big.bin }
      - connect: { socket: sock }
      - pipe: { name: p }
    program:
      - splice: { from: big.bin, to: p, bytes: 128KiB }
      - splice: { from: big.bin, to: p, bytes: 4KiB }
      - splice: { from: p, to: sock, bytes: 128KiB }
      - splice: { from: big.bin, to: p, bytes: 128KiB }
      - splice: { from: p, to: sock, bytes: 128KiB }
)",
                                              "full-pipe.yaml");
  ASSERT_EQ(s.params.kernel.pipe_buffers, 16U);
  const sim::RunResult r = sim::run_scenario(s);
  ASSERT_TRUE(r.problems().empty()) << r.problems().front();
  const std::vector<trace::Syscall> splices = calls(r, "splice");
  ASSERT_EQ(splices.size(), 5U);
  EXPECT_EQ(splices[0].result, 64 * 1024);  // 16 pages
  EXPECT_EQ(splices[1].result, 0);          // full
  EXPECT_EQ(splices[2].result, 64 * 1024);
  EXPECT_EQ(splices[3].result, 64 * 1024);  // the second half of the file
  EXPECT_EQ(splices[4].result, 64 * 1024);
  EXPECT_EQ(count(r, "network.bytes"), 128 * 1024);
  EXPECT_EQ(r.metrics.at("verified"), sim::MetricValue(true));
}

TEST(Tee, TwoClientsGetTheSameBytesFromOneDiskRead) {
  const sim::RunResult r =
      sim::run_scenario(sim::load_scenario_file(kZeroCopy + "splice-tee.yaml"));
  ASSERT_TRUE(r.problems().empty()) << r.problems().front();
  EXPECT_EQ(count(r, "network.bytes"), 2 * 64 * 1024);
  EXPECT_EQ(count(r, "bytes.verified"), 2 * 64 * 1024);
  EXPECT_EQ(count(r, "copies.cpu"), 0);
  // The disk is read once: read-ahead brings exactly the file; the 16 page look-ups of the
  // four file -> pipe calls find 4 missing (the first call's) and 12 brought in ahead.
  EXPECT_EQ(count(r, "readahead.bytes"), 64 * 1024);
  EXPECT_EQ(count(r, "page_cache.misses") + count(r, "page_cache.hits"), 16);
  std::size_t tees = 0;
  for (const trace::Descriptor& d : descriptors(r)) tees += d.from == "pipe" && d.to == "pipe";
  EXPECT_EQ(tees, 4U);
}

}  // namespace
}  // namespace iosim
