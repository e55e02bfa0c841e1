#!/usr/bin/python3
"""One epoch of Fashion-MNIST training, timed: PyTorch's side of docs/benchmarks.md.

    /usr/bin/python3 benchmarks/reference/pytorch_train.py [--model linear|mlp|cnn]
        [--variant dataloader|tensors] [--batch-size 64] [--num-workers 0] [--threads 1]
        [--data DIR] [--seed 0] [--warmup-batches 0]

The same job as benchmarks/train_epoch.cpp (see there): pixels /255 then normalised
(mean 0.2860, std 0.3530), batch 64, shuffled every epoch; linear and mlp with SGD lr 0.05 on
cross_entropy, cnn (pytorch/examples' mnist Net) with SGD lr 0.01 momentum 0.5 on nll_loss (libtorch
1.13's C++ API has no Adadelta, so every side uses SGD); one warm-up
epoch (or --warmup-batches batches), one timed epoch, then the test accuracy (test batch 1000).
Prints ONE JSON line.

DIR is a directory holding the Fashion-MNIST IDX files, raw or .gz (default: Debian's
/usr/share/datasets/fashion-mnist). torchvision wants root/FashionMNIST/raw/<raw files>:
unless DIR already is such a root, the files are gunzipped once into --cache
(default: $XDG_CACHE_HOME/torchlet-bench or ~/.cache/torchlet-bench).
"""
import argparse
import gzip
import json
import os
import shutil
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision import transforms

MEAN, STD, LR = 0.2860, 0.3530, 0.05
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def prepare_root(data: str, cache: str) -> str:
    """A root with FashionMNIST/raw/<uncompressed IDX files>, as torchvision expects."""
    if all(os.path.isfile(os.path.join(data, "FashionMNIST", "raw", f)) for f in FILES):
        return data
    raw = os.path.join(cache, "FashionMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for f in FILES:
        dst = os.path.join(raw, f)
        if os.path.isfile(dst):
            continue
        src_raw, src_gz = os.path.join(data, f), os.path.join(data, f + ".gz")
        tmp = dst + ".tmp%d" % os.getpid()
        if os.path.isfile(src_raw):
            shutil.copyfile(src_raw, tmp)
        elif os.path.isfile(src_gz):
            with gzip.open(src_gz, "rb") as i, open(tmp, "wb") as o:
                shutil.copyfileobj(i, o)
        else:
            sys.exit("pytorch_train.py: cannot find '%s' (or '%s.gz') in '%s'" % (f, f, data))
        os.replace(tmp, dst)
    return cache


class LinearNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):  # x: [B, 1, 28, 28] or [B, 784] -> [B, 10]
        return self.fc(x.flatten(1))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):  # x: [B, 1, 28, 28] or [B, 784] -> [B, 10]
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def flops_per_sample(model: str) -> float:
    """Matrix-product FLOPs per training sample (formula in benchmarks/train_epoch.cpp)."""
    if model == "cnn":  # see benchmarks/train_epoch.cpp
        return 2.0 * (2.0 * 32 * 26 * 26 * 9 + 3.0 * 64 * 24 * 24 * 288 + 3.0 * 9216 * 128 + 3.0 * 128 * 10)
    return 4.0 * 784 * 10 if model == "linear" else 4.0 * 784 * 256 + 6.0 * 256 * 10


class CNN(nn.Module):
    """pytorch/examples' mnist Net."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):  # x: [B, 1, 28, 28] or [B, 784] -> log-probabilities [B, 10]
        x = F.relu(self.conv1(x.reshape(-1, 1, 28, 28)))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(self.dropout1(x), 1)))
        return F.log_softmax(self.fc2(self.dropout2(x)), dim=1)


def loss_fn(model, images, labels):
    if isinstance(model, CNN):
        return F.nll_loss(model(images), labels)
    return F.cross_entropy(model(images), labels)


def run_dataloader(root, model, opt, batch_size, workers, warmup):
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    train = torchvision.datasets.FashionMNIST(root, train=True, transform=tf, download=False)
    test = torchvision.datasets.FashionMNIST(root, train=False, transform=tf, download=False)
    loader = torch.utils.data.DataLoader(train, batch_size=batch_size, shuffle=True, num_workers=workers)
    test_loader = torch.utils.data.DataLoader(test, batch_size=1000)

    def epoch(limit):
        for i, (images, labels) in enumerate(loader):
            if limit and i == limit:
                break
            opt.zero_grad()
            loss = loss_fn(model, images, labels)
            loss.backward()
            opt.step()

    epoch(warmup)  # warm-up
    model.train()
    start = time.perf_counter()
    epoch(0)
    secs = time.perf_counter() - start
    model.eval()
    correct = seen = 0
    with torch.no_grad():
        for images, labels in test_loader:
            correct += (model(images).argmax(1) == labels).sum().item()
            seen += labels.numel()
    return len(train), secs, correct / seen


def preload(root, train):
    ds = torchvision.datasets.FashionMNIST(root, train=train, download=False)
    x = ((ds.data.float() / 255.0 - MEAN) / STD).reshape(-1, 784)
    return x, ds.targets


def run_tensors(root, model, opt, batch_size, warmup):
    x, y = preload(root, True)
    xt, yt = preload(root, False)
    n = x.size(0)

    def epoch(limit):
        perm = torch.randperm(n)
        end = min(n, limit * batch_size) if limit else n
        for pos in range(0, end, batch_size):
            idx = perm[pos:pos + batch_size]
            images, labels = x[idx], y[idx]
            opt.zero_grad()
            loss = loss_fn(model, images, labels)
            loss.backward()
            opt.step()

    epoch(warmup)  # warm-up
    start = time.perf_counter()
    epoch(0)
    secs = time.perf_counter() - start
    model.eval()
    correct = 0
    with torch.no_grad():
        for pos in range(0, xt.size(0), 1000):  # test batch 1000
            correct += (model(xt[pos:pos + 1000]).argmax(1) == yt[pos:pos + 1000]).sum().item()
    return n, secs, correct / xt.size(0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=["linear", "mlp", "cnn"], default="linear")
    p.add_argument("--variant", choices=["dataloader", "tensors"], default="dataloader")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--num-workers", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--cache", default=os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                                                   "torchlet-bench"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--warmup-batches", type=int, default=0, help="batches of the warm-up epoch (0: all)")
    a = p.parse_args()
    if a.batch_size < 1 or a.threads < 1 or a.num_workers < 0:
        p.error("--batch-size and --threads must be positive, --num-workers non-negative")
    if a.variant == "tensors" and a.num_workers:
        p.error("--num-workers applies to the dataloader variant only")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    root = prepare_root(a.data, a.cache)
    model = {"linear": LinearNet, "mlp": MLP, "cnn": CNN}[a.model]()
    if a.model == "cnn":
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=LR)
    if a.variant == "dataloader":
        n, secs, acc = run_dataloader(root, model, opt, a.batch_size, a.num_workers, a.warmup_batches)
    else:
        n, secs, acc = run_tensors(root, model, opt, a.batch_size, a.warmup_batches)
    print(json.dumps({"impl": "pytorch", "variant": a.variant, "model": a.model, "threads": a.threads,
                      "batch_size": a.batch_size, "num_workers": a.num_workers, "epoch_s": round(secs, 4),
                      "samples_per_s": round(n / secs, 1), "gflops": round(n * flops_per_sample(a.model) / secs / 1e9, 3),
                      "test_acc": round(acc, 4)}))


if __name__ == "__main__":
    main()
