// The run functions behind the lab's table, one group per file:
//   calls.cpp        function call, vDSO clock_gettime, getppid (glibc and raw)
//   simple_io.cpp    read /dev/zero, write /dev/null, close(-1), stat, open+close
//   sched_calls.cpp  sched_yield, FUTEX_WAKE with no waiters
//   tight_loop.cpp   a compute loop with a syscall every k iterations (direct + indirect cost)
//   amortise.cpp     one pass over a warm file with read() 4 KiB / 1 MiB and preadv
//   uring.cpp        the same pass with io_uring, N reads per io_uring_enter
// Each takes the run's context and a Result pre-filled with the experiment's identity.
#pragma once

#include <cstdint>

#include "core/experiment.h"
#include "core/result.h"

namespace illusion::labs::syscalls {

// Values of the "category" param, which the report's syscall budget reads.
inline constexpr const char* kCategoryCall = "call";
inline constexpr const char* kCategorySyscall = "syscall";
inline constexpr const char* kCategoryLoop = "loop";
inline constexpr const char* kCategoryAmortisation = "amortisation";

core::Result run_function_call(core::RunContext& ctx, core::Result r);
core::Result run_vdso_clock_gettime(core::RunContext& ctx, core::Result r);
core::Result run_getppid_glibc(core::RunContext& ctx, core::Result r);
core::Result run_getppid_raw(core::RunContext& ctx, core::Result r);

core::Result run_read_dev_zero(core::RunContext& ctx, core::Result r);
core::Result run_write_dev_null(core::RunContext& ctx, core::Result r);
core::Result run_close_ebadf(core::RunContext& ctx, core::Result r);
core::Result run_stat(core::RunContext& ctx, core::Result r);
core::Result run_open_close(core::RunContext& ctx, core::Result r);

core::Result run_sched_yield(core::RunContext& ctx, core::Result r);
core::Result run_futex_wake(core::RunContext& ctx, core::Result r);

// k = 0: the pure loop; otherwise one raw getppid every k iterations.
core::Result run_tight_loop(core::RunContext& ctx, core::Result r, std::uint64_t k);

core::Result run_read_4k(core::RunContext& ctx, core::Result r);
core::Result run_read_1m(core::RunContext& ctx, core::Result r);
core::Result run_preadv(core::RunContext& ctx, core::Result r);

core::Result run_uring_batch(core::RunContext& ctx, core::Result r, unsigned sqes_per_submit);

}  // namespace illusion::labs::syscalls
