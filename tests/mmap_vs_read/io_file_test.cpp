#include "mmap_vs_read/io_file.h"

#include <cstdint>
#include <optional>
#include <string>
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
  for (std::size_t i = 0; i < words.size(); ++i)
    words[i] = core::ScratchFile::pattern_word(512 + i);
  EXPECT_EQ(sum_words(words.data(), words.size() * 8),
            core::ScratchFile::pattern_sum(512 * 8, words.size() * 8));
}

// The cold decision from what the eviction probe saw, with the residency injected.
TEST(ColdReason, MemoryBackedFilesystemsCannotEvictWhateverTheProbe) {
  const std::string why = cold_reason_from({"tmpfs", true}, 0.0, kMiB);
  EXPECT_NE(why.find("tmpfs"), std::string::npos) << why;
  EXPECT_NE(why.find("no disk"), std::string::npos) << why;
  EXPECT_FALSE(cold_reason_from({"ramfs", true}, std::nullopt, kMiB).empty());
}

TEST(ColdReason, AnEmptiedSampleMeansColdReadsAreCold) {
  EXPECT_EQ(cold_reason_from({"ext4", false}, 0.0, kMiB), "");
  EXPECT_EQ(cold_reason_from({"xfs", false}, 0.10, kMiB), "");  // the same bar as prepare's
}

TEST(ColdReason, AResidentSampleSaysWhatWasSeenAndWhere) {
  const std::string why = cold_reason_from({"overlayfs", false}, 1.0, kMiB);
  EXPECT_NE(why.find("POSIX_FADV_DONTNEED"), std::string::npos) << why;
  EXPECT_NE(why.find("100.0%"), std::string::npos) << why;
  EXPECT_NE(why.find("1 MiB"), std::string::npos) << why;
  EXPECT_NE(why.find("overlayfs"), std::string::npos) << why;
  // Just over the bar: mostly evicted is not evicted.
  EXPECT_NE(cold_reason_from({"fuseblk", false}, 0.11, kMiB), "");
}

TEST(ColdReason, AnUnknownResidencyIsNotTakenAsEvicted) {
  const std::string why = cold_reason_from({"9p", false}, std::nullopt, kMiB);
  EXPECT_NE(why.find("mincore"), std::string::npos) << why;
  EXPECT_NE(why.find("9p"), std::string::npos) << why;
}

class SharedFile : public IoLabTest {};

TEST_F(SharedFile, WrittenOnceAndSharedUntilTheLabIsDone) {
  const IoFile& a = shared_file(ctx_);
  const IoFile& b = shared_file(ctx_);
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.size(), kTestFileBytes);
  EXPECT_EQ(a.checksum, core::ScratchFile::pattern_sum(0, kTestFileBytes));
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

// The other side of the fact: where the probe saw the cache keep the file, evicting the whole
// file keeps it too, and prepare says so.
TEST_F(SharedFile, WhereTheProbeSawNoEvictionColdPrepareWarns) {
  const IoFile& f = shared_file(ctx_);
  if (cold_unavailable_reason(f).empty())
    GTEST_SKIP() << "POSIX_FADV_DONTNEED empties the page cache on " << f.fs.name;
  core::Result r;
  const CacheSnapshot cold = prepare(f, Cache::cold, r);
  if (cold.resident) {
    EXPECT_GT(*cold.resident, 0.10);
  }
  EXPECT_FALSE(r.warnings.empty());
}

}  // namespace
}  // namespace illusion::labs::mmap_vs_read
