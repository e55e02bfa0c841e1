#!/usr/bin/python3
"""Writes the PyTorch parity fixtures of torchlet's tensor library.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_tensor_fixtures.py
It writes, under tests/fixtures/tensor/:

  ops.safetensors    inputs, outputs and gradients of every op (tests/tensor/parity.cpp)
  print.safetensors  the tensors tests/tensor/print.cpp prints (tensor "<case>", its dtype)
  print.txt          how torch prints each of them (golden text, read by print.cpp)

ops.safetensors holds, for case <name> (the name selects the same computation in
parity.cpp), tensors named "<name>/<what>":
  input<i>       the i-th float32 input (requires grad), i = 0, 1, ... in argument order
  index<i>       the i-th int64 input (indices)
  mask<i>        the i-th bool input
  output         the result, in its dtype (float32, or float64 for to_double)
  output_index   an int64 result (e.g. the indices of max over a dim)
  grad_output    the gradient fed to backward (output.backward(grad_output))
  grad<i>        the gradient of input<i>; absent if that input receives none
Values are stored exactly as PyTorch computed them. __metadata__: "cases" (the case names,
comma-separated, in order) and "made_by".

print.txt: per case the lines
  case <name>
  requires_grad <0|1>
  repr <n>             followed by the n lines of str(tensor) exactly as torch prints it
  end
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tensor")


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def rand_in(lo, hi, *shape):
    return torch.rand(*shape, dtype=torch.float32) * (hi - lo) + lo


def off_zero(*shape):
    t = randn(*shape)
    return torch.where(t.abs() < 0.1, t.sign() * 0.1 + t, t)


def idx(*values):
    return torch.tensor(values, dtype=torch.int64)


CASES = []


def case(name, inputs, fn):
    """inputs: list of tensors (float32 ones require grad); fn(*inputs) -> tensor or (tensor, index tensor)."""
    CASES.append((name, inputs, fn))


# ---- elementwise binary, broadcasting, scalars ------------------------------------------
case("add", [randn(2, 3), randn(2, 3)], lambda a, b: a + b)
case("add_row", [randn(2, 3), randn(3)], lambda a, b: a + b)
case("add_col", [randn(2, 3), randn(2, 1)], lambda a, b: a + b)
case("add_3d", [randn(4, 1, 3), randn(2, 3)], lambda a, b: a + b)
case("add_scalar", [randn(2, 3)], lambda a: a + 2.5)
case("rsub_scalar", [randn(2, 3)], lambda a: 2.5 - a)
case("sub", [randn(2, 3), randn(2, 3)], lambda a, b: a - b)
case("sub_broadcast", [randn(3, 1), randn(1, 4)], lambda a, b: a - b)
case("mul", [randn(2, 3), randn(2, 3)], lambda a, b: a * b)
case("mul_broadcast", [randn(2, 1, 3), randn(4, 1)], lambda a, b: a * b)
case("mul_scalar", [randn(2, 3)], lambda a: a * -1.5)
case("div", [randn(2, 3), rand_in(0.5, 2, 2, 3)], lambda a, b: a / b)
case("div_broadcast", [randn(2, 3), rand_in(0.5, 2, 3)], lambda a, b: a / b)
case("div_scalar", [randn(2, 3)], lambda a: a / 4.0)
case("rdiv_scalar", [rand_in(0.5, 2, 2, 3)], lambda a: 2.0 / a)
case("neg", [randn(2, 3)], lambda a: -a)
case("addcmul", [randn(2, 3), randn(2, 3), randn(2, 3)], lambda i, a, b: torch.addcmul(i, a, b, value=0.5))
case("addcmul_broadcast", [randn(3), randn(2, 1), randn(2, 3)], lambda i, a, b: torch.addcmul(i, a, b))

# ---- unary ---------------------------------------------------------------------------------
case("abs", [off_zero(2, 3)], lambda a: a.abs())
case("exp", [randn(2, 3)], lambda a: a.exp())
case("log", [rand_in(0.2, 3, 2, 3)], lambda a: a.log())
case("log1p", [rand_in(-0.5, 3, 2, 3)], lambda a: a.log1p())
case("sqrt", [rand_in(0.2, 3, 2, 3)], lambda a: a.sqrt())
case("rsqrt", [rand_in(0.2, 3, 2, 3)], lambda a: a.rsqrt())
case("pow2", [randn(2, 3)], lambda a: a.pow(2))
case("pow3", [randn(2, 3)], lambda a: a.pow(3))
case("pow_neg_half", [rand_in(0.2, 3, 2, 3)], lambda a: a.pow(-0.5))
case("sin", [randn(2, 3) * 3], lambda a: a.sin())
case("cos", [randn(2, 3) * 3], lambda a: a.cos())
case("tanh", [randn(2, 3) * 2], lambda a: a.tanh())
case("sigmoid", [randn(2, 3) * 3], lambda a: a.sigmoid())
case("relu", [off_zero(2, 3)], lambda a: a.relu())
case("gelu", [randn(3, 4) * 2], lambda a: torch.nn.functional.gelu(a))
case("gelu_tanh", [randn(3, 4) * 2], lambda a: torch.nn.functional.gelu(a, approximate="tanh"))
case("clamp", [randn(3, 4)], lambda a: a.clamp(-0.5, 0.5))
case("clamp_min", [randn(3, 4)], lambda a: a.clamp(min=0.1))
case("clamp_max", [randn(3, 4)], lambda a: a.clamp(max=0.1))
case("where", [randn(2, 3), randn(3), torch.tensor([[True, False, True], [False, True, False]])],
     lambda a, b, m: torch.where(m, a, b))

# ---- matrix products -----------------------------------------------------------------------
case("mm", [randn(3, 5), randn(5, 4)], lambda a, b: a.mm(b))
case("matmul_dot", [randn(5), randn(5)], lambda a, b: a.matmul(b))
case("matmul_mv", [randn(3, 5), randn(5)], lambda a, b: a.matmul(b))
case("matmul_vm", [randn(3), randn(3, 4)], lambda a, b: a.matmul(b))
case("bmm", [randn(2, 3, 5), randn(2, 5, 4)], lambda a, b: a.bmm(b))
case("matmul_batch_broadcast", [randn(2, 3, 5), randn(1, 5, 4)], lambda a, b: a.matmul(b))
case("matmul_3d_2d", [randn(2, 3, 5), randn(5, 4)], lambda a, b: a.matmul(b))
case("matmul_2d_3d", [randn(3, 5), randn(2, 5, 4)], lambda a, b: a.matmul(b))
case("addmm", [randn(4), randn(3, 5), randn(5, 4)], lambda i, a, b: torch.addmm(i, a, b))
case("addmm_beta_alpha", [randn(3, 4), randn(3, 5), randn(5, 4)], lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=-2.0))

# ---- reductions ----------------------------------------------------------------------------
case("sum", [randn(3, 4)], lambda a: a.sum())
case("sum_dim0", [randn(3, 4)], lambda a: a.sum(0))
case("sum_dim1_keepdim", [randn(2, 3, 4)], lambda a: a.sum(1, keepdim=True))
case("mean", [randn(3, 4)], lambda a: a.mean())
case("mean_dim", [randn(2, 3, 4)], lambda a: a.mean(-1))
case("max", [randn(3, 4)], lambda a: a.max())
case("min", [randn(3, 4)], lambda a: a.min())
case("max_ties", [torch.tensor([[1.0, 3.0, 3.0], [0.5, 3.0, -2.0]])], lambda a: a.max())
case("max_dim", [randn(3, 4)], lambda a: tuple(a.max(1)))
case("min_dim_keepdim", [randn(2, 3, 4)], lambda a: tuple(a.min(1, keepdim=True)))
case("var", [randn(3, 4)], lambda a: a.var())
case("var_dim", [randn(3, 4)], lambda a: a.var(1))
case("var_biased_keepdim", [randn(3, 4)], lambda a: a.var(0, unbiased=False, keepdim=True))
case("std", [randn(3, 4)], lambda a: a.std())
case("std_dim_keepdim", [randn(2, 3, 4)], lambda a: a.std(1, keepdim=True))
case("logsumexp", [randn(3, 4) * 3], lambda a: a.logsumexp(1))
case("logsumexp_keepdim", [randn(2, 3, 4) * 3], lambda a: a.logsumexp(0, keepdim=True))
case("norm", [randn(3, 4)], lambda a: a.norm())
case("norm1", [off_zero(3, 4)], lambda a: a.norm(1))
case("norm3", [randn(3, 4)], lambda a: a.norm(3))
case("norm_inf", [randn(3, 4)], lambda a: a.norm(float("inf")))
case("norm_dim", [randn(3, 4)], lambda a: a.norm(2, 1))
case("softmax", [randn(3, 4) * 2], lambda a: a.softmax(1))
case("softmax_dim0", [randn(3, 4) * 2], lambda a: a.softmax(0))
case("log_softmax", [randn(2, 3, 4) * 2], lambda a: a.log_softmax(1))

# ---- shapes and indexing --------------------------------------------------------------------
case("reshape", [randn(2, 3, 4)], lambda a: a.reshape(4, -1))
case("flatten", [randn(2, 3, 4)], lambda a: a.flatten(1))
case("squeeze_unsqueeze", [randn(2, 1, 3)], lambda a: a.squeeze().unsqueeze(0))
case("transpose", [randn(2, 3, 4)], lambda a: a.transpose(0, 2))
case("t", [randn(3, 4)], lambda a: a.t())
case("permute", [randn(2, 3, 4)], lambda a: a.permute(2, 0, 1))
case("cat0", [randn(2, 3), randn(1, 3)], lambda a, b: torch.cat([a, b], 0))
case("cat1", [randn(2, 3), randn(2, 2)], lambda a, b: torch.cat([a, b, a], 1))
case("stack0", [randn(2, 3), randn(2, 3)], lambda a, b: torch.stack([a, b], 0))
case("stack2", [randn(2, 3), randn(2, 3)], lambda a, b: torch.stack([a, b], 2))
case("split", [randn(5, 3)], lambda a: torch.cat([p * (i + 1) for i, p in enumerate(a.split(2, 0))], 0))
case("split_sizes", [randn(3, 5)], lambda a: torch.cat([p * (i + 1) for i, p in enumerate(a.split([1, 3, 1], 1))], 1))
case("chunk", [randn(3, 7)], lambda a: torch.cat([p * (i + 1) for i, p in enumerate(a.chunk(3, 1))], 1))
case("index_select", [randn(3, 4), idx(2, 0, 2)], lambda a, i: a.index_select(1, i))
case("narrow", [randn(3, 4)], lambda a: a.narrow(1, 1, 2))
case("slice_step", [randn(3, 7)], lambda a: a[:, 1:7:3])
case("select", [randn(2, 3, 4)], lambda a: a.select(1, -1))
case("to_double", [randn(2, 3)], lambda a: a.double() * 3)

# ---- argmax / argmin (outputs only) ---------------------------------------------------------
case("argmax_dim", [randn(3, 4)], lambda a: (None, a.argmax(1)))
case("argmin_dim_keepdim", [randn(3, 4)], lambda a: (None, a.argmin(0, keepdim=True)))
case("argmax_all", [randn(3, 4)], lambda a: (None, a.argmax()))

# ---- creation (no inputs) -------------------------------------------------------------------
case("linspace", [], lambda: torch.linspace(-3.0, 10.0, 11))
case("linspace_even", [], lambda: torch.linspace(0.0, 1.0, 8))
case("eye", [], lambda: torch.eye(3, 4))
case("arange", [], lambda: torch.arange(-1.0, 2.0, 0.3))


def write_ops(path):
    tensors = {}
    for name, inputs, fn in CASES:
        args = []
        for t in inputs:
            if t.dtype == torch.float32:
                t = t.clone().requires_grad_()
            args.append(t)
        result = fn(*args)
        out, out_index = (result if isinstance(result, tuple) else (result, None))
        count = {}
        for t in args:
            tag = {torch.float32: "input", torch.int64: "index", torch.bool: "mask"}[t.dtype]
            tensors[f"{name}/{tag}{count.get(tag, 0)}"] = t.detach()
            count[tag] = count.get(tag, 0) + 1
        if out is not None:
            tensors[f"{name}/output"] = out.detach()
        if out_index is not None:
            tensors[f"{name}/output_index"] = out_index
        if out is not None and out.requires_grad:
            w = torch.randn(out.shape, dtype=out.dtype)
            out.backward(w)
            tensors[f"{name}/grad_output"] = w
            floats = [t for t in args if t.dtype == torch.float32]
            for i, t in enumerate(floats):
                if t.grad is not None:
                    tensors[f"{name}/grad{i}"] = t.grad
    meta = {"cases": ",".join(name for name, _, _ in CASES),
            "made_by": "scripts/make_tensor_fixtures.py with torch " + torch.__version__}
    write_safetensors(path, tensors, meta)
    print(f"wrote {len(CASES)} cases ({len(tensors)} tensors) to {os.path.relpath(path)}")


# ---- printing ------------------------------------------------------------------------------
PRINTS = [
    ("small", torch.tensor([[0.1, 0.2]]), True),
    ("ints_as_float", torch.tensor([1.0, 2.0, -3.0]), False),
    ("mixed_width", torch.tensor([[1.5, -20.25], [300.125, 0.0]]), False),
    ("sci_small", torch.tensor([1e-5, 1.0, 2.5]), False),
    ("sci_large", torch.tensor([1e9, 1.0]), False),
    ("sci_ratio", torch.tensor([0.001, 1000.5]), False),
    ("negative_zero_one", torch.tensor([-1.0, 0.0, 1.0]), False),
    ("long", torch.tensor([1, -22, 333], dtype=torch.int64), False),
    ("scalar", torch.tensor(3.5), False),
    ("scalar_grad", torch.tensor(-0.25), True),
    ("double", torch.tensor([0.5, 1.25], dtype=torch.float64), False),
    ("empty", torch.zeros(0), False),
    ("empty_2d", torch.zeros(2, 0), False),
    ("nan_inf", torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5]), False),
    ("cube", torch.arange(24.0).reshape(2, 3, 4) / 4, False),
    ("summarized_1d", torch.arange(2000.0), False),
    ("summarized_2d", torch.arange(1200.0).reshape(40, 30) / 7, False),
    ("summarized_3d", torch.arange(3000, dtype=torch.int64).reshape(10, 15, 20), False),
    ("random", torch.randn(3, 5), False),
]


def write_prints(tensor_path, text_path):
    lines = ["# How torch " + torch.__version__ + " prints the tensors of print.safetensors:"
             " written by scripts/make_tensor_fixtures.py."]
    tensors = {}
    for name, t, rg in PRINTS:
        tensors[name] = t
        if rg:
            t = t.clone().requires_grad_()
        text = str(t).split("\n")
        lines += ["case " + name, f"requires_grad {int(rg)}", f"repr {len(text)}"] + text + ["end"]
    write_safetensors(tensor_path, tensors, {"made_by": "scripts/make_tensor_fixtures.py with torch "
                                                        + torch.__version__})
    with open(text_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(PRINTS)} cases to {os.path.relpath(tensor_path)} and {os.path.relpath(text_path)}")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_ops(os.path.join(OUT, "ops.safetensors"))
    write_prints(os.path.join(OUT, "print.safetensors"), os.path.join(OUT, "print.txt"))
