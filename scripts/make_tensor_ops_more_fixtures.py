#!/usr/bin/python3
"""Writes the PyTorch fixtures of issue 13's remaining tensor ops (tests/tensor/ops_more.cpp):
var/std with correction and lists of dims, var_mean/std_mean, mode, norm over dims, the
batched products (bmm, baddbmm, addbmm, addmv), outer, dist, cdist, unbind/split/chunk on any
dim and einsum.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_tensor_ops_more_fixtures.py
It writes tests/fixtures/tensor/ops_more.safetensors holding, for case <name> (the name
selects the same computation in ops_more.cpp), tensors named "<name>/<what>":
  input<i>       the i-th float32 input (requires grad), in argument order
  output         the result (float32)
  output_index   a second, int64 result (mode's indices)
  grad_output    the gradient fed to backward (absent for a values-only case)
  grad<i>        the gradient of input<i>; absent if that input receives none
__metadata__: "cases" (the case names, comma-separated, in order) and "made_by".
New cases go at the end, so the random inputs of the earlier ones stay as they are.
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tensor",
                   "ops_more.safetensors")

CASES = []  # (name, fn, inputs, backward)


def case(name, fn, inputs, backward=True):
    """backward=False: values only (PyTorch has no gradient there: p = 0 norms)."""
    CASES.append((name, fn, list(inputs), backward))


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def small_ints(high, *shape):
    """Float32 values in [0, high): many ties, for mode."""
    return torch.randint(0, high, shape).float()


def weighted_cat(pieces, dim):
    """cat(pieces[i] * (i + 1)): each piece's gradient differs, so a mix-up shows."""
    return torch.cat([p * (i + 1) for i, p in enumerate(pieces)], dim)


# ---- var, std (correction, lists of dims), var_mean, std_mean ----
case("var_correction_dim", lambda x: torch.var(x, 1, correction=0), [randn(3, 5)])
case("var_correction_dims_keepdim", lambda x: torch.var(x, [0, 2], correction=2, keepdim=True),
     [randn(3, 4, 5)])
case("var_unbiased_dims", lambda x: torch.var(x, [1, 2], unbiased=False), [randn(2, 3, 4)])
case("var_all_correction", lambda x: torch.var(x, None, correction=3), [randn(4, 5)])
case("std_correction_dim_keepdim", lambda x: torch.std(x, -1, correction=0, keepdim=True),
     [randn(3, 6)])
case("std_dims", lambda x: torch.std(x, [0, 1]), [randn(3, 4, 2)])
case("std_all_correction", lambda x: torch.std(x, None, correction=0), [randn(5, 3)])
case("var_mean_dims", lambda x: torch.stack(torch.var_mean(x, [0, 2], correction=0)),
     [randn(3, 4, 5)])
case("std_mean_dim_keepdim",
     lambda x: torch.stack(torch.std_mean(x, 1, correction=2, keepdim=True)), [randn(4, 6)])
case("var_mean_all", lambda x: torch.stack(torch.var_mean(x)), [randn(3, 4)])
# ---- mode ----
case("mode_dim", lambda x: torch.mode(x, 1), [small_ints(4, 5, 9)])
case("mode_keepdim_dim0", lambda x: torch.mode(x, 0, keepdim=True), [small_ints(3, 7, 3, 2)])
case("mode_last_dim", lambda x: torch.mode(x), [small_ints(5, 4, 6)])
# ---- norm over dims ----
for label, p in [("2", 2.0), ("1", 1.0), ("inf", math.inf), ("neg_inf", -math.inf), ("0", 0.0),
                 ("3_5", 3.5), ("0_5", 0.5)]:
    case("norm_dims_p" + label, lambda x, p=p: torch.linalg.vector_norm(x, p, [0, 2]),
         [randn(3, 4, 5)], backward=p != 0)
case("norm_dims_keepdim", lambda x: torch.linalg.vector_norm(x, 3.0, [1, 2], keepdim=True),
     [randn(2, 3, 4)])
case("norm_fro_all", lambda x: torch.norm(x, "fro"), [randn(3, 4)])
case("norm_fro_dims_keepdim", lambda x: torch.norm(x, "fro", dim=(1, 2), keepdim=True),
     [randn(2, 3, 4)])
# ---- products ----
case("bmm", torch.bmm, [randn(2, 3, 4), randn(2, 4, 5)])
case("baddbmm", lambda i, a, b: torch.baddbmm(i, a, b, beta=0.5, alpha=2.0),
     [randn(3, 5), randn(2, 3, 4), randn(2, 4, 5)])
case("baddbmm_default", torch.baddbmm, [randn(2, 3, 5), randn(2, 3, 4), randn(2, 4, 5)])
case("addbmm", lambda i, a, b: torch.addbmm(i, a, b, beta=0.5, alpha=-1.5),
     [randn(3, 5), randn(4, 3, 2), randn(4, 2, 5)])
case("addmv", lambda i, m, v: torch.addmv(i, m, v, beta=2.0, alpha=0.5),
     [randn(3), randn(3, 4), randn(4)])
case("outer", torch.outer, [randn(4), randn(3)])
# ---- distances ----
for label, p in [("2", 2.0), ("1", 1.0), ("3_5", 3.5), ("inf", math.inf), ("0", 0.0)]:
    case("dist_p" + label, lambda a, b, p=p: torch.dist(a, b, p), [randn(3, 4), randn(4)],
         backward=p != 0)
for label, p in [("2", 2.0), ("1", 1.0), ("inf", math.inf), ("0_5", 0.5), ("3", 3.0), ("0", 0.0)]:
    case("cdist_p" + label, lambda a, b, p=p: torch.cdist(a, b, p),
         [randn(2, 5, 3), randn(2, 4, 3)])
case("cdist_broadcast", lambda a, b: torch.cdist(a, b), [randn(2, 1, 5, 3), randn(3, 4, 3)])
case("cdist_2d", lambda a, b: torch.cdist(a, b, 1.5), [randn(6, 3), randn(4, 3)])
# ---- unbind, split, chunk on any dim ----
case("unbind_dim1", lambda x: weighted_cat(torch.unbind(x, 1), 0), [randn(2, 3, 4)])
case("unbind_last", lambda x: weighted_cat(torch.unbind(x, -1), 0), [randn(3, 2)])
case("split_sizes_dim2", lambda x: weighted_cat(torch.split(x, [1, 3, 1], 2), 2),
     [randn(2, 3, 5)])
case("split_int_dim1", lambda x: weighted_cat(torch.split(x, 2, 1), 1), [randn(2, 5, 2)])
case("chunk_last", lambda x: weighted_cat(torch.chunk(x, 3, -1), -1), [randn(3, 7)])
# ---- einsum ----
case("einsum_attention_scores", lambda q, k: torch.einsum("bhqd,bhkd->bhqk", q, k),
     [randn(2, 3, 4, 5), randn(2, 3, 6, 5)])
case("einsum_attention_values", lambda a, v: torch.einsum("bhqk,bhkd->bhqd", a, v),
     [randn(2, 3, 4, 6), randn(2, 3, 6, 5)])
case("einsum_bilinear", lambda x, w, y: torch.einsum("bn,anm,bm->ba", x, w, y),
     [randn(5, 3), randn(2, 3, 4), randn(5, 4)])
case("einsum_batched_outer", lambda a, b: torch.einsum("bi,bj->bij", a, b),
     [randn(3, 4), randn(3, 2)])
case("einsum_matmul", lambda a, b: torch.einsum("ij,jk->ik", a, b), [randn(3, 4), randn(4, 2)])
case("einsum_trace", lambda a: torch.einsum("ii->", a), [randn(4, 4)])
case("einsum_diagonal", lambda a: torch.einsum("ii->i", a), [randn(4, 4)])
case("einsum_transpose", lambda a: torch.einsum("ij->ji", a), [randn(3, 4)])
case("einsum_sum", lambda a: torch.einsum("ij->", a), [randn(3, 4)])
case("einsum_implicit", lambda a, b: torch.einsum("bij,bkj", a, b), [randn(2, 3, 4), randn(2, 5, 4)])
case("einsum_implicit_order", lambda a, b: torch.einsum("ij,jA", a, b), [randn(3, 4), randn(4, 2)])
case("einsum_ellipsis", lambda a, b: torch.einsum("...ij,...jk->...ik", a, b),
     [randn(2, 3, 3, 4), randn(3, 4, 5)])
case("einsum_chain", lambda a, b, c: torch.einsum("ij,jk,kl->il", a, b, c),
     [randn(2, 3), randn(3, 4), randn(4, 5)])
case("einsum_batch_diagonal", lambda a: torch.einsum("bii->bi", a), [randn(2, 3, 3)])
case("einsum_spaces", lambda a, b: torch.einsum("b i , b i -> b", a, b), [randn(3, 4), randn(3, 4)])
case("einsum_broadcast_letters", lambda a, b: torch.einsum("ij,ij->i", a, b),
     [randn(2, 1), randn(2, 4)])
case("einsum_broadcast_kept", lambda a, b, c: torch.einsum("ij,jk,ik->ijk", a, b, c),
     [randn(1, 3), randn(3, 2), randn(4, 2)])


def main():
    tensors = {}
    names = []
    for name, fn, inputs, backward in CASES:
        names.append(name)
        xs = [t.clone().requires_grad_() for t in inputs]
        for i, t in enumerate(inputs):
            tensors[f"{name}/input{i}"] = t
        out = fn(*xs)
        second = None
        if isinstance(out, tuple):
            out, second = out
        tensors[f"{name}/output"] = out.detach().contiguous()
        if second is not None:
            tensors[f"{name}/output_index"] = second.contiguous()
        if not backward:
            continue
        go = torch.randn_like(out)
        tensors[f"{name}/grad_output"] = go
        out.backward(go)
        for i, x in enumerate(xs):
            if x.grad is not None:
                tensors[f"{name}/grad{i}"] = x.grad
    write_safetensors(OUT, tensors, {"cases": ",".join(names),
                                     "made_by": "scripts/make_tensor_ops_more_fixtures.py with "
                                     "torch " + torch.__version__})
    print(f"wrote {len(names)} cases ({len(tensors)} tensors) to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
