#!/usr/bin/env bash
# The speed of the library's headers at two commits, side by side: bench_train_epoch
# (benchmarks/train_epoch.cpp: the linear and MLP models, tensors variant, 1 thread) and
# bench_tensor_ops (benchmarks/tensor_ops.cpp --quick) built against the headers of BASE
# (git archive) and of the working tree with the same command (g++ -O3 -march=native), then
# run ALTERNATELY ROUNDS times, so a shared machine distorts the ratio little; prints every
# run, the medians and the ratios new / base, with the load average before and after.
#
#   benchmarks/headers_ratio.sh BASE [ROUNDS]        (BASE: a commit; ROUNDS default 3)
# BASE_BENCH=1 builds BASE's binaries from BASE's own benchmarks/*.cpp (for a BASE older than
# the benchmark sources' current API; the workloads must be the same: check the diff).
# Needs Fashion-MNIST (Debian's dataset-fashion-mnist) for bench_train_epoch.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: benchmarks/headers_ratio.sh BASE [ROUNDS]}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/base"
git archive "$base" include benchmarks examples | tar -x -C "$work/base"
base_src=benchmarks
[ "${BASE_BENCH:-0}" = 0 ] || base_src="$work/base/benchmarks"
cxx=(g++ -std=c++20 -O3 -DNDEBUG -march=native -isystem /usr/include/eigen3
  "-DTORCHLET_SOURCE_DIR=\"$PWD\"")
for b in train_epoch tensor_ops; do
  "${cxx[@]}" -I"$work/base/include" "$base_src/$b.cpp" -o "$work/${b}_base" -pthread &
  "${cxx[@]}" -Iinclude "benchmarks/$b.cpp" -o "$work/${b}_new" -pthread
  wait
done
field() { /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }
ops() {  # "<relu(addcmul) ms> <chain forward ns/op> <chain backward ns/op>"
  "$1" --quick | /usr/bin/python3 -c '
import re, sys
t = sys.stdin.read()
a = re.search(r"relu\(addcmul\(c, a, b\)\)\s+([\d.]+) ms", t).group(1)
f, b = re.search(r"forward ([\d.]+) ns/op, backward ([\d.]+) ns/op", t).groups()
print(a, f, b)'
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for r in $(seq "$rounds"); do
  for v in base new; do
    lin=$("$work/train_epoch_$v" --model linear --variant tensors | field epoch_s)
    mlp=$("$work/train_epoch_$v" --model mlp --variant tensors | field epoch_s)
    read -r fused fwd bwd < <(ops "$work/tensor_ops_$v")
    echo "round $r $v: linear epoch $lin s, mlp epoch $mlp s, relu(addcmul) $fused ms, chain forward $fwd ns/op, backward $bwd ns/op"
    results+=("$v $lin $mlp $fused $fwd $bwd")
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${results[@]}" | /usr/bin/python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin if l.strip()]
names = ["linear epoch s", "mlp epoch s", "relu(addcmul) ms", "chain forward ns/op", "chain backward ns/op"]
med = {v: [statistics.median(float(r[i + 1]) for r in rows if r[0] == v) for i in range(5)] for v in ("base", "new")}
for i, n in enumerate(names):
    print("%-22s base %9.4f  new %9.4f  new/base %.3f" % (n, med["base"][i], med["new"][i], med["new"][i] / med["base"][i]))'
