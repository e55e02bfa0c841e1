#!/usr/bin/env bash
# The reliability runs of issue 8, called by .ci/run after the README's test command:
#   1. the tests of TORCHLET_ASAN_SUITES (default: every suite of tests/, not the examples,
#      docs and package tests) under AddressSanitizer + UndefinedBehaviorSanitizer
#      (-fno-sanitize-recover, LeakSanitizer on), built with clang 16 against libc++ 16 and
#      -Werror (the README step has built them with g++ 12, libstdc++ and -Werror, so CI builds
#      and runs the suite with both compilers and both standard libraries; issue 17): preset
#      libcxx, build-libcxx/. At -O0 it costs about what clang 14 with libstdc++ did (tests/io's
#      unit: 63 s of CPU, 64 with clang 14 in an earlier session); the preset asan is the same build with clang 14 and
#      libstdc++.
#   2. the DataLoader tests that start threads (tests/data/dataloader*.cpp), the per-thread conv
#      workspace test (tests/nn/conv_memory.cpp), the inference stress test (tests/inference:
#      8 threads on one model) and the intra-op pool's tests (tests/parallel) under
#      ThreadSanitizer, compiled together as one program (the preset's TORCHLET_TEST_FILES):
#      preset tsan
#   3. each libFuzzer target of fuzz/ for TORCHLET_FUZZ_SECONDS on a copy of its seed corpus (two
#      at a time),
#      failing on any crash, sanitizer report, leak, out-of-memory or timeout: preset fuzz
# Needs g++, clang (14, libclang-rt-14-dev) for the fuzzers, clang-16, libc++-16-dev,
# libc++abi-16-dev and libclang-rt-16-dev. Prints each step's wall time and each fuzzer's
# executions and coverage.
#
#   bash scripts/ci_reliability.sh
#   TORCHLET_FUZZ_SECONDS=600 TORCHLET_ASAN_SUITES="io vision" bash scripts/ci_reliability.sh
#
# The asan and libcxx presets compile at -O0 -g1: clang's instrumented -O1 build of a test
# unit took 3.3x the CPU time of -O0 (tests/io's unit: 214 s against 64 s), the tests run
# about 2x slower (CI time, docs/reliability.md). The tsan preset compiles at -O1 -g1. Each suite's programs build
# in parallel through the tests_<suite> targets of tests/CMakeLists.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
# The sanitizer builds test the header-only mode (.ci/run's README step tested the compiled one).
unset TORCHLET_TESTS_COMPILED TORCHLET_EXAMPLES_COMPILED
: "${TORCHLET_FUZZ_SECONDS:=30}"
all_suites="tensor autograd nn optim data vision io reliability inference parallel"
: "${TORCHLET_ASAN_SUITES:=$all_suites}"
start_all=$(date +%s)
step_start=
step() {
  local now
  now=$(date +%s)
  [ -z "$step_start" ] || echo "    (step took $((now - step_start)) s)"
  step_start=$now
  echo
  echo "=== $* ($(date -u +%H:%M:%S), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'))"
}
step "tests of [${TORCHLET_ASAN_SUITES}] under AddressSanitizer + UndefinedBehaviorSanitizer (clang 16, libc++ 16)"
cmake --preset libcxx >/dev/null
# tests_<suite> (tests/CMakeLists.txt) builds a suite's programs; tests_all builds every suite
# in one make invocation, so both cores stay busy across suites.
# shellcheck disable=SC2086
asan_targets=$(printf 'tests_%s ' $TORCHLET_ASAN_SUITES)
[ "$TORCHLET_ASAN_SUITES" != "$all_suites" ] || asan_targets=tests_all
# shellcheck disable=SC2086
cmake --build build-libcxx -j2 --target $asan_targets
asan_regex="^($(echo "$TORCHLET_ASAN_SUITES" | tr ' ' '|'))/"
# 24 requests per thread in the inference stress test (8 threads x 24 requests at once; its -O0
# run took 219 s with the default 200, 82 s with 64). Races are TSan's job below, which keeps 64.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TORCHLET_STRESS_REQUESTS=24 \
  ctest --preset libcxx -R "$asan_regex"

step "DataLoader, conv workspace and inference tests under ThreadSanitizer"
cmake --preset tsan >/dev/null
# The test programs that start threads (the other data tests are single-threaded: ASan's).
# The preset's TORCHLET_TEST_FILES builds them as one program, tests_selected.
cmake --build build-tsan -j2 --target tests_selected
# 64 requests per thread instead of 200 in the inference stress test: each of its 8 threads
# still runs every batch size 1-64 once (201 s -> about 65 s under TSan).
TORCHLET_STRESS_REQUESTS=64 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ctest --preset tsan -R "^(data/dataloader|nn/conv_memory|inference/|parallel/)"

step "fuzz targets, ${TORCHLET_FUZZ_SECONDS} s each"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
# Two fuzzers at a time (one per core), then each one's verdict in order.
fuzzers=()
for fuzzer in build-fuzz/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  name=${name#fuzz_}
  fuzzers+=("$name")
  work=build-fuzz/ci/$name
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp fuzz/corpus/"$name"/* "$work/corpus/" 2>/dev/null || true
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  (
    status=0
    "$fuzzer" -max_total_time="$TORCHLET_FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || status=$?
    echo "$status" >"$work/status"
  ) &
done
wait
found=0
for name in "${fuzzers[@]}"; do
  work=build-fuzz/ci/$name
  status=$(cat "$work/status" 2>/dev/null || echo "?")
  last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1 | sed -E 's/^#([0-9]+)[[:space:]]+[A-Z]+[[:space:]]+(cov: [0-9]+ ft: [0-9]+).*/\1 executions, \2/')
  if [ "$status" != 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
    echo "fuzz_$name: FAILED (exit status $status) after ${last:-?}"
    grep -E '^(==[0-9]+==|SUMMARY|.*runtime error)' "$work/log" | head -n 20 || tail -n 30 "$work/log"
    ls -l "$work/artifacts"
    found=1
  else
    echo "fuzz_$name: clean, $last"
  fi
done
((${#fuzzers[@]})) || { echo "reliability: no fuzz target was built"; exit 1; }
[ "$found" -eq 0 ] || { echo "reliability: a fuzzer found a problem (inputs in build-fuzz/ci/*/artifacts)"; exit 1; }

step "done"
echo "reliability: all steps passed in $(($(date +%s) - start_all)) s"
