#include "cli/verify_checks.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <system_error>
#include <thread>

#include "cli/verify_parse.h"
#include "core/command.h"
#include "core/fd.h"
#include "core/format.h"
#include "core/host_behaviour.h"
#include "core/resources.h"
#include "core/text_file.h"

namespace illusion::cli::verify {

namespace {

constexpr long kSyscallLoops = 10000;  // getppid and clock_gettime calls
constexpr long kRoundTrips = 10000;    // ping-pong round trips
constexpr long kPages = 8192;          // 32 MiB of fresh 4 KiB pages
constexpr long kPageSize = 4096;
constexpr int kChildAlarmSeconds = 15;  // a stuck child dies on its own
constexpr auto kToolTimeout = std::chrono::seconds(20);

// ---- child modes ---------------------------------------------------------------------------

int child_getppid(long n) {
  for (long i = 0; i < n; ++i) syscall(SYS_getppid);
  return 0;
}

int child_clock_gettime(long n) {
  volatile long sink = 0;
  timespec ts{};
  for (long i = 0; i < n; ++i) {
    clock_gettime(CLOCK_MONOTONIC, &ts);  // glibc -> vDSO, no syscall on a vDSO clocksource
    sink = sink + ts.tv_nsec;
  }
  return 0;
}

bool write_byte(int fd) {
  const char c = 'x';
  return write(fd, &c, 1) == 1;
}
bool read_byte(int fd) {
  char c = 0;
  return read(fd, &c, 1) == 1;
}

// Two threads on one CPU bouncing a byte through a pair of pipes: every round trip blocks
// each thread once, so the CPU switches at least twice.
int child_pingpong(long n) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 3;
  int cpu = -1;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &allowed)) {
      cpu = c;
      break;
    }
  if (cpu < 0) return 3;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0) return 3;  // the new thread inherits it
  core::Pipe ping, pong;
  try {
    ping = core::make_pipe();
    pong = core::make_pipe();
  } catch (const std::system_error&) {
    return 3;
  }
  // The partner answers until the ping pipe closes, so after its last answer it blocks in
  // read once more: each of the n round trips blocks both threads (2 switches at least).
  long answered = 0;
  bool partner_ok = true;
  std::thread partner([&] {
    while (read_byte(ping.read.get())) {
      if (!write_byte(pong.write.get())) {
        partner_ok = false;
        return;
      }
      ++answered;
    }
  });
  bool ok = true;
  for (long i = 0; i < n && ok; ++i)
    ok = write_byte(ping.write.get()) && read_byte(pong.read.get());
  ping.write.reset();  // end of file for the partner's read
  partner.join();
  partner_ok = partner_ok && answered == n;
  return ok && partner_ok ? 0 : 3;
}

int child_pages(long n) {
  if (n == 0) return 0;  // the start-up baseline
  const std::size_t bytes = static_cast<std::size_t>(n) * kPageSize;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 3;
  madvise(p, bytes, MADV_NOHUGEPAGE);  // one fault per 4 KiB page, not per 2 MiB
  auto* bytes_p = static_cast<volatile char*>(p);
  for (long i = 0; i < n; ++i) bytes_p[static_cast<std::size_t>(i) * kPageSize] = 1;
  munmap(p, bytes);
  return 0;
}

// ---- running a tool ------------------------------------------------------------------------

int file_counter = 0;  // names the tools' output files apart

std::string self_path() {
  char buf[4096] = {};
  const ssize_t len = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return len > 0 ? std::string(buf, static_cast<std::size_t>(len)) : std::string();
}

// Runs `argv` (a tool whose command line ends with this binary's `verify`) with kChildEnv set
// to `spec`; see core::run_command.
core::CommandRun run_tool(const std::vector<std::string>& argv, const std::string& spec,
                          core::TempDir& tmp) {
  core::CommandOptions options;
  options.extra_env = {std::string(kChildEnv) + "=" + spec};
  options.timeout = kToolTimeout;
  return core::run_command(argv, tmp, options);
}

// Why a tool run gave no figure, or "" when it ran fine: core::command_failure, with the two
// refusals a user can fix named for what they are.
std::string failure_reason(const std::string& tool, const core::CommandRun& run) {
  if (run.spawn_error == 0 && !run.timed_out && run.exit_code && *run.exit_code != 0) {
    const std::string& e = run.err;
    if (e.find("ptrace") != std::string::npos || e.find("PTRACE") != std::string::npos)
      return "ptrace not permitted: " + core::last_line(e);
    if (e.find("perf_event_paranoid") != std::string::npos ||
        e.find("Access to performance monitoring") != std::string::npos)
      return "perf refused by perf_event_paranoid";
  }
  return core::command_failure(tool, run);
}

// A count from `tool` run over this binary's child mode `spec`.
struct Measured {
  std::optional<long long> value;
  std::string reason;      // when !value
  bool user_only = false;  // perf counted user mode only (it printed the event with ":u")
};

// Runs `argv` (a tool wrapping this binary's child mode `spec`) and reads its count from the
// file the tool wrote to `out`, with `parse`; the file goes as soon as it is read.
template <class Parse>
Measured tool_count(const std::string& tool, const std::vector<std::string>& argv,
                    const std::string& out, const std::string& spec, core::TempDir& tmp,
                    Parse&& parse) {
  const auto run = run_tool(argv, spec, tmp);
  Measured m;
  if (auto why = failure_reason(tool, run); !why.empty()) {
    m.reason = why;
  } else if (const auto p = parse(core::read_text(out).value_or("")); p.ok()) {
    m.value = *p.value;
    m.user_only = user_mode_only(p.modifier);
  } else {
    m.reason = p.error;
  }
  tmp.remove_file(out);
  return m;
}

Measured strace_count(const std::string& self, const std::string& syscall_name,
                      const std::string& spec, core::TempDir& tmp) {
  const std::string out = tmp.register_file("strace-" + syscall_name);
  return tool_count(
      "strace", {"strace", "-f", "-c", "-e", "trace=" + syscall_name, "-o", out, self, "verify"},
      out, spec, tmp, [&](const std::string& text) { return strace_calls(text, syscall_name); });
}

Measured perf_stat_count(const std::string& self, const std::string& event, const std::string& spec,
                         core::TempDir& tmp) {
  const std::string out = tmp.register_file("perf-" + event + "-" + std::to_string(++file_counter));
  return tool_count("perf", {"perf", "stat", "-e", event, "-x,", "-o", out, self, "verify"}, out,
                    spec, tmp, [&](const std::string& text) { return perf_count(text, event); });
}

std::string whole(long long v) {
  return core::format_whole(static_cast<double>(v));
}

void not_checked(CheckResult& r, const std::string& reason) {
  r.verdict = Verdict::not_checked;
  r.note = reason;
}

// "perf counted user mode only (perf_event_paranoid=2)": perf falls back to user-mode counting
// when the setting refuses this user kernel events (perf_event_open(2)), so name the setting.
std::string user_only_reason() {
  const std::string level = core::first_line("/proc/sys/kernel/perf_event_paranoid");
  return "perf counted user mode only (perf_event_paranoid=" +
         (level.empty() ? "unreadable" : level) + ")";
}

// ---- the checks ----------------------------------------------------------------------------

CheckResult check_getppid(const std::string& self, core::TempDir& tmp) {
  CheckResult r;
  r.name = "syscalls: getppid";
  r.assumes = "1 syscall per raw getppid call";
  r.tool = "strace -f -c";
  r.expected = "= " + whole(kSyscallLoops);
  const auto m = strace_count(self, "getppid", "getppid:" + std::to_string(kSyscallLoops), tmp);
  if (!m.value) return not_checked(r, m.reason), r;
  r.figure = m.value;
  r.verdict = *m.value == kSyscallLoops ? Verdict::agree : Verdict::disagree;
  r.note = "a child doing " + whole(kSyscallLoops) + " syscall(SYS_getppid)";
  return r;
}

// What illusion assumes follows the environment's probe (a seccomp child, not strace): none
// where the vDSO serves the clock, one per call where the clocksource has no vDSO mode.
CheckResult check_vdso(const std::string& self, core::TempDir& tmp) {
  CheckResult r;
  r.name = "syscalls: vDSO clock_gettime";
  const core::BehaviourFact user_space = core::probe_clock_in_user_space(
      core::first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource"));
  const bool in_kernel = user_space.value == false;
  r.assumes = in_kernel ? "1 syscall per call: this clocksource has no vDSO mode"
                        : "0 syscalls: clock_gettime stays in user space";
  r.tool = "strace -f -c";
  r.expected = in_kernel ? "= " + whole(kSyscallLoops) : "= 0";
  const auto m =
      strace_count(self, "clock_gettime", "clock_gettime:" + std::to_string(kSyscallLoops), tmp);
  if (!m.value) return not_checked(r, m.reason), r;
  r.figure = m.value;
  r.verdict = *m.value == (in_kernel ? kSyscallLoops : 0) ? Verdict::agree : Verdict::disagree;
  r.note = "a child doing " + whole(kSyscallLoops) + " clock_gettime(CLOCK_MONOTONIC); " +
           core::fact_summary(user_space);
  return r;
}

CheckResult check_context_switches(const std::string& self, core::TempDir& tmp) {
  CheckResult r;
  r.name = "context switches: ping-pong";
  r.assumes = ">= 2 switches per round trip on one CPU";
  r.tool = "perf stat";
  r.expected = ">= " + whole(2 * kRoundTrips);
  const auto m =
      perf_stat_count(self, "context-switches", "pingpong:" + std::to_string(kRoundTrips), tmp);
  if (!m.value) return not_checked(r, m.reason), r;
  // A switch happens in the kernel, so a user-mode-only count is 0 whatever the child did.
  if (m.user_only)
    return not_checked(r, user_only_reason() + "; context switches are kernel events"), r;
  r.figure = m.value;
  r.verdict = *m.value >= 2 * kRoundTrips ? Verdict::agree : Verdict::disagree;
  r.note = whole(kRoundTrips) + " round trips between two threads pinned to one CPU (pipes)";
  return r;
}

CheckResult check_page_faults(const std::string& self, core::TempDir& tmp) {
  CheckResult r;
  r.name = "page faults: fresh pages";
  r.assumes = "1 fault per first write to a 4 KiB page";
  r.tool = "perf stat";
  const long long tolerance = kPages * 3 / 100 + 64;  // 3% plus a small constant
  r.expected = whole(kPages) + " ± " + whole(tolerance);
  const auto base = perf_stat_count(self, "page-faults", "pages:0", tmp);
  if (!base.value) return not_checked(r, base.reason), r;
  const auto m = perf_stat_count(self, "page-faults", "pages:" + std::to_string(kPages), tmp);
  if (!m.value) return not_checked(r, m.reason), r;
  const long long net = *m.value - *base.value;
  r.figure = net;
  r.verdict =
      (net >= kPages - tolerance && net <= kPages + tolerance) ? Verdict::agree : Verdict::disagree;
  r.note = whole(*m.value) + " faults touching " + whole(kPages) +
           " pages (anonymous, MADV_NOHUGEPAGE) minus " + whole(*base.value) +
           " for process start-up (the same child touching 0 pages)";
  // Unlike a context switch, a fault is counted in the mode the faulting instruction ran in:
  // the child's writes fault in user mode and still count; only faults the kernel takes
  // inside system calls (start-up, in both runs) are left out.
  if (base.user_only || m.user_only)
    r.note += "; " + user_only_reason() +
              ": the child's writes fault in user mode and are counted, faults inside system "
              "calls are not";
  return r;
}

}  // namespace

int run_verify_child(const std::string& spec) {
  alarm(kChildAlarmSeconds);
  const auto colon = spec.find(':');
  if (colon == std::string::npos) return 2;
  const std::string mode = spec.substr(0, colon);
  const auto n = detail::parse_whole(spec.substr(colon + 1));
  if (!n || *n > 100'000'000) return 2;
  if (mode == "getppid") return child_getppid(*n);
  if (mode == "clock_gettime") return child_clock_gettime(*n);
  if (mode == "pingpong") return child_pingpong(*n);
  if (mode == "pages") return child_pages(*n);
  return 2;
}

std::vector<CheckResult> run_checks() {
  core::TempDir tmp;
  const std::string self = self_path();
  std::vector<CheckResult> results;
  results.push_back(check_getppid(self, tmp));
  results.push_back(check_vdso(self, tmp));
  results.push_back(check_context_switches(self, tmp));
  results.push_back(check_page_faults(self, tmp));
  return results;
}

}  // namespace illusion::cli::verify
