#!/usr/bin/env bash
# The reliability runs of issue 8, not yet part of .ci/run (they still need a green run on a
# clean clone): the tests under ASan+UBSan, the DataLoader tests under TSan, and each fuzz
# target for a bounded time on a copy of its seed corpus. Needs clang and libclang-rt-14-dev.
#   bash scripts/ci_reliability.sh        (TORCHLET_FUZZ_SECONDS=60 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; }

step "tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake --preset asan >/dev/null
cmake --build --preset asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -E "^package:"

step "DataLoader tests under ThreadSanitizer"
cmake --preset tsan >/dev/null
tsan_targets=$(cmake --build --preset tsan --target help | sed -n 's/^\.\.\. \(test_data_[A-Za-z0-9_]*\).*/\1/p')
if [ -n "$tsan_targets" ]; then
  # shellcheck disable=SC2086
  cmake --build --preset tsan --target $tsan_targets
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ctest --preset tsan -R "^data/"
else
  echo "no DataLoader tests found"; exit 1
fi

step "fuzz targets, ${TORCHLET_FUZZ_SECONDS:=60} s each"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
for fuzzer in build-fuzz/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer"); name=${name#fuzz_}
  corpus=build-fuzz/corpus/$name
  rm -rf "$corpus"; mkdir -p "$corpus"
  cp fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  echo "--- fuzz_$name"
  (cd build-fuzz && "../$fuzzer" -max_total_time="$TORCHLET_FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=1 \
     "corpus/$name" 2>&1 | grep -E "^(stat::number_of_executed_units|stat::new_units_added|Done|SUMMARY|==)" ) || true
  if ls build-fuzz/crash-* build-fuzz/leak-* build-fuzz/oom-* build-fuzz/timeout-* >/dev/null 2>&1; then
    echo "fuzz_$name found a problem:"; ls build-fuzz/crash-* build-fuzz/leak-* build-fuzz/oom-* build-fuzz/timeout-* 2>/dev/null
    exit 1
  fi
done

echo; echo "reliability: all steps passed"
