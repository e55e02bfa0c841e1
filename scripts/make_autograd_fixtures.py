#!/usr/bin/python3
"""Writes the grad_fn names PyTorch gives a representative set of ops (tests/autograd/api.cpp).

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_autograd_fixtures.py
It writes tests/fixtures/autograd/grad_fn_names.txt: one line "<case> <name>" per case, where
<case> selects the same computation in api.cpp and <name> is `out.grad_fn.name()`.
"""
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                   "autograd", "grad_fn_names.txt")

a = torch.tensor([1.0, 2.0], requires_grad=True)
m = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
w = torch.tensor([[1.0, 0.5], [2.0, 1.0], [0.0, 1.0]], requires_grad=True)
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)

CASES = [
    ("add", lambda: a + a),
    ("mul", lambda: a * a),
    ("sub", lambda: a - a),
    ("div", lambda: a / a),
    ("neg", lambda: -a),
    ("sum", lambda: a.sum()),
    ("sum_dim", lambda: m.sum(0)),
    ("mean", lambda: a.mean()),
    ("mean_dim", lambda: m.mean(0)),
    ("exp", lambda: a.exp()),
    ("log", lambda: a.log()),
    ("tanh", lambda: a.tanh()),
    ("sigmoid", lambda: a.sigmoid()),
    ("relu", lambda: a.relu()),
    ("gelu", lambda: F.gelu(a)),
    ("pow", lambda: a.pow(2.0)),
    ("sqrt", lambda: a.sqrt()),
    ("abs", lambda: a.abs()),
    ("softmax", lambda: a.softmax(0)),
    ("log_softmax", lambda: a.log_softmax(0)),
    ("mm", lambda: m.mm(m)),
    ("linear", lambda: F.linear(m, w, b)),
    ("view", lambda: a.view(2, 1)),
    ("clone", lambda: a.clone()),
    ("unsqueeze", lambda: a.unsqueeze(0)),
    ("cat", lambda: torch.cat([a, a])),
    ("stack", lambda: torch.stack([a, a])),
    ("select", lambda: a[0]),
    ("permute", lambda: m.permute(1, 0)),
    ("transpose", lambda: m.transpose(0, 1)),
    ("t", lambda: m.t()),
    ("t_1d", lambda: a.t()),
    ("T", lambda: m.T),
    ("mT", lambda: m.mT),
    ("H", lambda: m.H),
    ("clamp", lambda: a.clamp(0.0, 1.0)),
    ("max", lambda: a.max()),
    ("mse_loss", lambda: F.mse_loss(a, a.detach())),
    ("leaky_relu", lambda: F.leaky_relu(a)),
    ("to_double", lambda: a.double()),
]

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    for case, fn in CASES:
        f.write(f"{case} {fn().grad_fn.name()}\n")
print(f"wrote {len(CASES)} names to {os.path.normpath(OUT)} (torch {torch.__version__})")
