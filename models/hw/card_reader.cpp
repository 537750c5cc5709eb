#include "models/hw/card_reader.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "models/core/payload.h"

namespace iosim::hw {

CardReader::CardReader(sc_core::sc_module_name name, const CardReaderParams& params,
                       ModelContext& context, std::uint64_t stream_id)
    : sc_module(name), params_(params), context_(context), stream_id_(stream_id) {
  if (params_.cards_per_minute == 0) {
    throw std::invalid_argument(std::string(basename()) + ": cards_per_minute must be positive");
  }
  card_cycle_ = params_.card_cycle();
  context_.declare_region(channel_device_name() + ".buffer", trace::Layer::hardware,
                          channel_device_name() + " card buffer");
}

void CardReader::card_image(std::uint64_t card, std::uint8_t* dst) const {
  fill_pattern(context_.seed(), stream_id_, card * kCardBytes, dst, kCardBytes);
}

std::uint8_t CardReader::start_command(std::uint8_t command) {
  constexpr std::uint8_t kEnded = unit_status::channel_end | unit_status::device_end;
  buffer_length_ = buffer_position_ = 0;
  operation_ = Operation::none;
  switch (command) {
    case ccw_command::read: {
      if (next_card_ >= params_.hopper_cards) return kEnded | unit_status::unit_exception;
      // The feed runs at the rated speed: a card cycle cannot start before the last one ended.
      const sc_core::sc_time start = std::max(sc_core::sc_time_stamp(), feed_free_);
      data_ready_ = feed_free_ = start + card_cycle_;
      const std::uint64_t card = next_card_++;
      card_image(card, buffer_.data());
      buffer_length_ = kCardBytes;
      operation_ = Operation::read;
      trace::Record r;
      r.start = to_ps(start);
      r.end = to_ps(data_ready_);
      r.actor = basename();
      r.data = trace::DeviceActivity{basename(), "read", "card " + std::to_string(card)};
      context_.record(std::move(r));
      return 0;
    }
    case ccw_command::sense:
      buffer_[0] = sense_;
      sense_ = 0;  // sense data is reset once read, as on the real reader
      buffer_length_ = kSenseBytes;
      data_ready_ = sc_core::sc_time_stamp();
      operation_ = Operation::sense;
      return 0;
    case ccw_command::no_operation:
      return 0;
    default:
      sense_ = card_reader_sense::command_reject;
      return kEnded | unit_status::unit_check;
  }
}

std::size_t CardReader::channel_read(std::uint8_t* dst, std::size_t max) {
  if (operation_ == Operation::none) return 0;
  // Called from the channel's thread: the channel waits here until the card has passed the brushes.
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (now < data_ready_) sc_core::wait(data_ready_ - now);
  const std::size_t n = std::min(max, buffer_length_ - buffer_position_);
  std::memcpy(dst, buffer_.data() + buffer_position_, n);
  buffer_position_ += n;
  return n;
}

std::size_t CardReader::channel_write(const std::uint8_t*, std::size_t) {
  return 0;  // a reader takes no data (write commands are rejected at start_command)
}

std::uint8_t CardReader::end_command() {
  operation_ = Operation::none;
  buffer_length_ = buffer_position_ = 0;
  return unit_status::channel_end | unit_status::device_end;
}

}  // namespace iosim::hw
