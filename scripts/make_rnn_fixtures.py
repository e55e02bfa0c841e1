#!/usr/bin/python3
"""Writes the PyTorch reference values tests/nn/recurrent.cpp compares against.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_rnn_fixtures.py
Outputs (committed) in tests/fixtures/nn/:
  rnn.safetensors   per case (the CASES below, mirrored in tests/nn/recurrent.cpp):
                      <case>/p/<name>    PyTorch's initial parameters (its state_dict keys)
                      <case>/x           input (padded [L, B, I] / [B, L, I], unbatched [L, I])
                      <case>/lengths     packed cases: the sequence lengths (int64)
                      <case>/h0, c0      initial states, when the case passes them
                      <case>/out         output (packed cases: pad_packed_sequence of it)
                      <case>/h_n, c_n    final states
                      <case>/w_out, w_h, w_c   the fixed random weighting: the loss is
                                         sum(out * w_out) + sum(h_n * w_h) + sum(c_n * w_c)
                      <case>/g/<name>    gradient of every parameter
                      <case>/gx, gh0, gc0  gradients of the input and the initial states
                    and the nn.utils.rnn case "utils/...": pad_sequence, pack_sequence,
                    pad_packed_sequence outputs and gradients (names documented below).
  rnn_reprs.txt     print(module) of the modules built in tests/nn/recurrent.cpp ("@@ name
                    lines" then the text, as reprs.txt)
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils import rnn as rnn_utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "nn")
torch.set_num_threads(1)

# name: (module, constructor kwargs, input shape, pass states, packing)
# packing: None, or (lengths, enforce_sorted). Input sizes: I = 3, H = 5.
CASES = {
    "rnn_tanh": ("RNN", dict(), (4, 2, 3), False, None),
    "rnn_relu": ("RNN", dict(num_layers=2, nonlinearity="relu", batch_first=True), (2, 4, 3), True, None),
    "rnn_bidir": ("RNN", dict(num_layers=2, bias=False, bidirectional=True), (4, 2, 3), True, None),
    "rnn_unbatched": ("RNN", dict(), (4, 3), False, None),
    "lstm": ("LSTM", dict(), (4, 2, 3), False, None),
    "lstm_full": ("LSTM", dict(num_layers=2, batch_first=True, bidirectional=True), (2, 4, 3), True, None),
    "lstm_proj": ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2), (4, 2, 3), True, None),
    "lstm_unbatched": ("LSTM", dict(num_layers=2), (4, 3), True, None),
    "gru": ("GRU", dict(num_layers=2), (4, 2, 3), True, None),
    "gru_bidir_bf": ("GRU", dict(batch_first=True, bidirectional=True), (2, 4, 3), False, None),
    "gru_unbatched": ("GRU", dict(), (4, 3), True, None),
    "lstm_packed_sorted": ("LSTM", dict(num_layers=2, bidirectional=True), (4, 3, 3), True, ([4, 3, 1], True)),
    "lstm_proj_packed": ("LSTM", dict(bidirectional=True, proj_size=3), (4, 3, 3), True, ([3, 4, 2], False)),
    "gru_packed_unsorted": ("GRU", dict(batch_first=True, bidirectional=True), (3, 4, 3), True, ([2, 4, 1], False)),
    "rnn_packed_unsorted": ("RNN", dict(nonlinearity="relu", num_layers=2), (4, 3, 3), False, ([1, 4, 3], False)),
    "rnn_cell": ("RNNCell", dict(), (2, 3), True, None),
    "rnn_cell_relu": ("RNNCell", dict(bias=False, nonlinearity="relu"), (3,), False, None),
    "lstm_cell": ("LSTMCell", dict(), (2, 3), True, None),
    "lstm_cell_unbatched": ("LSTMCell", dict(), (3,), False, None),
    "gru_cell": ("GRUCell", dict(), (2, 3), True, None),
    "gru_cell_unbatched": ("GRUCell", dict(bias=False), (3,), True, None),
}


class Fixture:
    def __init__(self):
        self.items = {}

    def add(self, name, t):
        if name in self.items:
            raise KeyError(name)
        if isinstance(t, torch.Tensor):
            t = t.detach().cpu().numpy()
        a = np.array(t, order="C", copy=True)
        if a.dtype in (np.int32, np.bool_):
            a = a.astype(np.int64)
        elif a.dtype not in (np.float32, np.float64, np.int64):
            raise TypeError(f"{name}: dtype {a.dtype}")
        self.items[name] = torch.from_numpy(a)

    def write(self, filename):
        path = os.path.join(OUT, filename)
        meta = {"made_by": "scripts/make_rnn_fixtures.py with torch " + torch.__version__,
                "cases": " ".join(CASES)}
        write_safetensors(path, self.items, meta)
        print(f"wrote {path} ({len(self.items)} tensors, {os.path.getsize(path)} bytes)")


def leaf(shape):
    return torch.randn(*shape).requires_grad_()


def module_case(fx, name, kind, kwargs, xshape, with_state, packing):
    torch.manual_seed(sum(map(ord, name)))
    m = getattr(nn, kind)(3, 5, **kwargs)
    for k, v in m.state_dict().items():
        fx.add(f"{name}/p/{k}", v)
    x = leaf(xshape)
    fx.add(f"{name}/x", x)
    cell = kind.endswith("Cell")
    lstm = kind.startswith("LSTM")
    unbatched = len(xshape) == (1 if cell else 2)
    states = None
    if with_state:
        if cell:
            sshape = (5,) if unbatched else (xshape[0], 5)
            hshape = cshape = sshape
        else:
            d = 2 if m.bidirectional else 1
            batch_first = m.batch_first
            b = None if unbatched else (xshape[0] if batch_first else xshape[1])
            lead = (d * m.num_layers,) + (() if unbatched else (b,))
            hshape = lead + (m.proj_size or 5,)
            cshape = lead + (5,)
        h0 = leaf(hshape)
        fx.add(f"{name}/h0", h0)
        if lstm:
            c0 = leaf(cshape)
            fx.add(f"{name}/c0", c0)
            states = (h0, c0)
        else:
            states = h0
    inp = x
    if packing is not None:
        lengths, enforce_sorted = packing
        fx.add(f"{name}/lengths", torch.tensor(lengths, dtype=torch.int64))
        inp = rnn_utils.pack_padded_sequence(x, torch.tensor(lengths), batch_first=m.batch_first,
                                             enforce_sorted=enforce_sorted)
    res = m(inp) if states is None else m(inp, states)
    if cell:
        if lstm:
            out, c_n = res
            h_n = out
        else:
            out = h_n = res
            c_n = None
    else:
        out, hidden = res
        h_n, c_n = hidden if lstm else (hidden, None)
        if packing is not None:
            out, _ = rnn_utils.pad_packed_sequence(out, batch_first=m.batch_first)
    fx.add(f"{name}/out", out)
    fx.add(f"{name}/h_n", h_n)
    w_out = torch.randn(out.shape)
    fx.add(f"{name}/w_out", w_out)
    loss = (out * w_out).sum()
    if not cell:
        w_h = torch.randn(h_n.shape)
        fx.add(f"{name}/w_h", w_h)
        loss = loss + (h_n * w_h).sum()
    if c_n is not None:
        fx.add(f"{name}/c_n", c_n)
        w_c = torch.randn(c_n.shape)
        fx.add(f"{name}/w_c", w_c)
        loss = loss + (c_n * w_c).sum()
    loss.backward()
    for k, p in m.named_parameters():
        fx.add(f"{name}/g/{k}", p.grad)
    fx.add(f"{name}/gx", x.grad)
    if with_state:
        fx.add(f"{name}/gh0", states[0].grad if lstm else states.grad)
        if lstm:
            fx.add(f"{name}/gc0", states[1].grad)


def utils_case(fx):
    """utils/seq{0,1,2} [L_b, 2] (lengths 2, 4, 3); utils/padded = pad_sequence(batch_first,
    padding_value=-1); utils/packed_data, packed_batch_sizes, packed_sorted_indices,
    packed_unsorted_indices = pack_sequence(enforce_sorted=False); utils/unpacked, unpacked_lengths
    = pad_packed_sequence(that, batch_first=True, padding_value=7, total_length=6);
    utils/w_padded, w_unpacked: loss = sum(padded * w_padded) + sum(unpacked * w_unpacked);
    utils/gseq{0,1,2}: the sequences' gradients."""
    torch.manual_seed(7)
    seqs = [leaf((n, 2)) for n in (2, 4, 3)]
    for i, s in enumerate(seqs):
        fx.add(f"utils/seq{i}", s)
    padded = rnn_utils.pad_sequence(seqs, batch_first=True, padding_value=-1.0)
    fx.add("utils/padded", padded)
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    fx.add("utils/packed_data", packed.data)
    fx.add("utils/packed_batch_sizes", packed.batch_sizes)
    fx.add("utils/packed_sorted_indices", packed.sorted_indices)
    fx.add("utils/packed_unsorted_indices", packed.unsorted_indices)
    unpacked, lengths = rnn_utils.pad_packed_sequence(packed, batch_first=True, padding_value=7.0,
                                                      total_length=6)
    fx.add("utils/unpacked", unpacked)
    fx.add("utils/unpacked_lengths", lengths)
    w1, w2 = torch.randn(padded.shape), torch.randn(unpacked.shape)
    fx.add("utils/w_padded", w1)
    fx.add("utils/w_unpacked", w2)
    ((padded * w1).sum() + (unpacked * w2).sum()).backward()
    for i, s in enumerate(seqs):
        fx.add(f"utils/gseq{i}", s.grad)


def make_reprs():
    reprs = {
        "rnn": nn.RNN(10, 20),
        "rnn_relu": nn.RNN(10, 20, num_layers=2, nonlinearity="relu", bias=False, dropout=0.5,
                           bidirectional=True),
        "lstm": nn.LSTM(10, 20, num_layers=2, batch_first=True),
        "lstm_proj": nn.LSTM(10, 20, proj_size=5, dropout=0.25, bidirectional=True),
        "gru": nn.GRU(3, 4, num_layers=3, batch_first=True),
        "cells": nn.ModuleList([nn.RNNCell(3, 4), nn.RNNCell(3, 4, bias=False, nonlinearity="relu"),
                               nn.LSTMCell(3, 4), nn.GRUCell(3, 4, bias=False)]),
    }
    path = os.path.join(OUT, "rnn_reprs.txt")
    with open(path, "w") as f:
        for name, m in reprs.items():
            text = repr(m)
            f.write(f"@@ {name} {len(text.splitlines())}\n{text}\n")
    print(f"wrote {path}")


def main():
    import warnings
    warnings.simplefilter("ignore")
    fx = Fixture()
    for name, (kind, kwargs, xshape, with_state, packing) in CASES.items():
        module_case(fx, name, kind, kwargs, xshape, with_state, packing)
    utils_case(fx)
    fx.write("rnn.safetensors")
    make_reprs()


if __name__ == "__main__":
    main()
