// Parsing the values a scenario file writes with units: "7.4ms", "64KiB", "25.6GB/s", "33MHz",
// "5%", "128", "true".
//
// Parsing is exact: the number is read as a decimal (digits and a scale), never as a floating-point
// value, and multiplied by the unit's factor in integer arithmetic. "7.4ms" is exactly
// 7'400'000'000 ps; a value that is not a whole number of the base unit ("1.5ps", "0.5B") is an
// error rather than silently rounded. The inverse functions are models/core/units.h's format_*:
// parse(format(x)) == x for every x.
//
// A quantity needs its unit, except zero: "0" (or "0.0") is zero of any kind.
//
// Errors are ParseError with a message that says what was expected ("expected a time with a
// unit, like 7.4ms"); the scenario loader adds the file position.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <systemc>

#include "models/core/units.h"

namespace iosim::sim {

/// A value that could not be read. what() is a complete sentence without a position.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A non-negative decimal number exactly as written: value = mantissa / 10^scale.
struct Decimal {
  unsigned __int128 mantissa = 0;
  unsigned scale = 0;
};

/// "7.4ms" -> 7'400'000'000. Units: ps, ns, us (also µs), ms, s.
Picoseconds parse_time_ps(std::string_view text);
sc_core::sc_time parse_time(std::string_view text);
/// "64KiB" -> 65536. Units: B, KiB, MiB, GiB, TiB (binary); kB, MB, GB, TB (decimal).
ByteSize parse_size(std::string_view text);
/// "25.6GB/s" -> 25'600'000'000 B/s. Units: B/s, kB/s, MB/s, GB/s (decimal bytes); Kb/s, Mb/s,
/// Gb/s (bits); KiB/s, MiB/s, GiB/s (binary bytes).
Bandwidth parse_bandwidth(std::string_view text);
/// "33MHz" -> 33'000'000. Units: Hz, kHz, MHz, GHz.
Frequency parse_frequency(std::string_view text);
/// "5%" -> 0.05, "0.25" -> 0.25 (the nearest double to the decimal written).
double parse_fraction(std::string_view text);
/// A plain whole number without a unit: "128", also hexadecimal "0x40".
std::uint64_t parse_count(std::string_view text);
/// "true" or "false".
bool parse_bool(std::string_view text);

/// A plain decimal number without a unit: "4", "0.5".
Decimal parse_plain_decimal(std::string_view text);
/// A percentage "12.5%" as a fraction: mantissa 125, scale 3 (= 0.125).
Decimal parse_percent(std::string_view text);
/// True when `text` ends with '%' (after trailing blanks).
bool is_percent(std::string_view text);

/// The decimal's value as a long double (for display and tolerance arithmetic).
long double to_long_double(const Decimal& d);
/// The decimal written back: mantissa 74, scale 1 -> "7.4".
std::string to_string(const Decimal& d);

}  // namespace iosim::sim
