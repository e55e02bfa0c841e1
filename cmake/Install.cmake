# install() + an exported config so that find_package(torchlet) works.
include(CMakePackageConfigHelpers)
install(TARGETS torchlet torchlet_native EXPORT torchletTargets)
if(TORCHLET_BUILD_COMPILED)
  install(TARGETS torchlet_compiled EXPORT torchletTargets)
endif()
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT torchletTargets NAMESPACE torchlet:: DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/torchlet)
# torchlet::distributed in a file of its own, loaded only for COMPONENTS distributed.
install(TARGETS torchlet_distributed EXPORT torchletDistributedTargets)
install(EXPORT torchletDistributedTargets NAMESPACE torchlet:: DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/torchlet)
configure_package_config_file(cmake/torchletConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/torchletConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/torchlet)
# Header-only: any architecture, unless the compiled library is installed too.
if(TORCHLET_BUILD_COMPILED)
  set(torchlet_arch_independent "")
else()
  set(torchlet_arch_independent ARCH_INDEPENDENT)
endif()
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/torchletConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ${torchlet_arch_independent})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/torchletConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/torchletConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/torchlet)
