# Eigen 3.4, stb and threads: the system's packages first (Debian: libeigen3-dev,
# libstb-dev); a FetchContent fallback only on machines that lack them.
include(FetchContent)
include(GNUInstallDirs)
find_package(Threads REQUIRED)

find_package(Eigen3 3.4 QUIET NO_MODULE)
if(NOT Eigen3_FOUND)
  message(STATUS "torchlet: Eigen 3.4 not found on the system; fetching it")
  FetchContent_Declare(eigen
    URL https://gitlab.com/libeigen/eigen/-/archive/3.4.0/eigen-3.4.0.tar.gz
    URL_HASH SHA256=8586084f71f9bde545ee7fa6d00288b264a2b7ac3607b974e54d13e7162c1c72)
  FetchContent_GetProperties(eigen)
  if(NOT eigen_POPULATED)
    FetchContent_Populate(eigen)
  endif()
  add_library(Eigen3::Eigen INTERFACE IMPORTED)
  set_target_properties(Eigen3::Eigen PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${eigen_SOURCE_DIR}")
endif()

# stb: <stb/stb_image.h> (Debian layout) or <stb_image.h>.
find_path(TORCHLET_STB_INCLUDE_DIR NAMES stb/stb_image.h)
if(NOT TORCHLET_STB_INCLUDE_DIR)
  find_path(TORCHLET_STB_INCLUDE_DIR NAMES stb_image.h PATH_SUFFIXES stb)
endif()
if(NOT TORCHLET_STB_INCLUDE_DIR)
  message(STATUS "torchlet: stb not found on the system; fetching it")
  FetchContent_Declare(stb
    URL https://github.com/nothings/stb/archive/8b5f1f37b5b75829fc72d38e7b5d4bcbf8a26d55.tar.gz)
  FetchContent_GetProperties(stb)
  if(NOT stb_POPULATED)
    FetchContent_Populate(stb)
  endif()
  set(TORCHLET_STB_INCLUDE_DIR "${stb_SOURCE_DIR}" CACHE PATH "stb headers" FORCE)
endif()
