// Pinning that helps and pinning that hurts: the group's table. A cache-hungry walker beside a
// busy competitor, free then pinned (pinning_cache.cpp); two busy threads pinned to one CPU
// while another idles (pinning_two_on_one.cpp). Only threads these rows create are pinned.
#include "scheduling/pinning.h"
#include "scheduling/rows.h"

namespace illusion::labs::scheduling {
namespace {

constexpr core::DurationHint kWalkHint{0.25, 1.05, 3.1};
constexpr core::DurationHint kTwoOnOneHint{0.35, 1.65, 4.1};

}  // namespace

std::vector<core::Experiment> pinning_rows() {
  return {
      experiment("pin_cache_hungry_free", "cache walker, free",
                 "A task walking an L2-sized working set beside a busy thread, free to move: "
                 "what each migration (the cache left behind) costs a walk.",
                 "ns/walk", kWalkHint,
                 [](core::RunContext& ctx, core::Result r) {
                   return run_cache_hungry(ctx, std::move(r), false);
                 }),
      experiment("pin_cache_hungry_pinned", "cache walker, pinned",
                 "The same walker pinned to one CPU and the busy thread to another: no "
                 "migrations, so whatever pinning buys a cache-hungry task shows here.",
                 "ns/walk", kWalkHint,
                 [](core::RunContext& ctx, core::Result r) {
                   return run_cache_hungry(ctx, std::move(r), true);
                 }),
      experiment("pin_two_on_one_cpu", "2 threads pinned to 1 CPU",
                 "Two busy threads pinned to the same CPU while another idles: half the "
                 "throughput, and each waits a slice for the other.",
                 "ns/wait", kTwoOnOneHint, run_two_on_one),
  };
}

}  // namespace illusion::labs::scheduling
