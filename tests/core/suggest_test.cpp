// "Did you mean": the nearest name within a typo's reach, and no guess beyond it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/suggest.h"

using illusion::core::closest;
using illusion::core::did_you_mean;
using illusion::core::edit_distance;

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("run", "run"), 0u);
  EXPECT_EQ(edit_distance("rn", "run"), 1u);
  EXPECT_EQ(edit_distance("getpid", "getppid"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Closest, PicksTheNearestWithinATypo) {
  const std::vector<std::string> ids = {"syscalls.getppid_glibc", "syscalls.getppid_raw", "vm"};
  EXPECT_EQ(closest("syscalls.getpid_raw", ids), "syscalls.getppid_raw");
  EXPECT_EQ(closest("vn", ids), "vm");
  EXPECT_EQ(closest("xx", ids), "");  // two edits in two letters is not a typo
  EXPECT_EQ(closest("vm", ids), "");  // an exact name is not a mistake to correct
  EXPECT_EQ(closest(std::string(100000, 'x'), ids), "");
}

TEST(DidYouMean, WordsTheGuessOrNothing) {
  EXPECT_EQ(did_you_mean("--jsn", {"--json", "--md"}), " (did you mean '--json'?)");
  EXPECT_EQ(did_you_mean("--frobnicate", {"--json", "--md"}), "");
}
