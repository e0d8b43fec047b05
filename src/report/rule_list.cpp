// The commentary's rules in print order, each with the experiment ids it reads. A rule is
// handed only the rows it declared, so an id its body names but this list lacks makes it
// silent at once (report_tests' RuleInputs test catches that on saved runs), and an id here
// that no lab defines fails cli_tests' ReportInputs test: a renamed experiment cannot quietly
// delete a sentence.
#include <algorithm>

#include "report/commentary.h"

namespace illusion::report {

const std::vector<RuleSpec>& all_rules() {
  static const std::vector<RuleSpec> kRules = {
      // Lab 3.1, in the order the lab runs.
      {"process_vs_thread",
       {"processes.pthread_create", "processes.fork_exit"},
       rules::process_vs_thread},
      {"fork_grows_with_memory",
       {"processes.fork_vs_size", "processes.vfork_vs_size", "processes.spawn_vs_size",
        "processes.fork_thp_1g"},
       rules::fork_grows_with_memory},
      {"copy_on_write",
       {"processes.cow_write_fault", "processes.first_touch_fault", "processes.cow_read_no_fault"},
       rules::copy_on_write},
      {"memory_per_unit",
       {"processes.spawn_threads_100", "processes.spawn_processes_100"},
       rules::memory_per_unit},
      {"isolation_outcomes",
       {"processes.crash_in_child", "processes.stray_write_thread",
        "processes.stray_write_process"},
       rules::isolation_outcomes},
      // Lab 3.2.
      {"syscall_vs_call",
       {"syscalls.function_call", "syscalls.getppid_raw", "syscalls.getppid_glibc"},
       rules::syscall_vs_call},
      {"vdso_vs_syscall",
       {"syscalls.vdso_clock_gettime", "syscalls.getppid_raw"},
       rules::vdso_vs_syscall},
      {"fast_vs_slow_path",
       {"syscalls.close_ebadf", "syscalls.open_close", "syscalls.stat"},
       rules::fast_vs_slow_path},
      {"syscall_in_loop",
       {"syscalls.loop_every_1", "syscalls.loop_every_1000", "syscalls.loop_pure",
        "syscalls.getppid_raw"},
       rules::syscall_in_loop},
      {"amortisation", {"syscalls.read_4k", "syscalls.read_1m"}, rules::amortisation},
      {"uring_batching",
       {"syscalls.uring_batch_1", "syscalls.uring_batch_64"},
       rules::uring_batching},
      {"frame_budget", {"syscalls.getppid_raw"}, rules::frame_budget},
      // Lab 3.3.
      {"first_touch", {"vm.first_touch"}, rules::first_touch},
      {"prefault", {"vm.lazy_touch", "vm.map_populate", "vm.madv_willneed"}, rules::prefault},
      {"zero_page", {"vm.zero_page"}, rules::zero_page},
      {"huge_pages", {"vm.thp_fault"}, rules::huge_pages},
      {"malloc_and_free",
       {"vm.calloc_vs_memset", "vm.free_returns_memory"},
       rules::malloc_and_free},
      {"major_vs_minor", {"vm.major_fault", "vm.minor_fault_file"}, rules::major_vs_minor},
      {"cache_and_tlb_reach", {"vm.tlb_reach"}, rules::cache_and_tlb_reach},
      {"fault_in_frame", {"vm.frame_loop_faults"}, rules::fault_in_frame},
      {"munmap_stalls_others", {"vm.mmap_churn_stall"}, rules::munmap_stalls_others},
      // Lab 3.4.
      {"page_cache_illusion",
       {"mmap_vs_read.read_1m_warm", "mmap_vs_read.read_1m_cold", "mmap_vs_read.rand_pread_cold",
        "mmap_vs_read.rand_pread_warm"},
       rules::page_cache_illusion},
      {"read_buffer_size",
       {"mmap_vs_read.read_4k_warm", "mmap_vs_read.read_1m_warm", "mmap_vs_read.read_sweep_warm"},
       rules::read_buffer_size},
      {"mmap_streaming",
       {"mmap_vs_read.mmap_warm", "mmap_vs_read.read_64k_warm", "mmap_vs_read.mmap_cold",
        "mmap_vs_read.read_1m_cold"},
       rules::mmap_streaming},
      {"mmap_random_access",
       {"mmap_vs_read.rand_mmap_warm", "mmap_vs_read.rand_pread_warm",
        "mmap_vs_read.rand_mmap_warm_fresh"},
       rules::mmap_random_access},
      {"async_io_depth",
       {"mmap_vs_read.rand_uring_qd1_cold", "mmap_vs_read.rand_uring_qd32_cold"},
       rules::async_io_depth},
      {"read_around",
       {"mmap_vs_read.rand_mmap_cold_readaround", "mmap_vs_read.rand_mmap_cold"},
       rules::read_around},
      {"direct_io", {"mmap_vs_read.direct_1m", "mmap_vs_read.read_1m_cold"}, rules::direct_io},
      {"tlb_shootdown",
       {"mmap_vs_read.munmap_1thread", "mmap_vs_read.munmap_shootdown"},
       rules::tlb_shootdown},
      {"write_durability",
       {"mmap_vs_read.write_buffered", "mmap_vs_read.write_fsync"},
       rules::write_durability},
      // Lab 3.5.
      {"context_switch_cost",
       {"scheduling.futex_same_cpu", "scheduling.pipe_threads_same_cpu",
        "scheduling.pipe_procs_same_cpu", "syscalls.getppid_raw"},
       rules::context_switch_cost},
      {"cross_cpu_wakeup",
       {"scheduling.futex_same_cpu", "scheduling.futex_cross_cpu"},
       rules::cross_cpu_wakeup},
      {"switch_indirect_cost", {"scheduling.switch_indirect_cost"}, rules::switch_indirect_cost},
      {"oversubscription",
       {"scheduling.cpu_bound_cores", "scheduling.cpu_bound_4x"},
       rules::oversubscription},
      {"pinning_tradeoffs",
       {"scheduling.pin_two_on_one_cpu", "scheduling.pin_cache_hungry_free"},
       rules::pinning_tradeoffs},
      {"wakeup_latency",
       {"scheduling.wakeup_idle", "scheduling.wakeup_loaded", "scheduling.wakeup_fifo"},
       rules::wakeup_latency},
      {"frame_loop_policies",
       {"scheduling.frames_free", "scheduling.frames_pinned", "scheduling.frames_batch_idle",
        "scheduling.frames_nice", "scheduling.frames_fifo"},
       rules::frame_loop_policies},
      {"priority_inversion",
       {"scheduling.inversion_plain", "scheduling.inversion_pi"},
       rules::priority_inversion},
      // Across the labs: the conclusions the figures above add up to.
      {"amortised_costs",
       {"processes.pthread_create", "scheduling.futex_same_cpu", "scheduling.futex_cross_cpu",
        "syscalls.read_4k", "syscalls.read_1m", "syscalls.uring_batch_1", "syscalls.uring_batch_64",
        "vm.thp_fault", "vm.first_touch", "vm.map_populate"},
       rules::amortised_costs},
      {"kernel_bypass",
       {"mmap_vs_read.rand_pread_warm", "mmap_vs_read.rand_copy_warm", "syscalls.getppid_raw",
        "mmap_vs_read.rand_pread_cold"},
       rules::kernel_bypass},
      {"hot_path",
       {"vm.major_fault", "mmap_vs_read.rand_pread_cold", "scheduling.futex_cross_cpu",
        "processes.pthread_create", "vm.fresh_64m_first_touch", "vm.first_touch",
        "syscalls.getppid_raw"},
       rules::hot_path},
  };
  return kRules;
}

std::vector<core::Result> rule_inputs(const std::vector<core::Result>& results,
                                      const RuleSpec& spec) {
  std::vector<core::Result> mine;
  for (const core::Result& r : results)
    if (std::find(spec.inputs.begin(), spec.inputs.end(), r.id) != spec.inputs.end())
      mine.push_back(r);
  return mine;
}

std::vector<Insight> commentary(const std::vector<core::Result>& results) {
  std::vector<Insight> out;
  for (const RuleSpec& spec : all_rules())
    if (auto insight = spec.rule(rule_inputs(results, spec))) out.push_back(std::move(*insight));
  return out;
}

}  // namespace illusion::report
