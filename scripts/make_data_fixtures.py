#!/usr/bin/python3
"""Writes tests/fixtures/data/pytorch.safetensors: what torch.utils.data computes for the
cases the data tests check torchlet against (split lengths, DistributedSampler shares,
BatchSampler lists, len(DataLoader), default_collate's dtypes and shapes).

    /usr/bin/python3 scripts/make_data_fixtures.py

Nothing here is random: PyTorch's and torchlet's generators differ, so shuffled orders are
tested by their properties instead.

Tensors (read by tests/data/fixtures.hpp), <i> counting the cases of each kind from 0:
  split/<i>/n, split/<i>/fractions (F64), split/<i>/lengths
                        random_split(range(n), fractions) by fractions: the part lengths
  dist/<i>/n, dist/<i>/replicas, dist/<i>/rank, dist/<i>/drop_last (BOOL), dist/<i>/indices
                        DistributedSampler without shuffling: that rank's indices
  batch/<i>/n, batch/<i>/batch_size, batch/<i>/drop_last (BOOL), batch/<i>/loader_len,
  batch/<i>/indices, batch/<i>/sizes
                        BatchSampler(SequentialSampler(range(n))): the batches concatenated
                        (indices) and each batch's size (sizes); len(DataLoader)
  collate/<i>/shape     the shape default_collate gives
Integers are I64 unless noted. __metadata__: "collate/<i>/what" (the batch described) and
"collate/<i>/dtype" (str(dtype) of the result), "made_by".
"""
import os
import sys

import torch
from torch.utils.data import BatchSampler, DataLoader, SequentialSampler, TensorDataset, default_collate
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "data")


def longs(xs):
    return torch.tensor(list(xs), dtype=torch.int64)


def scalar(x):
    return torch.tensor(int(x), dtype=torch.int64)


def flag(b):
    return torch.tensor(bool(b))


def main():
    tensors = {}
    meta = {"made_by": "scripts/make_data_fixtures.py with torch " + torch.__version__}

    # random_split by fractions: the lengths PyTorch computes.
    for i, (n, fr) in enumerate([(10, [0.5, 0.5]), (10, [0.3, 0.3, 0.4]), (7, [0.25, 0.25, 0.5]),
                                 (100, [0.8, 0.1, 0.1]), (3, [0.1, 0.2, 0.3, 0.4]), (11, [1 / 3, 1 / 3, 1 / 3]),
                                 (0, [0.5, 0.5]), (5, [1.0, 0.0])]):
        parts = torch.utils.data.random_split(range(n), fr, generator=torch.Generator().manual_seed(0))
        tensors[f"split/{i}/n"] = scalar(n)
        tensors[f"split/{i}/fractions"] = torch.tensor(fr, dtype=torch.float64)
        tensors[f"split/{i}/lengths"] = longs(len(p) for p in parts)

    # DistributedSampler without shuffling: each rank's indices.
    i = 0
    for n, r, drop in [(10, 3, False), (10, 3, True), (10, 4, False), (10, 4, True), (2, 5, False), (3, 4, True),
                       (12, 4, False), (12, 4, True), (1, 3, False), (7, 1, False)]:
        for rank in range(r):
            s = DistributedSampler(range(n), num_replicas=r, rank=rank, shuffle=False, drop_last=drop)
            idx = list(s)
            assert len(idx) == len(s)
            for k, v in [("n", scalar(n)), ("replicas", scalar(r)), ("rank", scalar(rank)), ("drop_last", flag(drop)),
                         ("indices", longs(idx))]:
                tensors[f"dist/{i}/{k}"] = v
            i += 1

    # BatchSampler over SequentialSampler, and len(DataLoader).
    for i, (n, b, drop) in enumerate([(10, 3, False), (10, 3, True), (10, 5, False), (10, 5, True), (1, 4, False),
                                      (1, 4, True), (0, 2, False), (64, 64, True), (65, 64, False), (65, 64, True)]):
        bs = list(BatchSampler(SequentialSampler(range(n)), b, drop))
        loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=b, drop_last=drop)
        assert len(loader) == len(bs)
        for k, v in [("n", scalar(n)), ("batch_size", scalar(b)), ("drop_last", flag(drop)),
                     ("loader_len", scalar(len(loader))), ("indices", longs(j for x in bs for j in x)),
                     ("sizes", longs(len(x) for x in bs))]:
            tensors[f"batch/{i}/{k}"] = v

    # default_collate: dtype and shape of each collated field.
    cases = {
        "tensor [2, 3] x4": [torch.zeros(2, 3)] * 4,
        "0-dim long tensor x3": [torch.tensor(1)] * 3,
        "int x5": [1, 2, 3, 4, 5],
        "bool x2": [True, False],
        "uint8 tensor [28, 28] x2": [torch.zeros(28, 28, dtype=torch.uint8)] * 2,
    }
    for i, (what, batch) in enumerate(cases.items()):
        b = default_collate(batch)
        meta[f"collate/{i}/what"] = what
        meta[f"collate/{i}/dtype"] = str(b.dtype)
        tensors[f"collate/{i}/shape"] = longs(b.shape)

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "pytorch.safetensors")
    write_safetensors(path, tensors, meta)
    print(f"wrote {os.path.relpath(path)} ({len(tensors)} tensors)")


if __name__ == "__main__":
    main()
