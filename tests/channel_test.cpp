// Tests of the channel processor (models/hw/channel_processor.*) with card readers
// (models/hw/card_reader.*) and a scripted device. Each TEST builds its own small SystemC top and
// runs in its own process (ctest). Expected bytes, CCW/CSW layouts and times are computed here from
// the parameters, independently of the model's code.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/core/payload.h"
#include "models/core/units.h"
#include "models/hw/bus.h"
#include "models/hw/card_reader.h"
#include "models/hw/channel_processor.h"
#include "models/hw/dram.h"

namespace iosim::hw {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_US;

constexpr std::uint64_t kSeed = 42;
constexpr std::uint64_t kReader0Stream = 100, kReader1Stream = 101, kFakeStream = 102;
constexpr std::uint16_t kReader0 = 1, kReader1 = 2, kFake = 3;
constexpr std::uint8_t kCE = 0x08, kDE = 0x04, kUC = 0x02, kUE = 0x01;
constexpr std::uint8_t kCD = 0x80, kCC = 0x40, kSLI = 0x20, kSKIP = 0x10, kPCI = 0x08;
constexpr std::uint8_t kRead = 0x02, kWrite = 0x01, kSense = 0x04, kTic = 0x08;
constexpr std::uint8_t kChanPci = 0x80, kChanIl = 0x40, kChanPck = 0x20;
constexpr std::uint64_t kCswAddress = 0x40;
constexpr std::uint8_t kUntouched = 0xEE;

// A CCW as a test writes it: 8 bytes, big-endian count and address.
struct TestCcw {
  std::uint8_t command, flags;
  std::uint16_t count;
  std::uint32_t address;
};

std::vector<std::uint8_t> encode(const TestCcw& c) {
  return {c.command,
          c.flags,
          static_cast<std::uint8_t>(c.count >> 8),
          static_cast<std::uint8_t>(c.count & 0xFF),
          static_cast<std::uint8_t>(c.address >> 24),
          static_cast<std::uint8_t>((c.address >> 16) & 0xFF),
          static_cast<std::uint8_t>((c.address >> 8) & 0xFF),
          static_cast<std::uint8_t>(c.address & 0xFF)};
}

struct TestCsw {
  std::uint32_t ccw_address;
  std::uint8_t unit, channel;
  std::uint16_t residual;
};

TestCsw decode_csw(const std::uint8_t* b) {
  return TestCsw{static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
                     static_cast<std::uint32_t>(b[2]) << 8 | b[3],
                 b[4], b[5], static_cast<std::uint16_t>(b[6] << 8 | b[7])};
}

std::vector<std::uint8_t> pattern(std::uint64_t stream, std::uint64_t offset, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = pattern_byte(kSeed, stream, offset + i);
  return v;
}

std::vector<std::uint8_t> card(std::uint64_t stream, std::uint64_t index) {
  return pattern(stream, index * 80, 80);
}

// ---------------------------------------------------------------------------------------------
// A memory with bus-like timing of its own, bound straight to the channel: every access costs
// arbitration + ceil(n / width) * beat + latency, and is logged.
struct MemoryTiming {
  sc_time arbitration{30, SC_NS};
  std::uint64_t width = 4;
  sc_time beat{30, SC_NS};
  sc_time latency{50, SC_NS};
  sc_time occupancy(std::uint64_t n) const {
    return arbitration + beat * static_cast<double>((n + width - 1) / width) + latency;
  }
};

struct Access {
  Picoseconds at, end;
  bool write;
  std::uint64_t address;
  std::size_t length;
  std::string initiator;
  bool normal_mode;
};

class TestMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<TestMemory> socket;
  std::vector<std::uint8_t> bytes;
  std::vector<Access> log;

  TestMemory(sc_core::sc_module_name name, std::size_t size, const MemoryTiming& timing)
      : sc_module(name), socket("socket"), bytes(size, kUntouched), timing_(timing) {
    socket.register_b_transport(this, &TestMemory::b_transport);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
    const std::uint64_t a = t.get_address();
    const std::size_t n = t.get_data_length();
    if (a >= bytes.size() || n > bytes.size() - a) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (t.is_write()) {
      std::memcpy(&bytes[a], t.get_data_ptr(), n);
    } else {
      std::memcpy(t.get_data_ptr(), &bytes[a], n);
    }
    const BusAccess* ext = t.get_extension<BusAccess>();
    const Picoseconds at = to_ps(sc_core::sc_time_stamp() + delay);
    delay += timing_.occupancy(n);
    log.push_back(
        Access{at, to_ps(sc_core::sc_time_stamp() + delay), t.is_write(), a, n,
               ext ? ext->initiator : std::string("<none>"),
               ext && ext->mode == BusAccess::Mode::normal && ext->hold == BusAccess::Hold::none});
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  MemoryTiming timing_;
};

// A scripted channel device with no timing of its own: READ gives `record_length` bytes of its
// pattern stream (record k at offset k * record_length), WRITE takes up to `write_capacity` bytes.
class FakeDevice : public ChannelDevice {
 public:
  std::size_t record_length = 160;
  std::size_t write_capacity = 4096;
  std::uint8_t end_status = kCE | kDE;
  int starts = 0, ends = 0;
  std::vector<std::uint8_t> written;

  std::string channel_device_name() const override { return "fake0"; }
  std::uint8_t start_command(std::uint8_t command) override {
    ++starts;
    command_ = command;
    position_ = 0;
    return 0;
  }
  std::size_t channel_read(std::uint8_t* dst, std::size_t max) override {
    if (command_ != kRead) return 0;
    const std::size_t n = std::min(max, record_length - position_);
    fill_pattern(kSeed, kFakeStream, records_ * record_length + position_, dst, n);
    position_ += n;
    return n;
  }
  std::size_t channel_write(const std::uint8_t* src, std::size_t n) override {
    const std::size_t took = std::min(n, write_capacity - position_);
    written.insert(written.end(), src, src + took);
    position_ += took;
    return took;
  }
  std::uint8_t end_command() override {
    ++ends;
    if (command_ == kRead) ++records_;
    command_ = 0;
    return end_status;
  }

 private:
  std::uint8_t command_ = 0;
  std::size_t position_ = 0;
  std::size_t records_ = 0;
};

struct Rig {
  ChannelParams channel;
  CardReaderParams reader;
  MemoryTiming memory;
  std::size_t memory_size = 64 * 1024;
  bool system_bus = false;  // the project's Bus and Dram instead of TestMemory
  BusParams bus;
  DramParams dram;
};

struct Taken {
  std::uint32_t device;
  TestCsw csw;
};

// The test top: a "CPU" thread that runs the test body against the channel's registers.
class Top : public sc_core::sc_module {
 public:
  Rig setup;
  trace::VectorSink sink;
  ModelContext context;
  ChannelProcessor channel;
  CardReader reader0, reader1;
  FakeDevice fake;
  sc_core::sc_signal<bool> irq;
  tlm_utils::simple_initiator_socket<Top> cpu_socket;
  std::unique_ptr<TestMemory> memory;
  std::unique_ptr<Bus> bus;
  std::unique_ptr<Dram> dram;
  std::function<void(Top&)> body;
  std::vector<Picoseconds> irq_rises;
  bool body_done = false;
  std::uint64_t register_base = 0;
  static constexpr std::uint64_t kRegisterBase = 0xF000'0200;

  SC_HAS_PROCESS(Top);
  Top(sc_core::sc_module_name name, const Rig& s)
      : sc_module(name),
        setup(s),
        context(sink, kSeed),
        channel("channel0", s.channel, context),
        reader0("reader0", s.reader, context, kReader0Stream),
        reader1("reader1", s.reader, context, kReader1Stream),
        irq("irq"),
        cpu_socket("cpu_socket") {
    check_time_resolution();
    if (s.system_bus) {
      bus = std::make_unique<Bus>("bus", s.bus, context);
      dram = std::make_unique<Dram>("dram", s.dram, context);
      // The CPU reaches the registers over the bus too, as on the platform.
      channel.bus_socket.bind(bus->initiator_socket);
      cpu_socket.bind(bus->initiator_socket);
      bus->target_socket.bind(dram->bus_socket);
      bus->target_socket.bind(channel.register_socket);
      bus->map(0, 0, s.dram.size.bytes, "dram");
      bus->map(1, kRegisterBase, 0x100, "channel0");
      register_base = kRegisterBase;
    } else {
      memory = std::make_unique<TestMemory>("memory", s.memory_size, s.memory);
      channel.bus_socket.bind(memory->socket);
      cpu_socket.bind(channel.register_socket);
    }
    channel.irq_out(irq);
    channel.attach(kReader0, reader0);
    channel.attach(kReader1, reader1);
    channel.attach(kFake, fake);
    SC_THREAD(cpu);
    set_stack_size(1 << 20);
    SC_METHOD(count_irq);
    sensitive << irq.posedge_event();
    dont_initialize();
  }

  // --- memory back door ---
  void poke(std::uint64_t a, const std::vector<std::uint8_t>& v) {
    if (dram) {
      dram->poke(a, v.data(), v.size());
    } else {
      std::memcpy(&memory->bytes[a], v.data(), v.size());
    }
  }
  std::vector<std::uint8_t> peek(std::uint64_t a, std::size_t n) const {
    std::vector<std::uint8_t> v(n);
    if (dram) {
      dram->peek(a, v.data(), n);
    } else {
      std::memcpy(v.data(), &memory->bytes[a], n);
    }
    return v;
  }
  void program(std::uint64_t at, const std::vector<TestCcw>& ccws) {
    for (std::size_t i = 0; i < ccws.size(); ++i) poke(at + 8 * i, encode(ccws[i]));
  }
  TestCsw csw_in_memory() const { return decode_csw(peek(kCswAddress, 8).data()); }

  // --- register access from the CPU thread ---
  std::uint32_t access(bool write, std::uint64_t offset, std::uint32_t value = 0,
                       tlm::tlm_response_status* status = nullptr) {
    std::uint8_t data[4] = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                            static_cast<std::uint8_t>(value >> 16),
                            static_cast<std::uint8_t>(value >> 24)};
    tlm::tlm_generic_payload t;
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(register_base + offset);
    t.set_data_ptr(data);
    t.set_data_length(4);
    t.set_streaming_width(4);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time delay = sc_core::SC_ZERO_TIME;
    cpu_socket->b_transport(t, delay);
    wait(delay);
    if (status) {
      *status = t.get_response_status();
    } else {
      EXPECT_TRUE(t.is_response_ok()) << "register " << offset;
    }
    return static_cast<std::uint32_t>(data[0]) | static_cast<std::uint32_t>(data[1]) << 8 |
           static_cast<std::uint32_t>(data[2]) << 16 | static_cast<std::uint32_t>(data[3]) << 24;
  }
  std::uint32_t read(std::uint64_t offset) { return access(false, offset); }
  void write(std::uint64_t offset, std::uint32_t v) { access(true, offset, v); }

  /// CAW, DEVICE, START; returns the condition code.
  std::uint32_t start(std::uint16_t device, std::uint32_t caw) {
    write(0x00, caw);
    write(0x04, device);
    write(0x08, 1);
    return read(0x0C);
  }
  /// Waits for the interrupt line, accepts the oldest interruption and reads the stored CSW.
  Taken take() {
    if (!irq.read()) wait(irq.posedge_event());
    const std::uint32_t device = read(0x10);
    return Taken{device, csw_in_memory()};
  }
  Picoseconds now() const { return to_ps(sc_core::sc_time_stamp()); }

  template <class T>
  std::vector<const T*> records() const {
    std::vector<const T*> out;
    for (const trace::Record& r : sink.records) {
      if (const T* p = std::get_if<T>(&r.data)) out.push_back(p);
    }
    return out;
  }

 private:
  void cpu() {
    if (body) body(*this);
    body_done = true;
  }
  void count_irq() { irq_rises.push_back(now()); }
};

std::unique_ptr<Top> make_top(const Rig& s = Rig{}) {
  return std::make_unique<Top>("top", s);
}

void run(Top& top, std::function<void(Top&)> body) {
  top.body = std::move(body);
  sc_core::sc_start();
  EXPECT_TRUE(top.body_done) << "the test body did not finish (simulation starved)";
}

// ---------------------------------------------------------------------------------------------
// Programs.

TEST(ChannelTest, CommandChainReadsTwoCardsAndStoresCsw) {
  auto top = make_top();
  Taken taken{};
  std::uint32_t cc = 99, after = 0, status = 0;
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, kCC, 80, 0x2000}, {kRead, 0, 80, 0x2100}});
    cc = t.start(kReader0, 0x1000);
    taken = t.take();
    after = t.read(0x10);
    status = t.read(0x14);
  });
  EXPECT_EQ(cc, 0u);
  EXPECT_EQ(taken.device, kReader0);
  EXPECT_EQ(taken.csw.ccw_address, 0x1010u);  // last CCW + 8
  EXPECT_EQ(taken.csw.unit, kCE | kDE);
  EXPECT_EQ(taken.csw.channel, 0);
  EXPECT_EQ(taken.csw.residual, 0);
  EXPECT_EQ(after, 0xFFFFFFFFu);
  EXPECT_EQ(status, 0u);
  EXPECT_EQ(top->peek(0x2000, 80), card(kReader0Stream, 0));
  EXPECT_EQ(top->peek(0x2100, 80), card(kReader0Stream, 1));
  EXPECT_EQ(top->reader0.cards_read(), 2u);
  EXPECT_EQ(top->irq_rises.size(), 1u);
  EXPECT_EQ(top->channel.programs_completed(), 1u);
}

TEST(ChannelTest, DataChainingScattersOneRecordOverThreeBuffers) {
  auto top = make_top();
  top->context.declare_region("user.buf", trace::Layer::user, "user buffer");
  top->context.name_memory(0x3000, 0x100, "user.buf");
  Taken taken{};
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, kCD, 50, 0x2000}, {0x00, kCD, 60, 0x3000}, {0x00, 0, 50, 0x4000}});
    EXPECT_EQ(t.start(kFake, 0x1000), 0u);
    taken = t.take();
  });
  const std::vector<std::uint8_t> record = pattern(kFakeStream, 0, 160);
  EXPECT_EQ(top->peek(0x2000, 50), std::vector<std::uint8_t>(record.begin(), record.begin() + 50));
  EXPECT_EQ(top->peek(0x3000, 60),
            std::vector<std::uint8_t>(record.begin() + 50, record.begin() + 110));
  EXPECT_EQ(top->peek(0x4000, 50), std::vector<std::uint8_t>(record.begin() + 110, record.end()));
  EXPECT_EQ(top->peek(0x2000 + 50, 1)[0], kUntouched);
  EXPECT_EQ(taken.csw.ccw_address, 0x1018u);
  EXPECT_EQ(taken.csw.unit, kCE | kDE);
  EXPECT_EQ(taken.csw.channel, 0);  // record length 160 = total count: no incorrect length
  EXPECT_EQ(taken.csw.residual, 0);
  EXPECT_EQ(top->fake.starts, 1);  // one command for three CCWs
  EXPECT_EQ(top->fake.ends, 1);

  // One logical copy, one record per CCW, named by the regions it touched.
  const auto copies = top->records<trace::Copy>();
  ASSERT_EQ(copies.size(), 3u);
  const std::uint64_t expected_bytes[] = {50, 60, 50};
  const char* expected_to[] = {"dram", "user.buf", "dram"};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(copies[i]->copy_id, copies[0]->copy_id);
    EXPECT_EQ(copies[i]->engine, trace::Engine::channel);
    EXPECT_EQ(copies[i]->from, "fake0.buffer");
    EXPECT_EQ(copies[i]->to, expected_to[i]);
    EXPECT_EQ(copies[i]->bytes, expected_bytes[i]);
  }
  // Storage accesses of transfer_unit (8) bytes at most: ceil(50/8) + ceil(60/8) + ceil(50/8).
  int data_writes = 0;
  for (const Access& a : top->memory->log) {
    EXPECT_EQ(a.initiator, "channel0");
    EXPECT_TRUE(a.normal_mode);
    EXPECT_LE(a.length, 8u);
    if (a.write && a.address >= 0x2000) ++data_writes;
  }
  EXPECT_EQ(data_writes, 7 + 8 + 7);
}

TEST(ChannelTest, TransferInChannelContinuesTheProgramElsewhere) {
  auto top = make_top();
  Taken taken{};
  run(*top, [&](Top& t) {
    // The CCW after the TIC would be a program check if the channel fell through to it.
    t.program(0x1000, {{kRead, kCC, 80, 0x2000}, {kTic, 0, 0, 0x1800}, {0x00, 0, 0, 0}});
    t.program(0x1800, {{kRead, 0, 80, 0x2100}});
    EXPECT_EQ(t.start(kReader0, 0x1000), 0u);
    taken = t.take();
  });
  EXPECT_EQ(taken.csw.ccw_address, 0x1808u);
  EXPECT_EQ(taken.csw.unit, kCE | kDE);
  EXPECT_EQ(taken.csw.channel, 0);
  EXPECT_EQ(top->peek(0x2100, 80), card(kReader0Stream, 1));
}

TEST(ChannelTest, TicToTicIsAProgramCheck) {
  auto top = make_top();
  Taken taken{};
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, kCC, 80, 0x2000}, {kTic, 0, 0, 0x1800}});
    t.program(0x1800, {{kTic, 0, 0, 0x1900}});
    t.program(0x1900, {{kRead, 0, 80, 0x2100}});
    EXPECT_EQ(t.start(kReader0, 0x1000), 0u);
    taken = t.take();
  });
  EXPECT_EQ(taken.csw.channel, kChanPck);
  EXPECT_EQ(taken.csw.ccw_address, 0x1808u);  // the second TIC + 8
  EXPECT_EQ(taken.csw.unit, 0);               // the first command's status went into chaining
  EXPECT_EQ(top->peek(0x2000, 80), card(kReader0Stream, 0));
  EXPECT_EQ(top->peek(0x2100, 1)[0], kUntouched);
  EXPECT_EQ(top->reader0.cards_read(), 1u);
}

TEST(ChannelTest, InvalidCcwsAreProgramChecks) {
  auto top = make_top();
  std::vector<Taken> taken;
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, 0, 0, 0x2000}});       // count 0
    t.program(0x1100, {{0x00, 0, 80, 0x2000}});       // no such command
    t.program(0x1200, {{kTic, 0, 0, 0x1000}});        // TIC designated by the CAW
    t.program(0x1300, {{kRead, 0, 80, 0x00FF0000}});  // data outside memory
    t.program(0x1400, {{kRead, 0x04, 80, 0x2000}});   // IDA flag: not supported
    for (std::uint32_t caw : {0x1000u, 0x1100u, 0x1200u, 0x1300u, 0x1400u, 0x00FF0000u}) {
      EXPECT_EQ(t.start(kReader0, caw), 0u);
      taken.push_back(t.take());
    }
  });
  ASSERT_EQ(taken.size(), 6u);
  const std::uint32_t expected_address[] = {0x1008, 0x1108, 0x1208, 0x1308, 0x1408, 0x00FF0008};
  const std::uint16_t expected_residual[] = {0, 80, 0, 80, 80, 0};
  const std::uint8_t expected_unit[] = {0, 0, 0, kCE | kDE, 0, 0};
  for (std::size_t i = 0; i < taken.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(taken[i].device, kReader0);
    EXPECT_EQ(taken[i].csw.channel, kChanPck);
    EXPECT_EQ(taken[i].csw.ccw_address, expected_address[i]);
    EXPECT_EQ(taken[i].csw.residual, expected_residual[i]);
    EXPECT_EQ(taken[i].csw.unit, expected_unit[i]);
  }
  // Only the program with data outside memory got as far as the device.
  EXPECT_EQ(top->reader0.cards_read(), 1u);
  EXPECT_EQ(top->peek(0x2000, 1)[0], kUntouched);
  EXPECT_EQ(top->irq_rises.size(), 6u);
}

TEST(ChannelTest, IncorrectLengthAndSuppressLengthIndication) {
  auto top = make_top();
  std::vector<Taken> taken;
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, 0, 100, 0x2000}});     // card 0: record shorter than count
    t.program(0x1100, {{kRead, kSLI, 100, 0x2100}});  // card 1: same, suppressed
    t.program(0x1200, {{kRead, 0, 40, 0x2200}});      // card 2: record longer than count
    t.program(0x1300, {{kRead, kSLI, 40, 0x2300}});   // card 3: same, suppressed
    t.program(0x1400, {{kRead, kCC, 100, 0x2400}, {kRead, 0, 80, 0x2500}});  // card 4; IL stops CC
    t.program(0x1500, {{kRead, kCC | kSLI, 100, 0x2600}, {kRead, 0, 80, 0x2700}});  // cards 5, 6
    for (std::uint32_t caw : {0x1000u, 0x1100u, 0x1200u, 0x1300u, 0x1400u, 0x1500u}) {
      EXPECT_EQ(t.start(kReader0, caw), 0u);
      taken.push_back(t.take());
    }
  });
  ASSERT_EQ(taken.size(), 6u);
  const std::uint8_t expected_channel[] = {kChanIl, 0, kChanIl, 0, kChanIl, 0};
  const std::uint16_t expected_residual[] = {20, 20, 0, 0, 20, 0};
  const std::uint32_t expected_address[] = {0x1008, 0x1108, 0x1208, 0x1308, 0x1408, 0x1510};
  for (std::size_t i = 0; i < taken.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(taken[i].csw.channel, expected_channel[i]);
    EXPECT_EQ(taken[i].csw.residual, expected_residual[i]);
    EXPECT_EQ(taken[i].csw.ccw_address, expected_address[i]);
    EXPECT_EQ(taken[i].csw.unit, kCE | kDE);
  }
  EXPECT_EQ(top->peek(0x2000, 80), card(kReader0Stream, 0));
  EXPECT_EQ(top->peek(0x2000 + 80, 1)[0], kUntouched);
  const auto card2 = card(kReader0Stream, 2);
  EXPECT_EQ(top->peek(0x2200, 40), std::vector<std::uint8_t>(card2.begin(), card2.begin() + 40));
  EXPECT_EQ(top->peek(0x2200 + 40, 1)[0], kUntouched);
  EXPECT_EQ(top->peek(0x2500, 1)[0], kUntouched);  // not chained after incorrect length
  EXPECT_EQ(top->peek(0x2700, 80), card(kReader0Stream, 6));
  EXPECT_EQ(top->reader0.cards_read(), 7u);
}

TEST(ChannelTest, SkipReadsTheCardWithoutStoringIt) {
  auto top = make_top();
  Taken taken{};
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, kCC | kSKIP, 80, 0x2000}, {kRead, 0, 80, 0x2100}});
    EXPECT_EQ(t.start(kReader0, 0x1000), 0u);
    taken = t.take();
  });
  EXPECT_EQ(taken.csw.ccw_address, 0x1010u);
  EXPECT_EQ(taken.csw.unit, kCE | kDE);
  EXPECT_EQ(taken.csw.channel, 0);
  EXPECT_EQ(top->peek(0x2000, 80), std::vector<std::uint8_t>(80, kUntouched));
  EXPECT_EQ(top->peek(0x2100, 80), card(kReader0Stream, 1));  // card 0 was skipped
  for (const Access& a : top->memory->log) {
    EXPECT_FALSE(a.write && a.address >= 0x2000 && a.address < 0x2100) << a.address;
  }
  EXPECT_EQ(top->records<trace::Copy>().size(), 1u);
}

TEST(ChannelTest, EmptyHopperEndsWithUnitExceptionAndRejectedCommandWithSense) {
  Rig s;
  s.reader.hopper_cards = 1;
  auto top = make_top(s);
  std::vector<Taken> taken;
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, kCC, 80, 0x2000}, {kRead, 0, 80, 0x2100}});
    t.program(0x1100, {{kWrite, 0, 80, 0x2000}});
    t.program(0x1200, {{kSense, 0, 1, 0x2200}});
    for (std::uint32_t caw : {0x1000u, 0x1100u, 0x1200u}) {
      EXPECT_EQ(t.start(kReader0, caw), 0u);
      taken.push_back(t.take());
    }
  });
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].csw.unit, kCE | kDE | kUE);
  EXPECT_EQ(taken[0].csw.ccw_address, 0x1010u);
  EXPECT_EQ(taken[0].csw.residual, 80);
  EXPECT_EQ(taken[1].csw.unit, kCE | kDE | kUC);  // a reader cannot write
  EXPECT_EQ(taken[2].csw.unit, kCE | kDE);
  EXPECT_EQ(taken[2].csw.residual, 0);
  EXPECT_EQ(top->peek(0x2200, 1)[0], card_reader_sense::command_reject);
  EXPECT_EQ(top->peek(0x2100, 1)[0], kUntouched);
}

TEST(ChannelTest, WriteMovesMemoryToTheDevice) {
  auto top = make_top();
  const std::vector<std::uint8_t> data = pattern(7, 0, 100);
  Taken taken{};
  run(*top, [&](Top& t) {
    t.poke(0x2000, data);
    t.program(0x1000, {{kWrite, 0, 100, 0x2000}});
    EXPECT_EQ(t.start(kFake, 0x1000), 0u);
    taken = t.take();
  });
  EXPECT_EQ(top->fake.written, data);
  EXPECT_EQ(taken.csw.unit, kCE | kDE);
  EXPECT_EQ(taken.csw.channel, 0);
  const auto copies = top->records<trace::Copy>();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0]->from, "dram");
  EXPECT_EQ(copies[0]->to, "fake0.buffer");
  EXPECT_EQ(copies[0]->bytes, 100u);
}

// ---------------------------------------------------------------------------------------------
// Interruptions.

TEST(ChannelTest, PciGivesOneExtraInterruptionBeforeTheFinalOne) {
  auto top = make_top();
  Taken pci{}, final_one{};
  Picoseconds pci_taken_at = 0;
  run(*top, [&](Top& t) {
    t.program(0x1000,
              {{kRead, kCC, 80, 0x2000}, {kRead, kCC | kPCI, 80, 0x2100}, {kRead, 0, 80, 0x2200}});
    EXPECT_EQ(t.start(kReader0, 0x1000), 0u);
    pci = t.take();
    pci_taken_at = t.now();
    final_one = t.take();
  });
  EXPECT_EQ(pci.device, kReader0);
  EXPECT_EQ(pci.csw.channel, kChanPci);
  EXPECT_EQ(pci.csw.unit, 0);
  EXPECT_EQ(pci.csw.ccw_address, 0x1010u);  // the PCI CCW + 8
  EXPECT_EQ(final_one.csw.channel, 0);
  EXPECT_EQ(final_one.csw.unit, kCE | kDE);
  EXPECT_EQ(final_one.csw.ccw_address, 0x1018u);
  ASSERT_EQ(top->irq_rises.size(), 2u);
  // The PCI comes when the second CCW is fetched: after card 0, well before card 1 is read.
  const Picoseconds cycle = to_ps(top->reader0.params().card_cycle());
  EXPECT_GT(top->irq_rises[0], cycle);
  EXPECT_LT(top->irq_rises[0], 2 * cycle);
  EXPECT_LT(pci_taken_at, top->irq_rises[1]);
  EXPECT_GT(top->irq_rises[1], 3 * cycle);
  EXPECT_EQ(top->channel.interruptions_presented(), 2u);
}

TEST(ChannelTest, PciNotYetAcceptedMergesIntoTheFinalStatus) {
  auto top = make_top();
  Taken taken{};
  std::uint32_t after = 0;
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, kCC | kPCI, 80, 0x2000}, {kRead, 0, 80, 0x2100}});
    EXPECT_EQ(t.start(kReader0, 0x1000), 0u);
    wait(t.reader0.params().card_cycle() * 3.0);  // the CPU looks only after the program ended
    taken = t.take();
    after = t.read(0x10);
  });
  EXPECT_EQ(taken.csw.channel, kChanPci);
  EXPECT_EQ(taken.csw.unit, kCE | kDE);
  EXPECT_EQ(taken.csw.ccw_address, 0x1010u);
  EXPECT_TRUE(Csw::from_bytes(top->peek(kCswAddress, 8).data()).final());
  EXPECT_EQ(after, 0xFFFFFFFFu);
  EXPECT_EQ(top->irq_rises.size(), 1u);  // the level stayed high from the PCI on
}

// ---------------------------------------------------------------------------------------------
// Selector and multiplexer.

TEST(ChannelTest, SelectorIsBusyForAnyDeviceWhileAProgramRuns) {
  auto top = make_top();
  std::uint32_t cc_first = 9, cc_second = 9, cc_unknown = 9, status_running = 0;
  std::uint32_t cc_pending = 9, status_after_store = 9, cc_later = 9;
  TestCsw stored{};
  Taken second{};
  Picoseconds t0 = 0, t_end = 0;
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, kCC, 80, 0x2000}, {kRead, 0, 80, 0x2100}});
    t.program(0x1800, {{kRead, kCC, 80, 0x3000}, {kRead, 0, 80, 0x3100}});
    t0 = t.now();
    cc_first = t.start(kReader0, 0x1000);
    cc_second = t.start(kReader1, 0x1800);
    cc_unknown = t.start(7, 0x1800);
    status_running = t.read(0x14);
    wait(t.irq.posedge_event());
    // Device 1 has status pending: a START for it stores the CSW instead of starting.
    cc_pending = t.start(kReader0, 0x1000);
    stored = t.csw_in_memory();
    status_after_store = t.read(0x14);
    cc_later = t.start(kReader1, 0x1800);
    second = t.take();
    t_end = t.now();
  });
  EXPECT_EQ(cc_first, 0u);
  EXPECT_EQ(cc_second, 2u);
  EXPECT_EQ(cc_unknown, 3u);
  EXPECT_EQ(status_running, 0x2u);
  EXPECT_EQ(cc_pending, 1u);
  EXPECT_EQ(stored.ccw_address, 0x1010u);
  EXPECT_EQ(stored.unit, kCE | kDE);
  EXPECT_EQ(status_after_store, 0u);
  EXPECT_EQ(cc_later, 0u);
  EXPECT_EQ(second.device, kReader1);
  EXPECT_EQ(second.csw.ccw_address, 0x1810u);
  EXPECT_EQ(top->reader0.cards_read(), 2u);  // the refused START did not run the program again
  EXPECT_EQ(top->peek(0x3100, 80), card(kReader1Stream, 1));
  // Serialised: four card cycles at least.
  EXPECT_GE(t_end - t0, 4 * to_ps(top->reader0.params().card_cycle()));
}

TEST(ChannelTest, MultiplexerRunsTwoProgramsAtOnceInterleavingUnits) {
  Rig s;
  s.channel.kind = "multiplexer";
  auto top = make_top(s);
  std::uint32_t cc0 = 9, cc1 = 9, cc_again = 9;
  std::vector<Taken> taken;
  Picoseconds t0 = 0, t_end = 0;
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, kCC, 80, 0x2000}, {kRead, 0, 80, 0x2100}});
    t.program(0x1800, {{kRead, kCC, 80, 0x3000}, {kRead, 0, 80, 0x3100}});
    t0 = t.now();
    cc0 = t.start(kReader0, 0x1000);
    cc1 = t.start(kReader1, 0x1800);
    cc_again = t.start(kReader0, 0x1000);  // its own subchannel is busy
    taken.push_back(t.take());
    taken.push_back(t.take());
    t_end = t.now();
  });
  EXPECT_EQ(cc0, 0u);
  EXPECT_EQ(cc1, 0u);
  EXPECT_EQ(cc_again, 2u);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].device, kReader0);  // started first, ends first
  EXPECT_EQ(taken[1].device, kReader1);
  EXPECT_EQ(taken[0].csw.ccw_address, 0x1010u);
  EXPECT_EQ(taken[1].csw.ccw_address, 0x1810u);
  for (const Taken& k : taken) {
    EXPECT_EQ(k.csw.unit, kCE | kDE);
    EXPECT_EQ(k.csw.channel, 0);
  }
  EXPECT_EQ(top->peek(0x2000, 80), card(kReader0Stream, 0));
  EXPECT_EQ(top->peek(0x2100, 80), card(kReader0Stream, 1));
  EXPECT_EQ(top->peek(0x3000, 80), card(kReader1Stream, 0));
  EXPECT_EQ(top->peek(0x3100, 80), card(kReader1Stream, 1));
  // Concurrent: two card cycles and a little, where a selector needs four.
  const Picoseconds cycle = to_ps(top->reader0.params().card_cycle());
  EXPECT_LT(t_end - t0, 3 * cycle);
  EXPECT_GE(t_end - t0, 2 * cycle);

  // Byte multiplexing: while both have a card in the buffer, their storage accesses alternate.
  auto owner = [](const Access& a) {
    return (a.address & 0x1800) == 0x1800 || a.address >= 0x3000;
  };
  const auto& log = top->memory->log;
  std::size_t first1 = log.size(), last0 = 0;
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (log[i].write && log[i].address >= 0x3000 && log[i].address < 0x3050 && first1 == log.size())
      first1 = i;
    if (log[i].write && log[i].address >= 0x2000 && log[i].address < 0x2050) last0 = i;
  }
  ASSERT_LT(first1, last0) << "the two card transfers did not overlap";
  EXPECT_GE(last0 - first1, 4u);
  for (std::size_t i = first1 + 1; i <= last0; ++i) {
    EXPECT_NE(owner(log[i]), owner(log[i - 1])) << "access " << i << " at " << log[i].address;
  }
  // Per-subchannel program records overlap in time.
  std::vector<const trace::Record*> programs;
  for (const trace::Record& r : top->sink.records) {
    if (auto* a = std::get_if<trace::DeviceActivity>(&r.data); a && a->phase == "program") {
      programs.push_back(&r);
    }
  }
  ASSERT_EQ(programs.size(), 2u);
  EXPECT_EQ(std::get<trace::DeviceActivity>(programs[0]->data).device, "channel0.sub1");
  EXPECT_EQ(std::get<trace::DeviceActivity>(programs[1]->data).device, "channel0.sub2");
  EXPECT_LT(programs[1]->start, programs[0]->end);
}

// ---------------------------------------------------------------------------------------------
// Timing against the closed form (docs/models/channel.md).

TEST(ChannelTest, InterruptTimeOfOneCardReadMatchesClosedForm) {
  Rig s;
  s.channel.register_latency = sc_time(120, SC_NS);
  s.channel.ccw_decode = sc_time(700, SC_NS);
  s.channel.device_selection = sc_time(1500, SC_NS);
  s.reader.cards_per_minute = 1200;  // 50 ms per card
  auto top = make_top(s);
  Picoseconds t_start = 0;
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, 0, 80, 0x2000}});
    t.write(0x00, 0x1000);
    t.write(0x04, kReader0);
    t_start = t.now();
    t.write(0x08, 1);
    t.take();
  });
  // Test memory: occ(n) = 30 ns + ceil(n / 4) * 30 ns + 50 ns, so occ(8) = 140 ns.
  const Picoseconds occ8 = 140'000;
  const Picoseconds expected = t_start + 120'000  // START decode
                               + occ8 + 700'000   // CCW fetch + decode
                               + 1'500'000        // device selection
                               + 50'000'000'000   // one card cycle, 60 s / 1200
                               + 10 * occ8;       // 80 bytes in 8-byte units
  ASSERT_EQ(top->irq_rises.size(), 1u);
  EXPECT_EQ(top->irq_rises[0], expected);
}

TEST(ChannelTest, InterruptTimeOfChainedProgramMatchesClosedForm) {
  auto top = make_top();  // defaults: 100 ns, 1 us, 2 us, 1000 cards/min, unit 8
  Picoseconds t_start = 0;
  run(*top, [&](Top& t) {
    // 50 bytes of card 0 (SLI), a TIC, then all of card 1 scattered 30 + 50 by data chaining.
    t.program(0x1000, {{kRead, kCC | kSLI, 50, 0x2000}, {kTic, 0, 0, 0x1100}});
    t.program(0x1100, {{kRead, kCD, 30, 0x2100}, {kRead, 0, 50, 0x2200}});
    t.write(0x00, 0x1000);
    t.write(0x04, kReader0);
    t_start = t.now();
    t.write(0x08, 1);
    t.take();
  });
  const Picoseconds occ8 = 140'000, occ2 = 30'000 + 30'000 + 50'000,
                    occ6 = 30'000 + 60'000 + 50'000;
  const Picoseconds fetch = occ8 + 1'000'000, select = 2'000'000, cycle = 60'000'000'000;
  const Picoseconds expected = t_start + 100'000 + fetch + select + cycle  // card 0 ready
                               + 6 * occ8 + occ2                           // 50 bytes
                               + fetch + fetch + select + cycle  // TIC, READ CD, card 1 ready
                               + 3 * occ8 + occ6                 // 30 bytes
                               + fetch                           // data-chained CCW
                               + 6 * occ8 + occ2;                // 50 bytes
  ASSERT_EQ(top->irq_rises.size(), 1u);
  EXPECT_EQ(top->irq_rises[0], expected);
  EXPECT_EQ(top->peek(0x2100, 30), pattern(kReader0Stream, 80, 30));
  EXPECT_EQ(top->peek(0x2200, 50), pattern(kReader0Stream, 110, 50));
}

TEST(ChannelTest, InterruptTimeOnTheSystemBusMatchesBusFormula) {
  Rig s;
  s.system_bus = true;
  s.bus.clock = Frequency(33'000'000);
  s.bus.width = ByteSize(4);
  s.bus.arbitration = sc_time(30, SC_NS);
  s.dram.size = ByteSize(1 << 20);
  s.dram.access_latency = sc_time(50, SC_NS);
  s.channel.transfer_unit = ByteSize(16);
  auto top = make_top(s);
  Picoseconds t_start = 0, t_start_done = 0, t_read = 0, t_read_done = 0;
  Taken taken{};
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, 0, 80, 0x2000}});
    t.write(0x00, 0x1000);
    t.write(0x04, kReader0);
    t_start = t.now();
    t.write(0x08, 1);
    t_start_done = t.now();
    wait(t.irq.posedge_event());
    t_read = t.now();
    const std::uint32_t device = t.read(0x10);
    t_read_done = t.now();
    taken = Taken{device, t.csw_in_memory()};
  });
  // occ(n, latency) = arbitration + ceil(ceil(n / width) * 1e12 / clock) ps + target latency
  auto occ = [](std::uint64_t n, Picoseconds latency) -> Picoseconds {
    const std::uint64_t beats = (n + 3) / 4;
    return 30'000 + (beats * 1'000'000'000'000ULL + 33'000'000 - 1) / 33'000'000 + latency;
  };
  const Picoseconds dram = 50'000, reg = 100'000;
  // The register write holds the bus until the channel has decoded it; the first CCW fetch
  // follows on the bus.
  EXPECT_EQ(t_start_done, t_start + occ(4, reg));
  const Picoseconds expected =
      t_start_done + occ(8, dram) + 1'000'000 + 2'000'000 + 60'000'000'000 + 5 * occ(16, dram);
  ASSERT_EQ(top->irq_rises.size(), 1u);
  EXPECT_EQ(top->irq_rises[0], expected);
  // Accepting the interruption: the CSW store, then the register read itself.
  EXPECT_EQ(t_read, expected);
  EXPECT_EQ(t_read_done, t_read + occ(8, dram) + occ(4, reg));
  EXPECT_EQ(taken.device, kReader0);
  EXPECT_EQ(top->peek(0x2000, 80), card(kReader0Stream, 0));
  EXPECT_EQ(taken.csw.unit, kCE | kDE);
  EXPECT_EQ(taken.csw.ccw_address, 0x1008u);
}

// ---------------------------------------------------------------------------------------------
// Trace and registers.

TEST(ChannelTest, TraceHasOneCopyPerCcwAndChannelActivities) {
  auto top = make_top();
  run(*top, [&](Top& t) {
    t.program(0x1000, {{kRead, kCC, 80, 0x2000}, {kTic, 0, 0, 0x1100}});
    t.program(0x1100, {{kRead, kSLI, 40, 0x2100}});
    EXPECT_EQ(t.start(kReader0, 0x1000), 0u);
    t.take();
  });
  const auto copies = top->records<trace::Copy>();
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_NE(copies[0]->copy_id, copies[1]->copy_id);  // two commands, two logical copies
  EXPECT_EQ(copies[0]->from, "reader0.buffer");
  EXPECT_EQ(copies[0]->to, "dram");
  EXPECT_EQ(copies[0]->bytes, 80u);
  EXPECT_EQ(copies[1]->bytes, 40u);

  std::vector<std::string> ccw_details;
  int selects = 0, csws = 0, programs = 0;
  for (const trace::Record& r : top->sink.records) {
    const auto* a = std::get_if<trace::DeviceActivity>(&r.data);
    if (!a) continue;
    EXPECT_LE(r.start, r.end);
    if (a->device == "channel0" && a->phase == "ccw") ccw_details.push_back(a->detail);
    if (a->device == "channel0" && a->phase == "select") ++selects;
    if (a->device == "channel0" && a->phase == "csw") ++csws;
    if (a->device == "channel0.sub1" && a->phase == "program") ++programs;
  }
  const std::vector<std::string> expected = {"READ CC addr=0x2000 count=80 dev=1",
                                             "TIC addr=0x1100 dev=1",
                                             "READ SLI addr=0x2100 count=40 dev=1"};
  EXPECT_EQ(ccw_details, expected);
  EXPECT_EQ(selects, 2);
  EXPECT_EQ(csws, 1);
  EXPECT_EQ(programs, 1);
  // Regions used by copies are declared before (or when) they are used.
  std::vector<std::string> declared;
  for (const auto* d : top->records<trace::RegionDecl>()) declared.push_back(d->name);
  EXPECT_NE(std::find(declared.begin(), declared.end(), "reader0.buffer"), declared.end());
  EXPECT_NE(std::find(declared.begin(), declared.end(), "dram"), declared.end());
}

TEST(ChannelTest, RegistersRejectWrongAccesses) {
  auto top = make_top();
  tlm::tlm_response_status to_cc{}, to_unknown{}, read_start{};
  std::uint32_t caw = 0, dev = 0, none = 0;
  run(*top, [&](Top& t) {
    t.access(true, 0x0C, 1, &to_cc);
    t.access(false, 0x40, 0, &to_unknown);
    t.access(false, 0x08, 0, &read_start);
    t.write(0x00, 0x12345678);
    t.write(0x04, 0x2);
    caw = t.read(0x00);
    dev = t.read(0x04);
    none = t.read(0x10);
  });
  EXPECT_EQ(to_cc, tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(to_unknown, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(read_start, tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(caw, 0x12345678u);
  EXPECT_EQ(dev, 2u);
  EXPECT_EQ(none, 0xFFFFFFFFu);
  EXPECT_TRUE(top->irq_rises.empty());
}

TEST(ChannelTest, CcwAndCswLayoutsAreBigEndian) {
  const Ccw c = Ccw::from_bytes(encode({0x02, 0x60, 0x1234, 0x00ABCDEF}).data());
  EXPECT_EQ(c.command, 0x02);
  EXPECT_EQ(c.flags, 0x60);
  EXPECT_EQ(c.count, 0x1234);
  EXPECT_EQ(c.data_address, 0x00ABCDEFu);
  const auto bytes = c.bytes();
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin(), bytes.end()),
            encode({0x02, 0x60, 0x1234, 0x00ABCDEF}));
  Csw w;
  w.ccw_address = 0x01020304;
  w.unit_status = 0x0C;
  w.channel_status = 0x40;
  w.residual = 0x0506;
  const auto cb = w.bytes();
  const TestCsw d = decode_csw(cb.data());
  EXPECT_EQ(d.ccw_address, 0x01020304u);
  EXPECT_EQ(d.unit, 0x0C);
  EXPECT_EQ(d.channel, 0x40);
  EXPECT_EQ(d.residual, 0x0506);
  Csw pci;
  pci.channel_status = channel_status::pci;
  EXPECT_FALSE(pci.final());
}

}  // namespace
}  // namespace iosim::hw
