// Run profiles: how much time each experiment may spend sampling.
#pragma once

namespace illusion::core {

enum class Profile { quick, standard, thorough };

const char* profile_name(Profile p);  // "quick", "default", "thorough"

// Seconds of timed sampling one experiment gets (before any per-experiment scale).
double sample_budget_s(Profile p);

}  // namespace illusion::core
