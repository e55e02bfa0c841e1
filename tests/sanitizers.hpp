#pragma once
// Whether this test program is built with AddressSanitizer (g++ defines __SANITIZE_ADDRESS__,
// clang answers __has_feature(address_sanitizer)): tests whose figures ASan distorts (resident
// memory held in its quarantine) or whose -O0 ASan run is long scale themselves by it.

namespace test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace test
