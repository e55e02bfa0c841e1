#!/usr/bin/env python3
"""Live .pt interop between PyTorch and torchlet, driven by tests/io/pt_interop.cpp.

    /usr/bin/python3 scripts/check_pt_interop.py make DIR    PyTorch writes, with torch.save:
        linear.pt, cnn.pt, shared.pt   state_dicts (a Linear; Conv2d + BatchNorm2d + Linear
                                       after training steps, eval mode; an MLP whose two
                                       Linears share one weight, plus "wt", its transpose)
        <name>_io.pt                   {"x": input, "logits": PyTorch's output}
        dtypes.pt                      one tensor per dtype: float32 float64 int64 uint8 bool
                                       float16 bfloat16
        train_model.pt, train_opt.pt   a Linear and its SGD(momentum) after 3 steps
        train_data.pt                  {"x", "y"} of those steps
        train_expected.pt              {"model": params, "opt": SGD state} after a 4th step
    /usr/bin/python3 scripts/check_pt_interop.py check DIR   after torchlet wrote
        <name>.back.pt for linear, cnn, shared and dtypes, and train_model.back.pt /
        train_opt.back.pt after taking the 4th step: loads each with weights_only=True (but
        the optimizer file under PyTorch < 2.0, whose weights_only reader has no floats) and
        checks torch.equal against the originals (float16 / bfloat16 come back as float32,
        torchlet's float type, and must convert back exactly), the shared weight shares one
        storage, and the 4th step matches PyTorch's.
Exit status 0 when everything matches; messages on stderr otherwise.
"""
import os
import sys

import torch
import torch.nn as nn

NAMES = ["linear", "cnn", "shared", "dtypes"]


def make(d):
    torch.manual_seed(7)
    lin = nn.Linear(6, 3)
    x = torch.randn(5, 6)
    torch.save(lin.state_dict(), os.path.join(d, "linear.pt"))
    torch.save({"x": x, "logits": lin(x).detach()}, os.path.join(d, "linear_io.pt"))

    cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                        nn.Linear(4 * 6 * 6, 5))
    opt = torch.optim.SGD(cnn.parameters(), lr=0.05)
    for _ in range(3):
        opt.zero_grad()
        cnn(torch.randn(8, 1, 8, 8)).pow(2).mean().backward()
        opt.step()
    cnn.eval()
    x = torch.randn(2, 1, 8, 8)
    torch.save(cnn.state_dict(), os.path.join(d, "cnn.pt"))
    torch.save({"x": x, "logits": cnn(x).detach()}, os.path.join(d, "cnn_io.pt"))

    mlp = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))
    mlp[2].weight = mlp[0].weight
    sd = mlp.state_dict()
    sd["wt"] = mlp[0].weight.detach().t()
    assert not sd["wt"].is_contiguous()
    x = torch.randn(3, 4)
    torch.save(sd, os.path.join(d, "shared.pt"))
    torch.save({"x": x, "logits": mlp(x).detach()}, os.path.join(d, "shared_io.pt"))

    v = torch.tensor([[-2.5, 0.0, 1.0], [3.0, 100.0, -0.125]])
    dt = {"float32": v, "float64": v.double() / 3, "int64": (v * 1e6).long(),
          "uint8": v.abs().to(torch.uint8), "bool": v > 0, "float16": v.half(),
          "bfloat16": v.bfloat16()}
    torch.save(dt, os.path.join(d, "dtypes.pt"))

    model = nn.Linear(4, 2)
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.randn(8, 4), torch.randn(8, 2)

    def step():
        sgd.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        sgd.step()
    for _ in range(3):
        step()
    torch.save(model.state_dict(), os.path.join(d, "train_model.pt"))
    torch.save(sgd.state_dict(), os.path.join(d, "train_opt.pt"))
    torch.save({"x": x, "y": y}, os.path.join(d, "train_data.pt"))
    step()
    torch.save({"model": model.state_dict(), "opt": sgd.state_dict()},
               os.path.join(d, "train_expected.pt"))


def fail(msg):
    print("check_pt_interop: " + msg, file=sys.stderr)
    sys.exit(1)


def same(a, b, what):
    want = torch.float32 if a.dtype in (torch.float16, torch.bfloat16) else a.dtype
    if b.dtype != want:
        fail("%s: dtype %s, expected %s" % (what, b.dtype, want))
    if a.shape != b.shape or not torch.equal(b.to(a.dtype), a):
        fail("%s: values differ:\n%s\n%s" % (what, a, b))


def check(d):
    for name in NAMES:
        orig = torch.load(os.path.join(d, name + ".pt"))
        back = torch.load(os.path.join(d, name + ".back.pt"), weights_only=True)
        if list(orig.keys()) != list(back.keys()):
            fail("%s: keys %s, expected %s" % (name, list(back.keys()), list(orig.keys())))
        for k in orig:
            same(orig[k], back[k], name + ": " + k)
    back = torch.load(os.path.join(d, "shared.back.pt"), weights_only=True)
    if back["0.weight"].data_ptr() != back["2.weight"].data_ptr():
        fail("shared: the tied weight no longer shares its storage")
    exp = torch.load(os.path.join(d, "train_expected.pt"))
    model = torch.load(os.path.join(d, "train_model.back.pt"), weights_only=True)
    # PyTorch 1.13's weights_only unpickler has no BINFLOAT: it cannot read any optimizer
    # state_dict (its own neither: lr is a float), so that one file is read without it there.
    floats_ok = tuple(int(p) for p in torch.__version__.split(".")[:2]) >= (2, 0)
    opt = torch.load(os.path.join(d, "train_opt.back.pt"), weights_only=floats_ok)
    for k, v in exp["model"].items():
        if not torch.allclose(model[k], v, atol=1e-6):
            fail("train: parameter %s after torchlet's step differs from PyTorch's" % k)
    for i, s in exp["opt"]["state"].items():
        if not torch.allclose(opt["state"][i]["momentum_buffer"], s["momentum_buffer"], atol=1e-6):
            fail("train: momentum buffer %d differs" % i)
    m = nn.Linear(4, 2)
    sgd = torch.optim.SGD(m.parameters(), lr=0.5)
    sgd.load_state_dict(opt)
    if sgd.param_groups[0]["lr"] != 0.1 or sgd.param_groups[0]["momentum"] != 0.9:
        fail("train: PyTorch's SGD did not take torchlet's options: %s" % sgd.param_groups[0])


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("make", "check"):
        fail("usage: check_pt_interop.py make|check DIR")
    (make if sys.argv[1] == "make" else check)(sys.argv[2])
