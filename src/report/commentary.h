// Commentary: sentences computed from this run's numbers.
//
// Each rule is a pure function of the results: it looks up the experiments it needs by id
// (core::find_result, which only returns ok results), computes a ratio or a budget, and writes
// one sentence quoting the measured values, with the same values as numbers in
// Insight::values for scripts. A rule whose inputs are missing, failed or unusable (a zero or
// negative cost) stays silent rather than guessing. Environment caveats (VM, mitigations) are
// not commentary: the env report prints them.
//
// Silence on a missing input is also how a renamed experiment would go unnoticed, so every
// rule declares the ids it reads (RuleSpec, listed in rule_list.cpp) and is handed only those
// rows; tests check the declarations against the lab tables and against saved runs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "report/run_record.h"

namespace illusion::report {

using Rule = std::optional<Insight> (*)(const std::vector<core::Result>&);

namespace rules {

// syscalls.getppid_raw p50 / syscalls.function_call p50: "a syscall costs N function calls"
// only beyond 10% and the rows' noise ("within noise" or turned around otherwise); mitigations
// as a possibility, since a rule cannot see the environment.
std::optional<Insight> syscall_vs_call(const std::vector<core::Result>& results);
// syscalls.vdso_clock_gettime against syscalls.getppid_raw, checked with the "syscalls"
// counter when it was available (a vDSO call can silently fall back to a syscall); "cheaper"
// only beyond noise, "stays in user space" as fact only when counted.
std::optional<Insight> vdso_vs_syscall(const std::vector<core::Result>& results);
// syscalls.close_ebadf (entry and exit only) against syscalls.open_close (path lookup, fd);
// the extra work named only when open+close is clearly dearer.
std::optional<Insight> fast_vs_slow_path(const std::vector<core::Result>& results);
// syscalls.loop_every_1 against loop_every_1000 (slowdown_vs_pure; "slower" only beyond the
// rows' noise), and the indirect share only when it clears the row's noise bound.
std::optional<Insight> syscall_in_loop(const std::vector<core::Result>& results);
// syscalls.read_4k against syscalls.read_1m, per KiB and in syscalls per MiB; "cheaper" only
// beyond noise, its cause as fact only when the syscalls per MiB were given.
std::optional<Insight> amortisation(const std::vector<core::Result>& results);
// syscalls.uring_batch_64 against syscalls.uring_batch_1 (worded like amortisation).
std::optional<Insight> uring_batching(const std::vector<core::Result>& results);
// How many getppid syscalls fit in 1% of a 90 Hz frame (budget.h): at the median, and at a
// single call's p99 (lookup::p99_of) only when the row has one (never a batch mean's).
std::optional<Insight> frame_budget(const std::vector<core::Result>& results);

// Lab 3.1 (commentary_processes.cpp).
// processes.fork_exit against processes.pthread_create (a direction only beyond noise, the
// address space as the likely cause), and the creation rate each allows.
std::optional<Insight> process_vs_thread(const std::vector<core::Result>& results);
// The fork slope per GiB of parent memory against vfork's and posix_spawn's, each "grows" or
// "flat" by its growth across the sizes measured against noise and 10% of the smallest cost,
// and THP's effect worded by the speedup and the measured huge fraction.
std::optional<Insight> fork_grows_with_memory(const std::vector<core::Result>& results);
// A copy-on-write fault against a first-touch fault; reads take none. Worded by the counted
// faults per page.
std::optional<Insight> copy_on_write(const std::vector<core::Result>& results);
// Resident memory per thread against PSS per process, with 100 alive; "little memory" only
// when the children's PSS is well below their RSS (pages shared).
std::optional<Insight> memory_per_unit(const std::vector<core::Result>& results);
// Crashes contained by processes, stray writes shared by threads: when processes are worth it
// (the advice only when the run showed both).
std::optional<Insight> isolation_outcomes(const std::vector<core::Result>& results);

// Lab 3.3 (commentary_vm_faults.cpp: first_touch to huge_pages; commentary_vm_memory.cpp:
// malloc_and_free to cache_and_tlb_reach; commentary_vm_stalls.cpp: the last two).
// vm.first_touch against its second pass, and what 1% of a 90 Hz frame can fault in; "faster"
// only beyond 10%, the fault's work named only when a fault per page was counted.
std::optional<Insight> first_touch(const std::vector<core::Result>& results);
// MAP_POPULATE moves the cost to map time (cheaper or dearer in all only beyond 10%);
// MADV_WILLNEED's prefaulting as its counted faults show.
std::optional<Insight> prefault(const std::vector<core::Result>& results);
// Reads map the zero page (a fault, no memory); the write faults again. Worded by the measured
// RSS growth and counted faults per page.
std::optional<Insight> zero_page(const std::vector<core::Result>& results);
// THP: fewer faults and speed cold and reused, worded by the measured huge fraction (nothing
// said about huge pages when almost none were granted).
std::optional<Insight> huge_pages(const std::vector<core::Result>& results);
// calloc against malloc+memset in resident memory and time; what free() gives back, as
// measured (a large block's munmap only when its return was).
std::optional<Insight> malloc_and_free(const std::vector<core::Result>& results);
// A major fault against a minor fault on the same file (only when major faults were counted),
// and fault-around.
std::optional<Insight> major_vs_minor(const std::vector<core::Result>& results);
// The pointer chase: L1 against the largest working set, and huge pages' effect, worded by the
// huge-page run's measured huge fraction.
std::optional<Insight> cache_and_tlb_reach(const std::vector<core::Result>& results);
// Faults injected into a 90 Hz frame loop: worst frames and missed deadlines ("raised" only
// beyond 10%; silent with no fault per frame).
std::optional<Insight> fault_in_frame(const std::vector<core::Result>& results);
// mmap/munmap churn in one thread against the latency of threads touching memory: a stall only
// when slow batches or the p99.9 rose; the TLB flush as fact only with IPIs counted.
std::optional<Insight> munmap_stalls_others(const std::vector<core::Result>& results);

// Lab 3.4 (commentary_io_page_cache.cpp: page_cache_illusion, read_buffer_size,
// write_durability, direct_io; commentary_io_mapping.cpp: mmap_streaming, tlb_shootdown;
// commentary_io_random.cpp: mmap_random_access, async_io_depth, read_around).
// read_1m warm against cold, and random 4 KiB reads warm against cold; a direction (and "the
// gap is wider") only beyond 10% and the rows' noise.
std::optional<Insight> page_cache_illusion(const std::vector<core::Result>& results);
// read() of 4 KiB against 1 MiB from the cache, the sweep's best buffer size, and its plateau
// when the sweep shows one.
std::optional<Insight> read_buffer_size(const std::vector<core::Result>& results);
// Scanning a mapping against read() of 64 KiB, warm and cold (the winner only beyond 10%), and
// the faults counted per 64 KiB.
std::optional<Insight> mmap_streaming(const std::vector<core::Result>& results);
// Random 4 KiB reads through a populated mapping against pread() ("where mmap wins" only when
// pread is clearly slower), and on a fresh mapping.
std::optional<Insight> mmap_random_access(const std::vector<core::Result>& results);
// io_uring at queue depth 32 against 1 on cold random reads, in IOPS (a gain only beyond 10%).
std::optional<Insight> async_io_depth(const std::vector<core::Result>& results);
// Pages read per random major fault without MADV_RANDOM, and whether later touches were cheaper.
std::optional<Insight> read_around(const std::vector<core::Result>& results);
// munmap with another thread running in the same mm against a single-threaded munmap; IPIs as
// the cause only when /proc/interrupts counted them, as the likely one otherwise.
std::optional<Insight> tlb_shootdown(const std::vector<core::Result>& results);
// A buffered write against write+fsync (the flush's cost only beyond noise), and the deferred
// final fsync.
std::optional<Insight> write_durability(const std::vector<core::Result>& results);
// O_DIRECT against buffered cold reads, and what the direct reads left cached (measured).
std::optional<Insight> direct_io(const std::vector<core::Result>& results);

// Lab 3.5 (commentary_scheduling_switches.cpp: the first three;
// commentary_scheduling_placement.cpp: oversubscription, pinning_tradeoffs;
// commentary_scheduling_latency.cpp: the last three).
// Per-switch cost on one CPU (futex, pipe, processes) against a bare syscall; the address
// space named (as the likely cause) only when the process switch is clearly dearer.
std::optional<Insight> context_switch_cost(const std::vector<core::Result>& results);
// A hand-off to another CPU against one on the same CPU: "slower" only beyond noise, the idle
// CPU and its IPI as the likely cause (the rows count neither).
std::optional<Insight> cross_cpu_wakeup(const std::vector<core::Result>& results);
// Re-reading a working set after a switch against without one, against the row's noise_ns;
// "the switch itself is the small part" only when the extra clears it and the direct switch.
std::optional<Insight> switch_indirect_cost(const std::vector<core::Result>& results);
// 4x oversubscription against one thread per CPU: throughput, waits, work per CPU-second,
// each judged by 10% ("adds waiting, not work" only when both hold).
std::optional<Insight> oversubscription(const std::vector<core::Result>& results);
// Two threads pinned to one CPU, and the cost of a forced migration (from its two walks; "what
// pinning protects against" only when the first walk is clearly slower).
std::optional<Insight> pinning_tradeoffs(const std::vector<core::Result>& results);
// A periodic sleeper's lateness idle, loaded (single wakes' p99) and as SCHED_FIFO; fair
// scheduling named only when the loaded wakes are clearly later.
std::optional<Insight> wakeup_latency(const std::vector<core::Result>& results);
// A frame loop's missed deadlines beside batch work under each policy; period and work quoted
// as the staging, with the work as measured.
std::optional<Insight> frame_loop_policies(const std::vector<core::Result>& results);
// A high-priority wait with a plain mutex against a priority-inheritance mutex: the measured
// waits, holds and burst, the staged durations only as "configured"; the burst as the cause
// only when the holder's preemptions were counted higher without inheritance.
std::optional<Insight> priority_inversion(const std::vector<core::Result>& results);

// Across the labs (commentary_summary.cpp).
// A random 4 KiB pread from the cache against memcpy of the same page from a mapping: what the
// syscall and page-cache path add (nothing claimed within noise), in CPUs at a million reads a
// second, and against the disk.
std::optional<Insight> kernel_bypass(const std::vector<core::Result>& results);
// The amortisations this run measured beyond 10%: thread pool vs create (the same-CPU and the
// cross-CPU hand-off), read size, io_uring batching, huge pages (when the region really was
// huge), prefaulting. Silent with fewer than two.
std::optional<Insight> amortised_costs(const std::vector<core::Result>& results);
// The tails a 90 Hz frame cannot absorb (single operations' p99 of a major fault, a cold read, a
// cross-CPU wake-up; thread creation; the first touch of a fresh 64 MiB buffer measured whole by
// vm.fresh_64m_first_touch, with vm.first_touch's per-page p50 x pages beside it only when they
// differ, or labelled as an estimate when the fresh row is missing) against a syscall's median.
// Silent when none of them reaches 1% of the frame.
std::optional<Insight> hot_path(const std::vector<core::Result>& results);

}  // namespace rules

// A rule with the experiments it reads, as data.
struct RuleSpec {
  const char* name;                 // the Insight id it writes
  std::vector<std::string> inputs;  // every experiment id its body names, optional ones too
  Rule rule;
};

// Every rule, in the order the insights are printed (rule_list.cpp).
const std::vector<RuleSpec>& all_rules();

// The results a rule is handed: those whose id it declared, in the run's order.
std::vector<core::Result> rule_inputs(const std::vector<core::Result>& results,
                                      const RuleSpec& spec);

// The insights of every rule that had its inputs.
std::vector<Insight> commentary(const std::vector<core::Result>& results);

}  // namespace illusion::report
