#include "core/profile.h"

namespace illusion::core {

const char* profile_name(Profile p) {
  switch (p) {
    case Profile::quick: return "quick";
    case Profile::thorough: return "thorough";
    case Profile::standard: break;
  }
  return "default";
}

double sample_budget_s(Profile p) {
  // Chosen so the default syscall lab (~22 experiments) finishes well under 20 s on 2 cores,
  // --quick is a smoke run of seconds, and --thorough gives ~4x the samples.
  switch (p) {
    case Profile::quick: return 0.05;
    case Profile::thorough: return 1.5;
    case Profile::standard: break;
  }
  return 0.35;
}

}  // namespace illusion::core
