#include "models/os/writeback_policy.h"

#include <algorithm>
#include <cmath>

namespace iosim::os {

namespace {

constexpr Picoseconds kPsPerSecond = 1'000'000'000'000ULL;
constexpr Picoseconds kPsPerCentisecond = kPsPerSecond / 100;
/// pos_ratio_polynom() clamps to [0, 2 << RATELIMIT_CALC_SHIFT], i.e. [0, 2].
constexpr double kMaxPosRatio = 2.0;

std::uint64_t div_round_up(std::uint64_t a, std::uint64_t b) {
  return (a + b - 1) / b;
}

/// The kernel turns a percentage into parts per PAGE_SIZE first, "for higher precision":
/// ratio = (vm_dirty_ratio * PAGE_SIZE) / 100 (domain_dirty_limits), truncated. The tiny epsilon
/// keeps 0.25 * 4096 = 1024 from becoming 1023.999... in binary floating point.
std::uint64_t ratio_per_page(double ratio, std::uint64_t page_size) {
  constexpr double kRoundingSlack = 1e-9;
  if (ratio <= 0.0) return 0;
  return static_cast<std::uint64_t>(
      std::floor(ratio * static_cast<double>(page_size) + kRoundingSlack));
}

std::uint64_t threshold_pages(double ratio, ByteSize bytes, std::uint64_t dirtyable_pages,
                              std::uint64_t page_size) {
  if (bytes.bytes != 0) return div_round_up(bytes.bytes, page_size);
  return ratio_per_page(ratio, page_size) * dirtyable_pages / page_size;
}

}  // namespace

void DirtyParams::set_dirty_ratio(double ratio) {
  dirty_ratio = ratio;
  dirty_bytes = ByteSize(0);
}

bool DirtyParams::set_dirty_bytes(ByteSize bytes) {
  if (bytes.bytes < kDirtyBytesMinPages * page_size.bytes) return false;
  dirty_bytes = bytes;
  dirty_ratio = 0.0;
  return true;
}

void DirtyParams::set_dirty_background_ratio(double ratio) {
  dirty_background_ratio = ratio;
  dirty_background_bytes = ByteSize(0);
}

void DirtyParams::set_dirty_background_bytes(ByteSize bytes) {
  dirty_background_bytes = bytes;
  dirty_background_ratio = 0.0;
}

void DirtyParams::set_dirty_writeback_centisecs(std::uint64_t centisecs) {
  dirty_writeback_interval = from_ps(centisecs * kPsPerCentisecond);
}

void DirtyParams::set_dirty_expire_centisecs(std::uint64_t centisecs) {
  dirty_expire_interval = from_ps(centisecs * kPsPerCentisecond);
}

std::uint64_t global_dirtyable_memory(std::uint64_t free_pages, std::uint64_t reserve_pages,
                                      std::uint64_t active_file_pages,
                                      std::uint64_t inactive_file_pages) {
  std::uint64_t x = free_pages;
  x -= std::min(x, reserve_pages);
  x += inactive_file_pages;
  x += active_file_pages;
  return x + 1;  // "Ensure that we never return 0"
}

DirtyThresholds domain_dirty_limits(std::uint64_t dirtyable_pages, const DirtyParams& params) {
  const std::uint64_t page = params.page_size.bytes;
  DirtyThresholds t;
  t.thresh = threshold_pages(params.dirty_ratio, params.dirty_bytes, dirtyable_pages, page);
  t.bg_thresh = threshold_pages(params.dirty_background_ratio, params.dirty_background_bytes,
                                dirtyable_pages, page);
  if (t.bg_thresh >= t.thresh) t.bg_thresh = t.thresh / 2;
  return t;
}

std::uint64_t dirty_freerun_ceiling(const DirtyThresholds& t) {
  return (t.thresh + t.bg_thresh) / 2;
}

std::uint64_t dirty_setpoint(std::uint64_t freerun, std::uint64_t limit) {
  return (freerun + limit) / 2;
}

double pos_ratio(std::uint64_t setpoint, std::uint64_t dirty, std::uint64_t limit) {
  if (dirty >= limit) return 0.0;  // wb_position_ratio: "dtc->dirty >= limit -> pos_ratio = 0"
  // limit > dirty >= 0 and setpoint <= limit; the kernel divides by (limit - setpoint) | 1 so it
  // never divides by zero; setpoint == limit only happens when limit <= 1 page.
  const double span = limit > setpoint ? static_cast<double>(limit - setpoint) : 1.0;
  const double x = (static_cast<double>(setpoint) - static_cast<double>(dirty)) / span;
  return std::clamp(1.0 + x * x * x, 0.0, kMaxPosRatio);
}

Picoseconds pause_for(std::uint64_t pages_dirtied, double dirty_ratelimit_pages_per_second,
                      double position_ratio) {
  const double task_ratelimit = dirty_ratelimit_pages_per_second * position_ratio;
  if (task_ratelimit <= 0.0) return kMaxPause;  // "task_ratelimit == 0: pause = max_pause"
  const double pause =
      static_cast<double>(pages_dirtied) * static_cast<double>(kPsPerSecond) / task_ratelimit;
  if (pause >= static_cast<double>(kMaxPause)) return kMaxPause;
  return static_cast<Picoseconds>(std::ceil(pause));
}

ThrottleDecision balance_dirty_pages(std::uint64_t nr_dirty, std::uint64_t nr_writeback,
                                     const DirtyThresholds& t, std::uint64_t pages_dirtied,
                                     double dirty_ratelimit_pages_per_second) {
  ThrottleDecision d;
  const std::uint64_t dirty = nr_dirty + nr_writeback;
  const std::uint64_t freerun = dirty_freerun_ceiling(t);
  d.start_background = background_needed(nr_dirty, t);
  if (dirty <= freerun) return d;
  d.freerun = false;
  // hard_dirty_limit() follows thresh through the smoothed dom->dirty_limit; here the limit is
  // thresh itself (docs/models/page-cache.md).
  const std::uint64_t limit = t.thresh;
  d.pos_ratio = pos_ratio(dirty_setpoint(freerun, limit), dirty, limit);
  d.pause = pause_for(pages_dirtied, dirty_ratelimit_pages_per_second, d.pos_ratio);
  return d;
}

bool background_needed(std::uint64_t nr_dirty, const DirtyThresholds& t) {
  return nr_dirty > t.bg_thresh;
}

bool expired(Picoseconds first_dirtied, Picoseconds now, const DirtyParams& params) {
  const Picoseconds expire = to_ps(params.dirty_expire_interval);
  return now >= first_dirtied && now - first_dirtied >= expire;
}

bool periodic_writeback_due(Picoseconds last_periodic, Picoseconds now, const DirtyParams& params) {
  const Picoseconds interval = to_ps(params.dirty_writeback_interval);
  if (interval == 0) return false;  // dirty_writeback_centisecs = 0 disables it
  return now >= last_periodic && now - last_periodic >= interval;
}

std::uint64_t min_writeback_pages(ByteSize page_size) {
  return kMinWritebackBytes / page_size.bytes;
}

std::uint64_t writeback_chunk_pages(std::uint64_t nr_pages,
                                    std::uint64_t avg_write_bandwidth_pages_per_second,
                                    std::uint64_t dirty_limit_pages, bool sync_all,
                                    ByteSize page_size) {
  if (sync_all) return nr_pages;  // WB_SYNC_ALL: LONG_MAX, i.e. the whole inode
  const std::uint64_t unit = min_writeback_pages(page_size);
  std::uint64_t pages =
      std::min(avg_write_bandwidth_pages_per_second / 2, dirty_limit_pages / kDirtyScope);
  pages = std::min(pages, nr_pages);
  return (pages + unit) / unit * unit;  // round_down(pages + MIN_WRITEBACK_PAGES, ...)
}

}  // namespace iosim::os
