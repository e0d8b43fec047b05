#include "processes/spawn_many_support.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/resources.h"
#include "processes/child.h"

namespace illusion::labs::processes {

Gate::Gate()
    : ready_(core::make_pipe("pipe2 (ready)")), release_(core::make_pipe("pipe2 (release)")) {}

std::size_t Gate::wait_ready(std::size_t n, int timeout_ms) {
  char buf[4096];
  while (ready_seen_ < n) {
    pollfd p{ready_.read.get(), POLLIN, 0};
    const int rc = core::retry_eintr([&] { return ::poll(&p, 1, timeout_ms); });
    if (rc <= 0) break;  // no unit announced itself for timeout_ms: give up waiting
    const std::size_t want = std::min(sizeof buf, n - ready_seen_);
    const ssize_t got = core::retry_eintr([&] { return ::read(ready_.read.get(), buf, want); });
    if (got <= 0) break;
    ready_seen_ += static_cast<std::size_t>(got);
  }
  return ready_seen_;
}

void unit_announce_and_wait(int ready_write_fd, int release_read_fd) {
  const char one = 1;
  while (::write(ready_write_fd, &one, 1) < 0 && errno == EINTR) {
  }
  char c = 0;
  // Returns 0 at end of file (released), or an error: either way the unit is done.
  while (::read(release_read_fd, &c, 1) < 0 && errno == EINTR) {
  }
}

std::uint64_t spawn_safety_margin(std::uint64_t headroom) {
  // Enough for a shell, the other labs' helpers and whatever the system starts meanwhile.
  return 16 + headroom / 20;
}

SpawnPlan plan_spawn(unsigned n, bool cap_to_headroom) {
  SpawnPlan plan;
  plan.requested = plan.planned = n;
  if (!cap_to_headroom) return plan;
  const SpawnHeadroom h = spawn_headroom();
  plan.headroom = h.units;
  const std::uint64_t margin = spawn_safety_margin(h.units);
  const std::uint64_t room = h.units > margin ? h.units - margin : 0;
  if (room < n) {
    plan.planned = static_cast<unsigned>(room);
    plan.limited_by = h.limited_by;
  }
  return plan;
}

std::uint64_t thread_reserve_bytes() {
  std::size_t stack = 0, guard = 0;
  pthread_attr_t attr;
  if (pthread_getattr_default_np(&attr) == 0) {
    pthread_attr_getstacksize(&attr, &stack);
    pthread_attr_getguardsize(&attr, &guard);
    pthread_attr_destroy(&attr);
  }
  if (stack == 0) stack = 8 << 20;  // glibc's default when RLIMIT_STACK says nothing
  return stack + guard;
}

void cap_to_address_space(SpawnPlan& plan) {
  const auto as = core::address_space_room();
  if (!as) return;
  // Room for the rest of the run's mappings besides: the gate, the sample vectors, the heap.
  constexpr std::uint64_t kMargin = 64ull << 20;
  const std::uint64_t per_thread = thread_reserve_bytes();
  const std::uint64_t fit = as->room > kMargin ? (as->room - kMargin) / per_thread : 0;
  if (fit >= plan.planned) return;
  plan.planned = static_cast<unsigned>(fit);
  plan.limited_by = fmt::format("RLIMIT_AS={}", core::format_size(as->limit));
  plan.why_fewer = fmt::format(
      "RLIMIT_AS (ulimit -v) is {} with {} mapped already, and each thread reserves {} of "
      "address space for its stack: {} fit, keeping {} spare",
      core::format_size(as->limit), core::format_size(as->mapped), core::format_size(per_thread),
      fit, core::format_size(kMargin));
}

std::string spawn_failure_text(int err, bool thread) {
  std::string s = core::errno_text(err);
  if (err != EAGAIN && err != ENOMEM) return s;
  // fork(2) and pthread_create(3) fail with EAGAIN when RLIMIT_NPROC (counted per real user,
  // threads included; root is exempt), the cgroup's pids.max, threads-max or pid_max is
  // reached; ENOMEM when pid_max is or memory runs out.
  rlimit rl{};
  std::string nproc = "unknown";
  if (getrlimit(RLIMIT_NPROC, &rl) == 0)
    nproc = rl.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(rl.rlim_cur);
  const SpawnHeadroom h = spawn_headroom();
  s += fmt::format(
      ": a task limit refused it (RLIMIT_NPROC={} for uid {}{}; also pids.max, threads-max, "
      "pid_max; the tightest now: {})",
      nproc, getuid(), geteuid() == 0 ? ", which root is exempt from" : "",
      h.limited_by.empty() ? "none found" : h.limited_by);
  // pthread_create(3) also says EAGAIN when the new thread's stack cannot be mapped.
  if (const auto as = core::address_space_room(); as && thread)
    s += fmt::format(
        "; or the address space: RLIMIT_AS (ulimit -v) is {} with {} mapped, and a thread's "
        "stack needs {}",
        core::format_size(as->limit), core::format_size(as->mapped),
        core::format_size(thread_reserve_bytes()));
  return s;
}

KernelMemory KernelMemory::now() {
  KernelMemory m;
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    std::uint64_t kb = 0;
    if (!(fields >> key >> kb)) continue;
    if (key == "KernelStack:") m.kernel_stack = kb * 1024;
    if (key == "PageTables:") m.page_tables = kb * 1024;
  }
  return m;
}

std::map<std::string, std::uint64_t> proc_kb_fields(const std::string& path) {
  std::map<std::string, std::uint64_t> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream rest(line.substr(colon + 1));
    std::uint64_t kb = 0;
    std::string unit;
    if (rest >> kb >> unit && unit == "kB") out[line.substr(0, colon)] = kb * 1024;
  }
  return out;
}

std::optional<double> kib_per_unit(std::optional<std::uint64_t> before,
                                   std::optional<std::uint64_t> after, std::size_t units) {
  if (!before || !after || units == 0) return std::nullopt;
  // Signed: memory can shrink meanwhile (another process exits); kept as measured.
  const double delta = static_cast<double>(*after) - static_cast<double>(*before);
  return delta / 1024.0 / static_cast<double>(units);
}

void record_plan(core::Result& r, const SpawnPlan& plan, std::size_t spawned,
                 const std::string& failure) {
  r.add_param("requested", static_cast<double>(plan.requested));
  r.add_param("planned", static_cast<double>(plan.planned));
  if (plan.headroom > 0) r.add_param("headroom", static_cast<double>(plan.headroom));
  if (!plan.limited_by.empty()) r.add_param("limited_by", plan.limited_by);
  r.add_metric("spawned", static_cast<double>(spawned), "units");
  if (plan.planned < plan.requested && !plan.why_fewer.empty())
    r.warnings.push_back(
        fmt::format("planned only {} of {}: {}", plan.planned, plan.requested, plan.why_fewer));
  else if (plan.planned < plan.requested)
    r.warnings.push_back(fmt::format(
        "planned only {} of {}: {} leaves room for {} more tasks, and {} are kept free for the "
        "rest of the system",
        plan.planned, plan.requested, plan.limited_by, plan.headroom,
        spawn_safety_margin(plan.headroom)));
  if (!failure.empty())
    r.warnings.push_back(fmt::format(
        "creation stopped after {} of {}: {}; everything created was released and reaped", spawned,
        plan.planned, failure));
}

bool skip_if_no_room(core::Result& r, const SpawnPlan& plan, const char* units) {
  if (plan.planned > 0) return false;
  record_plan(r, plan, 0, "");
  r.status = core::Status::skipped;
  r.reason = plan.why_fewer.empty()
                 ? fmt::format("no room for {}: {} leaves {} tasks, within the safety margin",
                               units, plan.limited_by, plan.headroom)
                 : fmt::format("no room for {}: {}", units, plan.why_fewer);
  return true;
}

std::string shortfall_note(const SpawnPlan& plan, std::size_t spawned) {
  if (spawned >= plan.requested) return "";
  return fmt::format(" (only {} of {} asked for: see warnings)", spawned, plan.requested);
}

}  // namespace illusion::labs::processes
