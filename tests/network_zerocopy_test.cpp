// send() with MSG_ZEROCOPY (models/os/net.cpp): the NIC gathers from the pinned user buffer, no
// copy into the socket buffer; the process waits for the completion notification before it
// reuses the buffer; without scatter-gather the kernel copies after all. Every byte is checked
// at the peer (metrics "verified").
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

std::vector<std::string> call_names(const sim::RunResult& r) {
  std::vector<std::string> out;
  for (const trace::Record& record : r.records)
    if (const auto* s = std::get_if<trace::Syscall>(&record.data); s && record.step != "setup")
      out.push_back(s->name);
  return out;
}

TEST(MsgZerocopy, OneBufferIsThreeCopiesOneByTheCpu) {
  const sim::RunResult r =
      sim::run_scenario(sim::load_scenario_file(kZeroCopy + "msg-zerocopy.yaml"));
  ASSERT_TRUE(r.problems().empty()) << r.problems().front();
  EXPECT_EQ(count(r, "copies.total"), 3);
  EXPECT_EQ(count(r, "copies.cpu"), 1);  // read()'s page cache -> buf
  bool gathered_from_buffer = false;
  for (const trace::Record& record : r.records) {
    const auto* c = std::get_if<trace::Copy>(&record.data);
    if (c == nullptr) continue;
    EXPECT_NE(c->to, "socket_buffer") << "no copy into the socket buffer";
    if (c->engine == trace::Engine::dma && c->from == "server.buf" && c->to == "nic0") {
      gathered_from_buffer = true;  // the NIC's DMA reads the pinned user pages
    }
  }
  EXPECT_TRUE(gathered_from_buffer);
  EXPECT_EQ(call_names(r), (std::vector<std::string>{"read", "sendmsg", "poll", "recvmsg"}));
  EXPECT_EQ(r.metrics.at("verified"), sim::MetricValue(true));
}

TEST(MsgZerocopy, EveryChunkWaitsForItsNotificationBeforeTheBufferIsReused) {
  // 64 KiB in 16 KiB chunks through one buffer: four read / sendmsg / [poll] / recvmsg rounds;
  // the peer checks every byte, which it could not if a read() refilled the buffer before the
  // NIC had gathered it.
  const sim::RunResult r = sim::run_scenario(sim::load_scenario_file(
      kZeroCopy + "msg-zerocopy.yaml", {sim::parse_override("file_size=64KiB")}));
  EXPECT_EQ(r.metrics.at("verified"), sim::MetricValue(true));
  EXPECT_EQ(count(r, "network.bytes"), 64 * 1024);
  EXPECT_EQ(count(r, "bytes.verified") >= 64 * 1024, true);
  std::size_t sends = 0, notifications = 0;
  for (const std::string& name : call_names(r)) {
    sends += name == "sendmsg";
    notifications += name == "recvmsg";
  }
  EXPECT_EQ(sends, 4U);
  EXPECT_EQ(notifications, 4U);
}

TEST(MsgZerocopy, WithoutScatterGatherTheKernelCopies) {
  const sim::RunResult r = sim::run_scenario(sim::load_scenario_file(
      kZeroCopy + "msg-zerocopy.yaml", {sim::parse_override("scatter_gather=false")}));
  EXPECT_EQ(r.metrics.at("verified"), sim::MetricValue(true));
  EXPECT_EQ(count(r, "copies.cpu"), 2);  // read()'s, and the fallback into the socket buffer
  EXPECT_EQ(count(r, "copies.total"), 4);
}

TEST(Vmsplice, TheNicGathersStraightFromTheProcesssPages) {
  const sim::RunResult r = sim::run_scenario(sim::load_scenario_file(kZeroCopy + "vmsplice.yaml"));
  ASSERT_TRUE(r.problems().empty()) << r.problems().front();
  EXPECT_EQ(count(r, "copies.total"), 1);
  std::vector<std::string> refs;
  for (const trace::Record& record : r.records) {
    if (const auto* d = std::get_if<trace::Descriptor>(&record.data)) {
      refs.push_back(d->from + "->" + d->to);
    }
    if (const auto* c = std::get_if<trace::Copy>(&record.data)) {
      EXPECT_EQ(c->from == "renderer.frame" || c->from == "nic0", true) << c->from;
    }
  }
  EXPECT_EQ(refs, (std::vector<std::string>{"renderer.frame->pipe", "pipe->socket_buffer"}));
  EXPECT_EQ(call_names(r), (std::vector<std::string>{"vmsplice", "splice"}));
}

TEST(Vmsplice, APipeTakesAtMostItsSlotsAndWithoutScatterGatherTheCpuCopies) {
  const sim::RunResult r = sim::run_scenario(sim::load_scenario_file(
      kZeroCopy + "vmsplice.yaml",
      {sim::parse_override("bytes=128KiB"), sim::parse_override("scatter_gather=false")}));
  EXPECT_EQ(r.metrics.at("verified"), sim::MetricValue(true));
  for (const trace::Record& record : r.records) {
    if (const auto* s = std::get_if<trace::Syscall>(&record.data); s && s->name == "vmsplice") {
      EXPECT_EQ(s->result, 64 * 1024);  // 16 slots of one page
    }
  }
  EXPECT_EQ(count(r, "copies.cpu"), 1);  // renderer.frame -> socket buffer
  EXPECT_EQ(count(r, "network.bytes"), 16 * 1024);
}

// Each warm variant is its cold row minus copy-1; sendfile on an SG card without checksum
// offload copies like sendfile without SG. One run per test: SystemC elaborates once per process.
void passes_without_the_disk(const std::string& file) {
  const sim::RunResult r = sim::run_scenario(sim::load_scenario_file(kZeroCopy + file));
  EXPECT_TRUE(r.problems().empty()) << file << ": " << r.problems().front();
  EXPECT_EQ(count(r, "page_cache.misses"), file.rfind("warm/", 0) == 0 ? 0 : 4) << file;
}
TEST(ZeroCopyScenarios, SendfileWithoutChecksumOffloadCopies) {
  passes_without_the_disk("sendfile-no-csum.yaml");
}
TEST(ZeroCopyScenarios, WarmReadWrite) {
  passes_without_the_disk("warm/read-write.yaml");
}
TEST(ZeroCopyScenarios, WarmMmapWrite) {
  passes_without_the_disk("warm/mmap-write.yaml");
}
TEST(ZeroCopyScenarios, WarmSendfile) {
  passes_without_the_disk("warm/sendfile.yaml");
}
TEST(ZeroCopyScenarios, WarmSendfileSg) {
  passes_without_the_disk("warm/sendfile-sg.yaml");
}
TEST(ZeroCopyScenarios, WarmSplice) {
  passes_without_the_disk("warm/splice.yaml");
}
TEST(ZeroCopyScenarios, WarmMsgZerocopy) {
  passes_without_the_disk("warm/msg-zerocopy.yaml");
}
TEST(ZeroCopyScenarios, WarmSendfileWithoutChecksumOffload) {
  passes_without_the_disk("warm/sendfile-no-csum.yaml");
}
TEST(ZeroCopyScenarios, WarmTeeToTwoClients) {
  passes_without_the_disk("warm/splice-tee.yaml");
}

}  // namespace
}  // namespace iosim
