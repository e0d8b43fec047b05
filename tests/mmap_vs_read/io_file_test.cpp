#include "mmap_vs_read/io_file.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "fixture.h"

namespace illusion::labs::mmap_vs_read {
namespace {

TEST(SumWords, AddsEveryWordAndWraps) {
  std::vector<std::uint64_t> v(1000);
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = ~0ull - i;  // large words: the sum wraps many times
    expected += v[i];
  }
  EXPECT_EQ(sum_words(v.data(), v.size() * 8), expected);
  EXPECT_EQ(sum_words(v.data(), 8), v[0]);  // shorter than one unrolled step
  EXPECT_EQ(sum_words(v.data(), 0), 0u);
}

TEST(SumWords, MatchesThePatternOfATestFile) {
  std::vector<std::uint64_t> words(4096);
  for (std::size_t i = 0; i < words.size(); ++i) words[i] = core::TestFile::pattern_word(512 + i);
  EXPECT_EQ(sum_words(words.data(), words.size() * 8),
            core::TestFile::pattern_sum(512 * 8, words.size() * 8));
}

class SharedFile : public IoLabTest {};

TEST_F(SharedFile, WrittenOnceAndSharedUntilTheLabIsDone) {
  const IoFile& a = shared_file(ctx_);
  const IoFile& b = shared_file(ctx_);
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.size(), kTestFileBytes);
  EXPECT_EQ(a.checksum, core::TestFile::pattern_sum(0, kTestFileBytes));
  ctx_.drop_lab_shared();  // what the runner does when the lab is done: the file is closed
}

// mincore after eviction and after warming: the states the rows rely on really take.
TEST_F(SharedFile, EvictionEmptiesTheCacheAndWarmingFillsIt) {
  const IoFile& f = shared_file(ctx_);
  if (!cold_unavailable_reason(f).empty()) GTEST_SKIP() << cold_unavailable_reason(f);
  core::Result r;
  const CacheSnapshot cold = prepare(f, Cache::cold, r);
  ASSERT_TRUE(cold.resident.has_value());
  EXPECT_LT(*cold.resident, 0.10);
  const CacheSnapshot warm = prepare(f, Cache::warm, r);
  ASSERT_TRUE(warm.resident.has_value());
  EXPECT_EQ(*warm.resident, 1.0);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
}

}  // namespace
}  // namespace illusion::labs::mmap_vs_read
