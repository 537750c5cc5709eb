// The bus against its occupancy formula and its three ways of competing for it.
#include <functional>
#include <vector>

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/hw/bus.h"
#include "models/hw/dram.h"

namespace iosim::hw {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;

/// An initiator whose SC_THREAD runs a test script.
struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  std::function<void(Initiator&)> script;
  std::string who;
  SC_HAS_PROCESS(Initiator);
  Initiator(sc_core::sc_module_name n, std::string name_on_bus)
      : sc_module(n), who(std::move(name_on_bus)) {
    SC_THREAD(run);
  }
  void run() {
    if (script) script(*this);
  }
  /// One transaction; returns the grant info. `delay` is the local time offset in and out.
  BusGrant transfer(std::uint64_t address, unsigned length, sc_time& delay,
                    BusAccess::Mode mode = BusAccess::Mode::normal,
                    BusAccess::Hold hold = BusAccess::Hold::none) {
    std::vector<std::uint8_t> data(length, 0xAB);
    tlm::tlm_generic_payload t;
    BusAccess access;
    access.initiator = who;
    access.mode = mode;
    access.hold = hold;
    BusGrantInfo info;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_address(address);
    t.set_data_ptr(data.data());
    t.set_data_length(length);
    t.set_streaming_width(length);
    t.set_extension(&access);
    t.set_extension(&info);
    socket->b_transport(t, delay);
    t.clear_extension(&access);
    t.clear_extension(&info);
    last_status = t.get_response_status();
    return info.grant;
  }
  tlm::tlm_response_status last_status = tlm::TLM_INCOMPLETE_RESPONSE;
};

struct BusFixture : ::testing::Test {
  trace::VectorSink sink;
  ModelContext context{sink, 1};
  BusParams bus_params;    // 100 MHz, 8 B wide, 10 ns arbitration
  DramParams dram_params;  // 50 ns access latency
  Bus bus{"bus", bus_params, context};
  Dram dram{"dram", dram_params, context};
  Initiator a{"a", "a"};
  Initiator b{"b", "b"};

  void SetUp() override {
    a.socket.bind(bus.initiator_socket);
    b.socket.bind(bus.initiator_socket);
    bus.target_socket.bind(dram.bus_socket);
    bus.map(0, 0, dram_params.size.bytes, "dram");
  }
  // occupancy = arbitration + ceil(len / width) / clock + target latency, in ps.
  Picoseconds occupancy(unsigned length) const {
    const std::uint64_t beats = (length + bus_params.width.bytes - 1) / bus_params.width.bytes;
    return to_ps(bus_params.arbitration) + beats * 1'000'000'000'000ULL / bus_params.clock.hertz +
           to_ps(dram_params.access_latency);
  }
};

TEST_F(BusFixture, OccupancyFollowsTheFormula) {
  EXPECT_EQ(to_ps(bus.occupancy(64, dram_params.access_latency)), 140'000u);  // 10 + 8*10 + 50 ns
  EXPECT_EQ(occupancy(64), 140'000u);
  EXPECT_EQ(occupancy(4), 70'000u);
  sc_time delay = sc_core::SC_ZERO_TIME;
  BusGrant grant;
  a.script = [&](Initiator& i) { grant = i.transfer(0x1000, 64, delay); };
  sc_core::sc_start();
  EXPECT_EQ(to_ps(delay), occupancy(64));
  EXPECT_EQ(grant.stall(), 0u);
}

TEST_F(BusFixture, SecondInitiatorQueuesBehindTheFirst) {
  BusGrant ga, gb;
  a.script = [&](Initiator& i) {
    sc_time d = sc_core::SC_ZERO_TIME;
    ga = i.transfer(0x1000, 64, d);
  };
  b.script = [&](Initiator& i) {
    sc_time d = sc_core::SC_ZERO_TIME;
    gb = i.transfer(0x2000, 64, d);
  };
  sc_core::sc_start();
  EXPECT_EQ(ga.granted, 0u);
  EXPECT_EQ(gb.granted, occupancy(64));
  EXPECT_EQ(gb.stall(), occupancy(64));
}

TEST_F(BusFixture, DecoupledInitiatorLeavesEarlierGapsToOthers) {
  // a runs 1 us ahead and books the bus there; b, at time 0, still gets the bus at once.
  BusGrant ga, gb;
  a.script = [&](Initiator& i) {
    sc_time d(1000, SC_NS);
    ga = i.transfer(0x1000, 64, d);
  };
  b.script = [&](Initiator& i) {
    sc_time d = sc_core::SC_ZERO_TIME;
    gb = i.transfer(0x2000, 64, d);
  };
  sc_core::sc_start();
  EXPECT_EQ(ga.granted, 1'000'000u);
  EXPECT_EQ(gb.granted, 0u);
}

TEST_F(BusFixture, BurstHoldKeepsOthersOffUntilRelease) {
  BusGrant gb;
  Picoseconds released = 0;
  a.script = [&](Initiator& i) {
    sc_time d = sc_core::SC_ZERO_TIME;
    i.transfer(0x1000, 8, d, BusAccess::Mode::normal, BusAccess::Hold::acquire);
    sc_core::wait(d);
    sc_core::wait(2, sc_core::SC_US);  // holding the bus idle, as block-mode DMA waiting for data
    d = sc_core::SC_ZERO_TIME;
    i.transfer(0x1008, 8, d, BusAccess::Mode::normal, BusAccess::Hold::release);
    released = to_ps(sc_core::sc_time_stamp() + d);
  };
  b.script = [&](Initiator& i) {
    sc_core::wait(100, SC_NS);
    sc_time d = sc_core::SC_ZERO_TIME;
    gb = i.transfer(0x2000, 8, d);
  };
  sc_core::sc_start();
  // Inside a hold no arbitration is paid: release ends at 70 ns + 2 us + (70 - 10) ns.
  EXPECT_EQ(released, occupancy(8) + 2'000'000u + occupancy(8) - to_ps(bus_params.arbitration));
  EXPECT_EQ(gb.granted, released);
  EXPECT_EQ(gb.stall(), released - 100'000u);
  bus.flush_records();
  Picoseconds busy_a = 0;
  for (const auto& r : sink.records) {
    if (auto* t = std::get_if<trace::BusTenure>(&r.data); t && t->initiator == "a")
      busy_a += t->busy;
  }
  EXPECT_EQ(busy_a, released);  // the holder is charged the idle bus too
}

TEST_F(BusFixture, TransparentTransferKeepsOutOfTheCpusWay) {
  BusGrant gb;
  a.script = [&](Initiator&) {
    bus.announce_cpu_access(sc_time(100, SC_NS));  // the CPU's next access starts at 100 ns
    sc_core::wait(100, SC_NS);
    sc_time d = sc_core::SC_ZERO_TIME;
    a.transfer(0x1000, 64, d);
    bus.withdraw_cpu_announcement();
  };
  b.script = [&](Initiator& i) {
    sc_core::wait(50, SC_NS);  // 50 + 70 > 100: does not fit before the CPU's access
    sc_time d = sc_core::SC_ZERO_TIME;
    gb = i.transfer(0x2000, 4, d, BusAccess::Mode::transparent);
  };
  sc_core::sc_start();
  EXPECT_EQ(gb.granted, 100'000u + occupancy(64));
}

TEST_F(BusFixture, TransparentTransferUsesAGapThatFits) {
  BusGrant gb;
  a.script = [&](Initiator&) { bus.announce_cpu_access(sc_time(200, SC_NS)); };
  b.script = [&](Initiator& i) {
    sc_core::wait(50, SC_NS);  // 50 + 70 <= 200: fits
    sc_time d = sc_core::SC_ZERO_TIME;
    gb = i.transfer(0x2000, 4, d, BusAccess::Mode::transparent);
  };
  sc_core::sc_start();
  EXPECT_EQ(gb.granted, 50'000u);
}

TEST_F(BusFixture, UnmappedAddressIsAnError) {
  a.script = [&](Initiator& i) {
    sc_time d = sc_core::SC_ZERO_TIME;
    i.transfer(0xFFFF'FFFF'0000ULL, 4, d);
  };
  sc_core::sc_start();
  EXPECT_EQ(a.last_status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

}  // namespace
}  // namespace iosim::hw
