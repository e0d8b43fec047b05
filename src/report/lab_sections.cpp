#include "report/lab_sections.h"

#include <fmt/format.h>

#include "report/cells.h"

namespace illusion::report {

std::vector<LabSection> lab_sections(const RunRecord& record) {
  std::vector<LabSection> sections;
  for (const LabInfo& lab : labs_to_show(record)) {
    LabSection s{lab, {}, {}};
    std::vector<core::Result> copies;  // syscall_budget takes values
    for (const core::Result& r : record.results) {
      if (r.lab != lab.id) continue;
      s.results.push_back(&r);
      copies.push_back(r);
    }
    if (s.results.empty()) continue;
    s.budget = syscall_budget(copies);
    sections.push_back(std::move(s));
  }
  return sections;
}

std::string lab_heading(const LabInfo& lab,
                        const std::function<std::string(const std::string&)>& escape) {
  const auto esc = [&](const std::string& s) { return escape ? escape(s) : s; };
  return lab.title.empty() ? esc(lab.id) : fmt::format("{} ({})", esc(lab.title), esc(lab.id));
}

}  // namespace illusion::report
