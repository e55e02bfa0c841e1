#pragma once
// stb_image compiled into each translation unit that needs it, with internal linkage
// (STB_IMAGE_STATIC), so the header-only library needs no separate .c file. Debian's
// libstb-dev installs it as <stb/stb_image.h>; other layouts provide <stb_image.h>.
// Include this before any other inclusion of stb_image.h in the same translation unit.
//
// Only the formats torchlet reads are compiled in (PNG, JPEG, BMP, TGA, GIF, PNM): less
// code to compile and a smaller surface for malformed files. Images are decoded from
// memory (torchlet reads the files itself), so stb's stdio functions are left out.
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
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#define STBI_ONLY_GIF
#define STBI_ONLY_PNM
#define STBI_NO_STDIO
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
