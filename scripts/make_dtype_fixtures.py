#!/usr/bin/python3
"""Writes tests/fixtures/tensor/dtypes.txt: the dtype and values PyTorch gives for factories
without a dtype (torch.tensor, arange, full, linspace, scalar_tensor) and for binary ops and
comparisons between tensors and scalars of different types (type promotion).

Run with Debian's PyTorch: /usr/bin/python3 scripts/make_dtype_fixtures.py
tests/tensor/dtype_promotion.cpp computes each case with torchlet; one line per case:
  <name> <dtype> <shape, dims joined by ',' or '-' for 0-dim> <values...>
"""
import os

import torch

t = torch.tensor
CASES = {
    # factories: the type PyTorch infers from the values
    "tensor_int": lambda: t([1, 2]),
    "tensor_float": lambda: t([1.5, 2.25]),
    "tensor_2d_int": lambda: t([[1, 2], [3, 4]]),
    "tensor_3d_float": lambda: t([[[1.0, 2.0]], [[3.0, 4.0]]]),
    "tensor_scalar_int": lambda: t(3),
    "tensor_scalar_float": lambda: t(3.5),
    "tensor_bool": lambda: t([True, False]),
    "scalar_tensor_int": lambda: torch.scalar_tensor(123),
    "arange_int": lambda: torch.arange(0, 5),
    "arange_end": lambda: torch.arange(5),
    "arange_float": lambda: torch.arange(0.0, 5.0),
    "arange_mixed_step": lambda: torch.arange(0, 5, 0.5),
    "arange_negative_step": lambda: torch.arange(5, 0, -2),
    "full_int": lambda: torch.full((2,), 3),
    "full_float": lambda: torch.full((2,), 3.5),
    "full_bool": lambda: torch.full((2,), True),
    "linspace_int_ends": lambda: torch.linspace(0, 1, 5),
    # tensor (op) tensor of two types
    "add_long_float": lambda: t([1, 2]) + t([1.5, 2.0]),
    "add_int_long": lambda: t([1, 2], dtype=torch.int32) + t([1, 2]),
    "add_double_float": lambda: t([1.0, 2.0], dtype=torch.float64) + t([0.1, 2.0]),
    "add_bool_long": lambda: t([True, False]) + t([1, 2]),
    "add_uint8_int32": lambda: t([1, 2], dtype=torch.uint8) + t([1, 2], dtype=torch.int32),
    "mul_long_float": lambda: t([1, 2]) * t([1.5, 2.0]),
    "sub_long_double": lambda: t([1, 2]) - t([1.0, 2.5], dtype=torch.float64),
    "div_float_long": lambda: t([3.0, 1.0]) / t([2, 4]),
    "lt_long_float": lambda: t([1, 2]) < t([1.5, 2.0]),
    "eq_float_double": lambda: t([0.1, 0.5]) == t([0.1, 0.5], dtype=torch.float64),
    # tensor (op) scalar: a floating scalar promotes an integer tensor to float32
    "add_long_scalar_float": lambda: t([1, 2]) + 0.5,
    "add_long_scalar_int": lambda: t([1, 2]) + 2,
    "rmul_scalar_float_long": lambda: 0.5 * t([1, 2]),
    "rsub_scalar_float_long": lambda: 2.5 - t([1, 2]),
    "div_long_scalar_float": lambda: t([1, 2]) / 2.0,
    "lt_long_scalar_float": lambda: t([1, 2]) < 1.5,
    "ge_long_scalar_float": lambda: t([1, 2]) >= 1.5,
    "add_bool_scalar_int": lambda: t([True, False]) + 2,
    # true division of integer tensors: float32 (the default dtype)
    "div_long_long": lambda: t([7, -7, 5]) / t([2, 2, 4]),
    "div_long_scalar_int": lambda: t([7, -7]) / 2,
    "rdiv_scalar_int_long": lambda: 3 / t([2, 4]),
    "div_int32_int32": lambda: t([7, 1], dtype=torch.int32) / t([2, 3], dtype=torch.int32),
    "div_uint8_scalar_int": lambda: t([7, 1], dtype=torch.uint8) / 2,
    "div_bool_bool": lambda: t([True, False]) / t([True, True]),
    "div_long_int32": lambda: t([7, 9]) / t([2, 4], dtype=torch.int32),
    # div with a rounding_mode and floor_divide keep the integer type
    "div_floor_long": lambda: torch.div(t([7, -7, 5, -5]), t([2, 2, -3, -3]), rounding_mode="floor"),
    "div_trunc_long": lambda: torch.div(t([7, -7, 5, -5]), t([2, 2, -3, -3]), rounding_mode="trunc"),
    "div_floor_long_scalar_int": lambda: torch.div(t([7, -7]), 2, rounding_mode="floor"),
    "div_trunc_long_scalar_int": lambda: torch.div(t([7, -7]), 2, rounding_mode="trunc"),
    "div_floor_long_scalar_float": lambda: torch.div(t([7, -7]), 2.5, rounding_mode="floor"),
    "div_floor_float": lambda: torch.div(t([7.5, -7.5, 1.0]), t([2.0, 2.0, 0.1]), rounding_mode="floor"),
    "div_trunc_float": lambda: torch.div(t([7.5, -7.5, 1.0]), t([2.0, 2.0, 0.1]), rounding_mode="trunc"),
    "div_floor_int32_long": lambda: torch.div(t([7, -7], dtype=torch.int32), t([2, 2]), rounding_mode="floor"),
    "div_floor_uint8": lambda: torch.div(t([7, 200], dtype=torch.uint8), t([2, 3], dtype=torch.uint8), rounding_mode="floor"),
    "floor_divide_long": lambda: torch.floor_divide(t([7, -7]), t([2, 2])),
    "floor_divide_long_scalar_int": lambda: torch.floor_divide(t([7, -7]), 2),
    # a floating scalar with an integer tensor: where, fmod and remainder promote to float32;
    # masked_fill and scatter keep the tensor's type and truncate the value
    "where_long_scalar_float": lambda: torch.where(t([True, False, True]), t([5, -7, 3]), 0.5),
    "where_scalar_float_long": lambda: torch.where(t([True, False, True]), 0.5, t([5, -7, 3])),
    "where_long_scalar_int": lambda: torch.where(t([True, False]), t([5, -7]), 2),
    "where_bool_scalar_int": lambda: torch.where(t([True, False]), t([True, False]), 2),
    "where_int32_scalar_float": lambda: torch.where(t([True, False]), t([5, -7], dtype=torch.int32), 0.5),
    "where_double_scalar_float": lambda: torch.where(t([True, False]), t([5.0, -7.0], dtype=torch.float64), 0.1),
    "fmod_long_scalar_float": lambda: torch.fmod(t([5, -7, 3]), 1.5),
    "fmod_long_scalar_int": lambda: torch.fmod(t([5, -7, 3]), 2),
    "fmod_bool_scalar_float": lambda: torch.fmod(t([True, False]), 1.5),
    "remainder_long_scalar_float": lambda: torch.remainder(t([5, -7, 3]), 1.5),
    "remainder_long_scalar_int": lambda: torch.remainder(t([5, -7, 3]), 2),
    "remainder_int32_scalar_float": lambda: torch.remainder(t([5, -7], dtype=torch.int32), -1.5),
    "masked_fill_long_scalar_float": lambda: t([5, -7, 3]).masked_fill(t([True, False, True]), 0.5),
    "masked_fill_long_scalar_negative_float": lambda: t([5, -7, 3]).masked_fill(t([True, False, True]), -2.7),
    "masked_fill_bool_scalar_float": lambda: t([True, False]).masked_fill(t([False, True]), 0.5),
    "scatter_long_scalar_float": lambda: t([5, -7, 3]).scatter(0, t([0, 2]), -2.7),
    "scatter_int32_scalar_float": lambda: t([5, -7, 3], dtype=torch.int32).scatter(0, t([1]), 9.9),
}


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = os.path.join(root, "tests", "fixtures", "tensor", "dtypes.txt")
    lines = []
    for name, f in CASES.items():
        r = f()
        shape = ",".join(str(d) for d in r.shape) or "-"
        values = " ".join(repr(float(v)) for v in r.flatten().tolist())
        lines.append(f"{name} {r.dtype} {shape} {values}".rstrip())
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(f"# written by scripts/make_dtype_fixtures.py with torch {torch.__version__}\n")
        fh.write("\n".join(lines) + "\n")
    print(f"{len(lines)} cases -> {out}")


if __name__ == "__main__":
    main()
