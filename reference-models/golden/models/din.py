"""DIN - Deep Interest Network (Zhou et al., KDD 2018): PyTorch reference for seqrec.

Sources (MODELS.md sections 0.2, 0.5, 7): DIN paper sections 4.3 (local activation unit) and 5
(Dice); DeepCTR-Torch ``models/din.py`` + ``layers/sequence.py::AttentionSequencePoolingLayer`` +
``layers/core.py::LocalActivationUnit``; FuxiCTR ``model_zoo/DIN/src/DIN.py`` (``DIN_Attention``);
official TF zhougr1993/DeepInterestNetwork ``din/model.py`` for the softmax variant and sizes.

Choice followed (MODELS.md choice table: "DIN attention"): the paper/DeepCTR/FuxiCTR form.

    e_l = [E_item[i_l]; E_cate[c_l]]             (d = 64 + 64, official TF sizes)
    t   = [E_item[i_a]; E_cate[c_a]]
    w_l = MLP_att([t; e_l; t - e_l; t * e_l])    (80 -> 40, Dice, then Linear(1); no softmax)
    u   = sum_{l valid} w_l e_l                  (padding contributes nothing)
    logit = MLP([u; t; u * t])                   (200 -> 80, Dice, then Linear(1))

Peer forms (defaults = the form above; FuxiCTR / DeepCTR-Torch checkpoints use the others):
``att_activation`` (the activation unit's own activation, ``"same"`` = ``activation``),
``softmax_scale="none"`` (softmax of the raw scores), ``empty_softmax="padding"`` (with softmax,
an empty history pools the padding row ``[E_item[0]; E_cate[0]]``: the peers' uniform weights
over padding), ``mlp_input="target_pooled"`` (final input ``[t; u]``, the peers' feature
concatenation).

``softmax=True`` gives the official TF form of the attention: ``w = masked_softmax(score /
sqrt(d))`` (a fully masked row gives zeros). The final input ``[u; t; u*t]`` is the official TF
layout (DIN's paper concatenates the pooled vector with the target and other features; here there
are no user-profile or context features). Dice is the eval form (MODELS.md 0.2) with
``BatchNorm1d(eps=1e-8)`` running statistics stored in the weights. Empty history: u = 0.

Tensor names: ``emb.item.weight, emb.cate.weight, att.hidden.{0,1}.weight/bias,
att.act.{0,1}.{alpha, bn.weight, bn.bias, bn.running_mean, bn.running_var,
bn.num_batches_tracked}, att.out.weight/bias, mlp.hidden.{0,1}.*, mlp.act.{0,1}.*, mlp.out.*``.
"""
import math

import torch
import torch.nn as nn

from _common import MLP, ItemCateEmbedding, length_mask, masked_softmax

SOURCE = ("DIN paper (KDD 2018) 4.3/5 + DeepCTR-Torch LocalActivationUnit / FuxiCTR DIN_Attention "
          "(no softmax, Dice eval); official TF DeepInterestNetwork for softmax/sqrt(d) variant and sizes")

HPARAMS = dict(n_items=200, n_cates=20, d_item=64, d_cate=64, att_hidden="80,40", mlp_hidden="200,80",
               activation="dice", dice_eps=1e-8, softmax=False, max_len=100)


class DIN(nn.Module):
    def __init__(self, n_items, n_cates, d_item, d_cate, att_hidden=(80, 40), mlp_hidden=(200, 80),
                 activation="dice", softmax=False, att_activation="same", softmax_scale="sqrt_d",
                 empty_softmax="zero", mlp_input="pooled_target_product"):
        super().__init__()
        self.emb = ItemCateEmbedding(n_items, n_cates, d_item, d_cate)
        d = self.emb.dim
        self.att = MLP(4 * d, att_hidden, activation if att_activation == "same" else att_activation)
        self.mlp = MLP((3 if mlp_input == "pooled_target_product" else 2) * d, mlp_hidden, activation)
        self.softmax = softmax
        self.softmax_scale = softmax_scale
        self.empty_softmax = empty_softmax
        self.mlp_input = mlp_input

    def forward(self, hist_items, hist_cates, hist_len, cand_items, cand_cates):
        """hist_* [B, L], hist_len [B], cand_* [B, C] -> logits [B, C]."""
        B, L = hist_items.shape
        C = cand_items.shape[1]
        e = self.emb(hist_items, hist_cates)                      # [B, L, d]
        t = self.emb(cand_items, cand_cates)                      # [B, C, d]
        mask = length_mask(hist_len, L)[:, None, :].expand(B, C, L)
        ee = e[:, None, :, :].expand(B, C, L, e.shape[-1])
        tt = t[:, :, None, :].expand_as(ee)
        score = self.att(torch.cat([tt, ee, tt - ee, tt * ee], dim=-1)).squeeze(-1)  # [B, C, L]
        if self.softmax:
            scale = math.sqrt(e.shape[-1]) if self.softmax_scale == "sqrt_d" else 1.0
            w = masked_softmax(score / scale, mask)
        else:
            w = score * mask.to(score.dtype)
        u = torch.einsum("bcl,bld->bcd", w, e)
        if self.softmax and self.empty_softmax == "padding":
            zero = torch.zeros(1, 1, dtype=torch.long)
            pad = self.emb(zero, zero)[0, 0]                      # [d], the padding row
            u = torch.where((hist_len == 0)[:, None, None], pad.expand_as(u), u)
        if self.mlp_input == "pooled_target_product":
            x = torch.cat([u, t, u * t], dim=-1)
        else:
            x = torch.cat([t, u], dim=-1)
        return self.mlp(x).squeeze(-1)


def build(hp=HPARAMS):
    return DIN(hp["n_items"], hp["n_cates"], hp["d_item"], hp["d_cate"],
               tuple(int(x) for x in hp["att_hidden"].split(",")),
               tuple(int(x) for x in hp["mlp_hidden"].split(",")), hp["activation"], hp["softmax"],
               hp.get("att_activation", "same"), hp.get("softmax_scale", "sqrt_d"),
               hp.get("empty_softmax", "zero"), hp.get("mlp_input", "pooled_target_product"))


# RecBole's form (its DIN imports): no softmax, sigmoid activation unit, final MLP in SiLU (RecBole's
# Dice has a constant zero alpha; its batch norms fold into the linears), d_item = d_cate:
# weights_silu.safetensors
SILU_HPARAMS = dict(n_items=30, n_cates=6, d_item=4, d_cate=4, att_hidden="10,6", mlp_hidden="10,6",
                    activation="silu", dice_eps=1e-8, softmax=False, max_len=12, att_activation="sigmoid")

# The peers' form (FuxiCTR / DeepCTR-Torch imports), small: weights_peer.safetensors
PEER_HPARAMS = dict(n_items=50, n_cates=8, d_item=8, d_cate=6, att_hidden="16,8", mlp_hidden="12,6",
                    activation="relu", dice_eps=1e-8, softmax=True, max_len=20, att_activation="dice",
                    softmax_scale="none", empty_softmax="padding", mlp_input="target_pooled")
