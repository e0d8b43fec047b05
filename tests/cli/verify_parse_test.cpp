// The parsers behind `illusion verify`: strace -c summaries and perf stat -x, CSV, as the
// tools print them, plus text that is not what they print (an error, never a crash).
#include "cli/verify_parse.h"

#include <gtest/gtest.h>

using illusion::cli::verify::perf_count;
using illusion::cli::verify::strace_calls;
using illusion::cli::verify::user_mode_only;

namespace {

const char* kStraceGetppid =
    "% time     seconds  usecs/call     calls    errors syscall\n"
    "------ ----------- ----------- --------- --------- ----------------\n"
    "100.00    0.004137           0     10000           getppid\n"
    "------ ----------- ----------- --------- --------- ----------------\n"
    "100.00    0.004137           0     10000           total\n";

const char* kStraceSeveral =
    "% time     seconds  usecs/call     calls    errors syscall\n"
    "------ ----------- ----------- --------- --------- ----------------\n"
    " 62.50    0.000050          12         4         2 openat\n"
    " 37.50    0.000030           1        17           clock_gettime\n"
    "------ ----------- ----------- --------- --------- ----------------\n"
    "100.00    0.000080           3        21         2 total\n";

const char* kPerf =
    "# started on Tue Nov 24 09:13:53 2026\n"
    "\n"
    "20002,,context-switches,1203345,100.00,,\n"
    "8361,,page-faults:u,1203345,100.00,,\n";

}  // namespace

TEST(VerifyParse, StraceCallsOfTheNamedRow) {
  auto p = strace_calls(kStraceGetppid, "getppid");
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(*p.value, 10000);
  p = strace_calls(kStraceSeveral, "clock_gettime");
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(*p.value, 17);
  p = strace_calls(kStraceSeveral, "openat");  // a row with an errors figure
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(*p.value, 4);
}

TEST(VerifyParse, StraceNoCallsIsZero) {
  // strace -c writes nothing when no traced call was made.
  auto p = strace_calls("", "clock_gettime");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p.value, 0);
  p = strace_calls("\n  \n", "clock_gettime");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p.value, 0);
  p = strace_calls(kStraceGetppid, "clock_gettime");  // a table without that row
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p.value, 0);
}

TEST(VerifyParse, StraceMalformedIsAnError) {
  EXPECT_FALSE(
      strace_calls("strace: ptrace(PTRACE_TRACEME, ...): Operation not permitted\n", "getppid")
          .ok());
  EXPECT_FALSE(strace_calls("% time seconds syscall\n100.00 0.1 getppid\n", "getppid").ok());
  const auto bad = strace_calls(
      "% time     seconds  usecs/call     calls    errors syscall\n"
      "100.00    0.004137           0     lots           getppid\n",
      "getppid");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.error.find("getppid"), std::string::npos);
  EXPECT_FALSE(strace_calls("% time\ngetppid\n", "getppid").ok());
  EXPECT_FALSE(strace_calls("% time     seconds  usecs/call     calls    errors syscall\n"
                            "getppid\n",
                            "getppid")
                   .ok());
}

TEST(VerifyParse, PerfCountsByEventWithOrWithoutModifier) {
  auto p = perf_count(kPerf, "context-switches");
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(*p.value, 20002);
  p = perf_count(kPerf, "page-faults");  // printed as page-faults:u
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(*p.value, 8361);
}

// What perf stat prints for a user without CAP_PERFMON under perf_event_paranoid=2: refused
// kernel counting, it retries in user mode and says so with ":u" on every event.
TEST(VerifyParse, PerfUserModeFallbackIsReported) {
  const char* fallback =
      "# started on Tue Nov 24 09:13:53 2026\n"
      "\n"
      "0,,context-switches:u,1203345,100.00,,\n"
      "8361,,page-faults:u,1203345,100.00,,\n";
  auto p = perf_count(fallback, "context-switches");
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(*p.value, 0);
  EXPECT_EQ(p.modifier, "u");
  EXPECT_TRUE(user_mode_only(p.modifier));
  p = perf_count(kPerf, "context-switches");  // counted in both modes
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.modifier, "");
  EXPECT_FALSE(user_mode_only(p.modifier));
  p = perf_count("20002,,context-switches:uk,1203345,100.00,,\n", "context-switches");
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_FALSE(user_mode_only(p.modifier));
  EXPECT_TRUE(user_mode_only("upp"));  // precision letters do not add kernel mode
  EXPECT_FALSE(user_mode_only("k"));
  EXPECT_FALSE(user_mode_only("H"));
}

TEST(VerifyParse, PerfMissingOrUncountedIsAnError) {
  EXPECT_FALSE(perf_count(kPerf, "cpu-migrations").ok());
  EXPECT_FALSE(perf_count(kPerf, "context").ok());  // a prefix is not the event
  const auto ns = perf_count("<not supported>,,page-faults,0,100.00,,\n", "page-faults");
  ASSERT_FALSE(ns.ok());
  EXPECT_NE(ns.error.find("not supported"), std::string::npos);
  EXPECT_FALSE(perf_count("<not counted>,,page-faults,0,0.00,,\n", "page-faults").ok());
}

TEST(VerifyParse, PerfMalformedIsAnError) {
  EXPECT_FALSE(perf_count("", "page-faults").ok());
  EXPECT_FALSE(perf_count("Error:\nAccess to performance monitoring and observability "
                          "operations is limited.\n",
                          "page-faults")
                   .ok());
  EXPECT_FALSE(perf_count("12.5,msec,page-faults,1,100.00,,\n", "page-faults").ok());
  EXPECT_FALSE(perf_count(",,page-faults\n", "page-faults").ok());
  EXPECT_FALSE(perf_count("99999999999999999999999,,page-faults,1,100,,\n", "page-faults").ok());
  EXPECT_FALSE(perf_count(",,,,,,,\n,\n", "page-faults").ok());
}
