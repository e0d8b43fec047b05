#include "core/experiment.h"

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

Experiment make_experiment(const std::string& lab_id, std::string id, std::string title,
                           std::string shows, std::string unit, DurationHint hint,
                           ExperimentBody body) {
  Experiment e;
  e.id = std::move(id);
  e.title = std::move(title);
  e.shows = std::move(shows);
  e.unit = std::move(unit);
  e.duration = hint;
  e.run = [blank = result_for(e, lab_id), body = std::move(body)](RunContext& ctx) {
    return body(ctx, blank);
  };
  return e;
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

}  // namespace illusion::core
