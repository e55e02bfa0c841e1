#!/usr/bin/python3
"""Writes the PyTorch reference values the nn/optim tests compare against.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_nn_fixtures.py
Outputs (committed) in tests/fixtures/nn/:
  reprs.txt                print(model) of the modules built in tests/nn/module.cpp
                           (golden text: PyTorch's printed output, no numbers to read)
  layers.safetensors       per layer: inputs, parameters, output, upstream grad,
                           input/param grads
  losses.safetensors       per loss: input, target, loss, input grad
  optim.safetensors        parameters after 20 steps of every optimizer / scheduler
                           configuration
  mlp_epoch.safetensors    initial MLP weights and PyTorch's per-step loss over one epoch

The .safetensors files hold tensors named "<case>/<what>" (e.g. "conv_basic/weight",
"conv_basic/gx") as float32, float64 or int64 (int32 and bool values are stored as int64);
tests/nn/fixture.hpp reads them with torchlet::io::load_file.
"""
import gzip
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "nn")
torch.set_num_threads(1)


class Fixture:
    def __init__(self):
        self.items = {}

    def add(self, name, t):
        if name in self.items:
            raise KeyError(name)
        if isinstance(t, torch.Tensor):
            t = t.detach().cpu().numpy()
        a = np.array(t, order="C", copy=True)  # (ascontiguousarray would make 0-dim arrays 1-dim)
        if a.dtype in (np.int32, np.bool_):
            a = a.astype(np.int64)
        elif a.dtype not in (np.float32, np.float64, np.int64):
            raise TypeError(f"{name}: dtype {a.dtype}")
        self.items[name] = torch.from_numpy(a)

    def write(self, filename):
        path = os.path.join(OUT, filename)
        write_safetensors(path, self.items, {"made_by": "scripts/make_nn_fixtures.py with torch " + torch.__version__})
        print(f"wrote {path} ({len(self.items)} tensors, {os.path.getsize(path)} bytes)")


# --------------------------------------------------------------------------- reprs
def make_reprs():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(784, 10)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 6, 5, padding=2)
            self.bn = nn.BatchNorm2d(6)
            self.act = nn.ReLU()

    class Deep(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(Block(), nn.MaxPool2d(2), nn.Dropout(0.25))
            self.heads = nn.ModuleList([nn.Linear(4, 2), nn.Linear(2, 1, bias=False)])
            self.norm = nn.LayerNorm(10)
            self.emb = nn.Embedding(10, 3, padding_idx=0)

    reprs = {
        "net": Net(),
        "mlp": nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)),
        "deep": Deep(),
        "layers": nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=2, groups=1, bias=False),
            nn.Conv2d(8, 8, (3, 1), groups=4),
            nn.AvgPool2d(3, stride=2, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
            nn.BatchNorm1d(4, eps=1e-3, momentum=0.01, affine=False),
            nn.LeakyReLU(0.2),
            nn.GELU(approximate="tanh"),
            nn.Sigmoid(),
            nn.Tanh(),
            nn.Softmax(dim=1),
            nn.LogSoftmax(dim=-1),
            nn.Identity(),
            nn.Flatten(0, 2),
            nn.Dropout(),
            nn.LayerNorm([2, 3], eps=1e-6, elementwise_affine=False),
        ),
    }
    path = os.path.join(OUT, "reprs.txt")
    with open(path, "w") as f:
        for name, m in reprs.items():
            text = repr(m)
            f.write(f"@@ {name} {len(text.splitlines())}\n{text}\n")
    print(f"wrote {path}")



# --------------------------------------------------------------------------- layers
def run_case(fx, name, module, x, extra_inputs=()):
    """Records module(x): parameters (under their state_dict keys), output, a random upstream
    gradient gout, and the gradients of x and of every parameter for loss = sum(out * gout)."""
    for k, v in module.state_dict().items():
        fx.add(f"{name}/{k}", v.float() if v.dtype != torch.float32 else v)
    if x.dtype.is_floating_point:
        x = x.clone().requires_grad_(True)
    fx.add(f"{name}/x", x)
    out = module(x)
    gout = torch.randn_like(out)
    fx.add(f"{name}/out", out)
    fx.add(f"{name}/gout", gout)
    (out * gout).sum().backward()
    if x.dtype.is_floating_point:
        fx.add(f"{name}/gx", x.grad)
    for k, p in module.named_parameters():
        fx.add(f"{name}/g{k}", p.grad)
    for k, b in module.named_buffers():
        fx.add(f"{name}/after/{k}", b.float())
    return out


def make_layers():
    torch.manual_seed(0)
    fx = Fixture()
    run_case(fx, "linear", nn.Linear(5, 3), torch.randn(4, 5))
    run_case(fx, "linear3d", nn.Linear(5, 3, bias=False), torch.randn(2, 3, 5))
    bil = nn.Bilinear(3, 4, 2)
    x1 = torch.randn(2, 5, 3, requires_grad=True)
    x2 = torch.randn(2, 5, 4, requires_grad=True)
    out = bil(x1, x2)
    gout = torch.randn_like(out)
    (out * gout).sum().backward()
    for k, v in [("x1", x1), ("x2", x2), ("weight", bil.weight), ("bias", bil.bias), ("out", out), ("gout", gout),
                 ("gx1", x1.grad), ("gx2", x2.grad), ("gweight", bil.weight.grad), ("gbias", bil.bias.grad)]:
        fx.add(f"bilinear/{k}", v)

    run_case(fx, "conv_basic", nn.Conv2d(1, 4, 3, padding=1), torch.randn(2, 1, 6, 5))
    run_case(fx, "conv_grouped", nn.Conv2d(3, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=3),
             torch.randn(2, 3, 7, 6))
    run_case(fx, "conv_1x1", nn.Conv2d(4, 2, 1), torch.randn(3, 4, 3, 3))
    run_case(fx, "conv_strided", nn.Conv2d(2, 4, 3, stride=2, padding=2, dilation=2, groups=2, bias=False),
             torch.randn(2, 2, 9, 8))
    run_case(fx, "conv_unbatched", nn.Conv2d(2, 3, 2), torch.randn(2, 5, 4))
    run_case(fx, "conv_lenet", nn.Conv2d(6, 16, 5), torch.randn(4, 6, 14, 14))

    run_case(fx, "maxpool_2", nn.MaxPool2d(2), torch.randn(2, 3, 6, 7))
    run_case(fx, "maxpool_ceil", nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), torch.randn(2, 2, 8, 7))
    run_case(fx, "maxpool_dilated", nn.MaxPool2d((3, 2), stride=(1, 2), dilation=(2, 1)), torch.randn(1, 2, 9, 8))
    run_case(fx, "avgpool_2", nn.AvgPool2d(2), torch.randn(2, 3, 6, 7))
    run_case(fx, "avgpool_pad", nn.AvgPool2d(3, stride=2, padding=1), torch.randn(2, 2, 7, 8))
    run_case(fx, "avgpool_nopad", nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
             torch.randn(2, 2, 8, 7))
    run_case(fx, "avgpool_divisor", nn.AvgPool2d((2, 3), stride=(1, 2), divisor_override=4), torch.randn(1, 2, 5, 7))
    run_case(fx, "adaptive_1", nn.AdaptiveAvgPool2d(1), torch.randn(2, 3, 5, 4))
    run_case(fx, "adaptive_32", nn.AdaptiveAvgPool2d((3, 2)), torch.randn(2, 2, 7, 5))

    bn = nn.BatchNorm1d(4)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    run_case(fx, "bn1d_train", bn, torch.randn(8, 4) * 2 + 1)
    bn.eval()
    run_case(fx, "bn1d_eval", bn, torch.randn(8, 4))
    run_case(fx, "bn1d_3d", nn.BatchNorm1d(3, momentum=None, affine=False), torch.randn(4, 3, 5))
    bn2 = nn.BatchNorm2d(3, eps=1e-3, momentum=0.3)
    with torch.no_grad():
        bn2.weight.uniform_(0.5, 1.5)
        bn2.bias.uniform_(-0.5, 0.5)
    run_case(fx, "bn2d_train", bn2, torch.randn(4, 3, 5, 6) * 3 - 1)

    ln = nn.LayerNorm(6)
    with torch.no_grad():
        ln.weight.uniform_(0.5, 1.5)
        ln.bias.uniform_(-0.5, 0.5)
    run_case(fx, "layernorm", ln, torch.randn(2, 3, 6) * 2 + 0.5)
    run_case(fx, "layernorm_2d", nn.LayerNorm([3, 4], eps=1e-6, elementwise_affine=False), torch.randn(5, 3, 4))

    emb = nn.Embedding(7, 4, padding_idx=2)
    run_case(fx, "embedding", emb, torch.tensor([[1, 2, 6], [2, 0, 1]]))

    x = torch.randn(3, 7) * 2
    run_case(fx, "relu", nn.ReLU(), x)
    run_case(fx, "leaky_relu", nn.LeakyReLU(0.2), x)
    run_case(fx, "gelu", nn.GELU(), x)
    run_case(fx, "gelu_tanh", nn.GELU(approximate="tanh"), x)
    run_case(fx, "sigmoid", nn.Sigmoid(), x)
    run_case(fx, "tanh", nn.Tanh(), x)
    run_case(fx, "softmax", nn.Softmax(dim=1), x)
    run_case(fx, "log_softmax", nn.LogSoftmax(dim=0), x)
    run_case(fx, "flatten", nn.Flatten(), torch.randn(2, 3, 2, 2))
    fx.write("layers.safetensors")


# --------------------------------------------------------------------------- losses
def loss_case(fx, name, fn, x, target, **kw):
    """Records loss = fn(x, target): x, target, any tensors in kw, the loss and dx for
    backward of sum(loss * gout) (gout random, shaped like the loss)."""
    x = x.clone().requires_grad_(True)
    fx.add(f"{name}/x", x)
    fx.add(f"{name}/target", target)
    for k, v in kw.items():
        if isinstance(v, torch.Tensor):
            fx.add(f"{name}/{k}", v)
    loss = fn(x, target)
    gout = torch.randn_like(loss) if loss.dim() else torch.tensor(1.5)
    fx.add(f"{name}/loss", loss)
    fx.add(f"{name}/gout", gout)
    (loss * gout).sum().backward()
    fx.add(f"{name}/gx", x.grad)


def make_losses():
    torch.manual_seed(1)
    fx = Fixture()
    x = torch.randn(6, 5) * 2
    y = torch.tensor([0, 4, 2, 2, 1, 3])
    y_ign = torch.tensor([0, 4, -100, 2, 1, -100])
    w = torch.rand(5) + 0.5
    loss_case(fx, "ce", lambda a, b: F.cross_entropy(a, b), x, y)
    loss_case(fx, "ce_weight", lambda a, b: F.cross_entropy(a, b, weight=w), x, y, weight=w)
    loss_case(fx, "ce_ignore", lambda a, b: F.cross_entropy(a, b, ignore_index=-100), x, y_ign)
    loss_case(fx, "ce_ignore3", lambda a, b: F.cross_entropy(a, b, ignore_index=3), x, y)
    loss_case(fx, "ce_smooth", lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1), x, y)
    loss_case(fx, "ce_all", lambda a, b: F.cross_entropy(a, b, weight=w, ignore_index=-100, label_smoothing=0.2),
              x, y_ign, weight=w)
    loss_case(fx, "ce_sum", lambda a, b: F.cross_entropy(a, b, weight=w, reduction="sum", label_smoothing=0.05),
              x, y, weight=w)
    loss_case(fx, "ce_none", lambda a, b: F.cross_entropy(a, b, ignore_index=-100, reduction="none",
                                                        label_smoothing=0.1), x, y_ign)
    loss_case(fx, "ce_kdim", lambda a, b: F.cross_entropy(a, b), torch.randn(3, 4, 2, 3), torch.randint(0, 4, (3, 2, 3)))
    probs = torch.softmax(torch.randn(6, 5), 1)
    loss_case(fx, "ce_probs", lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1), x, probs)
    loss_case(fx, "ce_probs_weight", lambda a, b: F.cross_entropy(a, b, weight=w, reduction="none"), x, probs, weight=w)

    lp = torch.log_softmax(torch.randn(6, 5), 1)
    loss_case(fx, "nll", lambda a, b: F.nll_loss(a, b), lp, y)
    loss_case(fx, "nll_weight", lambda a, b: F.nll_loss(a, b, weight=w, ignore_index=-100), lp, y_ign, weight=w)
    loss_case(fx, "nll_none", lambda a, b: F.nll_loss(a, b, weight=w, reduction="none"), lp, y, weight=w)
    loss_case(fx, "nll_sum", lambda a, b: F.nll_loss(a, b, reduction="sum"), lp, y)

    a = torch.randn(4, 3)
    b = torch.randn(4, 3)
    for red in ("mean", "sum", "none"):
        loss_case(fx, f"mse_{red}", lambda p, q: F.mse_loss(p, q, reduction=red), a, b)
        loss_case(fx, f"l1_{red}", lambda p, q: F.l1_loss(p, q, reduction=red), a, b)
        loss_case(fx, f"huber_{red}", lambda p, q: F.huber_loss(p, q, reduction=red, delta=0.5), a * 2, b)
        loss_case(fx, f"smooth_l1_{red}", lambda p, q: F.smooth_l1_loss(p, q, reduction=red, beta=0.5), a * 2, b)
    loss_case(fx, "huber_default", lambda p, q: F.huber_loss(p, q), a * 3, b)
    loss_case(fx, "smooth_l1_default", lambda p, q: F.smooth_l1_loss(p, q), a * 3, b)
    loss_case(fx, "smooth_l1_beta0", lambda p, q: F.smooth_l1_loss(p, q, beta=0.0), a * 3, b)

    prob = torch.rand(4, 3) * 0.98 + 0.01
    tgt = (torch.rand(4, 3) > 0.5).float()
    bw = torch.rand(3) + 0.5
    loss_case(fx, "bce", lambda p, q: F.binary_cross_entropy(p, q), prob, tgt)
    loss_case(fx, "bce_weight_sum", lambda p, q: F.binary_cross_entropy(p, q, weight=bw, reduction="sum"), prob, tgt,
              weight=bw)
    loss_case(fx, "bce_soft_none", lambda p, q: F.binary_cross_entropy(p, q, reduction="none"), prob, torch.rand(4, 3))
    logits = torch.randn(4, 3) * 3
    pw = torch.rand(3) + 0.5
    loss_case(fx, "bce_logits", lambda p, q: F.binary_cross_entropy_with_logits(p, q), logits, tgt)
    loss_case(fx, "bce_logits_all", lambda p, q: F.binary_cross_entropy_with_logits(p, q, weight=bw, pos_weight=pw),
              logits, tgt, weight=bw, pos_weight=pw)
    loss_case(fx, "bce_logits_none", lambda p, q: F.binary_cross_entropy_with_logits(p, q, pos_weight=pw,
                                                                                   reduction="none"),
              logits, torch.rand(4, 3), pos_weight=pw)
    fx.write("losses.safetensors")



# --------------------------------------------------------------------------- optim
class Tiny(nn.Module):
    """The problem every optimizer and scheduler is run on: Linear(3, 4) -> Tanh -> Linear(4, 2), MSE."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.5, 0.5, 0.5, 0.5, 0.5,
                   0.5, 0.5, 0.5]


def make_optim():
    torch.manual_seed(2)
    fx = Fixture()
    init = Tiny()
    x = torch.randn(8, 3)
    y = torch.randn(8, 2)
    fx.add("data/x", x)
    fx.add("data/y", y)
    for k, v in init.state_dict().items():
        fx.add(f"init/{k}", v)

    def run(name, make_opt, make_sched=None, clip=None, steps=20):
        model = Tiny()
        model.load_state_dict(init.state_dict())
        opt = make_opt(model)
        sched = make_sched(opt) if make_sched else None
        losses, lrs, moms, norms = [], [], [], []
        for i in range(steps):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            if clip == "norm":
                norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), 0.5)))
            elif clip == "norm_inf":
                norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), 0.05, norm_type=math.inf)))
            elif clip == "value":
                nn.utils.clip_grad_value_(model.parameters(), 0.1)
            opt.step()
            losses.append(loss.item())
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(PLATEAU_METRICS[i])
            elif sched is not None:
                sched.step()
            lrs.append(opt.param_groups[0]["lr"])
            g = opt.param_groups[0]
            moms.append(g["betas"][0] if "betas" in g else g.get("momentum", 0.0))
        fx.add(f"{name}/losses", np.array(losses, dtype=np.float64))
        fx.add(f"{name}/lrs", np.array(lrs, dtype=np.float64))
        fx.add(f"{name}/momentums", np.array(moms, dtype=np.float64))
        if norms:
            fx.add(f"{name}/norms", np.array(norms, dtype=np.float64))
        for k, v in model.state_dict().items():
            fx.add(f"{name}/final/{k}", v)

    O = torch.optim
    S = torch.optim.lr_scheduler
    run("sgd", lambda m: O.SGD(m.parameters(), lr=0.1))
    run("sgd_momentum", lambda m: O.SGD(m.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-2))
    run("sgd_nesterov", lambda m: O.SGD(m.parameters(), lr=0.05, momentum=0.9, nesterov=True))
    run("sgd_dampening", lambda m: O.SGD(m.parameters(), lr=0.01, momentum=0.5, dampening=0.3, weight_decay=0.1,
                                         maximize=True))
    run("sgd_groups", lambda m: O.SGD([{"params": m.fc1.parameters(), "lr": 0.1},
                                      {"params": m.fc2.parameters()}], lr=0.01, momentum=0.9))
    run("adam", lambda m: O.Adam(m.parameters(), lr=1e-2))
    run("adam_all", lambda m: O.Adam(m.parameters(), lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1,
                                     amsgrad=True))
    run("adam_maximize", lambda m: O.Adam(m.parameters(), lr=1e-3, maximize=True))
    run("adamw", lambda m: O.AdamW(m.parameters(), lr=1e-2))
    run("adamw_amsgrad", lambda m: O.AdamW(m.parameters(), lr=5e-3, weight_decay=0.5, amsgrad=True))
    run("rmsprop", lambda m: O.RMSprop(m.parameters(), lr=1e-2))
    run("rmsprop_all", lambda m: O.RMSprop(m.parameters(), lr=1e-3, alpha=0.9, eps=1e-6, weight_decay=0.01,
                                           momentum=0.9, centered=True))
    run("rmsprop_centered", lambda m: O.RMSprop(m.parameters(), lr=1e-3, centered=True, maximize=True))

    sgd = lambda m: O.SGD(m.parameters(), lr=0.1, momentum=0.9)
    run("steplr", sgd, lambda o: S.StepLR(o, 5, gamma=0.5))
    run("multisteplr", sgd, lambda o: S.MultiStepLR(o, [3, 7, 7, 12], gamma=0.5))
    run("exponentiallr", sgd, lambda o: S.ExponentialLR(o, 0.9))
    run("cosine", sgd, lambda o: S.CosineAnnealingLR(o, 8, eta_min=0.01))
    run("onecycle", sgd, lambda o: S.OneCycleLR(o, 0.5, total_steps=20))
    run("onecycle_adam", lambda m: O.Adam(m.parameters(), lr=1e-3),
        lambda o: S.OneCycleLR(o, 0.05, total_steps=25, three_phase=True, anneal_strategy="linear"))
    run("plateau", sgd, lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1))
    run("plateau_max", sgd, lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=1, threshold=0.05,
                                                          threshold_mode="abs", min_lr=0.02))
    fx.add("plateau/metrics", np.array(PLATEAU_METRICS, dtype=np.float64))

    run("clip_norm", lambda m: O.SGD(m.parameters(), lr=0.1), clip="norm")
    run("clip_norm_inf", lambda m: O.SGD(m.parameters(), lr=0.1), clip="norm_inf")
    run("clip_value", lambda m: O.SGD(m.parameters(), lr=0.1), clip="value")
    fx.write("optim.safetensors")



# --------------------------------------------------------------------------- training curve
def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">i", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "i" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


MLP_BATCH = 64


def mnist_inputs(images):
    """The test's normalization, in float32: (x * (1/255) - 0.1307) * (1 / 0.3081)."""
    x = images.astype(np.float32) * np.float32(1.0 / 255.0)
    x = (x - np.float32(0.1307)) * (np.float32(1.0) / np.float32(0.3081))
    return torch.from_numpy(x.reshape(-1, 1, 28, 28))


def make_mlp_epoch():
    """One epoch of the 784-256-10 MLP on the bundled MNIST sample's 8,000 training images,
    batches of 64 in file order; per-step losses for SGD with momentum and for Adam."""
    images = read_idx(os.path.join(ROOT, "data", "mnist", "train-images-idx3-ubyte.gz"))
    labels = torch.from_numpy(read_idx(os.path.join(ROOT, "data", "mnist", "train-labels-idx1-ubyte.gz")).astype(np.int64))
    x_all = mnist_inputs(images)
    torch.manual_seed(0)
    init = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    fx = Fixture()
    for k, v in init.state_dict().items():
        fx.add(f"init/{k}", v)
    runs = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
        "adam": lambda p: torch.optim.Adam(p, lr=1e-3),
    }
    for name, make in runs.items():
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        model.load_state_dict(init.state_dict())
        opt = make(model.parameters())
        losses = []
        for start in range(0, len(labels) - MLP_BATCH + 1, MLP_BATCH):
            xb, yb = x_all[start:start + MLP_BATCH], labels[start:start + MLP_BATCH]
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        fx.add(f"{name}/losses", np.array(losses, dtype=np.float64))
        print(f"mlp {name}: {len(losses)} steps, loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    fx.write("mlp_epoch.safetensors")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_reprs()
    make_layers()
    make_losses()
    make_optim()
    make_mlp_epoch()
