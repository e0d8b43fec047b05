// Compiler barriers: keep measured work alive under -O2 without slowing it down.
//
// The technique is the one google/benchmark's DoNotOptimize and ClobberMemory use: an empty asm
// statement that claims to read the value (so it must be computed) and, for clobber_memory,
// to touch all memory (so stores cannot be sunk or removed). No instruction is emitted.
//
// One constraint per operand, chosen by type: an SSE register for floating point (on x86-64;
// no move to a general register is emitted), a general register for other small trivially
// copyable values, memory for the rest. The two-alternative in-out form ("+r,m") was miscompiled by
// g++ 12 at -O1 under ASan: the pointer given to do_not_optimize came back as the address of the
// variable that held it, and the next free() freed a stack address.
#pragma once

#include <type_traits>

namespace illusion::core {

template <class T>
inline constexpr bool kFitsRegister = std::is_trivially_copyable_v<T> && sizeof(T) <= sizeof(void*);

#if defined(__x86_64__)
template <class T>
inline constexpr bool kInSseRegister = std::is_floating_point_v<T> && sizeof(T) <= 8;
#else
template <class T>
inline constexpr bool kInSseRegister = false;
#endif

template <class T>
inline __attribute__((always_inline)) void do_not_optimize(T const& value) {
  if constexpr (kInSseRegister<T>)
    asm volatile("" : : "x"(value) : "memory");
  else if constexpr (kFitsRegister<T>)
    asm volatile("" : : "r"(value) : "memory");
  else
    asm volatile("" : : "m"(value) : "memory");
}

template <class T>
inline __attribute__((always_inline)) void do_not_optimize(T& value) {
  if constexpr (kInSseRegister<T>)
    asm volatile("" : "+x"(value) : : "memory");
  else if constexpr (kFitsRegister<T>)
    asm volatile("" : "+r"(value) : : "memory");
  else
    asm volatile("" : "+m"(value) : : "memory");
}

inline __attribute__((always_inline)) void clobber_memory() {
  asm volatile("" : : : "memory");
}

}  // namespace illusion::core
