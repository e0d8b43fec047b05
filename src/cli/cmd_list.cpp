#include <fmt/format.h>

#include "cli/all_labs.h"
#include "cli/commands.h"

namespace illusion::cli {

int cmd_list() {
  for (const core::Lab& lab : all_labs()) {
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
  fmt::print("Run one lab with 'illusion run LAB', one experiment with its id, or a group with an "
             "id prefix.\n");
  return 0;
}

}  // namespace illusion::cli
