#!/usr/bin/env bash
# The target of issue 18 that a busy machine distorts most, as a ratio (docs/distributed.md,
# "Speed"): torchlet's 2-rank MLP epoch (bench_ddp, bucketed DDP) against its own 1-process
# epoch, the two runs alternating PAIRS times so that other processes slow both alike; prints
# each pair and the median ratio, with the load average before and after. Same job as
# benchmarks/ddp_compare.sh (the MLP 784-256-10, batch 32 per rank, SGD, one thread per rank,
# the bundled MNIST sample, median of EPOCHS timed epochs after a warm-up).
#
#   benchmarks/ddp_ratio.sh [BUILD_DIR] [PAIRS] [EPOCHS]       (defaults: build, 7, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
pairs=${2:-7}
epochs=${3:-3}
if [ "$(id -u)" -eq 0 ]; then  # Open MPI refuses root without these
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
epoch_of() {  # the epoch_s of the JSON line whose setting is $1
  /usr/bin/python3 -c 'import json, sys
for l in sys.stdin:
    if l.startswith("{"):
        r = json.loads(l)
        if r["setting"] == sys.argv[1]: print(r["epoch_s"])' "$1"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ratios=()
for i in $(seq "$pairs"); do
  one=$(mpirun -np 1 "$build/benchmarks/bench_ddp" --model mlp --epochs "$epochs" |
    epoch_of "single process")
  two=$(mpirun -np 2 "$build/benchmarks/bench_ddp" --model mlp --epochs "$epochs" |
    epoch_of "bucketed")
  r=$(/usr/bin/python3 -c "print('%.3f' % ($two / $one))")
  ratios+=("$r")
  echo "pair $i: 1 process $one s, 2 ranks $two s, ratio $r (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 -c "import sys; v = sorted(map(float, sys.argv[1:])); m = v[len(v) // 2]
print('median ratio 2 ranks / 1 process: %.3f (target <= 0.7: %s); range %.3f - %.3f' %
      (m, 'met' if m <= 0.7 else 'NOT met', v[0], v[-1]))" "${ratios[@]}"
