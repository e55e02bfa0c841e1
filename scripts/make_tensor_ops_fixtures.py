#!/usr/bin/python3
"""Writes the PyTorch fixtures of torchlet's extra tensor ops (tests/tensor/ops_extra.cpp).

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_tensor_ops_fixtures.py
It writes tests/fixtures/tensor/ops_extra.safetensors holding, for case <name> (the name
selects the same computation in ops_extra.cpp), tensors named "<name>/<what>":
  input<i>       the i-th float32 input (requires grad), in argument order
  index<i>       the i-th int64 input
  mask<i>        the i-th bool input
  output         the result (float32, or int64 for integer results)
  output_index   a second, int64 result (e.g. topk's indices)
  output_inverse, output_counts   unique's inverse indices and counts
  grad_output    the gradient fed to backward (float results only)
  grad<i>        the gradient of input<i>; absent if that input receives none
__metadata__: "cases" (the case names, comma-separated, in order) and "made_by".
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tensor",
                   "ops_extra.safetensors")

CASES = []  # (name, fn, inputs, indices, masks)


def case(name, fn, inputs, indices=(), masks=()):
    CASES.append((name, fn, list(inputs), list(indices), list(masks)))


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def long(values):
    return torch.tensor(values, dtype=torch.int64)


def rows_perm(rows, n, k):
    """[rows, k]: each row k distinct values of [0, n) (so scatter writes each place once)."""
    return torch.stack([torch.randperm(n)[:k] for _ in range(rows)])


# ---- item 1: where, masked_fill, gather, scatter, index_add, index_copy, one_hot ----
case("where_broadcast", lambda a, b, c: torch.where(c, a, b), [randn(1, 4), randn(3, 4)],
     masks=[torch.rand(3, 1) > 0.5])
case("masked_fill_scalar", lambda x, m: x.masked_fill(m, 2.5), [randn(3, 4)],
     masks=[torch.tensor([True, False, True, False])])
case("masked_fill_tensor", lambda x, v, m: x.masked_fill(m, v), [randn(3, 4), randn(())],
     masks=[torch.rand(3, 4) > 0.5])
case("gather_dim1", lambda x, i: torch.gather(x, 1, i), [randn(3, 5)],
     [torch.randint(0, 5, (3, 4))])
case("gather_dim0", lambda x, i: torch.gather(x, 0, i), [randn(4, 3, 2)],
     [torch.randint(0, 4, (6, 2, 2))])
case("scatter_src", lambda x, s, i: torch.scatter(x, 1, i, s), [randn(3, 5), randn(3, 2)],
     [rows_perm(3, 5, 2)])
case("scatter_value", lambda x, i: torch.scatter(x, 1, i, -1.5), [randn(3, 5)],
     [rows_perm(3, 5, 3)])
case("scatter_add", lambda x, s, i: torch.scatter_add(x, 0, i, s), [randn(4, 3), randn(6, 3)],
     [torch.randint(0, 4, (6, 3))])
case("index_add", lambda x, s, i: torch.index_add(x, 0, i, s, alpha=2.0),
     [randn(5, 3), randn(4, 3)], [long([0, 2, 2, 4])])
case("index_add_dim1", lambda x, s, i: torch.index_add(x, 1, i, s),
     [randn(2, 5, 3), randn(2, 3, 3)], [long([4, 0, 1])])
case("index_copy", lambda x, s, i: torch.index_copy(x, 0, i, s), [randn(5, 3), randn(3, 3)],
     [long([4, 1, 0])])
case("one_hot", lambda i: torch.nn.functional.one_hot(i, 5), [], [torch.randint(0, 5, (2, 3))])
case("one_hot_infer", lambda i: torch.nn.functional.one_hot(i), [], [long([0, 3, 1])])


# ---- item 2: sort, argsort, topk, kthvalue, cumsum, cumprod, prod, maximum, minimum ----
case("sort_dim1", lambda x: torch.sort(x, dim=1, stable=True), [randn(3, 5)])
case("sort_desc_dim0", lambda x: torch.sort(x, dim=0, descending=True, stable=True), [randn(4, 3)])
case("argsort", lambda x: torch.argsort(x, -1, descending=True), [randn(3, 4)])
case("topk_largest", lambda x: torch.topk(x, 3, 1), [randn(2, 6)])
case("topk_smallest_dim0", lambda x: torch.topk(x, 2, 0, largest=False), [randn(5, 3)])
case("kthvalue", lambda x: torch.kthvalue(x, 2, 1), [randn(3, 5)])
case("kthvalue_keepdim", lambda x: torch.kthvalue(x, 3, 0, keepdim=True), [randn(4, 2)])
case("cumsum", lambda x: torch.cumsum(x, 1), [randn(3, 4)])
case("cumprod", lambda x: torch.cumprod(x, 0), [randn(4, 3)])
case("cumprod_zero", lambda x: torch.cumprod(x, 1), [torch.tensor([[1.5, 0.0, 2.0, -1.0],
                                                                   [0.0, 0.0, 3.0, 0.5]])])
case("prod_all", lambda x: torch.prod(x), [randn(2, 3)])
case("prod_dim", lambda x: torch.prod(x, 1), [randn(3, 4)])
case("prod_dim_zero_keepdim", lambda x: torch.prod(x, 0, keepdim=True),
     [torch.tensor([[0.0, 2.0, 0.0], [3.0, -1.0, 0.0]])])
case("maximum", lambda a, b: torch.maximum(a, b),
     [torch.tensor([[1.0, 2.0, -1.0]]), torch.tensor([[1.0], [0.5]])])
case("minimum", lambda a, b: torch.minimum(a, b), [randn(3, 4), randn(4)])


# ---- item 3: tril/triu, diag/diag_embed, flip, roll, repeat, tile, repeat_interleave,
# nonzero, unique ----
case("tril", lambda x: torch.tril(x), [randn(2, 3, 4)])
case("triu_diag1", lambda x: torch.triu(x, 1), [randn(4, 3)])
case("tril_diag_neg1", lambda x: x.tril(-1), [randn(3, 5)])
case("diag_1d_offset", lambda x: torch.diag(x, 1), [randn(3)])
case("diag_1d_neg", lambda x: torch.diag(x, -2), [randn(2)])
case("diag_2d", lambda x: torch.diag(x), [randn(3, 4)])
case("diag_2d_offset", lambda x: torch.diag(x, -1), [randn(4, 3)])
case("diag_embed", lambda x: torch.diag_embed(x, 1), [randn(2, 3)])
case("flip", lambda x: torch.flip(x, [0, 2]), [randn(2, 3, 4)])
case("roll_dims", lambda x: torch.roll(x, (1, -2), (0, 1)), [randn(3, 4)])
case("roll_flat", lambda x: torch.roll(x, 5), [randn(2, 3)])
case("repeat", lambda x: x.repeat(2, 1, 3), [randn(2, 2)])
case("tile", lambda x: torch.tile(x, (2,)), [randn(2, 3)])
case("repeat_interleave_dim", lambda x: torch.repeat_interleave(x, 2, dim=1), [randn(2, 3)])
case("repeat_interleave_flat", lambda x: torch.repeat_interleave(x, 3), [randn(2, 2)])
case("nonzero", lambda x: torch.nonzero(x), [], [], [torch.rand(3, 4) > 0.5])
case("unique", lambda i: torch.unique(i, sorted=True, return_inverse=True, return_counts=True),
     [], [torch.randint(0, 5, (3, 4))])


# ---- item 4: elementwise math ----
case("nan_to_num", lambda x: torch.nan_to_num(x, 0.5, 100.0),
     [torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), -2.0])])
case("sign", lambda x: torch.sign(x), [torch.tensor([-1.5, 0.0, 2.0, 0.25])])
case("trunc", lambda x: torch.trunc(x), [randn(2, 3) * 3])
case("frac", lambda x: torch.frac(x), [randn(2, 3) * 3])
case("fmod", lambda a, b: torch.fmod(a, b), [randn(2, 3) * 4, torch.tensor([1.5, -2.0, 0.7])])
case("remainder", lambda a, b: torch.remainder(a, b),
     [randn(2, 3) * 4, torch.tensor([1.5, -2.0, 0.7])])
case("fmod_scalar", lambda a: torch.fmod(a, -1.25), [randn(4) * 4])
case("remainder_scalar", lambda a: torch.remainder(a, 1.25), [randn(4) * 4])
case("atan2", lambda a, b: torch.atan2(a, b), [randn(2, 3), randn(3)])
case("erf", lambda x: torch.erf(x), [randn(5)])
case("erfinv", lambda x: torch.erfinv(x), [torch.rand(6) * 1.9 - 0.95])
case("lerp_tensor", lambda a, b, w: torch.lerp(a, b, w), [randn(2, 3), randn(3), torch.rand(2, 1)])
case("lerp_scalar", lambda a, b: torch.lerp(a, b, 0.3), [randn(2, 3), randn(2, 3)])
case("clamp_tensor", lambda x, lo, hi: torch.clamp(x, lo, hi),
     [randn(3, 4), torch.full((4,), -0.5) + 0.1 * randn(4), torch.full((3, 1), 0.5)])

case("median_all", lambda x: torch.median(x), [randn(2, 3)])
case("median_dim", lambda x: torch.median(x, 1), [randn(3, 4)])
case("median_keepdim", lambda x: torch.median(x, 0, keepdim=True), [randn(5, 2)])


def main():
    tensors = {}
    names = []
    for name, fn, inputs, indices, masks in CASES:
        names.append(name)
        xs = [t.clone().requires_grad_() for t in inputs]
        for i, t in enumerate(inputs):
            tensors[f"{name}/input{i}"] = t
        for i, t in enumerate(indices):
            tensors[f"{name}/index{i}"] = t
        for i, t in enumerate(masks):
            tensors[f"{name}/mask{i}"] = t
        out = fn(*xs, *indices, *masks)
        second = None
        if isinstance(out, tuple) and len(out) == 3:  # unique: values, inverse, counts
            tensors[f"{name}/output_inverse"] = out[1]
            tensors[f"{name}/output_counts"] = out[2]
            out = out[0]
        if isinstance(out, tuple):
            out, second = out
        tensors[f"{name}/output"] = out.detach()
        if second is not None:
            tensors[f"{name}/output_index"] = second
        if out.is_floating_point() and out.requires_grad:
            go = torch.randn_like(out)
            tensors[f"{name}/grad_output"] = go
            out.backward(go)
            for i, x in enumerate(xs):
                if x.grad is not None:
                    tensors[f"{name}/grad{i}"] = x.grad
    write_safetensors(OUT, tensors, {"cases": ",".join(names),
                                     "made_by": "scripts/make_tensor_ops_fixtures.py with torch "
                                     + torch.__version__})
    print(f"wrote {len(names)} cases ({len(tensors)} tensors) to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
