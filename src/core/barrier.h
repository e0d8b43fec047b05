// Compiler barriers: keep measured work alive under -O2 without slowing it down.
//
// The technique is the one google/benchmark's DoNotOptimize and ClobberMemory use: an empty asm
// statement that claims to read the value (so it must be computed) and, for clobber_memory,
// to touch all memory (so stores cannot be sunk or removed). No instruction is emitted.
#pragma once

namespace illusion::core {

template <class T>
inline __attribute__((always_inline)) void do_not_optimize(T const& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

template <class T>
inline __attribute__((always_inline)) void do_not_optimize(T& value) {
  asm volatile("" : "+r,m"(value) : : "memory");
}

inline __attribute__((always_inline)) void clobber_memory() { asm volatile("" : : : "memory"); }

}  // namespace illusion::core
