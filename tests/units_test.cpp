// Units, payload patterns and the region map: the arithmetic every model's timing rests on.
#include <cstring>

#include <gtest/gtest.h>

#include "models/core/context.h"
#include "models/core/payload.h"
#include "models/core/units.h"

namespace iosim {
namespace {

TEST(Units, TransferTimeRoundsUpToThePicosecond) {
  // 512 B at 100 MB/s = 5.12 us exactly; 1 B at 3 B/s = 333333333333.33 ps -> rounds up.
  EXPECT_EQ(to_ps(Bandwidth(100'000'000).transfer_time(512)), 5'120'000u);
  EXPECT_EQ(to_ps(Bandwidth(3).transfer_time(1)), 333'333'333'334u);
  EXPECT_EQ(to_ps(Bandwidth(1).transfer_time(0)), 0u);
}

TEST(Units, TransferTimeDoesNotOverflowForLargeTransfers) {
  // 1 TiB at 1 B/s is 1.0995e24 ps: more than 64 bits, so the check is on a smaller case that
  // still overflows a naive bytes * 1e12: 64 GiB at 25.6 GB/s = 2.68435456 s.
  EXPECT_EQ(to_ps(Bandwidth(25'600'000'000).transfer_time(64ULL << 30)), 2'684'354'560'000u);
}

TEST(Units, CyclesOfAClock) {
  EXPECT_EQ(to_ps(Frequency(33'000'000).cycles(1)), 30'304u);  // 30303.03 ps rounded up
  EXPECT_EQ(to_ps(Frequency(1'000'000'000).cycles(7)), 7'000u);
}

TEST(Units, FormatsExactly) {
  EXPECT_EQ(format_time_ps(7'400'000'000ULL), "7.4ms");
  EXPECT_EQ(format_time_ps(1'234'567ULL), "1234.567ns");  // at most three decimals
  EXPECT_EQ(format_time_ps(0), "0s");
  EXPECT_EQ(format_time_ps(5), "5ps");
  EXPECT_EQ(format_size(ByteSize(64 << 10)), "64KiB");
  EXPECT_EQ(format_size(ByteSize(1000)), "1000B");
  EXPECT_EQ(format_bandwidth(Bandwidth(25'600'000'000)), "25.6GB/s");
  EXPECT_EQ(format_frequency(Frequency(33'000'000)), "33MHz");
}

TEST(Payload, PatternIsDeterministicAndDependsOnSeedStreamAndOffset) {
  std::uint8_t a[64], b[64];
  fill_pattern(7, 0, 100, a, sizeof a);
  fill_pattern(7, 0, 100, b, sizeof b);
  EXPECT_EQ(0, std::memcmp(a, b, sizeof a));
  for (std::size_t i = 0; i < sizeof a; ++i) EXPECT_EQ(a[i], pattern_byte(7, 0, 100 + i));
  fill_pattern(8, 0, 100, b, sizeof b);
  EXPECT_NE(0, std::memcmp(a, b, sizeof a));
  fill_pattern(7, 1, 100, b, sizeof b);
  EXPECT_NE(0, std::memcmp(a, b, sizeof a));
}

TEST(ModelContext, NamesMemoryRegions) {
  trace::VectorSink sink;
  ModelContext context(sink, 1);
  context.declare_region("p.buf", trace::Layer::user, "buffer");
  context.declare_region("p.buf", trace::Layer::user, "buffer");  // once only
  context.name_memory(0x2000, 0x1000, "p.buf");
  EXPECT_EQ(context.region_at(0x1FFF), "dram");
  EXPECT_EQ(context.region_at(0x2000), "p.buf");
  EXPECT_EQ(context.region_at(0x2FFF), "p.buf");
  EXPECT_EQ(context.region_at(0x3000), "dram");
  EXPECT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(context.new_copy_id(), 1u);
  EXPECT_EQ(context.new_copy_id(), 2u);
}

}  // namespace
}  // namespace iosim
