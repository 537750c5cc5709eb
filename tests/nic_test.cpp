// The network card and the far end of the wire: times against closed forms of the parameters,
// TSO segmentation, scatter-gather limits, the bytes at the peer, ring wrap and interrupts.
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/core/payload.h"
#include "models/hw/bus.h"
#include "models/hw/dram.h"
#include "models/hw/ethernet.h"
#include "models/hw/network_peer.h"
#include "models/hw/nic.h"

namespace iosim::hw {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;
namespace reg = nic_register;

constexpr std::uint64_t kSeed = 7;
constexpr std::uint64_t kStream = 3;
constexpr std::uint64_t kRing = 0x1000;
constexpr std::uint64_t kRxRing = 0x8000;
constexpr std::uint64_t kRxBuffers = 0x10000;
constexpr std::uint64_t kRxBufferSize = 2048;

/// The driver: programs registers directly (no bus in between) and counts interrupts.
struct Driver : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Driver> socket{"socket"};
  sc_core::sc_in<bool> irq_in{"irq_in"};
  std::function<void()> script;
  std::function<void()> on_interrupt;
  std::vector<Picoseconds> interrupts;  // times of rising edges
  SC_HAS_PROCESS(Driver);
  explicit Driver(sc_core::sc_module_name n) : sc_module(n) {
    SC_THREAD(run);
    SC_METHOD(irq_edge);
    sensitive << irq_in.pos();
    dont_initialize();
  }
  void run() {
    if (script) script();
  }
  void irq_edge() {
    interrupts.push_back(to_ps(sc_core::sc_time_stamp()));
    if (on_interrupt) on_interrupt();
  }
  std::uint32_t access(tlm::tlm_command command, std::uint64_t address, std::uint32_t value) {
    tlm::tlm_generic_payload t;
    sc_time d = sc_core::SC_ZERO_TIME;
    std::uint8_t bytes[4];
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    t.set_command(command);
    t.set_address(address);
    t.set_data_ptr(bytes);
    t.set_data_length(4);
    t.set_streaming_width(4);
    socket->b_transport(t, d);
    EXPECT_EQ(t.get_response_status(), tlm::TLM_OK_RESPONSE) << "register " << address;
    std::uint32_t out = 0;
    for (int i = 0; i < 4; ++i) out |= static_cast<std::uint32_t>(bytes[i]) << (8 * i);
    return out;
  }
  void write(std::uint64_t address, std::uint32_t value) {
    access(tlm::TLM_WRITE_COMMAND, address, value);
  }
  std::uint32_t read(std::uint64_t address) { return access(tlm::TLM_READ_COMMAND, address, 0); }
};

struct Fragment {
  std::uint64_t address;
  std::uint32_t length;
};

/// One small machine per test: bus, DRAM, the card, the peer and a driver.
struct Bench {
  trace::VectorSink sink;
  ModelContext context{sink, kSeed};
  BusParams bus_params;
  DramParams dram_params;
  NicParams nic_params;
  Bus bus;
  Dram dram;
  Nic nic;
  NetworkPeer peer;
  Driver driver{"driver"};
  sc_core::sc_signal<bool> irq{"irq"};
  std::uint64_t stream_offset = 0;  // next payload byte of connection 0's stream to place
  std::uint32_t next_index = 0;
  std::uint32_t ring_entries = 0;

  explicit Bench(const NicParams& np, const BusParams& bp = BusParams{})
      : bus_params(bp),
        nic_params(np),
        bus("bus", bus_params, context),
        dram("dram", dram_params, context),
        nic("nic0", nic_params, context),
        peer("peer", NetworkPeerParams{}, context) {
    nic.bus_socket.bind(bus.initiator_socket);
    bus.target_socket.bind(dram.bus_socket);
    bus.map(0, 0, dram_params.size.bytes, "dram");
    driver.socket.bind(nic.register_socket);
    nic.irq_out(irq);
    driver.irq_in(irq);
    nic.connect(peer);
    peer.expect_pattern(0, kStream);
    peer.keep_bytes(true);
  }

  /// Places the next bytes of the stream at each fragment and posts one packet's descriptors.
  void post_packet(const std::vector<Fragment>& fragments, std::uint8_t extra_flags = 0) {
    for (std::size_t i = 0; i < fragments.size(); ++i) {
      const Fragment& f = fragments[i];
      std::vector<std::uint8_t> bytes(f.length);
      fill_pattern(kSeed, kStream, stream_offset, bytes.data(), bytes.size());
      dram.poke(f.address, bytes.data(), bytes.size());
      stream_offset += f.length;
      std::uint8_t d[16] = {};
      for (int b = 0; b < 8; ++b) d[b] = static_cast<std::uint8_t>(f.address >> (8 * b));
      for (int b = 0; b < 4; ++b) d[8 + b] = static_cast<std::uint8_t>(f.length >> (8 * b));
      d[nic_descriptor::flags] = static_cast<std::uint8_t>(
          (i + 1 == fragments.size() ? nic_descriptor::eop : 0) | extra_flags);
      d[nic_descriptor::connection] = 0;
      dram.poke(kRing + 16 * next_index, d, sizeof d);
      next_index = (next_index + 1) % ring_entries;
    }
  }
  /// Ring set-up through the registers (all at time 0: the driver does not wait them out).
  void start(std::uint32_t entries) {
    ring_entries = entries;
    driver.write(reg::tx_base_lo, kRing);
    driver.write(reg::tx_base_hi, 0);
    driver.write(reg::tx_size, entries);
    driver.write(reg::ctrl, nic_ctrl::tx_enable | nic_ctrl::irq_enable);
  }
  void doorbell() { driver.write(reg::tx_tail, next_index); }
  /// The RX ring: `entries` descriptors with a buffer each, all but one posted, RX enabled.
  void start_rx(std::uint32_t entries) {
    for (std::uint32_t i = 0; i < entries; ++i) {
      std::uint8_t d[16] = {};
      const std::uint64_t buffer = kRxBuffers + i * kRxBufferSize;
      for (int k = 0; k < 8; ++k) d[k] = static_cast<std::uint8_t>(buffer >> (8 * k));
      d[8] = kRxBufferSize & 0xFF;
      d[9] = kRxBufferSize >> 8;
      dram.poke(kRxRing + 16 * i, d, sizeof d);
    }
    driver.write(reg::rx_base_lo, kRxRing);
    driver.write(reg::rx_base_hi, 0);
    driver.write(reg::rx_size, entries);
    driver.write(reg::rx_tail, entries - 1);
    driver.write(reg::ctrl, nic_ctrl::tx_enable | nic_ctrl::rx_enable | nic_ctrl::irq_enable);
  }
  std::uint8_t rx_descriptor_byte(std::uint32_t index, std::uint64_t field) {
    std::uint8_t b = 0;
    dram.peek(kRxRing + 16 * index + field, &b, 1);
    return b;
  }
  /// The ACK in RX buffer `index`, parsed from the bytes the card wrote there.
  std::optional<ethernet::TcpAck> rx_ack(std::uint32_t index) {
    std::vector<std::uint8_t> frame(ethernet::kAckFrameBytes);
    dram.peek(kRxBuffers + index * kRxBufferSize, frame.data(), frame.size());
    return ethernet::parse_ack_frame(frame.data(), frame.size());
  }

  std::uint8_t descriptor_byte(std::uint32_t index, std::uint64_t field) {
    std::uint8_t b = 0;
    dram.peek(kRing + 16 * index + field, &b, 1);
    return b;
  }
  std::vector<std::uint8_t> stream_bytes(std::uint64_t n) const {
    std::vector<std::uint8_t> v(n);
    fill_pattern(kSeed, kStream, 0, v.data(), n);
    return v;
  }
};

/// Bus occupancy of one transaction (docs/models/bus.md), computed here from the parameters.
Picoseconds occupancy(const BusParams& bus, const DramParams& dram, std::uint64_t length) {
  const std::uint64_t beats = (length + bus.width.bytes - 1) / bus.width.bytes;
  return to_ps(bus.arbitration) + beats * (1'000'000'000'000ULL / bus.clock.hertz) +
         to_ps(dram.access_latency);
}

/// 17 fragments of 64 KiB: half a page, 15 pages in descending order, half a page.
std::vector<Fragment> scattered_64k(std::uint64_t area) {
  std::vector<Fragment> f;
  f.push_back({area + 0x800, 2048});
  for (int i = 0; i < 15; ++i) f.push_back({area + 0x10000 + (14 - i) * 0x2000, 4096});
  f.push_back({area + 0x40000, 2048});
  return f;
}

/// A bus (1 GHz x 16 B) faster than the 10 GbE link, so that the link limits.
BusParams fast_bus() {
  BusParams b;
  b.clock = Frequency(1'000'000'000);
  b.width = ByteSize(16);
  return b;
}

TEST(Nic, SinglePacketTimesFollowTheClosedForm) {
  Bench b{NicParams{}};
  b.driver.script = [&] {
    b.start(8);
    b.post_packet({{0x200000, 1000}});
    b.doorbell();
  };
  sc_core::sc_start();

  const auto occ = [&](std::uint64_t n) { return occupancy(b.bus_params, b.dram_params, n); };
  // Doorbell at 0, seen 100 ns later; one descriptor read; 1000 B in 512 + 488 B bursts.
  const Picoseconds gathered = 100'000 + occ(16) + occ(512) + occ(488);
  EXPECT_EQ(gathered, 100'000 + 80'000 + 700'000 + 670'000);
  // 1000 + 40 (IP+TCP) + 18 (Ethernet) + 20 (preamble, gap) = 1078 B at 1.25 GB/s = 862.4 ns.
  const Picoseconds arrival = gathered + 862'400;
  EXPECT_EQ(b.peer.last_arrival(), arrival);
  // Status write-back: 2 bytes, one beat.
  EXPECT_EQ(b.nic.last_completion(), arrival + occ(2));
  ASSERT_EQ(b.driver.interrupts.size(), 1u);
  EXPECT_EQ(b.driver.interrupts[0], arrival + 70'000);

  EXPECT_EQ(b.peer.frames(), 1u);
  EXPECT_EQ(b.peer.received_bytes(), 1000u);
  EXPECT_EQ(b.peer.wire_bytes(), 1078u);
  EXPECT_EQ(b.peer.mismatched_bytes(), 0u);
  EXPECT_EQ(b.descriptor_byte(0, nic_descriptor::status), nic_descriptor::done);
  EXPECT_EQ(b.nic.tx_packets(), 1u);

  // One logical copy: a gather record (dram -> nic0) and a wire record (nic0 -> peer).
  std::vector<trace::Copy> copies;
  int descriptor = 0, gather = 0, link = 0;
  for (const auto& r : b.sink.records) {
    if (auto* c = std::get_if<trace::Copy>(&r.data)) copies.push_back(*c);
    if (auto* a = std::get_if<trace::DeviceActivity>(&r.data)) {
      descriptor += a->phase == "descriptor";
      gather += a->phase == "gather";
      link += a->phase == "link";
    }
  }
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(copies[0].from, "dram");
  EXPECT_EQ(copies[0].to, "nic0");
  EXPECT_EQ(copies[1].from, "nic0");
  EXPECT_EQ(copies[1].to, "peer");
  EXPECT_EQ(copies[0].copy_id, copies[1].copy_id);
  EXPECT_EQ(copies[0].engine, trace::Engine::nic);
  EXPECT_EQ(descriptor, 1);
  EXPECT_EQ(gather, 1);
  EXPECT_EQ(link, 1);
}

TEST(Nic, TsoPacketOf17FragmentsBecomes45Frames) {
  Bench b{NicParams{}, fast_bus()};
  b.driver.script = [&] {
    b.start(32);
    b.post_packet(scattered_64k(0x400000), nic_descriptor::csum);
    b.doorbell();
  };
  sc_core::sc_start();

  // ceil(65536 / 1460) = 45 frames: 44 full (1538 wire bytes) and one of 1296 B payload (1374).
  EXPECT_EQ(b.peer.frames(), 45u);
  EXPECT_EQ(b.nic.tx_frames(), 45u);
  EXPECT_EQ(b.peer.wire_bytes(), 44u * 1538 + 1374);
  // 17 descriptor reads (61 ns) and 128 bursts of 512 B (92 ns) on the fast bus.
  const Picoseconds gather = 17 * 61'000 + 128 * 92'000;
  EXPECT_EQ(gather, 17 * occupancy(b.bus_params, b.dram_params, 16) +
                        128 * occupancy(b.bus_params, b.dram_params, 512));
  // 1538 B take 1230.4 ns, 1374 B 1099.2 ns.
  const Picoseconds wire = 44 * 1'230'400 + 1'099'200;
  EXPECT_EQ(b.peer.last_arrival(), 100'000 + gather + wire);
  EXPECT_EQ(b.nic.last_completion(), 100'000 + gather + wire + 61'000);
  EXPECT_GT(wire, 4 * gather);  // the link, not the bus, takes the time

  // Exactly the fragments' bytes, in descriptor order, although the pages are scattered.
  EXPECT_EQ(b.peer.received_bytes(), 65536u);
  EXPECT_EQ(b.peer.mismatched_bytes(), 0u);
  EXPECT_EQ(b.peer.stream(0), b.stream_bytes(65536));
  bool offloaded = false;
  for (const auto& r : b.sink.records) {
    if (auto* a = std::get_if<trace::DeviceActivity>(&r.data)) {
      if (a->phase == "gather")
        offloaded = a->detail.find("checksum offloaded") != std::string::npos;
    }
  }
  EXPECT_TRUE(offloaded);
}

TEST(Nic, BackToBackTsoPacketsAreLinkLimited) {
  Bench b{NicParams{}, fast_bus()};
  b.driver.script = [&] {
    b.start(128);
    for (int i = 0; i < 4; ++i) b.post_packet(scattered_64k(0x400000 + i * 0x100000));
    b.doorbell();
  };
  sc_core::sc_start();
  // The later gathers hide behind the earlier packets' frames: only the first one shows.
  const Picoseconds gather = 17 * 61'000 + 128 * 92'000;
  const Picoseconds wire = 44 * 1'230'400 + 1'099'200;
  EXPECT_EQ(b.peer.last_arrival(), 100'000 + gather + 4 * wire);
  EXPECT_EQ(b.peer.frames(), 180u);
  EXPECT_EQ(b.peer.received_bytes(), 4u * 65536);
  EXPECT_EQ(b.peer.mismatched_bytes(), 0u);
  EXPECT_EQ(b.driver.interrupts.size(), 1u);  // one batch, one interrupt
}

TEST(Nic, PeerCountsCorruptedBytes) {
  Bench b{NicParams{}, fast_bus()};
  b.driver.script = [&] {
    b.start(32);
    b.post_packet(scattered_64k(0x400000));
    // Spoil 5 bytes of the third fragment after the driver posted it.
    const std::uint64_t page = 0x400000 + 0x10000 + 13 * 0x2000;
    for (int i = 0; i < 5; ++i) {
      std::uint8_t x = 0;
      b.dram.peek(page + 100 * i, &x, 1);
      x ^= 0xA5;
      b.dram.poke(page + 100 * i, &x, 1);
    }
    b.doorbell();
  };
  sc_core::sc_start();
  EXPECT_EQ(b.peer.received_bytes(), 65536u);
  EXPECT_EQ(b.peer.mismatched_bytes(), 5u);
  b.peer.record_verification();
  int verifications = 0;
  for (const auto& r : b.sink.records) {
    if (auto* v = std::get_if<trace::Verification>(&r.data)) {
      ++verifications;
      EXPECT_EQ(v->bytes, 65536u);
      EXPECT_EQ(v->mismatched, 5u);
    }
  }
  EXPECT_EQ(verifications, 1);
}

TEST(Nic, WithoutScatterGatherTwoFragmentsAreRejected) {
  NicParams p;
  p.scatter_gather = false;
  Bench b{p};
  std::uint32_t error = 0, int_status = 0, head = 0;
  b.driver.script = [&] {
    b.start(8);
    b.post_packet({{0x200000, 600}, {0x300000, 400}});
    b.doorbell();
    sc_core::wait(b.driver.irq_in.posedge_event());
    error = b.driver.read(reg::tx_error);
    int_status = b.driver.read(reg::int_status);
    head = b.driver.read(reg::tx_head);
  };
  sc_core::sc_start();
  EXPECT_EQ(error, static_cast<std::uint32_t>(NicTxError::no_scatter_gather));
  EXPECT_EQ(int_status, nic_int::tx_error);
  EXPECT_EQ(head, 2u);
  EXPECT_EQ(b.descriptor_byte(1, nic_descriptor::status),
            nic_descriptor::done | nic_descriptor::err);
  EXPECT_EQ(b.descriptor_byte(1, nic_descriptor::error), 1);
  EXPECT_EQ(b.peer.frames(), 0u);
  EXPECT_EQ(b.nic.tx_packets(), 0u);
  EXPECT_EQ(b.nic.tx_errors(), 1u);
  for (const auto& r : b.sink.records) {
    EXPECT_FALSE(std::holds_alternative<trace::Copy>(r.data)) << "nothing may be gathered";
  }
}

TEST(Nic, EighteenFragmentsExceedMaxSkbFrags) {
  Bench b{NicParams{}};
  b.driver.script = [&] {
    b.start(32);
    std::vector<Fragment> f;
    for (int i = 0; i < 18; ++i) f.push_back({0x200000 + i * 0x1000ULL, 100});
    b.post_packet(f);
    // The ring goes on after the refused packet.
    b.post_packet({{0x300000, 500}});
    b.doorbell();
  };
  sc_core::sc_start();
  EXPECT_EQ(b.nic.last_error(), NicTxError::too_many_fragments);
  EXPECT_EQ(b.descriptor_byte(17, nic_descriptor::error),
            static_cast<std::uint8_t>(NicTxError::too_many_fragments));
  EXPECT_EQ(b.nic.tx_errors(), 1u);
  EXPECT_EQ(b.nic.tx_packets(), 1u);
  EXPECT_EQ(b.peer.frames(), 1u);
  EXPECT_EQ(b.peer.received_bytes(), 500u);
  // The refused packet's bytes never reached the wire, so the stream the peer checks is off by
  // the 1800 bytes placed for it: compare with what was in memory instead.
  std::vector<std::uint8_t> want(500);
  fill_pattern(kSeed, kStream, 1800, want.data(), want.size());
  EXPECT_EQ(b.peer.stream(0), want);
  EXPECT_EQ(b.driver.interrupts.size(), 1u);
}

TEST(Nic, ChecksumRequestWithoutOffloadIsRejected) {
  NicParams p;
  p.checksum_offload = false;
  Bench b{p};
  b.driver.script = [&] {
    b.start(8);
    b.post_packet({{0x200000, 1000}}, nic_descriptor::csum);
    b.doorbell();
  };
  sc_core::sc_start();
  EXPECT_EQ(b.nic.last_error(), NicTxError::no_checksum_offload);
  EXPECT_EQ(b.peer.frames(), 0u);
}

TEST(Nic, WithoutTsoAPacketMustFitOneFrame) {
  NicParams p;
  p.tso = false;
  Bench b{p};
  b.driver.script = [&] {
    b.start(8);
    b.post_packet({{0x200000, 1461}});
    b.post_packet({{0x300000, 1460}});
    b.doorbell();
  };
  sc_core::sc_start();
  EXPECT_EQ(b.nic.last_error(), NicTxError::oversize);
  EXPECT_EQ(b.nic.tx_errors(), 1u);
  EXPECT_EQ(b.peer.frames(), 1u);
  EXPECT_EQ(b.peer.wire_bytes(), 1538u);
}

TEST(Nic, TxRingWraps) {
  Bench b{NicParams{}};
  std::uint32_t head = 99;
  b.driver.script = [&] {
    b.start(4);
    for (int i = 0; i < 3; ++i) b.post_packet({{0x200000 + i * 0x1000ULL, 1000}});
    b.doorbell();  // tail 3
    sc_core::wait(b.driver.irq_in.posedge_event());
    b.driver.write(reg::int_ack, nic_int::tx_done);
    // Entries 3, 0, 1: the ring wraps.
    for (int i = 0; i < 3; ++i) b.post_packet({{0x300000 + i * 0x1000ULL, 1000}});
    b.doorbell();  // tail 2
    sc_core::wait(b.driver.irq_in.posedge_event());
    head = b.driver.read(reg::tx_head);
  };
  sc_core::sc_start();
  EXPECT_EQ(head, 2u);
  EXPECT_EQ(b.nic.tx_packets(), 6u);
  EXPECT_EQ(b.peer.received_bytes(), 6000u);
  EXPECT_EQ(b.peer.mismatched_bytes(), 0u);
  EXPECT_EQ(b.peer.stream(0), b.stream_bytes(6000));
  EXPECT_EQ(b.driver.interrupts.size(), 2u);
  EXPECT_EQ(b.descriptor_byte(1, nic_descriptor::status), nic_descriptor::done);
}

TEST(Nic, OneInterruptPerCompletedBatch) {
  Bench b{NicParams{}};
  bool low_after_ack = false;
  b.driver.script = [&] {
    b.start(8);
    for (int i = 0; i < 3; ++i) b.post_packet({{0x200000 + i * 0x1000ULL, 1000}});
    b.doorbell();
    sc_core::wait(b.driver.irq_in.posedge_event());
    EXPECT_EQ(b.driver.read(reg::int_status), nic_int::tx_done);
    EXPECT_EQ(b.driver.read(reg::tx_head), 3u);
    b.driver.write(reg::int_ack, nic_int::tx_done);
    sc_core::wait(1, sc_core::SC_US);
    low_after_ack = !b.driver.irq_in.read();
  };
  sc_core::sc_start();
  ASSERT_EQ(b.driver.interrupts.size(), 1u);
  EXPECT_EQ(b.driver.interrupts[0], b.nic.last_completion());
  EXPECT_EQ(b.nic.tx_packets(), 3u);
  EXPECT_TRUE(low_after_ack);
}

TEST(Nic, InterruptPerPacketWhenAsked) {
  NicParams p;
  p.tx_interrupt_per_packet = true;
  p.interrupt_interval = sc_time(0, SC_NS);  // no moderation: every completion interrupts
  Bench b{p};
  b.driver.on_interrupt = [&] { b.driver.write(reg::int_ack, nic_int::tx_done); };
  b.driver.script = [&] {
    b.start(8);
    for (int i = 0; i < 3; ++i) b.post_packet({{0x200000 + i * 0x1000ULL, 1000}});
    b.doorbell();
  };
  sc_core::sc_start();
  EXPECT_EQ(b.driver.interrupts.size(), 3u);
}

TEST(Nic, ModerationHoldsTheNextInterruptForTheInterval) {
  // Two batches 10 us apart: the first interrupts at once, the second waits until
  // interrupt_interval after the first (EITR), not less.
  NicParams p;
  p.interrupt_interval = sc_time(50, sc_core::SC_US);
  Bench b{p};
  b.driver.on_interrupt = [&] { b.driver.write(reg::int_ack, nic_int::tx_done); };
  Picoseconds second_completion = 0;
  b.driver.script = [&] {
    b.start(8);
    b.post_packet({{0x200000, 1000}});
    b.doorbell();
    sc_core::wait(10, sc_core::SC_US);
    b.post_packet({{0x201000, 1000}});
    b.doorbell();
    sc_core::wait(20, sc_core::SC_US);
    second_completion = b.nic.last_completion();
  };
  sc_core::sc_start();
  ASSERT_EQ(b.driver.interrupts.size(), 2u);
  EXPECT_LT(second_completion, b.driver.interrupts[0] + 50'000'000);
  EXPECT_EQ(b.driver.interrupts[1], b.driver.interrupts[0] + 50'000'000);
}

TEST(Nic, PeerAcksLandInTheRxRing) {
  // One 16-frame TSO packet with PSH: the peer acknowledges every second segment (8 ACKs, the
  // last one also the pushed segment's). Each ACK crosses the wire back (84 wire bytes), the card
  // writes its 54 bytes into the next posted buffer and DD | EOP with the length into the
  // descriptor; the ACK numbers in the buffers are the cumulative bytes received.
  NicParams p = NicParams{};
  p.interrupt_interval = sc_time(0, SC_NS);
  Bench b{p, fast_bus()};
  const std::uint64_t payload = 16 * 1460;
  b.driver.script = [&] {
    b.start(8);
    b.start_rx(16);
    b.post_packet({{0x200000, static_cast<std::uint32_t>(payload)}}, nic_descriptor::push);
    b.doorbell();
  };
  sc_core::sc_start();
  EXPECT_EQ(b.peer.acks_sent(), 8u);
  EXPECT_EQ(b.peer.delayed_acks(), 0u);
  EXPECT_EQ(b.nic.rx_frames(), 8u);
  EXPECT_EQ(b.nic.rx_dropped(), 0u);
  EXPECT_EQ(b.driver.read(reg::rx_head), 8u);
  EXPECT_EQ(b.nic.rx_wire_bytes(ethernet::kAckFrameBytes), 84u);  // padded to 64, + 20
  for (std::uint32_t i = 0; i < 8; ++i) {
    EXPECT_EQ(b.rx_descriptor_byte(i, nic_rx_descriptor::status),
              nic_rx_descriptor::done | nic_rx_descriptor::eop);
    EXPECT_EQ(b.rx_descriptor_byte(i, nic_rx_descriptor::length), ethernet::kAckFrameBytes);
    const auto ack = b.rx_ack(i);
    ASSERT_TRUE(ack.has_value()) << i;
    EXPECT_EQ(ack->ack_number, (i + 1) * 2 * 1460u);
  }
  EXPECT_EQ(b.rx_descriptor_byte(8, nic_rx_descriptor::status), 0u);
}

TEST(Nic, AFullReceiveBufferDropsAndSignalsOverrun) {
  // No descriptor posted (RX_TAIL == RX_HEAD) and room for one frame on the card: the first ACK
  // waits there, the next ones are dropped, counted and signalled.
  NicParams p;
  p.rx_buffer = ByteSize(64);
  p.interrupt_interval = sc_time(0, SC_NS);
  Bench b{p, fast_bus()};
  std::uint32_t cause = 0;
  b.driver.on_interrupt = [&] {
    const std::uint32_t now = b.driver.read(reg::int_status);
    cause |= now;
    b.driver.write(reg::int_ack, now);
  };
  b.driver.script = [&] {
    b.start(8);
    b.start_rx(16);
    b.driver.write(reg::rx_tail, 0);  // nothing posted
    b.post_packet({{0x200000, 6 * 1460}}, nic_descriptor::push);
    b.doorbell();
  };
  sc_core::sc_start();
  EXPECT_EQ(b.peer.acks_sent(), 3u);
  EXPECT_EQ(b.nic.rx_frames(), 0u);
  EXPECT_EQ(b.nic.rx_dropped(), 2u);
  EXPECT_EQ(b.driver.read(reg::rx_dropped), 2u);
  EXPECT_TRUE(cause & nic_int::rx_overrun);
}

/// The ACK frames a peer sends, with their departure times, for a script of frames.
struct PeerProbe {
  trace::VectorSink sink;
  ModelContext context{sink, kSeed};
  NetworkPeer peer;
  std::vector<std::pair<Picoseconds, std::uint32_t>> acks;  // (time, ack number)
  explicit PeerProbe(const NetworkPeerParams& params) : peer("peer", params, context) {
    peer.connect_return([this](std::vector<std::uint8_t> frame, Picoseconds at) {
      const auto ack = ethernet::parse_ack_frame(frame.data(), frame.size());
      ASSERT_TRUE(ack.has_value());
      EXPECT_EQ(ack->connection, 1u);
      acks.emplace_back(at, ack->ack_number);
    });
  }
  static Frame frame(bool push) {
    Frame f;
    f.connection = 1;
    f.payload.assign(100, 0);
    f.wire_bytes = 178;
    f.push = push;
    return f;
  }
};

TEST(NetworkPeer, AcknowledgesEverySecondSegmentAfterTheAckDelay) {
  NetworkPeerParams params;
  params.ack_delay = sc_time(5, sc_core::SC_US);
  PeerProbe probe(params);
  sc_core::sc_spawn([&] {
    probe.peer.deliver(PeerProbe::frame(false), 1'000'000);
    probe.peer.deliver(PeerProbe::frame(false), 2'000'000);
    probe.peer.deliver(PeerProbe::frame(false), 3'000'000);
    probe.peer.deliver(PeerProbe::frame(false), 4'000'000);
  });
  sc_core::sc_start();
  ASSERT_EQ(probe.acks.size(), 2u);
  EXPECT_EQ(probe.acks[0], std::make_pair(Picoseconds{7'000'000}, std::uint32_t{200}));
  EXPECT_EQ(probe.acks[1], std::make_pair(Picoseconds{9'000'000}, std::uint32_t{400}));
  EXPECT_EQ(probe.peer.delayed_acks(), 0u);
}

TEST(NetworkPeer, APushedSegmentIsAcknowledgedAtOnce) {
  NetworkPeerParams params;
  PeerProbe probe(params);
  sc_core::sc_spawn([&] { probe.peer.deliver(PeerProbe::frame(true), 1'000'000); });
  sc_core::sc_start();
  ASSERT_EQ(probe.acks.size(), 1u);
  EXPECT_EQ(probe.acks[0], std::make_pair(Picoseconds{1'000'000}, std::uint32_t{100}));
}

TEST(NetworkPeer, ALoneSegmentWaitsForTheDelayedAckTimer) {
  // Three segments, none pushed: the pair is acknowledged at once, the third when the timer
  // armed at its arrival runs out (delayed_ack_timeout later).
  NetworkPeerParams params;
  params.delayed_ack_timeout = sc_time(40, sc_core::SC_MS);
  PeerProbe probe(params);
  sc_core::sc_spawn([&] {
    for (int i = 1; i <= 3; ++i) probe.peer.deliver(PeerProbe::frame(false), i * 1'000'000ULL);
  });
  sc_core::sc_start();
  ASSERT_EQ(probe.acks.size(), 2u);
  EXPECT_EQ(probe.acks[0], std::make_pair(Picoseconds{2'000'000}, std::uint32_t{200}));
  EXPECT_EQ(probe.acks[1],
            std::make_pair(Picoseconds{3'000'000 + 40'000'000'000ULL}, std::uint32_t{300}));
  EXPECT_EQ(probe.peer.delayed_acks(), 1u);
}

TEST(Ethernet, AnAckFrameRoundTripsAndIsCheckedWhereItMatters) {
  ethernet::TcpAck ack{3, 0xDEADBEEF, 0xFFFF};
  std::vector<std::uint8_t> frame = ethernet::build_ack_frame(ack);
  ASSERT_EQ(frame.size(), 54u);
  EXPECT_EQ(frame[12], 0x08);  // EtherType IPv4, network byte order
  EXPECT_EQ(frame[13], 0x00);
  EXPECT_EQ(frame[14 + 9], 6);  // TCP
  const auto back = ethernet::parse_ack_frame(frame.data(), frame.size());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->connection, 3u);
  EXPECT_EQ(back->ack_number, 0xDEADBEEFu);
  EXPECT_FALSE(ethernet::parse_ack_frame(frame.data(), 53).has_value());  // truncated
  frame[14 + 8] ^= 1;  // a changed TTL no longer matches the IP header checksum
  EXPECT_FALSE(ethernet::parse_ack_frame(frame.data(), frame.size()).has_value());
}

TEST(Ethernet, AckNumbersWrapAtFourGibibytes) {
  EXPECT_EQ(ethernet::unwrap_ack(100, 200), 200u);
  EXPECT_EQ(ethernet::unwrap_ack((1ULL << 32) - 10, 20), (1ULL << 32) + 20);
  EXPECT_EQ(ethernet::unwrap_ack(5ULL << 32, 7), (5ULL << 32) + 7);
  EXPECT_EQ(ethernet::unwrap_ack(1000, 900), 1000u);  // an old ACK moves nothing back
}

}  // namespace
}  // namespace iosim::hw
