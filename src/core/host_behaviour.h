// Optional kernel behaviours that change what some rows measure, detected on the running
// machine as facts rather than assumed from a kernel version or a hypervisor's name.
//
// Each probe does the thing a row depends on, a few times, and reads the kernel's own account
// of it (pagemap, /proc/interrupts). Each judge is a pure function of what the probe observed,
// so the rules that turn observations into facts are tested with observations from hosts we do
// not have (a paravirtualised guest without a zero page or flush IPIs, one CPU, no counter).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <time.h>

namespace illusion::core {

// A yes/no fact about the running kernel, with what was observed, or why it is unknown.
struct BehaviourFact {
  std::optional<bool> value;  // nullopt: could not be decided (the evidence says why)
  std::string evidence;
};

// "yes (evidence)", "no (evidence)", "unknown (why)": how rows and reports quote a fact.
std::string fact_summary(const BehaviourFact& fact);

// ---- the shared zero page ----
// A read fault on untouched private anonymous memory normally maps the kernel's one shared,
// read-only zero page (mm/memory.c, do_anonymous_page); some kernels do not (a paravirtualised
// guest booted with pvm_no_zero_page=1 allocates a page of its own on the read).

// What pagemap(5) showed for pages that were read, never written.
struct ZeroPageObservation {
  std::size_t pages = 0;      // pages read
  std::size_t present = 0;    // of which mapped after the read
  std::size_t exclusive = 0;  // of which mapped exclusively (a private page of this process)
  std::optional<std::size_t> distinct_frames;  // distinct frame numbers, where visible (root)
  std::string unreadable;  // why pagemap could not be read; "" when it was
};

BehaviourFact judge_zero_page(const ZeroPageObservation& seen);
ZeroPageObservation observe_zero_page(std::size_t pages = 16);  // reads pages, asks pagemap
BehaviourFact probe_zero_page();

// ---- remote TLB flushes ----
// munmap must flush the range from every CPU running this mm. On most x86 hosts it sends each
// one an IPI, which /proc/interrupts counts as "TLB shootdowns"; a paravirtualised guest may ask
// the hypervisor instead, and AMD's INVLPGB broadcasts the flush: neither raises that count.

// What /proc/interrupts showed around munmaps of a page another thread of this process, on
// another CPU, had just read.
struct TlbFlushObservation {
  std::size_t allowed_cpus = 0;
  bool counter_present = true;  // /proc/interrupts has a "TLB:" line
  std::size_t munmaps = 0;
  std::uint64_t shootdowns = 0;  // the line's increase over those munmaps (all CPUs)
  int measuring_cpu = -1, spinner_cpu = -1;
  std::string placement_problem;  // a thread that could not be pinned, in words; "" when placed
};

BehaviourFact judge_tlb_flush_ipis(const TlbFlushObservation& seen);
TlbFlushObservation observe_tlb_flushes(std::size_t munmaps = 32);
BehaviourFact probe_tlb_flush_ipis();

// How munmap flushed the other CPUs running this mm, as a phrase that follows "flushed" in a
// row's meaning ("with a TLB shootdown IPI to each CPU (1.00 counted per munmap)"):
// from the shootdown IPIs it counted per munmap (nullopt: not counted here) and the fact. A
// cause is named as such only when the count shows it; otherwise it is "likely".
std::string remote_flush_words(std::optional<double> ipis_per_munmap,
                               const BehaviourFact& ipis_fact);

// ---- clock_gettime in user space ----
// The vDSO answers clock_gettime(CLOCK_MONOTONIC) without entering the kernel only when the
// clocksource has a vDSO mode (tsc, a stable kvm-clock, Hyper-V's TSC page); with hpet or
// acpi_pm every call is a syscall. A child that refuses itself the clock_gettime syscall
// (seccomp(2), SECCOMP_RET_ERRNO) tells which: the call still succeeds only in user space.

// How the probe's child ended: 0 the call succeeded (user space), 1 it failed with the errno the
// filter returns (a syscall), anything else (or nullopt: no child) the probe could not tell;
// `why` says what went wrong then.
BehaviourFact judge_clock_in_user_space(std::optional<int> child_code, const std::string& why,
                                        const std::string& clocksource);
// Forks a child that makes the clock_gettime syscall fail with EPERM (seccomp), then calls
// clock_gettime(clock): 0 when the call succeeded, 1 when it failed with EPERM; nullopt, with
// `why`, when there was no child, no seccomp, or another outcome.
std::optional<int> observe_clock_syscall(clockid_t clock, std::string& why);
BehaviourFact probe_clock_in_user_space(const std::string& clocksource);

// ---- the hypervisor as the kernel names it ----
// The x86 kernel logs "Hypervisor detected: NAME" at boot (arch/x86/kernel/cpu/hypervisor.c),
// naming the guest interface it chose ("KVM", "PVM", "Microsoft Hyper-V", "Xen HVM"), which a
// CPUID signature alone does not tell apart.

// NAME from the first such line of `log`; "" when there is none.
std::string hypervisor_from_kernel_log(std::string_view log);

struct KernelHypervisorName {
  std::string name;  // "" when unknown
  std::string note;  // why unknown, or where the name was read
};
// Reads the kernel log with syslog(2) (needs CAP_SYSLOG where kernel.dmesg_restrict=1).
KernelHypervisorName read_kernel_hypervisor_name();
// The same decision from a log already read: `log` is nullopt when reading failed with `error`.
KernelHypervisorName kernel_hypervisor_name(const std::optional<std::string>& log,
                                            const std::string& error);

}  // namespace illusion::core
