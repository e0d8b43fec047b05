#include "vm/lab.h"

#include "vm/rows.h"

namespace illusion::labs::vm {

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "Virtual Memory & Page Fault Lab";
  l.question = "Why is first access slow, and why can a single page fault stall every thread?";
  for (auto group : {fault_rows, alloc_rows, reach_rows, stall_rows}) {
    auto rows = group();
    l.experiments.insert(l.experiments.end(), rows.begin(), rows.end());
  }
  return l;
}

}  // namespace illusion::labs::vm
