// Little- and big-endian fields in byte buffers: descriptors, CCWs and CSWs that drivers write
// into memory and devices read back.
#pragma once

#include <cstdint>

namespace iosim {

/// The `n`-byte little-endian value at p.
inline std::uint64_t load_le(const std::uint8_t* p, unsigned n) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

/// Stores the low `n` bytes of v at p, little-endian.
inline void store_le(std::uint8_t* p, std::uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

/// Stores the low `n` bytes of v at p, big-endian (S/360 CCWs and CSWs).
inline void store_be(std::uint8_t* p, std::uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
}

}  // namespace iosim
