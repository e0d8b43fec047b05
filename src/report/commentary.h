// Commentary: sentences computed from this run's numbers.
//
// Each rule is a pure function of the results: it looks up the experiments it needs by id
// (core::find_result, which only returns ok results), computes a ratio or a budget, and writes
// one sentence quoting the measured values, with the same values as numbers in
// Insight::values for scripts. A rule whose inputs are missing, failed or unusable (a zero or
// negative cost) stays silent rather than guessing. Environment caveats (VM, mitigations) are
// not commentary: the env report prints them.
#pragma once

#include <optional>
#include <vector>

#include "core/result.h"
#include "report/run_record.h"

namespace illusion::report {

using Rule = std::optional<Insight> (*)(const std::vector<core::Result>&);

namespace rules {

// syscalls.getppid_raw p50 / syscalls.function_call p50: "a syscall costs N function calls".
std::optional<Insight> syscall_vs_call(const std::vector<core::Result>& results);
// syscalls.vdso_clock_gettime against syscalls.getppid_raw, checked with the "syscalls"
// counter when it was available (a vDSO call can silently fall back to a syscall).
std::optional<Insight> vdso_vs_syscall(const std::vector<core::Result>& results);
// syscalls.close_ebadf (entry and exit only) against syscalls.open_close (path lookup, fd).
std::optional<Insight> fast_vs_slow_path(const std::vector<core::Result>& results);
// syscalls.loop_every_1 against loop_every_1000 (slowdown_vs_pure), and the indirect share.
std::optional<Insight> syscall_in_loop(const std::vector<core::Result>& results);
// syscalls.read_4k against syscalls.read_1m, per KiB and in syscalls per MiB.
std::optional<Insight> amortisation(const std::vector<core::Result>& results);
// syscalls.uring_batch_64 against syscalls.uring_batch_1.
std::optional<Insight> uring_batching(const std::vector<core::Result>& results);
// How many getppid syscalls fit in 1% of a 90 Hz frame (budget.h).
std::optional<Insight> frame_budget(const std::vector<core::Result>& results);

// Lab 3.1 (commentary_processes.cpp).
// processes.fork_exit against processes.pthread_create, and the creation rate each allows.
std::optional<Insight> process_vs_thread(const std::vector<core::Result>& results);
// The fork slope per GiB of parent memory against vfork's and posix_spawn's, and THP's effect.
std::optional<Insight> fork_grows_with_memory(const std::vector<core::Result>& results);
// A copy-on-write fault against a first-touch fault; reads take none.
std::optional<Insight> copy_on_write(const std::vector<core::Result>& results);
// Resident memory per thread against PSS per process, with 100 alive.
std::optional<Insight> memory_per_unit(const std::vector<core::Result>& results);
// Crashes contained by processes, stray writes shared by threads: when processes are worth it.
std::optional<Insight> isolation_outcomes(const std::vector<core::Result>& results);

// Lab 3.3 (commentary_vm.cpp).
// vm.first_touch against its second pass, and what 1% of a 90 Hz frame can fault in.
std::optional<Insight> first_touch(const std::vector<core::Result>& results);
// MAP_POPULATE moves the cost to map time; MADV_WILLNEED does nothing for anonymous memory.
std::optional<Insight> prefault(const std::vector<core::Result>& results);
// Reads map the zero page (a fault, no memory); the write faults again.
std::optional<Insight> zero_page(const std::vector<core::Result>& results);
// THP: faults per 2 MiB, the real huge fraction, speed cold and reused.
std::optional<Insight> huge_pages(const std::vector<core::Result>& results);
// calloc against malloc+memset in resident memory and time; what free() gives back.
std::optional<Insight> malloc_and_free(const std::vector<core::Result>& results);
// A major fault against a minor fault on the same file, and fault-around.
std::optional<Insight> major_vs_minor(const std::vector<core::Result>& results);
// The pointer chase: L1 against the largest working set, and huge pages' effect.
std::optional<Insight> cache_and_tlb_reach(const std::vector<core::Result>& results);
// Faults injected into a 90 Hz frame loop: worst frames and missed deadlines.
std::optional<Insight> fault_in_frame(const std::vector<core::Result>& results);
// mmap/munmap churn in one thread against the latency of threads touching memory.
std::optional<Insight> munmap_stalls_others(const std::vector<core::Result>& results);

// Lab 3.4 (commentary_io.cpp).
// read_1m warm against cold, and random 4 KiB reads warm against cold.
std::optional<Insight> page_cache_illusion(const std::vector<core::Result>& results);
// read() of 4 KiB against 1 MiB from the cache, and the sweep's best buffer size.
std::optional<Insight> read_buffer_size(const std::vector<core::Result>& results);
// Scanning a mapping against read() of 64 KiB, warm and cold, and faults per 64 KiB.
std::optional<Insight> mmap_streaming(const std::vector<core::Result>& results);
// Random 4 KiB reads through a populated mapping against pread(), and on a fresh mapping.
std::optional<Insight> mmap_random_access(const std::vector<core::Result>& results);
// io_uring at queue depth 32 against 1 on cold random reads, in IOPS.
std::optional<Insight> async_io_depth(const std::vector<core::Result>& results);
// Pages read per random major fault without MADV_RANDOM.
std::optional<Insight> read_around(const std::vector<core::Result>& results);
// munmap with another thread running in the same mm against a single-threaded munmap.
std::optional<Insight> tlb_shootdown(const std::vector<core::Result>& results);
// A buffered write against write+fsync, and the deferred final fsync.
std::optional<Insight> write_durability(const std::vector<core::Result>& results);
// O_DIRECT against buffered cold reads.
std::optional<Insight> direct_io(const std::vector<core::Result>& results);

// Lab 3.5 (commentary_scheduling.cpp).
// Per-switch cost on one CPU (futex, pipe, processes) against a bare syscall.
std::optional<Insight> context_switch_cost(const std::vector<core::Result>& results);
// A hand-off to another CPU against one on the same CPU.
std::optional<Insight> cross_cpu_wakeup(const std::vector<core::Result>& results);
// Re-reading a working set after a switch against without one.
std::optional<Insight> switch_indirect_cost(const std::vector<core::Result>& results);
// 4x oversubscription against one thread per CPU: throughput, waits, work per CPU-second.
std::optional<Insight> oversubscription(const std::vector<core::Result>& results);
// Two threads pinned to one CPU, and the cost of a forced migration.
std::optional<Insight> pinning_tradeoffs(const std::vector<core::Result>& results);
// A periodic sleeper's lateness idle, loaded and as SCHED_FIFO.
std::optional<Insight> wakeup_latency(const std::vector<core::Result>& results);
// A frame loop's missed deadlines beside batch work under each policy.
std::optional<Insight> frame_loop_policies(const std::vector<core::Result>& results);
// A high-priority wait with a plain mutex against a priority-inheritance mutex.
std::optional<Insight> priority_inversion(const std::vector<core::Result>& results);

// Across the labs (commentary_summary.cpp).
// A random 4 KiB pread from the cache against memcpy of the same page from a mapping: what the
// syscall and page-cache path add, in CPUs at a million reads a second, and against the disk.
std::optional<Insight> kernel_bypass(const std::vector<core::Result>& results);
// The amortisations this run measured: thread pool vs create, read size, io_uring batching,
// huge pages, prefaulting. Silent with fewer than two.
std::optional<Insight> amortised_costs(const std::vector<core::Result>& results);
// The tails a 90 Hz frame cannot absorb (major fault, cold read, cross-CPU wake-up, thread
// creation, first touch of a 64 MiB buffer) against a syscall's median.
std::optional<Insight> hot_path(const std::vector<core::Result>& results);

}  // namespace rules

// Every rule, in the order the insights are printed.
const std::vector<Rule>& all_rules();

// The insights of every rule that had its inputs.
std::vector<Insight> commentary(const std::vector<core::Result>& results);

}  // namespace illusion::report
