#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "labs/all_labs.h"
#include "report/json.h"
#include "report/text_table.h"

namespace illusion::cli {

namespace {

constexpr std::size_t kListWidth = 80;  // a terminal's default, and what a pipe gets

// `text` cut to `width` columns with "…" (at a character boundary), when longer.
std::string fitted(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  std::size_t cut = width > 1 ? width - 1 : 0;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  std::string out = text.substr(0, cut);
  out.append("…");
  return out;
}

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

int cmd_list(bool json, bool long_form) {
  if (json) return print_list_json();
  // One short line per experiment (id, unit, title, " *" for the headline set) fits 80
  // columns; --long adds the sentence that says what each shows, on its own line.
  for (const core::Lab& lab : labs::all_labs()) {
    fmt::print("{} — {}\n", lab.id, lab.title);
    for (const std::string& line : report::wrap_words(lab.question, kListWidth - 2))
      fmt::print("  {}\n", line);
    std::size_t width = 0, unit_width = 0;
    for (const auto& e : lab.experiments) {
      width = std::max(width, e.id.size());
      unit_width = std::max(unit_width, e.unit.size());
    }
    for (const auto& e : lab.experiments) {
      const std::size_t used = 2 + width + 2 + unit_width + 2 + (e.headline ? 2 : 0);
      fmt::print("  {:<{}}  {:<{}}  {}{}\n", e.id, width, e.unit, unit_width,
                 fitted(e.title, used < kListWidth ? kListWidth - used : 1),
                 e.headline ? " *" : "");
      if (long_form) fmt::print("      {}\n", e.shows);
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
  // Lines under 80 columns, as the rows above.
  fmt::print(
      "* marks the headline set: 'illusion run' with no targets runs those {}\n"
      "(estimated {:.0f} s, {:.0f} s with --quick); 'illusion run all' runs all {}.\n"
      "Run a lab with 'illusion run LAB', an experiment with its id, or a group with\n"
      "a prefix ending in '*', quoted: illusion run 'syscalls.getppid*'\n",
      headline, headline_s, quick_s, total);
  return 0;
}

Command add_list(CLI::App& app) {
  CLI::App* list = app.add_subcommand("list", "List labs and experiments with what each shows");
  auto json = std::make_shared<bool>(false), long_form = std::make_shared<bool>(false);
  list->add_flag("--long", *long_form, "Add what each experiment shows, one sentence each");
  list->add_flag("--json", *json,
                 "Print the labs and experiments as JSON (schema \"illusion.list/1\")");
  list->footer(
      help_footer({"",
                   {"illusion list", "illusion list --long | less", "illusion list | grep ' [*]$'",
                    "illusion list --json | jq -r '.labs[].experiments[].id'"},
                   {"0 listed", kExitUsage},
                   "'illusion run --help' (how ids and prefixes select), README.md"}));
  return {list, [json, long_form] { return cmd_list(*json, *long_form); }};
}

}  // namespace illusion::cli
