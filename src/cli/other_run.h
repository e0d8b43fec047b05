// What a measuring command says about another illusion run measuring on the same machine
// (core/run_lock.h): `run`, `budget` (when it measures) and `verify --peers` take the lock.
#pragma once

#include "core/run_lock.h"

namespace illusion::cli {

// When `lock` is held by another run: with `wait`, prints one progress line and blocks until it
// ends; otherwise prints one warning (naming --wait-for-other-run when the command has it,
// `offer_wait`) and leaves this run's pid for the holder to find. Nothing when the lock is ours.
void meet_other_run(core::RunLock& lock, bool wait, bool offer_wait);

}  // namespace illusion::cli
