// The zero page: a read is not a first touch.
//
// A read fault on untouched private anonymous memory normally does not allocate: the kernel maps
// the one shared, read-only zero page (mm/memory.c, do_anonymous_page, the !FAULT_FLAG_WRITE
// case), so resident memory does not grow. The first write to such a page then faults again, as
// a write-protect fault, and only now gets a page of its own (wp_page_copy). Reading before
// writing therefore costs two faults per page where writing alone costs one. Residency is read
// from RssAnon in /proc/self/status (proc(5)), which the zero page never adds to.
//
// Not every kernel does this (a paravirtualised guest booted with pvm_no_zero_page=1 allocates
// on the read): the environment probe detects which (EnvInfo::zero_page_on_read), and the row
// says what it measured on this kernel either way.
#include <cerrno>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/format.h"
#include "core/mapping.h"
#include "core/measure.h"
#include "core/resources.h"
#include "vm/faults.h"
#include "vm/faults_probe.h"
#include "vm/faults_zero.h"

namespace illusion::labs::vm::faults {
namespace {

constexpr std::size_t kSlices = 8;

// One timed access per page of `m`, in slices with progress reported between the windows.
void timed_pass(const core::RunContext& ctx, const core::Mapping& m, Touch touch,
                std::vector<double>& ns, FaultMeter& meter, double progress_from,
                double progress_to) {
  const std::size_t page = page_bytes();
  const std::size_t pages = ns.size();
  for (std::size_t s = 0; s < kSlices; ++s) {
    const std::size_t lo = pages * s / kSlices, hi = pages * (s + 1) / kSlices;
    meter.start();
    time_each_page(*ctx.clock, m.data() + lo * page, hi - lo, touch, ns.data() + lo);
    meter.stop();
    ctx.report_progress(progress_from +
                        (progress_to - progress_from) * static_cast<double>(s + 1) / kSlices);
  }
}

}  // namespace

RowWords describe_zero_page(const ZeroPageFigures& f, const core::BehaviourFact& zero_page) {
  RowWords out;
  const auto size = [](double bytes) { return core::format_size(static_cast<std::uint64_t>(bytes)); };
  const double read_share = f.region_bytes > 0 ? f.rss_growth_read_bytes / f.region_bytes : 0;
  // RssAnon is kept in per-CPU counters that lag by a few hundred KiB: a tenth of the region
  // either way separates "no page" from "a page each" with room to spare.
  const bool shared = read_share < 0.1, private_pages = read_share > 0.9;
  if (zero_page.value == true && private_pages)
    out.warnings.push_back(fmt::format(
        "RssAnon grew {} during the read pass ({:.0f}% of the region): the reads got pages of "
        "their own, though the environment probe saw the zero page mapped ({})",
        size(f.rss_growth_read_bytes), 100 * read_share, zero_page.evidence));
  if (zero_page.value == false && shared)
    out.warnings.push_back(fmt::format(
        "RssAnon grew only {} during the read pass, though the environment probe found no zero "
        "page ({})",
        size(f.rss_growth_read_bytes), zero_page.evidence));
  if (!shared && !private_pages)
    out.warnings.push_back(fmt::format(
        "RssAnon grew {:.0f}% of the region during the read pass: neither the zero page (about "
        "0%) nor a page per read (about 100%); memory may have been reclaimed or merged meanwhile",
        100 * read_share));
  const std::string detected =
      zero_page.value.has_value() ? "" : " (the environment probe could not tell: " +
                                             zero_page.evidence + ")";
  if (private_pages) {
    out.meaning = fmt::format(
        "this kernel maps no shared zero page: reading untouched memory took {}/page "
        "(p50, {:.3f} faults/page) and RssAnon grew {} of {}, a page of its own for every page "
        "read, as a write would have; the first write after it took {:.3f} faults/page ({} "
        "p50) and RssAnon grew {}{}: {:.2f} faults per page in all{}",
        core::format_ns(f.read_p50_ns), f.read_faults_per_page, size(f.rss_growth_read_bytes),
        size(f.region_bytes), f.write_faults_per_page, core::format_ns(f.write_p50_ns),
        size(f.rss_growth_write_bytes), f.versus_first_touch,
        f.read_faults_per_page + f.write_faults_per_page, detected);
    return out;
  }
  out.meaning = fmt::format(
      "reading untouched memory faults too: {}/page (p50, {:.3f} faults/page) while "
      "RssAnon grew {} of {}{}; the first write after it faults again ({:.3f} faults/page, "
      "{} p50) and RssAnon grows {}{}: {:.2f} faults per page in all{}",
      core::format_ns(f.read_p50_ns), f.read_faults_per_page, size(f.rss_growth_read_bytes),
      size(f.region_bytes), shared ? " (the shared zero page)" : "", f.write_faults_per_page,
      core::format_ns(f.write_p50_ns), size(f.rss_growth_write_bytes), f.versus_first_touch,
      f.read_faults_per_page + f.write_faults_per_page, shared ? detected : "");
  return out;
}

RowWords zero_page_words(ZeroPageFigures f, const RssGrowth& rss,
                         const core::BehaviourFact& zero_page) {
  if (rss.read_bytes && rss.write_bytes) {
    f.rss_growth_read_bytes = *rss.read_bytes;
    f.rss_growth_write_bytes = *rss.write_bytes;
    return describe_zero_page(f, zero_page);
  }
  RowWords out;
  const char* which = !rss.read_bytes && !rss.write_bytes ? "read and write passes"
                      : !rss.read_bytes                   ? "read pass"
                                                          : "write pass";
  out.warnings.push_back(fmt::format(
      "RssAnon could not be read from /proc/self/status around the {}: the RSS growth is not "
      "reported, and the row does not say whether the reads got pages of their own",
      which));
  std::string probe;
  if (zero_page.value.has_value())
    probe = fmt::format(" (the environment probe saw {}: {})",
                        *zero_page.value ? "the shared zero page mapped on a read"
                                         : "no zero page, a page of its own per read",
                        zero_page.evidence);
  out.meaning = fmt::format(
      "reading untouched memory faults too: {}/page (p50, {:.3f} faults/page); the first "
      "write after it took {:.3f} faults/page ({} p50){}: {:.2f} faults per page in all; "
      "RssAnon was unreadable, so whether the reads shared the zero page is not measured{}",
      core::format_ns(f.read_p50_ns), f.read_faults_per_page, f.write_faults_per_page,
      core::format_ns(f.write_p50_ns), f.versus_first_touch,
      f.read_faults_per_page + f.write_faults_per_page, probe);
  return out;
}

core::Result run_zero_page(core::RunContext& ctx, core::Result r) {
  const std::uint64_t bytes = zero_page_bytes(ctx.profile);
  const std::size_t pages = bytes / page_bytes();
  if (auto why = no_room(bytes + 2 * pages * sizeof(double), r.id))
    return core::skipped(std::move(r), *why);

  core::Mapping m(bytes);
  if (!no_huge_pages(m.data(), m.size()))
    r.warnings.push_back("madvise(MADV_NOHUGEPAGE) refused (" + core::errno_text(errno) +
                         "): a read may map the huge zero page instead");
  std::vector<double> read_ns(pages, 0.0), write_ns(pages, 0.0);
  warm_up(*ctx.clock);

  FaultMeter reads, writes;
  const std::optional<std::uint64_t> rss0 = rss_anon_bytes();
  timed_pass(ctx, m, Touch::read, read_ns, reads, 0.0, 0.5);
  const std::optional<std::uint64_t> rss1 = rss_anon_bytes();
  timed_pass(ctx, m, Touch::write, write_ns, writes, 0.5, 1.0);
  const std::optional<std::uint64_t> rss2 = rss_anon_bytes();

  const double n = static_cast<double>(pages);
  const double region = static_cast<double>(m.size());
  const double read_fpp = static_cast<double>(reads.totals().faults()) / n;
  const double write_fpp = static_cast<double>(writes.totals().faults()) / n;
  const RssGrowth rss{growth_bytes(rss0, rss1), growth_bytes(rss1, rss2)};
  const double write_p50 = core::compute_stats(write_ns).p50;

  add_common_params(r, ctx);
  r.add_param("region_bytes", region);
  r.add_param("pages", n);
  r.add_param("op", "the first read of one 4 KiB page of a fresh anonymous mapping");
  r.add_param("huge_pages", "disabled with madvise(MADV_NOHUGEPAGE): one fault per 4 KiB page");
  r.add_param("rss_source", "RssAnon in /proc/self/status");

  core::finish_result(r, std::move(read_ns), n, nullptr);
  reads.write_per_op(r, n);
  r.add_metric("read_faults_per_page", read_fpp, "faults/page");
  r.add_metric("write_faults_per_page", write_fpp, "faults/page");
  r.add_metric("faults_per_page", read_fpp + write_fpp, "faults/page");
  r.add_metric("write_after_read_ns_per_page", write_p50, "ns/page");
  // An unreadable RssAnon leaves its metrics out (null, "—"), never 0.
  if (rss.read_bytes) {
    r.add_metric("rss_growth_read_bytes", *rss.read_bytes, "bytes");
    r.add_metric("rss_growth_read_fraction", *rss.read_bytes / region, "fraction");
  }
  if (rss.write_bytes) {
    r.add_metric("rss_growth_write_bytes", *rss.write_bytes, "bytes");
    r.add_metric("rss_growth_write_fraction", *rss.write_bytes / region, "fraction");
  }

  std::string vs_first;
  if (ctx.earlier) {
    const core::Result* ft = core::find_result(*ctx.earlier, "vm.first_touch");
    if (ft && ft->stats && ft->stats->p50 > 0) {
      const double both = r.stats->p50 + write_p50;
      r.add_metric("read_then_write_vs_first_touch", both / ft->stats->p50, "x");
      vs_first = fmt::format(" ({} per page in all, {:.2f}x a write-only first touch)",
                             core::format_ns(both), both / ft->stats->p50);
    }
  }
  if (read_fpp < 0.95)
    r.warnings.push_back(fmt::format(
        "only {:.3f} faults per page on the read pass, expected 1: pages were already mapped",
        read_fpp));
  const core::BehaviourFact fact = ctx.env ? ctx.env->zero_page_on_read : core::BehaviourFact{};
  r.add_param("zero_page_on_read", core::fact_summary(fact));
  const ZeroPageFigures figures{r.stats->p50, write_p50, read_fpp, write_fpp, 0, 0, region,
                                vs_first};
  RowWords words = zero_page_words(figures, rss, fact);
  for (std::string& w : words.warnings) r.warnings.push_back(std::move(w));
  r.meaning = std::move(words.meaning);
  return r;
}

}  // namespace illusion::labs::vm::faults
