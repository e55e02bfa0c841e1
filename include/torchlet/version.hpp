#pragma once
// The library's version, as CMakeLists.txt's project(VERSION) (tests/check_version.cmake
// keeps the two equal). Semantic versioning: see CHANGELOG.md.

/// Major version: incompatible API changes.
#define TORCHLET_VERSION_MAJOR 0
/// Minor version: added functionality, backwards compatible.
#define TORCHLET_VERSION_MINOR 1
/// Patch version: backwards compatible fixes.
#define TORCHLET_VERSION_PATCH 0
/// One comparable number, major * 10000 + minor * 100 + patch (as fmt's FMT_VERSION):
/// `#if TORCHLET_VERSION >= 100` means 0.1.0 or later.
#define TORCHLET_VERSION \
  (TORCHLET_VERSION_MAJOR * 10000 + TORCHLET_VERSION_MINOR * 100 + TORCHLET_VERSION_PATCH)
/// The version as a string literal, "0.1.0".
#define TORCHLET_VERSION_STRING "0.1.0"
