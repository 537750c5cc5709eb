// The DMA controller: its bus disciplines against closed-form times, descriptor chains and bytes.
#include <cstring>
#include <functional>
#include <vector>

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/core/payload.h"
#include "models/hw/bus.h"
#include "models/hw/dma_controller.h"
#include "models/hw/dram.h"

namespace iosim::hw {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;
using Dma = DmaController;

/// A device whose bytes are pattern bytes; it has `ready` bytes available and can be refilled.
struct FakeDevice : DmaPeripheral {
  std::uint64_t ready = 0;
  std::uint64_t offset = 0;
  bool terminal_count = false;
  Picoseconds terminal_count_at = 0;
  sc_core::sc_event changed;
  std::string dma_device_name() const override { return "fake"; }
  bool dma_request() const override { return ready > 0; }
  const sc_core::sc_event& dma_request_event() const override { return changed; }
  void dma_read(std::uint8_t* dst, std::size_t n) override {
    fill_pattern(1, 9, offset, dst, n);
    offset += n;
    ready -= n;
    changed.notify(sc_core::SC_ZERO_TIME);
  }
  void dma_write(const std::uint8_t*, std::size_t n) override { offset += n; }
  void dma_terminal_count() override {
    terminal_count = true;
    terminal_count_at = to_ps(sc_core::sc_time_stamp());
  }
};

struct Programmer : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Programmer> socket{"socket"};
  std::function<void()> script;
  SC_HAS_PROCESS(Programmer);
  explicit Programmer(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    if (script) script();
  }
  void write(std::uint64_t address, std::uint32_t value) {
    tlm::tlm_generic_payload t;
    sc_time d = sc_core::SC_ZERO_TIME;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_address(address);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    t.set_data_length(4);
    t.set_streaming_width(4);
    socket->b_transport(t, d);
    ASSERT_EQ(t.get_response_status(), tlm::TLM_OK_RESPONSE);
  }
};

struct DmaFixture : ::testing::Test {
  trace::VectorSink sink;
  ModelContext context{sink, 1};
  BusParams bus_params;
  DramParams dram_params;
  DmaParams dma_params;  // 4-byte units, no extra cycle overhead
  Bus bus{"bus", bus_params, context};
  Dram dram{"dram", dram_params, context};
  Dma dma{"dma0", dma_params, context};
  Programmer cpu{"cpu"};
  FakeDevice device;
  static constexpr unsigned kChannel = 1;

  void SetUp() override {
    dma.bus_socket.bind(bus.initiator_socket);
    bus.target_socket.bind(dram.bus_socket);
    bus.map(0, 0, dram_params.size.bytes, "dram");
    cpu.socket.bind(dma.register_socket);
    dma.attach(kChannel, device);
  }
  void program(std::uint32_t address, std::uint32_t count, std::uint32_t mode) {
    const std::uint64_t ch = kChannel * Dma::kChannelStride;
    cpu.write(ch + Dma::kMask, 1);
    cpu.write(ch + Dma::kAddress, address);
    cpu.write(ch + Dma::kCount, count);
    cpu.write(ch + Dma::kMode, mode);
    cpu.write(ch + Dma::kMask, 0);
  }
  Picoseconds arbitration() const { return to_ps(bus_params.arbitration); }
  // One 4-byte unit: arbitration + one beat + DRAM latency.
  Picoseconds unit_occupancy() const {
    return arbitration() + 1'000'000'000'000ULL / bus_params.clock.hertz +
           to_ps(dram_params.access_latency);
  }
  bool memory_holds_pattern(std::uint64_t address, std::uint64_t device_offset, std::size_t n) {
    std::vector<std::uint8_t> got(n), want(n);
    dram.peek(address, got.data(), n);
    fill_pattern(1, 9, device_offset, want.data(), n);
    return got == want;
  }
};

TEST_F(DmaFixture, CycleStealingTakesOneTransactionPerUnit) {
  device.ready = 4096;
  cpu.script = [&] { program(0x10000, 4096, Dma::kTypeDeviceToMemory | Dma::kSingle); };
  sc_core::sc_start();
  ASSERT_TRUE(device.terminal_count);
  // The channel starts one delta after the unmask; every unit waits for the previous one.
  EXPECT_EQ(device.terminal_count_at, 1024 * unit_occupancy());
  EXPECT_TRUE(memory_holds_pattern(0x10000, 0, 4096));
}

TEST_F(DmaFixture, BurstPaysArbitrationOnce) {
  device.ready = 4096;
  cpu.script = [&] { program(0x10000, 4096, Dma::kTypeDeviceToMemory | Dma::kBlock); };
  sc_core::sc_start();
  ASSERT_TRUE(device.terminal_count);
  EXPECT_EQ(device.terminal_count_at, 1024 * unit_occupancy() - 1023 * arbitration());
  EXPECT_TRUE(memory_holds_pattern(0x10000, 0, 4096));
}

TEST_F(DmaFixture, BurstHoldsTheBusWhileTheDeviceIsSlow) {
  // 512 bytes now, 512 more after 10 us: block mode keeps the bus through the wait.
  device.ready = 512;
  cpu.script = [&] {
    program(0x10000, 1024, Dma::kTypeDeviceToMemory | Dma::kBlock);
    sc_core::wait(10, sc_core::SC_US);
    device.ready += 512;
    device.changed.notify(sc_core::SC_ZERO_TIME);
  };
  sc_core::sc_start();
  ASSERT_TRUE(device.terminal_count);
  bus.flush_records();
  Picoseconds busy = 0;
  for (const auto& r : sink.records) {
    if (auto* t = std::get_if<trace::BusTenure>(&r.data)) busy += t->busy;
  }
  EXPECT_EQ(busy, device.terminal_count_at);  // held from the first grant (t = 0) to the end
  EXPECT_GT(busy, 10'000'000u);
}

TEST_F(DmaFixture, DescriptorChainScattersIntoPieces) {
  // Three pieces of 1000, 96 and 2000 bytes at scattered addresses.
  const std::uint64_t table = 0x8000;
  const std::uint64_t pieces[3][2] = {{0x20000, 1000}, {0x50000, 96}, {0x30000, 2000}};
  for (int i = 0; i < 3; ++i) {
    std::uint8_t d[16] = {};
    for (int b = 0; b < 8; ++b) d[b] = static_cast<std::uint8_t>(pieces[i][0] >> (8 * b));
    for (int b = 0; b < 4; ++b) d[8 + b] = static_cast<std::uint8_t>(pieces[i][1] >> (8 * b));
    d[12] = i == 2 ? Dma::kDescriptorLast : 0;
    dram.poke(table + 16 * i, d, sizeof d);
  }
  device.ready = 3096;
  cpu.script = [&] {
    program(table, 0, Dma::kTypeDeviceToMemory | Dma::kSingle | Dma::kModeChain);
  };
  sc_core::sc_start();
  ASSERT_TRUE(device.terminal_count);
  EXPECT_TRUE(memory_holds_pattern(0x20000, 0, 1000));
  EXPECT_TRUE(memory_holds_pattern(0x50000, 1000, 96));
  EXPECT_TRUE(memory_holds_pattern(0x30000, 1096, 2000));
  // 3 descriptor reads (16 B: 2 beats) and 774 units (250 + 24 + 500).
  const Picoseconds descriptor = arbitration() + 2 * 10'000 + to_ps(dram_params.access_latency);
  EXPECT_EQ(device.terminal_count_at, 3 * descriptor + 774 * unit_occupancy());
  int copies = 0;
  std::uint64_t bytes = 0;
  std::uint64_t id = 0;
  for (const auto& r : sink.records) {
    if (auto* c = std::get_if<trace::Copy>(&r.data)) {
      ++copies;
      bytes += c->bytes;
      if (id == 0) id = c->copy_id;
      EXPECT_EQ(c->copy_id, id);  // one logical copy in three records
      EXPECT_EQ(c->engine, trace::Engine::dma);
    }
  }
  EXPECT_EQ(copies, 3);
  EXPECT_EQ(bytes, 3096u);
}

TEST_F(DmaFixture, StatusReportsTerminalCountOnce) {
  device.ready = 64;
  std::uint32_t first = 0, second = 0;
  cpu.script = [&] {
    program(0x10000, 64, Dma::kTypeDeviceToMemory | Dma::kSingle);
    sc_core::wait(10, sc_core::SC_US);
    auto read = [&](std::uint32_t& v) {
      tlm::tlm_generic_payload t;
      sc_time d = sc_core::SC_ZERO_TIME;
      t.set_command(tlm::TLM_READ_COMMAND);
      t.set_address(kChannel * Dma::kChannelStride + Dma::kStatus);
      t.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
      t.set_data_length(4);
      t.set_streaming_width(4);
      cpu.socket->b_transport(t, d);
    };
    read(first);
    read(second);
  };
  sc_core::sc_start();
  EXPECT_TRUE(first & Dma::kStatusTerminalCount);
  EXPECT_FALSE(second & Dma::kStatusTerminalCount);
}

}  // namespace
}  // namespace iosim::hw
