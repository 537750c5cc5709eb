// An 80-column card reader as a channel device (in the manner of the IBM 2501): a slow device with
// fixed 80-byte records, to show a multiplexer channel interleaving programs and a channel's
// incorrect-length and SLI handling.
//
// The hopper holds `hopper_cards` cards; card k (from 0) carries the payload bytes
// fill_pattern(seed, stream_id, 80 k, ..., 80). A READ feeds one card: the card cycle starts when
// the channel passes the command (or when the previous cycle ends, whichever is later) and lasts
// 60 s / cards_per_minute; at its end the 80 bytes are in the reader's buffer and the channel can
// take them as fast as it likes. Commands:
//   READ  (0x02) one card, record length 80; with an empty hopper the command ends at once with
//                channel end, device end and unit exception (end of file);
//   SENSE (0x04) one sense byte (command reject 0x80 after a rejected command), then cleared;
//   NOP   (0x03) accepted, no data;
//   any other    rejected: channel end, device end and unit check, sense = command reject.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <systemc>

#include "models/core/context.h"
#include "models/hw/card_reader_params.h"
#include "models/hw/device_ports.h"

namespace iosim::hw {

/// Sense byte bits of the card reader.
namespace card_reader_sense {
constexpr std::uint8_t command_reject = 0x80;
}  // namespace card_reader_sense

class CardReader : public sc_core::sc_module, public ChannelDevice {
 public:
  static constexpr std::size_t kCardBytes = 80;
  static constexpr std::size_t kSenseBytes = 1;

  /// `stream_id` selects the payload stream of this reader's deck (see models/core/payload.h).
  CardReader(sc_core::sc_module_name name, const CardReaderParams& params, ModelContext& context,
             std::uint64_t stream_id);

  // ChannelDevice.
  std::string channel_device_name() const override { return basename(); }
  std::uint8_t start_command(std::uint8_t command) override;
  std::size_t channel_read(std::uint8_t* dst, std::size_t max) override;
  std::size_t channel_write(const std::uint8_t* src, std::size_t n) override;
  std::uint8_t end_command() override;

  /// The bytes of card `card` of the deck (what a correct read must deliver).
  void card_image(std::uint64_t card, std::uint8_t* dst) const;
  std::uint64_t cards_read() const { return next_card_; }
  std::uint64_t cards_left() const { return params_.hopper_cards - next_card_; }
  const CardReaderParams& params() const { return params_; }

 private:
  enum class Operation { none, read, sense };

  CardReaderParams params_;
  ModelContext& context_;
  std::uint64_t stream_id_;
  sc_core::sc_time card_cycle_;

  Operation operation_ = Operation::none;
  std::uint64_t next_card_ = 0;  // next card in the hopper
  sc_core::sc_time feed_free_;   // end of the last card cycle: the next cannot start earlier
  sc_core::sc_time data_ready_;  // the current card's bytes are in the buffer from then on
  std::array<std::uint8_t, kCardBytes> buffer_{};
  std::size_t buffer_length_ = 0;    // bytes of the current record
  std::size_t buffer_position_ = 0;  // bytes already given to the channel
  std::uint8_t sense_ = 0;
};

}  // namespace iosim::hw
