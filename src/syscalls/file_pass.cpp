#include "syscalls/file_pass.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/errors.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "core/sampler.h"
#include "syscalls/common.h"

namespace illusion::labs::syscalls {
namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kChunk = 1u << 20;  // the bytes one sample covers
constexpr double kChunkKiB = kChunk / 1024.0;
constexpr std::uint64_t kMiB = 1u << 20;

}  // namespace

std::uint64_t amortisation_file_bytes(core::Profile profile) {
  return profile == core::Profile::quick ? 16 * kMiB : 64 * kMiB;
}

std::uint64_t checksum_pages(const unsigned char* data, std::size_t bytes) {
  std::uint64_t sum = 0;
  for (std::size_t off = 0; off < bytes; off += kPage) {
    std::uint64_t w;
    std::memcpy(&w, data + off, sizeof w);
    sum += w;
  }
  return sum;
}

AmortisationFile::AmortisationFile(const std::string& dir, std::uint64_t size_bytes)
    : file_(dir, "syscalls-amortise", size_bytes) {
  // Passes sum the first word of every page (checksum_pages): the pattern says what they are.
  const std::uint64_t words_per_page = kPage / sizeof(std::uint64_t);
  for (std::uint64_t page = 0; page < size_bytes / kPage; ++page)
    expected_ += core::ScratchFile::pattern_word(page * words_per_page);
}

double AmortisationFile::resident_fraction() const {
  return file_.resident_fraction().value_or(std::nan(""));
}

core::Result measure_passes(core::RunContext& ctx, core::Result r, const AmortisationFile& file,
                            const PassPlan& plan) {
  const core::Clock& clock = *ctx.clock;
  const core::SamplerConfig cfg = core::sampler_config_for(ctx.profile);
  const double kib = static_cast<double>(file.size()) / 1024.0;
  const double mib = static_cast<double>(file.size()) / static_cast<double>(kMiB);
  auto check = [&](const PassOutcome& o) {
    if (o.checksum != file.expected_checksum())
      throw std::runtime_error(fmt::format(
          "{}: a pass over {} returned the wrong bytes (checksum {:#x}, expected {:#x})", r.id,
          file.path(), o.checksum, file.expected_checksum()));
  };

  file.warm();
  const double resident = file.resident_fraction();

  // A whole pass, one sample per MiB into `per_kib` when given (the clock's own cost
  // subtracted); untimed passes pass nullptr.
  const double overhead_ns = clock.info().overhead_ns;
  auto pass = [&](std::vector<double>* per_kib) {
    PassOutcome whole;
    for (std::uint64_t begin = 0; begin < file.size(); begin += kChunk) {
      const double t0 = clock.now_ns();
      const PassOutcome o = plan.read_range(begin, begin + kChunk);
      const double t1 = clock.now_ns();
      if (per_kib) per_kib->push_back((t1 - t0 - overhead_ns) / kChunkKiB);
      whole.checksum += o.checksum;
      whole.calls += o.calls;
    }
    check(whole);
    return whole;
  };

  // One untimed pass: the code and the buffers warm up, and its time sizes the run.
  const double w0 = clock.now_ns();
  pass(nullptr);
  const double pass_ns = std::max(1.0, clock.now_ns() - w0);
  const auto passes =
      static_cast<std::size_t>(std::clamp(std::floor(cfg.budget_s * 1e9 / pass_ns), 3.0, 200.0));

  std::vector<double> per_kib;
  per_kib.reserve(passes * static_cast<std::size_t>(file.size() / kChunk));
  std::uint64_t calls = 0;
  core::CounterWindow window(true);
  window.start();
  for (std::size_t i = 0; i < passes; ++i) {
    calls += pass(&per_kib).calls;
    ctx.report_progress(static_cast<double>(i + 1) / static_cast<double>(passes));
  }
  window.stop();
  const double resident_after = file.resident_fraction();
  core::finish_result(r, std::move(per_kib), static_cast<double>(passes) * kib, &window);
  // One more pass, untimed, with the syscall counter on (it slows every syscall down).
  core::count_syscalls(
      r, 1, [&] { pass(nullptr); }, kib);

  const double calls_per_pass = static_cast<double>(calls) / static_cast<double>(passes);
  const double syscalls_per_mib = calls_per_pass / mib;
  r.add_param("category", kCategoryAmortisation);
  r.add_param("op", plan.op);
  r.add_param("stats_per",
              "1 KiB of file read (stats and counters per KiB); one sample per MiB of a pass");
  r.add_param("size_bytes", static_cast<double>(file.size()));
  r.add_param("block_bytes", static_cast<double>(plan.block_bytes));
  r.add_param("passes", static_cast<double>(passes));
  r.add_param("resident_fraction", resident);
  r.add_param("resident_fraction_after", resident_after);
  r.add_param("clock", clock.info().source);

  r.add_metric("calls_per_pass", calls_per_pass, "calls");
  r.add_metric("syscalls_per_mib", syscalls_per_mib, "syscalls/MiB");
  if (const auto sys = counter_per_op(r, "syscalls"))
    r.add_metric("syscalls_per_mib_measured", *sys * 1024.0, "syscalls/MiB");
  const double p50 = r.stats->p50;
  const double mib_per_s = p50 > 0 ? 1e9 / (p50 * 1024.0) : 0;
  if (p50 > 0) r.add_metric("mib_per_s", mib_per_s, "MiB/s");
  if (!std::isnan(resident)) r.add_metric("resident_fraction", resident, "fraction");

  if (std::isnan(resident))
    r.warnings.push_back("resident_fraction: mincore on the file failed, residency unknown");
  else if (resident < 0.99)
    r.warnings.push_back(fmt::format(
        "only {:.1f}% of the file was in the page cache right after reading it: some passes "
        "read from disk, so the figure is not the syscall-bound warm case",
        resident * 100));
  if (!std::isnan(resident_after) && resident_after < 0.99)
    r.warnings.push_back(fmt::format(
        "only {:.1f}% of the file was still cached after the timed passes: pages were evicted "
        "while measuring (memory pressure or DAMON reclaim)",
        resident_after * 100));

  std::string vs;
  if (r.id != "syscalls.read_4k") {
    if (const auto small = earlier_p50(ctx, "syscalls.read_4k"); small && p50 > 0)
      vs = fmt::format(", {:.2f}x the speed of 4 KiB read() calls", *small / p50);
  }
  std::string counted;
  if (const core::Metric* m = r.metric("syscalls_per_mib_measured"))
    counted = fmt::format("; counted {:.1f} syscalls/MiB", m->value);
  r.meaning = fmt::format("{:.1f} syscalls per MiB: {}/KiB ({:.0f} MiB/s){}{}", syscalls_per_mib,
                          core::format_ns(p50), mib_per_s, vs, counted);
  return r;
}

}  // namespace illusion::labs::syscalls
