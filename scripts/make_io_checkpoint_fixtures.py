#!/usr/bin/env python3
"""Fixtures of torchlet's io tests, made with PyTorch (1.13) and the reference
safetensors reader/writer in scripts/check_safetensors_interop.py.

Writes, under tests/fixtures/io/:
  dtypes.safetensors              one tensor per dtype the format has that torchlet reads
                                  (F32 F64 F16 BF16 I64 I32 I16 I8 U8 BOOL), same values
  pytorch_mlp.safetensors         the state_dict of a PyTorch MLP 12-16-ReLU-5 made with
                                  torch.manual_seed(1234) (keys 0.weight, 0.bias, 2.weight, 2.bias)
  pytorch_mlp.safetensors.io.safetensors
                                  an input x [7, 12] and PyTorch's logits for it

Usage from the repository root:
    /usr/bin/python3 scripts/make_io_checkpoint_fixtures.py
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import main as interop_main, write_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "io")


def main():
    os.makedirs(ROOT, exist_ok=True)
    values = torch.tensor([-3.0, 0.0, 5.0, 1.5], dtype=torch.float64)
    tensors = {
        "expected_f64": values.reshape(2, 2),
        "f32": values.to(torch.float32).reshape(2, 2),
        "f64": values.reshape(2, 2),
        "f16": values.to(torch.float16).reshape(2, 2),
        "bf16": values.to(torch.bfloat16).reshape(2, 2),
        "i64": torch.tensor([-3, 0, 5, 1 << 40], dtype=torch.int64),
        "i32": torch.tensor([-3, 0, 5, 7], dtype=torch.int32),
        "i16": torch.tensor([-32768, 0, 5, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, 0, 5, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, False, True]),
        "f16_special": torch.tensor([float("inf"), 5.960464477539063e-08, -0.0], dtype=torch.float16),
        "matrix": torch.arange(24, dtype=torch.float32).reshape(2, 3, 4),
    }
    write_safetensors(os.path.join(ROOT, "dtypes.safetensors"), tensors, {"made_by": "torch " + torch.__version__})
    interop_main(["", "make", os.path.join(ROOT, "pytorch_mlp.safetensors")])
    print("wrote", os.path.normpath(ROOT))


if __name__ == "__main__":
    main()
