// Byte sizes as people write them: parsed from "64K", "512M", "1G", "4096" with errors that name
// the problem, and printed as "64 KiB", "1.5 GiB".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace illusion::core {

// Parses "4096", "64K", "64KiB", "512M", "1G", "2T" (powers of 1024). Throws UsageError for
// empty text, negative numbers, unknown suffixes, zero when !allow_zero, and overflow.
std::uint64_t parse_size(std::string_view text, bool allow_zero = false);

// "64 KiB", "1.5 GiB": for messages and tables.
std::string format_size(std::uint64_t bytes);

}  // namespace illusion::core
