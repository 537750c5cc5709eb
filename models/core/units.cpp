#include "models/core/units.h"

#include <stdexcept>

namespace iosim {
namespace {

constexpr Picoseconds kPicosecondsPerSecond = 1'000'000'000'000ULL;

// ceil(a * b / c) without overflow for the magnitudes a simulation meets.
std::uint64_t mul_div_ceil(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>((product + c - 1) / c);
}

// Prints value / scale exactly, dropping trailing zeros: (7400, 1000) -> "7.4".
std::string exact_decimal(std::uint64_t value, std::uint64_t scale) {
  std::string text = std::to_string(value / scale);
  std::uint64_t rest = value % scale;
  if (rest == 0) return text;
  std::string fraction;
  for (std::uint64_t s = scale / 10; s > 0; s /= 10) {
    fraction += static_cast<char>('0' + (rest / s) % 10);
  }
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return text + "." + fraction;
}

struct Scale {
  std::uint64_t factor;
  const char* suffix;
};

// Picks the largest unit in which the value still needs at most three decimals.
template <std::size_t N>
std::string format_scaled(std::uint64_t value, const Scale (&scales)[N]) {
  for (const Scale& s : scales) {
    if (value >= s.factor && (value % (s.factor / std::min<std::uint64_t>(s.factor, 1000))) == 0) {
      return exact_decimal(value, s.factor) + s.suffix;
    }
  }
  const Scale& smallest = scales[N - 1];
  return exact_decimal(value, smallest.factor) + smallest.suffix;
}

}  // namespace

Picoseconds to_ps(const sc_core::sc_time& t) {
  return t.value();
}

sc_core::sc_time from_ps(Picoseconds ps) {
  return sc_core::sc_time::from_value(ps);
}

Picoseconds now_ps() {
  return to_ps(sc_core::sc_time_stamp());
}

void check_time_resolution() {
  if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS)) {
    throw std::logic_error("iosim models need a SystemC time resolution of 1 ps");
  }
}

Picoseconds Bandwidth::transfer_ps(std::uint64_t bytes) const {
  if (bytes == 0) return 0;
  if (bytes_per_second == 0) throw std::logic_error("transfer at a bandwidth of zero");
  return mul_div_ceil(bytes, kPicosecondsPerSecond, bytes_per_second);
}

sc_core::sc_time Bandwidth::transfer_time(std::uint64_t bytes) const {
  return from_ps(transfer_ps(bytes));
}

Picoseconds Frequency::cycles_ps(std::uint64_t n) const {
  if (n == 0) return 0;
  if (hertz == 0) throw std::logic_error("cycles of a clock at zero hertz");
  return mul_div_ceil(n, kPicosecondsPerSecond, hertz);
}

sc_core::sc_time Frequency::cycles(std::uint64_t n) const {
  return from_ps(cycles_ps(n));
}

std::string format_time_ps(Picoseconds ps) {
  static const Scale scales[] = {{1'000'000'000'000ULL, "s"},
                                 {1'000'000'000ULL, "ms"},
                                 {1'000'000ULL, "us"},
                                 {1'000ULL, "ns"},
                                 {1ULL, "ps"}};
  if (ps == 0) return "0s";
  return format_scaled(ps, scales);
}

std::string format_time(const sc_core::sc_time& t) {
  return format_time_ps(to_ps(t));
}

std::string format_size(ByteSize s) {
  static const Scale scales[] = {
      {1ULL << 40, "TiB"}, {1ULL << 30, "GiB"}, {1ULL << 20, "MiB"}, {1ULL << 10, "KiB"}};
  if (s.bytes == 0) return "0B";
  for (const Scale& scale : scales) {
    if (s.bytes % scale.factor == 0) return std::to_string(s.bytes / scale.factor) + scale.suffix;
  }
  return std::to_string(s.bytes) + "B";
}

std::string format_bandwidth(Bandwidth b) {
  static const Scale scales[] = {
      {1'000'000'000ULL, "GB/s"}, {1'000'000ULL, "MB/s"}, {1'000ULL, "kB/s"}, {1ULL, "B/s"}};
  if (b.bytes_per_second == 0) return "0B/s";
  return format_scaled(b.bytes_per_second, scales);
}

std::string format_frequency(Frequency f) {
  static const Scale scales[] = {
      {1'000'000'000ULL, "GHz"}, {1'000'000ULL, "MHz"}, {1'000ULL, "kHz"}, {1ULL, "Hz"}};
  if (f.hertz == 0) return "0Hz";
  return format_scaled(f.hertz, scales);
}

}  // namespace iosim
