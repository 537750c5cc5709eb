// Parsing values with units (sim/units.h) and the "did you mean" helper (sim/suggest.h).
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "sim/suggest.h"
#include "sim/units.h"

namespace iosim::sim {
namespace {

/// The message of the ParseError `parse(text)` throws, or "(no error)".
template <class F>
std::string error_of(F parse, const std::string& text) {
  try {
    parse(text);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(no error)";
}

/// A deterministic spread of 64-bit values over many magnitudes (no std::rand: reproducible).
std::vector<std::uint64_t> sample_values() {
  std::vector<std::uint64_t> values = {0, 1, 999, 1000, 1001, 7'400'000'000ULL, UINT64_MAX};
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  constexpr int kSamples = 2000;
  for (int i = 0; i < kSamples; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const unsigned shift = static_cast<unsigned>(state >> 58);  // 0..63: every magnitude
    values.push_back((state >> 7) >> shift);
    // Round values are the common case in scenarios: make sure they are covered too.
    values.push_back(((state >> 40) % 1000) * 1'000'000);
  }
  return values;
}

TEST(SimUnits, TimeIsExact) {
  EXPECT_EQ(parse_time_ps("7.4ms"), 7'400'000'000ULL);
  EXPECT_EQ(parse_time_ps("1s"), 1'000'000'000'000ULL);
  EXPECT_EQ(parse_time_ps("0.5us"), 500'000ULL);
  EXPECT_EQ(parse_time_ps("180ns"), 180'000ULL);
  EXPECT_EQ(parse_time_ps("3ps"), 3ULL);
  EXPECT_EQ(parse_time_ps(" 3 ns "), 3'000ULL);
  EXPECT_EQ(parse_time_ps("2\xC2\xB5s"), 2'000'000ULL);  // µs, micro sign
  EXPECT_EQ(parse_time_ps("2\xCE\xBCs"), 2'000'000ULL);  // μs, Greek mu
  EXPECT_EQ(parse_time_ps("0.000000000001s"), 1ULL);
  EXPECT_EQ(parse_time(std::string("8.333333ms")), sc_core::sc_time::from_value(8'333'333'000ULL));
}

TEST(SimUnits, SizeBandwidthFrequency) {
  EXPECT_EQ(parse_size("64KiB").bytes, 65'536ULL);
  EXPECT_EQ(parse_size("1.5KiB").bytes, 1'536ULL);
  EXPECT_EQ(parse_size("1kB").bytes, 1'000ULL);
  EXPECT_EQ(parse_size("2MB").bytes, 2'000'000ULL);
  EXPECT_EQ(parse_size("1TiB").bytes, 1ULL << 40);
  EXPECT_EQ(parse_size("512B").bytes, 512ULL);
  EXPECT_EQ(parse_bandwidth("25.6GB/s").bytes_per_second, 25'600'000'000ULL);
  EXPECT_EQ(parse_bandwidth("1Gb/s").bytes_per_second, 125'000'000ULL);
  EXPECT_EQ(parse_bandwidth("1Kb/s").bytes_per_second, 125ULL);
  EXPECT_EQ(parse_bandwidth("1kb/s").bytes_per_second, 125ULL);
  EXPECT_EQ(parse_bandwidth("10Mb/s").bytes_per_second, 1'250'000ULL);
  EXPECT_EQ(parse_bandwidth("1MiB/s").bytes_per_second, 1ULL << 20);
  EXPECT_EQ(parse_bandwidth("7000MB/s").bytes_per_second, 7'000'000'000ULL);
  EXPECT_EQ(parse_frequency("33MHz").hertz, 33'000'000ULL);
  EXPECT_EQ(parse_frequency("8.33MHz").hertz, 8'330'000ULL);
  EXPECT_EQ(parse_frequency("3GHz").hertz, 3'000'000'000ULL);
}

TEST(SimUnits, FractionsCountsBooleans) {
  EXPECT_EQ(parse_fraction("5%"), 0.05);
  EXPECT_EQ(parse_fraction("12.5%"), 0.125);
  EXPECT_EQ(parse_fraction("0.25"), 0.25);
  EXPECT_EQ(parse_fraction("100%"), 1.0);
  EXPECT_EQ(parse_count("128"), 128ULL);
  EXPECT_EQ(parse_count("0x40"), 64ULL);
  EXPECT_EQ(parse_count("18446744073709551615"), UINT64_MAX);
  EXPECT_TRUE(parse_bool("true"));
  EXPECT_FALSE(parse_bool("false"));
  const Decimal percent = parse_percent("12.5%");
  EXPECT_EQ(static_cast<std::uint64_t>(percent.mantissa), 125U);
  EXPECT_EQ(percent.scale, 3U);
  EXPECT_EQ(to_string(parse_plain_decimal("0.050")), "0.05");
}

TEST(SimUnits, FormatThenParseGivesTheSameValue) {
  for (std::uint64_t v : sample_values()) {
    EXPECT_EQ(parse_time_ps(format_time_ps(v)), v) << format_time_ps(v);
    EXPECT_EQ(parse_size(format_size(ByteSize(v))).bytes, v) << format_size(ByteSize(v));
    EXPECT_EQ(parse_bandwidth(format_bandwidth(Bandwidth(v))).bytes_per_second, v)
        << format_bandwidth(Bandwidth(v));
    EXPECT_EQ(parse_frequency(format_frequency(Frequency(v))).hertz, v)
        << format_frequency(Frequency(v));
  }
}

TEST(SimUnits, MissingUnitSaysWhatIsExpected) {
  auto time = [](const std::string& t) { return parse_time_ps(t); };
  EXPECT_EQ(error_of(time, "7.4"),
            "expected a time with a unit, like 7.4ms; got '7.4' without a unit");
  EXPECT_EQ(error_of(time, ""), "expected a time with a unit, like 7.4ms; got nothing");
  EXPECT_EQ(error_of(time, "soon"), "expected a time with a unit, like 7.4ms; got 'soon'");
  auto size = [](const std::string& t) { return parse_size(t); };
  EXPECT_EQ(error_of(size, "4096"),
            "expected a size with a unit, like 64KiB; got '4096' without a unit");
}

TEST(SimUnits, ZeroNeedsNoUnit) {
  EXPECT_EQ(parse_size("0").bytes, 0U);
  EXPECT_EQ(parse_size(" 0.0 ").bytes, 0U);
  EXPECT_EQ(parse_time_ps("0"), 0U);
  EXPECT_EQ(parse_bandwidth("0").bytes_per_second, 0U);
  auto size = [](const std::string& t) { return parse_size(t); };
  EXPECT_EQ(error_of(size, "1"), "expected a size with a unit, like 64KiB; got '1' without a unit");
  EXPECT_EQ(error_of(size, "0.5"),
            "expected a size with a unit, like 64KiB; got '0.5' without a unit");
  EXPECT_EQ(error_of(size, "-0"), "a size cannot be negative: '-0'");
}

TEST(SimUnits, NegativeValuesAreRejected) {
  EXPECT_EQ(error_of([](const std::string& t) { return parse_time_ps(t); }, "-3ms"),
            "a time cannot be negative: '-3ms'");
  EXPECT_EQ(error_of([](const std::string& t) { return parse_size(t); }, "-64KiB"),
            "a size cannot be negative: '-64KiB'");
  EXPECT_EQ(error_of([](const std::string& t) { return parse_count(t); }, "-1"),
            "cannot be negative: '-1'");
}

TEST(SimUnits, UnknownUnitsGetSuggestions) {
  auto time = [](const std::string& t) { return parse_time_ps(t); };
  EXPECT_EQ(error_of(time, "5 parsecs"),
            "unknown time unit 'parsecs' in '5 parsecs' (time units: ps, ns, us (or \xC2\xB5s), "
            "ms, s)");
  EXPECT_EQ(error_of(time, "5mss"),
            "unknown time unit 'mss' in '5mss'; did you mean 'ms'? (time units: ps, ns, us (or "
            "\xC2\xB5s), ms, s)");
  EXPECT_EQ(error_of(time, "5MS"),
            "unknown time unit 'MS' in '5MS'; did you mean 'ms'? (time units: ps, ns, us (or "
            "\xC2\xB5s), ms, s)");
  auto size = [](const std::string& t) { return parse_size(t); };
  EXPECT_EQ(error_of(size, "64KB"),
            "unknown size unit 'KB' in '64KB'; did you mean kB (1000 bytes) or KiB (1024 bytes)? "
            "(size units: B, KiB, MiB, GiB, TiB (1024-based), kB, MB, GB, TB (1000-based))");
  auto rate = [](const std::string& t) { return parse_bandwidth(t); };
  EXPECT_NE(error_of(rate, "100KB/s")
                .find("did you mean kB/s (1000 bytes/s), KiB/s (1024 "
                      "bytes/s) or Kb/s (1000 bits/s)?"),
            std::string::npos);
  auto frequency = [](const std::string& t) { return parse_frequency(t); };
  EXPECT_NE(error_of(frequency, "33mhz").find("did you mean 'MHz'?"), std::string::npos);
}

TEST(SimUnits, InexactAndOverflowingValuesAreRejected) {
  auto time = [](const std::string& t) { return parse_time_ps(t); };
  EXPECT_EQ(error_of(time, "1.5ps"), "'1.5ps' is not a whole number of picoseconds");
  EXPECT_EQ(error_of(time, "99999999999s"),
            "'99999999999s' is too large: a time is at most 2^64-1 picoseconds");
  EXPECT_EQ(error_of([](const std::string& t) { return parse_size(t); }, "0.3B"),
            "'0.3B' is not a whole number of bytes");
  EXPECT_EQ(error_of([](const std::string& t) { return parse_bandwidth(t); }, "1b/s"),
            "'1b/s' is not a whole number of bytes per second");
  EXPECT_EQ(error_of([](const std::string& t) { return parse_count(t); }, "18446744073709551616"),
            "'18446744073709551616' is too large for 64 bits");
  EXPECT_NE(error_of(time, "1234567890123456789012345ms").find("too many digits"),
            std::string::npos);
}

TEST(SimUnits, CountsFractionsAndBooleansSayWhatIsExpected) {
  auto count = [](const std::string& t) { return parse_count(t); };
  EXPECT_EQ(error_of(count, "1.5"), "expected a whole number; got '1.5'");
  EXPECT_EQ(error_of(count, "12ms"),
            "expected a whole number without a unit, like 128; got '12ms'");
  EXPECT_EQ(error_of(count, "0xZZ"), "expected a hexadecimal number like 0x40; got '0xZZ'");
  auto fraction = [](const std::string& t) { return parse_fraction(t); };
  EXPECT_EQ(error_of(fraction, "5 ms"),
            "expected a fraction without a unit, like 0.25 or 25%; got '5 ms'");
  EXPECT_EQ(error_of([](const std::string& t) { return parse_bool(t); }, "yes"),
            "expected true or false; got 'yes'");
}

TEST(SimSuggest, ClosestMatch) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
  EXPECT_EQ(edit_distance("", "abc"), 3U);
  const std::vector<std::string> disk = {"track_to_track_seek", "average_seek", "full_stroke_seek",
                                         "rpm"};
  EXPECT_EQ(closest_match("avg_seek", disk).value_or(""), "average_seek");
  EXPECT_EQ(closest_match("RPM", disk).value_or(""), "rpm");
  EXPECT_EQ(closest_match("rpn", disk).value_or(""), "rpm");
  EXPECT_FALSE(closest_match("cylinders", disk).has_value());
  EXPECT_EQ(did_you_mean("at_mots", {"at_least", "at_most"}), "; did you mean 'at_most'?");
  EXPECT_EQ(did_you_mean("zzz", {"at_least", "at_most"}), "");
}

}  // namespace
}  // namespace iosim::sim
