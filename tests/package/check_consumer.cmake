# Builds tests/package/consumer against torchlet in MODE (package | subdirectory | fetchcontent) in a
# scratch directory WORK, then runs it from SOURCE (it reads data/mnist from there).
# CONSUMER: the project under tests/package (default consumer; distributed_consumer needs MPI).
# COMPILED=ON (package mode): torchlet is built with its compiled library, installed, and the
# consumer links torchlet::compiled (the compiled mode, issue 17) instead of torchlet::torchlet.
# INSTALL_FROM (package mode, compiled): a torchlet build tree that has built the library (the
# one running this test): it is installed as it is, not configured and built again.
file(REMOVE_RECURSE ${WORK})
# What is checked is the packaging (find_package, add_subdirectory, FetchContent, the targets and
# the CPU hint), not the code generated: the consumers build at -O0 without debug information,
# about half the compile time of Release (CI time; the contract program still trains its 5
# epochs on the bundled sample in a few seconds).
set(gen_args -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0)
if(MODE STREQUAL "package" AND COMPILED AND INSTALL_FROM)
  set(install_tree ${INSTALL_FROM})
elseif(MODE STREQUAL "package")
  set(install_tree ${WORK}/torchlet-build)
  if(COMPILED)
    # For the baseline, as a library to be installed is (and as the consumer is compiled).
    set(compiled_args -DTORCHLET_BUILD_COMPILED=ON -DTORCHLET_NATIVE=OFF)
  else()
    set(compiled_args -DTORCHLET_BUILD_COMPILED=OFF)
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${install_tree} ${gen_args}
                          -DTORCHLET_BUILD_TESTS=OFF -DTORCHLET_BUILD_EXAMPLES=OFF -DTORCHLET_INSTALL=ON
                          ${compiled_args}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring torchlet for install failed")
  endif()
  if(COMPILED)
    execute_process(COMMAND ${CMAKE_COMMAND} --build ${install_tree} --parallel 2
                    RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "building torchlet::compiled failed")
    endif()
  endif()
endif()
if(MODE STREQUAL "package")
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${install_tree} --prefix ${WORK}/prefix
                  OUTPUT_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "installing the torchlet build ${install_tree} failed")
  endif()
  list(APPEND gen_args -DCMAKE_PREFIX_PATH=${WORK}/prefix)
else()
  list(APPEND gen_args -DTORCHLET_MODE=${MODE} -DTORCHLET_SOURCE=${SOURCE})
  if(COMPILED)
    # The parent builds torchlet::compiled as a unity build, as a project that turns
    # CMAKE_UNITY_BUILD on for everything does: the library must build that way (its CPU
    # capability units stay separate), and it costs 162 s of CPU instead of 225 at -O0.
    list(APPEND gen_args -DCMAKE_UNITY_BUILD=ON)
  endif()
endif()
if(NOT CONSUMER)
  set(CONSUMER consumer)
endif()
if(COMPILED)
  list(APPEND gen_args -DTORCHLET_CONSUMER_TARGET=torchlet::compiled)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE}/tests/package/${CONSUMER} -B ${WORK}/consumer-build ${gen_args}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the consumer (${MODE}) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/consumer-build --parallel 2 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the consumer (${MODE}) failed")
endif()
execute_process(COMMAND ${WORK}/consumer-build/consumer WORKING_DIRECTORY ${SOURCE} RESULT_VARIABLE rc
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer (${MODE}) exited with ${rc}: ${err}")
endif()
if(CONSUMER STREQUAL "consumer")
  # The consumer is built for the baseline (torchlet::torchlet adds no -march): on a CPU with
  # AVX2 it prints detail/cpu_hint.hpp's hint, at most once; TORCHLET_CPU_HINT=0 silences it.
  # In the compiled mode its matrix products run on the library's kernels for this CPU
  # (runtime dispatch): no hint, and a TORCHLET_CPU_CAPABILITY the library does not take stops
  # the program with an error naming the variable (the installed library dispatches).
  string(REGEX MATCHALL "compiled for the baseline" hints "${err}")
  list(LENGTH hints n_hints)
  if(n_hints GREATER 1)
    message(FATAL_ERROR "the consumer (${MODE}) printed the CPU hint ${n_hints} times: ${err}")
  endif()
  if(EXISTS /proc/cpuinfo)  # Linux: the CPU's flags say whether the hint is due
    file(STRINGS /proc/cpuinfo flags REGEX "^flags" LIMIT_COUNT 1)
    if(flags MATCHES " avx2( |$)" AND flags MATCHES " fma( |$)" AND NOT COMPILED)
      set(expected 1)
    else()
      set(expected 0)
    endif()
    if(NOT n_hints EQUAL expected)
      message(FATAL_ERROR "the consumer (${MODE}) printed the CPU hint ${n_hints} times, expected ${expected}: ${err}")
    endif()
  endif()
  message(STATUS "consumer (${MODE}): CPU hint printed ${n_hints} time(s)")
  if(COMPILED)
    execute_process(COMMAND ${CMAKE_COMMAND} -E env TORCHLET_CPU_CAPABILITY=avx3 ${WORK}/consumer-build/consumer
                    WORKING_DIRECTORY ${SOURCE} RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(rc EQUAL 0 OR NOT err MATCHES "TORCHLET_CPU_CAPABILITY: expected default, avx2 or avx512, found \"avx3\"")
      message(FATAL_ERROR "the consumer (${MODE}, compiled) with TORCHLET_CPU_CAPABILITY=avx3: exit ${rc}, stderr: ${err}")
    endif()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env TORCHLET_CPU_HINT=0 ${WORK}/consumer-build/consumer
                  WORKING_DIRECTORY ${SOURCE} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR err MATCHES "compiled for the baseline")
    message(FATAL_ERROR "the consumer (${MODE}) with TORCHLET_CPU_HINT=0: exit ${rc}, stderr: ${err}")
  endif()
  if(NOT MODE STREQUAL "package")
    return()  # two_units is built in package mode only
  endif()
  # two_units links torchlet::native (-march=native): no hint. In the compiled mode it links
  # torchlet::compiled, built for the baseline: the hint is silenced.
  set(hint_env "")
  if(COMPILED)
    set(hint_env TORCHLET_CPU_HINT=0)
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${hint_env} ${WORK}/consumer-build/two_units ${WORK}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR err MATCHES "compiled for the baseline")
    message(FATAL_ERROR "the two-unit program (${MODE}): exit ${rc}, stderr: ${err}")
  endif()
endif()
