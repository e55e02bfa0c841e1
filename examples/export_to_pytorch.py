#!/usr/bin/env python3
"""The PyTorch half of examples/export_to_pytorch.cpp: load the weights torchlet trained
into the same nn.Module and check that it predicts what the C++ model predicted.

    build/examples/export_to_pytorch
    /usr/bin/python3 examples/export_to_pytorch.py mnist_mlp.safetensors mnist_mlp_check.safetensors

The files are safetensors. With the `safetensors` package one would write
`safetensors.torch.load_file(path)`; without it (Debian has no python3-safetensors) the
format is simple enough to read with json and torch.frombuffer, as read_safetensors does.

With --run EXE the script first runs the C++ program (EXE, in the current directory) to
make the two files; tests/examples does that. Exit status: 0 when PyTorch agrees, 1 when
it does not, 77 when torch cannot be imported (the test is then reported as skipped).
"""

import argparse
import json
import struct
import subprocess
import sys

DTYPES = {"F32": "float32", "F64": "float64", "I64": "int64", "I32": "int32", "U8": "uint8", "BOOL": "bool"}


def read_safetensors(path):
    """{name: torch.Tensor} of a safetensors file: [u64 header size][JSON header][data]."""
    import torch

    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = getattr(torch, DTYPES[info["dtype"]])
        raw = bytearray(data[8 + n + begin:8 + n + end])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"])
    return tensors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", default="mnist_mlp.safetensors")
    parser.add_argument("check", nargs="?", default="mnist_mlp_check.safetensors")
    parser.add_argument("--run", metavar="EXE", help="run the C++ example first to make the files")
    args = parser.parse_args()

    if args.run:
        subprocess.run([args.run, "--out", args.model, "--check", args.check], check=True)
    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(f"SKIP: cannot import torch ({e}); install python3-torch and run with /usr/bin/python3")
        return 77

    # The same architecture as the C++ nn::Sequential: the keys "1.weight", "1.bias",
    # "3.weight", "3.bias" line up by themselves.
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    model.load_state_dict(read_safetensors(args.model))  # strict: every key must match
    model.eval()

    check = read_safetensors(args.check)
    with torch.no_grad():
        logits = model(check["images"])
    predictions = logits.argmax(1)
    diff = (logits - check["logits"]).abs()
    max_diff = diff.max().item()
    # float32 logits from two different matrix-product kernels: equal to within 1e-5
    # relative to their size (torch.allclose with rtol = atol = 1e-5).
    close = torch.allclose(logits, check["logits"], rtol=1e-5, atol=1e-5)
    largest = check["logits"].abs().max().item()
    same = (predictions == check["predictions"]).sum().item()
    n = len(predictions)
    correct = (predictions == check["labels"]).sum().item()
    print(f"PyTorch {torch.__version__}: loaded {args.model} into {model}")
    print(f"PyTorch predicts {correct} of {n} test digits correctly; "
          f"same class as C++ for {same} of {n}")
    print(f"max |logits - C++ logits| = {max_diff:.3g} (logits up to {largest:.3g} in size); "
          f"torch.allclose(rtol=1e-5, atol=1e-5): {close}")
    if same != n or not close:
        print("FAIL: PyTorch and torchlet disagree")
        return 1
    print("OK: PyTorch reproduces the C++ model's predictions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
