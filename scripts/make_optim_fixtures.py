#!/usr/bin/python3
"""Writes the PyTorch reference values tests/optim/optimizers_extra.cpp compares against.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_optim_fixtures.py
Output (committed): tests/fixtures/optim/optim_extra.safetensors, tensors named
"<case>/<what>":
  init/<param>, data/x, data/y    the problem (Linear(3, 4) -> Tanh -> Linear(4, 2), MSE on a
                                  fixed batch, as scripts/make_nn_fixtures.py's Tiny)
  <opt case>/losses               float64 loss of each of 20 steps (LBFGS: each step's
                                  first closure value, what step(closure) returns)
  <opt case>/final/<param>        the parameters after the 20 steps
  linear_init/<param>             Linear(3, 2): the least-squares problem of the LBFGS cases
  <sched case>/lrs                float64 [50, groups]: each group's lr after each of 50
                                  scheduler steps (SGD, two groups: lr 0.1 and 0.05, momentum 0.9)
  <sched case>/momentums          float64 [50, groups]: each group's momentum (CyclicLR)
  clip/g0, clip/g1                two gradients; clip/<case>/norm and clip/<case>/g0, g1: the
                                  total norm clip_grad_norm_ returns and the gradients after it
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "optim")
torch.set_num_threads(1)
ITEMS = {}


def add(name, t):
    if name in ITEMS:
        raise KeyError(name)
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().numpy()
    a = np.array(t, order="C", copy=True)
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name}: dtype {a.dtype}")
    ITEMS[name] = torch.from_numpy(a)


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def make_optimizers():
    torch.manual_seed(5)
    init = Tiny()
    x = torch.randn(8, 3)
    y = torch.randn(8, 2)
    add("data/x", x)
    add("data/y", y)
    for k, v in init.state_dict().items():
        add(f"init/{k}", v)

    linear = nn.Linear(3, 2)  # L-BFGS's 20-step cases: least squares (see below)
    for k, v in linear.state_dict().items():
        add(f"linear_init/{k}", v)

    def run(name, make_opt, closure_step=False, steps=20, model_init=init):
        model = Tiny() if model_init is init else nn.Linear(3, 2)
        model.load_state_dict(model_init.state_dict())
        opt = make_opt(model)
        losses = []
        for _ in range(steps):
            if closure_step:
                def closure():
                    opt.zero_grad()
                    loss = F.mse_loss(model(x), y)
                    loss.backward()
                    return loss
                losses.append(float(opt.step(closure)))
            else:
                opt.zero_grad()
                loss = F.mse_loss(model(x), y)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        add(f"{name}/losses", np.array(losses, dtype=np.float64))
        for k, v in model.state_dict().items():
            add(f"{name}/final/{k}", v)

    O = torch.optim
    run("adam_groups", lambda m: O.Adam([{"params": m.fc1.parameters(), "weight_decay": 0.11},
                                         {"params": m.fc2.parameters(), "betas": (0.8, 0.9)}], lr=0.05))
    run("sgd_closure", lambda m: O.SGD(m.parameters(), lr=0.1, momentum=0.9), closure_step=True)
    run("adadelta", lambda m: O.Adadelta(m.parameters()))
    run("adadelta_all", lambda m: O.Adadelta(m.parameters(), lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1,
                                             maximize=True))
    run("adagrad", lambda m: O.Adagrad(m.parameters(), lr=0.1))
    run("adagrad_all", lambda m: O.Adagrad(m.parameters(), lr=0.1, lr_decay=0.01, weight_decay=0.05,
                                           initial_accumulator_value=0.1, eps=1e-8, maximize=True))
    run("adamax", lambda m: O.Adamax(m.parameters(), lr=0.01))
    run("adamax_all", lambda m: O.Adamax(m.parameters(), lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1,
                                         maximize=True))
    run("nadam", lambda m: O.NAdam(m.parameters(), lr=0.01))
    run("nadam_all", lambda m: O.NAdam(m.parameters(), lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1,
                                       momentum_decay=0.01))
    run("radam", lambda m: O.RAdam(m.parameters(), lr=0.01))
    run("radam_all", lambda m: O.RAdam(m.parameters(), lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1))
    run("asgd", lambda m: O.ASGD(m.parameters(), lr=0.05))
    run("asgd_all", lambda m: O.ASGD(m.parameters(), lr=0.05, lambd=1e-2, alpha=0.5, t0=5, weight_decay=0.1,
                                     maximize=True))
    run("rprop", lambda m: O.Rprop(m.parameters(), lr=0.01))
    run("rprop_all", lambda m: O.Rprop(m.parameters(), lr=0.02, etas=(0.3, 1.5), step_sizes=(1e-3, 0.05),
                                       maximize=True))
    # L-BFGS amplifies rounding: once it has converged, or on the Tiny network after a few
    # steps, PyTorch's own float32 and float64 runs part by 1e-4 and more. The cases below are
    # those where they agree to 1e-6 (checked by lbfgs_stable): 20 steps of least squares with
    # a fixed step, 5 with the strong-Wolfe line search, 4 of the Tiny network.
    lbfgs = [("lbfgs", dict(lr=1, max_iter=5, history_size=3), linear, 20),
             ("lbfgs_wolfe", dict(lr=1, max_iter=3, history_size=2, line_search_fn="strong_wolfe"), linear, 5),
             ("lbfgs_tiny", dict(lr=0.5, max_iter=3, history_size=2), init, 4),
             ("lbfgs_tiny_wolfe", dict(lr=1, max_iter=2, history_size=3, line_search_fn="strong_wolfe"), init, 4)]
    for name, kw, model_init, steps in lbfgs:
        run(name, lambda m, kw=kw: O.LBFGS(m.parameters(), **kw), closure_step=True, steps=steps,
            model_init=model_init)
        lbfgs_stable(name, kw, model_init, steps, x, y)


def lbfgs_stable(name, kw, model_init, steps, x, y):
    """Asserts that PyTorch's float32 and float64 L-BFGS runs of a case agree to 1e-6."""
    finals = []
    for dtype in (torch.float32, torch.float64):
        model = (nn.Linear(3, 2) if isinstance(model_init, nn.Linear) else Tiny())
        model.load_state_dict(model_init.state_dict())
        model.to(dtype)
        opt = torch.optim.LBFGS(model.parameters(), **kw)
        for _ in range(steps):
            def closure():
                opt.zero_grad()
                loss = F.mse_loss(model(x.to(dtype)), y.to(dtype))
                loss.backward()
                return loss
            opt.step(closure)
        finals.append(torch.cat([p.detach().double().flatten() for p in model.parameters()]))
    diff = float((finals[0] - finals[1]).abs().max())
    assert diff < 1e-6, f"{name}: float32 and float64 differ by {diff}"

def make_schedulers():
    S = torch.optim.lr_scheduler

    def run(name, make_sched, steps=50):
        w = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
        opt = torch.optim.SGD([{"params": [w[0]]}, {"params": [w[1]], "lr": 0.05}], lr=0.1, momentum=0.9)
        sched = make_sched(opt)
        lrs, moms = [], []
        for _ in range(steps):
            opt.step()
            sched.step()
            lrs.append([g["lr"] for g in opt.param_groups])
            moms.append([g["momentum"] for g in opt.param_groups])
        add(f"{name}/lrs", np.array(lrs, dtype=np.float64))
        add(f"{name}/momentums", np.array(moms, dtype=np.float64))

    run("lambdalr", lambda o: S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1.0 / (e + 1)]))
    run("multiplicativelr", lambda o: S.MultiplicativeLR(o, lambda e: 0.9 if e % 3 else 1.05))
    run("constantlr", lambda o: S.ConstantLR(o, factor=0.5, total_iters=4))
    run("linearlr", lambda o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=10))
    run("polynomiallr", lambda o: S.PolynomialLR(o, total_iters=20, power=2.0))
    run("cyclic_triangular", lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5))
    run("cyclic_triangular2", lambda o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.05], step_size_up=4,
                                                   step_size_down=6, mode="triangular2", cycle_momentum=False))
    run("cyclic_exp_range", lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range",
                                                 gamma=0.95, base_momentum=0.7, max_momentum=0.95))
    run("cosine_warm", lambda o: S.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2, eta_min=0.001))
    run("cosine_warm1", lambda o: S.CosineAnnealingWarmRestarts(o, T_0=6))
    run("sequential", lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.1, total_iters=3),
                                                   S.ExponentialLR(o, 0.9)], milestones=[5]))
    run("chained", lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=4),
                                                 S.ExponentialLR(o, 0.9)]))


def make_clip():
    torch.manual_seed(7)
    g0 = torch.randn(3, 4)
    g1 = torch.randn(5)
    g1[2] = 0.0
    add("clip/g0", g0)
    add("clip/g1", g1)
    cases = {"inf": math.inf, "zero": 0.0, "neg_one": -1.0, "neg_two": -2.0, "neg_inf": -math.inf, "three": 3.0}
    for name, norm_type in cases.items():
        p0 = torch.zeros(3, 4, requires_grad=True)
        p1 = torch.zeros(5, requires_grad=True)
        p0.grad = g0.clone()
        p1.grad = g1.clone()
        norm = torch.nn.utils.clip_grad_norm_([p0, p1], 0.5, norm_type=norm_type)
        add(f"clip/{name}/norm", norm.reshape(1))
        add(f"clip/{name}/g0", p0.grad)
        add(f"clip/{name}/g1", p1.grad)
    # NaN with the inf norm: PyTorch returns nan (and the gradients become nan).
    p0 = torch.zeros(3, 4, requires_grad=True)
    p0.grad = g0.clone()
    p0.grad[1, 1] = math.nan
    norm = torch.nn.utils.clip_grad_norm_([p0], 0.5, norm_type=math.inf)
    assert math.isnan(float(norm))
    empty = torch.nn.utils.clip_grad_norm_([], 1.0)
    assert float(empty) == 0.0


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_optimizers()
    make_schedulers()
    make_clip()
    path = os.path.join(OUT, "optim_extra.safetensors")
    write_safetensors(path, ITEMS, {"made_by": "scripts/make_optim_fixtures.py with torch " + torch.__version__})
    print(f"wrote {path} ({len(ITEMS)} tensors, {os.path.getsize(path)} bytes)")
