#!/usr/bin/python3
"""Writes the PyTorch fixtures of torch.autograd.functional (tests/autograd/functional.cpp):
jacobian, hessian, vjp, jvp, vhp and hvp of a few functions of one and of two float64 tensors.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_autograd_functional_fixtures.py
It writes tests/fixtures/autograd/functional.safetensors holding, for case <name> (the name
selects the same function in functional.cpp), float64 tensors named "<name>/<what>":
  input<i>       the i-th input
  v<i>           the i-th entry of v (vjp, jvp, vhp, hvp)
  out<i>         the i-th output of the function (vjp, jvp, vhp, hvp)
  result<i>_<j>  jacobian / hessian entry [i][j] (an output's or the product's i; j = 0 for
                 one input), or the product's entry <i>_0
__metadata__: "cases" (the case names, comma-separated, in order) and "made_by".
"""
import os
import sys

import torch
from torch.autograd import functional as AF

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "autograd",
                   "functional.safetensors")

W = torch.tensor([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]], dtype=torch.float64)


def f_single(x):
    """[2, 3] -> [2, 2]."""
    return torch.tanh(x @ W) * x.sum()


def f_multi(x, y):
    """[2, 3], [3] -> [2], [2]."""
    return (x * y).exp().sum(1), torch.tanh(x @ y)


def s_single(x):
    """[2, 3] -> a scalar."""
    return (x.tanh() * x).sum() + (x @ W).pow(2).sum()


def s_multi(x, y):
    """[3], [3] -> a scalar."""
    return (x.exp() * y).sum() + (x * x).sum() * y.sum()


def s_poly(x):
    """[2, 3] -> a scalar, made of products only (third derivatives for hessian's create_graph)."""
    return (x * x * x).sum() + ((x @ W) * (x @ W)).sum()


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float64)


tensors = {}
names = []


def put(name, what, t):
    tensors[f"{name}/{what}"] = t.detach().clone()


def as_tuple(t):
    return t if isinstance(t, tuple) else (t,)


def case(name, inputs, result, v=None, outputs=None):
    names.append(name)
    for i, t in enumerate(inputs):
        put(name, f"input{i}", t)
    for i, t in enumerate(v or ()):
        put(name, f"v{i}", t)
    for i, t in enumerate(outputs or ()):
        put(name, f"out{i}", t)
    for i, row in enumerate(as_tuple(result)):
        for j, t in enumerate(as_tuple(row)):
            put(name, f"result{i}_{j}", t)


x = randn(2, 3)
case("jacobian_single", [x], AF.jacobian(f_single, x))
x, y = randn(2, 3), randn(3)
case("jacobian_multi", [x, y], AF.jacobian(f_multi, (x, y)))
x = randn(2, 3)
case("hessian_single", [x], AF.hessian(s_single, x))
x, y = randn(3), randn(3)
case("hessian_multi", [x, y], AF.hessian(s_multi, (x, y)))
x, v = randn(2, 3), randn(2, 2)
out, r = AF.vjp(f_single, x, v)
case("vjp", [x], r, v=[v], outputs=[out])
x, v = randn(2, 3), randn(2, 3)
out, r = AF.jvp(f_single, x, v)
case("jvp", [x], r, v=[v], outputs=[out])
x, y, vx, vy = randn(2, 3), randn(3), randn(2, 3), randn(3)
outs, r = AF.jvp(f_multi, (x, y), (vx, vy))
case("jvp_multi", [x, y], tuple((t,) for t in r), v=[vx, vy], outputs=list(outs))
x, v = randn(2, 3), randn(2, 3)
out, r = AF.vhp(s_single, x, v)
case("vhp", [x], r, v=[v], outputs=[out])
out, r = AF.hvp(s_single, x, v)
case("hvp", [x], r, v=[v], outputs=[out])
x, y, vx, vy = randn(3), randn(3), randn(3), randn(3)
out, r = AF.hvp(s_multi, (x, y), (vx, vy))
case("hvp_multi", [x, y], tuple((t,) for t in r), v=[vx, vy], outputs=[out])
# create_graph: the gradient of J.sum() (and of H.sum()) with respect to the input.
x = randn(2, 3).requires_grad_()
AF.jacobian(f_single, x, create_graph=True).sum().backward()
case("jacobian_create_graph", [x], x.grad)
x = randn(2, 3).requires_grad_()
AF.hessian(s_poly, x, create_graph=True).sum().backward()
case("hessian_create_graph", [x], x.grad)

write_safetensors(OUT, tensors, {"cases": ",".join(names),
                                 "made_by": f"scripts/make_autograd_functional_fixtures.py, torch {torch.__version__}"})
print(f"wrote {len(names)} cases, {len(tensors)} tensors to {os.path.normpath(OUT)}")
