#include "report/outputs.h"

#include <sstream>

#include "report/atomic_file.h"
#include "report/html.h"
#include "report/json.h"
#include "report/markdown.h"
#include "report/output_paths.h"

namespace illusion::report {
namespace {

// A writer to a stream, as a function returning the bytes.
template <void (*Write)(std::ostream&, const RunRecord&)>
std::string rendered(const RunRecord& record) {
  std::ostringstream out;
  Write(out, record);
  return out.str();
}

const std::string* asked_for(const OutputPaths& paths, const OutputFormat& format) {
  const auto it = paths.find(format.flag);
  return it == paths.end() || it->second.empty() ? nullptr : &it->second;
}

}  // namespace

const std::vector<OutputFormat>& output_formats() {
  static const std::vector<OutputFormat> formats = {
      {"--json", "the results as JSON",
       [](const RunRecord& r) { return to_json(r).dump(2) + "\n"; }},
      {"--md", "the results as Markdown", rendered<write_markdown>},
      {"--html", "a self-contained HTML report with charts", rendered<write_html>},
  };
  return formats;
}

bool any_output(const OutputPaths& paths) {
  for (const OutputFormat& f : output_formats())
    if (asked_for(paths, f)) return true;
  return false;
}

void check_outputs(const OutputPaths& paths, const std::vector<std::string>& inputs) {
  FlaggedPaths asked;
  for (const OutputFormat& f : output_formats()) {
    if (const std::string* path = asked_for(paths, f)) {
      check_output_path(*path, f.flag);
      asked.emplace_back(f.flag, *path);
    }
  }
  check_distinct_paths(asked, inputs);
}

std::vector<std::string> write_outputs(const OutputPaths& paths, const RunRecord& record) {
  std::vector<std::string> written;
  for (const OutputFormat& f : output_formats()) {
    const std::string* path = asked_for(paths, f);
    if (!path) continue;
    write_file_atomically(*path, f.render(record));
    written.push_back(*path);
  }
  return written;
}

}  // namespace illusion::report
