#!/usr/bin/env python3
"""Fixtures of tests/io/pt.cpp and seeds of fuzz/fuzz_pt.cpp, written by PyTorch (1.13)'s
own torch.save, so the C++ tests need no PyTorch.

Writes, under tests/fixtures/io/pt/:
  dtypes.pt        OrderedDict, one tensor per dtype: f32 f64 f16 bf16 i64 i32 i16 i8 u8 bool,
                   values [-3, 0, 5, 1] (bool: [1, 0, 1, 1]); plus a 0-dim and an empty tensor
  views.pt         base [3, 4] = arange(12); "t" = base.t() (non-contiguous), "row" = base[1]
                   (offset 4), "same" = base again (all one storage), "step" = base[:, ::2]
  checkpoint.pt    {"model": OrderedDict, "optimizer": SGD(momentum) state_dict after 2 steps,
                   "epoch": 3, "loss": 0.25, "name": "run", "flags": [True, None],
                   "shape": (2, 3)}
  adam.pt          an Adam state_dict after 2 steps (betas tuple, step tensors)
  deflated.pt      views.pt re-zipped with every entry deflated
  legacy.pt        views.pt written with _use_new_zipfile_serialization=False
  mnist_cnn.pt     a small CNN in the shape of pytorch/examples' mnist Net (conv 1-8-16,
                   max-pool, fc 2304-32-10, log_softmax) trained 2 epochs on data/mnist's
                   8,000 training images with torch.manual_seed(1)
  mnist_cnn_expected.pt  {"correct": correct predictions on the 2,000 test images,
                   "logits": the outputs of the first 16 test images}
And copies the small ones into fuzz/corpus/pt/, with the data.pkl of views.pt and
checkpoint.pt as bare pickle seeds (views.pkl, checkpoint.pkl: fuzz_pt's pickle mode).

Usage from the repository root:
    /usr/bin/python3 scripts/make_pt_fixtures.py
"""
import gzip
import os
import shutil
import struct
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "tests", "fixtures", "io", "pt")
SEEDS = os.path.join(HERE, "..", "fuzz", "corpus", "pt")
MNIST = os.path.join(HERE, "..", "data", "mnist")


def p(name):
    return os.path.join(ROOT, name)


def idx(name):
    with gzip.open(os.path.join(MNIST, name + ".gz"), "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.fc1 = nn.Linear(2304, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def mnist():
    torch.manual_seed(1)
    norm = lambda x: ((x.float() / 255.0) - 0.1307) / 0.3081  # noqa: E731
    xtr, ytr = norm(idx("train-images-idx3-ubyte")).unsqueeze(1), idx("train-labels-idx1-ubyte").long()
    xte, yte = norm(idx("t10k-images-idx3-ubyte")).unsqueeze(1), idx("t10k-labels-idx1-ubyte").long()
    model = Net()
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
    for _ in range(2):
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            F.nll_loss(model(xtr[b]), ytr[b]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        out = model(xte)
    correct = int((out.argmax(1) == yte).sum())
    print("mnist_cnn: %d / %d correct" % (correct, len(yte)))
    torch.save(model.state_dict(), p("mnist_cnn.pt"))
    torch.save({"correct": correct, "logits": out[:16].clone()}, p("mnist_cnn_expected.pt"))


def main():
    os.makedirs(ROOT, exist_ok=True)
    os.makedirs(SEEDS, exist_ok=True)
    v = torch.tensor([-3.0, 0.0, 5.0, 1.0], dtype=torch.float64)
    sd = {}
    for name, dt in [("f32", torch.float32), ("f64", torch.float64), ("f16", torch.float16),
                     ("bf16", torch.bfloat16), ("i64", torch.int64), ("i32", torch.int32),
                     ("i16", torch.int16), ("i8", torch.int8), ("u8", torch.uint8),
                     ("bool", torch.bool)]:
        sd[name] = (v if dt != torch.uint8 else v.abs()).to(dt)
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    import collections
    torch.save(collections.OrderedDict(sd), p("dtypes.pt"))

    base = torch.arange(12.0).reshape(3, 4)
    views = collections.OrderedDict(t=base.t(), row=base[1], same=base, step=base[:, ::2])
    torch.save(views, p("views.pt"))
    torch.save(views, p("legacy.pt"), _use_new_zipfile_serialization=False)
    with zipfile.ZipFile(p("views.pt")) as src, \
            zipfile.ZipFile(p("deflated.pt"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename.replace("views/", "deflated/"), src.read(info.filename))

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    for opt, name in [(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), None),
                      (torch.optim.Adam(model.parameters(), lr=0.01), "adam.pt")]:
        for _ in range(2):
            opt.zero_grad()
            model(torch.ones(5, 3)).pow(2).sum().backward()
            opt.step()
        if name:
            torch.save(opt.state_dict(), p(name))
        else:
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
                        "loss": 0.25, "name": "run", "flags": [True, None], "shape": (2, 3)},
                       p("checkpoint.pt"))
    mnist()
    seeds()


def seeds():
    for name in ["dtypes.pt", "views.pt", "checkpoint.pt", "adam.pt", "deflated.pt", "legacy.pt"]:
        shutil.copy(p(name), os.path.join(SEEDS, name))
    for name in ["views", "checkpoint"]:
        with zipfile.ZipFile(p(name + ".pt")) as z, open(os.path.join(SEEDS, name + ".pkl"), "wb") as f:
            f.write(z.read(name + "/data.pkl"))


if __name__ == "__main__":
    main()
