// A run split into its labs as every reporter shows them (console, Markdown, HTML): each lab in
// run order with its results and the syscall budget of those results, and the lab's heading.
// The writers only lay these out.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "report/budget.h"
#include "report/run_record.h"

namespace illusion::report {

struct LabSection {
  LabInfo lab;
  std::vector<const core::Result*> results;  // into the record, in run order
  std::vector<BudgetRow> budget;             // syscall_budget of `results`
};

// labs_to_show(record), each with its results; labs without a result are left out. The
// pointers are into `record`, which must outlive the sections.
std::vector<LabSection> lab_sections(const RunRecord& record);

// "Title (lab.id)", or the id alone when the record has no title; `escape` is applied to each
// part (the Markdown and HTML writers' escaping; none for the console).
std::string lab_heading(const LabInfo& lab,
                        const std::function<std::string(const std::string&)>& escape = {});

}  // namespace illusion::report
