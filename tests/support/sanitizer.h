// Whether this test binary runs under AddressSanitizer. ASan replaces malloc and reads shadow
// memory around every instrumented access, and each first read of a shadow page is a page
// fault of its own: exact fault and heap-layout counts do not hold there, so the tests that
// assert them skip under ASan (they run in the ordinary build, which CI uses).
#pragma once

namespace illusion::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

inline constexpr const char* kSanitizedSkip =
    "exact fault and malloc counts do not hold under AddressSanitizer (shadow memory faults, "
    "its own allocator); checked in the ordinary build";

}  // namespace illusion::testing
