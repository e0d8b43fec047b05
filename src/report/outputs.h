// The files a run can be written as. `illusion run` and `illusion report` both walk this one
// list: to declare their options (--json, --md, --html), to check the paths before any work, and
// to write what was asked, in list order. A new output format is a writer and one entry here.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "report/run_record.h"

namespace illusion::report {

struct OutputFormat {
  std::string flag;  // "--json"
  std::string what;  // for help texts: "the results as JSON"
  std::function<std::string(const RunRecord&)> render;
};

// JSON, Markdown, HTML.
const std::vector<OutputFormat>& output_formats();

// The paths asked for on one command line, by flag; "" or absent = not asked for.
using OutputPaths = std::map<std::string, std::string>;

bool any_output(const OutputPaths& paths);

// check_output_path for every path asked for (a usage error names the flag), and
// check_distinct_paths: no two outputs on one file, none on an input's file.
void check_outputs(const OutputPaths& paths, const std::vector<std::string>& inputs = {});

// Renders and writes (atomically) every file asked for, in list order; returns their paths.
std::vector<std::string> write_outputs(const OutputPaths& paths, const RunRecord& record);

}  // namespace illusion::report
