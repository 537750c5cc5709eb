// The dirty-page policy of Linux (mm/page-writeback.c, fs/fs-writeback.c) as plain functions:
// the vm.dirty_* sysctls, the dirtyable memory, the background and hard thresholds, the
// balance_dirty_pages() position ratio and pause, inode expiry and the flusher's chunk size.
//
// Nothing here runs in simulated time: times come in and go out as Picoseconds, page counts as
// plain integers. The simulated kernel (models/os/kernel.cpp) asks these functions what to do.
// docs/models/page-cache.md gives every formula with its source and the simplifications.
#pragma once

#include <cstdint>

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::os {

/// Longest single pause of a throttled writer: MAX_PAUSE = max(HZ/5, 1) jiffies = 200 ms
/// (mm/page-writeback.c).
constexpr Picoseconds kMaxPause = 200ULL * 1'000'000'000ULL;
/// The flusher writes in multiples of 4 MiB: MIN_WRITEBACK_PAGES = 4096UL >> (PAGE_SHIFT - 10)
/// pages, i.e. 4096 KiB (fs/fs-writeback.c).
constexpr std::uint64_t kMinWritebackBytes = 4096ULL << 10;
/// A flusher chunk never exceeds 1/DIRTY_SCOPE of the dirty limit: DIRTY_SCOPE = 8
/// (mm/page-writeback.c, used by writeback_chunk_size() in fs/fs-writeback.c).
constexpr std::uint64_t kDirtyScope = 8;
/// dirty_bytes may not be set below two pages: dirty_bytes_min = 2 * PAGE_SIZE
/// (mm/page-writeback.c, sysctl table).
constexpr std::uint64_t kDirtyBytesMinPages = 2;
/// Initial write bandwidth and dirty_ratelimit of a backing device: INIT_BW = 100 MB/s
/// (mm/page-writeback.c: INIT_BW (100 << (20 - PAGE_SHIFT)) pages per second).
constexpr std::uint64_t kInitBandwidthBytesPerSecond = 100ULL << 20;

/// The vm.dirty_* sysctls (Documentation/admin-guide/sysctl/vm.rst). For each limit there is a
/// ratio form and a bytes form; a non-zero bytes form wins. Writing one form through its setter
/// zeroes the other, as the sysctl handlers do.
struct DirtyParams {
  double dirty_background_ratio = 0.10;
  ByteSize dirty_background_bytes{0};
  double dirty_ratio = 0.20;
  ByteSize dirty_bytes{0};
  sc_core::sc_time dirty_writeback_interval{5, sc_core::SC_SEC};
  sc_core::sc_time dirty_expire_interval{30, sc_core::SC_SEC};
  ByteSize page_size{4096};  // the unit thresholds are counted in (x86-64: 4 KiB; not a sysctl)

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"dirty_background_ratio",
               "Fraction of dirtyable memory above which the flusher starts background writeback "
               "(ignored when dirty_background_bytes is set)",
               "vm.dirty_background_ratio = 10 (Documentation/admin-guide/sysctl/vm.rst)"},
      dirty_background_ratio);
    v(ParamDoc{"dirty_background_bytes",
               "Dirty memory above which background writeback starts; 0 = use "
               "dirty_background_ratio",
               "vm.dirty_background_bytes = 0 (Documentation/admin-guide/sysctl/vm.rst)"},
      dirty_background_bytes);
    v(ParamDoc{"dirty_ratio",
               "Fraction of dirtyable memory that is the hard dirty limit: writers are throttled "
               "on the way to it (ignored when dirty_bytes is set)",
               "vm.dirty_ratio = 20 (Documentation/admin-guide/sysctl/vm.rst)"},
      dirty_ratio);
    v(ParamDoc{"dirty_bytes", "Hard dirty limit in bytes; 0 = use dirty_ratio; at least two pages",
               "vm.dirty_bytes = 0 (Documentation/admin-guide/sysctl/vm.rst)"},
      dirty_bytes);
    v(ParamDoc{"dirty_writeback_interval",
               "Period of the flusher's periodic (kupdate) writeback; 0 disables it",
               "vm.dirty_writeback_centisecs = 500 (Documentation/admin-guide/sysctl/vm.rst)"},
      dirty_writeback_interval);
    v(ParamDoc{"dirty_expire_interval",
               "Age after which an inode's dirty data is written by periodic writeback (the age "
               "of the inode's first dirtying, not of each page)",
               "vm.dirty_expire_centisecs = 3000 (Documentation/admin-guide/sysctl/vm.rst)"},
      dirty_expire_interval);
  }

  /// Writes vm.dirty_ratio and zeroes dirty_bytes (dirty_ratio_handler).
  void set_dirty_ratio(double ratio);
  /// Writes vm.dirty_bytes and zeroes dirty_ratio (dirty_bytes_handler). Returns false and changes
  /// nothing when `bytes` is below two pages, as the sysctl rejects it with EINVAL.
  bool set_dirty_bytes(ByteSize bytes);
  /// Writes vm.dirty_background_ratio and zeroes dirty_background_bytes.
  void set_dirty_background_ratio(double ratio);
  /// Writes vm.dirty_background_bytes and zeroes dirty_background_ratio.
  void set_dirty_background_bytes(ByteSize bytes);
  /// Writes vm.dirty_writeback_centisecs (hundredths of a second; 0 disables periodic writeback).
  void set_dirty_writeback_centisecs(std::uint64_t centisecs);
  /// Writes vm.dirty_expire_centisecs.
  void set_dirty_expire_centisecs(std::uint64_t centisecs);
};

/// Pages the dirty limits are a fraction of (global_dirtyable_memory): free pages above the
/// reserves plus the file LRU pages; anonymous memory does not count. Like the kernel it returns
/// one more page so the result is never zero.
std::uint64_t global_dirtyable_memory(std::uint64_t free_pages, std::uint64_t reserve_pages,
                                      std::uint64_t active_file_pages,
                                      std::uint64_t inactive_file_pages);

/// Background and hard thresholds in pages (domain_dirty_limits).
struct DirtyThresholds {
  std::uint64_t thresh = 0;     // hard limit ("dirty_limit")
  std::uint64_t bg_thresh = 0;  // background writeback starts above it
  friend bool operator==(const DirtyThresholds& a, const DirtyThresholds& b) {
    return a.thresh == b.thresh && a.bg_thresh == b.bg_thresh;
  }
};
DirtyThresholds domain_dirty_limits(std::uint64_t dirtyable_pages, const DirtyParams& params);

/// Below or at this many dirty + writeback pages a writer is never paused:
/// (thresh + bg_thresh) / 2 (dirty_freerun_ceiling).
std::uint64_t dirty_freerun_ceiling(const DirtyThresholds& t);
/// The point the throttling steers towards: (freerun + limit) / 2 (wb_position_ratio).
std::uint64_t dirty_setpoint(std::uint64_t freerun, std::uint64_t limit);
/// pos_ratio = 1 + ((setpoint - dirty) / (limit - setpoint))^3, clamped to [0, 2]; 0 at or above
/// the limit (pos_ratio_polynom, wb_position_ratio).
double pos_ratio(std::uint64_t setpoint, std::uint64_t dirty, std::uint64_t limit);
/// How long a writer that dirtied `pages_dirtied` pages sleeps: pages / (dirty_ratelimit *
/// pos_ratio) seconds, at most kMaxPause; kMaxPause when the task rate is zero
/// (balance_dirty_pages).
Picoseconds pause_for(std::uint64_t pages_dirtied, double dirty_ratelimit_pages_per_second,
                      double position_ratio);

/// What balance_dirty_pages() decides for one writer.
struct ThrottleDecision {
  bool freerun = true;            // dirty + writeback <= freerun ceiling: no pause
  bool start_background = false;  // nr_dirty > bg_thresh: kick the flusher
  double pos_ratio = 1.0;
  Picoseconds pause = 0;
};
/// `nr_dirty` is NR_FILE_DIRTY, `nr_writeback` NR_WRITEBACK; throttling looks at their sum.
ThrottleDecision balance_dirty_pages(std::uint64_t nr_dirty, std::uint64_t nr_writeback,
                                     const DirtyThresholds& t, std::uint64_t pages_dirtied,
                                     double dirty_ratelimit_pages_per_second);

/// True when the flusher must keep writing in the background: NR_FILE_DIRTY > bg_thresh
/// (wb_over_bg_thresh; writeback pages are not counted).
bool background_needed(std::uint64_t nr_dirty, const DirtyThresholds& t);
/// True when an inode first dirtied at `first_dirtied` is old enough for periodic writeback:
/// now - first_dirtied >= dirty_expire_interval (move_expired_inodes / inode_dirtied_after).
bool expired(Picoseconds first_dirtied, Picoseconds now, const DirtyParams& params);
/// True when the periodic (kupdate) writeback is due: the interval is non-zero and at least one
/// interval has passed since the last one (wb_check_old_data_flush).
bool periodic_writeback_due(Picoseconds last_periodic, Picoseconds now, const DirtyParams& params);
/// MIN_WRITEBACK_PAGES for this page size: 4 MiB of pages.
std::uint64_t min_writeback_pages(ByteSize page_size);
/// Pages the flusher writes from one inode before moving on (writeback_chunk_size): for
/// WB_SYNC_ALL everything; otherwise min(avg_write_bandwidth / 2, dirty_limit / DIRTY_SCOPE,
/// nr_pages) rounded *down* after adding MIN_WRITEBACK_PAGES, i.e. a multiple of 4 MiB and never
/// less than 4 MiB.
std::uint64_t writeback_chunk_pages(std::uint64_t nr_pages,
                                    std::uint64_t avg_write_bandwidth_pages_per_second,
                                    std::uint64_t dirty_limit_pages, bool sync_all,
                                    ByteSize page_size);

}  // namespace iosim::os
