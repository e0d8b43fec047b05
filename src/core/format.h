// Numbers as a reader wants to see them: a unit chosen so the value has about three
// significant figures ("84.0 ns", "1.25 µs"), never a bare "0.000084 ms".
//
// In the core so that labs' meaning lines and the reporters' tables print numbers alike.
//
// Every function prints "—" for a non-finite value: a NaN reaching a table means "not
// measured", and printing "nan" (or 0) would pass it off as a figure.
#pragma once

#include <string>

namespace illusion::core {

// The placeholder for a value that does not exist (unavailable counter, failed experiment).
inline constexpr const char* kMissing = "—";

// Nanoseconds in ns, µs, ms or s, 3 significant figures: "84.0 ns", "1.25 µs", "31.2 ms".
std::string format_ns(double ns);

// A per-op counter: "256", "1.00", "0.002", "12.3k"; values below 0.0005 as how rare they are
// ("1 in 25.0k" for 4e-05), so a rare event is not printed as 0 nor in scientific notation.
std::string format_count(double value);

// A ratio: "95x", "1.3x", "0.25x".
std::string format_ratio(double ratio);

// A whole count with thousands separators, rounded down: "1,111".
std::string format_whole(double value);

// A percentage of a fraction in [0,1]: "12%", "0.4%".
std::string format_percent(double fraction);

// A value in an experiment's unit: time units through format_ns ("ns/op" -> "84.0 ns",
// "ns/KiB" -> "30.1 ns/KiB", "us" 12634 -> "12.6 ms"), anything else as 3 significant figures
// plus the unit.
std::string format_value(double value, const std::string& unit);

// A unit as a reader sees it: the JSON's ASCII "us" ("us", "us/GiB") as "µs"; others as given.
std::string display_unit(const std::string& unit);

// The current UTC time as ISO 8601 to the second, "2026-12-07T06:10:00Z": a run's started_at.
std::string utc_now_iso8601();

// 3 significant figures with no unit: "84.0", "1.25", "1250".
std::string format_sig3(double value);

}  // namespace illusion::core
