// The parent's shape recorded by the rows that fork (parent_shape.h) and the creator's pin
// (creator_pin.h): parsing tested on fake /proc text, the rows' params and the restored CPU
// mask on the real thing. No timing is asserted.
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "support/lab_fixture.h"

#include "core/affinity.h"
#include "core/experiment.h"
#include "processes/creator_pin.h"
#include "processes/lab.h"
#include "processes/parent_shape.h"

using namespace illusion;
using core::Result;
using labs::processes::count_map_lines;
using labs::processes::ParentShape;
using labs::processes::parse_parent_shape;
using labs::processes::status_kb_field_bytes;
using labs::processes::status_number_field;

namespace {

// The fields of a real /proc/self/status around those read (proc(5)); VmPTE is listed after
// VmRSS's relatives, and a longer name sharing a prefix ("VmRSSx") must not match.
constexpr const char* kStatus =
    "Name:\tillusion\n"
    "Umask:\t0022\n"
    "State:\tR (running)\n"
    "VmPeak:\t  123456 kB\n"
    "VmRSSx:\t 1 kB\n"
    "VmRSS:\t    7412 kB\n"
    "RssAnon:\t     836 kB\n"
    "VmPTE:\t      68 kB\n"
    "Threads:\t2\n"
    "SigQ:\t0/95541\n";

constexpr const char* kMaps =
    "55d0c0a00000-55d0c0a2c000 r--p 00000000 fe:01 1234   /usr/bin/illusion\n"
    "7ffd3c7e1000-7ffd3c802000 rw-p 00000000 00:00 0      [stack]\n"
    "7ffd3c9e5000-7ffd3c9e9000 r--p 00000000 00:00 0      [vvar]\n";

std::optional<double> number_param(const Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name) {
      if (const auto* d = std::get_if<double>(&p.value)) return *d;
      return std::nullopt;
    }
  return std::nullopt;
}

std::string text_param(const Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name)
      if (const auto* s = std::get_if<std::string>(&p.value)) return *s;
  return "";
}

bool has_param(const Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name) return true;
  return false;
}

bool warned_about(const Result& r, const std::string& name) {
  for (const std::string& w : r.warnings)
    if (w.find(name) != std::string::npos) return true;
  return false;
}

std::string mask_of_this_thread() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (pthread_getaffinity_np(pthread_self(), sizeof set, &set) != 0) return "unreadable";
  std::string out;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) out += std::to_string(c) + ",";
  return out;
}

}  // namespace

TEST(ParentShapeParse, StatusFieldsInBytesAndCounts) {
  EXPECT_EQ(status_kb_field_bytes(kStatus, "VmRSS"), 7412u * 1024);
  EXPECT_EQ(status_kb_field_bytes(kStatus, "VmPTE"), 68u * 1024);
  EXPECT_EQ(status_number_field(kStatus, "Threads"), 2u);
  // Absent, or present without a number: unknown, never 0.
  EXPECT_EQ(status_kb_field_bytes(kStatus, "VmSwap"), std::nullopt);
  EXPECT_EQ(status_kb_field_bytes("VmRSS:\t  n/a kB\n", "VmRSS"), std::nullopt);
  EXPECT_EQ(status_kb_field_bytes("VmRSS:", "VmRSS"), std::nullopt);
  EXPECT_EQ(status_kb_field_bytes("", "VmRSS"), std::nullopt);
  // The last line needs no newline.
  EXPECT_EQ(status_kb_field_bytes("Name:\tx\nVmPTE:\t12 kB", "VmPTE"), 12u * 1024);
}

TEST(ParentShapeParse, MapsLinesAreMappings) {
  EXPECT_EQ(count_map_lines(kMaps), 3u);
  EXPECT_EQ(count_map_lines(std::string(kMaps) + "7f00-7f01 rw-p 0 00:00 0"), 4u);
  EXPECT_EQ(count_map_lines(""), 0u);
  EXPECT_EQ(count_map_lines("\n\n"), 0u);
}

TEST(ParentShapeParse, UnreadableTextsLeaveFieldsUnknown) {
  const ParentShape both = parse_parent_shape(std::string(kStatus), std::string(kMaps));
  EXPECT_EQ(both.rss_bytes, 7412u * 1024);
  EXPECT_EQ(both.page_table_bytes, 68u * 1024);
  EXPECT_EQ(both.threads, 2u);
  EXPECT_EQ(both.mappings, 3u);

  const ParentShape none = parse_parent_shape(std::nullopt, std::nullopt);
  EXPECT_FALSE(none.rss_bytes || none.page_table_bytes || none.threads || none.mappings);
  // An empty maps file is no reading: a live process always has mappings.
  EXPECT_FALSE(parse_parent_shape(std::string(kStatus), std::string()).mappings);
}

TEST(ParentShapeRecord, MissingValuesAreWarnedNotZero) {
  Result r;
  ParentShape s;
  s.rss_bytes = 4096;
  s.mappings = 9;
  labs::processes::record_parent_shape(r, s);
  EXPECT_EQ(number_param(r, "parent_rss_bytes"), 4096.0);
  EXPECT_EQ(number_param(r, "parent_mappings"), 9.0);
  EXPECT_FALSE(has_param(r, "parent_page_table_bytes"));
  EXPECT_FALSE(has_param(r, "parent_threads"));
  EXPECT_TRUE(warned_about(r, "parent_page_table_bytes"));
  EXPECT_TRUE(warned_about(r, "parent_threads"));
  EXPECT_FALSE(warned_about(r, "parent_rss_bytes"));
}

TEST(ParentShapeRead, ThisProcessHasMemoryAndMappings) {
  const ParentShape s = labs::processes::read_parent_shape();
  ASSERT_TRUE(s.rss_bytes && s.mappings && s.page_table_bytes && s.threads);
  EXPECT_GT(*s.rss_bytes, 0u);
  EXPECT_GT(*s.mappings, 3u);  // at least the executable, libc, the stack
  EXPECT_GT(*s.page_table_bytes, 0u);
  EXPECT_GE(*s.threads, 1u);
}

TEST(CreatorPin, PinsToOneCpuAndRestoresTheMask) {
  if (core::allowed_cpus().size() < 2) GTEST_SKIP() << "one CPU allowed: nothing to pin";
  const std::string before = mask_of_this_thread();
  core::RunContext ctx;
  Result r;
  {
    const labs::processes::CreatorPin pin(ctx);
    EXPECT_EQ(core::allowed_cpus().size(), 1u);
    const int cpu = sched_getcpu();
    EXPECT_EQ(mask_of_this_thread(), std::to_string(cpu) + ",");
    pin.record(r);
  }
  EXPECT_EQ(mask_of_this_thread(), before);
  EXPECT_NE(text_param(r, "placement").find("pinned"), std::string::npos)
      << text_param(r, "placement");
}

TEST(CreatorPin, LeavesAPinnedRunAlone) {
  const std::string before = mask_of_this_thread();
  core::RunContext ctx;
  ctx.pin_cpu = sched_getcpu();  // said to be applied already; the pin must not touch the mask
  Result r;
  {
    const labs::processes::CreatorPin pin(ctx);
    EXPECT_EQ(mask_of_this_thread(), before);
    pin.record(r);
  }
  EXPECT_EQ(mask_of_this_thread(), before);
  EXPECT_NE(text_param(r, "placement").find("--pin"), std::string::npos)
      << text_param(r, "placement");
}

namespace {

class ForkingRows : public illusion::testing::LabTest {
 protected:
  ForkingRows() : LabTest(labs::processes::lab(), {.children = ChildCheck::before_and_after}) {}
};

}  // namespace

TEST_F(ForkingRows, RecordTheParentAndRestoreTheMask) {
  const std::string before = mask_of_this_thread();
  for (const char* id : {"processes.fork_exit", "processes.vfork_exit",
                         "processes.posix_spawn_true", "processes.fork_exec_true"}) {
    const Result& r = run(id);
    if (r.status == core::Status::skipped) continue;  // no /bin/true: creation_test checks why
    expect_ok(r);
    const auto rss = number_param(r, "parent_rss_bytes");
    const auto maps = number_param(r, "parent_mappings");
    const auto pte = number_param(r, "parent_page_table_bytes");
    const auto threads = number_param(r, "parent_threads");
    ASSERT_TRUE(rss && maps && pte && threads) << id << " lacks a parent_* param";
    EXPECT_GT(*rss, 0) << id;
    EXPECT_GT(*maps, 3) << id;
    EXPECT_GT(*pte, 0) << id;
    EXPECT_GE(*threads, 1) << id;
    EXPECT_FALSE(text_param(r, "placement").empty()) << id;
    // The row pinned its thread for the measurement only.
    EXPECT_EQ(mask_of_this_thread(), before) << id;
  }
  // Rows that make no process from the parent's memory say nothing about it.
  const Result& thread = run("processes.pthread_create");
  expect_ok(thread);
  EXPECT_FALSE(has_param(thread, "parent_rss_bytes"));
  EXPECT_EQ(mask_of_this_thread(), before);
}
