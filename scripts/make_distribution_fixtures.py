#!/usr/bin/python3
"""Writes the PyTorch reference values tests/nn/distributions.cpp compares against.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_distribution_fixtures.py
Output (committed): tests/fixtures/nn/distributions.safetensors, tensors named
"<case>/<what>", every float tensor in float64:
  <case>/in_<param>       the parameter the distribution is built from (probs, logits, loc, scale)
  <case>/value            the value log_prob is evaluated at (int64 for Categorical)
  <case>/w                weights: the gradients are those of (log_prob(value) * w).sum()
  <case>/we               weights for the gradients of (entropy() * we).sum()
  <case>/log_prob         log_prob(value)
  <case>/entropy          entropy()
  <case>/probs, logits    the normalised parameters (Categorical, Bernoulli)
  <case>/mean, variance   (Normal, Bernoulli)
  <case>/g_<param>        d (log_prob(value) * w).sum() / d <param>
  <case>/ge_<param>       d (entropy() * we).sum() / d <param>
The case list is in the metadata entry "cases".
"""
import os
import sys

import torch
from torch.distributions import Bernoulli, Categorical, Normal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "nn", "distributions.safetensors")
torch.set_num_threads(1)
torch.manual_seed(15)
ITEMS = {}
CASES = []


def add(name, t):
    if name in ITEMS:
        raise KeyError(name)
    ITEMS[name] = t.detach().clone().contiguous()


def case(name, make, params, value, extra):
    """params: {name: float64 leaf}; make(**params) -> distribution."""
    CASES.append(name)
    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    d = make(**leaves)
    lp = d.log_prob(value)
    ent = d.entropy()
    w = torch.randn(lp.shape, dtype=torch.float64)
    we = torch.randn(ent.shape, dtype=torch.float64)
    for k, v in params.items():
        add(f"{name}/in_{k}", v)
    add(f"{name}/value", value)
    add(f"{name}/w", w)
    add(f"{name}/we", we)
    add(f"{name}/log_prob", lp)
    add(f"{name}/entropy", ent)
    for e in extra:
        add(f"{name}/{e}", getattr(d, e))
    gs = torch.autograd.grad((lp * w).sum(), list(leaves.values()), retain_graph=True)
    for k, g in zip(leaves, gs):
        add(f"{name}/g_{k}", g)
    ges = torch.autograd.grad((ent * we).sum(), list(leaves.values()), allow_unused=True)
    for k, g in zip(leaves, ges):
        add(f"{name}/ge_{k}", g if g is not None else torch.zeros_like(leaves[k]))


def main():
    f64 = torch.float64
    # Categorical: unnormalised probs (normalised by the distribution), logits, a batch
    # broadcast against a value with a sample dimension, and a single distribution.
    case("categorical_probs", lambda probs: Categorical(probs=probs),
         {"probs": torch.rand(2, 3, dtype=f64) * 2 + 0.1},
         torch.tensor([[0, 2], [1, 1], [2, 0], [1, 0]]), ["probs", "logits"])
    case("categorical_logits", lambda logits: Categorical(logits=logits),
         {"logits": torch.randn(2, 4, dtype=f64) * 2},
         torch.tensor([3, 1]), ["probs", "logits"])
    case("categorical_single", lambda probs: Categorical(probs=probs),
         {"probs": torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=f64)},
         torch.tensor([3, 0, 2, 2, 1]), ["probs", "logits"])
    # Normal: loc [2, 3] and scale [3] broadcast; value with a sample dimension.
    case("normal", lambda loc, scale: Normal(loc, scale),
         {"loc": torch.randn(2, 3, dtype=f64), "scale": torch.rand(3, dtype=f64) + 0.5},
         torch.randn(4, 2, 3, dtype=f64), ["mean", "stddev", "variance"])
    # Bernoulli from probs and from logits (value with a sample dimension).
    case("bernoulli_probs", lambda probs: Bernoulli(probs=probs),
         {"probs": torch.rand(2, 3, dtype=f64) * 0.9 + 0.05},
         torch.tensor([[[1., 0., 1.], [0., 0., 1.]], [[0., 1., 1.], [1., 1., 0.]]], dtype=f64),
         ["probs", "logits", "mean", "variance"])
    case("bernoulli_logits", lambda logits: Bernoulli(logits=logits),
         {"logits": torch.randn(5, dtype=f64) * 2},
         torch.tensor([1., 0., 0., 1., 1.], dtype=f64), ["probs", "logits", "mean", "variance"])
    write_safetensors(OUT, ITEMS, {"cases": ",".join(CASES)})
    print(f"wrote {len(ITEMS)} tensors to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
