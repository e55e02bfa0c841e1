#pragma once
// stb_image compiled into each translation unit that needs it, with internal linkage
// (STB_IMAGE_STATIC), so the header-only library needs no separate .c file. Debian's
// libstb-dev installs it as <stb/stb_image.h>; other layouts provide <stb_image.h>.
// Include this before any other inclusion of stb_image.h in the same translation unit.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#endif
#ifndef STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define TORCHLET_DEFINED_STB_IMAGE_IMPLEMENTATION
#endif
#if __has_include(<stb/stb_image.h>)
#include <stb/stb_image.h>
#else
#include <stb_image.h>
#endif
#ifdef TORCHLET_DEFINED_STB_IMAGE_IMPLEMENTATION
#undef STB_IMAGE_IMPLEMENTATION
#undef TORCHLET_DEFINED_STB_IMAGE_IMPLEMENTATION
#endif
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
