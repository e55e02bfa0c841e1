#!/usr/bin/python3
"""Writes the PyTorch fixtures of torchlet's strided views (tests/tensor/strided.cpp).

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_strided_fixtures.py
It writes tests/fixtures/tensor/strided.safetensors holding, for case <name> (the name selects
the same view of x = arange(24).reshape(2, 3, 4) in strided.cpp), tensors named "<name>/<what>":
  stride       the view's strides (int64)
  offset       its storage_offset (int64, [1])
  values       its elements, row-major (float32)
  after_fill   x after view.fill_(-1)
  after_add    x after view.add_(arange(numel).reshape(view.shape)) (absent where the view's
               elements overlap, expand and unfold with step < size: torchlet throws there)
  after_copy   x after view.copy_(-arange(numel).reshape(view.shape)) (likewise)
and, for the basic-indexing cases (names "index_...", x[...] in Python, x.index({...}) in
torchlet), with x a float32 leaf that requires grad and w = arange(1, numel + 1) in the view's
shape:
  grad         x.grad after (x[...] * w).sum().backward()
  grad_write   x.grad after b = x * 2; b[...].mul_(w); (b * b).sum().backward() (CopySlices)
and, for the batched products reading transposed operands (names "product_..."; the C++
side builds the same views of the same inputs):
  input0, input1(, input2)   the contiguous inputs (float32), before the views
  output       the product
  grad<i>      input i's gradient after (output * cos(arange(numel)).reshape(shape)).sum()
__metadata__: "cases" (the case names, comma-separated, in order), "grad_fns" (name=grad_fn
name of x[...] for each index case, comma-separated), "products" (the product cases) and
"made_by".
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tensor",
                   "strided.safetensors")

CASES = [
    ("transpose02", lambda x: x.transpose(0, 2)),
    ("transpose12", lambda x: x.transpose(1, 2)),
    ("permute120", lambda x: x.permute(1, 2, 0)),
    ("mT", lambda x: x.mT),
    ("T", lambda x: x.T),
    ("mH", lambda x: x.mH),
    ("T_select", lambda x: x[1].T),
    ("H_select", lambda x: x[0].H),
    ("t_select", lambda x: x[1].t()),
    ("narrow1", lambda x: x.narrow(1, 1, 2)),
    ("narrow2", lambda x: x.narrow(2, 1, 2)),
    ("select0", lambda x: x.select(0, 1)),
    ("select1", lambda x: x.select(1, 2)),
    ("select2", lambda x: x.select(2, -1)),
    ("slice2_step2", lambda x: x[:, :, 1::2]),
    ("slice1_step2", lambda x: x[:, 0::2]),
    ("slice_of_transpose", lambda x: x.transpose(0, 1)[1:, :, ::3]),
    ("expand", lambda x: x[:, :1, :].expand(2, 3, 4)),
    ("expand_new_dim", lambda x: x[0, 0].expand(3, 4)),
    ("unsqueeze_t", lambda x: x[0].t().unsqueeze(1)),
    ("squeeze_strided", lambda x: x[:, 1:2, ::2].squeeze(1)),
    ("diagonal", lambda x: x.diagonal(0, 1, 2)),
    ("diagonal_pos", lambda x: x.diagonal(1, 1, 2)),
    ("diagonal_neg", lambda x: x.diagonal(-1, 2, 1)),
    ("diagonal_02", lambda x: x.diagonal(0, 0, 2)),
    ("unfold2", lambda x: x.unfold(2, 2, 1)),
    ("unfold1_step2", lambda x: x.unfold(1, 2, 2)),
    ("as_strided", lambda x: x.as_strided((3, 2), (5, 2), 1)),
    ("view_of_slice", lambda x: x[:, :, 0:4].view(2, 12)[:, ::5]),
    ("reshape_of_narrow", lambda x: x.narrow(2, 0, 2).reshape(2, 3, 2, 1)),
    ("chunk1", lambda x: x.chunk(2, 2)[1]),
    ("split1", lambda x: x.split([1, 2], 1)[1]),
]

# Basic indexing (views): the C++ side spells each as x.index({...}) (tests/tensor/strided.cpp).
INDEX_CASES = [
    ("index_step2", lambda x: x[:, 0::2]),
    ("index_int_slice_step", lambda x: x[1, :, 1::2]),
    ("index_ellipsis_none_int", lambda x: x[..., None, 2]),
    ("index_none_int", lambda x: x[None, 0]),
    ("index_negative", lambda x: x[-1, -2:, ::3]),
    ("index_whole_slices", lambda x: x[0:2, 0:3]),
    ("index_ellipsis", lambda x: x[...]),
    ("index_single_whole_slice", lambda x: x[0:2]),
    ("index_clamped", lambda x: x[:, -100:100, 1:3]),
    ("index_empty", lambda x: x[:, 2:1]),
    ("index_of_transpose", lambda x: x.transpose(0, 2)[1:, None, ::2]),
    ("index_tensor_int", lambda x: x[:, torch.tensor(1)]),
    ("index_all_ints", lambda x: x[1, 2, 3]),
    ("index_none_end", lambda x: x[:, 1, None]),
]
CASES += INDEX_CASES

# Batched products with transposed (and otherwise strided) operands: (name, input shapes, f).
PRODUCT_CASES = [
    ("product_bmm_bt", [(2, 3, 4), (2, 5, 4)], lambda a, b: torch.bmm(a, b.transpose(1, 2))),
    ("product_bmm_at", [(2, 4, 3), (2, 4, 5)], lambda a, b: torch.bmm(a.mT, b)),
    ("product_matmul_4d_bcast", [(2, 1, 3, 4), (3, 5, 4)],
     lambda a, b: torch.matmul(a, b.transpose(-2, -1))),
    ("product_matmul_both_t", [(3, 4, 2), (1, 5, 4)], lambda a, b: torch.matmul(a.mT, b.mT)),
    ("product_baddbmm_t", [(1, 3, 5), (2, 3, 4), (2, 5, 4)],
     lambda i, a, b: torch.baddbmm(i, a, b.transpose(1, 2), beta=0.5, alpha=2.0)),
    ("product_bmm_expanded", [(1, 3, 4), (2, 4, 5)], lambda a, b: torch.bmm(a.expand(2, 3, 4), b)),
    ("product_matmul_gathered", [(2, 3, 2, 4), (2, 3, 2, 4)],
     lambda q, k: torch.matmul(q.transpose(1, 2), k.permute(0, 2, 3, 1))),
]


def overlaps(v):
    """Whether two elements of view v share a memory location."""
    where = torch.arange(v.storage().size()).as_strided(v.shape, v.stride(), v.storage_offset())
    return len(set(where.flatten().tolist())) != v.numel()


def main():
    tensors = {}
    names = []
    for name, fn in CASES:
        names.append(name)
        x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
        v = fn(x)
        tensors[f"{name}/stride"] = torch.tensor(v.stride(), dtype=torch.int64)
        tensors[f"{name}/offset"] = torch.tensor([v.storage_offset()], dtype=torch.int64)
        tensors[f"{name}/values"] = v.contiguous()
        x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
        fn(x).fill_(-1)
        tensors[f"{name}/after_fill"] = x.clone()
        if not overlaps(fn(x)):
            x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
            v = fn(x)
            v.add_(torch.arange(v.numel(), dtype=torch.float32).reshape(v.shape))
            tensors[f"{name}/after_add"] = x.clone()
            x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
            v = fn(x)
            v.copy_(-torch.arange(v.numel(), dtype=torch.float32).reshape(v.shape))
            tensors[f"{name}/after_copy"] = x.clone()
    grad_fns = []
    for name, fn in INDEX_CASES:
        x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4).requires_grad_()
        v = fn(x)
        grad_fns.append(f"{name}={v.grad_fn.name()}")
        w = torch.arange(1, v.numel() + 1, dtype=torch.float32).reshape(v.shape)
        (v * w).sum().backward()
        tensors[f"{name}/grad"] = x.grad.clone()
        x.grad = None
        b = x * 2
        fn(b).mul_(w)
        (b * b).sum().backward()
        tensors[f"{name}/grad_write"] = x.grad.clone()
    gen = torch.Generator().manual_seed(13)
    for name, shapes, fn in PRODUCT_CASES:
        xs = [torch.randn(*sh, generator=gen) for sh in shapes]
        for i, x in enumerate(xs):
            tensors[f"{name}/input{i}"] = x.clone()
            x.requires_grad_()
        out = fn(*xs)
        tensors[f"{name}/output"] = out.detach().clone()
        (out * torch.cos(torch.arange(out.numel(), dtype=torch.float32)).reshape(out.shape)).sum(
        ).backward()
        for i, x in enumerate(xs):
            tensors[f"{name}/grad{i}"] = x.grad.clone()
    write_safetensors(OUT, tensors, {"cases": ",".join(names), "grad_fns": ",".join(grad_fns),
                                     "products": ",".join(c[0] for c in PRODUCT_CASES),
                                     "made_by": "scripts/make_strided_fixtures.py with torch "
                                     + torch.__version__})
    print(f"wrote {len(names)} cases ({len(tensors)} tensors) to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
