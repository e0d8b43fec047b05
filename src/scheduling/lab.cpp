#include "scheduling/lab.h"

#include "scheduling/rows.h"

namespace illusion::labs::scheduling {

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "Scheduling & Affinity Lab";
  l.question =
      "What does a context switch cost, and why does \"just run it on another core\" fail?";
  for (auto group :
       {switch_rows, cpu_bound_rows, pinning_rows, wakeup_rows, frame_rows, inversion_rows}) {
    auto rows = group();
    l.experiments.insert(l.experiments.end(), rows.begin(), rows.end());
  }
  return l;
}

}  // namespace illusion::labs::scheduling
