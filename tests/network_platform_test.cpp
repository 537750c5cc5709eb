// The network path end to end on the whole machine: a file sent from the disk to the peer at
// the end of the wire by read() + write(), by sendfile() on a card without scatter-gather, and
// by sendfile() on a card with it. The seeds' table (linux-io.md section 10) is asserted exactly
// for one buffer, and the per-chunk rule (docs/models/kernel.md, "Sockets and sendfile") for
// several. Metrics come from sim/metrics.h, as `iosim` computes them. Runs that must be compared
// happen in forked children, because SystemC elaborates one model per process.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/payload.h"
#include "models/platform.h"
#include "sim/export_json.h"
#include "sim/metrics.h"
#include "sim/recorder.h"
#include "sim/run.h"
#include "sim/scenario.h"

namespace iosim {
namespace {

using sim::Metrics;

constexpr std::uint64_t kFileSeed = 7;
/// Payload stream of the first file's generated contents (models/os/vfs.cpp: 0x100 + file id).
constexpr std::uint64_t kFirstFileStream = 0x101;

enum class Path { read_write, sendfile, mmap_write };

/// One server: set-up opens the file and connects the socket; the program sends the file in
/// `chunk`s by `path`.
RunSpec server(Path path, std::uint64_t file_bytes, std::uint64_t chunk, bool scatter_gather,
               bool warm = false) {
  RunSpec spec;
  spec.params.nic.scatter_gather = scatter_gather;
  os::FileSpec f;
  f.path = "page.html";
  f.size = ByteSize(file_bytes);
  f.has_content_seed = true;
  f.content_seed = kFileSeed;
  f.warm = warm;
  spec.files = {f};
  os::ProcessSpec p;
  p.name = "server";
  p.setup = {os::FileOpen{"page.html"}, os::SocketConnect{"sock"}};
  if (path == Path::read_write) {
    os::ReadWrite rw;
    rw.path = "page.html";
    rw.chunk = ByteSize(chunk);
    p.program = {rw};
  } else if (path == Path::mmap_write) {
    os::MmapWrite mw;
    mw.path = "page.html";
    mw.chunk = ByteSize(chunk);
    p.program = {mw};
  } else {
    os::SendFile send;
    send.path = "page.html";
    send.chunk = ByteSize(chunk);
    p.program = {send};
  }
  spec.processes = {p};
  spec.keep_received_bytes = true;
  return spec;
}

struct Transfer {
  RunOutcome outcome;
  std::vector<trace::Record> records;
  Metrics metrics;
  std::int64_t metric(const std::string& key) const {
    return std::get<std::int64_t>(metrics.at(key));
  }
};

Transfer run(const RunSpec& spec) {
  trace::VectorSink sink;
  Transfer r;
  r.outcome = run_platform(spec, sink);
  r.records = std::move(sink.records);
  sim::sort_by_start(r.records);
  r.metrics = sim::compute_metrics(r.records, r.outcome.end_time, spec.processes);
  return r;
}

/// The seeds' table row: copies total, by CPU, by DMA, user/kernel mode switches, syscalls.
struct Row {
  std::int64_t copies, cpu, dma, mode_switches, syscalls;
  bool operator==(const Row& o) const {
    return copies == o.copies && cpu == o.cpu && dma == o.dma && mode_switches == o.mode_switches &&
           syscalls == o.syscalls;
  }
};
std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << "{copies " << r.copies << ", cpu " << r.cpu << ", dma " << r.dma
            << ", mode switches " << r.mode_switches << ", syscalls " << r.syscalls << "}";
}
Row row(const Transfer& r) {
  return Row{r.metric("copies.total"), r.metric("copies.cpu"), r.metric("copies.dma"),
             r.metric("mode_switches.syscall"), r.metric("syscalls")};
}

/// The file's bytes as the test computes them.
std::vector<std::uint8_t> file_bytes(std::uint64_t n) {
  std::vector<std::uint8_t> bytes(n);
  fill_pattern(kFileSeed, kFirstFileStream, 0, bytes.data(), n);
  return bytes;
}

/// Every byte at the peer equals the file: the peer's own Verification and a direct comparison.
void expect_file_arrived(const Transfer& r, std::uint64_t file_bytes_count) {
  ASSERT_TRUE(r.outcome.completed) << r.outcome.error;
  std::uint64_t at_peer = 0, mismatched = 0;
  for (const trace::Record& rec : r.records) {
    const auto* v = std::get_if<trace::Verification>(&rec.data);
    if (v == nullptr || rec.actor != "peer0") continue;
    at_peer += v->bytes;
    mismatched += v->mismatched;
  }
  EXPECT_EQ(at_peer, file_bytes_count);
  EXPECT_EQ(mismatched, 0u);
  ASSERT_EQ(r.outcome.received.count(1), 1u);
  EXPECT_TRUE(r.outcome.received.at(1) == file_bytes(file_bytes_count))
      << "the peer's stream differs from the file";
  EXPECT_EQ(r.metric("network.bytes"), static_cast<std::int64_t>(file_bytes_count));
}

constexpr std::uint64_t kBuffer = 16 << 10;

// --- The seeds' table, one buffer, cold cache ------------------------------------------------

TEST(NetworkPlatform, ReadWriteIsFourCopiesAndFourModeSwitches) {
  const Transfer r = run(server(Path::read_write, kBuffer, kBuffer, true));
  expect_file_arrived(r, kBuffer);
  EXPECT_EQ(row(r), (Row{4, 2, 2, 4, 2}));
  EXPECT_EQ(r.metric("descriptors"), 0);
  EXPECT_EQ(r.metric("setup.syscalls"), 3);  // open, socket, connect
  EXPECT_EQ(r.metric("setup.mode_switches"), 6);
}

TEST(NetworkPlatform, SendfileWithoutScatterGatherIsThreeCopies) {
  const Transfer r = run(server(Path::sendfile, kBuffer, kBuffer, false));
  expect_file_arrived(r, kBuffer);
  EXPECT_EQ(row(r), (Row{3, 1, 2, 2, 1}));
  EXPECT_EQ(r.metric("descriptors"), 0);
}

TEST(NetworkPlatform, SendfileWithScatterGatherIsTwoCopiesAndADescriptor) {
  const Transfer r = run(server(Path::sendfile, kBuffer, kBuffer, true));
  expect_file_arrived(r, kBuffer);
  EXPECT_EQ(row(r), (Row{2, 0, 2, 2, 1}));
  EXPECT_EQ(r.metric("descriptors"), 1);
  EXPECT_EQ(r.metric("descriptors.bytes"), static_cast<std::int64_t>(kBuffer));
  bool found = false;
  for (const trace::Record& rec : r.records) {
    const auto* d = std::get_if<trace::Descriptor>(&rec.data);
    if (d == nullptr) continue;
    found = true;
    EXPECT_EQ(d->from, "page_cache");
    EXPECT_EQ(d->to, "socket_buffer");
    EXPECT_EQ(d->bytes, kBuffer);
    EXPECT_EQ(d->fragments, 4u);  // four scattered page-cache frames
    EXPECT_EQ(d->what, "sg descriptor");
  }
  EXPECT_TRUE(found);
}

// --- The acknowledgements: frames back through the RX ring ---------------------------------

/// The NIC's interrupts of a run, in time order.
std::vector<trace::Record> nic_interrupts(const Transfer& r) {
  std::vector<trace::Record> out;
  for (const trace::Record& rec : r.records) {
    const auto* i = std::get_if<trace::Interrupt>(&rec.data);
    if (i != nullptr && i->device == "nic0") out.push_back(rec);
  }
  return out;
}

TEST(NetworkPlatform, ThePeersAcksComeBackThroughTheRxRing) {
  // 16 KiB are 12 frames (11 x 1460 + 324): the peer acknowledges every second segment, the
  // last (pushed) one with them: 6 ACK frames, each written by the card into an RX buffer. The
  // first interrupts at once; the rest, and the TX completion, share the next one, which
  // moderation holds until interrupt_interval (50 us) after the first.
  const Transfer r = run(server(Path::sendfile, kBuffer, kBuffer, true));
  expect_file_arrived(r, kBuffer);
  EXPECT_EQ(r.metric("network.acks"), 6);
  const std::vector<trace::Record> irqs = nic_interrupts(r);
  ASSERT_EQ(irqs.size(), 2u);
  EXPECT_EQ(irqs[1].start - irqs[0].start, 50'000'000);
  // The ACKs are not copies of the payload: the seeds' row is unchanged.
  EXPECT_EQ(row(r), (Row{2, 0, 2, 2, 1}));
  // The run ends once the handler has taken the last ACK from the ring.
  EXPECT_GT(r.outcome.end_time, std::get<trace::Interrupt>(irqs[1].data).handler_start);
}

TEST(NetworkPlatform, WithoutModerationEveryAckInterrupts) {
  RunSpec spec = server(Path::sendfile, kBuffer, kBuffer, true);
  spec.params.nic.interrupt_interval = sc_core::sc_time(0, sc_core::SC_NS);
  const Transfer r = run(spec);
  expect_file_arrived(r, kBuffer);
  EXPECT_EQ(r.metric("network.acks"), 6);
  // Each ACK arrives 2 frames (2 x 1538 wire bytes = 2.46 us) after the previous one: more
  // interrupts than the 2 with moderation, at most one per ACK (an ACK that comes while the
  // handler still runs, 1 us entry + 1 us per ACK + 1 us exit, waits for the next).
  EXPECT_GT(r.metric("interrupts.nic0"), 2);
  EXPECT_LE(r.metric("interrupts.nic0"), 6);
}

/// A warm 1 MiB file in one sendfile() call on an SG card, through a 256 KiB send buffer (room
/// for four 64 KiB TSO packets of 45 frames): 16 packets, 720 frames.
RunSpec megabyte_in_one_call() {
  RunSpec spec = server(Path::sendfile, 1 << 20, 1 << 20, true, /*warm=*/true);
  spec.params.kernel.socket_buffer_size = ByteSize(256 << 10);
  return spec;
}

TEST(NetworkPlatform, AckEveryNSegmentsScalesTheAcks) {
  // 1 MiB in one sendfile() call through a 256 KiB send buffer: 16 TSO packets of 45 frames.
  // With an ACK per 45 segments (or a pushed one) there is one ACK per packet, or a few more
  // where a push splits a packet's frames; never fewer.
  RunSpec spec = megabyte_in_one_call();
  spec.params.peer.ack_every = 45;
  const Transfer r = run(spec);
  expect_file_arrived(r, 1 << 20);
  EXPECT_GE(r.metric("network.acks"), 16);
  EXPECT_LE(r.metric("network.acks"), 32);
}

TEST(NetworkPlatform, ASmallRxRingStillCarriesEveryAck) {
  // Two RX descriptors (one usable at a time): ACKs wait in the card's receive buffer for the
  // driver to post the buffer back, and all of them arrive.
  RunSpec spec = megabyte_in_one_call();
  spec.params.nic.rx_ring_size = 2;
  const Transfer r = run(spec);
  expect_file_arrived(r, 1 << 20);
  EXPECT_GE(r.metric("network.acks"), 16 * 45 / 2);
}

TEST(NetworkPlatform, DroppedAcksStopTheRunWithAClearError) {
  // Room for one frame on the card and one descriptor: the ACKs of a burst overflow, and since
  // TCP's retransmission is not modelled the run stops and says why.
  RunSpec spec = megabyte_in_one_call();
  spec.params.nic.rx_ring_size = 2;
  spec.params.nic.rx_buffer = ByteSize(64);
  trace::VectorSink sink;
  const RunOutcome outcome = run_platform(spec, sink);
  EXPECT_FALSE(outcome.completed);
  EXPECT_NE(outcome.error.find("dropped"), std::string::npos) << outcome.error;
  EXPECT_NE(outcome.error.find("retransmission is not modelled"), std::string::npos)
      << outcome.error;
}

/// Every copy of a run as "engine:from->to step", in time order.
std::vector<std::string> copies(const Transfer& r) {
  std::vector<std::string> out;
  for (const trace::Record& rec : r.records) {
    const auto* c = std::get_if<trace::Copy>(&rec.data);
    if (c == nullptr || c->engine == trace::Engine::nic) continue;  // the wire leg
    const std::string text = std::string(trace::to_string(c->engine)) + ":" + c->from + "->" +
                             c->to + (rec.step.empty() ? "" : " " + rec.step);
    if (out.empty() || out.back() != text) out.push_back(text);
  }
  return out;
}

TEST(NetworkPlatform, ReadWriteCopiesThroughTheUserBufferInTheSeedsOrder) {
  const Transfer r = run(server(Path::read_write, kBuffer, kBuffer, true));
  ASSERT_TRUE(r.outcome.completed) << r.outcome.error;
  const std::vector<std::string> expected = {
      "dma:disk0.buffer->page_cache", "cpu:page_cache->server.buf copy-2",
      "cpu:server.buf->socket_buffer copy-3", "dma:socket_buffer->nic0"};
  EXPECT_EQ(copies(r), expected);
  std::vector<std::string> steps;
  for (const trace::Record& rec : r.records) {
    if (std::holds_alternative<trace::Narration>(rec.data)) steps.push_back(rec.step);
  }
  const std::vector<std::string> lecture = {"switch-1", "copy-1", "copy-2", "switch-2",
                                            "switch-3", "copy-3", "copy-4", "switch-4"};
  EXPECT_EQ(steps, lecture);  // by start time
}

TEST(NetworkPlatform, MmapWriteIsThreeCopiesAndFourModeSwitches) {
  const Transfer r = run(server(Path::mmap_write, kBuffer, kBuffer, true));
  expect_file_arrived(r, kBuffer);
  EXPECT_EQ(row(r), (Row{3, 1, 2, 4, 2}));
  // The first touch of page 0 is a major fault whose read-around brings the other three; the
  // touch of page 1 is a minor fault whose fault-around maps pages 1-3 at once.
  EXPECT_EQ(r.metric("page_cache.misses"), 1);
  EXPECT_EQ(r.metric("page_cache.hits"), 1);
  const std::vector<std::string> expected = {"dma:disk0.buffer->page_cache",
                                             "cpu:page_cache->socket_buffer copy-3",
                                             "dma:socket_buffer->nic0"};
  EXPECT_EQ(copies(r), expected);
}

// --- The SG fallback ---------------------------------------------------------------------------

TEST(NetworkPlatform, SendfileCopiesWithTheCpuOnlyWithoutScatterGather) {
  const Transfer r = run(server(Path::sendfile, kBuffer, kBuffer, false));
  ASSERT_TRUE(r.outcome.completed) << r.outcome.error;
  const std::vector<std::string> expected = {"dma:disk0.buffer->page_cache",
                                             "cpu:page_cache->socket_buffer copy-2",
                                             "dma:socket_buffer->nic0"};
  EXPECT_EQ(copies(r), expected);
  for (const trace::Record& rec : r.records) {
    EXPECT_FALSE(std::holds_alternative<trace::Descriptor>(rec.data));
  }
}

TEST(NetworkPlatform, SendfileGathersFromThePageCacheWithScatterGather) {
  const Transfer r = run(server(Path::sendfile, kBuffer, kBuffer, true));
  ASSERT_TRUE(r.outcome.completed) << r.outcome.error;
  const std::vector<std::string> expected = {"dma:disk0.buffer->page_cache",
                                             "dma:page_cache->nic0"};
  EXPECT_EQ(copies(r), expected);
  EXPECT_EQ(r.metric("bytes.cpu"), 0);
}

TEST(NetworkPlatform, SendfileWithoutChecksumOffloadFallsBackToACopy) {
  RunSpec spec = server(Path::sendfile, kBuffer, kBuffer, true);
  spec.params.nic.checksum_offload = false;  // SG needs hardware checksums (linux-io.md 5)
  const Transfer r = run(spec);
  expect_file_arrived(r, kBuffer);
  EXPECT_EQ(row(r), (Row{3, 1, 2, 2, 1}));
}

// --- Several chunks: the per-chunk rule ----------------------------------------------------------
//
// A 64 KiB file in four 16 KiB calls on a cold cache. Read-ahead (128 KiB) reads the file in two
// block requests: the first call's synchronous window 0+8 pages and the asynchronous 8+8 it
// marks (docs/models/page-cache.md), so the disk's DMA makes 2 copies whatever the path. Per
// call: read() + write() 2 CPU copies (copy-2, copy-3), 1 NIC copy (copy-4), 4 mode switches, 2
// syscalls; sendfile() 1 NIC copy, 2 mode switches, 1 syscall, and either 1 CPU copy (no SG) or
// 1 descriptor (SG).

constexpr std::uint64_t kFile = 64 << 10;

TEST(NetworkPlatform, ReadWriteScalesPerChunk) {
  const Transfer r = run(server(Path::read_write, kFile, kBuffer, true));
  expect_file_arrived(r, kFile);
  EXPECT_EQ(row(r), (Row{2 + 4 * 3, 4 * 2, 2 + 4, 4 * 4, 4 * 2}));
}

TEST(NetworkPlatform, SendfileScalesPerChunk) {
  const Transfer r = run(server(Path::sendfile, kFile, kBuffer, false));
  expect_file_arrived(r, kFile);
  EXPECT_EQ(row(r), (Row{2 + 4 * 2, 4, 2 + 4, 4 * 2, 4}));
}

TEST(NetworkPlatform, SendfileWithScatterGatherScalesPerChunk) {
  const Transfer r = run(server(Path::sendfile, kFile, kBuffer, true));
  expect_file_arrived(r, kFile);
  EXPECT_EQ(row(r), (Row{2 + 4, 0, 2 + 4, 4 * 2, 4}));
  EXPECT_EQ(r.metric("descriptors"), 4);
}

TEST(NetworkPlatform, MmapWriteScalesPerChunk) {
  // One mmap() (2 mode switches, 1 syscall); the first write()'s fault reads the whole file
  // (mmap read-around: ra_pages around the fault, truncated at the end of the file), so the disk
  // makes 1 copy; per write(): 1 CPU copy, 1 NIC copy, 2 mode switches, 1 syscall.
  const Transfer r = run(server(Path::mmap_write, kFile, kBuffer, true));
  expect_file_arrived(r, kFile);
  EXPECT_EQ(row(r), (Row{1 + 4 * 2, 4, 1 + 4, 2 + 4 * 2, 1 + 4}));
}

TEST(NetworkPlatform, AWarmMappingFaultsOncePerFaultAroundWindow) {
  // 1 MiB already in the page cache: each fault maps the 16 pages of its 64 KiB window.
  const Transfer r = run(server(Path::mmap_write, 1 << 20, 64 << 10, true, /*warm=*/true));
  expect_file_arrived(r, 1 << 20);
  EXPECT_EQ(r.metric("page_cache.hits"), 16);
  EXPECT_EQ(r.metric("page_cache.misses"), 0);
}

TEST(NetworkPlatform, ASenderSleepsWhileTheSocketBufferIsFull) {
  // One sendfile() of 256 KiB through a 16 KiB send buffer: skbs of at most 16 KiB, and the
  // sender blocks until acknowledgements free room; every byte still arrives in order.
  RunSpec spec = server(Path::sendfile, 256 << 10, 256 << 10, true, /*warm=*/true);
  spec.params.kernel.socket_buffer_size = ByteSize(16 << 10);
  const Transfer r = run(spec);
  expect_file_arrived(r, 256 << 10);
  EXPECT_EQ(row(r), (Row{1, 0, 1, 2, 1}));  // one call: one logical NIC copy
  EXPECT_EQ(r.metric("descriptors"), 16);   // one skb of 4 pages per 16 KiB
  std::uint64_t blocks = 0;
  for (const trace::Record& rec : r.records) {
    const auto* c = std::get_if<trace::ContextSwitch>(&rec.data);
    if (c != nullptr && c->from == "server" && c->reason == "block") ++blocks;
  }
  EXPECT_GE(blocks, 1u);
}

TEST(NetworkPlatform, TheTransferFollowsTheSlowerOfBusAndLink) {
  // The textbook bus (800 MB/s) is slower than 10 GbE (1.25 GB/s): a warm 1 MiB sendfile with SG
  // takes at least the bus time of its bytes and at least the wire time, and not much more than
  // the slower of the two plus the set-up.
  RunSpec spec = server(Path::sendfile, 1 << 20, 1 << 20, true, /*warm=*/true);
  // Room for several TSO packets, so that the card gathers the next while the link sends one
  // (with one packet's worth the sender would wait for each acknowledgement: stop and wait).
  spec.params.kernel.socket_buffer_size = ByteSize(256 << 10);
  const Transfer r = run(spec);
  expect_file_arrived(r, 1 << 20);
  const PlatformParams& p = spec.params;
  const double bus_rate = static_cast<double>(p.bus.width.bytes) *
                          static_cast<double>(p.bus.clock.hertz);  // bytes per second
  const double bus_s = static_cast<double>(1 << 20) / bus_rate;
  const double wire_s = static_cast<double>(1 << 20) / (1460.0 / 1538.0) /
                        static_cast<double>(p.nic.link_rate.bytes_per_second);
  const double run_s = static_cast<double>(r.outcome.end_time) * 1e-12;
  EXPECT_GT(run_s, bus_s);
  EXPECT_GT(run_s, wire_s);
  EXPECT_LT(run_s, 1.5 * std::max(bus_s, wire_s)) << run_s;
}

// --- Determinism ---------------------------------------------------------------------------------

/// The trace file of `spec`'s run, made in a forked child.
std::string trace_in_child(const RunSpec& spec) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const Transfer r = run(spec);
    const std::string text =
        sim::trace_to_json({"t", "f", spec.seed}, r.outcome.end_time, r.records, r.metrics);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = write(fds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buffer[65536];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return text;
}

TEST(NetworkPlatform, TwoRunsWriteIdenticalTraces) {
  for (Path path : {Path::read_write, Path::sendfile, Path::mmap_write}) {
    const RunSpec spec = server(path, kFile, kBuffer, true);
    const std::string first = trace_in_child(spec);
    const std::string second = trace_in_child(spec);
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(first, second);
  }
}

// --- The scenarios -----------------------------------------------------------------------------

Metrics run_scenario_file(const std::string& name) {
  const std::string dir = std::string(IOSIM_SOURCE_DIR) + "/scenarios/zero-copy/";
  const sim::Scenario scenario = sim::load_scenario_file(dir + name);
  const sim::RunResult result = sim::run_scenario(scenario);
  EXPECT_TRUE(result.problems().empty()) << name << ": " << result.problems().front();
  return result.metrics;
}

TEST(NetworkScenarios, ReadWriteRowIsTheSeeds) {
  const Metrics m = run_scenario_file("read-write.yaml");
  EXPECT_EQ(std::get<std::int64_t>(m.at("copies.total")), 4);
  EXPECT_EQ(std::get<std::int64_t>(m.at("expectations.failed")), 0);
}

TEST(NetworkScenarios, MmapWriteRowIsTheSeeds) {
  const Metrics m = run_scenario_file("mmap-write.yaml");
  EXPECT_EQ(std::get<std::int64_t>(m.at("copies.total")), 3);
  EXPECT_EQ(std::get<std::int64_t>(m.at("expectations.failed")), 0);
}

TEST(NetworkScenarios, SendfileRowIsTheSeeds) {
  const Metrics m = run_scenario_file("sendfile.yaml");
  EXPECT_EQ(std::get<std::int64_t>(m.at("copies.total")), 3);
  EXPECT_EQ(std::get<std::int64_t>(m.at("expectations.failed")), 0);
}

TEST(NetworkScenarios, SendfileSgRowIsTheSeeds) {
  const Metrics m = run_scenario_file("sendfile-sg.yaml");
  EXPECT_EQ(std::get<std::int64_t>(m.at("copies.total")), 2);
  EXPECT_EQ(std::get<std::int64_t>(m.at("expectations.failed")), 0);
}

}  // namespace
}  // namespace iosim
