// A disk drive and its controller: ATA-style task-file registers for PIO and command set-up, an
// 8237-style DMA request line, and the channel interface of a fixed-block device.
//
// The media (HDD platters or SSD flash) and the host meet in the controller's sector buffer. The
// media side is kept as an analytic schedule: for the current command the model knows when each
// sector reaches the buffer (reads) or the media (writes), computed one sector at a time as the
// host frees or fills buffer space. Register accesses are answered "as of" the initiator's local
// time (sc_time_stamp() + annotated delay), so a CPU polling STATUS and moving DATA words ahead of
// the simulation clock never makes the disk wait() or notify per word. One SC_THREAD turns the
// schedule into the signals other modules watch in simulated time: INTRQ per PIO block, DREQ per
// DMA sector, INTRQ at command completion. The formulas are in docs/models/disk.md.
//
// With write_cache = write_back the drive acknowledges a write once the host has put its sectors
// into the volatile cache; the same media schedule then destages them in the background, and
// FLUSH CACHE / WRITE DMA FUA EXT wait for the media. Every sector keeps the history of its
// versions with the time each reached the media, so a checker can ask what a power loss at any
// simulated time leaves behind (peek_after_power_loss).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/core/units.h"
#include "models/hw/device_ports.h"
#include "models/hw/disk_params.h"

namespace iosim::hw {

/// Register offsets in the disk's window (the bus rebases addresses to it).
namespace ata_register {
constexpr std::uint64_t data = 0x0;
constexpr std::uint64_t error = 0x1;     // read
constexpr std::uint64_t features = 0x1;  // write
constexpr std::uint64_t sector_count = 0x2;
constexpr std::uint64_t lba_low = 0x3;
constexpr std::uint64_t lba_mid = 0x4;
constexpr std::uint64_t lba_high = 0x5;
constexpr std::uint64_t device = 0x6;
constexpr std::uint64_t status = 0x7;            // read: clears INTRQ
constexpr std::uint64_t command = 0x7;           // write: starts the command
constexpr std::uint64_t alternate_status = 0x8;  // read: does not clear INTRQ
constexpr std::uint64_t device_control = 0x8;    // write
constexpr std::uint64_t window_size = 0x9;
}  // namespace ata_register

namespace ata_status {
constexpr std::uint8_t bsy = 0x80;
constexpr std::uint8_t drdy = 0x40;
constexpr std::uint8_t df = 0x20;
constexpr std::uint8_t drq = 0x08;
constexpr std::uint8_t err = 0x01;
}  // namespace ata_status

namespace ata_error {
constexpr std::uint8_t abrt = 0x04;
}

namespace ata_device {
constexpr std::uint8_t lba_mode = 0x40;
constexpr std::uint8_t lba_bits_24_27 = 0x0F;
}  // namespace ata_device

namespace ata_device_control {
constexpr std::uint8_t nien = 0x02;
constexpr std::uint8_t srst = 0x04;
constexpr std::uint8_t hob = 0x80;  // reads of count/LBA return the previously written bytes
}  // namespace ata_device_control

namespace ata_command {
constexpr std::uint8_t read_sectors = 0x20;
constexpr std::uint8_t read_sectors_ext = 0x24;
constexpr std::uint8_t read_dma_ext = 0x25;
constexpr std::uint8_t write_sectors = 0x30;
constexpr std::uint8_t write_sectors_ext = 0x34;
constexpr std::uint8_t write_dma_ext = 0x35;
constexpr std::uint8_t read_dma = 0xC8;
constexpr std::uint8_t write_dma = 0xCA;
constexpr std::uint8_t write_dma_fua_ext = 0x3D;  // LBA48; completes when on the media
constexpr std::uint8_t flush_cache = 0xE7;
constexpr std::uint8_t flush_cache_ext = 0xEA;
}  // namespace ata_command

/// The sense byte the disk returns to a channel SENSE command (S/360 sense byte 0).
namespace disk_sense {
constexpr std::uint8_t none = 0x00;
constexpr std::uint8_t command_reject = 0x80;  // unknown command, bad locate data or address
}  // namespace disk_sense

class Disk : public sc_core::sc_module, public DmaPeripheral, public ChannelDevice {
 public:
  tlm_utils::simple_target_socket<Disk> register_socket;
  sc_core::sc_out<bool> irq_out;  // ATA INTRQ, level

  /// `index` numbers the disk (disk0, disk1): it names its regions and trace records and is the
  /// payload stream of its contents. Throws std::invalid_argument on inconsistent parameters.
  Disk(sc_core::sc_module_name name, const DiskParams& params, unsigned index,
       ModelContext& context);

  SC_HAS_PROCESS(Disk);

  const DiskParams& params() const { return params_; }
  /// "disk<i>": actor and device name in trace records.
  const std::string& device_name() const { return device_name_; }
  /// "disk<i>.buffer": the region an engine copies from or to when it moves this disk's data.
  const std::string& buffer_region() const { return buffer_region_; }
  /// "disk<i>.media".
  const std::string& media_region() const { return media_region_; }

  /// Capacity in sectors: cylinders * heads * sectors_per_track for both kinds.
  std::uint64_t sector_count() const { return sector_count_; }
  /// Sectors the controller buffer holds: buffer_size / sector_size, at least one.
  std::uint64_t buffer_sectors() const { return buffer_sectors_; }
  /// HDD: the cylinder the heads were last over (of the last sector that went between media
  /// and buffer, or the target of the last seek). SSD: start_cylinder, unchanged.
  unsigned current_cylinder() const { return static_cast<unsigned>(head_cylinder_); }
  /// Platter position at `t` as a fraction of a turn: frac(start_angle + t / revolution).
  double angle_at(const sc_core::sc_time& t) const;
  /// The seek curve (HDD): time to move the heads over `distance` cylinders.
  sc_core::sc_time seek_time(std::uint64_t distance) const;

  /// Debug read of the newest content: written sectors (including those still only in the
  /// write cache), else the preloaded content or the payload pattern. No timing.
  void peek(std::uint64_t lba, std::uint8_t* dst, std::size_t bytes) const;
  /// Set-up write of the media content (a file system's files before the run). No timing.
  /// `bytes` must be a whole number of sectors. Preloaded content counts as on the media at time
  /// zero and replaces the sectors' history.
  void preload(std::uint64_t lba, const std::uint8_t* src, std::size_t bytes);

  /// The media content if power is lost at simulated time `at` (ps): per sector the newest
  /// version whose media write ended at or before `at`, else the preloaded content or the payload
  /// pattern. Sectors still in the write cache (or in the buffer of a write-through command) at
  /// `at` are lost. No timing; may be asked about any time, past or future of the clock.
  void peek_after_power_loss(std::uint64_t lba, std::uint8_t* dst, std::size_t bytes,
                             Picoseconds at) const;
  /// Bytes the drive has accepted from the host by `at` (a sector counts once the host has put
  /// its last byte into the drive) that are not yet on the media at `at`. No timing.
  std::uint64_t volatile_bytes(Picoseconds at) const;
  /// True when the drive runs a volatile write cache (write_cache = write_back): the host must
  /// send FLUSH CACHE (or use FUA) for durability, as Linux's blk_queue_write_cache() records
  /// from IDENTIFY. False: an acknowledged write is on the media.
  bool write_back_cache() const { return write_back_; }
  /// Sectors the write cache holds: write_cache_size / sector_size (write_back only).
  std::uint64_t cache_sectors() const { return cache_sectors_; }

  // DmaPeripheral. Called from the DMA controller's thread; times are sc_time_stamp().
  std::string dma_device_name() const override { return device_name_; }
  bool dma_request() const override;
  const sc_core::sc_event& dma_request_event() const override { return dma_request_event_; }
  void dma_read(std::uint8_t* dst, std::size_t n) override;
  void dma_write(const std::uint8_t* src, std::size_t n) override;
  void dma_terminal_count() override;

  // ChannelDevice. Called from the channel's thread; times are sc_time_stamp().
  std::string channel_device_name() const override { return device_name_; }
  std::uint8_t start_command(std::uint8_t command) override;
  std::size_t channel_read(std::uint8_t* dst, std::size_t max) override;
  std::size_t channel_write(const std::uint8_t* src, std::size_t n) override;
  std::uint8_t end_command() override;

 private:
  // Exact media time. For an HDD one tick is 1 / (rpm * sectors_per_track) ps, so a sector passes
  // in exactly 60e12 ticks and the platter position is an integer; for an SSD a tick is 1 ps.
  using Ticks = unsigned __int128;

  enum class Mode {
    idle,
    no_data,
    pio_read,
    pio_write,
    dma_read,
    dma_write,
    channel_read,
    channel_write,
    channel_locate,
    channel_sense,
    channel_nop
  };

  struct Command {
    Mode mode = Mode::idle;
    std::uint64_t first_lba = 0;
    std::uint64_t sectors = 0;
    Picoseconds issued = 0;
    Picoseconds decoded = 0;               // issued + command_overhead: the media may start moving
    std::uint64_t host_bytes = 0;          // moved between host and buffer so far
    Picoseconds last_block_done = 0;       // when the host finished its last sector (or `decoded`)
    std::optional<Picoseconds> completed;  // status goes idle (DRDY) at this time
    bool error = false;
    bool completion_irq = false;  // raise INTRQ at `completed`
    bool completion_irq_done = false;
    std::int64_t signalled_block = -1;  // last block whose INTRQ / DREQ rise was handled
    // A write acknowledged from the write cache (write_back, not FUA): it completes at host fill,
    // its sectors wait for cache room instead of buffer room and are destaged afterwards.
    bool cached = false;
    std::uint64_t cache_first = 0;  // cache sequence number of the command's sector 0
  };

  struct Seek {
    Picoseconds start, end;
    std::uint64_t from, to;
  };

  // One sector of the current command on its way between media and buffer.
  struct Slot {
    std::uint64_t lba;
    std::uint64_t cylinder;
    Picoseconds media_start;   // head (or flash) begins the sector
    Picoseconds media_end;     // in the buffer (read) / on the media (write)
    std::optional<Seek> seek;  // positioning that preceded it
    // Waiting before it: rotational latency (HDD) or access latency (SSD).
    std::optional<std::pair<Picoseconds, Picoseconds>> latency;
  };

  // A contiguous run of sectors, reported as one "transfer" record.
  struct Run {
    std::uint64_t first_lba = 0, count = 0;
    Picoseconds start = 0, end = 0;
    bool writing = false, destage = false;
  };

  // One written content of a sector and when it reached (or will reach) the media.
  struct Version {
    Picoseconds on_media = 0;
    std::vector<std::uint8_t> bytes;
  };

  // TLM and registers.
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  std::uint8_t read_register(std::uint64_t offset, Picoseconds at);
  void write_register(std::uint64_t offset, std::uint8_t value, Picoseconds at);
  void read_data(std::uint8_t* dst, std::size_t n, Picoseconds at, Picoseconds done);
  void write_data(const std::uint8_t* src, std::size_t n, Picoseconds at, Picoseconds done);
  std::uint8_t status_at(Picoseconds at) const;
  void start_ata_command(std::uint8_t code, Picoseconds at);
  void write_device_control(std::uint8_t value, Picoseconds at);

  // Commands.
  bool busy_at(Picoseconds at) const;
  void begin_command(Mode mode, std::uint64_t lba, std::uint64_t sectors, Picoseconds at,
                     const std::string& description);
  void fail_command(Picoseconds at, const std::string& description);
  void complete(Picoseconds at, bool with_irq);
  void abort_command(Picoseconds at);
  bool is_read(Mode mode) const;
  bool is_write(Mode mode) const;

  // Host side of the buffer.
  void take_from_buffer(std::uint8_t* dst, std::size_t n, Picoseconds at);
  void put_into_buffer(const std::uint8_t* src, std::size_t n, Picoseconds at);
  void sector_drained(std::uint64_t index, Picoseconds at);
  void sector_filled(std::uint64_t index, Picoseconds at);
  /// R_k: sector k of a read is in the buffer (nullopt while not yet scheduled).
  std::optional<Picoseconds> sector_ready(std::uint64_t index) const;
  /// When the host may put sector k of a write into the buffer.
  Picoseconds slot_free(std::uint64_t index) const;

  // Media schedule.
  void schedule_sector(std::uint64_t index, Picoseconds not_before);
  void retire_slot(const Slot& slot);
  void flush_run();
  void retire_all(std::optional<Picoseconds> started_by);
  Ticks align_to_sector(Ticks from, std::uint64_t sector_in_track) const;
  Picoseconds ticks_to_ps(Ticks t) const;
  Ticks ps_to_ticks(Picoseconds ps) const { return static_cast<Ticks>(ps) * ticks_per_ps_; }
  std::uint64_t cylinder_of(std::uint64_t lba) const;
  void read_media(std::uint64_t lba, std::uint8_t* dst) const;
  void record_version(std::uint64_t lba, Picoseconds accepted, Picoseconds on_media);

  // Signals in simulated time.
  void signalling_thread();
  std::optional<Picoseconds> next_signal_due() const;
  void fire_due_signals(Picoseconds now);
  bool wants_block_signals() const;
  void state_changed();
  void raise_intrq(Picoseconds due);
  void drive_irq_line();
  void activity(Picoseconds start, Picoseconds end, const std::string& phase,
                const std::string& detail);

  DiskParams params_;
  unsigned index_;
  ModelContext& context_;
  std::string device_name_, buffer_region_, media_region_;
  bool hdd_;
  std::uint64_t sector_size_;
  std::uint64_t sector_count_;
  std::uint64_t buffer_sectors_;
  std::uint64_t data_width_;
  std::uint64_t head_cylinder_;

  // HDD rotation in ticks (see Ticks): one sector, one turn, the position at time zero.
  Ticks ticks_per_ps_ = 1;
  Ticks sector_ticks_ = 0;
  Ticks turn_ticks_ = 0;
  Ticks start_position_ = 0;

  // Task file.
  std::uint8_t features_ = 0, error_ = 0, device_ = 0, device_control_ = 0;
  std::uint8_t count_[2] = {0, 0}, lba_low_[2] = {0, 0}, lba_mid_[2] = {0, 0},
               lba_high_[2] = {0, 0};  // [0] current, [1] previous (LBA48 high-order byte)
  bool srst_ = false;

  Command cmd_;
  std::vector<std::uint8_t> block_;  // the host-side sector being moved
  std::deque<Slot> slots_;           // sectors [slot_base_, slot_base_ + slots_.size())
  std::uint64_t slot_base_ = 0;
  Ticks media_cursor_ = 0;            // end of the last scheduled sector or seek
  std::uint64_t media_cylinder_ = 0;  // cylinder at media_cursor_
  Picoseconds stream_origin_ = 0;     // SSD: the current stream of sectors started here ...
  std::uint64_t stream_first_ = 0;    // ... with this sector of the command
  Run run_;
  // Every version of every written or preloaded sector, in the order the drive accepted them
  // (kept whole: a power-loss query may ask about any time).
  std::unordered_map<std::uint64_t, std::vector<Version>> written_;
  // When each written sector was accepted from the host, and when it reached the media; both
  // sorted, for volatile_bytes().
  std::vector<Picoseconds> accepted_times_, on_media_times_;

  // Write cache (write_back).
  bool write_back_ = false;
  std::uint64_t cache_sectors_ = 0;
  std::uint64_t cached_total_ = 0;          // sectors ever accepted into the cache
  std::deque<Picoseconds> cache_on_media_;  // media_end of cache sectors [cache_base_, total)
  std::uint64_t cache_base_ = 0;
  // The media is one head / one flash channel: a command's first sector starts no earlier than
  // the end of the last destaged sector, here in ticks (HDD exact) and picoseconds.
  Ticks destage_cursor_ = 0;
  Picoseconds destage_end_ = 0;
  std::uint64_t destage_cylinder_ = 0;

  // Channel.
  std::uint64_t located_lba_ = 0;
  std::uint8_t locate_bytes_[4] = {0, 0, 0, 0};
  std::size_t locate_received_ = 0;
  std::uint8_t sense_ = disk_sense::none;
  bool sense_delivered_ = false;

  // INTRQ and DREQ.
  sc_core::sc_event state_changed_;
  sc_core::sc_event dma_request_event_;
  sc_core::sc_event_queue irq_line_update_;
  std::optional<Picoseconds> irq_raised_at_;
  std::optional<Picoseconds> irq_cleared_at_;
  Picoseconds last_status_read_ = 0;
  bool status_read_seen_ = false;
};

}  // namespace iosim::hw
