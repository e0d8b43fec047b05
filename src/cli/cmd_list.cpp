#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "labs/all_labs.h"

namespace illusion::cli {

int cmd_list() {
  for (const core::Lab& lab : labs::all_labs()) {
    fmt::print("{} — {}\n  {}\n", lab.id, lab.title, lab.question);
    std::size_t width = 0, unit_width = 0;
    for (const auto& e : lab.experiments) {
      width = std::max(width, e.id.size());
      unit_width = std::max(unit_width, e.unit.size());
    }
    for (const auto& e : lab.experiments) {
      fmt::print("  {:<{}}  {:<{}}  {}{}\n", e.id, width, e.unit, unit_width, e.shows,
                 e.headline ? "  [headline]" : "");
    }
    fmt::print("\n");
  }
  std::size_t headline = 0, total = 0;
  double headline_s = 0, quick_s = 0;
  for (const core::Lab& lab : labs::all_labs()) {
    for (const auto& e : lab.experiments) {
      ++total;
      if (!e.headline) continue;
      ++headline;
      headline_s += e.duration.for_profile(core::Profile::standard);
      quick_s += e.duration.for_profile(core::Profile::quick);
    }
  }
  fmt::print(
      "'illusion run' with no targets runs the {} [headline] experiments (estimated {:.0f} s, "
      "{:.0f} s with --quick); 'illusion run all' runs all {}.\n"
      "Run one lab with 'illusion run LAB', one experiment with its id, or a group with an "
      "id prefix ending in '*' (quoted: 'illusion run \'syscalls.getppid*\'').\n",
      headline, headline_s, quick_s, total);
  return 0;
}

Command add_list(CLI::App& app) {
  CLI::App* list = app.add_subcommand("list", "List labs and experiments with what each shows");
  list->footer(help_footer({"",
                            {"illusion list", "illusion list | grep headline"},
                            {"0 listed", kExitUsage},
                            "'illusion run --help' (how ids and prefixes select), README.md"}));
  return {list, [] { return cmd_list(); }};
}

}  // namespace illusion::cli
