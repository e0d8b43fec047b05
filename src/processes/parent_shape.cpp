#include "processes/parent_shape.h"

#include <string>

#include <fmt/format.h>

#include "core/text_file.h"

namespace illusion::labs::processes {
namespace {

// The value after "field:" on the line that starts with it, leading blanks skipped.
std::optional<std::string_view> field_value(std::string_view text, std::string_view field) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() <= field.size() || line.substr(0, field.size()) != field ||
        line[field.size()] != ':')
      continue;
    std::string_view rest = line.substr(field.size() + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    return rest;
  }
  return std::nullopt;
}

void param_or_warn(core::Result& r, const char* name, const std::optional<std::uint64_t>& v,
                   const char* what) {
  if (v) {
    r.add_param(name, static_cast<double>(*v));
    return;
  }
  r.warnings.push_back(fmt::format(
      "{}: the parent's {} could not be read at the fork, so it is not recorded", name, what));
}

}  // namespace

std::optional<std::uint64_t> status_kb_field_bytes(std::string_view status_text,
                                                   std::string_view field) {
  const auto v = field_value(status_text, field);
  if (!v) return std::nullopt;
  const auto kb = core::parse_number<std::uint64_t>(*v);
  if (!kb) return std::nullopt;
  return *kb * 1024;
}

std::optional<std::uint64_t> status_number_field(std::string_view status_text,
                                                 std::string_view field) {
  const auto v = field_value(status_text, field);
  if (!v) return std::nullopt;
  return core::parse_number<std::uint64_t>(*v);
}

std::uint64_t count_map_lines(std::string_view maps_text) {
  std::uint64_t n = 0;
  std::size_t pos = 0;
  while (pos < maps_text.size()) {
    std::size_t end = maps_text.find('\n', pos);
    if (end == std::string_view::npos) end = maps_text.size();
    if (end > pos) ++n;
    pos = end + 1;
  }
  return n;
}

ParentShape parse_parent_shape(const std::optional<std::string>& status_text,
                               const std::optional<std::string>& maps_text) {
  ParentShape s;
  if (status_text) {
    s.rss_bytes = status_kb_field_bytes(*status_text, "VmRSS");
    s.page_table_bytes = status_kb_field_bytes(*status_text, "VmPTE");
    s.threads = status_number_field(*status_text, "Threads");
  }
  if (maps_text) {
    if (const std::uint64_t n = count_map_lines(*maps_text); n > 0) s.mappings = n;
  }
  return s;
}

ParentShape read_parent_shape() {
  return parse_parent_shape(core::read_text("/proc/self/status"),
                            core::read_text("/proc/self/maps"));
}

void record_parent_shape(core::Result& r, const ParentShape& shape) {
  param_or_warn(r, "parent_rss_bytes", shape.rss_bytes, "resident memory (VmRSS)");
  param_or_warn(r, "parent_mappings", shape.mappings, "number of mappings (/proc/self/maps)");
  param_or_warn(r, "parent_page_table_bytes", shape.page_table_bytes, "page-table size (VmPTE)");
  param_or_warn(r, "parent_threads", shape.threads, "thread count (Threads)");
}

}  // namespace illusion::labs::processes
