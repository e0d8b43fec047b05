#include "processes/lab.h"

#include "processes/rows.h"

namespace illusion::labs::processes {

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "Process vs Thread Reality Lab";
  l.question = "Why does spawning a process feel heavy compared to a thread?";
  for (auto group : {creation_rows, fork_size_rows, cow_rows, spawn_many_rows, isolation_rows}) {
    auto rows = group();
    l.experiments.insert(l.experiments.end(), rows.begin(), rows.end());
  }
  return l;
}

}  // namespace illusion::labs::processes
