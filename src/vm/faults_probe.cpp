#include "vm/faults_probe.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/resources.h"
#include "core/uninstrumented.h"

namespace illusion::labs::vm::faults {

std::size_t page_bytes() {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

__attribute__((noinline)) ILLUSION_UNINSTRUMENTED double time_pass(const core::Clock& clock,
                                                                   char* base, std::size_t pages,
                                                                   Touch touch) {
  const std::size_t page = page_bytes();
  std::uint64_t sink = 0;
  const double t0 = clock.now_ns();
  for (std::size_t i = 0; i < pages; ++i) {
    volatile char* p = base + i * page;
    if (touch == Touch::write)
      *p = static_cast<char>(i | 1);
    else
      sink += static_cast<unsigned char>(*p);
  }
  const double t1 = clock.now_ns();
  const std::uint64_t read_sum = sink;  // input-only barrier, as in time_each_page
  core::do_not_optimize(read_sum);
  return t1 - t0;
}

FaultMeter::FaultMeter() : set_(core::CounterSet::open({.inherit = false, .hardware = false})) {}

void FaultMeter::start() {
  before_ = core::RusageSnapshot::now(RUSAGE_THREAD);
  set_.start();
}

void FaultMeter::stop() {
  set_.stop();
  const core::RusageSnapshot after = core::RusageSnapshot::now(RUSAGE_THREAD);
  totals_.minor += after.minor_faults - before_.minor_faults;
  totals_.major += after.major_faults - before_.major_faults;
  auto add = [&](std::optional<double>& sum, const core::CounterReading& c) {
    // Once unavailable, unavailable for good: a partial sum would read as a low count.
    if (!c.value) {
      sum.reset();
      totals_.perf_reason = c.reason;
      return;
    }
    if (first_stop_) sum = 0.0;
    if (sum) *sum += *c.value;
    totals_.perf_user_only = totals_.perf_user_only || c.user_only;
  };
  bool seen = false;
  for (const core::CounterReading& c : set_.read()) {
    if (c.name == "page_faults") add(totals_.perf_faults, c), seen = true;
    if (c.name == "minor_faults") add(totals_.perf_minor, c);
    if (c.name == "major_faults") add(totals_.perf_major, c);
  }
  if (!seen && totals_.perf_reason.empty()) totals_.perf_reason = "perf events not opened";
  first_stop_ = false;
}

FaultTotals operator+(const FaultTotals& a, const FaultTotals& b) {
  auto sum = [](std::optional<double> x, std::optional<double> y) -> std::optional<double> {
    if (!x || !y) return std::nullopt;
    return *x + *y;
  };
  FaultTotals t;
  t.minor = a.minor + b.minor;
  t.major = a.major + b.major;
  t.perf_faults = sum(a.perf_faults, b.perf_faults);
  t.perf_minor = sum(a.perf_minor, b.perf_minor);
  t.perf_major = sum(a.perf_major, b.perf_major);
  t.perf_reason = a.perf_reason.empty() ? b.perf_reason : a.perf_reason;
  t.perf_user_only = a.perf_user_only || b.perf_user_only;
  return t;
}

void write_fault_counters(core::Result& r, const FaultTotals& t, double ops) {
  auto per = [&](std::optional<double> v) -> std::optional<double> {
    if (!v || ops <= 0) return std::nullopt;
    return *v / ops;
  };
  r.counters.push_back({"page_faults", per(t.perf_faults)});
  r.counters.push_back({"minor_faults", per(t.perf_minor)});
  r.counters.push_back({"major_faults", per(t.perf_major)});
  r.counters.push_back({"rusage_minor_faults", per(static_cast<double>(t.minor))});
  r.counters.push_back({"rusage_major_faults", per(static_cast<double>(t.major))});
  if (!t.perf_faults)
    r.warnings.push_back(fmt::format("page_faults: unavailable ({})", t.perf_reason));
  if (t.perf_faults && t.perf_user_only)
    r.warnings.push_back(
        "perf fault events counted in user mode only (perf_event_paranoid >= 2): faults the "
        "kernel takes inside syscalls are missed there; the rusage_ counts include them");
  if (t.major > 0)
    r.warnings.push_back(
        fmt::format("{} major faults: a page had to be read back during the measurement", t.major));
}

void warm_up(const core::Clock& clock) {
  static thread_local char scratch[2 * 4096] __attribute__((aligned(4096)));
  double ns[2];
  const std::size_t pages = std::min<std::size_t>(2, sizeof scratch / page_bytes());
  FaultMeter m;
  m.start();
  time_each_page(clock, scratch, pages, Touch::write, ns);
  time_each_page(clock, scratch, pages, Touch::read, ns);
  double sink = time_pass(clock, scratch, pages, Touch::write);
  sink += time_pass(clock, scratch, pages, Touch::read);
  core::do_not_optimize(sink);
  m.stop();
}

bool no_huge_pages(char* base, std::size_t bytes) {
  return bytes == 0 || madvise(base, bytes, MADV_NOHUGEPAGE) == 0;
}

ThpOffForProcess::ThpOffForProcess() {
  const int prev = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
  if (prev < 0) return;
  previous_ = prev;
  ok_ = prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0;
}

ThpOffForProcess::~ThpOffForProcess() {
  if (ok_) prctl(PR_SET_THP_DISABLE, previous_ != 0 ? 1 : 0, 0, 0, 0);
}

namespace {

// "Key:   1234 kB" from a proc file, in bytes; nullopt when the file or the line is missing
// or the number does not parse.
std::optional<std::uint64_t> proc_kb_field(const char* path, const char* key) {
  std::ifstream in(path);
  std::string line;
  const std::size_t n = std::strlen(key);
  while (std::getline(in, line)) {
    if (line.compare(0, n, key) != 0 || line.size() <= n || line[n] != ':') continue;
    try {
      return std::stoull(line.substr(n + 1)) * 1024;
    } catch (const std::logic_error&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> rss_anon_bytes() {
  return proc_kb_field("/proc/self/status", "RssAnon");
}

std::optional<double> growth_bytes(std::optional<std::uint64_t> before,
                                   std::optional<std::uint64_t> after) {
  if (!before || !after) return std::nullopt;
  return *after > *before ? static_cast<double>(*after - *before) : 0.0;
}

std::optional<std::uint64_t> anon_huge_bytes() {
  return proc_kb_field("/proc/self/smaps_rollup", "AnonHugePages");
}

std::uint64_t process_anon_huge_bytes() { return anon_huge_bytes().value_or(0); }

std::uint64_t thp_pmd_bytes() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  std::uint64_t v = 0;
  if (in >> v && v > 0) return v;
  return 2u << 20;
}

std::string thp_mode_now() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text;
  if (!std::getline(in, text)) return "unavailable";
  const auto a = text.find('['), b = text.find(']');
  if (a == std::string::npos || b == std::string::npos || b < a) return "unknown";
  return text.substr(a + 1, b - a - 1);
}

std::optional<std::string> no_room(std::uint64_t bytes, const std::string& what) {
  try {
    core::require_free_memory(bytes, what);
  } catch (const std::runtime_error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::vector<std::pair<double, double>> bucket_max(const std::vector<double>& values,
                                                  std::size_t max_points, std::size_t& bucket) {
  std::vector<std::pair<double, double>> points;
  if (values.empty() || max_points == 0) {
    bucket = 0;
    return points;
  }
  bucket = (values.size() + max_points - 1) / max_points;
  for (std::size_t i = 0; i < values.size(); i += bucket) {
    const auto end =
        values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), i + bucket));
    points.emplace_back(static_cast<double>(i),
                        *std::max_element(values.begin() + static_cast<std::ptrdiff_t>(i), end));
  }
  return points;
}

}  // namespace illusion::labs::vm::faults
