#!/usr/bin/python3
"""Writes the PyTorch reference values the nn/optim tests compare against.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_nn_fixtures.py
Outputs (committed) in tests/fixtures/nn/:
  reprs.txt        print(model) of the modules built in tests/nn/module.cpp
  layers.bin       per layer: inputs, parameters, output, upstream grad, input/param grads
  losses.bin       per loss: input, target, loss, input grad
  optim.bin        parameters after 20 steps of every optimizer / scheduler configuration
  mlp_epoch.bin    initial MLP weights and PyTorch's per-step loss over one epoch

.bin format ("TLFX1"): the line b"TLFX1\\n", then for each tensor a header line
"<name> <f32|f64|i64> <ndim> <d0> ... <dn-1>\\n" followed by its raw little-endian data.
"""
import gzip
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "nn")
torch.set_num_threads(1)


class Fixture:
    def __init__(self):
        self.items = {}

    def add(self, name, t):
        if name in self.items:
            raise KeyError(name)
        if isinstance(t, torch.Tensor):
            t = t.detach().cpu().numpy()
        a = np.ascontiguousarray(np.asarray(t))
        if a.dtype == np.float32:
            kind = "f32"
        elif a.dtype == np.float64:
            kind = "f64"
        elif a.dtype in (np.int64, np.int32, np.bool_):
            a = a.astype(np.int64)
            kind = "i64"
        else:
            raise TypeError(f"{name}: dtype {a.dtype}")
        self.items[name] = (kind, a)

    def write(self, filename):
        path = os.path.join(OUT, filename)
        with open(path, "wb") as f:
            f.write(b"TLFX1\n")
            for name, (kind, a) in self.items.items():
                dims = " ".join(str(d) for d in a.shape)
                f.write(f"{name} {kind} {a.ndim}{' ' if a.ndim else ''}{dims}\n".encode())
                f.write(a.astype(a.dtype.newbyteorder("<")).tobytes())
        print(f"wrote {path} ({len(self.items)} tensors, {os.path.getsize(path)} bytes)")


# --------------------------------------------------------------------------- reprs
def make_reprs():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(784, 10)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 6, 5, padding=2)
            self.bn = nn.BatchNorm2d(6)
            self.act = nn.ReLU()

    class Deep(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(Block(), nn.MaxPool2d(2), nn.Dropout(0.25))
            self.heads = nn.ModuleList([nn.Linear(4, 2), nn.Linear(2, 1, bias=False)])
            self.norm = nn.LayerNorm(10)
            self.emb = nn.Embedding(10, 3, padding_idx=0)

    reprs = {
        "net": Net(),
        "mlp": nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)),
        "deep": Deep(),
        "layers": nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=2, groups=1, bias=False),
            nn.Conv2d(8, 8, (3, 1), groups=4),
            nn.AvgPool2d(3, stride=2, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
            nn.BatchNorm1d(4, eps=1e-3, momentum=0.01, affine=False),
            nn.LeakyReLU(0.2),
            nn.GELU(approximate="tanh"),
            nn.Sigmoid(),
            nn.Tanh(),
            nn.Softmax(dim=1),
            nn.LogSoftmax(dim=-1),
            nn.Identity(),
            nn.Flatten(0, 2),
            nn.Dropout(),
            nn.LayerNorm([2, 3], eps=1e-6, elementwise_affine=False),
        ),
    }
    path = os.path.join(OUT, "reprs.txt")
    with open(path, "w") as f:
        for name, m in reprs.items():
            text = repr(m)
            f.write(f"@@ {name} {len(text.splitlines())}\n{text}\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_reprs()
