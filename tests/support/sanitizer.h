// Whether this test binary runs under a sanitizer. AddressSanitizer replaces malloc and reads
// shadow memory around every instrumented access, ThreadSanitizer keeps shadow memory for
// every access too, and each first touch of a shadow page is a page fault of its own: exact
// fault and heap-layout counts do not hold there, so the tests that assert them skip under a
// sanitizer (they run in the ordinary build, which CI runs first).
#pragma once

#include <thread>

namespace illusion::testing {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// ThreadSanitizer's runtime also runs in a forked child, where it faults in pages of its own:
// per-child fault counts hold under ASan but not under TSan.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitized = true;
#else
inline constexpr bool kThreadSanitized = false;
#endif
inline constexpr const char* kThreadSanitizedSkip =
    "a forked child's fault count includes ThreadSanitizer's own; checked in the ordinary build";

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer starts a background thread of its own the first time the program creates a
// thread, which would show up in every "no thread left behind" count: start it before any test.
inline const bool kTsanBackgroundThreadStarted = [] {
  std::thread([] {}).join();
  return true;
}();
#endif

inline constexpr const char* kSanitizedSkip =
    "exact fault and malloc counts do not hold under a sanitizer (shadow memory faults, its "
    "own allocator); checked in the ordinary build";

}  // namespace illusion::testing
