#include "models/hw/disk.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "models/core/payload.h"

namespace iosim::hw {
namespace {

constexpr Picoseconds kPicosecondsPerMinute = 60'000'000'000'000ULL;
constexpr const char* kReportType = "iosim/disk";

std::string range_text(std::uint64_t first, std::uint64_t count) {
  if (count == 1) return "sector " + std::to_string(first);
  return "sectors " + std::to_string(first) + "-" + std::to_string(first + count - 1);
}

const char* ata_command_name(std::uint8_t code) {
  switch (code) {
    case ata_command::read_sectors:
      return "READ SECTORS";
    case ata_command::read_sectors_ext:
      return "READ SECTORS EXT";
    case ata_command::read_dma:
      return "READ DMA";
    case ata_command::read_dma_ext:
      return "READ DMA EXT";
    case ata_command::write_sectors:
      return "WRITE SECTORS";
    case ata_command::write_sectors_ext:
      return "WRITE SECTORS EXT";
    case ata_command::write_dma:
      return "WRITE DMA";
    case ata_command::write_dma_ext:
      return "WRITE DMA EXT";
    case ata_command::write_dma_fua_ext:
      return "WRITE DMA FUA EXT";
    case ata_command::flush_cache:
      return "FLUSH CACHE";
    case ata_command::flush_cache_ext:
      return "FLUSH CACHE EXT";
  }
  return nullptr;
}

std::string hex_byte(std::uint8_t value) {
  static const char digits[] = "0123456789ABCDEF";
  return std::string("0x") + digits[value >> 4] + digits[value & 0xF];
}

// Rounds num / den to the nearest integer, halves away from zero (den > 0).
std::int64_t divide_rounded(__int128 num, __int128 den) {
  if (num >= 0) return static_cast<std::int64_t>((2 * num + den) / (2 * den));
  return -static_cast<std::int64_t>((2 * -num + den) / (2 * den));
}

}  // namespace

Disk::Disk(sc_core::sc_module_name name, const DiskParams& params, unsigned index,
           ModelContext& context)
    : sc_core::sc_module(name),
      register_socket("register_socket"),
      irq_out("irq_out"),
      params_(params),
      index_(index),
      context_(context),
      device_name_("disk" + std::to_string(index)),
      buffer_region_(device_name_ + ".buffer"),
      media_region_(device_name_ + ".media"),
      irq_line_update_("irq_line_update") {
  if (params_.kind != "hdd" && params_.kind != "ssd") {
    throw std::invalid_argument(device_name_ + ": kind must be hdd or ssd, not " + params_.kind);
  }
  hdd_ = params_.kind == "hdd";
  sector_size_ = params_.sector_size.bytes;
  data_width_ = params_.data_register_width.bytes;
  if (sector_size_ == 0 || params_.cylinders == 0 || params_.heads == 0 ||
      params_.sectors_per_track == 0) {
    throw std::invalid_argument(device_name_ + ": sector size and geometry must not be zero");
  }
  if (data_width_ == 0 || sector_size_ % data_width_ != 0) {
    throw std::invalid_argument(device_name_ + ": data_register_width must divide the sector size");
  }
  if (hdd_ && params_.rpm == 0) throw std::invalid_argument(device_name_ + ": rpm is zero");
  if (!hdd_ && (params_.ssd_read_bandwidth.bytes_per_second == 0 ||
                params_.ssd_write_bandwidth.bytes_per_second == 0)) {
    throw std::invalid_argument(device_name_ + ": SSD bandwidth is zero");
  }
  if (params_.start_cylinder >= params_.cylinders) {
    throw std::invalid_argument(device_name_ + ": start_cylinder beyond the last cylinder");
  }
  if (params_.write_cache != "write_through" && params_.write_cache != "write_back") {
    throw std::invalid_argument(device_name_ +
                                ": write_cache must be write_through or write_back, not " +
                                params_.write_cache);
  }
  write_back_ = params_.write_cache == "write_back";
  cache_sectors_ = params_.write_cache_size.bytes / sector_size_;
  if (write_back_ && cache_sectors_ == 0) {
    throw std::invalid_argument(device_name_ + ": write_cache_size holds no whole sector");
  }

  sector_count_ = params_.cylinders * params_.heads * params_.sectors_per_track;
  buffer_sectors_ = std::max<std::uint64_t>(1, params_.buffer_size.bytes / sector_size_);
  head_cylinder_ = params_.start_cylinder;
  media_cylinder_ = head_cylinder_;
  destage_cylinder_ = head_cylinder_;
  block_.assign(sector_size_, 0);
  cmd_.completed = 0;

  if (hdd_) {
    // position(t) = start_position + t * rpm * spt, in units where a sector is exactly
    // 60e12 long: then every sector boundary is an integer and rotation never drifts.
    ticks_per_ps_ = static_cast<Ticks>(params_.rpm) * params_.sectors_per_track;
    sector_ticks_ = kPicosecondsPerMinute;
    turn_ticks_ = sector_ticks_ * params_.sectors_per_track;
    const double fraction = params_.start_angle - std::floor(params_.start_angle);
    const double position = std::round(fraction * static_cast<double>(turn_ticks_));
    start_position_ = static_cast<Ticks>(position) % turn_ticks_;
  }

  register_socket.register_b_transport(this, &Disk::b_transport);

  context_.declare_region(media_region_, trace::Layer::hardware,
                          device_name_ + (hdd_ ? " platters" : " flash"));
  context_.declare_region(buffer_region_, trace::Layer::hardware, device_name_ + " sector buffer");

  SC_THREAD(signalling_thread);
  SC_METHOD(drive_irq_line);
  sensitive << irq_line_update_;
}

// ---------------------------------------------------------------------------------------------
// Geometry and rotation

double Disk::angle_at(const sc_core::sc_time& t) const {
  if (!hdd_) return 0.0;
  const Ticks position = (ps_to_ticks(to_ps(t)) + start_position_) % turn_ticks_;
  return static_cast<double>(position) / static_cast<double>(turn_ticks_);
}

sc_core::sc_time Disk::seek_time(std::uint64_t distance) const {
  if (!hdd_ || distance == 0) return sc_core::SC_ZERO_TIME;
  const std::uint64_t cylinders = params_.cylinders;
  const std::uint64_t third = cylinders / 3;
  const auto track = static_cast<std::int64_t>(to_ps(params_.track_to_track_seek));
  const auto average = static_cast<std::int64_t>(to_ps(params_.average_seek));
  const auto full = static_cast<std::int64_t>(to_ps(params_.full_stroke_seek));
  std::int64_t ps;
  if (distance <= third) {
    // Short seeks are dominated by acceleration: time grows with the square root of distance,
    // from track_to_track at one cylinder to average_seek at a third of the stroke.
    if (third <= 1) return from_ps(static_cast<Picoseconds>(track));
    const double fraction =
        std::sqrt(static_cast<double>(distance - 1) / static_cast<double>(third - 1));
    ps = track + std::llround(static_cast<double>(average - track) * fraction);
  } else {
    // Long seeks coast at top speed: linear up to full_stroke_seek at cylinders - 1.
    const std::uint64_t span = cylinders - 1 - third;
    if (span == 0) return from_ps(static_cast<Picoseconds>(full));
    const std::uint64_t beyond = std::min(distance, cylinders - 1) - third;
    ps = average + divide_rounded(static_cast<__int128>(full - average) * beyond, span);
  }
  return from_ps(static_cast<Picoseconds>(std::max<std::int64_t>(ps, 0)));
}

std::uint64_t Disk::cylinder_of(std::uint64_t lba) const {
  return lba / (params_.heads * params_.sectors_per_track);
}

Disk::Ticks Disk::align_to_sector(Ticks from, std::uint64_t sector_in_track) const {
  const Ticks position = (from + start_position_) % turn_ticks_;
  const Ticks target = static_cast<Ticks>(sector_in_track) * sector_ticks_;
  return from + (target + turn_ticks_ - position) % turn_ticks_;
}

Picoseconds Disk::ticks_to_ps(Ticks t) const {
  return static_cast<Picoseconds>((t + ticks_per_ps_ - 1) / ticks_per_ps_);
}

void Disk::read_media(std::uint64_t lba, std::uint8_t* dst) const {
  auto it = written_.find(lba);
  if (it != written_.end()) {
    // The newest version, on the media or not: the drive answers reads from its cache.
    std::memcpy(dst, it->second.back().bytes.data(), sector_size_);
  } else {
    fill_pattern(context_.seed(), index_, lba * sector_size_, dst, sector_size_);
  }
}

void Disk::peek(std::uint64_t lba, std::uint8_t* dst, std::size_t bytes) const {
  std::vector<std::uint8_t> sector(sector_size_);
  while (bytes > 0) {
    read_media(lba++, sector.data());
    const std::size_t n = std::min<std::size_t>(bytes, sector_size_);
    std::memcpy(dst, sector.data(), n);
    dst += n;
    bytes -= n;
  }
}

void Disk::preload(std::uint64_t lba, const std::uint8_t* src, std::size_t bytes) {
  if (bytes % sector_size_ != 0 || lba + bytes / sector_size_ > sector_count_) {
    throw std::invalid_argument(device_name_ + ": preload outside the disk or not whole sectors");
  }
  for (std::size_t at = 0; at < bytes; at += sector_size_) {
    // Set-up content was on the media before the run began: one version, durable from time 0.
    auto& versions = written_[lba++];
    versions.clear();
    versions.push_back(Version{0, std::vector<std::uint8_t>(src + at, src + at + sector_size_)});
  }
}

void Disk::peek_after_power_loss(std::uint64_t lba, std::uint8_t* dst, std::size_t bytes,
                                 Picoseconds at) const {
  std::vector<std::uint8_t> sector(sector_size_);
  while (bytes > 0) {
    const std::vector<std::uint8_t>* durable = nullptr;
    if (auto it = written_.find(lba); it != written_.end()) {
      // Versions are in the order the drive accepted them; the media writes them in that order,
      // so the last one already on the media at `at` is what survives.
      for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
        if (v->on_media <= at) {
          durable = &v->bytes;
          break;
        }
      }
    }
    if (durable != nullptr) {
      std::memcpy(sector.data(), durable->data(), sector_size_);
    } else {
      fill_pattern(context_.seed(), index_, lba * sector_size_, sector.data(), sector_size_);
    }
    ++lba;
    const std::size_t n = std::min<std::size_t>(bytes, sector_size_);
    std::memcpy(dst, sector.data(), n);
    dst += n;
    bytes -= n;
  }
}

std::uint64_t Disk::volatile_bytes(Picoseconds at) const {
  // A sector reaches the media after the host put it in (on_media > accepted), so those on the
  // media by `at` are all among those accepted by `at`.
  const auto accepted = std::upper_bound(accepted_times_.begin(), accepted_times_.end(), at) -
                        accepted_times_.begin();
  const auto landed = std::upper_bound(on_media_times_.begin(), on_media_times_.end(), at) -
                      on_media_times_.begin();
  return static_cast<std::uint64_t>(accepted - landed) * sector_size_;
}

void Disk::record_version(std::uint64_t lba, Picoseconds accepted, Picoseconds on_media) {
  written_[lba].push_back(Version{on_media, block_});
  // Both lists grow at the end in practice (host times and the media are each in order); the
  // sorted insert only keeps them right if a caller's clock ever steps back.
  accepted_times_.insert(std::upper_bound(accepted_times_.begin(), accepted_times_.end(), accepted),
                         accepted);
  on_media_times_.insert(std::upper_bound(on_media_times_.begin(), on_media_times_.end(), on_media),
                         on_media);
}

// ---------------------------------------------------------------------------------------------
// Registers

void Disk::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  // The access happens at the initiator's local time; answering as of then is what lets a
  // polling CPU run ahead of the clock without the disk ever waiting.
  const Picoseconds at = to_ps(sc_core::sc_time_stamp() + delay);
  delay += params_.register_latency;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) return;
  if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  const std::uint64_t offset = trans.get_address();
  const std::size_t length = trans.get_data_length();
  std::uint8_t* data = trans.get_data_ptr();
  if (offset >= ata_register::window_size) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const std::size_t register_width = offset == ata_register::data ? data_width_ : 1;
  if (length != register_width || trans.get_streaming_width() < length) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  const bool is_read = trans.get_command() == tlm::TLM_READ_COMMAND;
  if (offset == ata_register::data) {
    // DRQ is judged when the access arrives; the word has left (or entered) the buffer when the
    // access is over, which is when a sector's slot frees or its data are complete.
    const Picoseconds done = at + to_ps(params_.register_latency);
    if (is_read) {
      read_data(data, length, at, done);
    } else {
      write_data(data, length, at, done);
    }
  } else if (is_read) {
    data[0] = read_register(offset, at);
  } else {
    write_register(offset, data[0], at);
  }
}

std::uint8_t Disk::read_register(std::uint64_t offset, Picoseconds at) {
  const int order = (device_control_ & ata_device_control::hob) ? 1 : 0;
  switch (offset) {
    case ata_register::error:
      return error_;
    case ata_register::sector_count:
      return count_[order];
    case ata_register::lba_low:
      return lba_low_[order];
    case ata_register::lba_mid:
      return lba_mid_[order];
    case ata_register::lba_high:
      return lba_high_[order];
    case ata_register::device:
      return device_;
    case ata_register::status: {
      const std::uint8_t status = status_at(at);
      last_status_read_ = std::max(last_status_read_, at);
      status_read_seen_ = true;
      if (irq_raised_at_ && at >= *irq_raised_at_ && !irq_cleared_at_) {
        irq_cleared_at_ = at;
        irq_line_update_.notify(from_ps(at) - sc_core::sc_time_stamp());
      }
      return status;
    }
    case ata_register::alternate_status:
      return status_at(at);
  }
  return 0;
}

void Disk::write_register(std::uint64_t offset, std::uint8_t value, Picoseconds at) {
  if (offset == ata_register::device_control) {
    write_device_control(value, at);
    return;
  }
  // While BSY or DRQ the task file belongs to the device: ATA hosts must not write it.
  if (srst_ || busy_at(at)) return;
  device_control_ &= static_cast<std::uint8_t>(~ata_device_control::hob);
  auto push = [value](std::uint8_t(&reg)[2]) {
    reg[1] = reg[0];
    reg[0] = value;
  };
  switch (offset) {
    case ata_register::features:
      features_ = value;
      break;
    case ata_register::sector_count:
      push(count_);
      break;
    case ata_register::lba_low:
      push(lba_low_);
      break;
    case ata_register::lba_mid:
      push(lba_mid_);
      break;
    case ata_register::lba_high:
      push(lba_high_);
      break;
    case ata_register::device:
      device_ = value;
      break;
    case ata_register::command:
      start_ata_command(value, at);
      break;
  }
}

void Disk::write_device_control(std::uint8_t value, Picoseconds at) {
  const bool was_reset = srst_;
  device_control_ = value;
  srst_ = (value & ata_device_control::srst) != 0;
  if (srst_ && !was_reset) {
    abort_command(at);
    error_ = 0;
    if (irq_raised_at_ && !irq_cleared_at_) irq_cleared_at_ = at;
  } else if (!srst_ && was_reset) {
    // The ATA reset signature: diagnostic code 1 (no error) and the ATA device signature.
    error_ = 0x01;
    count_[0] = lba_low_[0] = 1;
    lba_mid_[0] = lba_high_[0] = device_ = 0;
  }
  irq_line_update_.notify(from_ps(at) - sc_core::sc_time_stamp());
  state_changed();
}

std::uint8_t Disk::status_at(Picoseconds at) const {
  if (srst_) return ata_status::bsy;
  const std::uint8_t idle = ata_status::drdy | (cmd_.error ? ata_status::err : 0);
  if (cmd_.completed && at >= *cmd_.completed) return idle;
  const std::uint64_t next = cmd_.host_bytes / sector_size_;
  if (cmd_.mode == Mode::pio_read && next < cmd_.sectors) {
    const auto ready = sector_ready(next);
    if (ready && *ready <= at) return ata_status::drdy | ata_status::drq;
  } else if (cmd_.mode == Mode::pio_write && next < cmd_.sectors) {
    if (slot_free(next) <= at) return ata_status::drdy | ata_status::drq;
  }
  return ata_status::bsy;
}

void Disk::read_data(std::uint8_t* dst, std::size_t n, Picoseconds at, Picoseconds done) {
  if (cmd_.mode == Mode::pio_read && !(cmd_.completed && at >= *cmd_.completed)) {
    const auto ready = sector_ready(cmd_.host_bytes / sector_size_);
    if (ready && *ready <= at) {
      take_from_buffer(dst, n, done);
      return;
    }
  }
  // No DRQ: the data register floats. Nothing moves.
  std::memset(dst, 0, n);
}

void Disk::write_data(const std::uint8_t* src, std::size_t n, Picoseconds at, Picoseconds done) {
  if (cmd_.mode != Mode::pio_write) return;
  const std::uint64_t next = cmd_.host_bytes / sector_size_;
  if (next < cmd_.sectors && slot_free(next) <= at) put_into_buffer(src, n, done);
}

void Disk::start_ata_command(std::uint8_t code, Picoseconds at) {
  error_ = 0;
  const char* name = ata_command_name(code);
  if (name == nullptr) {
    fail_command(at, "unknown command " + hex_byte(code));
    return;
  }
  if (code == ata_command::flush_cache || code == ata_command::flush_cache_ext) {
    begin_command(Mode::no_data, 0, 0, at, name);
    if (!write_back_) {
      // Write-through: nothing is cached, so there is nothing to flush.
      activity(cmd_.decoded, cmd_.decoded, "flush", "write-through: no cached data");
      complete(cmd_.decoded, true);
      return;
    }
    // Every sector accepted before the flush must be on the media. The media writes in the order
    // it accepted them, so that is when the last one written lands.
    const Picoseconds last_on_media = on_media_times_.empty() ? 0 : on_media_times_.back();
    const Picoseconds done = std::max(cmd_.decoded, last_on_media);
    activity(
        cmd_.decoded, done, "flush",
        "write-back: " + std::to_string(volatile_bytes(cmd_.decoded)) + " B not yet on the media");
    complete(done, true);
    return;
  }
  Mode mode = Mode::pio_read;
  bool lba48 = false;
  bool fua = false;
  switch (code) {
    case ata_command::read_sectors:
      mode = Mode::pio_read;
      break;
    case ata_command::read_sectors_ext:
      mode = Mode::pio_read;
      lba48 = true;
      break;
    case ata_command::read_dma:
      mode = Mode::dma_read;
      break;
    case ata_command::read_dma_ext:
      mode = Mode::dma_read;
      lba48 = true;
      break;
    case ata_command::write_sectors:
      mode = Mode::pio_write;
      break;
    case ata_command::write_sectors_ext:
      mode = Mode::pio_write;
      lba48 = true;
      break;
    case ata_command::write_dma:
      mode = Mode::dma_write;
      break;
    case ata_command::write_dma_ext:
      mode = Mode::dma_write;
      lba48 = true;
      break;
    case ata_command::write_dma_fua_ext:
      mode = Mode::dma_write;
      lba48 = true;
      fua = true;
      break;
  }
  std::uint64_t lba = 0, count = 0;
  if (lba48) {
    count = (std::uint64_t{count_[1]} << 8) | count_[0];
    if (count == 0) count = 65536;
    lba = (std::uint64_t{lba_high_[1]} << 40) | (std::uint64_t{lba_mid_[1]} << 32) |
          (std::uint64_t{lba_low_[1]} << 24) | (std::uint64_t{lba_high_[0]} << 16) |
          (std::uint64_t{lba_mid_[0]} << 8) | lba_low_[0];
  } else {
    count = count_[0] == 0 ? 256 : count_[0];
    if (device_ & ata_device::lba_mode) {
      lba = (static_cast<std::uint64_t>(device_ & ata_device::lba_bits_24_27) << 24) |
            (std::uint64_t{lba_high_[0]} << 16) | (std::uint64_t{lba_mid_[0]} << 8) | lba_low_[0];
    } else {
      const std::uint64_t cylinder = (std::uint64_t{lba_high_[0]} << 8) | lba_mid_[0];
      const std::uint64_t head = static_cast<std::uint64_t>(device_ & ata_device::lba_bits_24_27);
      const std::uint64_t sector = lba_low_[0];  // CHS sectors count from 1
      if (sector == 0 || sector > params_.sectors_per_track || head >= params_.heads) {
        fail_command(at, std::string(name) + ": CHS address out of range");
        return;
      }
      lba = (cylinder * params_.heads + head) * params_.sectors_per_track + sector - 1;
    }
  }
  if (lba >= sector_count_ || count > sector_count_ - lba) {
    fail_command(at, std::string(name) + " lba " + std::to_string(lba) + " count " +
                         std::to_string(count) + ": beyond the last sector");
    return;
  }
  begin_command(
      mode, lba, count, at,
      std::string(name) + " lba " + std::to_string(lba) + " count " + std::to_string(count));
  if (write_back_ && is_write(mode) && !fua) {
    // No sector of the command is scheduled yet (writes schedule as the host fills them).
    cmd_.cached = true;
    cmd_.cache_first = cached_total_;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

bool Disk::is_read(Mode mode) const {
  return mode == Mode::pio_read || mode == Mode::dma_read || mode == Mode::channel_read;
}

bool Disk::is_write(Mode mode) const {
  return mode == Mode::pio_write || mode == Mode::dma_write || mode == Mode::channel_write;
}

bool Disk::busy_at(Picoseconds at) const {
  return cmd_.mode != Mode::idle && !(cmd_.completed && *cmd_.completed <= at);
}

void Disk::begin_command(Mode mode, std::uint64_t lba, std::uint64_t sectors, Picoseconds at,
                         const std::string& description) {
  if (is_read(cmd_.mode) && !cmd_.completed) retire_all(at);
  flush_run();
  slots_.clear();
  slot_base_ = 0;
  cmd_ = Command{};
  cmd_.mode = mode;
  cmd_.first_lba = lba;
  cmd_.sectors = sectors;
  cmd_.issued = at;
  const bool moves_data = is_read(mode) || is_write(mode) || mode == Mode::no_data;
  cmd_.decoded = at + (moves_data ? to_ps(params_.command_overhead) : 0);
  cmd_.last_block_done = cmd_.decoded;
  activity(at, cmd_.decoded, "command", description);
  if (is_read(mode)) {
    // The buffer is empty: the media may run ahead of the host by a whole buffer.
    const std::uint64_t ahead = std::min(sectors, buffer_sectors_);
    for (std::uint64_t i = 0; i < ahead; ++i) schedule_sector(i, cmd_.decoded);
  }
  state_changed();
}

void Disk::fail_command(Picoseconds at, const std::string& description) {
  begin_command(Mode::no_data, 0, 0, at, description);
  cmd_.error = true;
  error_ = ata_error::abrt;
  complete(cmd_.decoded, true);
}

void Disk::complete(Picoseconds at, bool with_irq) {
  cmd_.completed = at;
  cmd_.completion_irq = with_irq;
  cmd_.completion_irq_done = false;
  flush_run();
  state_changed();
}

void Disk::abort_command(Picoseconds at) {
  if (cmd_.mode == Mode::idle || (cmd_.completed && *cmd_.completed <= at)) return;
  if (is_read(cmd_.mode)) retire_all(at);
  flush_run();
  cmd_.mode = Mode::no_data;
  cmd_.completed = at;
  cmd_.completion_irq = false;
  state_changed();
}

// ---------------------------------------------------------------------------------------------
// Host side of the sector buffer

std::optional<Picoseconds> Disk::sector_ready(std::uint64_t index) const {
  if (index < slot_base_ || index - slot_base_ >= slots_.size()) return std::nullopt;
  return slots_[index - slot_base_].media_end;
}

Picoseconds Disk::slot_free(std::uint64_t index) const {
  if (cmd_.cached) {
    // The cache is a ring of cache_sectors slots over all cached writes: sector number `seq`
    // takes the slot of number seq - cache_sectors, free once that one is on the media.
    const std::uint64_t seq = cmd_.cache_first + index;
    if (seq < cache_sectors_) return cmd_.decoded;
    return std::max(cmd_.decoded, cache_on_media_[seq - cache_sectors_ - cache_base_]);
  }
  if (index < buffer_sectors_) return cmd_.decoded;
  // Sector index - buffer_sectors occupied the slot; it frees when that sector is on the media.
  return slots_[index - buffer_sectors_ - slot_base_].media_end;
}

void Disk::take_from_buffer(std::uint8_t* dst, std::size_t n, Picoseconds at) {
  while (n > 0) {
    const std::uint64_t sector = cmd_.host_bytes / sector_size_;
    const std::uint64_t offset = cmd_.host_bytes % sector_size_;
    if (sector >= cmd_.sectors) {
      std::memset(dst, 0, n);
      return;
    }
    if (offset == 0) read_media(cmd_.first_lba + sector, block_.data());
    const std::size_t m = std::min<std::size_t>(n, sector_size_ - offset);
    std::memcpy(dst, block_.data() + offset, m);
    dst += m;
    n -= m;
    cmd_.host_bytes += m;
    if (offset + m == sector_size_) sector_drained(sector, at);
  }
}

void Disk::put_into_buffer(const std::uint8_t* src, std::size_t n, Picoseconds at) {
  while (n > 0) {
    const std::uint64_t sector = cmd_.host_bytes / sector_size_;
    const std::uint64_t offset = cmd_.host_bytes % sector_size_;
    if (sector >= cmd_.sectors) return;
    const std::size_t m = std::min<std::size_t>(n, sector_size_ - offset);
    std::memcpy(block_.data() + offset, src, m);
    src += m;
    n -= m;
    cmd_.host_bytes += m;
    if (offset + m == sector_size_) sector_filled(sector, at);
  }
}

void Disk::sector_drained(std::uint64_t index, Picoseconds at) {
  cmd_.last_block_done = at;
  retire_slot(slots_.front());
  slots_.pop_front();
  ++slot_base_;
  // The freed slot lets the media read one more sector.
  if (index + buffer_sectors_ < cmd_.sectors) schedule_sector(index + buffer_sectors_, at);
  if (index + 1 == cmd_.sectors && cmd_.mode != Mode::channel_read) {
    // A PIO read ends with its last DRQ block (no interrupt); a DMA read interrupts once.
    complete(at, cmd_.mode == Mode::dma_read);
  } else if (wants_block_signals()) {
    state_changed();
  }
}

void Disk::sector_filled(std::uint64_t index, Picoseconds at) {
  cmd_.last_block_done = at;
  schedule_sector(index, at);
  const Slot& slot = slots_.back();
  record_version(slot.lba, at, slot.media_end);
  if (cmd_.cached) {
    ++cached_total_;
    cache_on_media_.push_back(slot.media_end);
    // Later sectors (number >= cached_total_) only ask for slots >= cached_total_ - cache_sectors.
    while (cache_base_ + cache_sectors_ < cached_total_) {
      cache_on_media_.pop_front();
      ++cache_base_;
    }
    destage_cursor_ = hdd_ ? media_cursor_ : ps_to_ticks(slot.media_end);
    destage_end_ = slot.media_end;
    destage_cylinder_ = slot.cylinder;
  }
  retire_slot(slot);
  // The host's next sector needs the slot freed by sector index + 1 - buffer_sectors.
  while (!slots_.empty() && slot_base_ + buffer_sectors_ < index + 1) {
    slots_.pop_front();
    ++slot_base_;
  }
  if (index + 1 == cmd_.sectors && cmd_.mode != Mode::channel_write) {
    // Write-back: done when the drive has the last sector. Write-through (and FUA): when it is
    // on the media.
    complete(cmd_.cached ? at : slots_.back().media_end, true);
  } else if (wants_block_signals()) {
    state_changed();
  }
}

// ---------------------------------------------------------------------------------------------
// Media schedule

void Disk::schedule_sector(std::uint64_t index, Picoseconds not_before) {
  Slot slot;
  slot.lba = cmd_.first_lba + index;
  slot.cylinder = cylinder_of(slot.lba);
  if (hdd_) {
    Ticks cursor;
    std::uint64_t from;
    if (index == 0) {
      cursor = ps_to_ticks(cmd_.decoded);
      from = head_cylinder_;
      if (destage_cursor_ > cursor) {
        // One head: the command waits for earlier cached sectors to reach the platters.
        cursor = destage_cursor_;
        from = destage_cylinder_;
      }
    } else {
      cursor = media_cursor_;
      from = media_cylinder_;
    }
    if (slot.cylinder != from) {
      // The seek starts as soon as the previous sector (or the decode) is done, even if the
      // buffer is full: the arm does not need buffer space to move.
      const Picoseconds seek_start = ticks_to_ps(cursor);
      const auto distance = slot.cylinder > from ? slot.cylinder - from : from - slot.cylinder;
      cursor += ps_to_ticks(to_ps(seek_time(distance)));
      slot.seek = Seek{seek_start, ticks_to_ps(cursor), from, slot.cylinder};
    }
    const Ticks earliest = std::max(cursor, ps_to_ticks(not_before));
    const Ticks start = align_to_sector(earliest, slot.lba % params_.sectors_per_track);
    if (start > earliest) slot.latency = std::make_pair(ticks_to_ps(earliest), ticks_to_ps(start));
    const Ticks end = start + sector_ticks_;
    media_cursor_ = end;
    media_cylinder_ = slot.cylinder;
    slot.media_start = ticks_to_ps(start);
    slot.media_end = ticks_to_ps(end);
  } else {
    const bool reading = is_read(cmd_.mode);
    const Bandwidth rate = reading ? params_.ssd_read_bandwidth : params_.ssd_write_bandwidth;
    if (index == 0) {
      const Picoseconds latency =
          to_ps(reading ? params_.ssd_read_latency : params_.ssd_write_latency);
      // One flash channel: the command's access begins once earlier cached sectors are written.
      const Picoseconds begin = std::max(cmd_.decoded, destage_end_);
      stream_origin_ = begin + latency;
      stream_first_ = 0;
      if (latency > 0) slot.latency = std::make_pair(begin, stream_origin_);
    }
    auto stream_offset = [&](std::uint64_t sectors) {
      return to_ps(rate.transfer_time(sectors * sector_size_));
    };
    // A stalled stream (buffer full, or write data not there yet) resumes at full rate.
    if (not_before > stream_origin_ + stream_offset(index - stream_first_)) {
      stream_origin_ = not_before;
      stream_first_ = index;
    }
    slot.media_start = stream_origin_ + stream_offset(index - stream_first_);
    slot.media_end = stream_origin_ + stream_offset(index - stream_first_ + 1);
  }
  slots_.push_back(slot);
}

void Disk::retire_slot(const Slot& slot) {
  if (hdd_) head_cylinder_ = slot.cylinder;
  if (slot.seek) {
    flush_run();
    activity(
        slot.seek->start, slot.seek->end, "seek",
        "cylinder " + std::to_string(slot.seek->from) + " -> " + std::to_string(slot.seek->to));
  }
  if (slot.latency) {
    flush_run();
    if (hdd_) {
      activity(slot.latency->first, slot.latency->second, "rotate",
               "waiting for sector " + std::to_string(slot.lba % params_.sectors_per_track) +
                   " of the track");
    } else {
      activity(slot.latency->first, slot.latency->second, "latency", "flash access");
    }
  }
  if (run_.count > 0 && run_.end == slot.media_start && run_.first_lba + run_.count == slot.lba &&
      run_.destage == cmd_.cached) {
    ++run_.count;
    run_.end = slot.media_end;
    return;
  }
  flush_run();
  run_ = Run{slot.lba, 1, slot.media_start, slot.media_end, is_write(cmd_.mode), cmd_.cached};
}

void Disk::flush_run() {
  if (run_.count == 0) return;
  // Cached sectors reach the media after their command completed: "destage", not "transfer".
  const char* direction = run_.destage   ? "cache -> media"
                          : run_.writing ? "buffer -> media"
                                         : "media -> buffer";
  activity(run_.start, run_.end, run_.destage ? "destage" : "transfer",
           range_text(run_.first_lba, run_.count) + " (" +
               std::to_string(run_.count * sector_size_) + " B), " + direction);
  run_.count = 0;
}

void Disk::retire_all(std::optional<Picoseconds> started_by) {
  for (const Slot& slot : slots_) {
    if (started_by && slot.media_start >= *started_by) {
      // Stopped before this sector began; a seek already under way still ends on its cylinder.
      if (slot.seek && slot.seek->start <= *started_by) head_cylinder_ = slot.seek->to;
      break;
    }
    retire_slot(slot);
  }
  slots_.clear();
  flush_run();
}

// ---------------------------------------------------------------------------------------------
// DMA (DREQ/DACK)

bool Disk::dma_request() const {
  const Picoseconds now = to_ps(sc_core::sc_time_stamp());
  const std::uint64_t next = cmd_.host_bytes / sector_size_;
  if (next >= cmd_.sectors) return false;
  if (cmd_.mode == Mode::dma_read) {
    const auto ready = sector_ready(next);
    return ready && *ready <= now;
  }
  if (cmd_.mode == Mode::dma_write) return slot_free(next) <= now;
  return false;
}

void Disk::dma_read(std::uint8_t* dst, std::size_t n) {
  if (cmd_.mode != Mode::dma_read || cmd_.host_bytes / sector_size_ >= cmd_.sectors) {
    SC_REPORT_WARNING(kReportType, (device_name_ + ": DACK without a DMA read").c_str());
    std::memset(dst, 0, n);
    return;
  }
  const std::uint64_t before = cmd_.host_bytes / sector_size_;
  take_from_buffer(dst, n, to_ps(sc_core::sc_time_stamp()));
  if (cmd_.host_bytes / sector_size_ != before) dma_request_event_.notify(sc_core::SC_ZERO_TIME);
}

void Disk::dma_write(const std::uint8_t* src, std::size_t n) {
  if (cmd_.mode != Mode::dma_write || cmd_.host_bytes / sector_size_ >= cmd_.sectors) {
    SC_REPORT_WARNING(kReportType, (device_name_ + ": DACK without a DMA write").c_str());
    return;
  }
  const std::uint64_t before = cmd_.host_bytes / sector_size_;
  put_into_buffer(src, n, to_ps(sc_core::sc_time_stamp()));
  if (cmd_.host_bytes / sector_size_ != before) dma_request_event_.notify(sc_core::SC_ZERO_TIME);
}

void Disk::dma_terminal_count() {
  const Picoseconds now = to_ps(sc_core::sc_time_stamp());
  if (cmd_.mode != Mode::dma_read && cmd_.mode != Mode::dma_write) return;
  if (cmd_.host_bytes >= cmd_.sectors * sector_size_) return;  // already ended with its data
  // The controller stopped early: end the command with what was moved. A write-through write
  // ends when the sectors it did receive are on the media, a cached one at once.
  Picoseconds end = now;
  if (cmd_.mode == Mode::dma_write && !cmd_.cached && !slots_.empty()) {
    end = std::max(end, slots_.back().media_end);
  }
  if (cmd_.mode == Mode::dma_read) retire_all(now);
  flush_run();
  cmd_.mode = Mode::no_data;
  complete(end, true);
  dma_request_event_.notify(sc_core::SC_ZERO_TIME);
}

// ---------------------------------------------------------------------------------------------
// Channel

std::uint8_t Disk::start_command(std::uint8_t command) {
  const Picoseconds now = to_ps(sc_core::sc_time_stamp());
  const bool channel_owned = cmd_.mode == Mode::channel_read || cmd_.mode == Mode::channel_write ||
                             cmd_.mode == Mode::channel_locate ||
                             cmd_.mode == Mode::channel_sense || cmd_.mode == Mode::channel_nop;
  if (busy_at(now) && !channel_owned) return unit_status::busy;
  if (channel_owned && !cmd_.completed) abort_command(now);
  const std::string located = " from lba " + std::to_string(located_lba_);
  switch (command) {
    case ccw_command::locate:
      locate_received_ = 0;
      begin_command(Mode::channel_locate, 0, 0, now, "LOCATE (channel)");
      return 0;
    case ccw_command::read:
      begin_command(Mode::channel_read, located_lba_, sector_count_ - located_lba_, now,
                    "READ (channel)" + located);
      return 0;
    case ccw_command::write:
      begin_command(Mode::channel_write, located_lba_, sector_count_ - located_lba_, now,
                    "WRITE (channel)" + located);
      return 0;
    case ccw_command::sense:
      sense_delivered_ = false;
      begin_command(Mode::channel_sense, 0, 0, now, "SENSE (channel)");
      return 0;
    case ccw_command::no_operation:
      begin_command(Mode::channel_nop, 0, 0, now, "NO OPERATION (channel)");
      return 0;
  }
  sense_ = disk_sense::command_reject;
  return unit_status::unit_check;
}

std::size_t Disk::channel_read(std::uint8_t* dst, std::size_t max) {
  if (cmd_.mode == Mode::channel_sense) {
    if (sense_delivered_ || max == 0) return 0;
    dst[0] = sense_;
    sense_delivered_ = true;
    return 1;
  }
  if (cmd_.mode != Mode::channel_read) return 0;
  Picoseconds now = to_ps(sc_core::sc_time_stamp());
  if (cmd_.host_bytes / sector_size_ >= cmd_.sectors) return 0;  // end of the disk
  const auto ready = sector_ready(cmd_.host_bytes / sector_size_);
  if (ready && *ready > now) {
    wait(from_ps(*ready - now));
    now = *ready;
    if (cmd_.mode != Mode::channel_read) return 0;
  }
  std::size_t total = 0;
  while (total < max) {
    const std::uint64_t sector = cmd_.host_bytes / sector_size_;
    if (sector >= cmd_.sectors) break;
    const auto sector_in_buffer = sector_ready(sector);
    if (!sector_in_buffer || *sector_in_buffer > now) break;
    const std::size_t m =
        std::min<std::size_t>(max - total, sector_size_ - cmd_.host_bytes % sector_size_);
    take_from_buffer(dst + total, m, now);
    total += m;
  }
  return total;
}

std::size_t Disk::channel_write(const std::uint8_t* src, std::size_t n) {
  if (cmd_.mode == Mode::channel_locate) {
    const std::size_t m = std::min<std::size_t>(n, sizeof locate_bytes_ - locate_received_);
    std::memcpy(locate_bytes_ + locate_received_, src, m);
    locate_received_ += m;
    return m;
  }
  if (cmd_.mode != Mode::channel_write) return 0;
  std::size_t taken = 0;
  while (taken < n) {
    const std::uint64_t sector = cmd_.host_bytes / sector_size_;
    if (sector >= cmd_.sectors) break;
    const Picoseconds now = to_ps(sc_core::sc_time_stamp());
    const Picoseconds free = slot_free(sector);
    if (free > now) {
      // A short count would tell the channel the record is full: wait for room instead.
      wait(from_ps(free - now));
      if (cmd_.mode != Mode::channel_write) break;
      continue;
    }
    const std::size_t m =
        std::min<std::size_t>(n - taken, sector_size_ - cmd_.host_bytes % sector_size_);
    put_into_buffer(src + taken, m, now);
    taken += m;
  }
  return taken;
}

std::uint8_t Disk::end_command() {
  Picoseconds now = to_ps(sc_core::sc_time_stamp());
  std::uint8_t status = unit_status::channel_end | unit_status::device_end;
  switch (cmd_.mode) {
    case Mode::channel_locate: {
      std::uint64_t lba = 0;
      for (std::uint8_t byte : locate_bytes_) lba = (lba << 8) | byte;
      if (locate_received_ == sizeof locate_bytes_ && lba < sector_count_) {
        located_lba_ = lba;
      } else {
        sense_ = disk_sense::command_reject;
        status |= unit_status::unit_check;
      }
      break;
    }
    case Mode::channel_read:
      // The channel has what it wanted; sectors the media had not begun are never read.
      retire_all(now);
      break;
    case Mode::channel_write: {
      const std::uint64_t partial = cmd_.host_bytes % sector_size_;
      if (partial != 0) {
        // A fixed-block device pads a short last block with zeros.
        const std::vector<std::uint8_t> zeros(sector_size_ - partial, 0);
        put_into_buffer(zeros.data(), zeros.size(), now);
      }
      // Device end only when the data are on the media (write-through).
      if (!slots_.empty() && slots_.back().media_end > now) {
        wait(from_ps(slots_.back().media_end - now));
        now = to_ps(sc_core::sc_time_stamp());
      }
      break;
    }
    case Mode::channel_sense:
      if (sense_delivered_) sense_ = disk_sense::none;
      break;
    default:
      break;
  }
  if (cmd_.mode != Mode::idle && !cmd_.completed) complete(now, false);
  return status;
}

// ---------------------------------------------------------------------------------------------
// INTRQ and DREQ in simulated time

bool Disk::wants_block_signals() const {
  const bool interrupts = (device_control_ & ata_device_control::nien) == 0;
  switch (cmd_.mode) {
    case Mode::pio_read:
    case Mode::pio_write:
      return interrupts;
    case Mode::dma_read:
    case Mode::dma_write:
      return true;
    default:
      return false;
  }
}

void Disk::state_changed() {
  state_changed_.notify(sc_core::SC_ZERO_TIME);
}

// The next moment the thread must act: INTRQ for the host's next PIO block, DREQ for the DMA
// controller's next sector, or INTRQ at command completion. Polled PIO (nIEN) needs none of
// these, so the thread sleeps through a polled transfer.
std::optional<Picoseconds> Disk::next_signal_due() const {
  std::optional<Picoseconds> due;
  auto consider = [&due](Picoseconds t) {
    if (!due || t < *due) due = t;
  };
  if (cmd_.completed && cmd_.completion_irq && !cmd_.completion_irq_done) consider(*cmd_.completed);
  if (!wants_block_signals()) return due;
  const std::uint64_t next = cmd_.host_bytes / sector_size_;
  const auto next_signed = static_cast<std::int64_t>(next);
  switch (cmd_.mode) {
    case Mode::pio_read:
    case Mode::dma_read:
      if (next < cmd_.sectors && next_signed > cmd_.signalled_block) {
        if (const auto ready = sector_ready(next)) {
          // A PIO block is offered only once the host has finished the previous one.
          consider(cmd_.mode == Mode::pio_read ? std::max(*ready, cmd_.last_block_done) : *ready);
        }
      }
      break;
    case Mode::pio_write:
      // "Ready for the next block" after block next-1 was taken; the last block interrupts at
      // completion instead.
      if (next >= 1 && next < cmd_.sectors && next_signed - 1 > cmd_.signalled_block) {
        consider(std::max(cmd_.last_block_done, slot_free(next)));
      }
      break;
    case Mode::dma_write:
      if (next < cmd_.sectors && next_signed > cmd_.signalled_block) consider(slot_free(next));
      break;
    default:
      break;
  }
  return due;
}

void Disk::fire_due_signals(Picoseconds now) {
  if (cmd_.completed && cmd_.completion_irq && !cmd_.completion_irq_done &&
      *cmd_.completed <= now) {
    cmd_.completion_irq_done = true;
    raise_intrq(*cmd_.completed);
  }
  if (!wants_block_signals()) return;
  const std::uint64_t next = cmd_.host_bytes / sector_size_;
  const auto next_signed = static_cast<std::int64_t>(next);
  switch (cmd_.mode) {
    case Mode::pio_read:
      if (next < cmd_.sectors && next_signed > cmd_.signalled_block) {
        const auto ready = sector_ready(next);
        if (!ready) break;
        const Picoseconds due = std::max(*ready, cmd_.last_block_done);
        if (due > now) break;
        cmd_.signalled_block = next_signed;
        // A host that already started on the block without its interrupt was polling.
        if (cmd_.host_bytes % sector_size_ == 0) raise_intrq(due);
      }
      break;
    case Mode::pio_write:
      if (next >= 1 && next < cmd_.sectors && next_signed - 1 > cmd_.signalled_block) {
        const Picoseconds due = std::max(cmd_.last_block_done, slot_free(next));
        if (due > now) break;
        cmd_.signalled_block = next_signed - 1;
        if (cmd_.host_bytes % sector_size_ == 0) raise_intrq(due);
      }
      break;
    case Mode::dma_read:
    case Mode::dma_write:
      if (next < cmd_.sectors && next_signed > cmd_.signalled_block) {
        std::optional<Picoseconds> due;
        if (cmd_.mode == Mode::dma_read) {
          due = sector_ready(next);
        } else {
          due = slot_free(next);
        }
        if (!due || *due > now) break;
        cmd_.signalled_block = next_signed;
        dma_request_event_.notify(sc_core::SC_ZERO_TIME);
      }
      break;
    default:
      break;
  }
}

void Disk::signalling_thread() {
  for (;;) {
    const auto due = next_signal_due();
    const Picoseconds now = to_ps(sc_core::sc_time_stamp());
    if (!due) {
      wait(state_changed_);
    } else if (*due > now) {
      wait(from_ps(*due - now), state_changed_);
    } else {
      fire_due_signals(now);
    }
  }
}

void Disk::raise_intrq(Picoseconds due) {
  if (device_control_ & ata_device_control::nien) return;
  // A host running ahead of the clock that read STATUS at or after this moment has already
  // taken this event; pulsing the line now would deliver it twice.
  if (status_read_seen_ && last_status_read_ >= due) return;
  irq_raised_at_ = to_ps(sc_core::sc_time_stamp());
  irq_cleared_at_.reset();
  irq_line_update_.notify(sc_core::SC_ZERO_TIME);
}

void Disk::drive_irq_line() {
  const Picoseconds now = to_ps(sc_core::sc_time_stamp());
  const bool level = irq_raised_at_ && *irq_raised_at_ <= now &&
                     !(irq_cleared_at_ && *irq_cleared_at_ <= now) && !srst_ &&
                     (device_control_ & ata_device_control::nien) == 0;
  irq_out.write(level);
}

void Disk::activity(Picoseconds start, Picoseconds end, const std::string& phase,
                    const std::string& detail) {
  trace::Record record;
  record.start = start;
  record.end = end;
  record.actor = device_name_;
  record.data = trace::DeviceActivity{device_name_, phase, detail};
  context_.record(std::move(record));
}

}  // namespace iosim::hw
