#!/usr/bin/env bash
# CI step for the API reference (issue 9): configures a build directory with Doxygen's
# WARN_AS_ERROR = FAIL_ON_WARNINGS, builds the `docs` target and fails if Doxygen printed
# any warning (an undocumented public name, a broken doc command) or error.
#
#   scripts/ci_docs.sh [BUILD_DIR]      (default: build-docs; run from anywhere)
#
# Needs cmake and doxygen (.ci/run installs Debian's doxygen). Exit status: 0 when the
# reference builds without a single warning, 1 otherwise (the warnings are printed).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-docs}

if ! command -v doxygen >/dev/null; then
  echo "ci_docs: doxygen is not installed (apt-get install doxygen)" >&2
  exit 1
fi
# Only the docs target is built: tests, examples and benchmarks are not needed.
cmake -S . -B "$build" -DTORCHLET_DOCS_WARN_AS_ERROR=FAIL_ON_WARNINGS \
  -DTORCHLET_BUILD_TESTS=OFF -DTORCHLET_BUILD_EXAMPLES=OFF >/dev/null
rm -rf "$build/api"
log="$build/doxygen.log"
status=0
cmake --build "$build" --target docs >"$log" 2>&1 || status=$?
count=$(grep -c -E 'warning:|error:' "$log" || true)
if [ "$status" -ne 0 ] || [ "$count" -ne 0 ]; then
  grep -E 'warning:|error:' "$log" || cat "$log"
  echo "ci_docs: FAILED: $count Doxygen warnings/errors (build status $status); see $log" >&2
  exit 1
fi
echo "ci_docs: API reference built without warnings: $build/api/html/index.html"
