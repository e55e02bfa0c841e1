#!/usr/bin/python3
"""Writes the PyTorch reference values tests/nn/attention.cpp compares against.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make_attention_fixtures.py
Output (committed): tests/fixtures/nn/attention.safetensors, tensors named "<case>/<what>":

  sdpa_* cases (scaled_dot_product_attention, computed here by hand in float64 from the
  formula of PyTorch 2's documentation, since PyTorch 1.13 has no F.scaled_dot_product_attention:
  softmax(q k^T / sqrt(E) + mask) v, bool mask true = takes part, is_causal = lower triangle):
      q, k, v, [mask (bool as int64, or float)], gout, out, gq, gk, gv
  mha_*, enc_*, dec_*, encoder_*, decoder_*, transformer_* cases (the modules, in eval mode
  or with dropout 0): every parameter under its state_dict key (PyTorch's initial weights),
  the inputs (q/k/v, x, src/tgt/memory), the masks (kpm, attn_mask, src_mask, ...: bool as
  int64, or float), the output `out`, the attention weights `weights` (MultiheadAttention with
  need_weights), the upstream gradients `gout` (and `gweights`), and the gradients of
  loss = sum(out * gout) + sum(weights * gweights): `g<input>` and `g<parameter key>`.
  square_subsequent_mask/4: nn.Transformer.generate_square_subsequent_mask(4).

Metadata: "<case>/keys" = the module's state_dict keys joined by ","; "<case>/repr" = print(module).
"""
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "nn", "attention.safetensors")
torch.set_num_threads(1)

items = {}
meta = {"made_by": "scripts/make_attention_fixtures.py with torch " + torch.__version__}


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


# ------------------------------------------------------------------ scaled_dot_product_attention
def sdpa_reference(q, k, v, mask=None, is_causal=False):
    """PyTorch 2's documented math: softmax(q k^T / sqrt(E) + bias) v."""
    L, S, E = q.size(-2), k.size(-2), q.size(-1)
    bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        bias = bias.masked_fill(torch.ones(L, S, dtype=torch.bool).tril().logical_not(), float("-inf"))
    if mask is not None:
        if mask.dtype == torch.bool:
            bias = bias + torch.zeros(mask.shape, dtype=q.dtype).masked_fill(mask.logical_not(), float("-inf"))
        else:
            bias = bias + mask
    w = torch.softmax(q @ k.transpose(-2, -1) / (E ** 0.5) + bias, dim=-1)
    return w @ v


def sdpa_case(name, lead, L, S, E, Ev, mask=None, is_causal=False):
    q = torch.randn(*lead, L, E, dtype=torch.float64, requires_grad=True)
    k = torch.randn(*lead, S, E, dtype=torch.float64, requires_grad=True)
    v = torch.randn(*lead, S, Ev, dtype=torch.float64, requires_grad=True)
    out = sdpa_reference(q, k, v, mask, is_causal)
    gout = torch.randn_like(out)
    (out * gout).sum().backward()
    for n, t in [("q", q), ("k", k), ("v", v), ("out", out), ("gout", gout), ("gq", q.grad),
                 ("gk", k.grad), ("gv", v.grad)]:
        add(f"{name}/{n}", t)
    if mask is not None:
        add(f"{name}/mask", mask)


def make_sdpa():
    sdpa_case("sdpa_plain", [2], 3, 4, 5, 6)
    sdpa_case("sdpa_4d", [2, 3], 4, 4, 8, 8)
    m = torch.rand(3, 4) > 0.3
    m[:, 0] = True  # every query sees a key
    sdpa_case("sdpa_bool_mask", [2], 3, 4, 5, 3, mask=m)
    sdpa_case("sdpa_float_mask", [2, 2], 3, 4, 5, 3, mask=torch.randn(2, 1, 3, 4, dtype=torch.float64))
    sdpa_case("sdpa_causal", [2], 4, 4, 3, 2, is_causal=True)


# ------------------------------------------------------------------ modules
def record_module(name, module, inputs, call, masks=None, has_weights=False):
    """inputs: {name: tensor requiring grad}; call(module, inputs) -> out or (out, weights)."""
    module.eval()
    meta[f"{name}/keys"] = ",".join(module.state_dict().keys())
    meta[f"{name}/repr"] = repr(module)
    for k, v in module.state_dict().items():
        add(f"{name}/{k}", v)
    for k, v in (masks or {}).items():
        add(f"{name}/{k}", v)
    for k, v in inputs.items():
        add(f"{name}/{k}", v)
    res = call(module, inputs)
    out, weights = res if isinstance(res, tuple) else (res, None)
    gout = torch.randn_like(out)
    loss = (out * gout).sum()
    add(f"{name}/out", out)
    add(f"{name}/gout", gout)
    if weights is not None:
        gw = torch.randn_like(weights)
        loss = loss + (weights * gw).sum()
        add(f"{name}/weights", weights)
        add(f"{name}/gweights", gw)
    elif has_weights:
        raise RuntimeError(f"{name}: weights expected")
    loss.backward()
    for k, v in inputs.items():
        add(f"{name}/g{k}", v.grad)
    for k, p in module.named_parameters():
        add(f"{name}/g{k}", p.grad)


def randn(*shape):
    return torch.randn(*shape, requires_grad=True)


def kpm_bool(N, S):
    m = torch.rand(N, S) > 0.6
    m[:, 0] = False  # never a row with every key ignored
    return m


def mask_bool(L, S):
    m = torch.rand(L, S) > 0.6
    m[:, 0] = False
    return m


def make_mha():
    E, H, L, S, N = 8, 2, 4, 5, 3

    def mha_case(name, kw=None, q=None, k=None, v=None, self_attn=False, **fw):
        torch.manual_seed(zlib.crc32(name.encode()) % 1000)
        m = nn.MultiheadAttention(E, H, **(kw or {}))
        bf = (kw or {}).get("batch_first", False)
        masks = {}
        for key in ("key_padding_mask", "attn_mask"):
            if key in fw and isinstance(fw[key], torch.Tensor):
                masks[key] = fw[key]
        if self_attn:
            inputs = {"x": randn(N, L, E) if bf else randn(L, N, E)}
            call = lambda mod, i: mod(i["x"], i["x"], i["x"], **fw)  # noqa: E731
        else:
            inputs = {"q": q if q is not None else (randn(N, L, E) if bf else randn(L, N, E)),
                      "k": k if k is not None else (randn(N, S, E) if bf else randn(S, N, E)),
                      "v": v if v is not None else (randn(N, S, E) if bf else randn(S, N, E))}
            call = lambda mod, i: mod(i["q"], i["k"], i["v"], **fw)  # noqa: E731
        record_module(name, m, inputs, call, masks)

    mha_case("mha_basic")
    mha_case("mha_self", self_attn=True)
    mha_case("mha_batch_first", {"batch_first": True})
    mha_case("mha_kpm_bool", key_padding_mask=kpm_bool(N, S))
    mha_case("mha_kpm_float", key_padding_mask=torch.randn(N, S))
    mha_case("mha_mask_bool", attn_mask=mask_bool(L, S))
    mha_case("mha_mask_float", attn_mask=torch.randn(L, S))
    mha_case("mha_mask_3d", attn_mask=torch.randn(N * H, L, S))
    mha_case("mha_both_masks", attn_mask=mask_bool(L, S), key_padding_mask=kpm_bool(N, S))
    mha_case("mha_float_mask_bool_kpm", attn_mask=torch.randn(L, S), key_padding_mask=kpm_bool(N, S))
    mha_case("mha_kdim_vdim", {"kdim": 6, "vdim": 3}, k=randn(S, N, 6), v=randn(S, N, 3))
    mha_case("mha_bias_kv", {"add_bias_kv": True}, attn_mask=mask_bool(L, S),
             key_padding_mask=kpm_bool(N, S))
    mha_case("mha_zero_attn", {"add_zero_attn": True}, attn_mask=torch.randn(L, S),
             key_padding_mask=kpm_bool(N, S))
    mha_case("mha_bias_kv_zero_attn", {"add_bias_kv": True, "add_zero_attn": True})
    mha_case("mha_no_bias", {"bias": False})
    mha_case("mha_no_weights", need_weights=False)
    mha_case("mha_per_head", average_attn_weights=False, attn_mask=mask_bool(L, S))
    mha_case("mha_unbatched", q=randn(L, E), k=randn(S, E), v=randn(S, E),
             key_padding_mask=kpm_bool(1, S)[0], attn_mask=torch.randn(H, L, S))
    mha_case("mha_dropout_eval", {"dropout": 0.5, "batch_first": True})


def causal(n):
    return nn.Transformer.generate_square_subsequent_mask(n)


def make_transformer():
    E, H, S, T, N, F = 8, 2, 5, 4, 3, 16

    def enc_case(name, kw, src, **fw):
        torch.manual_seed(zlib.crc32(name.encode()) % 1000)
        m = nn.TransformerEncoderLayer(E, H, dim_feedforward=F, **kw)
        masks = {k: v for k, v in fw.items() if isinstance(v, torch.Tensor)}
        record_module(name, m, {"src": src}, lambda mod, i: mod(i["src"], **fw), masks)

    enc_case("enc_relu", {"dropout": 0.0}, randn(S, N, E), src_mask=causal(S),
             src_key_padding_mask=kpm_bool(N, S))
    enc_case("enc_gelu_norm_first", {"activation": "gelu", "norm_first": True, "batch_first": True},
             randn(N, S, E), src_mask=mask_bool(S, S))
    enc_case("enc_unbatched", {"dropout": 0.0}, randn(S, E), src_key_padding_mask=kpm_bool(1, S)[0])

    def dec_case(name, kw, tgt, memory, **fw):
        torch.manual_seed(zlib.crc32(name.encode()) % 1000)
        m = nn.TransformerDecoderLayer(E, H, dim_feedforward=F, **kw)
        masks = {k: v for k, v in fw.items() if isinstance(v, torch.Tensor)}
        record_module(name, m, {"tgt": tgt, "memory": memory},
                      lambda mod, i: mod(i["tgt"], i["memory"], **fw), masks)

    dec_case("dec_relu", {"dropout": 0.0}, randn(T, N, E), randn(S, N, E), tgt_mask=causal(T),
             tgt_key_padding_mask=kpm_bool(N, T), memory_key_padding_mask=kpm_bool(N, S))
    dec_case("dec_gelu_norm_first", {"activation": "gelu", "norm_first": True, "batch_first": True},
             randn(N, T, E), randn(N, S, E), memory_mask=mask_bool(T, S))

    torch.manual_seed(11)
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E))
    record_module("encoder_stack", enc, {"src": randn(S, N, E)},
                  lambda mod, i: mod(i["src"], mask=causal(S)), {})
    torch.manual_seed(12)
    dlayer = nn.TransformerDecoderLayer(E, H, dim_feedforward=F, dropout=0.0)
    dec = nn.TransformerDecoder(dlayer, 2)
    record_module("decoder_stack", dec, {"tgt": randn(T, N, E), "memory": randn(S, N, E)},
                  lambda mod, i: mod(i["tgt"], i["memory"], tgt_mask=causal(T)), {})

    torch.manual_seed(13)
    tr = nn.Transformer(E, H, 2, 2, F, dropout=0.1)
    src_kpm = kpm_bool(N, S)
    record_module("transformer", tr, {"src": randn(S, N, E), "tgt": randn(T, N, E)},
                  lambda mod, i: mod(i["src"], i["tgt"], tgt_mask=causal(T),
                                     src_key_padding_mask=src_kpm, memory_key_padding_mask=src_kpm),
                  {"src_key_padding_mask": src_kpm})
    torch.manual_seed(14)
    tr2 = nn.Transformer(E, H, 1, 1, F, dropout=0.0, activation="gelu", batch_first=True,
                         norm_first=True)
    record_module("transformer_gelu_norm_first", tr2,
                  {"src": randn(N, S, E), "tgt": randn(N, T, E)},
                  lambda mod, i: mod(i["src"], i["tgt"], tgt_mask=causal(T)), {})
    add("square_subsequent_mask/4", causal(4))
    meta["transformer_default/keys"] = ",".join(nn.Transformer(16, 2, 1, 1, 32).state_dict().keys())


def main():
    torch.manual_seed(0)
    make_sdpa()
    make_mha()
    make_transformer()
    write_safetensors(OUT, items, meta)
    print(f"wrote {OUT} ({len(items)} tensors, {os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
