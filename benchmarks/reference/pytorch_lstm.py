#!/usr/bin/python3
"""PyTorch's side of benchmarks/lstm.cpp: nn.LSTM(200, 200, num_layers=2) on x [35, 20, 200],
forward + out.backward(g) into every parameter, one thread (torch.set_num_threads(1)). Prints
ONE JSON line: the median thread CPU time and wall time in milliseconds per iteration over
--reps timed iterations after 5 warm-up ones.

    /usr/bin/python3 benchmarks/reference/pytorch_lstm.py [--reps 30]
"""
import argparse
import json
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    reps = ap.parse_args().reps
    torch.set_num_threads(1)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(200, 200, num_layers=2)
    x = torch.randn(35, 20, 200)
    g = torch.randn(35, 20, 200)
    cpu, wall = [], []
    for r in range(reps + 5):
        lstm.zero_grad()
        w0, t0 = time.perf_counter(), time.thread_time()
        out, _ = lstm(x)
        out.backward(g)
        t1, w1 = time.thread_time(), time.perf_counter()
        if r >= 5:  # after the warm-up
            cpu.append((t1 - t0) * 1e3)
            wall.append((w1 - w0) * 1e3)
    print(json.dumps({"impl": "pytorch " + torch.__version__,
                      "case": "LSTM(200, 200, num_layers=2) x [35, 20, 200] fwd+bwd", "reps": reps,
                      "cpu_ms": round(statistics.median(cpu), 3),
                      "wall_ms": round(statistics.median(wall), 3)}))


if __name__ == "__main__":
    main()
