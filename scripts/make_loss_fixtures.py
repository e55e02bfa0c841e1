#!/usr/bin/python3
"""Writes the PyTorch reference values of tests/nn/loss_extra.cpp (issue 15's losses and
distances: cosine_similarity, pairwise_distance, kl_div, poisson_nll_loss, gaussian_nll_loss,
the margin and embedding losses, ctc_loss).

Run with Debian's PyTorch 1.13 from the repository root:
    /usr/bin/python3 scripts/make_loss_fixtures.py
Output (committed): tests/fixtures/nn/losses_extra.safetensors, holding per case
    <case>/<input>      every input (float32), the differentiable ones and the others
                        (targets, weights; int64 class indices and lengths)
    <case>/out          the loss (or distance)
    <case>/gout         a random upstream gradient; the step is sum(out * gout)
    <case>/g<input>     the gradient of every differentiable input
and, in the file's __metadata__, "grads/<case>": the differentiable inputs, comma-separated,
and "repr/<Module>": repr() of each module built with its default arguments.
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
OUT = os.path.join(ROOT, "tests", "fixtures", "nn", "losses_extra.safetensors")
torch.set_num_threads(1)
torch.manual_seed(0)

items = {}
meta = {}


def add(name, t):
    if name in items:
        raise KeyError(name)
    a = np.array(t.detach().cpu().numpy(), order="C", copy=True)
    if a.dtype in (np.int32, np.bool_):
        a = a.astype(np.int64)
    elif a.dtype not in (np.float32, np.int64):
        raise TypeError(f"{name}: dtype {a.dtype}")
    items[name] = torch.from_numpy(a)


def case(name, fn, grads, **others):
    """Records fn(**grads) (which captures `others`) and the gradients of sum(out * gout) to `grads`."""
    ins = {k: v.detach().clone().float().requires_grad_(True) for k, v in grads.items()}
    for k, v in ins.items():
        add(f"{name}/{k}", v)
    for k, v in others.items():
        add(f"{name}/{k}", v)
    out = fn(**ins)  # the others are captured by fn
    add(f"{name}/out", out)
    gout = torch.randn(out.shape)
    add(f"{name}/gout", gout)
    out.backward(gout)
    for k, v in ins.items():
        add(f"{name}/g{k}", v.grad if v.grad is not None else torch.zeros_like(v))
    meta[f"grads/{name}"] = ",".join(grads)


def r(*shape):
    return torch.randn(*shape)


def signs(*shape):
    return torch.randint(0, 2, shape).float() * 2 - 1


# ------------------------------------------------------------------------------ distances
tiny = r(4, 5)
tiny[1] *= 1e-9  # a norm below eps: PyTorch 1.13 clamps each norm separately
case("cos_sim", lambda x1, x2: F.cosine_similarity(x1, x2), dict(x1=r(4, 5), x2=r(4, 5)))
case("cos_sim_tiny", lambda x1, x2: F.cosine_similarity(x1, x2), dict(x1=tiny, x2=r(4, 5)))
case("cos_sim_bcast", lambda x1, x2: F.cosine_similarity(x1, x2, dim=-1, eps=1e-6),
     dict(x1=r(2, 1, 4), x2=r(3, 4)))
case("cos_sim_one_to_many", lambda x1, x2: F.cosine_similarity(x1, x2, dim=1),
     dict(x1=r(1, 3), x2=r(4, 3)))
case("cos_sim_module", lambda x1, x2: nn.CosineSimilarity(dim=0, eps=1e-6)(x1, x2),
     dict(x1=r(5, 3), x2=r(5, 3)))
case("pdist", lambda x1, x2: F.pairwise_distance(x1, x2), dict(x1=r(4, 5), x2=r(4, 5)))
case("pdist_p1_keepdim", lambda x1, x2: F.pairwise_distance(x1, x2, p=1.0, keepdim=True),
     dict(x1=r(4, 5), x2=r(4, 5)))
case("pdist_p3_bcast", lambda x1, x2: F.pairwise_distance(x1, x2, p=3.0, eps=1e-3),
     dict(x1=r(4, 5), x2=r(5)))
case("pdist_1d", lambda x1, x2: F.pairwise_distance(x1, x2), dict(x1=r(5), x2=r(5)))
case("pdist_inf_module", lambda x1, x2: nn.PairwiseDistance(p=math.inf)(x1, x2),
     dict(x1=r(3, 4), x2=r(3, 4)))

# ----------------------------------------------------------------------- kl_div, poisson, gaussian
logp = lambda *s: F.log_softmax(r(*s), dim=-1)  # noqa: E731
prob = lambda *s: F.softmax(r(*s), dim=-1)  # noqa: E731
case("kl_div", lambda x, t: F.kl_div(x, t), dict(x=logp(3, 4), t=prob(3, 4)))
case("kl_div_batchmean", lambda x, t: nn.KLDivLoss(reduction="batchmean")(x, t),
     dict(x=logp(3, 4), t=prob(3, 4)))
case("kl_div_sum_log_target", lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True),
     dict(x=logp(3, 4), t=logp(3, 4)))
zt = prob(2, 5)
zt[0, 1] = 0
zt[1, 3] = 0
case("kl_div_none_zeros", lambda x, t: F.kl_div(x, t, reduction="none"), dict(x=logp(2, 5), t=zt))
counts = torch.randint(0, 5, (3, 4)).float()
case("poisson", lambda x, t: F.poisson_nll_loss(x, t), dict(x=r(3, 4), t=counts))
# With full=True the target takes no gradient here: PyTorch's is NaN where a count is 0
# (log(0) in Stirling's masked term); torchlet's is finite there.
case("poisson_rate_full_sum",
     lambda x: nn.PoissonNLLLoss(log_input=False, full=True, reduction="sum")(x, counts),
     dict(x=torch.rand(3, 4) * 3 + 0.1), t=counts)
case("poisson_full_none", lambda x: F.poisson_nll_loss(x, counts, full=True, reduction="none", eps=1e-4),
     dict(x=r(3, 4)), t=counts)
case("gaussian", lambda x, t, v: F.gaussian_nll_loss(x, t, v),
     dict(x=r(4, 3), t=r(4, 3), v=torch.rand(4, 3) + 0.1))
case("gaussian_hetero_full", lambda x, t, v: nn.GaussianNLLLoss(full=True)(x, t, v),
     dict(x=r(4, 3), t=r(4, 3), v=torch.rand(4) + 0.1))
vclamp = torch.rand(4, 1) + 0.1
vclamp[2, 0] = 1e-8  # below eps: clamped, its gradient passes as if not
case("gaussian_homo_sum", lambda x, t, v: F.gaussian_nll_loss(x, t, v, eps=1e-3, reduction="sum"),
     dict(x=r(4, 3), t=r(4, 3), v=vclamp))
case("gaussian_none", lambda x, t, v: F.gaussian_nll_loss(x, t, v, reduction="none"),
     dict(x=r(2, 3), t=r(2, 3), v=torch.rand(2, 3) + 0.1))

# ------------------------------------------------------------------- margin and embedding losses
case("margin_ranking", lambda x1, x2: F.margin_ranking_loss(x1, x2, Y), dict(x1=r(6), x2=r(6)),
     y=(Y := signs(6)))
case("margin_ranking_sum", lambda x1, x2: nn.MarginRankingLoss(margin=0.5, reduction="sum")(x1, x2, Y2),
     dict(x1=r(6), x2=r(6)), y=(Y2 := signs(6)))
case("hinge", lambda x: F.hinge_embedding_loss(x, H), dict(x=r(3, 4)), y=(H := signs(3, 4)))
case("hinge_margin_none", lambda x: nn.HingeEmbeddingLoss(margin=2.0, reduction="none")(x, H2),
     dict(x=r(3, 4)), y=(H2 := signs(3, 4)))
case("soft_margin", lambda x: F.soft_margin_loss(x, S), dict(x=r(3, 4) * 3), y=(S := signs(3, 4)))
case("soft_margin_none", lambda x: nn.SoftMarginLoss(reduction="none")(x, S2), dict(x=r(3, 4)),
     y=(S2 := signs(3, 4)))
case("multilabel_soft_margin", lambda x: F.multilabel_soft_margin_loss(x, ML), dict(x=r(3, 5)),
     y=(ML := torch.randint(0, 2, (3, 5)).float()))
case("multilabel_soft_margin_weight_none",
     lambda x: nn.MultiLabelSoftMarginLoss(weight=MW, reduction="none")(x, ML2), dict(x=r(3, 5)),
     y=(ML2 := torch.randint(0, 2, (3, 5)).float()), weight=(MW := torch.rand(5)))
case("cosine_embedding", lambda x1, x2: F.cosine_embedding_loss(x1, x2, CY),
     dict(x1=r(5, 4), x2=r(5, 4)), y=(CY := signs(5)))
case("cosine_embedding_margin_sum",
     lambda x1, x2: nn.CosineEmbeddingLoss(margin=-0.3, reduction="sum")(x1, x2, CY2),
     dict(x1=r(5, 4), x2=r(5, 4)), y=(CY2 := signs(5)))
case("cosine_embedding_1d", lambda x1, x2: F.cosine_embedding_loss(x1, x2, CY3),
     dict(x1=r(4), x2=r(4)), y=(CY3 := torch.tensor(-1.0)))
case("multi_margin", lambda x: F.multi_margin_loss(x, MT), dict(x=r(4, 5)),
     target=(MT := torch.randint(0, 5, (4,))))
case("multi_margin_p2_weight",
     lambda x: nn.MultiMarginLoss(p=2, margin=0.7, weight=MMW)(x, MT2), dict(x=r(4, 5)),
     target=(MT2 := torch.randint(0, 5, (4,))), weight=(MMW := torch.rand(5)))
case("multi_margin_none", lambda x: F.multi_margin_loss(x, MT3, reduction="none"), dict(x=r(4, 5)),
     target=(MT3 := torch.randint(0, 5, (4,))))
MLT = torch.tensor([[3, 0, -1, 1, 2], [1, 4, 2, -1, 0], [-1, 2, 0, 1, 3]])
case("multilabel_margin", lambda x: F.multilabel_margin_loss(x, MLT), dict(x=r(3, 5)), target=MLT)
case("multilabel_margin_none_1d",
     lambda x: nn.MultiLabelMarginLoss(reduction="none")(x, MLT1), dict(x=r(4)),
     target=(MLT1 := torch.tensor([2, 0, -1, 3])))
case("triplet", lambda a, p, n: F.triplet_margin_loss(a, p, n), dict(a=r(4, 5), p=r(4, 5), n=r(4, 5)))
case("triplet_p1_swap_none",
     lambda a, p, n: nn.TripletMarginLoss(margin=0.5, p=1, swap=True, reduction="none")(a, p, n),
     dict(a=r(4, 5), p=r(4, 5) * 2, n=r(4, 5)))
case("triplet_distance", lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n),
     dict(a=r(4, 5), p=r(4, 5), n=r(4, 5)))
case("triplet_distance_cosine_swap_sum",
     lambda a, p, n: nn.TripletMarginWithDistanceLoss(
         distance_function=lambda u, v: 1.0 - F.cosine_similarity(u, v), margin=0.5, swap=True,
         reduction="sum")(a, p, n),
     dict(a=r(4, 5), p=r(4, 5), n=r(4, 5)))

# ------------------------------------------------------------------------------------ ctc_loss
# The differentiable input is the logits before log_softmax: PyTorch's CPU kernel returns
# the gradient to log_probs plus exp(log_probs), which log_softmax's backward cancels.
CT = torch.tensor([[1, 2, 2, 3], [3, 1, 0, 0], [2, 2, 1, 0]])  # padded, repeats included
case("ctc", lambda x: F.ctc_loss(x.log_softmax(2), CT, CIL, CTL), dict(x=r(7, 3, 5)),
     targets=CT, input_lengths=(CIL := torch.tensor([7, 6, 5])),
     target_lengths=(CTL := torch.tensor([4, 2, 3])))
CT1 = torch.tensor([0, 1, 1, 2, 3, 0])  # concatenated: [0, 1, 1], [2], [3, 0]
case("ctc_concat_blank4_sum",
     lambda x: nn.CTCLoss(blank=4, reduction="sum")(x.log_softmax(2), CT1, CIL1, CTL1),
     dict(x=r(6, 3, 5)), targets=CT1, input_lengths=(CIL1 := torch.tensor([6, 4, 5])),
     target_lengths=(CTL1 := torch.tensor([3, 1, 2])))
CT2 = torch.tensor([[1, 1, 1, 2], [2, 3, 0, 0]])  # sample 0 needs 7 steps and gets 4: inf
case("ctc_zero_infinity_none",
     lambda x: F.ctc_loss(x.log_softmax(2), CT2, CIL2, CTL2, reduction="none", zero_infinity=True),
     dict(x=r(5, 2, 4)), targets=CT2, input_lengths=(CIL2 := torch.tensor([4, 5])),
     target_lengths=(CTL2 := torch.tensor([4, 2])))
case("ctc_empty_target", lambda x: F.ctc_loss(x.log_softmax(2), CT3, CIL3, CTL3),
     dict(x=r(4, 2, 3)), targets=(CT3 := torch.tensor([[1, 2], [0, 0]])),
     input_lengths=(CIL3 := torch.tensor([4, 3])), target_lengths=(CTL3 := torch.tensor([2, 0])))

case("ctc_unbatched_none",
     lambda x: F.ctc_loss(x.log_softmax(1), CT4, CIL4, CTL4, reduction="none"), dict(x=r(5, 4)),
     targets=(CT4 := torch.tensor([1, 2, 1])), input_lengths=(CIL4 := torch.tensor(5)),
     target_lengths=(CTL4 := torch.tensor(3)))

for m in [nn.CosineSimilarity(), nn.PairwiseDistance(), nn.KLDivLoss(), nn.PoissonNLLLoss(),
          nn.GaussianNLLLoss(), nn.MarginRankingLoss(), nn.HingeEmbeddingLoss(),
          nn.CosineEmbeddingLoss(), nn.SoftMarginLoss(), nn.MultiLabelSoftMarginLoss(),
          nn.MultiMarginLoss(), nn.MultiLabelMarginLoss(), nn.TripletMarginLoss(),
          nn.TripletMarginWithDistanceLoss(), nn.CTCLoss()]:
    meta[f"repr/{type(m).__name__}"] = repr(m)

write_safetensors(OUT, items, dict(meta, made_by="scripts/make_loss_fixtures.py with torch " + torch.__version__))
print(f"wrote {OUT}: {len(items)} tensors")
