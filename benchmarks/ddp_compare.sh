#!/usr/bin/env bash
# DistributedDataParallel, torchlet against PyTorch (docs/distributed.md, "Speed"): in one run,
# bench_ddp with 1 and 2 ranks (MLP and CNN) and PyTorch 1.13's DDP over gloo with 1 and 2
# ranks (MLP), on the bundled MNIST sample; then a summary: epoch times, the overlap of
# bucketing, scaling efficiency 1 -> 2 ranks, the targets, and a projection for N hosts.
#
#   benchmarks/ddp_compare.sh [BUILD_DIR] [EPOCHS]       (defaults: build, 3)
#
# Needs a build with -DTORCHLET_BUILD_BENCHMARKS=ON (target bench_ddp), mpirun, and
# /usr/bin/python3 with torch. Run it on an otherwise idle machine: the load average before
# and after is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
epochs=${2:-3}
if [ "$(id -u)" -eq 0 ]; then  # Open MPI refuses root without these
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
mpirun -np 1 "$build/benchmarks/bench_ddp" --epochs "$epochs" | tee -a "$out"
mpirun -np 2 "$build/benchmarks/bench_ddp" --epochs "$epochs" | tee -a "$out"
/usr/bin/python3 benchmarks/reference/pytorch_ddp.py --world-size 1 --epochs "$epochs" | tee -a "$out"
/usr/bin/python3 benchmarks/reference/pytorch_ddp.py --world-size 2 --epochs "$epochs" | tee -a "$out"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/python3 - "$out" "$load_before" "$load_after" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def get(fw, model, ranks, setting):
    for r in rows:
        if r["framework"].startswith(fw) and r["model"] == model and r["ranks"] == ranks \
                and r["setting"] == setting:
            return r
print("\nload average before: %s, after: %s (1, 5, 15 min)" % (sys.argv[2], sys.argv[3]))
print("\n| model | 1 process | 2 ranks, bucketed | 2 ranks, one all-reduce after backward "
      "| all-reduce alone | exposed, bucketed / after backward | overlap | scaling 1 -> 2 |")
print("|---|---|---|---|---|---|---|---|")
proj = {}
for m in ("mlp", "cnn"):
    one = get("torchlet", m, 1, "single process")
    b = get("torchlet", m, 2, "bucketed")
    a = get("torchlet", m, 2, "one all-reduce after backward")
    overlap = 1 - b["exposed_s"] / a["exposed_s"] if a["exposed_s"] > 0 else 0.0
    eff = one["epoch_s"] / (2 * b["epoch_s"])
    print("| %s | %.3f s | %.3f s | %.3f s | %.3f s | %.3f s / %.3f s | %.0f%% | %.0f%% |" % (
        m, one["epoch_s"], b["epoch_s"], a["epoch_s"], b["allreduce_alone_s"], b["exposed_s"],
        a["exposed_s"], 100 * overlap, 100 * eff))
    proj[m] = (one, b, overlap)
pt1 = get("pytorch", "mlp", 1, "single process")
pt2 = get("pytorch", "mlp", 2, "DDP gloo")
one, b, _ = proj["mlp"]
print("\nMLP, PyTorch %s: 1 process %.3f s, 2 ranks DDP gloo %.3f s per epoch" % (
    pt2["framework"].split()[1], pt1["epoch_s"], pt2["epoch_s"]))
r1 = b["epoch_s"] / one["epoch_s"]
r2 = b["epoch_s"] / pt2["epoch_s"]
print("target: torchlet 2-rank MLP epoch <= 0.7 x its 1-process epoch: %.2f x (%s)" % (
    r1, "met" if r1 <= 0.7 else "NOT met"))
print("target: torchlet 2-rank MLP epoch <= 0.25 x PyTorch's 2-rank DDP epoch: %.2f x (%s)" % (
    r2, "met" if r2 <= 0.25 else "NOT met"))
# Projection (a model, not a measurement): per-step compute c from the 2-rank run (epoch minus
# the exposed communication), a ring all-reduce of the gradients over a network of BW bytes/s
# and LAT s per message, the same fraction hidden by bucketing as measured here.
BW, LAT = 1.25e9, 50e-6  # 10 Gbit/s Ethernet, 50 us
print("\nprojection for N hosts, one rank each, 10 Gbit/s Ethernet (1.25 GB/s, 50 us), ring "
      "all-reduce, same batch per rank, overlap as measured (a projection, not a measurement):")
print("| model | N | all-reduce per step | epoch | scaling efficiency |")
print("|---|---|---|---|---|")
for m, (one, b, overlap) in proj.items():
    c = (b["epoch_s"] - b["exposed_s"]) / b["steps"]
    total_steps = one["steps"]
    for n in (2, 4, 8, 16):
        ar = 2 * (n - 1) / n * b["grad_bytes"] / BW + 2 * (n - 1) * LAT
        t = total_steps / n * (c + (1 - max(overlap, 0.0)) * ar)
        print("| %s | %d | %.2f ms | %.3f s | %.0f%% |" % (m, n, 1e3 * ar, t,
                                                          100 * one["epoch_s"] / (n * t)))
PY
