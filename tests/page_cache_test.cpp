// The page cache and reclaim policy (models/os/page_cache.h) against the rules of mm/swap.c,
// mm/vmscan.c and mm/workingset.c as docs/models/page-cache.md states them. Expected values are
// worked out in the comments from those rules, not read back from the model.
#include "models/os/page_cache.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace iosim::os {
namespace {

constexpr std::uint64_t kPage = 4096;

PageCacheParams cache_of(std::uint64_t pages, std::uint64_t page_size = kPage) {
  PageCacheParams p;
  p.page_size = ByteSize(page_size);
  p.capacity = ByteSize(pages * page_size);
  return p;
}

// What filemap_read() does for one page of a buffered read: look it up (hit or miss), bring it
// in on a miss, and mark it accessed once.
void read_page(PageCache& cache, FileId file, std::uint64_t index) {
  const PageKey key{file, index};
  if (!cache.lookup(key)) {
    const AddResult added = cache.add_page(key);
    ASSERT_TRUE(added.added) << "cache full of unreclaimable pages";
    cache.set_uptodate(key);
  }
  cache.mark_accessed(key);
}

void read_file(PageCache& cache, FileId file, std::uint64_t pages) {
  for (std::uint64_t i = 0; i < pages; ++i) read_page(cache, file, i);
}

std::uint64_t cached_pages_of(const PageCache& cache, FileId file, std::uint64_t pages) {
  std::uint64_t n = 0;
  for (std::uint64_t i = 0; i < pages; ++i) n += cache.contains(PageKey{file, i}) ? 1 : 0;
  return n;
}

TEST(IntSqrt, RoundsDown) {
  EXPECT_EQ(int_sqrt(0), 0u);
  EXPECT_EQ(int_sqrt(1), 1u);
  EXPECT_EQ(int_sqrt(10), 3u);
  EXPECT_EQ(int_sqrt(99), 9u);
  EXPECT_EQ(int_sqrt(100), 10u);
  EXPECT_EQ(int_sqrt(~0ULL), 4294967295u);
}

TEST(PageCache, NewPagesEnterTheInactiveHeadAndLeaveFromTheTail) {
  PageCache cache(cache_of(100));
  const PageKey a{1, 0}, b{1, 1}, c{2, 0};
  cache.add_page(a);
  cache.add_page(b);
  cache.add_page(c);
  EXPECT_EQ(cache.inactive_list(), (std::vector<PageKey>{c, b, a}));
  EXPECT_TRUE(cache.active_list().empty());
  const ShrinkResult r = cache.shrink(1);
  EXPECT_EQ(r.reclaimed, 1u);
  EXPECT_EQ(r.evicted, std::vector<PageKey>{a});
  EXPECT_EQ(cache.inactive_list(), (std::vector<PageKey>{c, b}));
  EXPECT_EQ(cache.counters().evictions, 1u);
  // Adding a page twice changes nothing.
  const AddResult again = cache.add_page(b);
  EXPECT_FALSE(again.added);
  EXPECT_TRUE(again.already_present);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(PageCache, MarkAccessedWalksReferencedThenActive) {
  PageCache cache(cache_of(100));
  const PageKey k{1, 7};
  cache.add_page(k);
  EXPECT_FALSE(cache.find(k)->flags.referenced);
  cache.mark_accessed(k);  // inactive, unreferenced -> inactive, referenced
  EXPECT_TRUE(cache.find(k)->flags.referenced);
  EXPECT_FALSE(cache.find(k)->flags.active);
  cache.mark_accessed(k);  // inactive, referenced -> active, unreferenced
  EXPECT_TRUE(cache.find(k)->flags.active);
  EXPECT_FALSE(cache.find(k)->flags.referenced);
  EXPECT_EQ(cache.active_list(), std::vector<PageKey>{k});
  EXPECT_TRUE(cache.inactive_list().empty());
  cache.mark_accessed(k);  // active, unreferenced -> active, referenced
  EXPECT_TRUE(cache.find(k)->flags.referenced);
  EXPECT_EQ(cache.counters().activations, 1u);
  EXPECT_EQ(cache.nonresident_age(), 1u);  // an activation ages the non-resident clock
}

TEST(PageCache, HitsAndMissesAreCounted) {
  PageCache cache(cache_of(100));
  read_file(cache, 1, 5);  // 5 misses
  read_file(cache, 1, 5);  // 5 hits
  read_page(cache, 1, 9);  // 1 miss
  EXPECT_EQ(cache.counters().misses, 6u);
  EXPECT_EQ(cache.counters().hits, 5u);
}

// The lecture's case (linux-io.md section 3): a 64-page cache, a small file of 8 pages, a big
// file of 1000 pages streamed once.
constexpr std::uint64_t kSmallCache = 64;
constexpr std::uint64_t kHotPages = 8;
constexpr std::uint64_t kStreamPages = 1000;

TEST(PageCache, SmallFileReadTwiceSurvivesAStream) {
  PageCache cache(cache_of(kSmallCache));
  read_file(cache, 1, kHotPages);
  read_file(cache, 1, kHotPages);  // second access: all 8 pages go active
  EXPECT_EQ(cache.active_pages(), kHotPages);
  read_file(cache, 2, kStreamPages);
  // The stream's pages are referenced once and stay inactive; 56 inactive * ratio 1 >= 8 active,
  // so the active list is never deactivated and every eviction hits the stream.
  EXPECT_EQ(cached_pages_of(cache, 1, kHotPages), kHotPages);
  EXPECT_EQ(cache.active_pages(), kHotPages);
  EXPECT_EQ(cache.counters().evictions, kHotPages + kStreamPages - cache.size());
}

TEST(PageCache, SmallFileReadOnceIsEvictedByAStream) {
  PageCache cache(cache_of(kSmallCache));
  read_file(cache, 1, kHotPages);  // once: inactive, referenced
  read_file(cache, 2, kStreamPages);
  // PG_referenced alone does not save an unmapped page: the small file is at the inactive tail
  // and goes first.
  EXPECT_EQ(cached_pages_of(cache, 1, kHotPages), 0u);
  EXPECT_EQ(cache.active_pages(), 0u);
}

TEST(PageCache, ReclaimMakesRoomInBatchesOfSwapClusterMax) {
  PageCache cache(cache_of(kSmallCache));
  read_file(cache, 1, kSmallCache);
  EXPECT_EQ(cache.size(), kSmallCache);
  const AddResult r = cache.add_page(PageKey{2, 0});
  EXPECT_TRUE(r.added);
  EXPECT_EQ(r.reclaim.reclaimed, kSwapClusterMax);  // one SWAP_CLUSTER_MAX batch of 32
  // The oldest 32 pages (0..31) went, in tail order.
  for (std::uint64_t i = 0; i < kSwapClusterMax; ++i) {
    EXPECT_EQ(r.reclaim.evicted[i], (PageKey{1, i}));
  }
  EXPECT_EQ(cache.size(), kSmallCache - kSwapClusterMax + 1);
}

TEST(PageCache, InactiveRatioIsIntSqrtOfTenTimesGigabytes) {
  // 1 MiB pages make a gigabyte 1024 pages.
  constexpr std::uint64_t kMiB = 1 << 20;
  constexpr std::uint64_t kGbPages = 1024;
  {
    PageCache cache(cache_of(20 * kGbPages, kMiB));
    read_file(cache, 1, kGbPages - 1);  // below 1 GB: ratio 1
    EXPECT_EQ(cache.inactive_ratio(), 1u);
    read_page(cache, 1, kGbPages);  // 1 GB: int_sqrt(10) = 3
    EXPECT_EQ(cache.inactive_ratio(), 3u);
    read_file(cache, 2, 9 * kGbPages);  // 10 GB: int_sqrt(100) = 10
    EXPECT_EQ(cache.inactive_ratio(), 10u);
  }
  {
    // 1 GB with 700 active and 324 inactive: 324 * 3 = 972 >= 700, not low.
    PageCache cache(cache_of(2 * kGbPages, kMiB));
    read_file(cache, 1, 700);
    read_file(cache, 1, 700);
    read_file(cache, 2, 324);
    EXPECT_EQ(cache.active_pages(), 700u);
    EXPECT_FALSE(cache.inactive_is_low());
    // Move 100 pages from inactive to active: 224 * 3 = 672 < 800, low.
    for (std::uint64_t i = 0; i < 100; ++i) cache.mark_accessed(PageKey{2, i});
    EXPECT_EQ(cache.active_pages(), 800u);
    EXPECT_TRUE(cache.inactive_is_low());
  }
}

TEST(PageCache, LowInactiveListDeactivatesTheOldestActivePages) {
  PageCache cache(cache_of(100));
  read_file(cache, 1, 40);
  read_file(cache, 1, 40);  // 40 active, activated in order 0..39: page 0 is the active tail
  read_file(cache, 2, 10);  // 10 inactive; 10 * 1 < 40: low
  ASSERT_TRUE(cache.inactive_is_low());
  const ShrinkResult r = cache.shrink(1);
  // One SWAP_CLUSTER_MAX batch from the active tail (file 1 pages 0..31) to the inactive head,
  // then the inactive tail (file 2 page 0) is reclaimed.
  EXPECT_EQ(r.deactivated, kSwapClusterMax);
  EXPECT_EQ(r.evicted, std::vector<PageKey>{(PageKey{2, 0})});
  EXPECT_EQ(cache.active_pages(), 40 - kSwapClusterMax);
  for (std::uint64_t i = 0; i < kSwapClusterMax; ++i) {
    EXPECT_FALSE(cache.find(PageKey{1, i})->flags.active) << i;
    EXPECT_TRUE(cache.find(PageKey{1, i})->flags.workingset) << i;
  }
  for (std::uint64_t i = kSwapClusterMax; i < 40; ++i) {
    EXPECT_TRUE(cache.find(PageKey{1, i})->flags.active) << i;
  }
}

TEST(PageCache, RefaultWithinTheDistanceIsActivatedAtOnce) {
  PageCache cache(cache_of(kSmallCache));
  read_file(cache, 1, 16);
  read_file(cache, 1, 16);  // 16 active pages: the workingset size; age = 16 activations
  const PageKey victim{3, 0};
  read_page(cache, 3, 0);
  read_file(cache, 2, 47);  // 16 + 1 + 47 = 64: full, nothing evicted yet
  ASSERT_EQ(cache.counters().evictions, 0u);
  ASSERT_EQ(cache.inactive_list().back(), victim);
  EXPECT_EQ(cache.shrink(1).evicted, std::vector<PageKey>{victim});
  EXPECT_EQ(cache.shadow_entries(), 1u);
  // Refault distance = evictions + activations since its eviction, its own included: 1 <= 16.
  const AddResult r = cache.add_page(victim);
  EXPECT_TRUE(r.refault);
  EXPECT_TRUE(r.activated);
  EXPECT_TRUE(cache.find(victim)->flags.active);
  EXPECT_EQ(cache.active_list().front(), victim);
  EXPECT_EQ(cache.counters().refaults, 1u);
  EXPECT_EQ(cache.counters().refault_activations, 1u);
  EXPECT_EQ(cache.shadow_entries(), 0u);
}

TEST(PageCache, RefaultBeyondTheDistanceStaysInactive) {
  PageCache cache(cache_of(kSmallCache));
  read_file(cache, 1, 16);
  read_file(cache, 1, 16);  // active list: 16 pages
  const PageKey victim{3, 0};
  read_page(cache, 3, 0);
  read_file(cache, 2, 47);
  EXPECT_EQ(cache.shrink(1).evicted, std::vector<PageKey>{victim});
  // 16 more evictions: distance = 1 + 16 = 17 > 16 active pages.
  EXPECT_EQ(cache.shrink(16).reclaimed, 16u);
  const AddResult r = cache.add_page(victim);
  EXPECT_TRUE(r.refault);
  EXPECT_FALSE(r.activated);
  EXPECT_FALSE(cache.find(victim)->flags.active);
  EXPECT_EQ(cache.inactive_list().front(), victim);
  EXPECT_EQ(cache.counters().refault_activations, 0u);
}

TEST(PageCache, RefaultAtExactlyTheDistanceIsActivated) {
  PageCache cache(cache_of(kSmallCache));
  read_file(cache, 1, 16);
  read_file(cache, 1, 16);  // active list: 16 pages
  const PageKey victim{3, 0};
  read_page(cache, 3, 0);
  read_file(cache, 2, 47);
  EXPECT_EQ(cache.shrink(1).evicted, std::vector<PageKey>{victim});
  // 15 more evictions: distance = 1 + 15 = 16 <= 16 active pages.
  EXPECT_EQ(cache.shrink(15).reclaimed, 15u);
  EXPECT_TRUE(cache.add_page(victim).activated);
}

TEST(PageCache, InactiveIsLowOnlyStrictlyBelowTheRatio) {
  {
    // Below 1 GB, ratio 1: 10 inactive against 10 active is not low, 9 against 11 is.
    PageCache cache(cache_of(100));
    read_file(cache, 1, 20);
    for (std::uint64_t i = 0; i < 10; ++i) cache.mark_accessed(PageKey{1, i});
    EXPECT_EQ(cache.active_pages(), 10u);
    EXPECT_FALSE(cache.inactive_is_low());
    cache.mark_accessed(PageKey{1, 10});
    EXPECT_TRUE(cache.inactive_is_low());
  }
  {
    // 1 GB of 1 MiB pages, ratio 3: 256 * 3 = 768 active is not low, 255 * 3 < 769 is.
    PageCache cache(cache_of(2048, 1 << 20));
    read_file(cache, 1, 1024);
    for (std::uint64_t i = 0; i < 768; ++i) cache.mark_accessed(PageKey{1, i});
    EXPECT_EQ(cache.inactive_ratio(), 3u);
    EXPECT_FALSE(cache.inactive_is_low());
    cache.mark_accessed(PageKey{1, 768});
    EXPECT_TRUE(cache.inactive_is_low());
  }
}

TEST(PageCache, RemovedPagesLeaveNoShadow) {
  PageCache cache(cache_of(kSmallCache));
  read_file(cache, 1, 4);
  cache.shrink(1);  // page 0 evicted: shadow
  cache.remove_page(PageKey{1, 1});
  EXPECT_EQ(cache.shadow_entries(), 1u);
  cache.remove_file(1);
  EXPECT_EQ(cache.shadow_entries(), 0u);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.add_page(PageKey{1, 0}).refault);
}

TEST(PageCache, DirtyAndWritebackPagesAreNeverEvicted) {
  PageCache cache(cache_of(kSmallCache));
  read_file(cache, 1, 20);
  for (std::uint64_t i = 0; i < 10; ++i) cache.mark_dirty(PageKey{1, i}, 0);
  for (std::uint64_t i = 0; i < 5; ++i) cache.start_writeback(PageKey{1, i});
  EXPECT_EQ(cache.dirty_pages(), 5u);
  EXPECT_EQ(cache.writeback_pages(), 5u);
  const ShrinkResult r = cache.shrink(20);
  // Pages 0..4 under writeback, 5..9 dirty: met, counted, moved to the active list with
  // PG_reclaim; the 10 clean ones are reclaimed. Once the inactive list is down to 9 pages
  // against 10 active, the 10 are deactivated again (one batch) but not met a second time: the
  // pass looks at 20 pages, as many as the cache held.
  EXPECT_EQ(r.reclaimed, 10u);
  EXPECT_EQ(r.writeback_skipped, 5u);
  EXPECT_EQ(r.dirty_skipped, 5u);
  EXPECT_EQ(r.activated, 10u);
  EXPECT_EQ(r.deactivated, 10u);
  EXPECT_EQ(r.scanned, 20u);
  for (std::uint64_t i = 0; i < 10; ++i) {
    const PageState* s = cache.find(PageKey{1, i});
    ASSERT_NE(s, nullptr) << i;
    EXPECT_TRUE(s->flags.reclaim) << i;
  }
  // A long stream does not evict them either (they may be deactivated but are met again).
  read_file(cache, 2, 500);
  for (std::uint64_t i = 0; i < 10; ++i) EXPECT_TRUE(cache.contains(PageKey{1, i})) << i;
  // Only dirty pages left and nothing else: reclaim frees nothing and ends.
  PageCache full(cache_of(4));
  for (std::uint64_t i = 0; i < 4; ++i) {
    full.add_page(PageKey{1, i});
    full.mark_dirty(PageKey{1, i}, 0);
  }
  EXPECT_EQ(full.shrink(4).reclaimed, 0u);
  EXPECT_FALSE(full.add_page(PageKey{1, 4}).added);
}

TEST(PageCache, EndOfWritebackPutsAReclaimCandidateAtTheInactiveTail) {
  PageCache cache(cache_of(kSmallCache));
  read_file(cache, 1, 3);
  const PageKey w{1, 0};
  cache.mark_dirty(w, 0);
  cache.start_writeback(w);
  EXPECT_EQ(cache.shrink(1).evicted, std::vector<PageKey>{(PageKey{1, 1})});  // w skipped
  EXPECT_TRUE(cache.find(w)->flags.active);
  read_file(cache, 2, 3);  // newer pages in front of it
  cache.end_writeback(w);  // folio_rotate_reclaimable: inactive tail, not active
  EXPECT_FALSE(cache.find(w)->flags.active);
  EXPECT_FALSE(cache.find(w)->flags.reclaim);
  EXPECT_EQ(cache.inactive_list().back(), w);
  EXPECT_EQ(cache.shrink(1).evicted, std::vector<PageKey>{w});
}

TEST(PageCache, MappedPagesAreRotatedOrActivatedByReclaim) {
  PageCache cache(cache_of(kSmallCache));
  const PageKey once{1, 0}, twice{1, 1}, plain{1, 2};
  cache.add_page(once);
  cache.add_page(twice);
  cache.add_page(plain);
  cache.mark_pte_young(once);  // young PTE, PG_referenced clear: FOLIOREF_KEEP
  cache.mark_pte_young(twice);
  cache.mark_accessed(twice);  // young PTE and PG_referenced: FOLIOREF_ACTIVATE
  const ShrinkResult r = cache.shrink(1);
  EXPECT_EQ(r.rotated, 1u);
  EXPECT_EQ(r.activated, 1u);
  EXPECT_EQ(r.evicted, std::vector<PageKey>{plain});
  EXPECT_EQ(cache.inactive_list(), std::vector<PageKey>{once});
  EXPECT_TRUE(cache.find(once)->flags.referenced);  // KEEP sets PG_referenced
  EXPECT_TRUE(cache.find(twice)->flags.active);
}

TEST(PageCache, DirtyBookkeepingPerFile) {
  PageCache cache(cache_of(kSmallCache));
  for (std::uint64_t i = 0; i < 4; ++i) {
    cache.add_page(PageKey{7, i});
    cache.add_page(PageKey{8, i});
  }
  cache.mark_dirty(PageKey{8, 2}, 50);
  cache.mark_dirty(PageKey{7, 3}, 100);
  cache.mark_dirty(PageKey{7, 1}, 200);  // the inode was already dirty: still 100
  cache.mark_dirty(PageKey{7, 1}, 300);  // rewrite: version 2, still one dirty page
  EXPECT_EQ(cache.dirty_pages(), 3u);
  EXPECT_EQ(cache.find(PageKey{7, 1})->version, 2u);
  EXPECT_EQ(cache.first_dirtied(7), std::optional<Picoseconds>(100));
  EXPECT_EQ(cache.first_dirtied(8), std::optional<Picoseconds>(50));
  EXPECT_EQ(cache.dirty_indices(7), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(cache.dirty_files(), (std::vector<FileId>{8, 7}));  // oldest first
  cache.start_writeback(PageKey{7, 1});
  cache.start_writeback(PageKey{7, 3});
  EXPECT_EQ(cache.first_dirtied(7), std::nullopt);  // clean inode
  EXPECT_EQ(cache.dirty_pages(), 1u);
  EXPECT_EQ(cache.writeback_pages(), 2u);
  cache.end_writeback(PageKey{7, 1});
  cache.end_writeback(PageKey{7, 3});
  EXPECT_EQ(cache.writeback_pages(), 0u);
  // Dirtied again later: a new first-dirtied time.
  cache.mark_dirty(PageKey{7, 0}, 900);
  EXPECT_EQ(cache.first_dirtied(7), std::optional<Picoseconds>(900));
  EXPECT_EQ(cache.dirty_files(), (std::vector<FileId>{8, 7}));
  cache.cancel_dirty(PageKey{8, 2});
  EXPECT_EQ(cache.dirty_files(), std::vector<FileId>{7});
}

}  // namespace
}  // namespace iosim::os

namespace iosim::os {
namespace {

/// file_pages() against a count over the lists, after reads, second reads (activation),
/// reclaim (deactivation and eviction) and removal.
TEST(PageCache, PerFileCountsFollowTheLists) {
  PageCache cache(cache_of(64));
  auto counted = [&cache](FileId file) {
    PageCache::FilePages n;
    for (const PageKey& k : cache.inactive_list()) n.resident += k.file == file;
    for (const PageKey& k : cache.active_list()) {
      n.resident += k.file == file;
      n.active += k.file == file;
    }
    return n;
  };
  auto expect_same = [&](FileId file, const char* when) {
    const PageCache::FilePages a = cache.file_pages(file), b = counted(file);
    EXPECT_EQ(a.resident, b.resident) << when << " file " << file;
    EXPECT_EQ(a.active, b.active) << when << " file " << file;
  };
  read_file(cache, 1, 20);
  read_file(cache, 1, 20);  // the second read activates them
  expect_same(1, "after two reads");
  EXPECT_EQ(cache.file_pages(1).active, 20u);
  read_file(cache, 2, 60);  // more than fits: reclaim deactivates and evicts
  expect_same(1, "after the stream");
  expect_same(2, "after the stream");
  cache.remove_page(PageKey{2, 59});
  expect_same(2, "after a removal");
  cache.remove_file(1);
  EXPECT_EQ(cache.file_pages(1).resident, 0u);
  EXPECT_EQ(cache.file_pages(7).resident, 0u);  // never cached
}

}  // namespace
}  // namespace iosim::os
