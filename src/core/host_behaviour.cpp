#include "core/host_behaviour.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>

#include <cerrno>
#include <cstring>
#include <exception>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/affinity.h"
#include "core/barrier.h"
#include "core/interrupts.h"
#include "core/mapping.h"
#include "core/page_access.h"
#include "core/pagemap.h"
#include "core/spinners.h"

namespace illusion::core {
namespace {

// syslog(2) actions (sys/klog.h declares klogctl but not the action names).
constexpr int kSyslogReadAll = 3;
constexpr int kSyslogSizeBuffer = 10;

}  // namespace

std::string fact_summary(const BehaviourFact& fact) {
  const std::string word = fact.value ? (*fact.value ? "yes" : "no") : "unknown";
  return fact.evidence.empty() ? word : word + " (" + fact.evidence + ")";
}

// ---- the shared zero page ----

BehaviourFact judge_zero_page(const ZeroPageObservation& seen) {
  if (!seen.unreadable.empty()) return {std::nullopt, "not detected: " + seen.unreadable};
  if (seen.pages == 0) return {std::nullopt, "not detected: no page was read"};
  if (seen.present < seen.pages)
    return {std::nullopt, fmt::format("not detected: only {} of the {} pages read were still "
                                      "mapped when pagemap was read",
                                      seen.present, seen.pages)};
  if (seen.exclusive == 0) {
    std::string frames;
    if (seen.distinct_frames)
      frames = fmt::format(", all on {} frame{}", *seen.distinct_frames,
                           *seen.distinct_frames == 1 ? "" : "s");
    return {true, fmt::format("{} pages of fresh anonymous memory, read but never written, were "
                              "all mapped shared, none as a page of this process's own{} "
                              "(pagemap): the kernel's zero page",
                              seen.pages, frames)};
  }
  if (seen.exclusive == seen.pages)
    return {false, fmt::format("{} pages of fresh anonymous memory, read but never written, "
                               "each got a page of this process's own (pagemap): this kernel "
                               "maps no shared zero page on a read fault",
                               seen.pages)};
  return {std::nullopt, fmt::format("not detected: {} of {} pages read got pages of their own, "
                                    "the rest were shared",
                                    seen.exclusive, seen.pages)};
}

ZeroPageObservation observe_zero_page(std::size_t pages) {
  ZeroPageObservation seen;
  const std::size_t page = page_size_bytes();
  std::optional<Mapping> region;
  try {
    region.emplace(pages * page);
  } catch (const std::exception& e) {
    seen.unreadable = e.what();
    return seen;
  }
  // A read of a huge-page-sized region could map the huge zero page instead; either is shared,
  // but 4 KiB pages are what the rows read.
  (void)::madvise(region->data(), pages * page, MADV_NOHUGEPAGE);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < pages; ++i)
    sum +=
        static_cast<unsigned char>(*static_cast<volatile const char*>(region->data() + i * page));
  do_not_optimize(sum);
  PageTable table;
  const auto entries = table.entries(region->data(), pages);
  if (!entries) {
    seen.unreadable = table.reason();
    return seen;
  }
  seen.pages = pages;
  std::set<std::uint64_t> frames;
  bool frames_visible = true;
  for (const PagemapEntry& e : *entries) {
    if (!e.present()) continue;
    ++seen.present;
    if (e.exclusive()) ++seen.exclusive;
    if (const auto pfn = e.pfn())
      frames.insert(*pfn);
    else
      frames_visible = false;
  }
  if (frames_visible && seen.present > 0) seen.distinct_frames = frames.size();
  return seen;
}

BehaviourFact probe_zero_page() {
  return judge_zero_page(observe_zero_page());
}

// ---- remote TLB flushes ----

BehaviourFact judge_tlb_flush_ipis(const TlbFlushObservation& seen) {
  if (seen.allowed_cpus < 2)
    return {std::nullopt, fmt::format("not detected: this process may run on {} CPU, so no "
                                      "other CPU holds its translations",
                                      seen.allowed_cpus)};
  if (!seen.counter_present)
    return {std::nullopt,
            "not detected: /proc/interrupts has no \"TLB:\" line (not x86), so flush IPIs are "
            "not counted here"};
  if (!seen.placement_problem.empty())
    return {std::nullopt, "not detected: " + seen.placement_problem};
  if (seen.munmaps == 0) return {std::nullopt, "not detected: no munmap was made"};
  const double per = static_cast<double>(seen.shootdowns) / static_cast<double>(seen.munmaps);
  const std::string what = fmt::format(
      "{} munmaps, on CPU {}, of a page that a thread on CPU {} had just read raised "
      "/proc/interrupts' TLB shootdowns by {} ({:.2f} per munmap)",
      seen.munmaps, seen.measuring_cpu, seen.spinner_cpu, seen.shootdowns, per);
  // Every munmap must flush the other CPU, which has just read the page. By IPI that is one
  // count per munmap, less those that found the spinner's vCPU preempted by the host (KVM's
  // paravirtual flush skips a preempted vCPU and flushes it when it runs again): a quarter
  // allows most of them to be. Without IPIs the count stays put (nothing else on the machine
  // raises it either): a tenth is far below any host that sends them.
  if (per >= 0.25) return {true, what};
  if (per <= 0.1)
    return {false, what +
                       ": the other CPU's TLB was flushed without an IPI (likely a hypervisor's "
                       "paravirtual flush, or a broadcast flush such as AMD's INVLPGB)"};
  return {std::nullopt, "not detected: " + what + ", between the two cases"};
}

TlbFlushObservation observe_tlb_flushes(std::size_t munmaps) {
  TlbFlushObservation seen;
  const std::vector<int> cpus = allowed_cpus();
  seen.allowed_cpus = cpus.size();
  if (cpus.size() < 2) return seen;
  if (!tlb_shootdowns_total()) {
    seen.counter_present = false;
    return seen;
  }
  seen.measuring_cpu = cpus[0];
  seen.spinner_cpu = cpus[1];
  try {
    Spinners spinner({seen.spinner_cpu});
    for (const std::string& p : spinner.placement_problems()) seen.placement_problem = p;
    if (!seen.placement_problem.empty()) return seen;
    std::string problem;
    // On a thread of its own, so the caller's CPU mask is never touched.
    std::thread measuring([&] {
      problem = pin_this_thread(seen.measuring_cpu);
      if (!problem.empty()) return;
      const std::size_t page = page_size_bytes();
      constexpr std::size_t kWarmup = 4;  // faults this code and the kernel paths in
      std::optional<std::uint64_t> before;
      try {
        for (std::size_t i = 0; i < kWarmup + munmaps; ++i) {
          if (i == kWarmup) before = tlb_shootdowns_total();
          Mapping one(page);
          *static_cast<volatile char*>(one.data()) = 1;
          spinner.touch_pages(one.data(), page, page);
          one.unmap();
        }
      } catch (const std::exception& e) {  // mmap failed: this thread must not throw out
        problem = e.what();
        return;
      }
      const std::optional<std::uint64_t> after = tlb_shootdowns_total();
      if (!before || !after) {
        problem = "/proc/interrupts became unreadable";
        return;
      }
      seen.munmaps = munmaps;
      seen.shootdowns = *after >= *before ? *after - *before : 0;
    });
    measuring.join();
    seen.placement_problem = problem;
  } catch (const std::exception& e) {
    seen.placement_problem = std::string("the probe's threads could not run: ") + e.what();
  }
  return seen;
}

std::string remote_flush_words(std::optional<double> ipis_per_munmap,
                               const BehaviourFact& ipis_fact) {
  const bool none_here = ipis_fact.value == false;
  if (!ipis_per_munmap)
    return none_here ? "without IPIs on this host (found by the environment probe; not counted "
                       "in this row)"
                     : "likely by an IPI to each CPU (not counted on this machine)";
  // "To each" only where (almost) every munmap was counted one.
  if (*ipis_per_munmap >= 0.9)
    return fmt::format("with a TLB shootdown IPI to each CPU ({:.2f} counted per munmap)",
                       *ipis_per_munmap);
  if (none_here)
    return fmt::format(
        "with no counted IPI ({:.2f} per munmap: this host flushes other CPUs "
        "without IPIs, likely through the hypervisor)",
        *ipis_per_munmap);
  return fmt::format("with only {:.2f} shootdown IPIs counted per munmap", *ipis_per_munmap);
}

BehaviourFact probe_tlb_flush_ipis() {
  // A busy host can preempt the spinner's vCPU through many munmaps (each then needs no IPI),
  // but nothing makes IPIs appear where the kernel sends none: an undecided round is repeated,
  // and the round with the most IPIs per munmap decides.
  TlbFlushObservation best = observe_tlb_flushes();
  for (int round = 1; round < 3 && !judge_tlb_flush_ipis(best).value; ++round) {
    const TlbFlushObservation again = observe_tlb_flushes();
    if (!again.placement_problem.empty() || again.munmaps == 0) break;
    if (again.shootdowns * best.munmaps > best.shootdowns * again.munmaps) best = again;
  }
  return judge_tlb_flush_ipis(best);
}

// ---- clock_gettime in user space ----

BehaviourFact judge_clock_in_user_space(std::optional<int> child_code, const std::string& why,
                                        const std::string& clocksource) {
  const std::string source = clocksource.empty() ? "unknown" : clocksource;
  if (child_code == 0)
    return {true, fmt::format("clock_gettime(CLOCK_MONOTONIC) succeeded in a child whose "
                              "clock_gettime syscall was refused by seccomp: the vDSO answered "
                              "in user space (clocksource {})",
                              source)};
  if (child_code == 1)
    return {false, fmt::format("clock_gettime(CLOCK_MONOTONIC) failed in a child whose "
                               "clock_gettime syscall was refused by seccomp: every call enters "
                               "the kernel (clocksource {} has no vDSO mode)",
                               source)};
  return {std::nullopt, "not detected: " + (why.empty() ? std::string("the probe's child ended "
                                                                      "unexpectedly")
                                                        : why)};
}

std::optional<int> observe_clock_syscall(clockid_t clock, std::string& why) {
#if defined(__x86_64__) || defined(__aarch64__)
  const pid_t pid = ::fork();
  if (pid < 0) {
    why = std::string("fork failed: ") + std::strerror(errno);
    return std::nullopt;
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here: the parent may have other threads.
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_gettime, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]),
                              filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
      ::_exit(2);
    struct timespec ts {};
    const int rc = ::clock_gettime(clock, &ts);
    ::_exit(rc == 0 ? 0 : (errno == EPERM ? 1 : 3));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      why = std::string("waitpid failed: ") + std::strerror(errno);
      return std::nullopt;
    }
  if (!WIFEXITED(status)) {
    why = "the probe's child was killed by a signal";
    return std::nullopt;
  }
  const int code = WEXITSTATUS(status);
  if (code == 2) why = "a seccomp filter could not be installed (seccomp unavailable here)";
  if (code == 3) why = "clock_gettime failed with an unexpected error";
  return code <= 1 ? std::optional<int>(code) : std::nullopt;
#else
  why = "the probe knows this architecture's syscall numbers only for x86-64 and arm64";
  return std::nullopt;
#endif
}

BehaviourFact probe_clock_in_user_space(const std::string& clocksource) {
  std::string why;
  const std::optional<int> code = observe_clock_syscall(CLOCK_MONOTONIC, why);
  return judge_clock_in_user_space(code, why, clocksource);
}

// ---- the hypervisor as the kernel names it ----

std::string hypervisor_from_kernel_log(std::string_view log) {
  constexpr std::string_view kMarker = "Hypervisor detected: ";
  const auto at = log.find(kMarker);
  if (at == std::string_view::npos) return "";
  std::string_view rest = log.substr(at + kMarker.size());
  rest = rest.substr(0, rest.find('\n'));
  while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' ')) rest.remove_suffix(1);
  return std::string(rest);
}

KernelHypervisorName kernel_hypervisor_name(const std::optional<std::string>& log,
                                            const std::string& error) {
  if (!log) return {"", "the kernel log is not readable: " + error};
  if (std::string name = hypervisor_from_kernel_log(*log); !name.empty())
    return {name, "kernel log: \"Hypervisor detected: " + name + "\""};
  // The boot banner is the log's first line: when it is still there, so is the detection line.
  if (log->find("Linux version") != std::string::npos)
    return {"",
            "the kernel log names no hypervisor (bare metal, or one the kernel does not "
            "recognise)"};
  return {"", "the kernel log no longer holds the boot messages"};
}

KernelHypervisorName read_kernel_hypervisor_name() {
  const int size = ::klogctl(kSyslogSizeBuffer, nullptr, 0);
  if (size <= 0)
    return kernel_hypervisor_name(std::nullopt, std::string("syslog(2): ") + std::strerror(errno));
  std::string buf(static_cast<std::size_t>(size), '\0');
  const int n = ::klogctl(kSyslogReadAll, buf.data(), size);
  if (n < 0) {
    const int err = errno;
    std::string why = std::string("syslog(2): ") + std::strerror(err);
    if (err == EPERM) why += " (kernel.dmesg_restrict=1 and no CAP_SYSLOG)";
    return kernel_hypervisor_name(std::nullopt, why);
  }
  buf.resize(static_cast<std::size_t>(n));
  return kernel_hypervisor_name(buf, "");
}

}  // namespace illusion::core
