#include "core/experiment.h"

namespace illusion::core {

double DurationHint::for_profile(Profile p) const {
  switch (p) {
    case Profile::quick: return quick_s;
    case Profile::thorough: return thorough_s;
    case Profile::standard: break;
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

}  // namespace illusion::core
