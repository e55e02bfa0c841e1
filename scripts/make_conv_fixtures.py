#!/usr/bin/python3
"""Writes the PyTorch reference values tests/nn/conv_family.cpp compares against.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_conv_fixtures.py
Output (committed): tests/fixtures/nn/conv_family.safetensors, tensors named "<case>/<what>":

  module cases (MODULES below, mirrored in tests/nn/conv_family.cpp): every parameter under
  its state_dict key (PyTorch's initial weights), the input `x`, the output `out`, a random
  upstream gradient `gout`, and the gradients of loss = sum(out * gout): `gx` and
  `g<parameter key>`. Cases with an `output_size` call forward(x, output_size).
  functional cases (FUNCTIONAL below): the input `x`, `out`, `gout`, `gx` of F.<op>(x, ...).

Metadata: "cases" = the module cases, "functional" = the functional cases, both space
separated; "<case>/repr" = repr(module); "<case>/keys" = its state_dict keys joined by ",".
"""
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "nn", "conv_family.safetensors")
torch.set_num_threads(1)

# name: (constructor, input shape, forward keyword arguments)
MODULES = {
    # Conv1d
    "conv1d_basic": (lambda: nn.Conv1d(2, 4, 3), (2, 2, 7), {}),
    "conv1d_options": (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), (2, 4, 9), {}),
    "conv1d_unbatched": (lambda: nn.Conv1d(3, 2, 2, bias=False), (3, 6), {}),
    "conv1d_same": (lambda: nn.Conv1d(2, 3, 4, padding="same", dilation=1), (2, 2, 6), {}),
    "conv1d_valid": (lambda: nn.Conv1d(2, 3, 3, padding="valid"), (2, 2, 6), {}),
    "conv1d_reflect": (lambda: nn.Conv1d(2, 3, 3, padding=2, padding_mode="reflect"), (2, 2, 5), {}),
    "conv1d_replicate": (lambda: nn.Conv1d(2, 3, 3, padding=2, stride=2, padding_mode="replicate"), (2, 2, 5), {}),
    "conv1d_circular": (lambda: nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular"), (2, 2, 5), {}),
    # Conv2d: the strings and padding modes (the other options are in make_nn_fixtures.py)
    "conv2d_same_even": (lambda: nn.Conv2d(2, 3, (4, 3), padding="same", dilation=(1, 2)), (2, 2, 6, 7), {}),
    "conv2d_valid": (lambda: nn.Conv2d(2, 3, 3, padding="valid", bias=False), (1, 2, 5, 5), {}),
    "conv2d_reflect": (lambda: nn.Conv2d(2, 4, 3, padding=(1, 2), padding_mode="reflect", groups=2), (2, 2, 4, 5), {}),
    "conv2d_replicate": (lambda: nn.Conv2d(2, 3, 3, padding=2, stride=2, padding_mode="replicate"), (2, 2, 5, 5), {}),
    "conv2d_circular": (lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"), (2, 2, 4, 5), {}),
    "conv2d_same_reflect": (lambda: nn.Conv2d(2, 3, 4, padding="same", padding_mode="reflect"), (1, 2, 5, 6), {}),
    # Conv3d
    "conv3d_basic": (lambda: nn.Conv3d(2, 3, 2), (2, 2, 3, 4, 4), {}),
    "conv3d_options": (lambda: nn.Conv3d(4, 4, (3, 2, 3), stride=(2, 1, 2), padding=(1, 0, 2), dilation=(1, 2, 1), groups=2), (2, 4, 5, 5, 6), {}),
    "conv3d_same_circular": (lambda: nn.Conv3d(2, 2, 3, padding="same", padding_mode="circular"), (1, 2, 3, 4, 4), {}),
    "conv3d_unbatched": (lambda: nn.Conv3d(2, 3, 2, bias=False, padding=1), (2, 3, 3, 3), {}),
    # ConvTranspose1d
    "convt1d_basic": (lambda: nn.ConvTranspose1d(2, 3, 3), (2, 2, 5), {}),
    "convt1d_options": (lambda: nn.ConvTranspose1d(4, 6, 3, stride=3, padding=1, output_padding=2, groups=2, dilation=2), (2, 4, 4), {}),
    "convt1d_unbatched": (lambda: nn.ConvTranspose1d(3, 2, 4, stride=2, bias=False), (3, 5), {}),
    # ConvTranspose2d
    "convt2d_basic": (lambda: nn.ConvTranspose2d(3, 2, 3), (2, 3, 4, 5), {}),
    "convt2d_dcgan": (lambda: nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, bias=False), (2, 4, 3, 3), {}),
    "convt2d_options": (lambda: nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(2, 1)), (2, 4, 3, 4), {}),
    "convt2d_dilation_outpad": (lambda: nn.ConvTranspose2d(2, 2, 2, stride=1, output_padding=1, dilation=2), (1, 2, 3, 3), {}),
    "convt2d_unbatched": (lambda: nn.ConvTranspose2d(2, 3, 2, stride=2), (2, 3, 3), {}),
    "convt2d_output_size": (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), (2, 2, 4, 4), {"output_size": [8, 8]}),
    # ConvTranspose3d
    "convt3d_basic": (lambda: nn.ConvTranspose3d(2, 4, (2, 3, 2), stride=(1, 2, 2), padding=(0, 1, 0), output_padding=(0, 1, 1), groups=2), (2, 2, 2, 3, 3), {}),
    # padding layers, Unflatten
    "zeropad2d": (lambda: nn.ZeroPad2d((1, 1, 2, 0)), (2, 2, 3, 4), {}),
    "constantpad1d": (lambda: nn.ConstantPad1d(2, 3.5), (2, 3, 4), {}),
    "constantpad2d": (lambda: nn.ConstantPad2d((1, 0, 2, 1), -1.0), (2, 3, 4), {}),
    "constantpad3d": (lambda: nn.ConstantPad3d(1, 0.0), (1, 2, 2, 3), {}),
    "reflectionpad1d": (lambda: nn.ReflectionPad1d((1, 2)), (2, 3, 4), {}),
    "reflectionpad2d": (lambda: nn.ReflectionPad2d(2), (1, 2, 3, 4), {}),
    "reflectionpad3d": (lambda: nn.ReflectionPad3d(1), (1, 2, 2, 3, 3), {}),
    "replicationpad1d": (lambda: nn.ReplicationPad1d(2), (3, 4), {}),
    "replicationpad2d": (lambda: nn.ReplicationPad2d((1, 2, 3, 0)), (2, 2, 3, 3), {}),
    "replicationpad3d": (lambda: nn.ReplicationPad3d((1, 0, 2, 1, 0, 1)), (1, 1, 2, 2, 3), {}),
    "unflatten": (lambda: nn.Unflatten(1, (2, 5)), (3, 10, 2), {}),
    "unflatten_infer": (lambda: nn.Unflatten(-1, (2, -1)), (3, 8), {}),
    # PixelShuffle, PixelUnshuffle, Unfold, Fold
    "pixelshuffle": (lambda: nn.PixelShuffle(2), (2, 8, 3, 2), {}),
    "pixelshuffle_5d": (lambda: nn.PixelShuffle(3), (2, 1, 9, 2, 2), {}),
    "pixelunshuffle": (lambda: nn.PixelUnshuffle(2), (2, 1, 4, 6), {}),
    "unfold": (lambda: nn.Unfold(2), (2, 3, 4, 5), {}),
    "unfold_options": (lambda: nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2), (2, 2, 5, 6), {}),
    "unfold_unbatched": (lambda: nn.Unfold(3, padding=1), (2, 3, 3), {}),
    "fold": (lambda: nn.Fold((4, 5), 2), (2, 12, 12), {}),
    "fold_options": (lambda: nn.Fold(6, (2, 3), padding=1, stride=(1, 2), dilation=(2, 1)), (2, 12, 18), {}),
    "fold_unbatched": (lambda: nn.Fold((3, 3), 2, stride=1), (8, 4), {}),
    # Upsample
    "upsample_nearest": (lambda: nn.Upsample(scale_factor=2), (2, 2, 3, 4), {}),
    "upsample_bilinear": (lambda: nn.Upsample(size=(5, 7), mode="bilinear"), (2, 2, 3, 4), {}),
    "upsample_bicubic_ac": (lambda: nn.Upsample(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True), (1, 2, 4, 3), {}),
    "upsample_linear": (lambda: nn.Upsample(size=5, mode="linear"), (2, 3, 4), {}),
    "upsamplingnearest2d": (lambda: nn.UpsamplingNearest2d(scale_factor=3), (1, 2, 2, 3), {}),
    "upsamplingbilinear2d": (lambda: nn.UpsamplingBilinear2d(size=5), (1, 2, 3, 4), {}),
}

# grid_sample cases: name: (input shape, grid shape, mode, padding_mode, align_corners); the
# grid is 1.3 * randn, so some points fall outside [-1, 1]. Tensors: x, grid, out, gout, gx,
# ggrid. affine_grid cases: name: (size, align_corners); tensors theta, out, gout, gtheta.
GRID_SAMPLE = {
    "grid_bilinear_zeros": ((2, 2, 4, 5), (2, 3, 4, 2), "bilinear", "zeros", False),
    "grid_bilinear_border_ac": ((1, 3, 5, 4), (1, 4, 3, 2), "bilinear", "border", True),
    "grid_bilinear_zeros_ac": ((1, 2, 3, 3), (1, 5, 2, 2), "bilinear", "zeros", True),
    "grid_nearest_zeros": ((2, 2, 4, 5), (2, 3, 4, 2), "nearest", "zeros", False),
    "grid_nearest_border_ac": ((1, 2, 4, 4), (1, 3, 3, 2), "nearest", "border", True),
}
AFFINE_GRID = {
    "affine_grid": ((2, 3, 4, 5), False),
    "affine_grid_ac": ((1, 1, 3, 2), True),
}

# name: (function, input shape)
FUNCTIONAL = {
    "pad_constant": (lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), (2, 3, 4)),
    "pad_constant_crop": (lambda x: F.pad(x, (-1, 2, 1, -2)), (2, 3, 5)),
    "pad_reflect1d": (lambda x: F.pad(x, (2, 3), mode="reflect"), (2, 3, 5)),
    "pad_reflect2d": (lambda x: F.pad(x, (1, 2, 2, 0), mode="reflect"), (2, 1, 4, 5)),
    "pad_replicate2d": (lambda x: F.pad(x, (3, 1, 0, 2), mode="replicate"), (1, 2, 3, 4)),
    "pad_replicate3d": (lambda x: F.pad(x, (1, 1, 2, 0, 0, 1), mode="replicate"), (1, 2, 2, 3, 3)),
    "pad_circular2d": (lambda x: F.pad(x, (2, 1, 1, 3), mode="circular"), (1, 2, 3, 4)),
    "pad_reflect3d": (lambda x: F.pad(x, (1, 0, 0, 1, 1, 1), mode="reflect"), (1, 1, 3, 3, 4)),
    "interp_nearest_size": (lambda x: F.interpolate(x, size=(5, 3)), (2, 2, 3, 4)),
    "interp_nearest_scale": (lambda x: F.interpolate(x, scale_factor=1.7), (1, 2, 5, 3)),
    "interp_nearest_1d": (lambda x: F.interpolate(x, size=7), (2, 2, 3)),
    "interp_nearest_3d": (lambda x: F.interpolate(x, scale_factor=(1, 2, 0.5)), (1, 1, 2, 3, 4)),
    "interp_linear": (lambda x: F.interpolate(x, scale_factor=2.5, mode="linear"), (2, 2, 3)),
    "interp_linear_ac": (lambda x: F.interpolate(x, size=6, mode="linear", align_corners=True), (2, 2, 4)),
    "interp_bilinear": (lambda x: F.interpolate(x, scale_factor=(1.5, 0.75), mode="bilinear"), (2, 2, 4, 5)),
    "interp_bilinear_ac": (lambda x: F.interpolate(x, size=(6, 3), mode="bilinear", align_corners=True), (1, 2, 4, 5)),
    "interp_bilinear_recompute": (lambda x: F.interpolate(x, scale_factor=1.3, mode="bilinear", recompute_scale_factor=True), (1, 1, 4, 5)),
    "interp_bicubic": (lambda x: F.interpolate(x, size=(7, 5), mode="bicubic"), (2, 2, 4, 3)),
    "interp_bicubic_ac": (lambda x: F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=True), (1, 2, 3, 4)),
    "interp_bicubic_down": (lambda x: F.interpolate(x, size=(3, 2), mode="bicubic"), (1, 1, 6, 5)),
    "interp_trilinear": (lambda x: F.interpolate(x, size=(3, 4, 2), mode="trilinear"), (1, 2, 2, 3, 3)),
}

items = {}
meta = {"made_by": "scripts/make_conv_fixtures.py with torch " + torch.__version__,
        "cases": " ".join(MODULES), "functional": " ".join(FUNCTIONAL),
        "grid": " ".join(list(GRID_SAMPLE) + list(AFFINE_GRID))}


def add(name, t):
    if name in items:
        raise KeyError(name)
    items[name] = torch.from_numpy(np.array(t.detach().numpy(), order="C", copy=True))


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def module_case(name, make, shape, kwargs):
    seed(name)
    m = make()
    meta[f"{name}/repr"] = repr(m)
    meta[f"{name}/keys"] = ",".join(m.state_dict().keys())
    for k, v in m.state_dict().items():
        add(f"{name}/{k}", v)
    x = torch.randn(*shape, requires_grad=True)
    add(f"{name}/x", x)
    out = m(x, **kwargs)
    gout = torch.randn_like(out)
    add(f"{name}/out", out)
    add(f"{name}/gout", gout)
    (out * gout).sum().backward()
    add(f"{name}/gx", x.grad)
    for k, p in m.named_parameters():
        add(f"{name}/g{k}", p.grad)


def functional_case(name, fn, shape):
    seed(name)
    x = torch.randn(*shape, requires_grad=True)
    add(f"{name}/x", x)
    out = fn(x)
    gout = torch.randn_like(out)
    add(f"{name}/out", out)
    add(f"{name}/gout", gout)
    (out * gout).sum().backward()
    add(f"{name}/gx", x.grad)


def grid_sample_case(name, xshape, gshape, mode, padding_mode, align_corners):
    seed(name)
    x = torch.randn(*xshape, requires_grad=True)
    grid = (1.3 * torch.randn(*gshape)).requires_grad_()
    add(f"{name}/x", x)
    add(f"{name}/grid", grid)
    out = F.grid_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    gout = torch.randn_like(out)
    add(f"{name}/out", out)
    add(f"{name}/gout", gout)
    (out * gout).sum().backward()
    add(f"{name}/gx", x.grad)
    add(f"{name}/ggrid", grid.grad)


def affine_grid_case(name, size, align_corners):
    seed(name)
    theta = torch.randn(size[0], 2, 3, requires_grad=True)
    add(f"{name}/theta", theta)
    out = F.affine_grid(theta, list(size), align_corners=align_corners)
    gout = torch.randn_like(out)
    add(f"{name}/out", out)
    add(f"{name}/gout", gout)
    (out * gout).sum().backward()
    add(f"{name}/gtheta", theta.grad)


def main():
    for name, args in GRID_SAMPLE.items():
        grid_sample_case(name, *args)
    for name, args in AFFINE_GRID.items():
        affine_grid_case(name, *args)
    for name, (make, shape, kwargs) in MODULES.items():
        module_case(name, make, shape, kwargs)
    for name, (fn, shape) in FUNCTIONAL.items():
        functional_case(name, fn, shape)
    write_safetensors(OUT, items, meta)
    print(f"wrote {OUT} ({len(items)} tensors, {os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
