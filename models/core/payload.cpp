#include "models/core/payload.h"

namespace iosim {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t pattern_word(std::uint64_t seed, std::uint64_t stream, std::uint64_t word) {
  return splitmix64(seed ^ splitmix64(stream + 0x632be59bd9b4e019ULL) ^
                    (word * 0xd6e8feb86659fd93ULL));
}

}  // namespace

std::uint8_t pattern_byte(std::uint64_t seed, std::uint64_t stream, std::uint64_t offset) {
  return static_cast<std::uint8_t>(pattern_word(seed, stream, offset / 8) >> (8 * (offset % 8)));
}

void fill_pattern(std::uint64_t seed, std::uint64_t stream, std::uint64_t offset, std::uint8_t* dst,
                  std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    const std::uint64_t at = offset + i;
    const std::uint64_t word = pattern_word(seed, stream, at / 8);
    for (std::uint64_t b = at % 8; b < 8 && i < n; ++b, ++i) {
      dst[i] = static_cast<std::uint8_t>(word >> (8 * b));
    }
  }
}

}  // namespace iosim
