#include "models/os/readahead.h"

#include <algorithm>
#include <limits>

namespace iosim::os {

namespace {

/// force_page_cache_ra() submits at most 2 MiB at a time: (2 * 1024 * 1024) / PAGE_SIZE pages
/// (mm/readahead.c); with the model's 4 KiB pages that is 512 pages.
constexpr std::uint64_t kForcedChunkPages = (2ULL << 20) / 4096;
constexpr std::uint64_t kNoPage = std::numeric_limits<std::uint64_t>::max();

std::uint64_t roundup_pow_of_two(std::uint64_t n) {
  std::uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

// The divisors and factors below are the kernel's own (get_init_ra_size / get_next_ra_size in
// mm/readahead.c): small first reads ramp up fast, the window then doubles up to the maximum.
std::uint64_t get_init_ra_size(std::uint64_t req_pages, std::uint64_t max_pages) {
  const std::uint64_t n = roundup_pow_of_two(req_pages);
  if (n <= max_pages / 32) return n * 4;
  if (n <= max_pages / 4) return n * 2;
  return max_pages;
}

std::uint64_t get_next_ra_size(std::uint64_t cur, std::uint64_t max_pages) {
  if (cur < max_pages / 16) return 4 * cur;
  if (cur <= max_pages / 2) return 2 * cur;
  return max_pages;
}

CacheView CacheView::from_sets(const std::set<std::uint64_t>& present_pages,
                               const std::set<std::uint64_t>& marked_pages) {
  CacheView view;
  view.present = [&present_pages](std::uint64_t i) { return present_pages.count(i) != 0; };
  view.marked = [&marked_pages](std::uint64_t i) { return marked_pages.count(i) != 0; };
  return view;
}

// The page cache as one read() or fault sees it while it runs: the caller's view plus the pages
// this call already submitted and the markers it set or consumed, so that a later step of the
// same call sees the earlier ones, as it would in the kernel.
class ReadaheadState::Pass {
 public:
  Pass(const CacheView& cache, std::uint64_t file_pages) : cache_(cache), file_pages_(file_pages) {}

  bool present(std::uint64_t i) const {
    return added_.count(i) != 0 || (cache_.present && cache_.present(i));
  }
  bool marked(std::uint64_t i) const {
    if (cleared_.count(i) != 0) return false;
    if (set_.count(i) != 0) return true;
    return cache_.marked && cache_.marked(i);
  }
  void clear_marker(std::uint64_t i) {
    set_.erase(i);
    cleared_.insert(i);
    result.markers_cleared.push_back(i);
  }

  /// do_page_cache_ra(): never past the page holding the last byte of the file.
  void read_window(std::uint64_t index, std::uint64_t nr_to_read, std::uint64_t lookahead,
                   bool async) {
    if (file_pages_ == 0) return;
    const std::uint64_t end_index = file_pages_ - 1;
    if (index > end_index) return;
    if (nr_to_read > end_index - index) nr_to_read = end_index - index + 1;
    read_unbounded(index, nr_to_read, lookahead, async);
  }

  /// page_cache_ra_unbounded(): allocate the missing pages of the window, submitting each run of
  /// contiguous missing pages as one I/O (a cached page ends a run: "kick off the current batch
  /// of contiguous pages"); the page at offset nr_to_read - lookahead gets PG_readahead, if that
  /// page is allocated here.
  void read_unbounded(std::uint64_t index, std::uint64_t nr_to_read, std::uint64_t lookahead,
                      bool async) {
    std::optional<ReadaheadIo> run;
    auto flush = [&] {
      if (run) result.ios.push_back(*run);
      run.reset();
    };
    for (std::uint64_t i = 0; i < nr_to_read; ++i) {
      const std::uint64_t page = index + i;
      if (present(page)) {
        flush();
        continue;
      }
      if (!run) run = ReadaheadIo{page, 0, async, std::nullopt};
      ++run->pages;
      added_.insert(page);
      if (lookahead != 0 && lookahead <= nr_to_read && i == nr_to_read - lookahead) {
        run->marker_index = page;
        cleared_.erase(page);
        set_.insert(page);
      }
    }
    flush();
  }

  /// filemap_create_folio() / filemap_read_folio(): the one page a reader needs, when
  /// read-ahead did not bring it in.
  void read_single_page(std::uint64_t i) {
    added_.insert(i);
    result.ios.push_back(ReadaheadIo{i, 1, false, std::nullopt});
  }

  /// page_cache_prev_miss(index, max_scan): scans index, index - 1, ... (at most max_scan pages)
  /// for a page that is not cached; returns it, or the last page scanned when all were cached,
  /// or kNoPage when the scan ran below page 0.
  std::uint64_t prev_miss(std::uint64_t index, std::uint64_t max_scan) const {
    std::uint64_t x = index;
    for (std::uint64_t n = 0; n < max_scan; ++n) {
      if (n != 0) {
        if (x == 0) return kNoPage;  // the xarray index wraps to ULONG_MAX, which is empty
        --x;
      }
      if (!present(x)) break;
    }
    return x;
  }

  /// page_cache_next_miss(index, max_scan): the same forwards; 0 on wrap-around.
  std::uint64_t next_miss(std::uint64_t index, std::uint64_t max_scan) const {
    std::uint64_t x = index;
    for (std::uint64_t n = 0; n < max_scan; ++n) {
      if (n != 0) ++x;
      if (!present(x)) break;
      if (x == kNoPage) return 0;
    }
    return x;
  }

  ReadaheadResult result;

 private:
  const CacheView& cache_;
  std::uint64_t file_pages_;
  std::set<std::uint64_t> added_;
  std::set<std::uint64_t> set_;
  std::set<std::uint64_t> cleared_;
};

ReadaheadResult ReadaheadState::on_read(std::uint64_t index, std::uint64_t req_pages,
                                        const CacheView& cache, std::uint64_t file_pages,
                                        std::uint64_t max_pages, bool fadv_random) {
  Pass pass(cache, file_pages);
  if (req_pages == 0 || index >= file_pages) return std::move(pass.result);
  // last_index in filemap_get_pages() is the end of the request, not of the file: the
  // read-ahead size hint is not truncated at EOF, only the copying is.
  const std::uint64_t req_end = index + req_pages;
  const std::uint64_t last = std::min(req_end, file_pages);
  for (std::uint64_t i = index; i < last; ++i) {
    if (!pass.present(i)) {
      sync_readahead(pass, i, req_end - i, max_pages, fadv_random);
      if (!pass.present(i)) pass.read_single_page(i);
    }
    // filemap_get_read_batch() ends a batch at a PG_readahead page, so every marked page of the
    // request is the last page of some batch and is checked before it is copied.
    if (pass.marked(i)) async_readahead(pass, i, req_end - i, max_pages);
  }
  prev_index_ = last;  // ra->prev_pos = last_pos (the end of what was copied)
  return std::move(pass.result);
}

ReadaheadResult ReadaheadState::on_mmap_fault(std::uint64_t pgoff, const CacheView& cache,
                                              std::uint64_t file_pages, std::uint64_t max_pages,
                                              MadviseHint hint) {
  Pass pass(cache, file_pages);
  const bool readahead_allowed = hint != MadviseHint::random && max_pages != 0;
  if (pass.present(pgoff)) {
    // do_async_mmap_readahead(): a hit pays back one miss and may hit the marker.
    if (readahead_allowed) {
      if (mmap_miss_ != 0) --mmap_miss_;
      if (pass.marked(pgoff)) async_readahead(pass, pgoff, max_pages, max_pages);
    }
    return std::move(pass.result);
  }
  pass.result.major_fault = true;
  if (readahead_allowed) {
    if (hint == MadviseHint::sequential) {
      sync_readahead(pass, pgoff, max_pages, max_pages, false);
    } else {
      if (mmap_miss_ < kMmapMissCeiling) ++mmap_miss_;
      // "Do we miss much more than hit in this file? If so, stop bothering with read-ahead."
      if (mmap_miss_ <= kMmapLotsaMiss) {
        start_ = pgoff > max_pages / 2 ? pgoff - max_pages / 2 : 0;
        size_ = max_pages;
        async_size_ = max_pages / 4;
        pass.read_window(start_, size_, async_size_, false);
      }
    }
  }
  if (!pass.present(pgoff)) pass.read_single_page(pgoff);
  return std::move(pass.result);
}

void ReadaheadState::sync_readahead(Pass& pass, std::uint64_t index, std::uint64_t req_pages,
                                    std::uint64_t max_pages, bool fadv_random) {
  // page_cache_sync_ra(): read-ahead disabled means a forced read of one page; FADV_RANDOM means
  // a forced read of exactly the request ("be dumb"), capped at ra_pages.
  if (max_pages == 0) {
    req_pages = 1;
    fadv_random = true;
  }
  if (fadv_random) {
    std::uint64_t nr_to_read = std::min(req_pages, max_pages);
    while (nr_to_read != 0) {
      const std::uint64_t chunk = std::min(kForcedChunkPages, nr_to_read);
      pass.read_window(index, chunk, 0, false);
      index += chunk;
      nr_to_read -= chunk;
    }
    return;
  }
  ondemand_readahead(pass, index, req_pages, max_pages, false);
}

void ReadaheadState::async_readahead(Pass& pass, std::uint64_t index, std::uint64_t req_pages,
                                     std::uint64_t max_pages) {
  if (max_pages == 0) return;  // page_cache_async_ra(): "no readahead"
  pass.clear_marker(index);
  ondemand_readahead(pass, index, req_pages, max_pages, true);
}

void ReadaheadState::ondemand_readahead(Pass& pass, std::uint64_t index, std::uint64_t req_pages,
                                        std::uint64_t max_pages, bool hit_marker) {
  bool initial = false;
  if (index == 0) {
    initial = true;  // start of file
  } else if (index == start_ + size_ - async_size_ || index == start_ + size_) {
    // The expected index: sequential access. Ramp up and push the window forward.
    start_ += size_;
    size_ = get_next_ra_size(size_, max_pages);
    async_size_ = size_;
  } else if (hit_marker) {
    // A marked page without matching state (e.g. interleaved reads): the distance to the next
    // missing page is the old async_size; ramp it up.
    const std::uint64_t next = pass.next_miss(index + 1, max_pages);
    if (next == 0 || next - index > max_pages) return;
    start_ = next;
    size_ = get_next_ra_size(next - index + req_pages, max_pages);
    async_size_ = size_;
  } else if (req_pages > max_pages) {
    initial = true;  // oversize read
  } else if (prev_index_ && index - *prev_index_ <= 1) {
    initial = true;  // sequential cache miss (unsigned: a backwards step is not sequential)
  } else {
    // try_context_readahead(): the cached pages just before `index` a stream would leave.
    const std::uint64_t history = index - 1 - pass.prev_miss(index - 1, max_pages);
    if (history <= req_pages) {
      // A standalone, small random read: read as is and leave the state alone.
      pass.read_window(index, req_pages, 0, false);
      return;
    }
    // Cached from the beginning of the file: a strong sign of a whole-file read.
    const std::uint64_t context = history >= index ? history * 2 : history;
    start_ = index;
    size_ = std::min(context + req_pages, max_pages);
    async_size_ = 1;
  }
  if (initial) {
    start_ = index;
    size_ = get_init_ra_size(req_pages, max_pages);
    async_size_ = size_ > req_pages ? size_ - req_pages : size_;
  }
  submit_window(pass, index, max_pages);
}

void ReadaheadState::submit_window(Pass& pass, std::uint64_t index, std::uint64_t max_pages) {
  // "Will this read hit the readahead marker made by itself? If so, trigger the readahead marker
  // hit now, and merge the resulted next readahead window into the current one."
  if (index == start_ && size_ == async_size_) {
    const std::uint64_t add = get_next_ra_size(size_, max_pages);
    if (size_ + add <= max_pages) {
      async_size_ = add;
      size_ += add;
    } else {
      size_ = max_pages;
      async_size_ = max_pages >> 1;
    }
  }
  // The I/O of a window is asynchronous when the window starts beyond the page being read.
  pass.read_window(start_, size_, async_size_, start_ > index);
}

}  // namespace iosim::os
