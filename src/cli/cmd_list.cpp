#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "labs/all_labs.h"
#include "report/json.h"

namespace illusion::cli {

namespace {

// The tables as data: every lab and row with what `list` prints and the duration hints, for
// scripts (completion, a CI that picks rows) that should not parse the text.
int print_list_json() {
  nlohmann::ordered_json labs = nlohmann::ordered_json::array();
  for (const core::Lab& lab : labs::all_labs()) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& e : lab.experiments) {
      rows.push_back({{"id", e.id},
                      {"title", e.title},
                      {"shows", e.shows},
                      {"unit", e.unit},
                      {"headline", e.headline},
                      {"estimated_s",
                       {{"quick", e.duration.for_profile(core::Profile::quick)},
                        {"default", e.duration.for_profile(core::Profile::standard)},
                        {"thorough", e.duration.for_profile(core::Profile::thorough)}}}});
    }
    labs.push_back(
        {{"id", lab.id}, {"title", lab.title}, {"question", lab.question}, {"experiments", rows}});
  }
  nlohmann::ordered_json j;
  j["schema"] = report::kListSchema;
  j["tool"] = {{"name", "illusion"}, {"version", ILLUSION_VERSION}};
  j["labs"] = labs;
  fmt::print("{}\n", j.dump(2));
  return 0;
}

}  // namespace

int cmd_list(bool json) {
  if (json) return print_list_json();
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
  auto json = std::make_shared<bool>(false);
  list->add_flag("--json", *json,
                 "Print the labs and experiments as JSON (schema \"illusion.list/1\")");
  list->footer(help_footer({"",
                            {"illusion list", "illusion list | grep headline",
                             "illusion list --json | jq -r '.labs[].experiments[].id'"},
                            {"0 listed", kExitUsage},
                            "'illusion run --help' (how ids and prefixes select), README.md"}));
  return {list, [json] { return cmd_list(*json); }};
}

}  // namespace illusion::cli
