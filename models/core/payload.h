// Deterministic payload bytes. Every byte a run generates (disk contents, file contents) is a
// function of the run's seed, a stream id (which disk or file) and the byte's offset, so the
// bytes that arrive can be checked against the source without storing a copy of it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace iosim {

/// The byte at `offset` of stream `stream` under `seed` (splitmix64 of the 8-byte word index).
std::uint8_t pattern_byte(std::uint64_t seed, std::uint64_t stream, std::uint64_t offset);
/// Fills dst[0..n) with pattern bytes starting at `offset`.
void fill_pattern(std::uint64_t seed, std::uint64_t stream, std::uint64_t offset, std::uint8_t* dst,
                  std::size_t n);

}  // namespace iosim
