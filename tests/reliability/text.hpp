#pragma once
// A helper shared by the reliability tests (one definition, so the folder's unity build
// compiles).
#include <string>

namespace test {
/// True when `s` contains `part` (an exception message names what the test expects).
inline bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
}  // namespace test
