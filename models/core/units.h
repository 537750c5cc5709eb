// Units every model parameter is expressed in.
//
// Simulated time is sc_core::sc_time at SystemC's default resolution of one picosecond. Sizes,
// rates and frequencies get their own small types so that a parameter table can tell a size from
// a count and print each with its unit; they convert to time only through the functions here,
// which round up to the next picosecond so that no transfer is ever free.
#pragma once

#include <cstdint>
#include <string>

#include <systemc>

#include "models/core/picoseconds.h"

namespace iosim {

/// Simulated time as an integer number of picoseconds (the unit of every trace and metric).
Picoseconds to_ps(const sc_core::sc_time& t);
/// The sc_time of `ps` picoseconds.
sc_core::sc_time from_ps(Picoseconds ps);
/// The simulation clock (sc_time_stamp()) in picoseconds.
Picoseconds now_ps();

/// Throws std::logic_error unless SystemC's time resolution is one picosecond. Call before
/// building a model: every formula in the models assumes it.
void check_time_resolution();

/// A size in bytes (1 KiB = 1024 B).
struct ByteSize {
  std::uint64_t bytes = 0;
  constexpr ByteSize() = default;
  constexpr explicit ByteSize(std::uint64_t b) : bytes(b) {}
  friend constexpr bool operator==(ByteSize a, ByteSize b) { return a.bytes == b.bytes; }
  friend constexpr bool operator!=(ByteSize a, ByteSize b) { return a.bytes != b.bytes; }
};
constexpr ByteSize operator""_B(unsigned long long n) {
  return ByteSize(n);
}
constexpr ByteSize operator""_KiB(unsigned long long n) {
  return ByteSize(n << 10);
}
constexpr ByteSize operator""_MiB(unsigned long long n) {
  return ByteSize(n << 20);
}
constexpr ByteSize operator""_GiB(unsigned long long n) {
  return ByteSize(n << 30);
}

/// A data rate in bytes per second. Datasheets quote decimal rates (25.6 GB/s = 25.6e9 B/s).
struct Bandwidth {
  std::uint64_t bytes_per_second = 0;
  constexpr Bandwidth() = default;
  constexpr explicit Bandwidth(std::uint64_t bps) : bytes_per_second(bps) {}
  /// Time to move `bytes` at this rate, rounded up to the next picosecond.
  sc_core::sc_time transfer_time(std::uint64_t bytes) const;
  Picoseconds transfer_ps(std::uint64_t bytes) const;
  friend constexpr bool operator==(Bandwidth a, Bandwidth b) {
    return a.bytes_per_second == b.bytes_per_second;
  }
};
constexpr Bandwidth megabytes_per_second(double mbps) {
  return Bandwidth(static_cast<std::uint64_t>(mbps * 1e6 + 0.5));
}

/// A clock frequency in hertz.
struct Frequency {
  std::uint64_t hertz = 0;
  constexpr Frequency() = default;
  constexpr explicit Frequency(std::uint64_t hz) : hertz(hz) {}
  /// Duration of `n` cycles, rounded up to the next picosecond.
  sc_core::sc_time cycles(std::uint64_t n) const;
  Picoseconds cycles_ps(std::uint64_t n) const;
  friend constexpr bool operator==(Frequency a, Frequency b) { return a.hertz == b.hertz; }
};

/// Human-readable forms, the same ones the scenario parser accepts: "7.4ms", "64KiB",
/// "25.6GB/s", "33MHz". Exact: parsing the text gives back the same value.
std::string format_time(const sc_core::sc_time& t);
std::string format_time_ps(Picoseconds ps);
std::string format_size(ByteSize s);
std::string format_bandwidth(Bandwidth b);
std::string format_frequency(Frequency f);

}  // namespace iosim
