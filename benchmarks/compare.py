#!/usr/bin/python3
"""Runs the training-epoch benchmark on torchlet, libtorch and PyTorch, side by side.

    /usr/bin/python3 benchmarks/compare.py [--reps 3] [--threads 1,2] [--build-dir build-bench]
        [--impls torchlet,torchlet-blas,torchlet-portable,torchlet-compiled,
         torchlet-compiled-default,libtorch,pytorch] [--no-doc]

Builds what is needed (torchlet's bench_train_epoch in four builds: Eigen with the
project's default flags (-O3 -march=native), Eigen on OpenBLAS (TORCHLET_USE_BLAS), Eigen for
the x86-64 baseline ISA (TORCHLET_NATIVE=OFF: SSE2 kernels, a binary that runs anywhere), and
the compiled mode for the baseline (torchlet::compiled, its matrix products dispatched at run
time; torchlet-compiled-default runs it with TORCHLET_CPU_CAPABILITY=default); the
libtorch reference, a CMake project of its own), measures the compile footprint of
examples/mnist_linear.cpp and of the libtorch reference with /usr/bin/time -v, then runs
every program ALTERNATELY --reps times for each thread count (1, then 2), every side pinned
to that count (torchlet --threads, torch.set_num_threads / at::set_num_threads, and
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS in the environment). Rep r runs
every side with seed r. Prints a markdown table of medians and ratios vs libtorch and writes
docs/benchmarks.md (the part above its "end of generated part" marker; the notes below the
marker are kept).

Needs: cmake, g++, /usr/bin/time (Debian: time), python3-torch + python3-torchvision,
libtorch-dev, libopenblas0-pthread, dataset-fashion-mnist. Without an optimised BLAS, Debian's
torch runs on the reference BLAS (libblas3) and its GEMM is 20x slower (checked: 6 vs 145
GFLOP/s for a [64, 784] x [784, 256] product): the runner refuses to measure then.
"""
import argparse
import datetime
import gzip
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
MARKER = "<!-- end of generated part: notes below this line are kept by benchmarks/compare.py -->"
TORCHLET_BUILDS = {  # impl label -> (sub build dir or "" for the main one, extra CMake arguments)
    "torchlet": ("", []),
    "torchlet-blas": ("blas", ["-DTORCHLET_USE_BLAS=ON"]),
    "torchlet-portable": ("portable", ["-DTORCHLET_NATIVE=OFF"]),
    # torchlet::compiled built for the baseline, its kernels chosen at run time from cpuid
    # (issue 17); the -default row forces its baseline kernels (TORCHLET_CPU_CAPABILITY).
    "torchlet-compiled": ("compiled", ["-DTORCHLET_NATIVE=OFF", "-DTORCHLET_BUILD_COMPILED=ON",
                                       "-DTORCHLET_BENCH_COMPILED=ON"]),
    "torchlet-compiled-default": ("compiled", ["-DTORCHLET_NATIVE=OFF", "-DTORCHLET_BUILD_COMPILED=ON",
                                               "-DTORCHLET_BENCH_COMPILED=ON"]),
}
IMPL_ENV = {"torchlet-compiled-default": {"TORCHLET_CPU_CAPABILITY": "default"}}
ALL_IMPLS = list(TORCHLET_BUILDS) + ["libtorch", "pytorch"]
ALL_MODELS = ["linear", "mlp", "cnn"]
# The CNN (pytorch/examples' mnist Net) runs in the tensors variant only (the data pipeline is
# the linear rows' subject), after a warm-up of this many batches instead of a whole epoch.
CNN_WARMUP_BATCHES = 100
PYTHON = "/usr/bin/python3"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    log("$ " + " ".join(shlex.quote(c) for c in cmd))
    return subprocess.run(cmd, check=True, **kw)


def out(cmd):
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


# ---- building -----------------------------------------------------------------------------

def build_torchlet(build, impl, jobs):
    sub, extra = TORCHLET_BUILDS[impl]
    bdir = os.path.join(build, sub) if sub else build
    common = ["-DCMAKE_BUILD_TYPE=Release", "-DTORCHLET_BUILD_BENCHMARKS=ON"]
    if sub:  # the extra builds only need the benchmark
        common += ["-DTORCHLET_BUILD_TESTS=OFF", "-DTORCHLET_BUILD_EXAMPLES=OFF", "-DTORCHLET_INSTALL=OFF"]
    sh(["cmake", "-S", ROOT, "-B", bdir] + common + extra, stdout=subprocess.DEVNULL)
    targets = ["bench_train_epoch"] + ([] if sub else ["mnist_linear"])
    sh(["cmake", "--build", bdir, "-j", str(jobs), "--target"] + targets, stdout=subprocess.DEVNULL)
    return os.path.join(bdir, "benchmarks", "bench_train_epoch")


def build_libtorch(build, jobs):
    bdir = os.path.join(build, "libtorch")
    sh(["cmake", "-S", os.path.join(ROOT, "benchmarks", "reference"), "-B", bdir, "-DCMAKE_BUILD_TYPE=Release"],
       stdout=subprocess.DEVNULL)
    sh(["cmake", "--build", bdir, "-j", str(jobs)], stdout=subprocess.DEVNULL)
    return os.path.join(bdir, "libtorch_train")


def prepare_raw(data, build):
    """build/data/FashionMNIST/raw/<uncompressed IDX files>: torchvision's root layout,
    and the directory libtorch's MNIST reads (it cannot read .gz)."""
    raw = os.path.join(build, "data", "FashionMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for f in FILES:
        dst = os.path.join(raw, f)
        if os.path.isfile(dst):
            continue
        src = os.path.join(data, f)
        if os.path.isfile(src):
            shutil.copyfile(src, dst + ".tmp")
        elif os.path.isfile(src + ".gz"):
            with gzip.open(src + ".gz", "rb") as i, open(dst + ".tmp", "wb") as o:
                shutil.copyfileobj(i, o)
        else:
            sys.exit("compare.py: cannot find '%s' (or '%s.gz') in '%s' (Debian: apt-get install "
                     "dataset-fashion-mnist)" % (f, f, data))
        os.replace(dst + ".tmp", dst)
    return os.path.join(build, "data"), raw


# ---- compile footprint --------------------------------------------------------------------

def compile_command(build_dir, source):
    """The compile command of `source` from build_dir/compile_commands.json, writing its
    object to a temporary file (the build's own object is left alone)."""
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        entries = json.load(f)
    for e in entries:
        if os.path.realpath(e["file"]) == os.path.realpath(source):
            args = e.get("arguments") or shlex.split(e["command"])
            clean, skip = [], False
            for i, a in enumerate(args):
                if skip:
                    skip = False
                    continue
                if a in ("-o", "-MF", "-MT", "-MQ"):
                    skip = True
                    if a == "-o":
                        clean += ["-o", os.path.join(tempfile.gettempdir(), "torchlet-bench-compile-%d.o" % os.getpid())]
                    continue
                if a in ("-MD", "-MMD"):
                    continue
                clean.append(a)
            return clean, e["directory"]
    sys.exit("compare.py: %s is not in %s/compile_commands.json" % (source, build_dir))


def time_compile(build_dir, source):
    """(wall s, user+sys s, max RSS MB) of one compile under /usr/bin/time -v."""
    cmd, cwd = compile_command(build_dir, source)
    log("$ (cd %s && /usr/bin/time -v %s)" % (cwd, " ".join(shlex.quote(c) for c in cmd)))
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("compare.py: compiling %s failed:\n%s" % (source, r.stderr[-3000:]))
    f = {}
    for line in r.stderr.splitlines():
        k, _, v = line.strip().rpartition(": ")
        f[k] = v
    wall = 0.0
    for part in f["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"):
        wall = wall * 60 + float(part)
    cpu = float(f["User time (seconds)"]) + float(f["System time (seconds)"])
    return wall, cpu, int(f["Maximum resident set size (kbytes)"]) / 1024.0


# ---- running --------------------------------------------------------------------------------

def command(impl, exe, variant, model, threads, seed, workers, paths):
    args = ["--model", model, "--variant", variant, "--threads", str(threads), "--seed", str(seed),
            "--batch-size", "64"]
    if model == "cnn":
        args += ["--warmup-batches", str(CNN_WARMUP_BATCHES)]
    if variant == "dataloader":
        args += ["--num-workers", str(workers)]
    if impl.startswith("torchlet"):  # also the time in parallel regions, for the projection
        return [exe] + args + ["--data", paths["gz"], "--profile-parallel", "1"]
    if impl == "libtorch":
        return [exe] + args + ["--data", paths["raw"]]
    return [PYTHON, os.path.join(ROOT, "benchmarks", "reference", "pytorch_train.py")] + args + \
        ["--data", paths["root"], "--cache", paths["root"]]


def run_one(cmd, threads, impl=""):
    env = dict(os.environ)
    env.update(IMPL_ENV.get(impl, {}))
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = str(threads)
    # /usr/bin/time reports the peak resident set of the whole process (the interpreter too).
    r = subprocess.run(["/usr/bin/time", "-f", "PEAK_RSS_KB %M"] + cmd, env=env, capture_output=True, text=True,
                       timeout=3600)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0 or not lines:
        sys.exit("compare.py: %s failed (exit %d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout[-2000:],
                                                            r.stderr[-3000:]))
    row = json.loads(lines[-1])
    rss = [l for l in r.stderr.splitlines() if l.startswith("PEAK_RSS_KB ")]
    if rss:
        row["peak_rss_mb"] = int(rss[-1].split()[1]) / 1024.0
    return row


# ---- reporting ------------------------------------------------------------------------------

def med(rows, key):
    return statistics.median(r[key] for r in rows)


def summarise(results, impls, threads_list):
    """{(impl, variant, model, threads): dict of medians/means} over the reps."""
    s = {}
    for impl in impls:
        for t in threads_list:
            for variant in ("dataloader", "tensors"):
                for model in ALL_MODELS:
                    rows = [r for r in results if (r["impl_key"], r["variant"], r["model"], r["threads"]) ==
                            (impl, variant, model, t)]
                    if not rows:
                        continue
                    accs = [r["test_acc"] for r in rows]
                    rss = [r["peak_rss_mb"] for r in rows if "peak_rss_mb" in r]
                    s[(impl, variant, model, t)] = {
                        "label": impl, "n": len(rows), "epoch_s": med(rows, "epoch_s"),
                        "min_s": min(r["epoch_s"] for r in rows), "max_s": max(r["epoch_s"] for r in rows),
                        "samples_per_s": med(rows, "samples_per_s"), "gflops": med(rows, "gflops"),
                        "acc": statistics.mean(accs), "acc_lo": min(accs), "acc_hi": max(accs),
                        "rss": max(rss) if rss else None}
    return s


def table(s, impls, threads_list):
    lines = ["| threads | model | variant | impl | epoch s (median) | min-max s | samples/s | GFLOP/s | "
             "test acc (mean, min-max) | x libtorch same variant | x libtorch tensors | peak RSS MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for t in threads_list:
        for model in ALL_MODELS:
            for variant in ("dataloader", "tensors"):
                for impl in impls:
                    v = s.get((impl, variant, model, t))
                    if not v:
                        continue
                    ref_same = s.get(("libtorch", variant, model, t))
                    ref_t = s.get(("libtorch", "tensors", model, t))
                    ratio = lambda ref: "%.2f" % (v["epoch_s"] / ref["epoch_s"]) if ref else "-"
                    lines.append("| %d | %s | %s | %s | %.3f | %.3f-%.3f | %.0f | %.2f | %.4f (%.4f-%.4f) | %s | %s | %s |" % (
                        t, model, variant, v["label"], v["epoch_s"], v["min_s"], v["max_s"], v["samples_per_s"],
                        v["gflops"], v["acc"], v["acc_lo"], v["acc_hi"], ratio(ref_same), ratio(ref_t),
                        "%.0f" % v["rss"] if v["rss"] is not None else "-"))
    return "\n".join(lines)


def paired_ratio(results, impl, variant, model, t_hi, t_lo):
    """Median over reps of epoch(t_hi) / epoch(t_lo), each rep's two runs paired."""
    by = {}
    for r in results:
        if (r["impl_key"], r["variant"], r["model"]) == (impl, variant, model) and "rep" in r:
            by.setdefault(r["rep"], {})[r["threads"]] = r["epoch_s"]
    rs = [v[t_hi] / v[t_lo] for v in by.values() if t_hi in v and t_lo in v]
    return statistics.median(rs) if rs else None


def targets(s, impls, threads_list, footprint, results):
    """The issue's targets, each marked met / missed, as markdown list lines."""
    out_lines = []

    def ratio(a, b):
        return s[a]["epoch_s"] / s[b]["epoch_s"] if a in s and b in s else None

    def mark(ok):
        return "**met**" if ok else "**missed**"

    torchlets = [i for i in impls if i.startswith("torchlet")]
    have_lt = any(k[0] == "libtorch" for k in s)
    if have_lt and 1 in threads_list:
        for impl in torchlets:
            for model, lim_dl, lim_t in (("linear", 0.25, 0.6), ("mlp", 0.8, 1.0)):
                r_dl = ratio((impl, "dataloader", model, 1), ("libtorch", "dataloader", model, 1))
                r_t = ratio((impl, "dataloader", model, 1), ("libtorch", "tensors", model, 1))
                if r_dl is None or r_t is None:
                    continue
                out_lines.append(
                    "- %s, %s, idiomatic pipeline (dataloader), 1 thread: %.2fx libtorch's DataLoader epoch "
                    "(target <= %.2fx: %s), %.2fx libtorch's tensor epoch (target <= %.2fx: %s)" % (
                        impl, model, r_dl, lim_dl, mark(r_dl <= lim_dl), r_t, lim_t, mark(r_t <= lim_t)))
        for impl in torchlets:
            for model in ("linear", "mlp"):
                r = ratio((impl, "tensors", model, 1), ("libtorch", "tensors", model, 1))
                if r is not None:
                    out_lines.append("- (for reference) %s, %s, tensors vs libtorch tensors, 1 thread: %.2fx" % (
                        impl, model, r))
    # Issue 16: the CNN at 1 thread, and what a second thread buys.
    if 1 in threads_list:
        for impl in torchlets:
            for ref, lim in (("pytorch", 0.8), ("libtorch", 0.8)):
                r = ratio((impl, "tensors", "cnn", 1), (ref, "tensors", "cnn", 1))
                if r is not None:
                    out_lines.append("- %s, cnn, 1 thread: %.2fx %s's epoch (target <= %.2fx: %s)" % (
                        impl, r, ref, lim, mark(r <= lim)))
    if 1 in threads_list and 2 in threads_list:
        for impl in torchlets:
            for variant, model in (("dataloader", "mlp"), ("tensors", "mlp"), ("tensors", "cnn")):
                r = paired_ratio(results, impl, variant, model, 2, 1)
                if r is None:
                    continue
                beats = []
                for ref in ("pytorch", "libtorch"):
                    rr = ratio((impl, variant, model, 2), (ref, variant, model, 2))
                    if rr is not None:
                        beats.append("%.2fx %s's 2-thread epoch (target < 1: %s)" % (rr, ref, mark(rr < 1)))
                out_lines.append("- %s, %s/%s, 2 threads: %.2fx its own 1-thread epoch (target <= 0.60: %s)%s" % (
                    impl, model, variant, r, mark(r <= 0.6), ("; " + ", ".join(beats)) if beats else ""))
    # Issue 17: the compiled mode built for the baseline against the -march=native header-only
    # build, and its forced baseline kernels against the portable header-only build.
    if 1 in threads_list:
        for impl, ref, what in (("torchlet-compiled", "torchlet", "-march=native header-only build"),
                                ("torchlet-compiled-default", "torchlet-portable", "portable header-only build")):
            for variant, model in (("dataloader", "mlp"), ("tensors", "mlp"), ("tensors", "cnn")):
                r = ratio((impl, variant, model, 1), (ref, variant, model, 1))
                if r is not None:
                    out_lines.append("- %s, %s/%s, 1 thread: %.2fx the %s's epoch (target <= 1.10: %s)" % (
                        impl, model, variant, r, what, mark(r <= 1.10)))
    if 1 in threads_list and 2 in threads_list:
        for impl in impls:
            parts, ok = [], True
            for variant in ("dataloader", "tensors"):
                for model in ("linear",):
                    r = paired_ratio(results, impl, variant, model, 2, 1)
                    if r is None:
                        continue
                    parts.append("%s/%s %.2f" % (model, variant, r))
                    ok = ok and r <= 1.05
            if parts:
                verdict = (" (target: not slower, 5%% noise allowed: %s)" % mark(ok)) if impl.startswith("torchlet") \
                    else (" (%s)" % ("slower with 2 threads" if not ok else "not slower"))
                out_lines.append("- linear, 2 threads / 1 thread epoch time (median of the per-rep ratios), %s: %s%s" % (
                    impl, ", ".join(parts), verdict))
    # Amdahl's projection from the 1-thread runs' share of time in splittable regions.
    for impl in torchlets:
        for variant in ("dataloader", "tensors"):
            for model in ALL_MODELS:
                rows = [r for r in results if (r["impl_key"], r["variant"], r["model"], r["threads"]) ==
                        (impl, variant, model, 1) and "parallel_s" in r]
                if not rows:
                    continue
                p = statistics.median(r["parallel_s"] / r["epoch_s"] for r in rows)
                t1 = statistics.median(r["epoch_s"] for r in rows)
                proj = ", ".join("%d cores %.2f s (%.1fx)" % (n, t1 * ((1 - p) + p / n), 1 / ((1 - p) + p / n))
                                 for n in (2, 8, 16))
                out_lines.append(
                    "- Projection, not a measurement (Amdahl, perfect scaling of the parallel part assumed): %s "
                    "%s/%s spends %.1f%% of its 1-thread epoch (%.2f s) in regions split across threads: %s" % (
                        impl, model, variant, 100 * p, t1, proj))
    if footprint:
        (tw, tc, tm), (lw, lc, lm) = footprint["torchlet"], footprint["libtorch"]

        out_lines.append(
            "- Compile footprint: examples/mnist_linear.cpp %.1f s wall (%.1f s CPU), %.0f MB vs the libtorch reference "
            "%.1f s wall (%.1f s CPU), %.0f MB: %.2fx the CPU time, %.2fx the memory (target <= 0.33x each: %s, %s)" % (
                tw, tc, tm, lw, lc, lm, tc / lc, tm / lm, mark(tc / lc <= 1 / 3), mark(tm / lm <= 1 / 3)))
    if have_lt:
        for impl in torchlets:
            for variant in ("dataloader", "tensors"):
                for model in ALL_MODELS:
                    keys = [(impl, variant, model, t) for t in threads_list]
                    refs = [("libtorch", variant, model, t) for t in threads_list]
                    if not all(k in s for k in keys + refs):
                        continue
                    a = statistics.mean(s[k]["acc"] for k in keys)
                    b = statistics.mean(s[k]["acc"] for k in refs)
                    spread = max(max(s[k]["acc_hi"] for k in refs) - min(s[k]["acc_lo"] for k in refs),
                                 max(s[k]["acc_hi"] for k in keys) - min(s[k]["acc_lo"] for k in keys))
                    out_lines.append(
                        "- Test accuracy after 2 epochs, %s %s/%s: %.2f%% vs libtorch %.2f%% (difference %.2f points, "
                        "target <= 0.5: %s; seed-to-seed spread on either side: %.2f points)" % (
                            impl, model, variant, 100 * a, 100 * b, 100 * abs(a - b), mark(abs(a - b) <= 0.005),
                            100 * spread))
    return "\n".join(out_lines)


def machine():
    model = cores = "?"
    for line in out(["lscpu"]).splitlines():
        k, _, v = line.partition(":")
        if k.strip() == "Model name":
            model = v.strip()
        if k.strip() == "CPU(s)":
            cores = v.strip()
    return "%s, %s CPUs (lscpu), %s, Linux %s" % (model, cores, platform.machine(), platform.release())


def versions():
    v = {"g++": out(["g++", "--version"]).splitlines()[0] if out(["g++", "--version"]) != "?" else "?"}
    v["cmake"] = out(["cmake", "--version"]).splitlines()[0]
    v["python"] = out([PYTHON, "--version"])
    v["torch (python3-torch)"] = out([PYTHON, "-c", "import torch; print(torch.__version__)"])
    v["torchvision"] = out([PYTHON, "-c", "import torchvision; print(torchvision.__version__)"])
    v["libtorch-dev"] = out(["dpkg-query", "-W", "-f=${Version}", "libtorch-dev"])
    v["OpenBLAS (libopenblas0-pthread)"] = out(["dpkg-query", "-W", "-f=${Version}", "libopenblas0-pthread"])
    eig = "?"
    for inc in ("/usr/include/eigen3/Eigen/src/Core/util/Macros.h", "/usr/local/include/eigen3/Eigen/src/Core/util/Macros.h"):
        if os.path.isfile(inc):
            txt = open(inc).read()
            m = [re.search(r"#define EIGEN_%s_VERSION (\d+)" % p, txt) for p in ("WORLD", "MAJOR", "MINOR")]
            if all(m):
                eig = ".".join(x.group(1) for x in m)
            break
    v["Eigen"] = eig
    return v


def write_doc(path, text):
    kept = ""
    if os.path.isfile(path):
        old = open(path).read()
        if MARKER in old:
            kept = old.split(MARKER, 1)[1]
    with open(path, "w") as f:
        f.write(text.rstrip() + "\n\n" + MARKER + (kept if kept else "\n"))


def check_blas():
    """Debian's libtorch and PyTorch take their GEMM from the libblas.so.3 alternative."""
    link = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    if "/blas/" in link:
        sys.exit("compare.py: libblas.so.3 is the reference BLAS (%s): libtorch and PyTorch would run 20x "
                 "slower than they do for users. Install libopenblas0-pthread." % link)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=3, help="runs of every program per thread count (default 3)")
    p.add_argument("--threads", default="1,2", help="thread counts, in order within every rep (default 1,2)")
    p.add_argument("--impls", default=",".join(ALL_IMPLS), help="sides to run (default: all)")
    p.add_argument("--models", default=",".join(ALL_MODELS), help="models to run (default: linear,mlp,cnn)")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="Fashion-MNIST IDX files (.gz or raw)")
    p.add_argument("--num-workers", type=int, default=0, help="DataLoader workers on every side (default 0)")
    p.add_argument("--jobs", type=int, default=2, help="parallel build jobs")
    p.add_argument("--compile-runs", type=int, default=2, help="compiles timed per program (best kept)")
    p.add_argument("--doc", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    p.add_argument("--no-doc", action="store_true", help="print the table only")
    p.add_argument("--note", default="", help="a line to put next to the figures (e.g. the machine's load)")
    p.add_argument("--from-runs", metavar="JSONL", help="build and run nothing: report the runs file of an earlier "
                   "run (BUILD_DIR/compare-runs.jsonl, written as the runs go)")
    a = p.parse_args()
    if not a.from_runs:
        impls = [i.strip() for i in a.impls.split(",") if i.strip()]
        for i in impls:
            if i not in ALL_IMPLS:
                p.error("unknown impl '%s' (known: %s)" % (i, ", ".join(ALL_IMPLS)))
        threads_list = [int(t) for t in a.threads.split(",")]
        a.models = [m.strip() for m in a.models.split(",") if m.strip()]
        for m in a.models:
            if m not in ALL_MODELS:
                p.error("unknown model '%s' (known: %s)" % (m, ", ".join(ALL_MODELS)))
        if a.reps < 1 or any(t < 1 for t in threads_list):
            p.error("--reps and --threads must be positive")
        if not os.path.isfile("/usr/bin/time"):
            sys.exit("compare.py: /usr/bin/time is missing (Debian: apt-get install time)")
        if "libtorch" in impls or "pytorch" in impls:
            check_blas()
        meta, footprint, results = measure(a, impls, threads_list)
    else:
        meta, footprint, results = load_runs(a.from_runs)
        impls = [i for i in ALL_IMPLS if any(r["impl_key"] == i for r in results)]
        threads_list = sorted({r["threads"] for r in results})
    report(a, meta, footprint, results, impls, threads_list)


def measure(a, impls, threads_list):
    """Builds, times the compiles, runs everything; returns (meta, footprint, results)."""
    build = os.path.abspath(a.build_dir)
    raw_path = os.path.join(build, "compare-runs.jsonl")  # written as the runs go: a cut-short run keeps its data
    os.makedirs(build, exist_ok=True)
    raw_file = open(raw_path, "w")
    meta = {"kind": "meta", "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_before": list(os.getloadavg()), "argv": sys.argv[1:], "reps": a.reps,
            "commit": out(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
            "dirty": bool(out(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"]))}
    raw_file.write(json.dumps(meta) + "\n")

    exes = {}
    for impl in impls:
        if impl.startswith("torchlet"):
            exes[impl] = build_torchlet(build, impl, a.jobs)
    footprint = None
    if "libtorch" in impls:
        exes["libtorch"] = build_libtorch(build, a.jobs)
        if "torchlet" not in exes:
            build_torchlet(build, "torchlet", a.jobs)  # for mnist_linear's compile command
        runs = {"torchlet": [], "libtorch": []}
        for _ in range(a.compile_runs):  # alternately, best of --compile-runs
            runs["torchlet"].append(time_compile(build, os.path.join(ROOT, "examples", "mnist_linear.cpp")))
            runs["libtorch"].append(time_compile(os.path.join(build, "libtorch"),
                                                 os.path.join(ROOT, "benchmarks", "reference", "libtorch_train.cpp")))
        if a.compile_runs > 0:  # --compile-runs 0: no compile footprint
            footprint = {k: [min(r[0] for r in v), min(r[1] for r in v), min(r[2] for r in v)]
                         for k, v in runs.items()}
            footprint["runs"] = a.compile_runs
            log("compile footprint (best of %d): %s" % (a.compile_runs, footprint))
            raw_file.write(json.dumps({"kind": "compile", **footprint}) + "\n")
    root, raw = prepare_raw(a.data, build)
    paths = {"gz": a.data, "raw": raw, "root": root}

    # Rep-major: every rep runs thread count 1 then 2, each time every side in a rotated order,
    # so that the two thread counts of a side are measured minutes apart, not an hour apart.
    configs = [(impl, variant, model) for model in a.models for variant in ("dataloader", "tensors")
               for impl in impls if model != "cnn" or variant == "tensors"]
    results = []
    for rep in range(a.reps):
        for t in threads_list:
            order = configs[rep % len(configs):] + configs[:rep % len(configs)]  # rotate: no side always first
            for impl, variant, model in order:
                cmd = command(impl, exes.get(impl), variant, model, t, rep, a.num_workers, paths)
                r = run_one(cmd, t, impl)
                r["impl_key"], r["rep"] = impl, rep
                results.append(r)
                raw_file.write(json.dumps(r) + "\n")
                raw_file.flush()
                log("[rep %d threads %d] %s" % (rep + 1, t, json.dumps(r)))
    meta["load_after"] = list(os.getloadavg())
    raw_file.write(json.dumps({"kind": "end", "load_after": meta["load_after"]}) + "\n")
    raw_file.close()
    return meta, footprint, results


def load_runs(path):
    meta, footprint, results = {}, None, []
    for line in open(path):
        if not line.strip():
            continue
        r = json.loads(line)
        kind = r.pop("kind", None)
        if kind == "meta":
            meta.update(r)
        elif kind == "end":
            meta["load_after"] = r["load_after"]
        elif kind == "compile":
            footprint = r
        else:
            r.setdefault("impl_key", r["impl"])
            results.append(r)
    if not results:
        sys.exit("compare.py: no runs in " + path)
    return meta, footprint, results


def report(a, meta, footprint, results, impls, threads_list):
    s = summarise(results, impls, threads_list)
    tab = table(s, impls, threads_list)
    tgt = targets(s, impls, threads_list, footprint, results)
    print(tab)
    print()
    print(tgt)
    if a.no_doc:
        return
    raw_lines = [json.dumps({k: v for k, v in r.items() if k not in ("impl_key", "rep")}) for r in results]
    reps = meta.get("reps", max(r.get("rep", 0) for r in results) + 1)
    cmdline = "/usr/bin/python3 benchmarks/compare.py " + " ".join(shlex.quote(x) for x in meta.get("argv", []))
    commit, dirty = meta.get("commit", "?"), meta.get("dirty", False)
    lb, la = meta.get("load_before"), meta.get("load_after")
    fmt_load = lambda l: "%.2f %.2f %.2f" % tuple(l) if l else "?"
    ver = versions()
    doc = ["# Benchmarks: one epoch of Fashion-MNIST training, torchlet vs libtorch vs PyTorch", "",
           "Generated by `benchmarks/compare.py` (do not edit above the marker; notes go below it).", "",
           "**Command:** `%s` (from the repository root)  " % cmdline.strip(),
           "**Commit:** %s%s  " % (commit, " (with uncommitted changes in the working tree)" if dirty else ""),
           "**Date:** %s  " % meta.get("started", "?"),
           "**Machine:** %s  " % machine(),
           "**Load average (1, 5, 15 min)** before: %s, after: %s%s" % (
               fmt_load(lb), fmt_load(la), ("  \n**Note:** " + a.note) if a.note else ""),
           "",
           "**Versions:** " + "; ".join("%s %s" % kv for kv in ver.items()), "",
           "## The job", "",
           "Fashion-MNIST (60,000 training and 10,000 test images from Debian's dataset-fashion-mnist), pixels /255 "
           "then normalised with mean 0.2860 and std 0.3530, batch 64, shuffled every epoch. "
           "Model `linear` (784->10) or `mlp` (784-256-10, ReLU), trained with SGD lr 0.05 on cross_entropy, or "
           "`cnn`, pytorch/examples' mnist Net (Conv2d 1->32 3x3, ReLU, Conv2d 32->64 3x3, ReLU, max_pool2d 2, "
           "Dropout 0.25, Linear 9216->128, ReLU, Dropout 0.5, Linear 128->10, log_softmax) on nll_loss with SGD "
           "lr 0.01 momentum 0.5 (libtorch 1.13's C++ API has no Adadelta), tensors variant only. Each program trains one warm-up epoch (the cnn: "
           "%d batches), times one epoch, then measures the test accuracy (test batch 1000). Rep r of every side "
           "uses seed r, so the accuracy columns average different initialisations and shuffles. Peak RSS: "
           "`/usr/bin/time`'s maximum resident set of the whole process (PyTorch's includes the interpreter)." %
           CNN_WARMUP_BATCHES, "",
           "- `dataloader`: the idiomatic pipeline of each side. torchlet: `vision::FashionMNIST` + "
           "`transforms::Compose{ToTensor, Normalize}` + `data::DataLoader(shuffle)`; libtorch: "
           "`torch::data::datasets::MNIST` + `Normalize` + `Stack` + `make_data_loader<RandomSampler>`; PyTorch: "
           "`torchvision.datasets.FashionMNIST` + `transforms` + `DataLoader(shuffle=True)`. num_workers = %s." %
           ", ".join(sorted({str(r["num_workers"]) for r in results})),
           "- `tensors`: the whole training set normalised once into one tensor [60000, 784]; every epoch a "
           "`randperm`, every batch gathered from it (`index_select` / `x[idx]`).",
           "- Builds: `torchlet` = the project's default flags (`-O3 -march=native`, `TORCHLET_NATIVE=ON`: Eigen's "
           "AVX2/AVX-512 + FMA kernels); `torchlet-blas` = the same plus `-DTORCHLET_USE_BLAS=ON` (Eigen's products "
           "on the system BLAS, OpenBLAS here); `torchlet-portable` = `-DTORCHLET_NATIVE=OFF` (the x86-64 baseline, "
           "Eigen's SSE2 kernels: a binary that runs on any x86-64). libtorch and PyTorch are Debian's builds "
           "(OpenMP, OpenBLAS, oneDNN; runtime CPU dispatch).",
           "- Threads pinned on every side: torchlet `--threads` (`torchlet::set_num_threads`), "
           "`torch.set_num_threads` / `at::set_num_threads`, and `OMP_NUM_THREADS`, `OPENBLAS_NUM_THREADS`, "
           "`MKL_NUM_THREADS` in the environment.",
           "- GFLOP/s counts the matrix products only: forward, weight gradient and the input gradients that are "
           "needed (none for the first layer): linear 31,360 FLOP/sample (1.88 GFLOP/epoch), mlp 818,176 "
           "FLOP/sample (49.1 GFLOP/epoch); formula in `benchmarks/train_epoch.cpp`.", "",
           "## Results (medians of %d runs per row, run alternately)" % reps, "",
           tab, "",
           "## Targets of issue 7", "",
           tgt, ""]
    if footprint:
        doc += ["## Compile footprint (`/usr/bin/time -v`, one translation unit, best of %d)" % footprint.get("runs", 1), "",
                "| program | wall s | CPU s (user+sys) | max RSS MB |", "|---|---|---|---|",
                "| examples/mnist_linear.cpp (torchlet) | %.1f | %.1f | %.0f |" % tuple(footprint["torchlet"]),
                "| benchmarks/reference/libtorch_train.cpp | %.1f | %.1f | %.0f |" % tuple(footprint["libtorch"]), ""]
    doc += ["## Raw results (one JSON line per run, in run order)", "", "<details><summary>%d runs</summary>" %
            len(raw_lines), "", "```"] + raw_lines + ["```", "", "</details>"]
    os.makedirs(os.path.dirname(a.doc), exist_ok=True)
    write_doc(a.doc, "\n".join(doc))
    log("wrote " + a.doc)


if __name__ == "__main__":
    main()
