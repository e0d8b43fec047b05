// N threads or N processes alive at once: what creating them costs, and what each one costs in
// memory while it waits. Exposed so tests can drive them past a process limit.
#pragma once

#include <sys/types.h>

#include <vector>

#include "core/experiment.h"
#include "core/result.h"

namespace illusion::labs::processes {

struct SpawnOptions {
  unsigned n = 100;
  // Spawn no more than spawn_headroom() allows, minus a safety margin (the default). Tests turn
  // it off to drive creation into EAGAIN and check that the failure is reported, not thrown.
  bool cap_to_headroom = true;
  // When set, receives the pid of every child created (processes only), for tests that check
  // none is left behind.
  std::vector<pid_t>* pids_out = nullptr;
};

core::Result run_spawn_threads(core::RunContext& ctx, core::Result r, const SpawnOptions& opt);
core::Result run_spawn_processes(core::RunContext& ctx, core::Result r, const SpawnOptions& opt);

}  // namespace illusion::labs::processes
