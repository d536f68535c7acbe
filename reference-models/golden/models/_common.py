"""Building blocks shared by the target-attention reference models (DIN ... TIM).

Everything here is either a PyTorch module used as is (nn.Embedding(padding_idx=0), nn.Linear,
nn.BatchNorm1d in eval mode, nn.PReLU, softmax) or one of the MODELS.md section 0 definitions
written with tensor ops where PyTorch has no module (Dice, masked softmax with the "fully masked
row gives zeros" rule, top-k with seqrec's tie rule, integer log2 time buckets).

Conventions shared by every model of this family (README.md next to this file repeats them):

* A batch is B users; each user has a history of L slots, **right-padded**: slots 0..len-1 hold
  the behaviours oldest first (slot len-1 = most recent), slots len..L-1 hold id 0. Padding is
  masked, it contributes exactly nothing. ``hist_len`` [B] gives len; the padding mask used by
  every model is ``slot < len`` (ids at those slots are 0 by construction).
* C candidates per user: ``cand_items`` [B, C], ``cand_cates`` [B, C] (ids >= 1).
* Outputs: pre-sigmoid logits [B, C]; probabilities are ``sigmoid(logits)``.
"""
import copy
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from seqrec_golden import ROOT, save_safetensors

MODELS_ROOT = os.path.join(ROOT, "models")


# --------------------------------------------------------------------------------------------
# layers


class Dice(nn.Module):
    """Dice in eval form (DIN paper section 5; MODELS.md 0.2, "recommended kernel").

    ``p = sigmoid(BN(s))`` with ``BN = nn.BatchNorm1d(eps, affine=True)`` in eval mode (running
    statistics from the weight file), ``out = p * s + (1 - p) * alpha * s`` with a per-channel
    ``alpha`` (DeepCTR-Torch layout). Tensor names: ``bn.weight, bn.bias, bn.running_mean,
    bn.running_var, bn.num_batches_tracked`` (the last one is bookkeeping, ignored), ``alpha``.
    The channel axis is the last axis; leading axes are flattened, so the statistics are per
    channel whatever the rank (FuxiCTR flattens the attention input the same way).
    """

    def __init__(self, channels, eps=1e-8):
        super().__init__()
        self.bn = nn.BatchNorm1d(channels, eps=eps)
        self.alpha = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        shape = x.shape
        p = torch.sigmoid(self.bn(x.reshape(-1, shape[-1]))).reshape(shape)
        return p * x + (1.0 - p) * self.alpha * x


def activation(kind, channels):
    """'dice' | 'prelu' (nn.PReLU, one shared slope as DeepCTR-Torch) | 'relu' | 'sigmoid' | 'silu'
    (x sigmoid(x): RecBole's Dice, whose alpha is a constant zero)."""
    if kind == "dice":
        return Dice(channels)
    if kind == "prelu":
        return nn.PReLU()
    if kind == "relu":
        return nn.ReLU()
    if kind == "sigmoid":
        return nn.Sigmoid()
    if kind == "silu":
        return nn.SiLU()
    raise ValueError(kind)


class MLP(nn.Module):
    """Linear -> act -> ... -> Linear(out): tensor names ``hidden.{i}.weight/bias``,
    ``act.{i}.*`` (Dice/PReLU parameters), ``out.weight/bias``. No activation after ``out``."""

    def __init__(self, in_dim, hidden, act, out_dim=1):
        super().__init__()
        dims = [in_dim] + list(hidden)
        self.hidden = nn.ModuleList(nn.Linear(dims[i], dims[i + 1]) for i in range(len(hidden)))
        self.act = nn.ModuleList(activation(act, h) for h in hidden)
        self.out = nn.Linear(dims[-1], out_dim)

    def forward(self, x):
        for linear, act in zip(self.hidden, self.act):
            x = act(linear(x))
        return self.out(x)


class ItemCateEmbedding(nn.Module):
    """``e = [E_item[id]; E_cate[cate]]`` (DIN/DIEN/SIM/ETA/TWIN/TIM all concatenate item and
    category embeddings). Both tables use ``padding_idx=0``: row 0 is zero and stays in the file.
    Tensor names: ``item.weight`` [n_items+1, d_item], ``cate.weight`` [n_cates+1, d_cate]."""

    def __init__(self, n_items, n_cates, d_item, d_cate):
        super().__init__()
        self.item = nn.Embedding(n_items + 1, d_item, padding_idx=0)
        self.cate = nn.Embedding(n_cates + 1, d_cate, padding_idx=0)

    @property
    def dim(self):
        return self.item.embedding_dim + self.cate.embedding_dim

    def forward(self, items, cates):
        return torch.cat([self.item(items), self.cate(cates)], dim=-1)


# --------------------------------------------------------------------------------------------
# functions


def length_mask(hist_len, L):
    """[B] lengths -> [B, L] bool, True on valid (non-padding) slots."""
    return torch.arange(L, device=hist_len.device)[None, :] < hist_len[:, None]


def masked_softmax(scores, mask, dim=-1):
    """softmax over ``dim`` of the valid entries; masked entries get exactly 0 and a fully
    masked row gives all zeros (MODELS.md choice table), never NaN."""
    any_valid = mask.any(dim=dim, keepdim=True)
    s = scores.masked_fill(~mask, float("-inf"))
    s = torch.where(any_valid, s, torch.zeros_like(s))
    return F.softmax(s, dim=dim) * mask.to(scores.dtype)


def topk_desc(scores, valid, k):
    """Top-k by score with seqrec's tie rule: higher score first, equal scores lower position
    first (a stable descending sort). Invalid positions rank after every valid one.
    Returns ``(idx, sel)``: positions [..., min(k, L)] in selection order and whether each
    selected position is valid (False only when fewer than k positions are valid)."""
    s = scores.masked_fill(~valid, float("-inf"))
    order = torch.sort(s, dim=-1, descending=True, stable=True).indices
    idx = order[..., : min(k, scores.shape[-1])]
    return idx, torch.gather(valid, -1, idx)


def topk_asc(dist, valid, k):
    """k smallest integer distances, ties: lower position first (stable ascending sort)."""
    big = torch.iinfo(dist.dtype).max
    d = dist.masked_fill(~valid, big)
    order = torch.sort(d, dim=-1, stable=True).indices
    idx = order[..., : min(k, dist.shape[-1])]
    return idx, torch.gather(valid, -1, idx)


def gather_slots(x, idx):
    """``x`` [B, L, ...] (a per-user value shared by the C candidates) gathered along the slot
    axis with ``idx`` [B, C, K] -> [B, C, K, ...]."""
    B, C, K = idx.shape
    src = x.unsqueeze(1).expand(B, C, *x.shape[1:])
    tail = src.shape[3:]
    index = idx.reshape(B, C, K, *([1] * len(tail))).expand(B, C, K, *tail)
    return torch.gather(src, 2, index)


def gather_cand_slots(x, idx):
    """``x`` [B, C, L, ...] (one value per candidate and slot) gathered with idx [B, C, K]."""
    B, C, K = idx.shape
    tail = x.shape[3:]
    index = idx.reshape(B, C, K, *([1] * len(tail))).expand(B, C, K, *tail)
    return torch.gather(x, 2, index)


def time_bucket(delta, n_buckets):
    """Integer log2 bucket of a non-negative time gap in seconds: ``bit_length(delta)``, i.e.
    0 -> 0, 1 -> 1, 2..3 -> 2, 4..7 -> 3, ..., clamped to ``n_buckets - 1``; negative gaps
    (an action after the request) count as 0. Java: ``64 - Long.numberOfLeadingZeros(delta)``.
    Exact integer math, so no floating-point log can put a boundary value in another bucket."""
    d = delta.clamp(min=0)
    bits = torch.zeros_like(d)
    v = d.clone()
    for _ in range(63):
        nz = v > 0
        if not bool(nz.any()):
            break
        bits = bits + nz.to(bits.dtype)
        v = torch.div(v, 2, rounding_mode="floor")
    return bits.clamp(max=n_buckets - 1)


# --------------------------------------------------------------------------------------------
# random weights and golden files


def randomize(module, g, emb_scale=0.5):
    """Fills every parameter and buffer from the generator ``g`` (deterministic, independent of
    torch's global RNG): embeddings U(-emb_scale, emb_scale) with row padding_idx zeroed,
    weight matrices U(-sqrt(6/fan_in), sqrt(6/fan_in)) (Kaiming-uniform: activations keep their
    scale through the layers, so logits and attention weights vary visibly with the inputs), biases U(-0.1, 0.1), BatchNorm running
    statistics and affine parameters non-trivial (mean U(-0.3,0.3), var U(0.5,2), weight
    U(0.5,1.5), bias U(-0.3,0.3)), Dice alpha U(-0.5,0.5), PReLU slope U(0,0.5), parameters
    marked ``_seqrec_gaussian`` (ETA's fixed projection) N(0, 1).
    Parameters are visited in ``named_parameters`` order, buffers after them."""

    def u(shape, lo, hi):
        return torch.rand(*shape, generator=g, dtype=torch.float64).mul(hi - lo).add(lo).to(torch.float32)

    with torch.no_grad():
        for mod_name, mod in module.named_modules():
            for name, p in list(mod.named_parameters(recurse=False)):
                if getattr(p, "_seqrec_gaussian", False):
                    p.copy_(torch.randn(*p.shape, generator=g, dtype=torch.float64).to(torch.float32))
                elif isinstance(mod, nn.Embedding) and name == "weight":
                    p.copy_(u(p.shape, -emb_scale, emb_scale))
                    if mod.padding_idx is not None:
                        p[mod.padding_idx].zero_()
                elif isinstance(mod, nn.BatchNorm1d):
                    p.copy_(u(p.shape, 0.5, 1.5) if name == "weight" else u(p.shape, -0.3, 0.3))
                elif isinstance(mod, Dice) and name == "alpha":
                    p.copy_(u(p.shape, -0.5, 0.5))
                elif isinstance(mod, nn.PReLU):
                    p.copy_(u(p.shape, 0.0, 0.5))
                elif p.dim() >= 2:
                    bound = math.sqrt(6.0 / p.shape[-1])
                    p.copy_(u(p.shape, -bound, bound))
                else:
                    p.copy_(u(p.shape, -0.1, 0.1))
            if isinstance(mod, nn.BatchNorm1d):
                mod.running_mean.copy_(u(mod.running_mean.shape, -0.3, 0.3))
                mod.running_var.copy_(u(mod.running_var.shape, 0.5, 2.0))
    module.eval()
    return module


def as_float64(model):
    """A float64 copy of a float32 model in eval mode (goldens are computed in float64 from the
    float32 weights that are stored)."""
    m = copy.deepcopy(model).double()
    m.eval()
    return m


def hparam_strings(hp):
    return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in hp.items()}


def save_weights(model_name, model, source, hp, file="weights"):
    """``models/<model>/<file>.safetensors``: every state_dict entry under its key, float32
    (integer buffers such as BatchNorm's num_batches_tracked keep their dtype). A second weight
    file of a model (another layout) is named by its batches' ``weights`` metadata."""
    tensors = {}
    for k, v in model.state_dict().items():
        tensors[k] = v.to(torch.float32) if v.is_floating_point() else v
    meta = {"model": model_name, "source": source}
    meta.update(hparam_strings(hp))
    path = os.path.join(MODELS_ROOT, model_name, file + ".safetensors")
    save_safetensors(path, tensors, meta)
    return path


def save_batch(model_name, case, inputs, expected, source, hp, extra_meta=None):
    """``models/<model>/batch_<case>.safetensors``: inputs under their names, expected outputs
    under ``expected.<name>`` (floats as float32, integers kept)."""
    tensors = {}
    for k, v in inputs.items():
        tensors[k] = v.to(torch.float32) if v.is_floating_point() else v
    for k, v in expected.items():
        tensors["expected." + k] = v.to(torch.float32) if v.is_floating_point() else v
    meta = {"model": model_name, "case": case, "source": source}
    meta.update(hparam_strings(hp))
    if extra_meta:
        meta.update(hparam_strings(extra_meta))
    path = os.path.join(MODELS_ROOT, model_name, f"batch_{case}.safetensors")
    save_safetensors(path, tensors, meta)
    return path


def check_topk_margin(scores, valid, k, what, rel=1e-5):
    """Raises unless the k-th and (k+1)-th valid scores are either exactly equal (identical
    inputs, resolved by the position rule) or apart by more than ``rel`` times the score scale:
    a float32 implementation must select the same set as this float64 reference."""
    s = scores.masked_fill(~valid, float("-inf"))
    srt = torch.sort(s, dim=-1, descending=True).values
    n_valid = valid.sum(-1)
    scale = scores.abs().masked_fill(~valid, 0).amax(-1).clamp(min=1e-12)
    bad = []
    flat_srt = srt.reshape(-1, srt.shape[-1])
    flat_n = n_valid.reshape(-1)
    flat_scale = scale.reshape(-1)
    for r in range(flat_srt.shape[0]):
        if flat_n[r] <= k:
            continue
        gap = float(flat_srt[r, k - 1] - flat_srt[r, k])
        if gap != 0.0 and gap < rel * float(flat_scale[r]):
            bad.append(r)
    return bad


def mha_target_attention(mha, query, keys, values, sel, bias=None):
    """Target attention with ``nn.MultiheadAttention`` (batch_first): one query per row.

    query [N, E], keys [N, K, kdim], values [N, K, vdim], sel [N, K] (True = attend),
    bias [N, heads, K] optional additive per-head score bias (TWIN's cross-feature term, passed
    as a float ``attn_mask`` of shape [N * heads, 1, K], which PyTorch adds to q.k/sqrt(dh)).
    Returns [N, E] = out_proj(concat_h softmax_k(...) V_h). A row with no selected key returns
    zeros (PyTorch alone would give NaN for it): its mask is lifted for the call and the row
    zeroed afterwards, before ``out_proj`` has any effect that matters (out_proj has no bias).
    """
    N, K = sel.shape
    if K == 0:
        return query.new_zeros(N, mha.embed_dim)
    empty = ~sel.any(dim=1)
    pad = ~(sel | empty[:, None])
    attn_mask = None
    if bias is not None:
        attn_mask = bias.reshape(N * mha.num_heads, 1, K)
    out, _ = mha(query[:, None, :], keys, values, key_padding_mask=pad, attn_mask=attn_mask,
                 need_weights=False)
    return out[:, 0, :].masked_fill(empty[:, None], 0.0)
