#!/usr/bin/python3
"""Writes the PyTorch fixtures of x[...] reads and writes (tests/tensor/advanced_indexing.cpp):
basic indexing (ints, slices with steps and negative ends, None, Ellipsis), advanced indexing
(int64 index tensors broadcast together, bool masks, the placement of the indexed dims when
they are adjacent or separated), masked_select, index_put_ (slices, scalars, masks,
accumulate, duplicates), index_put, masked_fill_, masked_scatter_/masked_scatter, and the two
programs of issue 13 (`x[:, :10] *= 0`; the positional encoding of pytorch/examples'
word_language_model transformer).

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_indexing_fixtures.py
It writes tests/fixtures/tensor/indexing.safetensors holding, for case <name> (the name
selects the same computation in advanced_indexing.cpp), tensors named "<name>/<what>":
  input<i>       the i-th float32 input (requires grad), in argument order
  output         the result (float32)
  grad_output    the gradient fed to backward (absent for a values-only case)
  grad<i>        the gradient of input<i>; absent if that input receives none
__metadata__: "cases" (the case names, comma-separated, in order) and "made_by".
A write case writes into a clone of input0 (a non-leaf, so both it and the value get
gradients) unless its name says otherwise. New cases go at the end.
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tensor",
                   "indexing.safetensors")

CASES = []  # (name, fn, inputs, backward)


def case(name, fn, inputs, backward=True):
    CASES.append((name, fn, list(inputs), backward))


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def L(*v):
    return torch.tensor(v, dtype=torch.int64)


# The masks of the C++ test (kMask34, kRow4...).
MASK34 = torch.tensor([[True, False, True, False], [False, False, False, False],
                       [True, True, False, True]])
ROW4 = torch.tensor([True, False, True, True])
MASK214 = torch.tensor([[[True, False, False, True]], [[False, True, True, True]]])


def put(idx, accumulate=False):
    def f(x, v):
        y = x.clone()
        y.index_put_(idx, v, accumulate=accumulate)
        return y
    return f


def setitem(idx):
    def f(x, v):
        y = x.clone()
        y[idx] = v
        return y
    return f


# ---- reads: basic indexing ----
case("read_step_slice", lambda x: x[:, 0::2], [randn(4, 6)])
case("read_negative_ends", lambda x: x[-4:-1, 1:-2:3], [randn(5, 7)])
case("read_clamped_ends", lambda x: x[-9:100, 3:2], [randn(3, 4)])
case("read_int_ellipsis_none", lambda x: x[1, ..., None], [randn(3, 4, 5)])
case("read_none_middle", lambda x: x[:, None, 2:], [randn(3, 4)])
case("read_ellipsis_middle", lambda x: x[0, ..., 1:3], [randn(2, 3, 4, 5)])
case("read_negative_int", lambda x: x[-1, :, -2], [randn(3, 4, 5)])
case("read_long_0d_selects", lambda x: x[torch.tensor(2), 1:3], [randn(4, 5)])
# ---- reads: advanced indexing ----
case("read_long_rows_repeated", lambda x: x[L(4, 0, 0, 2)], [randn(5, 3)])
case("read_long_negative", lambda x: x[L(-1, -4, 2)], [randn(4, 3)])
case("read_long_pair", lambda x: x[L(0, 3, 1), L(4, 4, 0)], [randn(4, 5)])
case("read_long_broadcast", lambda x: x[L(0, 3).view(2, 1), L(1, 2, 4)], [randn(4, 5)])
case("read_adjacent_dims", lambda x: x[:, L(0, 3), L(1, 4)], [randn(2, 4, 5, 3)])
case("read_separated_dims", lambda x: x[L(0, 1), :, L(1, 4)], [randn(2, 4, 5, 3)])
case("read_separated_by_none", lambda x: x[L(0, 3), None, L(1, 2)], [randn(4, 5, 3)])
case("read_int_then_long", lambda x: x[:, 1, :, L(0, 5)], [randn(3, 4, 5, 6)])
case("read_long_2d_index", lambda x: x[:, L(0, 2, 1, 1).view(2, 2)], [randn(3, 4)])
case("read_mask_full", lambda x: x[MASK34], [randn(3, 4)])
case("read_mask_leading", lambda x: x[MASK34], [randn(3, 4, 2)])
case("read_mask_after_slice", lambda x: x[:, MASK34], [randn(2, 3, 4)])
case("read_mask_row", lambda x: x[:, ROW4], [randn(3, 4)])
case("read_mask_and_long", lambda x: x[L(2, 0, 1), ROW4], [randn(3, 4)])
case("read_bool_true", lambda x: x[True], [randn(2, 3)])
case("masked_select", lambda x: torch.masked_select(x, MASK34), [randn(3, 4)])
case("masked_select_broadcast", lambda x: x.masked_select(ROW4), [randn(3, 4)])
case("masked_select_expand", lambda x: torch.masked_select(x, MASK214), [randn(3, 4)])
# ---- writes ----
case("put_step_slice", setitem((slice(None), slice(0, None, 2))), [randn(4, 6), randn(4, 3)])
case("put_broadcast_row", setitem((slice(1, None), slice(1, None, 2))), [randn(4, 6), randn(3)])
case("put_leading_ones", setitem(0), [randn(3, 4), randn(1, 4)])
case("put_long_pair", put((L(0, 3, 1), L(4, 4, 0))), [randn(4, 5), randn(3)])
case("put_long_repeated", put((L(4, 0, 4, 2),)), [randn(5, 3), randn(4, 3)])
case("put_accumulate_repeated", put((L(4, 0, 4, 2),), True), [randn(5, 3), randn(4, 3)])
case("put_accumulate_broadcast", put((L(0, 3).view(2, 1), L(1, 2, 1)), True),
     [randn(4, 5), randn(1)])
case("put_mask", setitem(MASK34), [randn(3, 4), randn(5)])
case("put_mask_rows", setitem(ROW4), [randn(4, 3), randn(3)])
case("put_adjacent_dims", setitem((slice(None), L(0, 3), L(1, 4))),
     [randn(2, 4, 5, 3), randn(2, 2, 3)])
case("put_separated_dims", setitem((L(0, 1), slice(None), L(1, 4))),
     [randn(2, 4, 5, 3), randn(2, 4, 3)])
case("put_none_ellipsis", setitem((None, Ellipsis, 1)), [randn(3, 4), randn(1, 3)])


def put_scalar(x):
    y = x.clone()
    y[1, ...] = 2.5
    return y


case("put_scalar", put_scalar, [randn(3, 4)])


def put_mask_scalar(x):
    y = x.clone()
    y[MASK34] = -1.0
    return y


case("put_mask_scalar", put_mask_scalar, [randn(3, 4)])


def put_into_constant(v):
    y = torch.zeros(3, 4)
    y[L(2, 0), 1:3] = v
    return y


case("put_into_constant", put_into_constant, [randn(2, 2)])
case("index_put_out_of_place", lambda x, v: torch.index_put(x, (L(0, 2),), v),
     [randn(3, 4), randn(2, 4)])


def masked_fill_row(x):
    y = x.clone()
    return y.masked_fill_(ROW4, 0.5)


case("masked_fill_inplace", masked_fill_row, [randn(3, 4)])


def masked_fill_tensor(x, v):
    y = x.clone()
    return y.masked_fill_(MASK34, v)


case("masked_fill_tensor_value", masked_fill_tensor, [randn(3, 4), randn(())])


def masked_scatter_inplace(x, src):
    y = x.clone()
    return y.masked_scatter_(MASK34, src)


case("masked_scatter_inplace", masked_scatter_inplace, [randn(3, 4), randn(2, 4)])
case("masked_scatter_broadcast", lambda x, src: torch.masked_scatter(x, MASK34, src),
     [randn(4), randn(12)])


# ---- issue 13's programs ----
def zero_columns(x):
    y = x.clone()
    y[:, :10] *= 0
    return y


case("issue_zero_columns", zero_columns, [randn(4, 16)])


def positional_encoding():
    max_len, d_model = 50, 16
    pe = torch.zeros(max_len, d_model)
    position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe


case("issue_positional_encoding", positional_encoding, [], backward=False)


def main():
    tensors = {}
    names = []
    for name, fn, inputs, backward in CASES:
        names.append(name)
        xs = [t.clone().requires_grad_() for t in inputs]
        for i, t in enumerate(inputs):
            tensors[f"{name}/input{i}"] = t
        out = fn(*xs)
        tensors[f"{name}/output"] = out.detach().contiguous()
        if not backward:
            continue
        go = torch.randn_like(out)
        tensors[f"{name}/grad_output"] = go
        out.backward(go)
        for i, x in enumerate(xs):
            if x.grad is not None:
                tensors[f"{name}/grad{i}"] = x.grad
    write_safetensors(OUT, tensors, {"cases": ",".join(names),
                                     "made_by": "scripts/make_indexing_fixtures.py with "
                                     "torch " + torch.__version__})
    print(f"wrote {len(names)} cases ({len(tensors)} tensors) to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
