# install() + an exported config so that find_package(torchlet) works.
include(CMakePackageConfigHelpers)
install(TARGETS torchlet torchlet_native EXPORT torchletTargets)
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT torchletTargets NAMESPACE torchlet:: DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/torchlet)
# torchlet::distributed in a file of its own, loaded only for COMPONENTS distributed.
install(TARGETS torchlet_distributed EXPORT torchletDistributedTargets)
install(EXPORT torchletDistributedTargets NAMESPACE torchlet:: DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/torchlet)
configure_package_config_file(cmake/torchletConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/torchletConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/torchlet)
# Header-only: any architecture.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/torchletConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/torchletConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/torchletConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/torchlet)
