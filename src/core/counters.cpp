#include "core/counters.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/text_file.h"

namespace illusion::core {
namespace {

// Reads a small /proc or /sys file; returns 0 or the errno of the failure.
int read_small_file(const char* path, std::string& out) {
  const Fd fd(retry_eintr([&] { return ::open(path, O_RDONLY | O_CLOEXEC); }));
  if (!fd.valid()) return errno;
  char buf[256];
  const ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
  const int err = n < 0 ? errno : 0;
  if (n >= 0) out.assign(buf, static_cast<std::size_t>(n));
  return err;
}

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr == text.data()) return std::nullopt;
  return v;
}

std::optional<int> paranoid_level() {
  std::string text;
  if (read_small_file("/proc/sys/kernel/perf_event_paranoid", text) != 0) return std::nullopt;
  auto v = parse_int(text);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

std::string paranoid_text(std::optional<int> level) {
  return level ? fmt::format("perf_event_paranoid={}", *level) : "perf_event_paranoid=unknown";
}

// EACCES/EPERM. perf_event_open(2): paranoid >= 2 forbids kernel counting and (Debian's
// patch) 3 forbids everything, without CAP_PERFMON. At <= 1 the refusal comes from elsewhere.
// CAP_PERFMON (38, Linux 5.8) or CAP_SYS_ADMIN (21) in the effective set: perf_event_paranoid
// does not apply to such a process, so a refusal must come from something else.
bool perf_privileged() {
  static const bool privileged = [] {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    return ((data[0].effective >> 21) & 1u) != 0 || ((data[1].effective >> (38 - 32)) & 1u) != 0;
  }();
  return privileged;
}

std::string permission_reason(int err, bool kernel_needed) {
  const std::optional<int> level = paranoid_level();
  if (perf_privileged()) {
    return fmt::format(
        "refused with {} although this process has CAP_PERFMON or CAP_SYS_ADMIN: a seccomp "
        "filter or security module forbids perf_event_open",
        strerrorname_np(err));
  }
  if (level && *level <= 1) {
    return fmt::format(
        "refused with {} although {}: a seccomp filter or security module forbids "
        "perf_event_open",
        strerrorname_np(err), paranoid_text(level));
  }
  if (kernel_needed) {
    return fmt::format("needs kernel counting: {} (needs <= 1 or CAP_PERFMON)",
                       paranoid_text(level));
  }
  return paranoid_text(level) + " forbids it";
}

std::string open_failure_reason(int err, const CounterSpec& spec) {
  switch (err) {
    case ENOENT:
    case EOPNOTSUPP:
      // perf_event_open(2): ENOENT when no PMU claims the type/config, EOPNOTSUPP when the
      // hardware lacks the feature. A VM without a virtual PMU gives one of these.
      // "This VM" only where that is a fact: a PMU that lacks one event is not a VM's doing.
      if (spec.hardware)
        return has_word(key_values("/proc/cpuinfo")["flags"], "hypervisor")
                   ? "no PMU event for it (hardware counters not exposed in this VM)"
                   : "no PMU event for it (no PMU, or this PMU lacks the event)";
      break;
    case EACCES:
    case EPERM:
      return permission_reason(err, spec.kernel_needed);
    case ENOSYS:
      return "perf_event_open not supported by this kernel";
    default:
      break;
  }
  return errno_text(err);
}

// The id the kernel gave the raw_syscalls:sys_enter tracepoint (tracefs "id" file; see
// Documentation/trace/events.rst), read once; 0 with a reason when tracefs is not readable.
struct TracepointId {
  std::uint64_t id = 0;
  std::string reason;
};

const TracepointId& sys_enter_tracepoint() {
  static const TracepointId tp = [] {
    const char* const paths[] = {"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
                                 "/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id"};
    TracepointId r;
    int first_other_err = 0;
    for (const char* path : paths) {
      std::string text;
      const int err = read_small_file(path, text);
      auto id = err == 0 ? parse_int(text) : std::nullopt;
      if (id && *id > 0) {
        r.id = static_cast<std::uint64_t>(*id);
        return r;
      }
      if (err != ENOENT && first_other_err == 0) first_other_err = err ? err : EINVAL;
    }
    r.reason = first_other_err == 0
                   ? "tracefs not mounted (no raw_syscalls/sys_enter id under /sys/kernel/tracing "
                     "or /sys/kernel/debug/tracing)"
                   : "tracepoint id unreadable: " + errno_text(first_other_err);
    return r;
  }();
  return tp;
}

int perf_event_open(const CounterSpec& spec, bool exclude_kernel, bool inherit) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = spec.type;
  attr.config = spec.config;
  attr.disabled = 1;  // counting starts at start(), not at open
  attr.inherit = inherit ? 1 : 0;
  attr.exclude_kernel = exclude_kernel ? 1 : 0;
  attr.exclude_hv = 1;  // hypervisor time is not ours to attribute
  // Times let read() scale a count the kernel multiplexed off the PMU for part of the window.
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  // pid 0, cpu -1: this thread (and, with inherit, its later children) on any CPU.
  return static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

struct Opened {
  int fd = -1;
  std::string reason;
  bool user_only = false;
};

// Counts kernel work too where allowed; otherwise falls back to user-only counting, except for
// events that only happen in the kernel (a user-only count of those would read zero).
Opened open_spec(const CounterSpec& spec, bool inherit) {
  Opened o;
  if (spec.type == PERF_TYPE_TRACEPOINT && spec.config == 0) {
    o.reason = sys_enter_tracepoint().reason;
    return o;
  }
  o.fd = perf_event_open(spec, /*exclude_kernel=*/false, inherit);
  if (o.fd < 0 && (errno == EACCES || errno == EPERM) && !spec.kernel_needed) {
    o.fd = perf_event_open(spec, /*exclude_kernel=*/true, inherit);
    o.user_only = o.fd >= 0;
  }
  if (o.fd < 0) o.reason = open_failure_reason(errno, spec);
  return o;
}

struct RawCount {
  std::uint64_t value = 0, enabled = 0, running = 0;
};

// The layout perf_event_open(2) documents for read_format = TOTAL_TIME_ENABLED|RUNNING
// without PERF_FORMAT_GROUP: value, time_enabled, time_running.
bool read_raw(int fd, RawCount& out) {
  std::uint64_t buf[3] = {};
  const ssize_t n = retry_eintr([&] { return ::read(fd, buf, sizeof buf); });
  if (n != static_cast<ssize_t>(sizeof buf)) return false;
  out = {buf[0], buf[1], buf[2]};
  return true;
}

CounterSpec spec(const char* name, std::uint32_t type, std::uint64_t config, bool kernel_needed) {
  CounterSpec s;
  s.name = name;
  s.hardware = type == PERF_TYPE_HARDWARE || type == PERF_TYPE_HW_CACHE;
  s.type = type;
  s.config = config;
  s.kernel_needed = kernel_needed;
  return s;
}

std::vector<CounterSpec> build_specs() {
  constexpr std::uint64_t kDtlbReadMiss = PERF_COUNT_HW_CACHE_DTLB |
                                          (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                                          (PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
  // Context switches and migrations are recorded with kernel registers, and sys_enter fires
  // in the kernel: with exclude_kernel those counts would read zero (kernel/events/core.c).
  return {
      spec("task_clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, false),
      spec("page_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, false),
      spec("minor_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, false),
      spec("major_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, false),
      spec("context_switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, true),
      spec("cpu_migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, true),
      spec("syscalls", PERF_TYPE_TRACEPOINT, sys_enter_tracepoint().id, true),
      spec("cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, false),
      spec("instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, false),
      spec("cache_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, false),
      spec("branch_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, false),
      spec("dtlb_load_misses", PERF_TYPE_HW_CACHE, kDtlbReadMiss, false),
  };
}

CounterReading unavailable(const std::string& name, std::string reason, bool user_only = false) {
  return CounterReading{name, std::nullopt, std::move(reason), user_only};
}

}  // namespace

std::string perf_paranoid_description() { return paranoid_text(paranoid_level()); }

const std::vector<CounterSpec>& all_counter_specs() {
  static const std::vector<CounterSpec> specs = build_specs();
  return specs;
}

CounterSet CounterSet::open(const CounterOptions& options) {
  CounterSet set;
  for (const CounterSpec& s : all_counter_specs()) {
    if (s.hardware && !options.hardware) continue;
    if (!s.hardware && s.type != PERF_TYPE_TRACEPOINT && !options.software) continue;
    if (s.type == PERF_TYPE_TRACEPOINT && !options.syscalls) continue;
    Opened o = open_spec(s, options.inherit);
    Event ev;
    ev.spec = s;
    ev.fd.reset(o.fd);
    ev.reason = std::move(o.reason);
    ev.user_only = o.user_only;
    set.events_.push_back(std::move(ev));
  }
  return set;
}

void CounterSet::start() {
  for (Event& ev : events_) {
    if (!ev.fd.valid()) continue;
    RawCount base;
    if (read_raw(ev.fd.get(), base)) {
      ev.base_value = base.value;
      ev.base_enabled = base.enabled;
      ev.base_running = base.running;
    }
    ioctl(ev.fd.get(), PERF_EVENT_IOC_ENABLE, 0);
  }
}

void CounterSet::resume() {
  for (Event& ev : events_)
    if (ev.fd.valid()) ioctl(ev.fd.get(), PERF_EVENT_IOC_ENABLE, 0);
}

void CounterSet::stop() {
  for (Event& ev : events_)
    if (ev.fd.valid()) ioctl(ev.fd.get(), PERF_EVENT_IOC_DISABLE, 0);
}

std::vector<CounterReading> CounterSet::read() const {
  std::vector<CounterReading> out;
  if (events_.empty()) {
    for (const CounterSpec& s : all_counter_specs())
      out.push_back(unavailable(s.name, "perf counters were not opened"));
    return out;
  }
  for (const Event& ev : events_) {
    const std::string& name = ev.spec.name;
    RawCount now;
    if (!ev.fd.valid()) {
      out.push_back(unavailable(name, ev.reason, ev.user_only));
    } else if (!read_raw(ev.fd.get(), now)) {
      out.push_back(unavailable(name, "read failed: " + errno_text(errno), ev.user_only));
    } else {
      const std::uint64_t value = now.value - ev.base_value;
      const std::uint64_t enabled = now.enabled - ev.base_enabled;
      const std::uint64_t running = now.running - ev.base_running;
      if (running == 0) {
        out.push_back(unavailable(
            name,
            enabled == 0 ? "never enabled (start() not called)" : "never scheduled (multiplexing)",
            ev.user_only));
        continue;
      }
      // Estimate for the whole window when the PMU was shared (perf_event_open(2), "time
      // enabled/running"): count * enabled / running.
      double total = static_cast<double>(value);
      if (running < enabled) total *= static_cast<double>(enabled) / static_cast<double>(running);
      out.push_back(CounterReading{name, total, "", ev.user_only});
    }
  }
  return out;
}

}  // namespace illusion::core
