#!/usr/bin/env bash
# torchlet's LSTM forward + backward against PyTorch's, as a ratio that a shared machine
# distorts little: bench_lstm (benchmarks/lstm.cpp) and benchmarks/reference/pytorch_lstm.py
# (LSTM(200, 200, num_layers=2) on [35, 20, 200], one thread each) run ALTERNATELY PAIRS times;
# prints each pair's median milliseconds per iteration (thread CPU time) and their ratio, then
# the median ratio (target: torchlet / PyTorch <= 1.0), with the load average before and after.
#
#   benchmarks/lstm_ratio.sh [BUILD_DIR] [PAIRS] [REPS]       (defaults: build, 5, 30)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
pairs=${2:-5}
reps=${3:-30}
field() { /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ratios=()
for i in $(seq "$pairs"); do
  ours=$("$build/benchmarks/bench_lstm" --reps "$reps" | field cpu_ms)
  theirs=$(/usr/bin/python3 benchmarks/reference/pytorch_lstm.py --reps "$reps" | field cpu_ms)
  r=$(/usr/bin/python3 -c "print('%.3f' % ($ours / $theirs))")
  ratios+=("$r")
  echo "pair $i: torchlet $ours ms, PyTorch $theirs ms, ratio $r (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 -c "import sys; v = sorted(map(float, sys.argv[1:])); m = v[len(v) // 2]
print('median ratio torchlet / PyTorch: %.3f (target <= 1.0: %s); range %.3f - %.3f' %
      (m, 'met' if m <= 1.0 else 'NOT met', v[0], v[-1]))" "${ratios[@]}"
