#!/usr/bin/python3
"""Runs the inference benchmark on torchlet, libtorch and PyTorch and writes the table of
docs/benchmarks.md (between the "inference" markers).

    /usr/bin/python3 benchmarks/inference_compare.py [--build-dir build-bench] [--jobs 2]
        [--rounds 3] [--seconds 1.0] [--clients 2] [--doc docs/benchmarks.md] [--no-build]

Builds bench_inference (torchlet, Release, the default -march=native build) and
benchmarks/reference's libtorch_inference, then runs the three programs one after the
other, --rounds times (alternating, so a change in the machine's load hits every side),
and takes the median of each figure. The job is benchmarks/inference.cpp's. Targets
(issue 21): batch-1 MLP p50 <= 0.5x libtorch's, batch-1 CNN p50 <= 0.8x libtorch's (same
mode on both sides). Needs cmake, g++, libtorch-dev, python3-torch.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"
BEGIN, END = "<!-- inference:begin -->", "<!-- inference:end -->"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def blas_library():
    """The BLAS behind libblas.so.3, which Debian's libtorch and PyTorch call for their GEMMs:
    Debian's reference BLAS (package libblas3) is 10-25x slower than OpenBLAS on these
    products and would make the references look slow for a reason no user would meet."""
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
        path = os.path.join(d, "libblas.so.3")
        if os.path.exists(path):
            return os.path.realpath(path)
    return "not found"


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", default="1.0")
    p.add_argument("--clients", default="2")
    p.add_argument("--doc", default=None, help="write the table into this markdown file")
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--allow-reference-blas", action="store_true",
                   help="run even when libtorch/PyTorch would use the reference BLAS")
    a = p.parse_args()
    blas = blas_library()
    if "/blas/" in blas and not a.allow_reference_blas:
        sys.exit("inference_compare: libblas.so.3 is the reference BLAS (%s): libtorch and PyTorch would run "
                 "their GEMMs 10-25x slower than with an optimised BLAS. Install one (apt-get install "
                 "libopenblas0) or pass --allow-reference-blas." % blas)
    # One intra-op thread on every side: OpenBLAS's own pool too.
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    tl_dir, lt_dir = a.build_dir, os.path.join(a.build_dir, "libtorch")
    if not a.no_build:
        sh(["cmake", "-S", ROOT, "-B", tl_dir, "-DCMAKE_BUILD_TYPE=Release", "-DTORCHLET_BUILD_BENCHMARKS=ON",
            "-DTORCHLET_BUILD_TESTS=OFF", "-DTORCHLET_BUILD_EXAMPLES=OFF"], stdout=subprocess.DEVNULL)
        sh(["cmake", "--build", tl_dir, "-j", str(a.jobs), "--target", "bench_inference"], stdout=subprocess.DEVNULL)
        sh(["cmake", "-S", os.path.join(ROOT, "benchmarks", "reference"), "-B", lt_dir, "-DCMAKE_BUILD_TYPE=Release"],
           stdout=subprocess.DEVNULL)
        sh(["cmake", "--build", lt_dir, "-j", str(a.jobs), "--target", "libtorch_inference"], stdout=subprocess.DEVNULL)
    common = ["--seconds", a.seconds, "--clients", a.clients]
    sides = {
        "torchlet": [os.path.join(tl_dir, "benchmarks", "bench_inference")] + common,
        "libtorch": [os.path.join(lt_dir, "libtorch_inference")] + common,
        "pytorch": [PYTHON, os.path.join(ROOT, "benchmarks", "reference", "pytorch_inference.py")] + common,
    }
    load_before = loadavg()
    runs = {}
    for r in range(a.rounds):
        for impl, cmd in sides.items():
            print("round %d: %s" % (r + 1, impl), file=sys.stderr)
            for row in run_json(cmd):
                runs.setdefault((impl, row["model"], row["batch"], row["mode"]), []).append(row)
    load_after = loadavg()

    def med(key, field):
        return statistics.median(row[field] for row in runs[key])

    lines = ["| model | batch | mode | torchlet p50 / p99 (us) | libtorch p50 / p99 (us) | PyTorch p50 / p99 (us) "
             "| p50 vs libtorch | requests/s, %s clients: torchlet / libtorch / PyTorch | torchlet allocations "
             "per request (KiB) |" % a.clients,
             "|---|---|---|---|---|---|---|---|---|"]
    ratios = {}
    for model in ("mlp", "cnn"):
        for batch in (1, 8, 64):
            for mode in ("no_grad", "inference"):
                k = lambda impl: (impl, model, batch, mode)  # noqa: E731
                if k("torchlet") not in runs:
                    continue
                ratio = med(k("torchlet"), "p50_us") / med(k("libtorch"), "p50_us")
                ratios[(model, batch, mode)] = ratio
                lines.append("| %s | %d | %s | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %.2fx | %.0f / %.0f / %.0f | %.0f (%.0f) |" % (
                    model, batch, mode,
                    med(k("torchlet"), "p50_us"), med(k("torchlet"), "p99_us"),
                    med(k("libtorch"), "p50_us"), med(k("libtorch"), "p99_us"),
                    med(k("pytorch"), "p50_us"), med(k("pytorch"), "p99_us"), ratio,
                    med(k("torchlet"), "rps"), med(k("libtorch"), "rps"), med(k("pytorch"), "rps"),
                    med(k("torchlet"), "allocs"), med(k("torchlet"), "alloc_kb")))
    targets = []
    for model, limit in (("mlp", 0.5), ("cnn", 0.8)):
        for mode in ("no_grad", "inference"):
            r = ratios.get((model, 1, mode))
            if r is None:
                continue
            targets.append("- batch-1 %s p50 <= %.1fx libtorch's (%s): %.2fx, **%s**" % (
                model.upper(), limit, mode, r, "met" if r <= limit else "missed"))
    text = "\n".join(
        ["Command: `/usr/bin/python3 benchmarks/inference_compare.py --rounds %d --seconds %s --clients %s` "
         "(medians of %d rounds; load average %s before, %s after; libtorch and PyTorch on %s, "
         "OPENBLAS_NUM_THREADS=1)." % (a.rounds, a.seconds, a.clients, a.rounds, load_before, load_after, blas), ""] + lines + [""] + targets)
    print(text)
    if a.doc:
        with open(a.doc) as f:
            doc = f.read()
        if BEGIN not in doc or END not in doc:
            sys.exit("%s has no %s ... %s markers" % (a.doc, BEGIN, END))
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: BEGIN + "\n" + text + "\n" + END, doc,
                     flags=re.S)
        with open(a.doc, "w") as f:
            f.write(doc)


if __name__ == "__main__":
    main()
