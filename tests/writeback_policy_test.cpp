// The dirty-page policy (models/os/writeback_policy.h) against mm/page-writeback.c and
// fs/fs-writeback.c as docs/models/page-cache.md states them. Every expected number is computed
// here, in the comment or the expression next to it.
#include "models/os/writeback_policy.h"

#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>

#include "models/os/page_cache.h"

namespace iosim::os {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr Picoseconds kMs = 1'000'000'000ULL;
constexpr Picoseconds kSecond = 1000 * kMs;

TEST(DirtyParams, DefaultsAreTheSysctlDefaults) {
  const DirtyParams p;
  EXPECT_DOUBLE_EQ(p.dirty_background_ratio, 0.10);
  EXPECT_DOUBLE_EQ(p.dirty_ratio, 0.20);
  EXPECT_EQ(p.dirty_background_bytes.bytes, 0u);
  EXPECT_EQ(p.dirty_bytes.bytes, 0u);
  EXPECT_EQ(to_ps(p.dirty_writeback_interval), 5 * kSecond);  // 500 centisecs
  EXPECT_EQ(to_ps(p.dirty_expire_interval), 30 * kSecond);    // 3000 centisecs
}

TEST(DirtyParams, SettingOneFormZeroesTheOther) {
  DirtyParams p;
  EXPECT_TRUE(p.set_dirty_bytes(ByteSize(64 << 20)));
  EXPECT_EQ(p.dirty_bytes.bytes, 64u << 20);
  EXPECT_EQ(p.dirty_ratio, 0.0);
  p.set_dirty_ratio(0.3);
  EXPECT_EQ(p.dirty_bytes.bytes, 0u);
  EXPECT_DOUBLE_EQ(p.dirty_ratio, 0.3);
  p.set_dirty_background_bytes(ByteSize(1 << 20));
  EXPECT_EQ(p.dirty_background_ratio, 0.0);
  p.set_dirty_background_ratio(0.05);
  EXPECT_EQ(p.dirty_background_bytes.bytes, 0u);
  // dirty_bytes below two pages is rejected and changes nothing.
  EXPECT_FALSE(p.set_dirty_bytes(ByteSize(2 * kPage - 1)));
  EXPECT_DOUBLE_EQ(p.dirty_ratio, 0.3);
  EXPECT_TRUE(p.set_dirty_bytes(ByteSize(2 * kPage)));
}

TEST(DirtyableMemory, FreeAboveReservesPlusFileLrus) {
  // 1000 free - 200 reserved + 300 active file + 500 inactive file, plus the kernel's 1.
  EXPECT_EQ(global_dirtyable_memory(1000, 200, 300, 500), 1601u);
  // Reserves above the free pages leave only the file pages.
  EXPECT_EQ(global_dirtyable_memory(100, 200, 300, 500), 801u);
  EXPECT_EQ(global_dirtyable_memory(0, 0, 0, 0), 1u);
}

TEST(DirtyThresholds, RatioFormCountsInPartsPerPage) {
  const DirtyParams p;
  const std::uint64_t dirtyable = 1'000'000;
  // ratio 20%: 20 * 4096 / 100 = 819 parts per page; 819 * 1e6 / 4096 = 199951 (truncated).
  // bg 10%: 10 * 4096 / 100 = 409; 409 * 1e6 / 4096 = 99853.
  const DirtyThresholds t = domain_dirty_limits(dirtyable, p);
  EXPECT_EQ(t.thresh, 819ULL * dirtyable / kPage);
  EXPECT_EQ(t.thresh, 199951u);
  EXPECT_EQ(t.bg_thresh, 409ULL * dirtyable / kPage);
  EXPECT_EQ(t.bg_thresh, 99853u);
  // Within 0.05% of the plain ratio * dirtyable / 100 of linux-io.md.
  EXPECT_NEAR(static_cast<double>(t.thresh), 0.20 * dirtyable, 0.0005 * 0.20 * dirtyable);
}

TEST(DirtyThresholds, BytesFormRoundsUpToPages) {
  DirtyParams p;
  ASSERT_TRUE(p.set_dirty_bytes(ByteSize(400ULL << 20)));
  p.set_dirty_background_bytes(ByteSize((100ULL << 20) + 1));
  const DirtyThresholds t = domain_dirty_limits(1'000'000, p);
  EXPECT_EQ(t.thresh, (400ULL << 20) / kPage);         // 102400
  EXPECT_EQ(t.bg_thresh, (100ULL << 20) / kPage + 1);  // one byte more: 25601
  // The bytes form does not depend on the dirtyable memory.
  EXPECT_EQ(domain_dirty_limits(10, p), t);
}

TEST(DirtyThresholds, BackgroundAtOrAboveTheLimitIsHalved) {
  DirtyParams p;
  p.set_dirty_ratio(0.10);
  p.set_dirty_background_ratio(0.20);
  const DirtyThresholds t = domain_dirty_limits(1'000'000, p);
  EXPECT_EQ(t.thresh, 409ULL * 1'000'000 / kPage);  // 99853
  EXPECT_EQ(t.bg_thresh, t.thresh / 2);             // 49926
  // Equal counts too: 15% both.
  p.set_dirty_ratio(0.15);
  p.set_dirty_background_ratio(0.15);
  const DirtyThresholds e = domain_dirty_limits(1'000'000, p);
  EXPECT_EQ(e.bg_thresh, e.thresh / 2);
  // Mixed forms: a 512 MiB background (131072 pages) under the 20% limit of 1e6 pages (199951
  // pages) is kept; 1 GiB (262144 pages) is not.
  DirtyParams m;
  m.set_dirty_background_bytes(ByteSize(512ULL << 20));
  EXPECT_EQ(domain_dirty_limits(1'000'000, m).bg_thresh, 131072u);
  m.set_dirty_background_bytes(ByteSize(1ULL << 30));  // 262144 pages >= 199951: halved
  EXPECT_EQ(domain_dirty_limits(1'000'000, m).bg_thresh, 199951u / 2);
}

// thresh 1000, bg 500: freerun (1000 + 500) / 2 = 750, limit 1000, setpoint (750 + 1000) / 2 =
// 875, limit - setpoint = 125.
constexpr DirtyThresholds kT{1000, 500};

double closed_form(double dirty) {
  const double x = (875.0 - dirty) / 125.0;
  return std::min(2.0, std::max(0.0, 1.0 + x * x * x));
}

TEST(PosRatio, FreerunSetpointAndLimit) {
  EXPECT_EQ(dirty_freerun_ceiling(kT), 750u);
  EXPECT_EQ(dirty_setpoint(750, 1000), 875u);
  EXPECT_DOUBLE_EQ(pos_ratio(875, 750, 1000), 2.0);   // at freerun: 1 + 1^3
  EXPECT_DOUBLE_EQ(pos_ratio(875, 875, 1000), 1.0);   // at the setpoint
  EXPECT_DOUBLE_EQ(pos_ratio(875, 1000, 1000), 0.0);  // at the limit: 1 + (-1)^3
  EXPECT_DOUBLE_EQ(pos_ratio(875, 1200, 1000), 0.0);  // above it
  EXPECT_DOUBLE_EQ(pos_ratio(875, 600, 1000), 2.0);   // 1 + 2.2^3 clamped to 2
}

TEST(PosRatio, BetweenFollowsTheCubic) {
  for (std::uint64_t dirty = 750; dirty <= 1000; dirty += 5) {
    EXPECT_NEAR(pos_ratio(875, dirty, 1000), closed_form(static_cast<double>(dirty)), 1e-12)
        << dirty;
  }
  EXPECT_NEAR(pos_ratio(875, 900, 1000), 1.0 - 0.008, 1e-12);  // x = -0.2
  EXPECT_NEAR(pos_ratio(875, 800, 1000), 1.216, 1e-12);        // x = 0.6
}

TEST(Pause, ProportionalToPagesOverTaskRate) {
  // 32 pages at 25600 pages/s (100 MB/s) * pos_ratio 1: 1.25 ms.
  EXPECT_EQ(pause_for(32, 25600.0, 1.0), 1'250'000'000u);
  // Half the rate, twice the pause.
  EXPECT_EQ(pause_for(32, 25600.0, 0.5), 2'500'000'000u);
  // 10000 pages would take 0.39 s: capped at MAX_PAUSE = HZ/5 = 200 ms.
  EXPECT_EQ(pause_for(10000, 25600.0, 1.0), 200 * kMs);
  EXPECT_EQ(kMaxPause, 200 * kMs);
  // A zero task rate (at the limit) sleeps max_pause.
  EXPECT_EQ(pause_for(1, 25600.0, 0.0), 200 * kMs);
}

TEST(BalanceDirtyPages, FreerunThrottleAndLimit) {
  const double rate = static_cast<double>(kInitBandwidthBytesPerSecond / kPage);  // 25600
  // 700 dirty + writeback <= 750: free run, no pause; 700 dirty > bg 500: background writeback.
  ThrottleDecision d = balance_dirty_pages(600, 100, kT, 32, rate);
  EXPECT_TRUE(d.freerun);
  EXPECT_TRUE(d.start_background);
  EXPECT_EQ(d.pause, 0u);
  // Writeback pages count for throttling but not for background writeback: 400 + 500 = 900.
  d = balance_dirty_pages(400, 500, kT, 32, rate);
  EXPECT_FALSE(d.freerun);
  EXPECT_FALSE(d.start_background);
  EXPECT_NEAR(d.pos_ratio, closed_form(900), 1e-12);
  const double expected_pause = 32.0 * 1e12 / (rate * closed_form(900));  // ~1.26 ms
  EXPECT_NEAR(static_cast<double>(d.pause), expected_pause, 1.0);
  // At the hard limit: pos_ratio 0, the writer sleeps max_pause.
  d = balance_dirty_pages(1000, 0, kT, 1, rate);
  EXPECT_EQ(d.pos_ratio, 0.0);
  EXPECT_EQ(d.pause, kMaxPause);
}

TEST(Background, StrictlyAboveTheBackgroundThreshold) {
  EXPECT_FALSE(background_needed(500, kT));
  EXPECT_TRUE(background_needed(501, kT));
}

TEST(Expiry, PerInodeFromTheFirstDirtying) {
  const DirtyParams p;  // expire after 30 s
  EXPECT_FALSE(expired(10 * kSecond, 40 * kSecond - 1, p));
  EXPECT_TRUE(expired(10 * kSecond, 40 * kSecond, p));
  // Expiry belongs to the inode: file 1 was first dirtied at 0 s; a page written at 29 s is
  // written with it at 30 s. File 2, first dirtied at 5 s, waits until 35 s.
  PageCacheParams cp;
  cp.capacity = ByteSize(100 * kPage);
  PageCache cache(cp);
  for (std::uint64_t i = 0; i < 3; ++i) {
    cache.add_page(PageKey{1, i});
    cache.add_page(PageKey{2, i});
  }
  cache.mark_dirty(PageKey{1, 0}, 0);
  cache.mark_dirty(PageKey{2, 0}, 5 * kSecond);
  cache.mark_dirty(PageKey{1, 2}, 29 * kSecond);
  const Picoseconds now = 30 * kSecond;
  std::vector<FileId> due;
  for (FileId f : cache.dirty_files()) {
    if (expired(*cache.first_dirtied(f), now, p)) due.push_back(f);
  }
  EXPECT_EQ(due, std::vector<FileId>{1});
  EXPECT_EQ(cache.dirty_indices(1), (std::vector<std::uint64_t>{0, 2}));
}

TEST(Periodic, EveryWritebackIntervalUnlessZero) {
  DirtyParams p;
  EXPECT_FALSE(periodic_writeback_due(0, 5 * kSecond - 1, p));
  EXPECT_TRUE(periodic_writeback_due(0, 5 * kSecond, p));
  p.dirty_writeback_interval = sc_core::SC_ZERO_TIME;
  EXPECT_FALSE(periodic_writeback_due(0, 1000 * kSecond, p));
  // The sysctl form: 250 centisecs = 2.5 s.
  p.set_dirty_writeback_centisecs(250);
  EXPECT_FALSE(periodic_writeback_due(0, 2500 * kMs - 1, p));
  EXPECT_TRUE(periodic_writeback_due(0, 2500 * kMs, p));
  p.set_dirty_expire_centisecs(100);  // 1 s
  EXPECT_TRUE(expired(0, kSecond, p));
  EXPECT_FALSE(expired(0, kSecond - 1, p));
}

TEST(WritebackChunk, MultiplesOfFourMebibytes) {
  const ByteSize page(kPage);
  EXPECT_EQ(min_writeback_pages(page), 1024u);  // 4 MiB / 4 KiB
  // min(25600 / 2, 199951 / 8, 100000) = min(12800, 24993, 100000) = 12800;
  // round_down(12800 + 1024, 1024) = 13312.
  EXPECT_EQ(writeback_chunk_pages(100000, 25600, 199951, false, page), 13312u);
  // A small inode still gets a whole 4 MiB chunk: round_down(10 + 1024, 1024) = 1024.
  EXPECT_EQ(writeback_chunk_pages(10, 25600, 199951, false, page), 1024u);
  // The dirty limit bounds it: 8000 / 8 = 1000; round_down(2024, 1024) = 1024.
  EXPECT_EQ(writeback_chunk_pages(100000, 25600, 8000, false, page), 1024u);
  // WB_SYNC_ALL (fsync, sync) writes everything.
  EXPECT_EQ(writeback_chunk_pages(100000, 25600, 8000, true, page), 100000u);
}

}  // namespace
}  // namespace iosim::os
