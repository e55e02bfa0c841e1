# torchlet::distributed: the torchlet target plus MPI, for programs that include
# <torchlet/distributed.hpp>. The core target never links MPI. MPI is looked for only when
# TORCHLET_BUILD_DISTRIBUTED is on: the default for a top-level build (without MPI the
# distributed tests, mnist_ddp and bench_ddp are skipped, everything else builds as before);
# a project that adds torchlet with add_subdirectory sets it ON to use torchlet::distributed.
# Installed, the target is loaded by find_package(torchlet COMPONENTS distributed).
# TORCHLET_REQUIRE_MPI=1 in the environment (.ci/run) turns a missing MPI into an error.
add_library(torchlet_distributed INTERFACE)
add_library(torchlet::distributed ALIAS torchlet_distributed)
set_target_properties(torchlet_distributed PROPERTIES EXPORT_NAME distributed)
target_link_libraries(torchlet_distributed INTERFACE torchlet $<INSTALL_INTERFACE:MPI::MPI_CXX>)
set(TORCHLET_MPI_FOUND OFF)
if(TORCHLET_BUILD_DISTRIBUTED)
  find_package(MPI COMPONENTS CXX QUIET)
  if(MPI_CXX_FOUND)
    set(TORCHLET_MPI_FOUND ON)
    target_link_libraries(torchlet_distributed INTERFACE $<BUILD_INTERFACE:MPI::MPI_CXX>)
  elseif(DEFINED ENV{TORCHLET_REQUIRE_MPI} AND NOT "$ENV{TORCHLET_REQUIRE_MPI}" STREQUAL "0")
    message(FATAL_ERROR "torchlet: TORCHLET_REQUIRE_MPI is set but MPI was not found (Debian: libopenmpi-dev openmpi-bin)")
  else()
    message(STATUS "torchlet: MPI not found; torchlet::distributed's tests and examples are skipped (Debian: libopenmpi-dev openmpi-bin)")
  endif()
endif()
