#include "sim/units.h"

#include <cctype>
#include <cstdlib>
#include <limits>
#include <vector>

#include "sim/suggest.h"

namespace iosim::sim {
namespace {

using u128 = unsigned __int128;

// More digits than this cannot be multiplied by a unit factor (at most 10^12) inside 128 bits.
constexpr std::size_t kMaxDigits = 24;
constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

/// value = number * numerator / denominator, in the quantity's base unit.
struct Unit {
  const char* name;
  std::uint64_t numerator;
  std::uint64_t denominator;
};

/// One kind of quantity: how to name it in messages and the units it accepts.
struct QuantityKind {
  const char* noun;       // "time"
  const char* example;    // "7.4ms"
  const char* base_unit;  // what the integer counts: "picoseconds"
  std::vector<Unit> units;
  const char* unit_list;  // for messages
};

const QuantityKind& time_kind() {
  static const QuantityKind kind{"time",
                                 "7.4ms",
                                 "picoseconds",
                                 {{"ps", 1, 1},
                                  {"ns", 1'000, 1},
                                  {"us", 1'000'000, 1},
                                  {"\xC2\xB5s", 1'000'000, 1},  // µs, MICRO SIGN
                                  {"\xCE\xBCs", 1'000'000, 1},  // μs, GREEK SMALL LETTER MU
                                  {"ms", 1'000'000'000, 1},
                                  {"s", 1'000'000'000'000, 1}},
                                 "ps, ns, us (or \xC2\xB5s), ms, s"};
  return kind;
}

const QuantityKind& size_kind() {
  static const QuantityKind kind{"size",
                                 "64KiB",
                                 "bytes",
                                 {{"B", 1, 1},
                                  {"KiB", 1ULL << 10, 1},
                                  {"MiB", 1ULL << 20, 1},
                                  {"GiB", 1ULL << 30, 1},
                                  {"TiB", 1ULL << 40, 1},
                                  {"kB", 1'000, 1},
                                  {"MB", 1'000'000, 1},
                                  {"GB", 1'000'000'000, 1},
                                  {"TB", 1'000'000'000'000, 1}},
                                 "B, KiB, MiB, GiB, TiB (1024-based), kB, MB, GB, TB (1000-based)"};
  return kind;
}

const QuantityKind& bandwidth_kind() {
  constexpr std::uint64_t kBitsPerByte = 8;
  static const QuantityKind kind{
      "data rate",
      "25.6GB/s",
      "bytes per second",
      {{"B/s", 1, 1},
       {"kB/s", 1'000, 1},
       {"MB/s", 1'000'000, 1},
       {"GB/s", 1'000'000'000, 1},
       {"KiB/s", 1ULL << 10, 1},
       {"MiB/s", 1ULL << 20, 1},
       {"GiB/s", 1ULL << 30, 1},
       {"b/s", 1, kBitsPerByte},
       {"kb/s", 1'000, kBitsPerByte},
       {"Kb/s", 1'000, kBitsPerByte},
       {"Mb/s", 1'000'000, kBitsPerByte},
       {"Gb/s", 1'000'000'000, kBitsPerByte}},
      "B/s, kB/s, MB/s, GB/s (bytes), KiB/s, MiB/s, GiB/s (1024-based), Kb/s, Mb/s, Gb/s (bits)"};
  return kind;
}

const QuantityKind& frequency_kind() {
  static const QuantityKind kind{
      "frequency",
      "33MHz",
      "hertz",
      {{"Hz", 1, 1}, {"kHz", 1'000, 1}, {"MHz", 1'000'000, 1}, {"GHz", 1'000'000'000, 1}},
      "Hz, kHz, MHz, GHz"};
  return kind;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

/// A number and what follows it.
struct Split {
  bool negative = false;
  bool has_number = false;
  Decimal number;
  std::string_view unit;  // trimmed, may be empty
};

/// Reads [+-]digits[.digits] then blanks then the rest as the unit. Throws on too many digits.
Split split_number(std::string_view text, std::string_view whole) {
  Split out;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    out.negative = text[i] == '-';
    ++i;
  }
  std::size_t digits = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    if (++digits > kMaxDigits) {
      throw ParseError(quoted(whole) + " has too many digits (at most " +
                       std::to_string(kMaxDigits) + ")");
    }
    out.number.mantissa = out.number.mantissa * 10 + static_cast<unsigned>(c - '0');
    if (seen_point) ++out.number.scale;
  }
  out.has_number = digits > 0;
  out.unit = trim(text.substr(i));
  return out;
}

u128 power_of_ten(unsigned n) {
  u128 p = 1;
  for (unsigned i = 0; i < n; ++i) p *= 10;
  return p;
}

std::vector<std::string> unit_names(const QuantityKind& kind) {
  std::vector<std::string> names;
  for (const Unit& u : kind.units) names.emplace_back(u.name);
  return names;
}

/// Spellings people reach for that are ambiguous between a decimal and a binary unit (or bits).
std::string ambiguity_hint(const QuantityKind& kind, std::string_view unit) {
  std::string lower;
  for (char c : unit) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (&kind == &size_kind()) {
    if (lower == "kb" || lower == "k") return "did you mean kB (1000 bytes) or KiB (1024 bytes)?";
    if (lower == "mb" || lower == "m") return "did you mean MB (10^6 bytes) or MiB (2^20 bytes)?";
    if (lower == "gb" || lower == "g") return "did you mean GB (10^9 bytes) or GiB (2^30 bytes)?";
    if (lower == "tb" || lower == "t") return "did you mean TB (10^12 bytes) or TiB (2^40 bytes)?";
    if (lower == "bytes" || lower == "byte") return "did you mean B?";
  }
  if (&kind == &bandwidth_kind()) {
    if (lower == "kb/s" || lower == "kbps") {
      return "did you mean kB/s (1000 bytes/s), KiB/s (1024 bytes/s) or Kb/s (1000 bits/s)?";
    }
    if (lower == "mbps" || lower == "mbit/s") return "did you mean MB/s (bytes) or Mb/s (bits)?";
    if (lower == "gbps" || lower == "gbit/s") return "did you mean GB/s (bytes) or Gb/s (bits)?";
  }
  return "";
}

[[noreturn]] void throw_unknown_unit(const QuantityKind& kind, std::string_view unit,
                                     std::string_view whole) {
  std::string message =
      "unknown " + std::string(kind.noun) + " unit " + quoted(unit) + " in " + quoted(whole);
  std::string hint = ambiguity_hint(kind, unit);
  if (hint.empty()) {
    if (auto match = closest_match(unit, unit_names(kind))) hint = "did you mean '" + *match + "'?";
  }
  if (!hint.empty()) message += "; " + hint;
  message += std::string(" (") + kind.noun + " units: " + kind.unit_list + ")";
  throw ParseError(message);
}

std::string expected_with_unit(const QuantityKind& kind) {
  return std::string("expected a ") + kind.noun + " with a unit, like " + kind.example;
}

/// The number of base units in `text`, exactly.
std::uint64_t parse_quantity(std::string_view raw, const QuantityKind& kind) {
  const std::string_view text = trim(raw);
  if (text.empty()) throw ParseError(expected_with_unit(kind) + "; got nothing");
  const Split split = split_number(text, text);
  if (!split.has_number) {
    throw ParseError(expected_with_unit(kind) + "; got " + quoted(text));
  }
  if (split.negative) {
    throw ParseError(std::string("a ") + kind.noun + " cannot be negative: " + quoted(text));
  }
  if (split.unit.empty()) {
    // Zero is zero in every unit: "0" needs none (an empty file, an offset of 0).
    if (split.number.mantissa == 0) return 0;
    throw ParseError(expected_with_unit(kind) + "; got " + quoted(text) + " without a unit");
  }
  const Unit* unit = nullptr;
  for (const Unit& u : kind.units) {
    if (split.unit == u.name) unit = &u;
  }
  if (unit == nullptr) throw_unknown_unit(kind, split.unit, text);

  const u128 numerator = split.number.mantissa * unit->numerator;
  const u128 denominator = power_of_ten(split.number.scale) * unit->denominator;
  if (numerator % denominator != 0) {
    throw ParseError(quoted(text) + " is not a whole number of " + kind.base_unit);
  }
  const u128 value = numerator / denominator;
  if (value > kMaxU64) {
    throw ParseError(quoted(text) + " is too large: a " + kind.noun + " is at most 2^64-1 " +
                     kind.base_unit);
  }
  return static_cast<std::uint64_t>(value);
}

/// A unitless decimal; `what` names the expected thing for messages.
Decimal parse_unitless(std::string_view raw, const char* what, const char* example) {
  const std::string_view text = trim(raw);
  const std::string expected = std::string("expected ") + what + ", like " + example;
  if (text.empty()) throw ParseError(expected + "; got nothing");
  const Split split = split_number(text, text);
  if (!split.has_number) throw ParseError(expected + "; got " + quoted(text));
  if (split.negative) throw ParseError(std::string("cannot be negative: ") + quoted(text));
  if (!split.unit.empty()) {
    throw ParseError(std::string("expected ") + what + " without a unit, like " + example +
                     "; got " + quoted(text));
  }
  return split.number;
}

}  // namespace

Picoseconds parse_time_ps(std::string_view text) {
  return parse_quantity(text, time_kind());
}

sc_core::sc_time parse_time(std::string_view text) {
  return from_ps(parse_time_ps(text));
}

ByteSize parse_size(std::string_view text) {
  return ByteSize(parse_quantity(text, size_kind()));
}

Bandwidth parse_bandwidth(std::string_view text) {
  return Bandwidth(parse_quantity(text, bandwidth_kind()));
}

Frequency parse_frequency(std::string_view text) {
  return Frequency(parse_quantity(text, frequency_kind()));
}

bool is_percent(std::string_view text) {
  text = trim(text);
  return !text.empty() && text.back() == '%';
}

Decimal parse_percent(std::string_view raw) {
  std::string_view text = trim(raw);
  if (!is_percent(text)) throw ParseError("expected a percentage like 5%; got " + quoted(text));
  text.remove_suffix(1);
  Decimal d = parse_unitless(text, "a percentage", "5%");
  constexpr unsigned kPercentScale = 2;
  d.scale += kPercentScale;
  return d;
}

double parse_fraction(std::string_view raw) {
  const std::string_view text = trim(raw);
  const Decimal d =
      is_percent(text) ? parse_percent(text) : parse_unitless(text, "a fraction", "0.25 or 25%");
  // strtod of "<digits>e-<scale>" is correctly rounded: the nearest double to the decimal.
  std::string digits;
  u128 m = d.mantissa;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  const std::string scientific = digits + "e-" + std::to_string(d.scale);
  return std::strtod(scientific.c_str(), nullptr);
}

std::uint64_t parse_count(std::string_view raw) {
  const std::string_view text = trim(raw);
  constexpr std::string_view kHexPrefix = "0x";
  if (text.size() > kHexPrefix.size() && text.substr(0, kHexPrefix.size()) == kHexPrefix) {
    constexpr unsigned kHexBase = 16;
    constexpr std::size_t kMaxHexDigits = 16;
    const std::string_view hex = text.substr(kHexPrefix.size());
    if (hex.size() > kMaxHexDigits) throw ParseError(quoted(text) + " is too large for 64 bits");
    std::uint64_t value = 0;
    for (char c : hex) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) {
        throw ParseError("expected a hexadecimal number like 0x40; got " + quoted(text));
      }
      const unsigned digit = std::isdigit(static_cast<unsigned char>(c))
                                 ? static_cast<unsigned>(c - '0')
                                 : static_cast<unsigned>(std::tolower(c) - 'a' + 10);
      value = value * kHexBase + digit;
    }
    return value;
  }
  const Decimal d = parse_unitless(text, "a whole number", "128");
  if (d.scale != 0) throw ParseError("expected a whole number; got " + quoted(text));
  if (d.mantissa > kMaxU64) throw ParseError(quoted(text) + " is too large for 64 bits");
  return static_cast<std::uint64_t>(d.mantissa);
}

bool parse_bool(std::string_view raw) {
  const std::string_view text = trim(raw);
  if (text == "true") return true;
  if (text == "false") return false;
  throw ParseError("expected true or false; got " + quoted(text));
}

Decimal parse_plain_decimal(std::string_view text) {
  return parse_unitless(text, "a number", "4 or 0.5");
}

long double to_long_double(const Decimal& d) {
  long double value = static_cast<long double>(d.mantissa);
  for (unsigned i = 0; i < d.scale; ++i) value /= 10;
  return value;
}

std::string to_string(const Decimal& d) {
  std::string digits;
  u128 m = d.mantissa;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  if (d.scale == 0) return digits;
  if (digits.size() <= d.scale) digits.insert(0, d.scale - digits.size() + 1, '0');
  std::string out =
      digits.substr(0, digits.size() - d.scale) + "." + digits.substr(digits.size() - d.scale);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

}  // namespace iosim::sim
