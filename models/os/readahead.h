// Linux read-ahead (mm/readahead.c of Linux 6.1-6.9, and its callers in mm/filemap.c) as a plain
// class: the per-open-file state, the window sizing, the PG_readahead marker, and which I/Os a
// read() or an mmap page fault submits given which pages are already in the page cache.
//
// The class decides; it neither holds pages nor takes simulated time. The caller (the simulated
// kernel) inserts the pages of every returned I/O into the page cache, sets the PG_readahead flag
// on each I/O's marker_index, clears the flag on every page in markers_cleared, and waits only
// for the pages its request needs. docs/models/page-cache.md explains every rule with its source.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::os {

/// Default maximum window: VM_READAHEAD_PAGES = SZ_128K / PAGE_SIZE (include/linux/mm.h).
constexpr std::uint64_t kDefaultReadaheadBytes = 128ULL << 10;
/// mmap read-around gives up on a file after this many more misses than hits: MMAP_LOTSAMISS
/// (mm/filemap.c).
constexpr std::uint64_t kMmapLotsaMiss = 100;
/// mmap_miss stops counting at MMAP_LOTSAMISS * 10 (do_sync_mmap_readahead, mm/filemap.c).
constexpr std::uint64_t kMmapMissCeiling = kMmapLotsaMiss * 10;

/// Per block device read-ahead setting.
struct ReadaheadParams {
  ByteSize read_ahead{kDefaultReadaheadBytes};
  ByteSize page_size{4096};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"read_ahead",
               "Largest read-ahead window of a file on this device; 0 disables read-ahead "
               "(each missing page is then read on its own)",
               "/sys/block/<dev>/queue/read_ahead_kb = 128 (VM_READAHEAD_PAGES, "
               "include/linux/mm.h)"},
      read_ahead);
    v(ParamDoc{"page_size", "Page size windows are counted in", "x86-64: 4 KiB"}, page_size);
  }
  /// ra_pages: the window limit in pages.
  std::uint64_t max_pages() const { return read_ahead.bytes / page_size.bytes; }
};

/// get_init_ra_size: the first window for a request of `req_pages`. With n the request rounded
/// up to a power of two: n <= max/32 -> 4n; n <= max/4 -> 2n; otherwise max.
std::uint64_t get_init_ra_size(std::uint64_t req_pages, std::uint64_t max_pages);
/// get_next_ra_size: the window after one of `cur` pages: cur < max/16 -> 4cur;
/// cur <= max/2 -> 2cur; otherwise max.
std::uint64_t get_next_ra_size(std::uint64_t cur, std::uint64_t max_pages);

/// What the read-ahead code can see of the page cache of one file.
struct CacheView {
  /// True when the page is in the page cache (up to date or under read I/O).
  std::function<bool(std::uint64_t)> present;
  /// True when the page carries PG_readahead. May be empty: no page is marked.
  std::function<bool(std::uint64_t)> marked;

  /// A view over two sets, which must outlive the view (handy for tests and small callers).
  static CacheView from_sets(const std::set<std::uint64_t>& present_pages,
                             const std::set<std::uint64_t>& marked_pages);
};

/// One read I/O to submit: `pages` pages from page `start`, none of them already cached.
struct ReadaheadIo {
  std::uint64_t start = 0;
  std::uint64_t pages = 0;
  /// The I/O starts beyond the page being read (a window pushed ahead by a marker hit): the
  /// reader does not wait for it unless its own request covers those pages later.
  bool async = false;
  /// The page of this I/O that gets PG_readahead, if any.
  std::optional<std::uint64_t> marker_index;

  friend bool operator==(const ReadaheadIo& a, const ReadaheadIo& b) {
    return a.start == b.start && a.pages == b.pages && a.async == b.async &&
           a.marker_index == b.marker_index;
  }
  friend bool operator!=(const ReadaheadIo& a, const ReadaheadIo& b) { return !(a == b); }
};

/// The outcome of one read() or one page fault.
struct ReadaheadResult {
  std::vector<ReadaheadIo> ios;                // in submission order
  std::vector<std::uint64_t> markers_cleared;  // PG_readahead flags the read consumed
  bool major_fault = false;                    // page faults only: the page needed I/O
};

/// madvise() hints of the mapping a fault happens in (VM_RAND_READ / VM_SEQ_READ).
enum class MadviseHint { normal, random, sequential };

/// struct file_ra_state of one open file, and the read-ahead decisions taken for it.
class ReadaheadState {
 public:
  /// The window of the last read-ahead: pages [start, start + size); the marker sits on
  /// start + size - async_size.
  std::uint64_t start() const { return start_; }
  std::uint64_t size() const { return size_; }
  std::uint64_t async_size() const { return async_size_; }
  /// ra->prev_pos >> PAGE_SHIFT: the page just after the last read() (reads are page-aligned
  /// here); empty before the first read (prev_pos = -1).
  std::optional<std::uint64_t> prev_index() const { return prev_index_; }
  /// mmap faults that missed minus those that hit (ra->mmap_miss).
  std::uint64_t mmap_miss() const { return mmap_miss_; }

  /// A buffered read() of `req_pages` pages from page `index` of a file of `file_pages` pages
  /// (filemap_read / filemap_get_pages): for each page in order, a missing page triggers
  /// synchronous read-ahead (page_cache_sync_ra), a page carrying PG_readahead triggers
  /// asynchronous read-ahead (page_cache_async_ra). `max_pages` is ra_pages (0 disables
  /// read-ahead); `fadv_random` is POSIX_FADV_RANDOM (FMODE_RANDOM) on the file.
  ReadaheadResult on_read(std::uint64_t index, std::uint64_t req_pages, const CacheView& cache,
                          std::uint64_t file_pages, std::uint64_t max_pages,
                          bool fadv_random = false);

  /// A page fault on page `pgoff` of a file mapping (filemap_fault): a cached page is a minor
  /// fault and may hit the marker (do_async_mmap_readahead); a missing one is a major fault with
  /// read-around (do_sync_mmap_readahead).
  ReadaheadResult on_mmap_fault(std::uint64_t pgoff, const CacheView& cache,
                                std::uint64_t file_pages, std::uint64_t max_pages,
                                MadviseHint hint = MadviseHint::normal);

 private:
  class Pass;  // the cache as one read sees it, with the pages and markers it added

  void sync_readahead(Pass& pass, std::uint64_t index, std::uint64_t req_pages,
                      std::uint64_t max_pages, bool fadv_random);
  void async_readahead(Pass& pass, std::uint64_t index, std::uint64_t req_pages,
                       std::uint64_t max_pages);
  void ondemand_readahead(Pass& pass, std::uint64_t index, std::uint64_t req_pages,
                          std::uint64_t max_pages, bool hit_marker);
  void submit_window(Pass& pass, std::uint64_t index, std::uint64_t max_pages);

  std::uint64_t start_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t async_size_ = 0;
  std::optional<std::uint64_t> prev_index_;
  std::uint64_t mmap_miss_ = 0;
};

}  // namespace iosim::os
