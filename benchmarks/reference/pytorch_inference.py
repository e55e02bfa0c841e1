#!/usr/bin/python3
"""Inference latency and throughput, PyTorch's side of docs/benchmarks.md's inference table.

    /usr/bin/python3 benchmarks/reference/pytorch_inference.py [--model mlp|cnn|all]
        [--batch 1,8,64] [--mode no_grad|inference|all] [--clients 2] [--seconds 1.0]
        [--max-requests 2000]

The job of benchmarks/inference.cpp (see its comment): one model in eval() mode shared by
every client thread, torch.set_num_threads(1), each request a forward of [B, 1, 28, 28]
under torch.no_grad() ("no_grad") or torch.inference_mode() ("inference"). Client threads
are Python threads: PyTorch releases the GIL inside its kernels, the interpreter's own
work between them is serialised. Prints one JSON line per (model, batch, mode).
"""
import argparse
import json
import threading
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class Cnn(nn.Module):
    """pytorch/examples' mnist Net."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
        h = F.relu(self.fc1(torch.flatten(self.dropout1(h), 1)))
        return F.log_softmax(self.fc2(self.dropout2(h)), dim=1)


def measure(model, batch, guard, clients, seconds, max_requests):
    x = torch.randn(batch, 1, 28, 28)

    def request():
        with guard():
            return model(x)

    for _ in range(20):
        request()
    times = []
    start = time.perf_counter()
    while len(times) < max_requests and (len(times) < 50 or time.perf_counter() - start < seconds):
        t = time.perf_counter()
        request()
        times.append((time.perf_counter() - t) * 1e6)
    times.sort()

    def pct(q):
        return times[min(len(times) - 1, int(q * len(times)))]

    stop = threading.Event()
    counts = [0] * clients

    def client(i):
        n = 0
        while not stop.is_set():
            request()
            n += 1
        counts[i] = n

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    rps = sum(counts) / (time.perf_counter() - t0)
    return pct(0.5), pct(0.99), rps, len(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="all", choices=["mlp", "cnn", "all"])
    p.add_argument("--batch", default="1,8,64")
    p.add_argument("--mode", default="all", choices=["no_grad", "inference", "all"])
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--max-requests", type=int, default=2000)
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    models = {"mlp": MLP().eval(), "cnn": Cnn().eval()}
    guards = {"no_grad": torch.no_grad, "inference": torch.inference_mode}
    for name, model in models.items():
        if a.model not in ("all", name):
            continue
        for batch in [int(b) for b in a.batch.split(",")]:
            for mode, guard in guards.items():
                if a.mode not in ("all", mode):
                    continue
                p50, p99, rps, n = measure(model, batch, guard, a.clients, a.seconds, a.max_requests)
                print(json.dumps({"impl": "pytorch", "model": name, "batch": batch, "mode": mode,
                                  "p50_us": round(p50, 1), "p99_us": round(p99, 1), "rps": round(rps, 1),
                                  "clients": a.clients, "requests": n, "allocs": -1, "alloc_kb": -1}),
                      flush=True)


if __name__ == "__main__":
    main()
