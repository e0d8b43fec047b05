// Counts from /proc/interrupts (proc(5)): one line per interrupt source, one column per CPU.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace illusion::core {

// The sum over CPUs of the line labelled `label` ("TLB:") in /proc/interrupts-formatted
// `text`; nullopt when no such line exists.
std::optional<std::uint64_t> interrupt_line_total(std::string_view text, std::string_view label);

// The sum over CPUs of the "TLB:" line (x86: "TLB shootdowns", the flush requests each CPU
// received from another by IPI), or nullopt when the line is missing (another architecture).
// The line counts IPIs only: a flush that reaches other CPUs some other way (a hypervisor's
// paravirtual flush, AMD's INVLPGB broadcast) leaves it where it was.
std::optional<std::uint64_t> tlb_shootdowns_total(const std::string& path = "/proc/interrupts");

}  // namespace illusion::core
