// What a fork copies: the parent's resident memory, its mappings and its page tables at the
// moment of the fork. fork(2) duplicates every mapping of the parent (dup_mmap) and copies the
// page tables of those holding private pages, and the child's exit tears it all down again, so
// these decide what one fork costs. A row that forks records them so a reader knows what was
// forked: the illusion process (57 mappings, ~7.4 MiB resident, two threads: the interrupt
// watcher is one) is not the minimal process a C loop is. On the 2-vCPU development VM a C
// fork+exit+waitpid loop pinned to one CPU took 126-131 us per op; with illusion's shared
// libraries preloaded 180-184 us, with one more (sleeping) thread 161-173 us, with both
// 214-220 us; the pinned fork_exit row 240-300 us.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/result.h"

namespace illusion::labs::processes {

struct ParentShape {
  std::optional<std::uint64_t> rss_bytes;         // VmRSS of /proc/self/status
  std::optional<std::uint64_t> page_table_bytes;  // VmPTE of /proc/self/status
  std::optional<std::uint64_t> mappings;          // lines of /proc/self/maps: one per VMA
  std::optional<std::uint64_t> threads;           // Threads of /proc/self/status
};

// Pure parsing, for tests with fake /proc text. A `kB` field of a status text in bytes;
// nullopt when the field is absent or not a number.
std::optional<std::uint64_t> status_kb_field_bytes(std::string_view status_text,
                                                   std::string_view field);
// A plain number field of a status text ("Threads").
std::optional<std::uint64_t> status_number_field(std::string_view status_text,
                                                 std::string_view field);
// Non-empty lines of a maps text (proc(5): one line per mapping).
std::uint64_t count_map_lines(std::string_view maps_text);
// Both texts parsed; nullopt text (unreadable file) leaves its fields empty. An empty maps
// text is unreadable too: a live process has at least its stack and its code mapped.
ParentShape parse_parent_shape(const std::optional<std::string>& status_text,
                               const std::optional<std::string>& maps_text);

// This process, now.
ParentShape read_parent_shape();

// Params parent_rss_bytes, parent_mappings, parent_page_table_bytes, parent_threads; each one
// that could not be read is left out with a warning (never written as 0).
void record_parent_shape(core::Result& r, const ParentShape& shape);

}  // namespace illusion::labs::processes
