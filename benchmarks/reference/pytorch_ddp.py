#!/usr/bin/python3
"""PyTorch's side of benchmarks/ddp_compare.sh: DistributedDataParallel over gloo.

    /usr/bin/python3 benchmarks/reference/pytorch_ddp.py [--world-size 2] [--model mlp|cnn]
        [--epochs 3] [--batch-size 32] [--data DIR]

The job of benchmarks/ddp.cpp: MNIST-format IDX data (default: the bundled sample,
data/mnist), pixels /255 normalised (0.2860, 0.3530), the MLP 784-256-10 or the LeNet CNN,
SGD lr 0.05, batch per rank, a DistributedSampler shard per rank (set_epoch), one thread per
rank, local ranks started with torch.multiprocessing. One warm-up epoch, then --epochs timed
epochs; prints ONE JSON line with the median epoch time (slowest rank). With --world-size 1 the
model is not wrapped (PyTorch's single process).
"""
import argparse
import gzip
import json
import os
import statistics
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "data", "mnist")


def read_idx(path, offset):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def find(data, name):
    for p in (os.path.join(data, name), os.path.join(data, name + ".gz")):
        if os.path.isfile(p):
            return p
    raise FileNotFoundError(os.path.join(data, name))


def make_model(which):
    torch.manual_seed(0)
    if which == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def worker(rank, args, port, queue):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=args.world_size)
    images = read_idx(find(args.data, "train-images-idx3-ubyte"), 16).reshape(-1, 1, 28, 28)
    labels = read_idx(find(args.data, "train-labels-idx1-ubyte"), 8).astype(np.int64)
    x = (torch.from_numpy(images.copy()).float() / 255.0 - 0.2860) / 0.3530
    y = torch.from_numpy(labels.copy())
    model = make_model(args.model)
    net = DistributedDataParallel(model) if args.world_size > 1 else model
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    sampler = DistributedSampler(range(len(y)), num_replicas=args.world_size, rank=rank)
    b = args.batch_size
    times = []
    for epoch in range(args.epochs + 1):  # epoch 0: warm-up
        sampler.set_epoch(epoch)
        idx = torch.tensor(list(iter(sampler)))
        dist.barrier()
        start = time.perf_counter()
        steps = 0
        for k in range(0, len(idx) - b + 1, b):
            batch = idx[k:k + b]
            opt.zero_grad()
            F.cross_entropy(net(x[batch]), y[batch]).backward()
            opt.step()
            steps += 1
        t = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        if epoch > 0:
            times.append(t.item())
    if rank == 0:
        queue.put({"steps": steps, "epoch_s": statistics.median(times), "samples": len(y)})
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--world-size", type=int, default=2)
    p.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--port", type=int, default=29517)
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    procs = [ctx.Process(target=worker, args=(r, args, args.port, queue))
             for r in range(args.world_size)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit("pytorch_ddp: a rank exited with %d" % proc.exitcode)
    r = queue.get()
    print(json.dumps({"framework": "pytorch " + torch.__version__, "model": args.model,
                      "ranks": args.world_size,
                      "setting": "DDP gloo" if args.world_size > 1 else "single process",
                      "samples": r["samples"], "batch_per_rank": args.batch_size,
                      "steps": r["steps"], "epoch_s": round(r["epoch_s"], 4)}))


if __name__ == "__main__":
    main()
