#!/usr/bin/python3
"""Writes the PyTorch reference values of tests/nn/layers_extra.cpp (issue 15's layers:
activations, pooling, normalization, init gains, embedding).

Run with Debian's PyTorch 1.13 from the repository root:
    /usr/bin/python3 scripts/make_layer_fixtures.py
Output (committed): tests/fixtures/nn/layers_extra.safetensors, holding per case
    <case>/x            the input (float32, or int64 indices)
    <case>/<param>      every state_dict entry before the step, under its state_dict key
    <case>/out          the output
    <case>/gout         a random upstream gradient; the step is loss = sum(out * gout)
    <case>/gx           the input's gradient
    <case>/g<param>     every parameter's gradient
    <case>/after/<buf>  every buffer after the step (running statistics)
and, in the file's __metadata__, "repr/<name>": repr(module) of the modules the test builds
with the same arguments, and "gain/<nonlinearity>[/<param>]": nn.init.calculate_gain.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "nn", "layers_extra.safetensors")
torch.set_num_threads(1)

items = {}
meta = {}


def add(name, t):
    if name in items:
        raise KeyError(name)
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().numpy()
    a = np.array(t, order="C", copy=True)
    if a.dtype in (np.int32, np.bool_):
        a = a.astype(np.int64)
    elif a.dtype not in (np.float32, np.float64, np.int64):
        raise TypeError(f"{name}: dtype {a.dtype}")
    items[name] = torch.from_numpy(a)


def run_case(name, module, x, fn=None):
    """Records module(x) (or fn(module, x)) and the gradients of loss = sum(out * gout)."""
    for k, v in module.state_dict().items():
        add(f"{name}/{k}", v.float() if v.dtype != torch.float32 else v)
    if x.dtype.is_floating_point:
        x = x.clone().requires_grad_(True)
    add(f"{name}/x", x)
    # In-place modules write into their input: run them on a non-leaf copy.
    out = (fn or (lambda m, v: m(v)))(module, x * 1 if x.dtype.is_floating_point else x)
    if isinstance(out, tuple):
        out = out[0]
    gout = torch.randn_like(out)
    add(f"{name}/out", out)
    add(f"{name}/gout", gout)
    (out * gout).sum().backward()
    if x.dtype.is_floating_point:
        add(f"{name}/gx", x.grad)
    for k, p in module.named_parameters():
        add(f"{name}/g{k}", p.grad)
    for k, b in module.named_buffers():
        add(f"{name}/after/{k}", b.float())
    return out


def repr_of(name, module):
    meta[f"repr/{name}"] = repr(module)


# --------------------------------------------------------------------------- activations
def make_activations():
    torch.manual_seed(1)
    x = torch.randn(3, 4, 5) * 3
    cases = {
        "elu": nn.ELU(),
        "elu_alpha": nn.ELU(0.5, inplace=True),
        "selu": nn.SELU(),
        "celu": nn.CELU(2.0),
        "silu": nn.SiLU(),
        "mish": nn.Mish(),
        "softplus": nn.Softplus(),
        "softplus_beta": nn.Softplus(beta=2, threshold=3),
        "softsign": nn.Softsign(),
        "softshrink": nn.Softshrink(),
        "hardshrink": nn.Hardshrink(1.0),
        "tanhshrink": nn.Tanhshrink(),
        "hardtanh": nn.Hardtanh(),
        "hardtanh_range": nn.Hardtanh(-2.0, 3.0, inplace=True),
        "relu6": nn.ReLU6(),
        "hardswish": nn.Hardswish(),
        "hardsigmoid": nn.Hardsigmoid(),
        "logsigmoid": nn.LogSigmoid(),
        "rrelu_eval": nn.RReLU(0.1, 0.3).eval(),
        "threshold": nn.Threshold(0.5, -2.0),
        "softmin": nn.Softmin(1),
        "softmax2d": nn.Softmax2d(),
        "glu": nn.GLU(),
        "glu_dim1": nn.GLU(1),
    }
    for name, m in cases.items():
        xin = torch.randn(3, 4, 6) * 3 if name == "glu" else x
        run_case(name, m, xin)
        repr_of(name, m)
    prelu = nn.PReLU()
    run_case("prelu", prelu, x)
    prelu4 = nn.PReLU(4, 0.1)
    with torch.no_grad():
        prelu4.weight.uniform_(-0.5, 0.5)
    run_case("prelu_channels", prelu4, x)
    repr_of("prelu_channels", prelu4)
    for name, m in {"elu_inplace": nn.ELU(inplace=True), "selu_inplace": nn.SELU(True),
                    "silu_inplace": nn.SiLU(True), "relu6_inplace": nn.ReLU6(True),
                    "hardswish_inplace": nn.Hardswish(True), "rrelu": nn.RReLU(),
                    "threshold_inplace": nn.Threshold(0.1, 20.0, True),
                    "softplus_default": nn.Softplus(), "celu_default": nn.CELU()}.items():
        repr_of(name, m)


# --------------------------------------------------------------------------- pooling
def make_pooling():
    torch.manual_seed(2)
    cases = [
        ("maxpool1d", nn.MaxPool1d(3), torch.randn(2, 3, 10)),
        ("maxpool1d_opts", nn.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True), torch.randn(2, 2, 11)),
        ("maxpool1d_unbatched", nn.MaxPool1d(2), torch.randn(3, 7)),
        ("maxpool3d", nn.MaxPool3d(2), torch.randn(2, 2, 4, 5, 4)),
        ("maxpool3d_opts", nn.MaxPool3d((2, 3, 1), stride=(1, 2, 1), padding=(1, 1, 0), ceil_mode=True),
         torch.randn(1, 2, 4, 5, 3)),
        ("avgpool1d", nn.AvgPool1d(3), torch.randn(2, 3, 10)),
        ("avgpool1d_opts", nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
         torch.randn(2, 2, 8)),
        ("avgpool3d", nn.AvgPool3d(2), torch.randn(2, 2, 4, 5, 4)),
        ("avgpool3d_opts", nn.AvgPool3d((2, 3, 2), stride=1, padding=1, ceil_mode=True, count_include_pad=False),
         torch.randn(1, 2, 3, 4, 3)),
        ("avgpool3d_divisor", nn.AvgPool3d(2, stride=(1, 2, 1), divisor_override=5), torch.randn(1, 2, 3, 4, 3)),
        ("adaptive_max1d", nn.AdaptiveMaxPool1d(3), torch.randn(2, 3, 10)),
        ("adaptive_max2d", nn.AdaptiveMaxPool2d((3, 2)), torch.randn(2, 2, 7, 5)),
        ("adaptive_avg1d", nn.AdaptiveAvgPool1d(4), torch.randn(2, 3, 10)),
        ("adaptive_avg3d", nn.AdaptiveAvgPool3d((2, 3, 1)), torch.randn(2, 2, 5, 7, 3)),
        ("lppool2d", nn.LPPool2d(2, 3), torch.randn(2, 2, 7, 6)),
        ("lppool2d_opts", nn.LPPool2d(1.5, (2, 3), stride=1, ceil_mode=True), torch.rand(1, 2, 5, 6) + 0.1),
    ]
    for name, m, x in cases:
        run_case(name, m, x)
        repr_of(name, m)
    # return_indices: the indices of every max pool
    for name, m, x in [
        ("maxpool1d_idx", nn.MaxPool1d(3, stride=2, padding=1, return_indices=True), torch.randn(2, 3, 10)),
        ("maxpool2d_idx", nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True, return_indices=True),
         torch.randn(2, 2, 8, 7)),
        ("maxpool3d_idx", nn.MaxPool3d(2, return_indices=True), torch.randn(1, 2, 4, 5, 4)),
        ("adaptive_max1d_idx", nn.AdaptiveMaxPool1d(4, return_indices=True), torch.randn(2, 3, 10)),
        ("adaptive_max2d_idx", nn.AdaptiveMaxPool2d((3, 2), return_indices=True), torch.randn(2, 2, 7, 5)),
    ]:
        run_case(name, m, x)
        add(f"{name}/indices", m(x)[1])
        repr_of(name, m)
    # max_unpool2d of a max_pool2d's output
    pool = nn.MaxPool2d(2, stride=2, return_indices=True)
    y, idx = pool(torch.randn(2, 3, 6, 8))
    unpool = nn.MaxUnpool2d(2)
    x = y.detach().clone().requires_grad_(True)
    out = unpool(x, idx)
    gout = torch.randn_like(out)
    (out * gout).sum().backward()
    for k, v in [("x", x), ("indices", idx), ("out", out), ("gout", gout), ("gx", x.grad)]:
        add(f"maxunpool2d/{k}", v)
    repr_of("maxunpool2d", unpool)
    repr_of("maxunpool2d_opts", nn.MaxUnpool2d((3, 2), stride=1, padding=1))


# --------------------------------------------------------------------------- normalization
class RMSNorm(nn.Module):
    """torch.nn.RMSNorm of PyTorch 2.4 (not in 1.13), from its documented formula in plain torch
    ops: y = x / sqrt(mean(x^2 over the normalized dims) + eps) * weight, eps=None meaning
    torch.finfo(x.dtype).eps."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True):
        super().__init__()
        self.normalized_shape = tuple(normalized_shape) if isinstance(normalized_shape, (list, tuple)) \
            else (normalized_shape,)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.weight = nn.Parameter(torch.ones(self.normalized_shape)) if elementwise_affine else None

    def forward(self, x):
        dims = tuple(range(-len(self.normalized_shape), 0))
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y * self.weight if self.weight is not None else y

    def extra_repr(self):  # PyTorch 2.4's
        return "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}".format(**self.__dict__)


def randomize_affine(m):
    with torch.no_grad():
        for k, p in m.named_parameters():
            p.uniform_(0.5, 1.5) if k == "weight" else p.uniform_(-0.5, 0.5)
    return m


def make_normalization():
    torch.manual_seed(3)
    cases = [
        ("groupnorm", randomize_affine(nn.GroupNorm(2, 6)), torch.randn(3, 6, 4, 3) * 2 + 1),
        ("groupnorm_noaffine", nn.GroupNorm(3, 6, eps=1e-3, affine=False), torch.randn(2, 6, 5)),
        ("groupnorm_2d", randomize_affine(nn.GroupNorm(1, 4)), torch.randn(5, 4)),
        ("instancenorm1d", nn.InstanceNorm1d(4), torch.randn(3, 4, 7) * 3),
        ("instancenorm1d_unbatched", nn.InstanceNorm1d(4), torch.randn(4, 7)),
        ("instancenorm2d_affine", randomize_affine(nn.InstanceNorm2d(3, eps=1e-3, momentum=0.2, affine=True,
                                                                     track_running_stats=True)),
         torch.randn(2, 3, 4, 5) * 2 - 1),
        ("batchnorm3d", randomize_affine(nn.BatchNorm3d(3)), torch.randn(2, 3, 3, 4, 2) * 2 + 1),
        ("lrn", nn.LocalResponseNorm(3), torch.randn(2, 6, 4, 3) * 3),
        ("lrn_opts", nn.LocalResponseNorm(2, alpha=0.01, beta=0.5, k=2.0), torch.randn(2, 5, 7) * 3),
        ("rmsnorm", randomize_affine(RMSNorm(6)), torch.randn(3, 4, 6)),
        ("rmsnorm_2d", RMSNorm([3, 4], eps=1e-6, elementwise_affine=False), torch.randn(5, 3, 4)),
    ]
    for name, m, x in cases:
        run_case(name, m, x)
        repr_of(name, m)
    # The instance norm with running statistics, in eval mode after its training step.
    m = cases[5][1]
    m.eval()
    run_case("instancenorm2d_eval", m, torch.randn(2, 3, 4, 5))
    repr_of("batchnorm3d_opts", nn.BatchNorm3d(4, eps=1e-3, momentum=None, affine=False))
    # F.normalize
    for name, p, dim, x in [("normalize", 2.0, 1, torch.randn(3, 5, 2)), ("normalize_p1", 1.0, -1, torch.randn(4, 6)),
                            ("normalize_p3", 3.0, 0, torch.randn(5, 3))]:
        x = x.requires_grad_(True)
        out = F.normalize(x, p=p, dim=dim)
        gout = torch.randn_like(out)
        (out * gout).sum().backward()
        for k, v in [("x", x), ("out", out), ("gout", gout), ("gx", x.grad)]:
            add(f"{name}/{k}", v)


# --------------------------------------------------------------------------- dropout (reprs only:
# the tests check the masks' statistics, not PyTorch's random stream)
def make_dropout():
    for name, m in {"dropout1d": nn.Dropout1d(), "dropout2d": nn.Dropout2d(0.2), "dropout3d": nn.Dropout3d(0.3, True),
                    "alpha_dropout": nn.AlphaDropout(), "feature_alpha_dropout": nn.FeatureAlphaDropout(0.1, True)}.items():
        repr_of(name, m)


# --------------------------------------------------------------------------- init
def make_init():
    import torch.nn.init as init
    for n in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
              "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        meta[f"gain/{n}"] = repr(float(init.calculate_gain(n)))
    for param in [0.2, 0.0, 1.0]:
        meta[f"gain/leaky_relu/{param}"] = repr(float(init.calculate_gain("leaky_relu", param)))


# --------------------------------------------------------------------------- embedding
def make_embedding():
    torch.manual_seed(4)

    def record(name, module, call, inputs, psw=None):
        add(f"{name}/weight", module.weight)
        for k, v in inputs.items():
            add(f"{name}/{k}", v)
        if psw is not None:
            psw = psw.clone().requires_grad_(True)
            add(f"{name}/per_sample_weights", psw)
        out = call(psw)
        gout = torch.randn_like(out)
        (out * gout).sum().backward()
        add(f"{name}/out", out)
        add(f"{name}/gout", gout)
        add(f"{name}/gweight", module.weight.grad)
        add(f"{name}/after/weight", module.weight)  # renormalised in place by max_norm
        if psw is not None:
            add(f"{name}/gper_sample_weights", psw.grad)
        repr_of(name, module)

    idx = torch.tensor([[1, 2, 4, 4], [4, 3, 9, 1]])
    e = nn.Embedding(10, 4, max_norm=1.0)
    record("embedding_maxnorm", e, lambda _: e(idx), {"x": idx})
    e = nn.Embedding(10, 4, padding_idx=3, max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True)
    record("embedding_maxnorm_p1", e, lambda _: e(idx), {"x": idx})
    repr_of("embedding_pretrained", nn.Embedding.from_pretrained(torch.randn(4, 2), padding_idx=1, max_norm=2.0))

    flat = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9, 0])
    offsets = torch.tensor([0, 2, 2, 5])  # bag 1 is empty
    b = nn.EmbeddingBag(10, 3, mode="sum")
    record("bag_sum", b, lambda w: b(flat, offsets, per_sample_weights=w), {"x": flat, "offsets": offsets},
           psw=torch.rand(9) + 0.5)
    b = nn.EmbeddingBag(10, 3, padding_idx=2)
    rows = torch.tensor([[1, 2, 4], [2, 2, 2], [4, 3, 9], [0, 9, 2]])
    record("bag_mean_2d", b, lambda _: b(rows), {"x": rows})
    b = nn.EmbeddingBag(10, 3, mode="max", include_last_offset=True)
    last = torch.tensor([0, 3, 4, 9])
    record("bag_max", b, lambda _: b(flat, last), {"x": flat, "offsets": last})
    # (no scale_grad_by_freq here: PyTorch 1.13's CPU kernel divides each gradient by the count of
    # another index (the one at the same position of the sorted input); torchlet divides by the
    # index's own count, as the documentation says and as nn.Embedding does)
    b = nn.EmbeddingBag(10, 3, max_norm=1.0, norm_type=3.0, mode="sum")
    record("bag_sum_maxnorm", b, lambda _: b(flat, offsets), {"x": flat, "offsets": offsets})


make_activations()
make_pooling()
make_normalization()
make_dropout()
make_init()
make_embedding()
write_safetensors(OUT, items, dict(meta, made_by="scripts/make_layer_fixtures.py with torch " + torch.__version__))
print(f"wrote {OUT} ({len(items)} tensors, {os.path.getsize(OUT)} bytes)")
