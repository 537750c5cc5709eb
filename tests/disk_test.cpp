// The disk drive and controller (models/hw/disk.h) against closed-form timing.
//
// Most tests use a geometry whose times are whole picoseconds: 6000 rpm (a turn takes 10 ms),
// 50 sectors per track (a sector passes in 200 us) and start_angle 0.25 (the platter is 2.5 ms
// into its turn at time zero). Every expectation is computed here from the parameters with the
// formulas of docs/models/disk.md, not read back from the model.
#include "models/hw/disk.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/core/payload.h"
#include "models/core/trace.h"

namespace iosim::hw {
namespace {

using sc_core::SC_MS;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_US;

constexpr std::uint64_t kSeed = 0x5eed;
constexpr Picoseconds kNs = 1'000;
constexpr Picoseconds kUs = 1'000'000;
constexpr Picoseconds kMs = 1'000'000'000;

// The exact geometry.
constexpr Picoseconds kTurn = 10 * kMs;          // 60 s / 6000 rpm
constexpr Picoseconds kSector = kTurn / 50;      // 200 us
constexpr Picoseconds kAngleOffset = kTurn / 4;  // start_angle 0.25
constexpr Picoseconds kOverhead = 10 * kUs;
constexpr Picoseconds kRegister = 100 * kNs;
constexpr std::uint64_t kHeads = 4;
constexpr std::uint64_t kSpt = 50;
constexpr std::uint64_t kStartCylinder = 10;

DiskParams exact_hdd() {
  DiskParams p;
  p.kind = "hdd";
  p.cylinders = 303;  // a third is 101 cylinders: sqrt((26 - 1) / (101 - 1)) = 0.5 exactly
  p.heads = kHeads;
  p.sectors_per_track = kSpt;
  p.rpm = 6000;
  p.track_to_track_seek = sc_time(1, SC_MS);
  p.average_seek = sc_time(8, SC_MS);
  p.full_stroke_seek = sc_time(16, SC_MS);
  p.start_cylinder = kStartCylinder;
  p.start_angle = 0.25;
  p.buffer_size = ByteSize(64 * 1024);
  p.data_register_width = ByteSize(4);
  p.register_latency = sc_time(100, SC_NS);
  p.command_overhead = sc_time(10, SC_US);
  return p;
}

std::uint64_t lba_of(std::uint64_t cylinder, std::uint64_t head, std::uint64_t sector) {
  return (cylinder * kHeads + head) * kSpt + sector;
}

// The earliest time >= t at which sector `s` of a track starts under the head.
Picoseconds next_pass(Picoseconds t, std::uint64_t s) {
  const Picoseconds position = (t + kAngleOffset) % kTurn;
  return t + (s * kSector + kTurn - position) % kTurn;
}

// The seek curve of docs/models/disk.md, written out independently of the model.
Picoseconds expected_seek(const DiskParams& p, std::uint64_t d) {
  if (d == 0) return 0;
  const long double track = to_ps(p.track_to_track_seek);
  const long double average = to_ps(p.average_seek);
  const long double full = to_ps(p.full_stroke_seek);
  const std::uint64_t third = p.cylinders / 3;
  if (d <= third) {
    const double root = std::sqrt(static_cast<double>(d - 1) / static_cast<double>(third - 1));
    return static_cast<Picoseconds>(
        std::llround(static_cast<double>(track) + static_cast<double>(average - track) * root));
  }
  const long double slope = (full - average) / static_cast<long double>(p.cylinders - 1 - third);
  return static_cast<Picoseconds>(std::llroundl(average + slope * (d - third)));
}

std::vector<std::uint8_t> pattern(std::uint64_t lba, std::size_t sectors, unsigned disk = 0) {
  std::vector<std::uint8_t> bytes(sectors * 512);
  fill_pattern(kSeed, disk, lba * 512, bytes.data(), bytes.size());
  return bytes;
}

const std::uint8_t kBsy = ata_status::bsy, kDrq = ata_status::drq, kErr = ata_status::err;

// A CPU stand-in: one thread with a register socket bound straight to the disk, a local time
// offset for temporal decoupling, and a record of every INTRQ edge.
class Host : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Host> socket{"socket"};
  sc_core::sc_signal<bool> irq{"irq"};
  Disk disk;
  std::vector<Picoseconds> rises, falls;
  sc_time local = sc_core::SC_ZERO_TIME;

  SC_HAS_PROCESS(Host);
  Host(sc_core::sc_module_name name, const DiskParams& params, ModelContext& context,
       std::function<void(Host&)> body)
      : sc_core::sc_module(name), disk("disk0", params, 0, context), body_(std::move(body)) {
    socket.bind(disk.register_socket);
    disk.irq_out.bind(irq);
    SC_THREAD(run);
    SC_METHOD(watch_irq);
    sensitive << irq;
    dont_initialize();
  }

  Picoseconds now() const { return to_ps(sc_core::sc_time_stamp() + local); }
  // Moves the local clock to absolute time t (never behind the simulation clock).
  void at(Picoseconds t) {
    ASSERT_GE(t, to_ps(sc_core::sc_time_stamp()));
    local = from_ps(t) - sc_core::sc_time_stamp();
  }
  void sync() {
    wait(local);
    local = sc_core::SC_ZERO_TIME;
  }
  void wait_irq() {
    sync();
    if (!irq.read()) wait(irq.posedge_event());
  }

  tlm::tlm_response_status access(tlm::tlm_command command, std::uint64_t address,
                                  std::uint8_t* data, std::size_t length) {
    tlm::tlm_generic_payload trans;
    trans.set_command(command);
    trans.set_address(address);
    trans.set_data_ptr(data);
    trans.set_data_length(length);
    trans.set_streaming_width(length);
    trans.set_byte_enable_ptr(nullptr);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(trans, local);
    return trans.get_response_status();
  }
  std::uint8_t read(std::uint64_t reg) {
    std::uint8_t value = 0xEE;
    EXPECT_EQ(access(tlm::TLM_READ_COMMAND, reg, &value, 1), tlm::TLM_OK_RESPONSE);
    return value;
  }
  void write(std::uint64_t reg, std::uint8_t value) {
    EXPECT_EQ(access(tlm::TLM_WRITE_COMMAND, reg, &value, 1), tlm::TLM_OK_RESPONSE);
  }
  std::uint8_t status() { return read(ata_register::status); }
  std::uint8_t alt_status() { return read(ata_register::alternate_status); }

  void issue(std::uint8_t command, std::uint64_t lba, std::uint8_t count) {
    write(ata_register::sector_count, count);
    write(ata_register::lba_low, lba & 0xFF);
    write(ata_register::lba_mid, (lba >> 8) & 0xFF);
    write(ata_register::lba_high, (lba >> 16) & 0xFF);
    write(ata_register::device, ata_device::lba_mode | ((lba >> 24) & 0x0F));
    write(ata_register::command, command);
  }
  // Issues `command` with the command register written at exactly time t.
  void issue_at(Picoseconds t, std::uint8_t command, std::uint64_t lba, std::uint8_t count) {
    const Picoseconds latency = to_ps(disk.params().register_latency);
    at(t - 5 * latency);
    issue(command, lba, count);
    EXPECT_EQ(now(), t + latency);
  }

  // Polls STATUS every `step` until DRQ; fails (instead of spinning forever) after a second.
  bool poll_drq(sc_time step) {
    const Picoseconds give_up = now() + 1000 * kMs;
    while (!(status() & kDrq)) {
      if (now() > give_up) {
        ADD_FAILURE() << "no DRQ";
        return false;
      }
      local += step;
    }
    return true;
  }

  std::vector<std::uint8_t> read_sector() {
    std::vector<std::uint8_t> bytes(512);
    for (std::size_t i = 0; i < bytes.size(); i += 4) {
      EXPECT_EQ(access(tlm::TLM_READ_COMMAND, ata_register::data, &bytes[i], 4),
                tlm::TLM_OK_RESPONSE);
    }
    return bytes;
  }
  void write_sector(const std::vector<std::uint8_t>& bytes) {
    std::vector<std::uint8_t> copy(bytes);
    for (std::size_t i = 0; i < copy.size(); i += 4) {
      EXPECT_EQ(access(tlm::TLM_WRITE_COMMAND, ata_register::data, &copy[i], 4),
                tlm::TLM_OK_RESPONSE);
    }
  }

  // The first time in [from, to] at which ALTERNATE STATUS shows DRQ (it has no side effects,
  // so the controller can be asked about any moment ahead of the clock). Leaves the local clock
  // at that time.
  Picoseconds first_drq(Picoseconds from, Picoseconds to) {
    while (from < to) {
      const Picoseconds mid = from + (to - from) / 2;
      at(mid);
      if (alt_status() & kDrq) {
        to = mid;
      } else {
        from = mid + 1;
      }
    }
    at(from);
    return from;
  }

 private:
  void run() { body_(*this); }
  void watch_irq() { (irq.read() ? rises : falls).push_back(to_ps(sc_core::sc_time_stamp())); }
  std::function<void(Host&)> body_;
};

std::vector<trace::DeviceActivity> activities(const trace::VectorSink& sink,
                                              const std::string& phase,
                                              std::vector<trace::Record>* records = nullptr) {
  std::vector<trace::DeviceActivity> found;
  for (const auto& r : sink.records) {
    if (const auto* a = std::get_if<trace::DeviceActivity>(&r.data)) {
      if (a->phase != phase) continue;
      found.push_back(*a);
      if (records) records->push_back(r);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------

/// The largest ATA CHS geometry, 7200 rpm: a drive whose sector time is no whole number of
/// picoseconds, unlike the textbook defaults.
DiskParams ata_chs_drive() {
  DiskParams p;
  p.cylinders = 16383;
  p.heads = 16;
  p.sectors_per_track = 63;
  p.rpm = 7200;
  return p;
}

TEST(DiskSeek, FollowsTheCurve) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  DiskParams p = ata_chs_drive();  // 16383 cylinders: a third is 5461
  Disk disk("disk", p, 0, context);
  const std::uint64_t d_max = p.cylinders - 1;
  EXPECT_EQ(to_ps(disk.seek_time(0)), 0u);
  EXPECT_EQ(to_ps(disk.seek_time(1)), 1 * kMs);
  EXPECT_EQ(to_ps(disk.seek_time(5461)), 8 * kMs);
  EXPECT_EQ(to_ps(disk.seek_time(d_max)), 16 * kMs);
  for (std::uint64_t d : {2ULL, 100ULL, 1000ULL, 5460ULL, 5462ULL, 10000ULL, 16000ULL}) {
    EXPECT_EQ(to_ps(disk.seek_time(d)), expected_seek(p, d)) << "distance " << d;
  }
  // Hand-computed points of the exact geometry (303 cylinders, third 101, span 201).
  Disk exact("exact", exact_hdd(), 1, context);
  EXPECT_EQ(to_ps(exact.seek_time(26)), 4'500'000'000u);  // 1 + 7 * sqrt(25/100) ms
  EXPECT_EQ(to_ps(exact.seek_time(101)), 8 * kMs);
  EXPECT_EQ(to_ps(exact.seek_time(201)), 11'980'099'502u);  // 8 + 8 * 100/201 ms
  EXPECT_EQ(to_ps(exact.seek_time(302)), 16 * kMs);
  EXPECT_EQ(exact.sector_count(), 303u * 4 * 50);
}

TEST(DiskHdd, FirstDrqAfterOverheadSeekRotationAndOneSector) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  const DiskParams p = exact_hdd();
  const std::uint64_t cylinder = kStartCylinder + 26;  // a 4.5 ms seek
  const std::uint64_t lba = lba_of(cylinder, 2, 17);
  const Picoseconds t0 = 3 * kUs;
  const Picoseconds seek_end = t0 + kOverhead + 4'500'000'000;
  const Picoseconds first_start = next_pass(seek_end, 17);
  const Picoseconds r0 = first_start + kSector;
  // By hand: the seek ends 4.513 ms in, the platter is at 7.013/10 of a turn, sector 17 starts
  // at 3.4/10: 6.387 ms of rotation, then 0.2 ms for the sector.
  EXPECT_EQ(r0, 11'100'000'000u);
  std::vector<std::uint8_t> got;
  Host host("host", p, context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::read_sectors, lba, 4);
    h.at(r0 - 1);
    EXPECT_EQ(h.status(), kBsy);
    h.at(r0);
    EXPECT_EQ(h.status(), ata_status::drdy | kDrq);
    for (int i = 0; i < 4; ++i) {
      const Picoseconds ready = r0 + i * kSector;
      if (i > 0) {
        h.at(ready - 1);
        EXPECT_FALSE(h.status() & kDrq) << "sector " << i;
        h.at(ready);
        EXPECT_TRUE(h.status() & kDrq) << "sector " << i;
      }
      const auto sector = h.read_sector();
      got.insert(got.end(), sector.begin(), sector.end());
    }
    EXPECT_EQ(h.status(), ata_status::drdy);
    EXPECT_EQ(to_ps(sc_core::sc_time_stamp()), 0u);  // the host never waited
  });
  sc_core::sc_start();
  EXPECT_EQ(got, pattern(lba, 4));
  EXPECT_EQ(host.disk.current_cylinder(), cylinder);
  EXPECT_TRUE(host.rises.empty());

  std::vector<trace::Record> r;
  ASSERT_EQ(activities(sink, "command", &r).size(), 1u);
  EXPECT_EQ(r[0].start, t0);
  EXPECT_EQ(r[0].end, t0 + kOverhead);
  r.clear();
  const auto seeks = activities(sink, "seek", &r);
  ASSERT_EQ(seeks.size(), 1u);
  EXPECT_EQ(seeks[0].detail, "cylinder 10 -> 36");
  EXPECT_EQ(r[0].start, t0 + kOverhead);
  EXPECT_EQ(r[0].end, seek_end);
  r.clear();
  ASSERT_EQ(activities(sink, "rotate", &r).size(), 1u);
  EXPECT_EQ(r[0].start, seek_end);
  EXPECT_EQ(r[0].end, first_start);
  r.clear();
  const auto transfers = activities(sink, "transfer", &r);
  ASSERT_EQ(transfers.size(), 1u);
  EXPECT_EQ(r[0].start, first_start);
  EXPECT_EQ(r[0].end, first_start + 4 * kSector);
  EXPECT_NE(transfers[0].detail.find("2048 B"), std::string::npos) << transfers[0].detail;
  EXPECT_EQ(r[0].actor, "disk0");
}

TEST(DiskHdd, ReadCrossesTrackAndCylinderBoundaries) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  // Sectors 48-49 of head 2, all of head 3 (a free head switch), then sectors 0-1 of the next
  // cylinder (a track-to-track seek, then waiting for sector 0 to come round).
  const std::uint64_t lba = lba_of(kStartCylinder, 2, 48);
  const std::uint64_t count = 2 + kSpt + 2;
  const Picoseconds t0 = 1 * kUs;
  const Picoseconds start = next_pass(t0 + kOverhead, 48);
  std::vector<Picoseconds> ready;
  for (std::uint64_t i = 0; i < 2 + kSpt; ++i) ready.push_back(start + (i + 1) * kSector);
  const Picoseconds seek_start = ready.back();
  const Picoseconds seek_end = seek_start + 1 * kMs;
  const Picoseconds next_cylinder = next_pass(seek_end, 0);
  ready.push_back(next_cylinder + kSector);
  ready.push_back(next_cylinder + 2 * kSector);
  // By hand: sector 48 starts 7.1 ms in, the 52nd sector ends at 17.5 ms, the seek ends at
  // 18.5 ms with the platter at 1/10 of a turn, so sector 0 comes round at 27.5 ms.
  EXPECT_EQ(start, 7'100'000'000u);
  EXPECT_EQ(next_cylinder, 27'500'000'000u);
  std::vector<std::uint8_t> got;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::read_sectors, lba, count);
    for (std::uint64_t i = 0; i < count; ++i) {
      h.at(ready[i] - 1);
      EXPECT_FALSE(h.status() & kDrq) << "sector " << i;
      h.at(ready[i]);
      EXPECT_TRUE(h.status() & kDrq) << "sector " << i;
      const auto sector = h.read_sector();
      got.insert(got.end(), sector.begin(), sector.end());
    }
  });
  sc_core::sc_start();
  EXPECT_EQ(got, pattern(lba, count));
  EXPECT_EQ(host.disk.current_cylinder(), kStartCylinder + 1);
  std::vector<trace::Record> r;
  const auto seeks = activities(sink, "seek", &r);
  ASSERT_EQ(seeks.size(), 1u);
  EXPECT_EQ(seeks[0].detail, "cylinder 10 -> 11");
  EXPECT_EQ(r[0].start, seek_start);
  EXPECT_EQ(r[0].end, seek_end);
  r.clear();
  ASSERT_EQ(activities(sink, "transfer", &r).size(), 2u);
  EXPECT_EQ(r[0].start, start);
  EXPECT_EQ(r[0].end, seek_start);
  EXPECT_EQ(r[1].start, next_cylinder);
  EXPECT_EQ(r[1].end, next_cylinder + 2 * kSector);
  r.clear();
  ASSERT_EQ(activities(sink, "rotate", &r).size(), 2u);
  EXPECT_EQ(r[1].start, seek_end);
  EXPECT_EQ(r[1].end, next_cylinder);
}

TEST(DiskHdd, FullBufferStopsTheMediaUntilTheSectorComesRoundAgain) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  DiskParams p = exact_hdd();
  p.buffer_size = ByteSize(2 * 512);
  const std::uint64_t lba = lba_of(kStartCylinder, 0, 5);
  const Picoseconds t0 = 1 * kUs;
  const Picoseconds r0 = next_pass(t0 + kOverhead, 5) + kSector;
  const Picoseconds r1 = r0 + kSector;
  Picoseconds freed = 0, r2 = 0;
  std::vector<std::uint8_t> got;
  Host host("host", p, context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::read_sectors, lba, 4);
    // The host comes late: both buffer slots are full and sector 7 passed under the head at r1.
    h.at(r1 + 50 * kUs);
    EXPECT_TRUE(h.status() & kDrq);
    auto sector = h.read_sector();
    got.insert(got.end(), sector.begin(), sector.end());
    freed = h.now();
    // Sector 7 next passes one revolution after r1.
    EXPECT_EQ(next_pass(freed, 7), r1 + kTurn);
    r2 = next_pass(freed, 7) + kSector;
    sector = h.read_sector();
    got.insert(got.end(), sector.begin(), sector.end());
    for (Picoseconds ready : {r2, r2 + kSector}) {
      h.at(ready - 1);
      EXPECT_FALSE(h.status() & kDrq);
      h.at(ready);
      EXPECT_TRUE(h.status() & kDrq);
      sector = h.read_sector();
      got.insert(got.end(), sector.begin(), sector.end());
    }
  });
  sc_core::sc_start();
  EXPECT_EQ(got, pattern(lba, 4));
  std::vector<trace::Record> r;
  ASSERT_EQ(activities(sink, "transfer", &r).size(), 2u);
  EXPECT_EQ(r[0].end, r1);
  EXPECT_EQ(r[1].start, r2 - kSector);
  EXPECT_EQ(r[1].end, r2 + kSector);
  r.clear();
  ASSERT_EQ(activities(sink, "rotate", &r).size(), 2u);
  EXPECT_EQ(r[1].start, freed);
  EXPECT_EQ(r[1].end, r2 - kSector);
}

TEST(DiskHdd, PolledReadWithAnnotatedDelaysGetsThePatternAndNeverWaits) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  DiskParams p = ata_chs_drive();  // 7200 rpm, 63 sectors: times are not whole picoseconds
  p.start_cylinder = 100;
  p.start_angle = 0.3;
  const std::uint64_t cylinder = 1100, sector_in_track = 40;
  const std::uint64_t lba = (cylinder * p.heads + 5) * p.sectors_per_track + sector_in_track;
  const Picoseconds t0 = 2 * kUs;
  // Closed form in long double: seek, then rotate to sector 40 from the angle the seek ends at.
  const long double turn = 60e12L / p.rpm;
  const long double seek_end = t0 + to_ps(p.command_overhead) + expected_seek(p, 1000);
  long double angle = p.start_angle + seek_end / turn;
  angle -= std::floor(angle);
  long double wait = static_cast<long double>(sector_in_track) / p.sectors_per_track - angle;
  if (wait < 0) wait += 1;
  const long double r0 = seek_end + wait * turn + turn / p.sectors_per_track;
  std::vector<std::uint8_t> got;
  Host host("host", p, context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::read_sectors, lba, 0);  // 0 means 256 sectors
    const Picoseconds first = h.first_drq(t0, t0 + 100 * kMs);
    // The exact time rounded up to the next picosecond.
    EXPECT_GE(static_cast<long double>(first), r0 - 1e-6L);
    EXPECT_LT(static_cast<long double>(first), r0 + 1.0L);
    for (int s = 0; s < 256; ++s) {
      ASSERT_TRUE(h.poll_drq(sc_time(1, SC_US)));
      const auto bytes = h.read_sector();
      got.insert(got.end(), bytes.begin(), bytes.end());
    }
    EXPECT_EQ(h.status(), ata_status::drdy);
    EXPECT_EQ(to_ps(sc_core::sc_time_stamp()), 0u);  // neither host nor disk ever waited
    EXPECT_GT(h.now(), static_cast<Picoseconds>(r0) + 255 * to_ps(sc_time(132, SC_US)));
  });
  sc_core::sc_start();
  EXPECT_EQ(got, pattern(lba, 256));
  EXPECT_TRUE(host.rises.empty());
}

TEST(DiskHdd, InterruptPerSectorWhenEnabled) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = lba_of(kStartCylinder, 1, 3);
  const Picoseconds t0 = 1 * kUs;
  const Picoseconds start = next_pass(t0 + kOverhead, 3);
  std::vector<Picoseconds> ready = {start + kSector, start + 2 * kSector, start + 3 * kSector};
  std::vector<std::uint8_t> got;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.issue_at(t0, ata_command::read_sectors, lba, 3);
    for (int i = 0; i < 3; ++i) {
      h.wait_irq();
      EXPECT_EQ(h.now(), ready[i]);
      h.local = sc_time(1, SC_US);  // interrupt entry
      EXPECT_EQ(h.status(), ata_status::drdy | kDrq);
      const auto bytes = h.read_sector();
      got.insert(got.end(), bytes.begin(), bytes.end());
    }
    h.sync();
  });
  sc_core::sc_start();
  EXPECT_EQ(got, pattern(lba, 3));
  EXPECT_EQ(host.rises, ready);
  ASSERT_EQ(host.falls.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(host.falls[i], ready[i] + 1 * kUs);
}

TEST(DiskHdd, NoInterruptWithNienSet) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  std::vector<std::uint8_t> got;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue(ata_command::read_sectors, 77, 3);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(h.poll_drq(sc_time(5, SC_US)));
      const auto bytes = h.read_sector();
      got.insert(got.end(), bytes.begin(), bytes.end());
    }
    h.sync();
  });
  sc_core::sc_start();
  EXPECT_EQ(got, pattern(77, 3));
  EXPECT_TRUE(host.rises.empty());
}

TEST(DiskDma, ReadRaisesDreqPerSectorAndOneInterrupt) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = lba_of(kStartCylinder, 3, 45);
  const Picoseconds t0 = 1 * kUs;
  const Picoseconds start = next_pass(t0 + kOverhead, 45);
  const std::vector<Picoseconds> ready = {start + kSector, start + 2 * kSector,
                                          start + 3 * kSector};
  std::vector<Picoseconds> dreq_rises;
  std::vector<std::uint8_t> got(3 * 512);
  Picoseconds terminal_count = 0;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.issue_at(t0, ata_command::read_dma, lba, 3);
    h.sync();
    EXPECT_FALSE(h.disk.dma_request());
    for (std::size_t done = 0; done < got.size(); done += 4) {
      if (!h.disk.dma_request()) {
        while (!h.disk.dma_request()) wait(h.disk.dma_request_event());
        dreq_rises.push_back(h.now());
        EXPECT_EQ(h.alt_status(), kBsy);
        h.sync();
      }
      h.disk.dma_read(&got[done], 4);
      if (done + 4 < got.size()) wait(100, SC_NS);  // one bus transaction per unit
    }
    EXPECT_FALSE(h.disk.dma_request());
    terminal_count = h.now();
    h.disk.dma_terminal_count();
    h.wait_irq();
    EXPECT_EQ(h.now(), terminal_count);
    EXPECT_EQ(h.status(), ata_status::drdy);
  });
  sc_core::sc_start();
  EXPECT_EQ(got, pattern(lba, 3));
  EXPECT_EQ(dreq_rises, ready);
  EXPECT_EQ(host.rises, std::vector<Picoseconds>{terminal_count});
}

TEST(DiskDma, WriteCompletesWhenTheMediaHasTheData) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = lba_of(kStartCylinder, 0, 10);
  const Picoseconds t0 = 1 * kUs;
  const Picoseconds decoded = t0 + kOverhead;
  std::vector<std::uint8_t> data(2 * 512);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  // Sector 0 is in the buffer after 128 units 100 ns apart; it goes to the media when sector 10
  // next comes round, sector 11 right behind it.
  const Picoseconds filled = decoded + 127 * 100 * kNs;
  const Picoseconds written = next_pass(filled, 10) + 2 * kSector;
  Picoseconds first_dreq = 0;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.issue_at(t0, ata_command::write_dma, lba, 2);
    h.sync();
    while (!h.disk.dma_request()) wait(h.disk.dma_request_event());
    first_dreq = h.now();
    for (std::size_t done = 0; done < data.size(); done += 4) {
      while (!h.disk.dma_request()) wait(h.disk.dma_request_event());
      h.disk.dma_write(&data[done], 4);
      if (done + 4 < data.size()) wait(100, SC_NS);
    }
    h.disk.dma_terminal_count();
    h.at(written - 1);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.at(written);
    EXPECT_EQ(h.alt_status(), ata_status::drdy);
    h.at(written - 1);  // the ALT STATUS probes have no side effect: take their time back
    h.wait_irq();
    EXPECT_EQ(h.now(), written);
  });
  sc_core::sc_start();
  EXPECT_EQ(first_dreq, decoded);
  EXPECT_EQ(host.rises, std::vector<Picoseconds>{written});
  std::vector<std::uint8_t> media(data.size());
  host.disk.peek(lba, media.data(), media.size());
  EXPECT_EQ(media, data);
}

TEST(DiskHdd, PioWriteInterruptsPerSectorAndReadsBack) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = lba_of(kStartCylinder, 1, 20);
  const Picoseconds t0 = 1 * kUs;
  std::vector<std::uint8_t> first(512), second(512);
  for (std::size_t i = 0; i < 512; ++i) {
    first[i] = static_cast<std::uint8_t>(i ^ 0x5A);
    second[i] = static_cast<std::uint8_t>(255 - i);
  }
  Picoseconds taken = 0, written = 0;
  std::vector<std::uint8_t> read_back;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.issue_at(t0, ata_command::write_sectors, lba, 2);
    EXPECT_EQ(h.first_drq(t0, t0 + 1 * kMs), t0 + kOverhead);  // no interrupt for block one
    h.write_sector(first);
    taken = h.now();
    // Sector 20 is written when it next passes, sector 21 right after it.
    written = next_pass(taken, 20) + 2 * kSector;
    h.wait_irq();
    EXPECT_EQ(h.now(), taken);  // block taken and room for the next
    h.local = sc_time(1, SC_US);
    EXPECT_EQ(h.status(), ata_status::drdy | kDrq);
    h.write_sector(second);
    h.at(written - 1);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.at(written - 1);  // the ALT STATUS probe has no side effect: take its time back
    h.wait_irq();
    EXPECT_EQ(h.now(), written);
    EXPECT_EQ(h.status(), ata_status::drdy);
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue(ata_command::read_sectors, lba, 2);
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(h.poll_drq(sc_time(10, SC_US)));
      const auto bytes = h.read_sector();
      read_back.insert(read_back.end(), bytes.begin(), bytes.end());
    }
  });
  sc_core::sc_start();
  std::vector<std::uint8_t> expected(first);
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(read_back, expected);
  std::vector<std::uint8_t> media(1024);
  host.disk.peek(lba, media.data(), media.size());
  EXPECT_EQ(media, expected);
  EXPECT_EQ(host.rises, (std::vector<Picoseconds>{taken, written}));
  const auto transfers = activities(sink, "transfer");
  ASSERT_GE(transfers.size(), 1u);
  EXPECT_NE(transfers[0].detail.find("buffer -> media"), std::string::npos);
}

TEST(DiskChannel, LocateAndReadStreamSectors) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = lba_of(kStartCylinder, 2, 30);
  std::vector<std::uint8_t> got;
  std::vector<Picoseconds> arrivals;
  Picoseconds t0 = 0;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    Disk& d = h.disk;
    const std::uint8_t ce_de = unit_status::channel_end | unit_status::device_end;
    ASSERT_EQ(d.start_command(ccw_command::locate), 0);
    const std::uint8_t address[4] = {
        static_cast<std::uint8_t>(lba >> 24), static_cast<std::uint8_t>(lba >> 16),
        static_cast<std::uint8_t>(lba >> 8), static_cast<std::uint8_t>(lba)};
    EXPECT_EQ(d.channel_write(address, 4), 4u);
    EXPECT_EQ(d.end_command(), ce_de);
    wait(2, SC_US);
    t0 = h.now();
    ASSERT_EQ(d.start_command(ccw_command::read), 0);
    std::vector<std::uint8_t> buffer(3 * 512);
    std::size_t filled = 0;
    while (filled < buffer.size()) {
      const std::size_t n = d.channel_read(&buffer[filled], buffer.size() - filled);
      ASSERT_GT(n, 0u);
      filled += n;
      arrivals.push_back(h.now());
    }
    got = buffer;
    EXPECT_EQ(d.end_command(), ce_de);
    // SENSE after a good command: no error.
    ASSERT_EQ(d.start_command(ccw_command::sense), 0);
    std::uint8_t sense = 0xFF;
    EXPECT_EQ(d.channel_read(&sense, 1), 1u);
    EXPECT_EQ(sense, disk_sense::none);
    EXPECT_EQ(d.end_command(), ce_de);
  });
  sc_core::sc_start();
  const Picoseconds start = next_pass(t0 + kOverhead, 30);
  EXPECT_EQ(arrivals,
            (std::vector<Picoseconds>{start + kSector, start + 2 * kSector, start + 3 * kSector}));
  EXPECT_EQ(got, pattern(lba, 3));
  std::vector<trace::Record> r;
  const auto transfers = activities(sink, "transfer", &r);
  ASSERT_EQ(transfers.size(), 1u);  // the read-ahead sector not begun by the end is not read
  EXPECT_EQ(r[0].start, start);
  EXPECT_EQ(r[0].end, start + 3 * kSector);
  EXPECT_TRUE(host.rises.empty());  // the channel interrupts the CPU, not the disk
}

TEST(DiskChannel, WriteWholeSectorsAndEndWhenOnTheMedia) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = lba_of(kStartCylinder + 1, 0, 0);  // a one-cylinder seek away
  std::vector<std::uint8_t> data(2 * 512 + 100);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 13);
  Picoseconds t0 = 0, ended = 0;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    Disk& d = h.disk;
    ASSERT_EQ(d.start_command(ccw_command::locate), 0);
    const std::uint8_t address[4] = {0, 0, static_cast<std::uint8_t>(lba >> 8),
                                     static_cast<std::uint8_t>(lba)};
    EXPECT_EQ(d.channel_write(address, 4), 4u);
    d.end_command();
    t0 = h.now();
    ASSERT_EQ(d.start_command(ccw_command::write), 0);
    std::size_t taken = 0;
    while (taken < data.size()) {
      const std::size_t n = d.channel_write(&data[taken], data.size() - taken);
      ASSERT_GT(n, 0u);
      taken += n;
    }
    EXPECT_EQ(h.now(), t0 + kOverhead);  // waited for the command decode, then took it all
    EXPECT_EQ(d.end_command(), unit_status::channel_end | unit_status::device_end);
    ended = h.now();
  });
  sc_core::sc_start();
  // Seek 1 ms, wait for sector 0, write three sectors (the last one padded with zeros).
  EXPECT_EQ(ended, next_pass(t0 + kOverhead + 1 * kMs, 0) + 3 * kSector);
  std::vector<std::uint8_t> media(3 * 512);
  host.disk.peek(lba, media.data(), media.size());
  std::vector<std::uint8_t> expected(data);
  expected.resize(3 * 512, 0);
  EXPECT_EQ(media, expected);
  EXPECT_EQ(host.disk.current_cylinder(), kStartCylinder + 1);
}

TEST(DiskChannel, WriteWaitsForRoomRatherThanTakingLess) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  DiskParams p = exact_hdd();
  p.buffer_size = ByteSize(2 * 512);
  const std::uint64_t lba = lba_of(kStartCylinder, 0, 0);
  std::vector<std::uint8_t> data(4 * 512);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31 + 1);
  Picoseconds t0 = 0, returned = 0, ended = 0;
  std::size_t taken = 0;
  Host host("host", p, context, [&](Host& h) {
    Disk& d = h.disk;
    ASSERT_EQ(d.start_command(ccw_command::locate), 0);
    const std::uint8_t address[4] = {0, 0, static_cast<std::uint8_t>(lba >> 8),
                                     static_cast<std::uint8_t>(lba)};
    EXPECT_EQ(d.channel_write(address, 4), 4u);
    d.end_command();
    t0 = h.now();
    ASSERT_EQ(d.start_command(ccw_command::write), 0);
    taken = d.channel_write(data.data(), data.size());  // twice the buffer in one call
    returned = h.now();
    d.end_command();
    ended = h.now();
  });
  sc_core::sc_start();
  // Two sectors fit at once; sector 2 gets the slot of sector 0 when sector 0 is on the media,
  // sector 3 that of sector 1; the media writes all four back to back.
  const Picoseconds first = next_pass(t0 + kOverhead, 0);
  EXPECT_EQ(taken, data.size());
  EXPECT_EQ(returned, first + 2 * kSector);
  EXPECT_EQ(ended, first + 4 * kSector);
  std::vector<std::uint8_t> media(data.size());
  host.disk.peek(lba, media.data(), media.size());
  EXPECT_EQ(media, data);
}

TEST(DiskChannel, RejectsBadCommandsAndIsBusyDuringAnAtaCommand) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  Host host("host", exact_hdd(), context, [&](Host& h) {
    Disk& d = h.disk;
    const std::uint8_t ce_de = unit_status::channel_end | unit_status::device_end;
    EXPECT_EQ(d.start_command(0x55), unit_status::unit_check);
    ASSERT_EQ(d.start_command(ccw_command::sense), 0);
    std::uint8_t sense = 0;
    EXPECT_EQ(d.channel_read(&sense, 1), 1u);
    EXPECT_EQ(d.channel_read(&sense, 1), 0u);
    EXPECT_EQ(sense, disk_sense::command_reject);
    EXPECT_EQ(d.end_command(), ce_de);
    // Locate beyond the last sector.
    ASSERT_EQ(d.start_command(ccw_command::locate), 0);
    const std::uint64_t beyond = d.sector_count();
    const std::uint8_t address[4] = {0, static_cast<std::uint8_t>(beyond >> 16),
                                     static_cast<std::uint8_t>(beyond >> 8),
                                     static_cast<std::uint8_t>(beyond)};
    EXPECT_EQ(d.channel_write(address, 4), 4u);
    EXPECT_EQ(d.end_command(), ce_de | unit_status::unit_check);
    ASSERT_EQ(d.start_command(ccw_command::sense), 0);
    EXPECT_EQ(d.channel_read(&sense, 1), 1u);
    EXPECT_EQ(sense, disk_sense::command_reject);
    d.end_command();
    ASSERT_EQ(d.start_command(ccw_command::no_operation), 0);
    EXPECT_EQ(d.end_command(), ce_de);
    // An ATA command owns the drive until it completes.
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue(ata_command::read_sectors, 0, 1);
    h.sync();
    EXPECT_EQ(d.start_command(ccw_command::read), unit_status::busy);
  });
  sc_core::sc_start();
}

TEST(DiskSsd, ReadFollowsLatencyAndBandwidth) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  DiskParams p;
  p.kind = "ssd";
  p.ssd_read_latency = sc_time(50, SC_US);
  p.ssd_read_bandwidth = Bandwidth(300'000'000);  // 512 B in 1706666.67 ps: rounding matters
  p.register_latency = sc_time(1, SC_NS);         // the host drains a sector well within one
  const std::uint64_t lba = 1234;
  const Picoseconds t0 = 1 * kUs;
  std::vector<Picoseconds> expected, seen;
  for (std::uint64_t i = 0; i < 4; ++i) {
    // ceil((i + 1) * 512 B / 300 MB/s) in ps
    const Picoseconds transfer = ((i + 1) * 512 * 1'000'000'000'000ULL + 299'999'999) / 300'000'000;
    expected.push_back(t0 + kOverhead + 50 * kUs + transfer);
  }
  EXPECT_EQ(expected[0], 62'706'667u);
  std::vector<std::uint8_t> got;
  Host host("host", p, context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::read_sectors, lba, 4);
    for (int i = 0; i < 4; ++i) {
      seen.push_back(h.first_drq(h.now(), h.now() + 1 * kMs));
      const auto bytes = h.read_sector();
      got.insert(got.end(), bytes.begin(), bytes.end());
    }
  });
  sc_core::sc_start();
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(got, pattern(lba, 4));
}

TEST(DiskSsd, WriteCompletesAfterLatencyAndBandwidth) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  DiskParams p;
  p.kind = "ssd";
  p.register_latency = sc_time(1, SC_NS);
  const Picoseconds t0 = 1 * kUs;
  // The host fills both sectors long before the 20 us write latency is over.
  const Picoseconds done = t0 + kOverhead + 20 * kUs + 2'275'556;  // ceil(1024 B / 450 MB/s)
  std::vector<std::uint8_t> data(1024, 0xA5);
  Host host("host", p, context, [&](Host& h) {
    h.issue_at(t0, ata_command::write_sectors, 500, 2);
    h.at(t0 + kOverhead);
    ASSERT_TRUE(h.alt_status() & kDrq);
    h.write_sector(std::vector<std::uint8_t>(data.begin(), data.begin() + 512));
    ASSERT_TRUE(h.alt_status() & kDrq);
    h.write_sector(std::vector<std::uint8_t>(data.begin() + 512, data.end()));
    h.at(done - 1);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.at(done);
    EXPECT_EQ(h.alt_status(), ata_status::drdy);
    h.sync();
  });
  sc_core::sc_start();
  EXPECT_EQ(host.rises.back(), done);
  std::vector<std::uint8_t> media(1024);
  host.disk.peek(500, media.data(), media.size());
  EXPECT_EQ(media, data);
}

TEST(DiskErrors, UnknownCommandAndBadAddressesAbort) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  const Picoseconds t0 = 1 * kUs;
  std::vector<Picoseconds> error_times;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.issue_at(t0, 0xEE, 0, 1);  // not a command this drive knows
    h.at(t0 + kOverhead - 1);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.at(t0 + kOverhead);
    EXPECT_EQ(h.alt_status(), ata_status::drdy | kErr);
    EXPECT_EQ(h.read(ata_register::error), ata_error::abrt);
    h.at(t0 + kOverhead - 1);  // ALT STATUS and ERROR reads have no side effect
    h.wait_irq();
    error_times.push_back(h.now());
    EXPECT_EQ(h.status(), ata_status::drdy | kErr);

    // Two sectors from the last one: beyond the end of the disk.
    h.issue(ata_command::read_sectors, h.disk.sector_count() - 1, 2);
    const Picoseconds issued = h.now() - kRegister;
    h.wait_irq();
    error_times.push_back(h.now());
    EXPECT_EQ(h.now(), issued + kOverhead);
    EXPECT_EQ(h.status(), ata_status::drdy | kErr);
    EXPECT_EQ(h.read(ata_register::error), ata_error::abrt);

    // LBA48: bit 24 comes from the previous LBA low byte.
    h.write(ata_register::sector_count, 0);
    h.write(ata_register::sector_count, 1);
    h.write(ata_register::lba_low, 1);
    h.write(ata_register::lba_low, 0);
    h.write(ata_register::command, ata_command::read_sectors_ext);
    h.wait_irq();
    error_times.push_back(h.now());
    EXPECT_EQ(h.status(), ata_status::drdy | kErr);

    // A good command clears the error.
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue(ata_command::read_sectors, 0, 1);
    EXPECT_EQ(h.read(ata_register::error), 0);
    ASSERT_TRUE(h.poll_drq(sc_time(10, SC_US)));
    EXPECT_EQ(h.status(), ata_status::drdy | kDrq);
    h.read_sector();

    // Wrong access widths and addresses answer with TLM errors, not a crash.
    std::uint8_t buffer[8] = {};
    EXPECT_EQ(h.access(tlm::TLM_READ_COMMAND, ata_register::status, buffer, 2),
              tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(h.access(tlm::TLM_WRITE_COMMAND, ata_register::command, buffer, 4),
              tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(h.access(tlm::TLM_READ_COMMAND, ata_register::data, buffer, 1),
              tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(h.access(tlm::TLM_READ_COMMAND, ata_register::data, buffer, 8),
              tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(h.access(tlm::TLM_READ_COMMAND, 0x40, buffer, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.access(tlm::TLM_WRITE_COMMAND, ata_register::window_size, buffer, 1),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.status(), ata_status::drdy);
    h.sync();
  });
  sc_core::sc_start();
  EXPECT_EQ(error_times[0], t0 + kOverhead);
  EXPECT_EQ(host.rises, error_times);
}

TEST(DiskAta, Lba48RegistersAndSectorCountZero) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  std::vector<std::uint8_t> got;
  std::size_t sectors_of_count_zero = 0;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    // Each register holds two bytes: the first write becomes the high-order byte.
    h.write(ata_register::sector_count, 0);
    h.write(ata_register::sector_count, 2);
    h.write(ata_register::lba_low, 0);
    h.write(ata_register::lba_low, 0x34);
    h.write(ata_register::lba_mid, 0);
    h.write(ata_register::lba_mid, 0x12);
    h.write(ata_register::lba_high, 0);
    h.write(ata_register::lba_high, 0);
    h.write(ata_register::device_control, ata_device_control::nien | ata_device_control::hob);
    EXPECT_EQ(h.read(ata_register::lba_low), 0);
    h.write(ata_register::device_control, ata_device_control::nien);
    EXPECT_EQ(h.read(ata_register::lba_low), 0x34);
    h.write(ata_register::device, ata_device::lba_mode);
    h.write(ata_register::command, ata_command::read_sectors_ext);
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(h.poll_drq(sc_time(10, SC_US)));
      const auto bytes = h.read_sector();
      got.insert(got.end(), bytes.begin(), bytes.end());
    }
    EXPECT_EQ(h.status(), ata_status::drdy);

    // LBA48 count 0 means 65536 sectors: more than this disk has.
    for (int i = 0; i < 2; ++i) h.write(ata_register::sector_count, 0);
    h.write(ata_register::command, ata_command::read_sectors_ext);
    h.local += sc_time(20, SC_US);
    EXPECT_EQ(h.status(), ata_status::drdy | kErr);

    // LBA28 count 0 means 256 sectors.
    h.issue(ata_command::read_sectors, 0, 0);
    for (int polls = 0; polls < 1'000'000; ++polls) {
      const std::uint8_t s = h.status();
      if (s & kBsy) {
        h.local += sc_time(10, SC_US);
        continue;
      }
      if (!(s & kDrq)) break;
      h.read_sector();
      ++sectors_of_count_zero;
    }
  });
  sc_core::sc_start();
  EXPECT_EQ(got, pattern(0x1234, 2));
  EXPECT_EQ(sectors_of_count_zero, 256u);
}

TEST(DiskAta, FlushCompletesAfterTheCommandOverhead) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  const Picoseconds t0 = 1 * kUs;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.issue_at(t0, ata_command::flush_cache, 0, 0);
    h.at(t0 + kOverhead - 1);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.wait_irq();
    EXPECT_EQ(h.status(), ata_status::drdy);
  });
  sc_core::sc_start();
  EXPECT_EQ(host.rises, std::vector<Picoseconds>{t0 + kOverhead});
  EXPECT_EQ(activities(sink, "flush").size(), 1u);
}

TEST(DiskAta, SoftResetAbortsTheCommand) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  std::vector<std::uint8_t> got;
  Host host("host", exact_hdd(), context, [&](Host& h) {
    h.issue(ata_command::read_sectors, 100, 8);
    h.local += sc_time(1, SC_MS);
    h.write(ata_register::device_control, ata_device_control::srst);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.write(ata_register::device_control, ata_device_control::nien);
    EXPECT_EQ(h.alt_status(), ata_status::drdy);
    EXPECT_EQ(h.read(ata_register::error), 0x01);  // diagnostic code: no error
    h.issue(ata_command::read_sectors, 200, 1);
    ASSERT_TRUE(h.poll_drq(sc_time(10, SC_US)));
    got = h.read_sector();
    h.sync();
  });
  sc_core::sc_start();
  EXPECT_EQ(got, pattern(200, 1));
  EXPECT_TRUE(host.rises.empty());
}

TEST(DiskParamsCheck, RejectsInconsistentParameters) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  DiskParams p;
  p.data_register_width = ByteSize(3);
  EXPECT_THROW(Disk("a", p, 0, context), std::invalid_argument);
  p = DiskParams{};
  p.kind = "tape";
  EXPECT_THROW(Disk("b", p, 0, context), std::invalid_argument);
  p = DiskParams{};
  p.start_cylinder = p.cylinders;
  EXPECT_THROW(Disk("c", p, 0, context), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Volatile write cache (write_cache = write_back), FLUSH CACHE, WRITE DMA FUA EXT, power loss.

constexpr Picoseconds kFastRegister = 1 * kNs;  // SSD tests: a host fills a sector in 128 ns
constexpr Picoseconds kSsdWriteLatency = 20 * kUs;
constexpr std::uint64_t kSsdWriteRate = 450'000'000;  // B/s, the default
constexpr std::uint64_t kSsdReadRate = 500'000'000;

// ceil(bytes / rate) in picoseconds.
Picoseconds transfer_ps(std::uint64_t bytes, std::uint64_t rate) {
  return (bytes * 1'000'000'000'000ULL + rate - 1) / rate;
}

DiskParams write_back_ssd() {
  DiskParams p;
  p.kind = "ssd";
  p.register_latency = sc_time(1, SC_NS);
  p.write_cache = "write_back";
  return p;
}

std::vector<std::uint8_t> bytes_of(std::size_t sectors, std::uint8_t salt) {
  std::vector<std::uint8_t> bytes(sectors * 512);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + salt);
  return bytes;
}

std::vector<std::uint8_t> sector_of(const std::vector<std::uint8_t>& bytes, std::size_t i) {
  return std::vector<std::uint8_t>(bytes.begin() + i * 512, bytes.begin() + (i + 1) * 512);
}

std::vector<std::uint8_t> after_power_loss(const Disk& disk, std::uint64_t lba, std::size_t sectors,
                                           Picoseconds at) {
  std::vector<std::uint8_t> bytes(sectors * 512);
  disk.peek_after_power_loss(lba, bytes.data(), bytes.size(), at);
  return bytes;
}

std::vector<std::uint8_t> peeked(const Disk& disk, std::uint64_t lba, std::size_t sectors) {
  std::vector<std::uint8_t> bytes(sectors * 512);
  disk.peek(lba, bytes.data(), bytes.size());
  return bytes;
}

// `first` sectors of `a` followed by the rest of `b` (both `sectors` long).
std::vector<std::uint8_t> spliced(const std::vector<std::uint8_t>& a,
                                  const std::vector<std::uint8_t>& b, std::size_t first) {
  std::vector<std::uint8_t> out(a.begin(), a.begin() + first * 512);
  out.insert(out.end(), b.begin() + first * 512, b.end());
  return out;
}

// An LBA48 command with its COMMAND register written at exactly t: each count/LBA register is
// written twice (high-order byte first), then DEVICE, then COMMAND: ten writes.
void issue48_at(Host& h, Picoseconds t, std::uint8_t command, std::uint64_t lba,
                std::uint16_t count) {
  const Picoseconds latency = to_ps(h.disk.params().register_latency);
  h.at(t - 9 * latency);
  h.write(ata_register::sector_count, static_cast<std::uint8_t>(count >> 8));
  h.write(ata_register::sector_count, static_cast<std::uint8_t>(count));
  h.write(ata_register::lba_low, static_cast<std::uint8_t>(lba >> 24));
  h.write(ata_register::lba_low, static_cast<std::uint8_t>(lba));
  h.write(ata_register::lba_mid, static_cast<std::uint8_t>(lba >> 32));
  h.write(ata_register::lba_mid, static_cast<std::uint8_t>(lba >> 8));
  h.write(ata_register::lba_high, static_cast<std::uint8_t>(lba >> 40));
  h.write(ata_register::lba_high, static_cast<std::uint8_t>(lba >> 16));
  h.write(ata_register::device, ata_device::lba_mode);
  EXPECT_EQ(h.now(), t);
  h.write(ata_register::command, command);
}

// The DMA controller's side: waits for DREQ, then hands over one whole sector at once.
void dma_sector(Host& h, const std::vector<std::uint8_t>& sector) {
  h.sync();
  while (!h.disk.dma_request()) sc_core::wait(h.disk.dma_request_event());
  h.disk.dma_write(sector.data(), sector.size());
}

TEST(DiskWriteCache, DefaultIsWriteThroughAndParametersAreChecked) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  const DiskParams defaults;
  EXPECT_EQ(defaults.write_cache, "write_through");
  EXPECT_EQ(defaults.write_cache_size.bytes, 16ULL << 20);
  Disk through("through", defaults, 0, context);
  EXPECT_FALSE(through.write_back_cache());
  DiskParams p = write_back_ssd();
  Disk back("back", p, 1, context);
  EXPECT_TRUE(back.write_back_cache());
  EXPECT_EQ(back.cache_sectors(), (16u << 20) / 512);
  p.write_cache = "write_around";
  EXPECT_THROW(Disk("bad", p, 2, context), std::invalid_argument);
  p = write_back_ssd();
  p.write_cache_size = ByteSize(511);  // not one whole sector
  EXPECT_THROW(Disk("small", p, 3, context), std::invalid_argument);
  p.write_cache = "write_through";  // the size only matters with a cache
  EXPECT_NO_THROW(Disk("unused", p, 4, context));
}

TEST(DiskWriteCache, SsdWriteCompletesAtHostFillAndDestagesInTheBackground) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = 500;
  const Picoseconds t0 = 1 * kUs;
  const Picoseconds decoded = t0 + kOverhead;
  // The host starts at `decoded` and each DATA write takes one register latency.
  const Picoseconds h0 = decoded + 128 * kFastRegister, h1 = h0 + 128 * kFastRegister;
  // The media schedule is that of write-through: latency, then the bandwidth.
  const Picoseconds r0 = decoded + kSsdWriteLatency + transfer_ps(512, kSsdWriteRate);
  const Picoseconds r1 = decoded + kSsdWriteLatency + transfer_ps(1024, kSsdWriteRate);
  EXPECT_EQ(r1 - r0, 1'137'778u);  // ceil(1024 B / 450 MB/s) - ceil(512 B / 450 MB/s)
  const auto data = bytes_of(2, 0x11);
  const auto old = pattern(lba, 2);
  const Picoseconds read_issued = h1 + 1 * kUs;
  Picoseconds first_read_drq = 0;
  std::vector<std::uint8_t> read_back, lost_at_read;
  Host host("host", write_back_ssd(), context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::write_sectors, lba, 2);
    h.at(decoded);
    h.write_sector(sector_of(data, 0));
    EXPECT_EQ(h.now(), h0);
    h.write_sector(sector_of(data, 1));
    EXPECT_EQ(h.now(), h1);
    h.at(h1 - 1);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.at(h1);  // long before r0: acknowledged from the cache
    EXPECT_EQ(h.alt_status(), ata_status::drdy);
    // A read of the sectors while they are only in the cache: its media work waits for the
    // destage (one flash channel), and it returns the new bytes.
    h.issue_at(read_issued, ata_command::read_sectors, lba, 2);
    lost_at_read = after_power_loss(h.disk, lba, 2, read_issued);
    first_read_drq = h.first_drq(read_issued, read_issued + 1 * kMs);
    read_back = h.read_sector();
    h.first_drq(h.now(), h.now() + 1 * kMs);
    const auto second = h.read_sector();
    read_back.insert(read_back.end(), second.begin(), second.end());
    h.sync();
  });
  sc_core::sc_start();
  const Disk& d = host.disk;
  EXPECT_EQ(lost_at_read, old);
  EXPECT_EQ(first_read_drq, r1 + 50 * kUs + transfer_ps(512, kSsdReadRate));
  EXPECT_EQ(read_back, data);
  EXPECT_EQ(peeked(d, lba, 2), data);

  // What a power loss leaves: nothing new before r0, sector 0 from r0, both from r1, although
  // the command was acknowledged at h1.
  EXPECT_EQ(after_power_loss(d, lba, 2, h1), old);
  EXPECT_EQ(after_power_loss(d, lba, 2, r0 - 1), old);
  EXPECT_EQ(after_power_loss(d, lba, 2, r0), spliced(data, old, 1));
  EXPECT_EQ(after_power_loss(d, lba, 2, r1 - 1), spliced(data, old, 1));
  EXPECT_EQ(after_power_loss(d, lba, 2, r1), data);
  EXPECT_EQ(d.volatile_bytes(0), 0u);
  EXPECT_EQ(d.volatile_bytes(h0 - 1), 0u);
  EXPECT_EQ(d.volatile_bytes(h0), 512u);
  EXPECT_EQ(d.volatile_bytes(h1), 1024u);
  EXPECT_EQ(d.volatile_bytes(r0 - 1), 1024u);
  EXPECT_EQ(d.volatile_bytes(r0), 512u);
  EXPECT_EQ(d.volatile_bytes(r1 - 1), 512u);
  EXPECT_EQ(d.volatile_bytes(r1), 0u);

  std::vector<trace::Record> r;
  const auto destages = activities(sink, "destage", &r);
  ASSERT_EQ(destages.size(), 1u);
  EXPECT_EQ(r[0].start, decoded + kSsdWriteLatency);
  EXPECT_EQ(r[0].end, r1);
  EXPECT_EQ(destages[0].detail, "sectors 500-501 (1024 B), cache -> media");
  r.clear();
  const auto transfers = activities(sink, "transfer", &r);
  ASSERT_EQ(transfers.size(), 1u);  // only the read
  EXPECT_NE(transfers[0].detail.find("media -> buffer"), std::string::npos);
  EXPECT_EQ(r[0].start, r1 + 50 * kUs);
}

TEST(DiskWriteCache, FlushCompletesWhenTheLastDestageEnds) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = 64, n = 4;
  const Picoseconds t0 = 1 * kUs;
  const Picoseconds decoded = t0 + kOverhead;
  const Picoseconds filled = decoded + n * 128 * kFastRegister;
  // The closed form of docs/models/disk.md: the last destage ends at
  // decoded + ssd_write_latency + ceil(n * sector_size / ssd_write_bandwidth).
  const Picoseconds destaged = decoded + kSsdWriteLatency + transfer_ps(n * 512, kSsdWriteRate);
  EXPECT_EQ(destaged, 35'551'112u);
  const Picoseconds flush_issued = filled + 1 * kUs;
  const Picoseconds second_flush = destaged + 5 * kUs;
  const auto data = bytes_of(n, 0x33);
  Picoseconds flushed = 0, flushed_again = 0;
  Host host("host", write_back_ssd(), context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::write_sectors_ext, lba, n);
    h.at(decoded);
    for (std::uint64_t i = 0; i < n; ++i) h.write_sector(sector_of(data, i));
    EXPECT_EQ(h.alt_status(), ata_status::drdy);  // done at `filled`
    h.write(ata_register::device_control, 0);     // interrupts on for the flushes
    h.issue_at(flush_issued, ata_command::flush_cache_ext, 0, 0);
    h.at(destaged - 1);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.at(destaged);
    EXPECT_EQ(h.alt_status(), ata_status::drdy);
    h.at(destaged - 1);  // take the probes' time back
    h.wait_irq();
    flushed = h.now();
    EXPECT_EQ(h.status(), ata_status::drdy);
    // Nothing cached any more: FLUSH CACHE completes after the command overhead.
    h.issue_at(second_flush, ata_command::flush_cache, 0, 0);
    h.wait_irq();
    flushed_again = h.now();
    EXPECT_EQ(h.status(), ata_status::drdy);
  });
  sc_core::sc_start();
  EXPECT_EQ(flushed, destaged);
  EXPECT_EQ(flushed_again, second_flush + kOverhead);
  EXPECT_EQ(host.rises, (std::vector<Picoseconds>{destaged, second_flush + kOverhead}));
  EXPECT_EQ(host.disk.volatile_bytes(filled), n * 512);
  EXPECT_EQ(host.disk.volatile_bytes(destaged - 1), 512u);
  EXPECT_EQ(host.disk.volatile_bytes(destaged), 0u);
  EXPECT_EQ(after_power_loss(host.disk, lba, n, flushed), data);
  std::vector<trace::Record> r;
  const auto flushes = activities(sink, "flush", &r);
  ASSERT_EQ(flushes.size(), 2u);
  EXPECT_EQ(r[0].start, flush_issued + kOverhead);
  EXPECT_EQ(r[0].end, destaged);
  EXPECT_EQ(flushes[0].detail, "write-back: 2048 B not yet on the media");
  EXPECT_EQ(r[1].start, r[1].end);
}

TEST(DiskWriteCache, FuaWriteCompletesWhenItsSectorsAreOnTheMedia) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  const Picoseconds t1 = 1 * kUs, d1 = t1 + kOverhead;
  // The cached write gets both sectors at d1 (the cache is empty) and completes there.
  const Picoseconds cached_end = d1 + kSsdWriteLatency + transfer_ps(1024, kSsdWriteRate);
  // The FUA write's media work follows that destage: latency, then its one sector.
  const Picoseconds t2 = d1 + 1 * kUs, d2 = t2 + kOverhead;
  ASSERT_LT(d2, cached_end);
  const Picoseconds fua_end = cached_end + kSsdWriteLatency + transfer_ps(512, kSsdWriteRate);
  const auto cached = bytes_of(2, 0x44), fua = bytes_of(1, 0x55);
  Host host("host", write_back_ssd(), context, [&](Host& h) {
    issue48_at(h, t1, ata_command::write_dma_ext, 100, 2);
    dma_sector(h, sector_of(cached, 0));
    EXPECT_EQ(h.now(), d1);
    dma_sector(h, sector_of(cached, 1));
    EXPECT_EQ(h.now(), d1);
    h.disk.dma_terminal_count();
    h.wait_irq();
    EXPECT_EQ(h.now(), d1);
    EXPECT_EQ(h.status(), ata_status::drdy);
    issue48_at(h, t2, ata_command::write_dma_fua_ext, 200, 1);
    dma_sector(h, fua);
    EXPECT_EQ(h.now(), d2);
    h.disk.dma_terminal_count();
    h.at(fua_end - 1);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.at(fua_end - 1);
    h.wait_irq();
    EXPECT_EQ(h.status(), ata_status::drdy);
  });
  sc_core::sc_start();
  const Disk& d = host.disk;
  EXPECT_EQ(host.rises, (std::vector<Picoseconds>{d1, fua_end}));
  EXPECT_EQ(d.volatile_bytes(d2), 1024u + 512u);
  EXPECT_EQ(d.volatile_bytes(fua_end - 1), 512u);
  EXPECT_EQ(d.volatile_bytes(fua_end), 0u);
  EXPECT_EQ(after_power_loss(d, 200, 1, fua_end - 1), pattern(200, 1));
  EXPECT_EQ(after_power_loss(d, 200, 1, fua_end), fua);
  // One channel: the FUA write cannot be on the media before the earlier cached one.
  EXPECT_EQ(after_power_loss(d, 100, 2, fua_end), cached);
  std::vector<trace::Record> r;
  ASSERT_EQ(activities(sink, "destage", &r).size(), 1u);
  EXPECT_EQ(r[0].end, cached_end);
  r.clear();
  const auto transfers = activities(sink, "transfer", &r);
  ASSERT_EQ(transfers.size(), 1u);
  EXPECT_EQ(transfers[0].detail, "sector 200 (512 B), buffer -> media");
  EXPECT_EQ(r[0].start, cached_end + kSsdWriteLatency);
  EXPECT_EQ(r[0].end, fua_end);
}

TEST(DiskWriteCache, FullCacheStallsTheHostUntilTheOldestSectorIsOnTheMedia) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  DiskParams p = write_back_ssd();
  p.write_cache_size = ByteSize(2 * 512);
  const std::uint64_t lba = 7000;
  const Picoseconds t0 = 1 * kUs, decoded = t0 + kOverhead;
  auto media = [&](std::uint64_t k) {  // sector k on the flash
    return decoded + kSsdWriteLatency + transfer_ps((k + 1) * 512, kSsdWriteRate);
  };
  const Picoseconds fill = 128 * kFastRegister;
  // Sectors 0 and 1 fit at once; sector 2 takes sector 0's slot at media(0), sector 3 sector
  // 1's at media(1). The stream never stalls: each sector is in before the flash wants it.
  const Picoseconds h1 = decoded + 2 * fill, h2 = media(0) + fill, h3 = media(1) + fill;
  const auto data = bytes_of(4, 0x66);
  Picoseconds drq2 = 0, drq3 = 0;
  Host host("host", p, context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::write_sectors, lba, 4);
    h.at(decoded);
    h.write_sector(sector_of(data, 0));
    h.write_sector(sector_of(data, 1));
    EXPECT_EQ(h.now(), h1);
    h.at(media(0) - 1);
    EXPECT_EQ(h.alt_status(), kBsy);  // no room until sector 0 is on the flash
    drq2 = h.first_drq(h1, h1 + 1 * kMs);
    h.write_sector(sector_of(data, 2));
    EXPECT_EQ(h.now(), h2);
    drq3 = h.first_drq(h2, h2 + 1 * kMs);
    h.write_sector(sector_of(data, 3));
    EXPECT_EQ(h.now(), h3);
    h.at(h3 - 1);
    EXPECT_EQ(h.alt_status(), kBsy);
    h.at(h3);
    EXPECT_EQ(h.alt_status(), ata_status::drdy);
    h.sync();
  });
  sc_core::sc_start();
  EXPECT_EQ(drq2, media(0));
  EXPECT_EQ(drq3, media(1));
  const Disk& d = host.disk;
  EXPECT_EQ(d.volatile_bytes(h1), 1024u);
  EXPECT_EQ(d.volatile_bytes(media(0) - 1), 1024u);
  EXPECT_EQ(d.volatile_bytes(media(0)), 512u);
  EXPECT_EQ(d.volatile_bytes(h2), 1024u);
  EXPECT_EQ(d.volatile_bytes(h3), 1024u);
  EXPECT_EQ(d.volatile_bytes(media(2)), 512u);
  EXPECT_EQ(d.volatile_bytes(media(3)), 0u);
  EXPECT_EQ(after_power_loss(d, lba, 4, media(2)), spliced(data, pattern(lba, 4), 3));
  EXPECT_EQ(after_power_loss(d, lba, 4, media(3)), data);
}

TEST(DiskWriteCache, HddDestageIsOneHeadTheNextCommandSeeksAfterIt) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  DiskParams p = exact_hdd();
  p.write_cache = "write_back";
  const std::uint64_t lba = lba_of(kStartCylinder, 1, 20);
  const std::uint64_t far = lba_of(kStartCylinder + 1, 0, 0);
  const Picoseconds t0 = 1 * kUs, decoded = t0 + kOverhead;
  const Picoseconds h0 = decoded + 128 * kRegister, h1 = h0 + 128 * kRegister;
  // Sector 20 goes to the platter when it next passes after the host filled it, 21 behind it.
  const Picoseconds pass = next_pass(h0, 20);
  const Picoseconds destaged = pass + 2 * kSector;
  // By hand: h0 = 23.8 us, the platter is 2.5238 ms into its turn, sector 20 starts at 4 ms.
  EXPECT_EQ(pass, 1'500'000'000u);
  // The read of cylinder 11 issued right after the write's completion: its seek starts when
  // the destage ends (1.9 ms), ends at 2.9 ms, and sector 0 comes round at 7.5 ms.
  const Picoseconds read_issued = h1 + 1 * kUs;
  const Picoseconds seek_end = destaged + 1 * kMs;
  const Picoseconds read_ready = next_pass(seek_end, 0) + kSector;
  EXPECT_EQ(read_ready, 7'700'000'000u);
  const auto data = bytes_of(2, 0x77);
  const auto old = pattern(lba, 2);
  Picoseconds drq = 0;
  Host host("host", p, context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::write_sectors, lba, 2);
    h.at(decoded);
    h.write_sector(sector_of(data, 0));
    h.write_sector(sector_of(data, 1));
    EXPECT_EQ(h.now(), h1);
    EXPECT_EQ(h.alt_status(), ata_status::drdy);  // acknowledged 1.45 ms before the media
    h.issue_at(read_issued, ata_command::read_sectors, far, 1);
    drq = h.first_drq(read_issued, read_issued + 100 * kMs);
    EXPECT_EQ(h.read_sector(), pattern(far, 1));
    h.sync();
  });
  sc_core::sc_start();
  EXPECT_EQ(drq, read_ready);
  const Disk& d = host.disk;
  EXPECT_EQ(after_power_loss(d, lba, 2, h1), old);
  EXPECT_EQ(after_power_loss(d, lba, 2, pass + kSector - 1), old);
  EXPECT_EQ(after_power_loss(d, lba, 2, pass + kSector), spliced(data, old, 1));
  EXPECT_EQ(after_power_loss(d, lba, 2, destaged), data);
  EXPECT_EQ(d.volatile_bytes(destaged - 1), 512u);
  EXPECT_EQ(d.volatile_bytes(destaged), 0u);
  EXPECT_EQ(d.current_cylinder(), kStartCylinder + 1);
  std::vector<trace::Record> r;
  const auto destages = activities(sink, "destage", &r);
  ASSERT_EQ(destages.size(), 1u);
  EXPECT_EQ(r[0].start, pass);
  EXPECT_EQ(r[0].end, destaged);
  r.clear();
  const auto seeks = activities(sink, "seek", &r);
  ASSERT_EQ(seeks.size(), 1u);
  EXPECT_EQ(seeks[0].detail, "cylinder 10 -> 11");
  EXPECT_EQ(r[0].start, destaged);
  EXPECT_EQ(r[0].end, seek_end);
}

TEST(DiskWriteCache, WriteThroughLosesOnlySectorsNotYetOnTheMediaNeverAnAcknowledgedOne) {
  trace::VectorSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = lba_of(kStartCylinder, 0, 10);
  const Picoseconds t0 = 1 * kUs, decoded = t0 + kOverhead;
  // Both sectors are in the buffer at `decoded`; sector 10 next passes, then 11.
  const Picoseconds start = next_pass(decoded, 10);
  const Picoseconds r0 = start + kSector, r1 = start + 2 * kSector;
  const auto data = bytes_of(2, 0x88);
  const auto old = pattern(lba, 2);
  Host host("host", exact_hdd(), context, [&](Host& h) {
    EXPECT_FALSE(h.disk.write_back_cache());
    issue48_at(h, t0, ata_command::write_dma_ext, lba, 2);
    dma_sector(h, sector_of(data, 0));
    dma_sector(h, sector_of(data, 1));
    EXPECT_EQ(h.now(), decoded);
    h.disk.dma_terminal_count();
    h.wait_irq();
    EXPECT_EQ(h.now(), r1);
    EXPECT_EQ(h.status(), ata_status::drdy);
    // FLUSH CACHE EXT with no cache: after the command overhead, as FLUSH CACHE.
    h.issue_at(r1 + 1 * kUs, ata_command::flush_cache_ext, 0, 0);
    h.wait_irq();
    EXPECT_EQ(h.now(), r1 + 1 * kUs + kOverhead);
  });
  sc_core::sc_start();
  const Disk& d = host.disk;
  EXPECT_EQ(host.rises, (std::vector<Picoseconds>{r1, r1 + 1 * kUs + kOverhead}));
  // Power lost in the middle of the command: what is not on the platter yet is gone ...
  EXPECT_EQ(after_power_loss(d, lba, 2, decoded), old);
  EXPECT_EQ(after_power_loss(d, lba, 2, r0 - 1), old);
  EXPECT_EQ(after_power_loss(d, lba, 2, r0), spliced(data, old, 1));
  // ... and from the acknowledgement on, nothing is.
  EXPECT_EQ(after_power_loss(d, lba, 2, r1), data);
  EXPECT_EQ(d.volatile_bytes(decoded - 1), 0u);
  EXPECT_EQ(d.volatile_bytes(decoded), 1024u);
  EXPECT_EQ(d.volatile_bytes(r0), 512u);
  EXPECT_EQ(d.volatile_bytes(r1), 0u);
  EXPECT_TRUE(activities(sink, "destage").empty());
  EXPECT_EQ(activities(sink, "flush")[0].detail, "write-through: no cached data");
}

TEST(DiskWriteCache, PowerLossAfterPreloadAndOverwriteKeepsThePreloadedBytes) {
  trace::NullSink sink;
  ModelContext context(sink, kSeed);
  const std::uint64_t lba = 10;
  const Picoseconds t0 = 1 * kUs, decoded = t0 + kOverhead;
  const auto preloaded = bytes_of(1, 0x99), written = bytes_of(1, 0xAA);
  const Picoseconds on_media = decoded + kSsdWriteLatency + transfer_ps(512, kSsdWriteRate);
  Host host("host", write_back_ssd(), context, [&](Host& h) {
    h.write(ata_register::device_control, ata_device_control::nien);
    h.issue_at(t0, ata_command::write_sectors, lba, 1);
    h.at(decoded);
    h.write_sector(written);
    h.sync();
  });
  host.disk.preload(lba, preloaded.data(), preloaded.size());
  EXPECT_EQ(after_power_loss(host.disk, lba, 1, 0), preloaded);
  sc_core::sc_start();
  EXPECT_EQ(peeked(host.disk, lba, 1), written);
  EXPECT_EQ(after_power_loss(host.disk, lba, 1, on_media - 1), preloaded);
  EXPECT_EQ(after_power_loss(host.disk, lba, 1, on_media), written);
  // Untouched neighbours are the payload pattern at any time; a partial sector is fine.
  std::vector<std::uint8_t> half(256);
  host.disk.peek_after_power_loss(lba + 1, half.data(), half.size(), on_media);
  const auto neighbour = pattern(lba + 1, 1);
  EXPECT_TRUE(std::equal(half.begin(), half.end(), neighbour.begin()));
}

}  // namespace
}  // namespace iosim::hw
