"""Goldens for the attention family.

* ``target_attention``: ``nn.MultiheadAttention`` with identity projections (query = the B targets as
  a sequence, key/value = the history, ``key_padding_mask`` for the valid length, a float
  ``attn_mask`` for the additive bias), or, where the head widths differ or the scale is not
  1/sqrt(dk), ``torch.softmax(q_h @ k_h.T * scale + bias, masked) @ v_h`` per head (Vaswani et al.
  2017, eq. 1).
* ``target_scores`` / ``attention_pool``: the two halves of the same equation.
* ``target_attention_gathered`` / ``softmax_pool_gathered``: the same equation over each target's
  own selected rows ``k[index[t, :count[t]]]`` (SIM/ETA/TWIN exact search unit).
* ``self_attention``: ``nn.MultiheadAttention`` with identity projections, ``key_padding_mask``
  and a float ``attn_mask`` (causal ``-inf`` triangle plus the additive bias); explicit softmax
  attention for per-head biases and dk != dv.
* ``din_attention``: the DIN activation unit (Zhou et al. 2018 §4.3, as every code base writes it:
  MODELS.md §0.5) as an ``nn.Module`` of ``nn.Linear`` + ``nn.Sigmoid`` / ``nn.PReLU`` / ``nn.ReLU``
  / Dice (DeepCTR-Torch's ``Dice``: ``nn.BatchNorm1d`` in eval mode, ``x * (alpha (1 - p) + p)``)
  on ``torch.cat([q, k, q - k, q * k], -1)``, padded positions set to 0 (DeepCTR
  ``AttentionSequencePoolingLayer`` with ``weight_normalization=False``), or the official TF
  variant ``softmax(logits * scale)`` over the valid positions; ``out = weights @ k``.

seqrec defines an empty history (valid = 0, count = 0) as a zero output where PyTorch's ``-inf``
masking gives NaN (MODELS.md §0.3): those rows of the expectation are ``torch.nan_to_num(.., 0)``.
"""
import math

import torch
import torch.nn as nn

from seqrec_golden import f64, generator, save_case, uniform

FAMILY = "attention"


def identity_mha(embed, heads):
    """nn.MultiheadAttention whose q/k/v/out projections are the identity (float64, eval)."""
    mha = nn.MultiheadAttention(embed, heads, bias=False, dtype=torch.float64)
    with torch.no_grad():
        eye = torch.eye(embed, dtype=torch.float64)
        mha.in_proj_weight.copy_(torch.cat([eye, eye, eye], 0))
        mha.out_proj.weight.copy_(eye)
    return mha.eval()


def bias_tensor(bias, b, heads, l):
    """The additive bias broadcast to [B, H, L] (layouts [L], [H, L], [B', H', L])."""
    if bias is None:
        return torch.zeros(b, heads, l, dtype=torch.float64)
    x = f64(bias)
    if x.dim() == 1:
        x = x[None, None, :]
    elif x.dim() == 2:
        x = x[None, :, :]
    return x.expand(b, heads, l)


def explicit_target(q, k, v, heads, valid, scale, bias):
    """softmax(q_h k_h^T scale + bias, keys >= valid masked) v_h, per head (float64)."""
    b, l = q.shape[0], k.shape[0]
    dk, dv = q.shape[1] // heads, v.shape[1] // heads
    qh = f64(q).reshape(b, heads, dk).transpose(0, 1)            # H x B x dk
    kh = f64(k).reshape(l, heads, dk).transpose(0, 1)            # H x L x dk
    vh = f64(v).reshape(l, heads, dv).transpose(0, 1)            # H x L x dv
    logits = qh @ kh.transpose(1, 2) * scale + bias_tensor(bias, b, heads, l).transpose(0, 1)
    mask = torch.arange(l) >= valid
    w = torch.softmax(logits.masked_fill(mask, float("-inf")), dim=-1)
    out = (w @ vh).transpose(0, 1).reshape(b, heads * dv)
    return torch.nan_to_num(out, nan=0.0)


def mha_target(q, k, v, heads, valid, bias):
    """nn.MultiheadAttention with identity projections: the B targets as queries of one batch."""
    b, e = q.shape
    l = k.shape[0]
    mha = identity_mha(e, heads)
    kpm = (torch.arange(l) >= valid)[None, :]
    attn_mask = None
    if bias is not None:
        attn_mask = bias_tensor(bias, b, heads, l).transpose(0, 1).contiguous()  # H x B x L = (N*H, T, S)
    with torch.no_grad():
        out, _ = mha(f64(q)[:, None, :], f64(k)[:, None, :], f64(v)[:, None, :],
                     key_padding_mask=kpm, attn_mask=attn_mask, need_weights=False)
    return torch.nan_to_num(out[:, 0, :], nan=0.0)


def target_attention_cases():
    cases = {
        # name: (B, L, valid, heads, dk, dv, bias shape or None, scale or None, use_mha, seed)
        "target_tiny": (1, 2, 2, 1, 2, 2, None, None, True, 1),
        "target_awkward_head_bias": (7, 17, 13, 2, 3, 5, "HL", None, False, 2),
        "target_paper": (100, 50, 50, 4, 16, 16, None, None, True, 3),
        "target_masked_per_target_bias": (5, 9, 6, 2, 4, 4, "BHL", None, True, 4),
        "target_shared_bias_scale": (6, 20, 20, 1, 8, 6, "L", 0.5, False, 5),
        "target_per_target_shared_heads": (4, 11, 11, 3, 2, 2, "B1L", None, True, 6),
        "target_one_key": (3, 1, 1, 2, 4, 4, None, None, True, 7),
        "target_empty_history": (3, 4, 0, 2, 4, 4, None, None, True, 8),
    }
    for case, (b, l, valid, heads, dk, dv, bias_kind, scale, use_mha, seed) in cases.items():
        g = generator(seed)
        q = uniform(g, b, heads * dk)
        k = uniform(g, l, heads * dk)
        v = uniform(g, l, heads * dv)
        bias = None
        if bias_kind == "HL":
            bias = uniform(g, heads, l)
        elif bias_kind == "BHL":
            bias = uniform(g, b, heads, l)
        elif bias_kind == "L":
            bias = uniform(g, l)
        elif bias_kind == "B1L":
            bias = uniform(g, b, 1, l)
        params = {"heads": heads, "valid": valid}
        if scale is not None:
            params["scale"] = scale
        if use_mha:
            assert scale is None and dk == dv
            out = mha_target(q, k, v, heads, valid, bias)
            source = "torch.nn.MultiheadAttention (identity projections, key_padding_mask, float attn_mask)"
        else:
            out = explicit_target(q, k, v, heads, valid, scale if scale is not None else 1 / math.sqrt(dk), bias)
            source = "torch.softmax(q_h @ k_h.T * scale + bias, masked) @ v_h per head"
        inputs = {"q": q, "k": k, "v": v}
        if bias is not None:
            inputs["bias"] = bias
        save_case(FAMILY, case, "target_attention", inputs, {"out": out}, source=source, **params)


def target_scores_and_pool_cases():
    for case, (b, l, valid, heads, dk, softmax, bias_kind, seed) in {
        "scores_raw_awkward": (7, 17, 13, 2, 3, False, "HL", 11),
        "scores_softmax_masked": (5, 9, 6, 4, 2, True, "BHL", 12),
        "scores_raw_paper": (20, 50, 50, 4, 16, False, None, 13),
        "scores_softmax_empty": (2, 3, 0, 1, 4, True, None, 14),
    }.items():
        g = generator(seed)
        q = uniform(g, b, heads * dk)
        k = uniform(g, l, heads * dk)
        bias = None
        if bias_kind == "HL":
            bias = uniform(g, heads, l)
        elif bias_kind == "BHL":
            bias = uniform(g, b, heads, l)
        scale = 1 / math.sqrt(dk)
        qh = f64(q).reshape(b, heads, dk)
        kh = f64(k).reshape(l, heads, dk)
        logits = torch.einsum("bhd,lhd->bhl", qh, kh) * scale + bias_tensor(bias, b, heads, l)
        mask = torch.arange(l) >= valid
        masked = logits.masked_fill(mask, float("-inf"))
        scores = torch.nan_to_num(torch.softmax(masked, dim=-1), nan=0.0) if softmax else masked
        inputs = {"q": q, "k": k}
        if bias is not None:
            inputs["bias"] = bias
        save_case(FAMILY, case, "target_scores", inputs, {"scores": scores},
                  source="q_h @ k_h.T * scale + bias, -inf past valid" + ("; torch.softmax" if softmax else ""),
                  heads=heads, valid=valid, softmax=str(softmax).lower())

    g = generator(15)
    b, l, valid, heads, dv = 6, 19, 15, 3, 5
    weights = torch.rand(b, heads, l, generator=g, dtype=torch.float64).to(torch.float32)
    v = uniform(g, l, heads * dv)
    vh = f64(v).reshape(l, heads, dv)
    out = torch.einsum("bhl,lhd->bhd", f64(weights)[:, :, :valid], vh[:valid]).reshape(b, heads * dv)
    save_case(FAMILY, "pool_awkward", "attention_pool", {"weights": weights, "v": v}, {"out": out},
              source="einsum('bhl,lhd->bhd', weights[..., :valid], v[:valid])", valid=valid)


def gathered_expectation(q, k, v, index, count, heads, scale, bias, logits_all=None):
    """Per target t: softmax attention over rows index[t, :count[t]] (zero when count is 0)."""
    b = q.shape[0] if q is not None else logits_all.shape[0]
    dv = v.shape[1] // heads
    outs = []
    for t in range(b):
        rows = index[t, : int(count[t])]
        if logits_all is None:
            dk = q.shape[1] // heads
            qh = f64(q[t]).reshape(heads, dk)
            kh = f64(k[rows]).reshape(-1, heads, dk)
            logits = torch.einsum("hd,jhd->hj", qh, kh) * scale
            if bias is not None:
                logits = logits + f64(bias)[:, rows]
        else:
            logits = f64(logits_all[t])[:, rows]
        w = torch.softmax(logits, dim=-1)
        vh = f64(v[rows]).reshape(-1, heads, dv)
        outs.append(torch.einsum("hj,jhd->hd", w, vh).reshape(heads * dv) if len(rows) else
                    torch.zeros(heads * dv, dtype=torch.float64))
    return torch.stack(outs)


def gathered_cases():
    # ETA-like: Hamming top-k rows of a long history, some targets with fewer real rows.
    g = generator(21)
    b, n, m, heads, dk, dv = 6, 200, 20, 2, 8, 8
    q = uniform(g, b, heads * dk)
    k = uniform(g, n, heads * dk)
    v = uniform(g, n, heads * dv)
    index = torch.randint(0, n, (b, m), generator=g)
    count = torch.tensor([20, 0, 7, 20, 1, 13])
    out = gathered_expectation(q, k, v, index, count, heads, 1 / math.sqrt(dk), None)
    save_case(FAMILY, "gathered_eta", "target_attention_gathered",
              {"q": q, "k": k, "v": v, "index": index, "count": count}, {"out": out},
              source="torch.softmax(q_h @ k[index].T / sqrt(dk)) @ v[index] per target and head", heads=heads)

    # TWIN-like: 4 heads, top-k without counts, per-(head, behaviour) cross-feature bias.
    g = generator(22)
    b, n, m, heads, dk, dv = 5, 120, 16, 4, 4, 6
    q = uniform(g, b, heads * dk)
    k = uniform(g, n, heads * dk)
    v = uniform(g, n, heads * dv)
    bias = uniform(g, heads, n)
    index = torch.stack([torch.randperm(n, generator=g)[:m] for _ in range(b)])
    count = torch.full((b,), m)
    scale = 0.3
    out = gathered_expectation(q, k, v, index, count, heads, scale, bias)
    save_case(FAMILY, "gathered_twin_bias", "target_attention_gathered",
              {"q": q, "k": k, "v": v, "index": index, "bias": bias}, {"out": out},
              source="torch.softmax(q_h @ k[index].T * scale + bias[h, index]) @ v[index] per target and head",
              heads=heads, scale=scale)

    # Reusing GSU logits over the whole history.
    g = generator(23)
    b, n, m, heads, dv = 4, 60, 10, 2, 5
    scores = uniform(g, b, heads, n, low=-3.0, high=3.0)
    v = uniform(g, n, heads * dv)
    index = torch.randint(0, n, (b, m), generator=g)
    count = torch.tensor([10, 3, 0, 9])
    out = gathered_expectation(None, None, v, index, count, heads, None, None, logits_all=scores)
    save_case(FAMILY, "softmax_pool_gathered", "softmax_pool_gathered",
              {"scores": scores, "v": v, "index": index, "count": count}, {"out": out},
              source="torch.softmax(scores[t, h, index[t]]) @ v[index[t]] per target and head")


def self_attention_cases():
    for case, (l, valid, heads, dk, dv, causal, bias_kind, seed) in {
        "self_bidirectional_padding": (20, 15, 2, 32, 32, False, None, 31),
        "self_causal": (50, 50, 1, 16, 16, True, None, 32),
        "self_causal_padding_shared_bias": (17, 12, 2, 4, 4, True, "LL", 33),
        "self_per_head_bias_dk_dv": (9, 9, 3, 3, 5, False, "HLL", 34),
        "self_one_position": (1, 1, 2, 4, 4, True, None, 35),
        "self_empty": (4, 0, 1, 4, 4, False, None, 36),
    }.items():
        g = generator(seed)
        q = uniform(g, l, heads * dk)
        k = uniform(g, l, heads * dk)
        v = uniform(g, l, heads * dv)
        bias = None
        if bias_kind == "LL":
            bias = uniform(g, l, l)
        elif bias_kind == "HLL":
            bias = uniform(g, heads, l, l)
        causal_mask = torch.triu(torch.full((l, l), float("-inf"), dtype=torch.float64), diagonal=1) if causal \
            else torch.zeros(l, l, dtype=torch.float64)
        pad = torch.arange(l) >= valid
        if bias_kind != "HLL" and dk == dv:
            mha = identity_mha(heads * dk, heads)
            attn_mask = causal_mask + (f64(bias) if bias is not None else 0.0)
            with torch.no_grad():
                out, _ = mha(f64(q)[:, None, :], f64(k)[:, None, :], f64(v)[:, None, :],
                             key_padding_mask=pad[None, :], attn_mask=attn_mask, need_weights=False)
            out = out[:, 0, :]
            source = "torch.nn.MultiheadAttention (identity projections, key_padding_mask, causal/bias attn_mask)"
        else:
            qh = f64(q).reshape(l, heads, dk).transpose(0, 1)
            kh = f64(k).reshape(l, heads, dk).transpose(0, 1)
            vh = f64(v).reshape(l, heads, dv).transpose(0, 1)
            logits = qh @ kh.transpose(1, 2) / math.sqrt(dk) + causal_mask
            if bias is not None:
                logits = logits + f64(bias)
            w = torch.softmax(logits.masked_fill(pad, float("-inf")), dim=-1)
            out = (w @ vh).transpose(0, 1).reshape(l, heads * dv)
            source = "torch.softmax(q_h @ k_h.T / sqrt(dk) + bias[h] + mask) @ v_h per head"
        out = torch.nan_to_num(out, nan=0.0)
        inputs = {"q": q, "k": k, "v": v}
        if bias is not None:
            inputs["bias"] = bias
        save_case(FAMILY, case, "self_attention", inputs, {"out": out}, source=source,
                  heads=heads, valid=valid, causal=str(causal).lower())


class Dice(nn.Module):
    """DeepCTR-Torch's Dice in eval mode: p = sigmoid(BatchNorm1d(x)), y = alpha (1 - p) x + p x."""

    def __init__(self, h, eps, g):
        super().__init__()
        self.bn = nn.BatchNorm1d(h, eps=eps, dtype=torch.float64)
        self.alpha = nn.Parameter(torch.zeros(h, dtype=torch.float64))
        with torch.no_grad():
            self.bn.running_mean.copy_(f64(uniform(g, h, low=-0.5, high=0.5)))
            self.bn.running_var.copy_(f64(uniform(g, h, low=0.2, high=1.5)))
            self.bn.weight.copy_(f64(uniform(g, h, low=0.5, high=1.5)))
            self.bn.bias.copy_(f64(uniform(g, h, low=-0.5, high=0.5)))
            self.alpha.copy_(f64(uniform(g, h)))

    def forward(self, x):
        shape = x.shape
        p = torch.sigmoid(self.bn(x.reshape(-1, shape[-1]))).reshape(shape)
        return self.alpha * (1 - p) * x + p * x


class DinUnit(nn.Module):
    """MLP over [q; k; q - k; q * k] -> one weight per (target, behaviour)."""

    def __init__(self, d, hidden, acts, g):
        super().__init__()
        self.layers = nn.ModuleList()
        self.acts = nn.ModuleList()
        width = 4 * d
        for h, act in zip(hidden, acts):
            lin = nn.Linear(width, h, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(f64(uniform(g, h, width, low=-0.5, high=0.5)))
                lin.bias.copy_(f64(uniform(g, h, low=-0.5, high=0.5)))
            self.layers.append(lin)
            if act == "sigmoid":
                self.acts.append(nn.Sigmoid())
            elif act == "relu":
                self.acts.append(nn.ReLU())
            elif act == "prelu":
                self.acts.append(nn.PReLU(dtype=torch.float64))
            elif act == "prelu_channels":
                p = nn.PReLU(h, dtype=torch.float64)
                with torch.no_grad():
                    p.weight.copy_(f64(uniform(g, h)))
                self.acts.append(p)
            elif act == "dice":
                self.acts.append(Dice(h, 1e-8, g))
            width = h
        self.out = nn.Linear(width, 1, dtype=torch.float64)
        with torch.no_grad():
            self.out.weight.copy_(f64(uniform(g, 1, width)))
            self.out.bias.copy_(f64(uniform(g, 1)))
        self.eval()

    def forward(self, q, k, valid, softmax_scale):
        b, d = q.shape
        l = k.shape[0]
        qe = q[:, None, :].expand(b, l, d)
        ke = k[None, :, :].expand(b, l, d)
        x = torch.cat([qe, ke, qe - ke, qe * ke], dim=-1)
        for lin, act in zip(self.layers, self.acts):
            h = lin(x)
            # channels last: nn.PReLU(h) and BatchNorm1d read dim 1 as the channel, so act on (B L) x h
            x = act(h.reshape(-1, h.shape[-1])).reshape(h.shape)
        logits = self.out(x).squeeze(-1)
        pad = torch.arange(l) >= valid
        if softmax_scale is None:
            w = logits.masked_fill(pad, 0.0)
        else:
            w = torch.nan_to_num(torch.softmax((logits * softmax_scale).masked_fill(pad, float("-inf")), dim=-1), nan=0.0)
        return w, w @ k


def din_cases():
    for case, (b, l, valid, d, hidden, acts, softmax, seed) in {
        "din_official_sigmoid_softmax": (6, 20, 17, 16, [80, 40], ["sigmoid", "sigmoid"], True, 41),
        "din_deepctr_dice": (5, 12, 9, 8, [64, 16], ["dice", "dice"], False, 42),
        "din_prelu_awkward": (7, 17, 17, 7, [17, 5], ["prelu", "prelu_channels"], False, 43),
        "din_relu_one_behaviour": (3, 1, 1, 4, [8], ["relu"], False, 44),
        "din_paper": (20, 50, 43, 64, [80, 40], ["prelu", "prelu"], False, 45),
        "din_empty_history": (2, 5, 0, 4, [6], ["sigmoid"], False, 46),
    }.items():
        g = generator(seed)
        q = uniform(g, b, d)
        k = uniform(g, l, d)
        unit = DinUnit(d, hidden, acts, g)
        scale = 1 / math.sqrt(d) if softmax else None
        with torch.no_grad():
            weights, out = unit(f64(q), f64(k), valid, scale)
        inputs = {"q": q, "k": k}
        names = []
        for i, (lin, act, name) in enumerate(zip(unit.layers, unit.acts, acts)):
            inputs[f"layers.{i}.weight"] = lin.weight
            inputs[f"layers.{i}.bias"] = lin.bias
            kind = "prelu" if name.startswith("prelu") else name
            names.append(kind)
            if kind == "prelu":
                inputs[f"act.{i}.weight"] = act.weight
            elif kind == "dice":
                inputs[f"act.{i}.running_mean"] = act.bn.running_mean
                inputs[f"act.{i}.running_var"] = act.bn.running_var
                inputs[f"act.{i}.weight"] = act.bn.weight
                inputs[f"act.{i}.bias"] = act.bn.bias
                inputs[f"act.{i}.alpha"] = act.alpha
        inputs["out.weight"] = unit.out.weight
        inputs["out.bias"] = unit.out.bias
        params = {"valid": valid, "activations": ",".join(names)}
        if "dice" in names:
            params["dice_eps"] = 1e-8
        if softmax:
            params["softmax_scale"] = scale
        save_case(FAMILY, case, "din_attention", inputs, {"weights": weights, "out": out},
                  source="nn.Linear/nn.Sigmoid/nn.PReLU/nn.ReLU/Dice(BatchNorm1d eval) MLP on "
                         "torch.cat([q, k, q - k, q * k]); weights past valid 0"
                         + (" (softmax(scale * logits) variant)" if softmax else "") + "; out = weights @ k",
                  **params)


def main():
    target_attention_cases()
    target_scores_and_pool_cases()
    gathered_cases()
    self_attention_cases()
    din_cases()


if __name__ == "__main__":
    main()
