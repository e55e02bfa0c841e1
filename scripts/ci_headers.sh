#!/usr/bin/env bash
# CI step: every public header compiles, links and runs on its own (tests/headers/uses.txt,
# issue 13). Configures a build directory with TORCHLET_HEADER_TESTS=ON, builds only the
# header programs (target header_tests, one program per header, -O0) and runs them.
# clang++ when installed (its front end is about a third faster on these programs; .ci/run
# installs clang for the fuzzers), else the default compiler.
#
#   scripts/ci_headers.sh [BUILD_DIR]      (default: build-headers; run from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-headers}
compiler=()
if command -v clang++ >/dev/null; then compiler=(-DCMAKE_CXX_COMPILER=clang++); fi
cmake -S . -B "$build" "${compiler[@]}" -DCMAKE_BUILD_TYPE=Release -DTORCHLET_HEADER_TESTS=ON \
  -DTORCHLET_BUILD_EXAMPLES=OFF -DTORCHLET_NATIVE=OFF >/dev/null
cmake --build "$build" -j2 --target header_tests
ctest --test-dir "$build" -j2 -R "^headers: " --output-on-failure
