#pragma once

#include <cstdint>

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::hw {

/// An 80-column punched-card reader on a channel: a slow, record-oriented device.
struct CardReaderParams {
  std::uint64_t cards_per_minute = 1000;
  std::uint64_t hopper_cards = 3100;

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"cards_per_minute",
               "Rated speed: one card passes the read station every 60 s / cards_per_minute, and "
               "its 80 columns are in the reader's buffer at the end of that card cycle",
               "IBM 2501 Model B2: 1000 cards per minute"},
      cards_per_minute);
    v(ParamDoc{"hopper_cards",
               "Cards loaded in the read hopper; a READ after the last one ends "
               "with unit exception (end of file)",
               "IBM 2540: read hopper of 3100 cards"},
      hopper_cards);
  }

  /// One card cycle, 60 s / cards_per_minute rounded up to the next picosecond.
  sc_core::sc_time card_cycle() const {
    constexpr std::uint64_t kPicosecondsPerMinute = 60'000'000'000'000ULL;
    return from_ps((kPicosecondsPerMinute + cards_per_minute - 1) / cards_per_minute);
  }
};

}  // namespace iosim::hw
