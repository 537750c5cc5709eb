// Read-ahead (models/os/readahead.h) against window sequences worked out by hand from the rules
// of mm/readahead.c (Linux 6.1-6.9) as docs/models/page-cache.md states them:
//
//   init(req, max): n = roundup_pow_of_two(req); n <= max/32 -> 4n; n <= max/4 -> 2n; else max
//   next(cur, max): cur < max/16 -> 4cur; cur <= max/2 -> 2cur; else max
//   initial window (index 0, or index - prev <= 1): start = index, size = init(req),
//     async = size > req ? size - req : size; if size == async the next window is merged in:
//     size + next(size) <= max ? (async = next, size += next) : (size = max, async = max / 2)
//   the marker sits on start + size - async; hitting it: start += size, size = next(size),
//     async = size
//   nothing is read past the last page of the file; the marker is only set if its page is read.
//
// Every expected window below is computed in the comment next to it, not by the model.
#include "models/os/readahead.h"

#include <cstdint>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace iosim::os {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kMaxPages = (128 * 1024) / kPage;    // read_ahead_kb = 128: 32 pages
constexpr std::uint64_t kFilePages = (1024 * 1024) / kPage;  // a 1 MiB file: 256 pages

// A file's page cache as the kernel would hold it after applying each result: the pages of every
// I/O become present, each marker_index gets PG_readahead, each consumed marker is cleared.
struct FakeFileCache {
  std::set<std::uint64_t> present;
  std::set<std::uint64_t> marked;

  CacheView view() const { return CacheView::from_sets(present, marked); }
  void apply(const ReadaheadResult& r) {
    for (const ReadaheadIo& io : r.ios) {
      for (std::uint64_t p = io.start; p < io.start + io.pages; ++p) {
        EXPECT_EQ(present.count(p), 0u) << "page " << p << " read twice";
        present.insert(p);
      }
      if (io.marker_index) marked.insert(*io.marker_index);
    }
    for (std::uint64_t m : r.markers_cleared) marked.erase(m);
  }
};

ReadaheadIo sync_io(std::uint64_t start, std::uint64_t pages,
                    std::optional<std::uint64_t> marker = std::nullopt) {
  return ReadaheadIo{start, pages, false, marker};
}
ReadaheadIo async_io(std::uint64_t start, std::uint64_t pages,
                     std::optional<std::uint64_t> marker = std::nullopt) {
  return ReadaheadIo{start, pages, true, marker};
}

// Reads the whole file front to back in requests of `req` pages and returns every I/O in order.
std::vector<ReadaheadIo> read_sequentially(std::uint64_t req, std::uint64_t file_pages,
                                           std::uint64_t max_pages, bool fadv_random = false) {
  ReadaheadState ra;
  FakeFileCache cache;
  std::vector<ReadaheadIo> all;
  for (std::uint64_t index = 0; index < file_pages; index += req) {
    const ReadaheadResult r =
        ra.on_read(index, req, cache.view(), file_pages, max_pages, fadv_random);
    cache.apply(r);
    all.insert(all.end(), r.ios.begin(), r.ios.end());
    for (std::uint64_t p = index; p < std::min(index + req, file_pages); ++p) {
      EXPECT_EQ(cache.present.count(p), 1u) << "page " << p << " not read";
    }
  }
  return all;
}

std::uint64_t total_pages(const std::vector<ReadaheadIo>& ios) {
  std::uint64_t n = 0;
  for (const ReadaheadIo& io : ios) n += io.pages;
  return n;
}

TEST(ReadaheadSizes, InitialWindow) {
  // max 32: max/32 = 1, max/4 = 8.
  EXPECT_EQ(get_init_ra_size(1, 32), 4u);    // n = 1 <= 1: 4n
  EXPECT_EQ(get_init_ra_size(2, 32), 4u);    // n = 2 <= 8: 2n
  EXPECT_EQ(get_init_ra_size(3, 32), 8u);    // n = 4 <= 8: 2n
  EXPECT_EQ(get_init_ra_size(4, 32), 8u);    // n = 4: 2n
  EXPECT_EQ(get_init_ra_size(5, 32), 16u);   // n = 8 <= 8: 2n
  EXPECT_EQ(get_init_ra_size(9, 32), 32u);   // n = 16 > 8: max
  EXPECT_EQ(get_init_ra_size(32, 32), 32u);  // max
  // max 512 (2 MiB): max/32 = 16, max/4 = 128.
  EXPECT_EQ(get_init_ra_size(16, 512), 64u);
  EXPECT_EQ(get_init_ra_size(17, 512), 64u);  // n = 32: 2n
  EXPECT_EQ(get_init_ra_size(129, 512), 512u);
}

TEST(ReadaheadSizes, NextWindow) {
  // max 32: max/16 = 2, max/2 = 16.
  EXPECT_EQ(get_next_ra_size(1, 32), 4u);  // 1 < 2: 4cur
  EXPECT_EQ(get_next_ra_size(2, 32), 4u);  // 2 <= 16: 2cur
  EXPECT_EQ(get_next_ra_size(4, 32), 8u);
  EXPECT_EQ(get_next_ra_size(16, 32), 32u);  // 16 <= 16: 2cur
  EXPECT_EQ(get_next_ra_size(17, 32), 32u);  // max
  EXPECT_EQ(get_next_ra_size(32, 32), 32u);
}

TEST(Readahead, Sequential4KiBReadsOf1MiBFile) {
  // req = 1 page.
  // read 0: miss, index 0: size = init(1) = 4, async = 4 - 1 = 3, marker 0 + 4 - 3 = 1.
  // read 1: marker: start 4, size next(4) = 8, async 8, marker 4 + 8 - 8 = 4.
  // read 4: start 12, size next(8) = 16, marker 12.
  // read 12: start 28, size next(16) = 32, marker 28.
  // read 28, 60, ..., 220: start += 32, size 32, marker at start.
  // read 220: start 252, size 32 truncated to pages 252..255 (4 pages); the marker offset
  //   4 - 32 is outside the window, so no marker.
  const std::vector<ReadaheadIo> expected = {
      sync_io(0, 4, 1),       async_io(4, 8, 4),      async_io(12, 16, 12),
      async_io(28, 32, 28),   async_io(60, 32, 60),   async_io(92, 32, 92),
      async_io(124, 32, 124), async_io(156, 32, 156), async_io(188, 32, 188),
      async_io(220, 32, 220), async_io(252, 4),
  };
  const std::vector<ReadaheadIo> ios = read_sequentially(1, kFilePages, kMaxPages);
  EXPECT_EQ(ios, expected);
  EXPECT_EQ(total_pages(ios), kFilePages);
}

TEST(Readahead, Sequential16KiBReadsOf1MiBFile) {
  // req = 4 pages.
  // read 0: size = init(4) = 8 (n = 4 <= 8: 2n), async = 8 - 4 = 4, marker 0 + 8 - 4 = 4.
  // read 4: marker 4: start 8, size next(8) = 16, marker 8.
  // read 8: marker 8: start 24, size next(16) = 32, marker 24.
  // reads 24, 56, ..., 184: start += 32, marker at start.
  // read 216: start 248, truncated to 248..255 = 8 pages, no marker (offset 8 - 32 < 0).
  const std::vector<ReadaheadIo> expected = {
      sync_io(0, 8, 4),       async_io(8, 16, 8),     async_io(24, 32, 24),
      async_io(56, 32, 56),   async_io(88, 32, 88),   async_io(120, 32, 120),
      async_io(152, 32, 152), async_io(184, 32, 184), async_io(216, 32, 216),
      async_io(248, 8),
  };
  const std::vector<ReadaheadIo> ios = read_sequentially(4, kFilePages, kMaxPages);
  EXPECT_EQ(ios, expected);
  EXPECT_EQ(total_pages(ios), kFilePages);
}

TEST(Readahead, Sequential128KiBReadsOf1MiBFile) {
  // req = 32 pages = max.
  // read 0: size = init(32) = 32, async = size (size <= req); size == async and the window
  //   starts at the request, so the next window is merged: next(32) = 32, 32 + 32 > 32, so
  //   size = 32, async = 32 / 2 = 16: pages 0..31, marker 16.
  //   The same read reaches page 16: start 32, size next(32) = 32, marker 32 + 32 - 32 = 32.
  // read 32: marker 32: start 64, marker 64. And so on up to read 192: start 224, marker 224.
  // read 224: marker 224: start 256 is past the end of the file: nothing.
  const std::vector<ReadaheadIo> expected = {
      sync_io(0, 32, 16),     async_io(32, 32, 32),   async_io(64, 32, 64),
      async_io(96, 32, 96),   async_io(128, 32, 128), async_io(160, 32, 160),
      async_io(192, 32, 192), async_io(224, 32, 224),
  };
  const std::vector<ReadaheadIo> ios = read_sequentially(32, kFilePages, kMaxPages);
  EXPECT_EQ(ios, expected);
  EXPECT_EQ(total_pages(ios), kFilePages);
}

TEST(Readahead, FirstBigReadSubmitsItsOwnAsyncWindowAndClearsTheMarker) {
  ReadaheadState ra;
  FakeFileCache cache;
  const ReadaheadResult r = ra.on_read(0, 32, cache.view(), kFilePages, kMaxPages);
  ASSERT_EQ(r.ios.size(), 2u);
  EXPECT_EQ(r.ios[0], sync_io(0, 32, 16));
  EXPECT_EQ(r.ios[1], async_io(32, 32, 32));
  EXPECT_EQ(r.markers_cleared, std::vector<std::uint64_t>{16});
  EXPECT_EQ(ra.start(), 32u);
  EXPECT_EQ(ra.size(), 32u);
  EXPECT_EQ(ra.async_size(), 32u);
  EXPECT_EQ(ra.prev_index(), std::optional<std::uint64_t>(32));
}

TEST(Readahead, HittingTheMarkerSubmitsTheAsyncWindow) {
  ReadaheadState ra;
  FakeFileCache cache;
  cache.apply(ra.on_read(0, 1, cache.view(), kFilePages, kMaxPages));
  ASSERT_EQ(cache.marked, std::set<std::uint64_t>{1});
  // Page 1 is cached: no synchronous I/O, but its marker pushes the window: 4 + next(4) = 8.
  const ReadaheadResult r = ra.on_read(1, 1, cache.view(), kFilePages, kMaxPages);
  EXPECT_EQ(r.ios, std::vector<ReadaheadIo>{async_io(4, 8, 4)});
  EXPECT_EQ(r.markers_cleared, std::vector<std::uint64_t>{1});
  // A cached page without a marker submits nothing.
  cache.apply(r);
  EXPECT_TRUE(ra.on_read(2, 1, cache.view(), kFilePages, kMaxPages).ios.empty());
}

TEST(Readahead, RandomReadsAreExactAndLeaveTheStateAlone) {
  ReadaheadState ra;
  FakeFileCache cache;
  // No read starts at page 0, at the previous end or one after it, and nothing is cached
  // before any of them: each is a "standalone, small random read".
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> reads = {
      {100, 2}, {10, 3}, {200, 1}, {50, 4}, {180, 2}};
  for (const auto& [index, req] : reads) {
    const ReadaheadResult r = ra.on_read(index, req, cache.view(), kFilePages, kMaxPages);
    EXPECT_EQ(r.ios, std::vector<ReadaheadIo>{sync_io(index, req)}) << "read at " << index;
    cache.apply(r);
    EXPECT_EQ(ra.size(), 0u);
    EXPECT_EQ(ra.prev_index(), std::optional<std::uint64_t>(index + req));
  }
}

TEST(Readahead, CachedHistoryMakesARandomMissSequential) {
  ReadaheadState ra;
  FakeFileCache cache;
  for (std::uint64_t p = 40; p < 60; ++p) cache.present.insert(p);
  // Miss at 60 with 20 cached pages (40..59) before it; 20 > req 4: size = min(20 + 4, 32) = 24,
  // async 1, so the marker is on the window's last page, 60 + 24 - 1 = 83.
  const ReadaheadResult r = ra.on_read(60, 4, cache.view(), kFilePages, kMaxPages);
  EXPECT_EQ(r.ios, std::vector<ReadaheadIo>{sync_io(60, 24, 83)});
}

TEST(Readahead, HistoryFromTheStartOfTheFileCountsDouble) {
  ReadaheadState ra;
  FakeFileCache cache;
  for (std::uint64_t p = 0; p < 10; ++p) cache.present.insert(p);
  // Pages 0..9 cached: history 10 reaches the start of the file, so it counts double:
  // size = min(2 * 10 + 2, 32) = 22, async 1, marker 10 + 22 - 1 = 31.
  const ReadaheadResult r = ra.on_read(10, 2, cache.view(), kFilePages, kMaxPages);
  EXPECT_EQ(r.ios, std::vector<ReadaheadIo>{sync_io(10, 22, 31)});
}

TEST(Readahead, ZeroReadAheadReadsEachMissingPageAlone) {
  // read_ahead_kb = 0: page_cache_sync_ra() forces a one-page read for each miss; the total is
  // exactly what was asked for.
  const std::vector<ReadaheadIo> ios = read_sequentially(4, 8, 0);
  std::vector<ReadaheadIo> expected;
  for (std::uint64_t p = 0; p < 8; ++p) expected.push_back(sync_io(p, 1));
  EXPECT_EQ(ios, expected);
}

TEST(Readahead, FadviseRandomReadsExactlyTheRequest) {
  // POSIX_FADV_RANDOM: no windows, no markers, even for a sequential pattern.
  const std::vector<ReadaheadIo> ios = read_sequentially(4, 16, kMaxPages, true);
  const std::vector<ReadaheadIo> expected = {sync_io(0, 4), sync_io(4, 4), sync_io(8, 4),
                                             sync_io(12, 4)};
  EXPECT_EQ(ios, expected);
  // A request larger than ra_pages is read in ra_pages pieces (force_page_cache_ra caps it):
  // 64 pages at 32: 0..31, then the miss at 32 reads 32..63.
  ReadaheadState ra;
  FakeFileCache cache;
  const ReadaheadResult r = ra.on_read(0, 64, cache.view(), kFilePages, kMaxPages, true);
  EXPECT_EQ(r.ios, (std::vector<ReadaheadIo>{sync_io(0, 32), sync_io(32, 32)}));
}

TEST(Readahead, NeverReadsPastTheEndOfFile) {
  // A 10-page file. read 0: init(1) = 4, marker 1. read 1: marker: start 4, size 8, which would
  // end at page 11; only pages 4..9 exist, and the marker offset 6 - 8 is outside: no marker.
  ReadaheadState ra;
  FakeFileCache cache;
  cache.apply(ra.on_read(0, 1, cache.view(), 10, kMaxPages));
  const ReadaheadResult r = ra.on_read(1, 1, cache.view(), 10, kMaxPages);
  EXPECT_EQ(r.ios, std::vector<ReadaheadIo>{async_io(4, 6)});
  // A read that starts at or past the end reads nothing; one that crosses it stops there.
  EXPECT_TRUE(ra.on_read(10, 4, cache.view(), 10, kMaxPages).ios.empty());
  ReadaheadState fresh;
  FakeFileCache empty;
  const ReadaheadResult crossing = fresh.on_read(0, 64, empty.view(), 10, kMaxPages);
  // 64 > max: init = 32, async = 32 (size <= req), merged to size 32, async 16: truncated to
  // the 10 pages; the marker offset 10 - 16 is outside.
  EXPECT_EQ(crossing.ios, std::vector<ReadaheadIo>{sync_io(0, 10)});
}

TEST(Readahead, EveryPatternStaysInsideTheFile) {
  // Property: whatever the request sizes, every I/O lies inside the file and no page is read
  // twice (FakeFileCache::apply checks the latter).
  for (std::uint64_t file_pages : {1u, 3u, 7u, 33u, 100u}) {
    for (std::uint64_t req : {1u, 2u, 5u, 16u, 40u}) {
      for (std::uint64_t max : {0u, 4u, 32u}) {
        for (const ReadaheadIo& io : read_sequentially(req, file_pages, max)) {
          EXPECT_LE(io.start + io.pages, file_pages);
          EXPECT_GT(io.pages, 0u);
        }
      }
    }
  }
}

TEST(Readahead, CachedPagesSplitAWindow) {
  // Read-ahead only reads missing pages: a cached page 2 in the initial window 0..3 splits it.
  ReadaheadState ra;
  FakeFileCache cache;
  cache.present.insert(2);
  const ReadaheadResult r = ra.on_read(0, 1, cache.view(), kFilePages, kMaxPages);
  EXPECT_EQ(r.ios, (std::vector<ReadaheadIo>{sync_io(0, 2, 1), sync_io(3, 1)}));
}

TEST(MmapReadaround, MajorFaultReadsAroundTheFault) {
  ReadaheadState ra;
  FakeFileCache cache;
  // Fault at 100: start = 100 - 32/2 = 84, size 32, async 32/4 = 8, marker 84 + 32 - 8 = 108.
  const ReadaheadResult r = ra.on_mmap_fault(100, cache.view(), kFilePages, kMaxPages);
  EXPECT_TRUE(r.major_fault);
  EXPECT_EQ(r.ios, std::vector<ReadaheadIo>{sync_io(84, 32, 108)});
  EXPECT_EQ(ra.mmap_miss(), 1u);
  cache.apply(r);
  // A minor fault on an unmarked page pays back one miss and reads nothing.
  const ReadaheadResult minor = ra.on_mmap_fault(101, cache.view(), kFilePages, kMaxPages);
  EXPECT_FALSE(minor.major_fault);
  EXPECT_TRUE(minor.ios.empty());
  EXPECT_EQ(ra.mmap_miss(), 0u);
  // The fault on the marker: start 84 + 32 = 116, size next(32) = 32, marker at 116.
  const ReadaheadResult marker = ra.on_mmap_fault(108, cache.view(), kFilePages, kMaxPages);
  EXPECT_FALSE(marker.major_fault);
  EXPECT_EQ(marker.ios, std::vector<ReadaheadIo>{async_io(116, 32, 116)});
  EXPECT_EQ(marker.markers_cleared, std::vector<std::uint64_t>{108});
}

TEST(MmapReadaround, WindowIsClampedAtTheStartOfTheFile) {
  ReadaheadState ra;
  FakeFileCache cache;
  // Fault at 5: 5 - 16 < 0, so start 0; marker 0 + 32 - 8 = 24.
  const ReadaheadResult r = ra.on_mmap_fault(5, cache.view(), kFilePages, kMaxPages);
  EXPECT_EQ(r.ios, std::vector<ReadaheadIo>{sync_io(0, 32, 24)});
}

TEST(MmapReadaround, StopsAfterOneHundredMisses) {
  ReadaheadState ra;
  FakeFileCache cache;
  const std::uint64_t file_pages = 1'000'000;
  // Faults 1000 pages apart always miss. Misses 1..100 read around (mmap_miss <= 100); miss 101
  // makes mmap_miss 101 > MMAP_LOTSAMISS: only the faulting page is read.
  for (std::uint64_t n = 1; n <= 101; ++n) {
    const std::uint64_t pgoff = n * 1000;
    const ReadaheadResult r = ra.on_mmap_fault(pgoff, cache.view(), file_pages, kMaxPages);
    ASSERT_TRUE(r.major_fault);
    ASSERT_EQ(r.ios.size(), 1u);
    if (n <= 100) {
      EXPECT_EQ(r.ios[0], sync_io(pgoff - 16, 32, pgoff - 16 + 24)) << "fault " << n;
    } else {
      EXPECT_EQ(r.ios[0], sync_io(pgoff, 1)) << "fault " << n;
    }
    cache.apply(r);
  }
  EXPECT_EQ(ra.mmap_miss(), 101u);
}

TEST(MmapReadaround, MadviseRandomReadsOnlyTheFaultingPage) {
  ReadaheadState ra;
  FakeFileCache cache;
  const ReadaheadResult r =
      ra.on_mmap_fault(100, cache.view(), kFilePages, kMaxPages, MadviseHint::random);
  EXPECT_EQ(r.ios, std::vector<ReadaheadIo>{sync_io(100, 1)});
  EXPECT_EQ(ra.mmap_miss(), 0u);
}

}  // namespace
}  // namespace iosim::os
