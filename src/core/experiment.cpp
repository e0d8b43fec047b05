#include "core/experiment.h"

#include <algorithm>

#include <stdexcept>

namespace illusion::core {

double DurationHint::for_profile(Profile p) const {
  switch (p) {
    case Profile::quick:
      return quick_s;
    case Profile::thorough:
      return thorough_s;
    case Profile::standard:
      break;
  }
  return standard_s;
}

Result result_for(const Experiment& e, const std::string& lab_id) {
  Result r;
  r.id = e.id;
  r.lab = lab_id;
  r.title = e.title;
  r.unit = e.unit;
  return r;
}

Experiment make_experiment(const std::string& lab_id, const std::string& name, std::string title,
                           std::string shows, std::string unit, DurationHint hint,
                           ExperimentBody body) {
  const bool well_formed = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!well_formed)
    throw std::logic_error("make_experiment: '" + name +
                           "' is not a short row name (lower-case "
                           "letters, digits, '_'; the lab's prefix is added)");
  Experiment e;
  e.id = lab_id + "." + name;
  e.title = std::move(title);
  e.shows = std::move(shows);
  e.unit = std::move(unit);
  e.duration = hint;
  e.run = [blank = result_for(e, lab_id), body = std::move(body)](RunContext& ctx) {
    return body(ctx, blank);
  };
  return e;
}

void add_groups(Lab& lab, std::initializer_list<RowGroup> groups) {
  for (RowGroup group : groups) {
    std::vector<Experiment> rows = group();
    lab.experiments.insert(lab.experiments.end(), std::make_move_iterator(rows.begin()),
                           std::make_move_iterator(rows.end()));
  }
}

void mark_headline(Lab& lab, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    const std::string id = lab.id + "." + std::string(name);
    bool found = false;
    for (Experiment& e : lab.experiments) {
      if (e.id != id) continue;
      e.headline = found = true;
    }
    if (!found) throw std::logic_error("mark_headline: no experiment " + id);
  }
}

Experiment with_disk(Experiment e, std::function<DiskNeed(const RunContext&)> need) {
  e.disk = std::move(need);
  return e;
}

}  // namespace illusion::core
