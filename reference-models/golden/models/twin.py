"""TWIN - TWo-stage Interest Network (Chang et al., Kuaishou, KDD 2023): PyTorch reference for seqrec.

No official code exists. Sources (MODELS.md sections 0.4, 11): TWIN paper section 3 (feature split
into inherent features K_h and user-item cross features K_c, consistency-preserved GSU using the
ESU's own relevance score, top-100, 4 heads); FuxiCTR ``LongCTR/TWIN/TWIN.py`` is a valid golden
only without cross features (MODELS.md 11), so the cross path follows the paper.
Choice (MODELS.md table, "TWIN"): paper - per-behaviour cross-feature bias, top-100, 4 heads.

Inputs per behaviour l: inherent features (item id, category id: identical for every user, so
``K_h W^h`` can be cached per item) and J = 2 cross features given as bucket ids
``hist_cross`` [B, L, J] (e.g. play-time bucket and interaction-gap bucket), embedded with one
table per feature (width H_c = 8). Target: inherent features only.

    K_h[l]  = [E_item; E_cate]                         (32 + 32 = H = 64)
    K_c,j[l]= E_cross_j[hist_cross[l, j]]              (H_c = 8), K = [K_h; K_c,1; K_c,2] (80)
    q       = [E_item[a]; E_cate[a]]                   (64)
    alpha_i[l] = (q W_i^q) . (K_h[l] W_i^k) / sqrt(d_k)            (heads i = 1..4, d_k = 16)
               + sum_j beta_ij (K_c,j[l] . w_ij)                   (paper: (K_c W_i^c) beta_i,
                                                                    one scalar per behaviour)
    CP-GSU: relevance r[l] = mean_i alpha_i[l] over all valid l; keep the top K = 100 (higher
            first, equal: lower slot first). The paper uses "the same attention score" for the
            GSU without saying how heads combine: seqrec takes the mean over heads.
    ESU:    o = W^o [ softmax_{l in top-K}(alpha_1) K W_1^v ; ... ; softmax(alpha_4) K W_4^v ]
            (``nn.MultiheadAttention(64, 4, kdim=64, vdim=80, bias=False)`` with the cross bias
            as its additive float ``attn_mask``); empty history -> o = 0.
    logit = MLP([o; q])                                  (64 -> 32 ReLU -> 1; FuxiCTR LongCTR dnn_hidden_units)

Tensor names: ``emb.item.weight, emb.cate.weight, cross_emb.{0,1}.weight [16, 8],
cross_w.{0,1}.weight [4, 8] (row i = w_ij), cross_beta [4, 2] (beta_ij),
mha.q_proj_weight [64, 64], mha.k_proj_weight [64, 64], mha.v_proj_weight [64, 80]
(heads = consecutive blocks of 16 rows), mha.out_proj.weight [64, 64] (W^o),
mlp.hidden.{0,1}.*, mlp.out.*``.
"""
import abc
import math

import torch
import torch.nn as nn

from _common import MLP, ItemCateEmbedding, gather_slots, length_mask, mha_target_attention, topk_desc

SOURCE = ("TWIN paper (KDD 2023) section 3: inherent/cross split, per-behaviour cross bias, CP-GSU by the "
          "ESU score (mean over heads), top-100, 4 heads; FuxiCTR LongCTR/TWIN for the Kc = 0 structure")

HPARAMS = dict(n_items=200, n_cates=20, d_item=32, d_cate=32, n_cross=2, cross_buckets=16, d_cross=8,
               topk=100, heads=4, mlp_hidden="64,32", activation="relu", max_len=1000)


class TwinBase(nn.Module):
    """Shared TWIN / TWIN-V2 machinery; subclasses define the cross features ``K_c``."""

    def __init__(self, n_items, n_cates, d_item, d_cate, n_cross, cross_width, topk, heads, mlp_hidden,
                 activation):
        super().__init__()
        self.emb = ItemCateEmbedding(n_items, n_cates, d_item, d_cate)
        h = self.emb.dim
        self.cross_w = nn.ModuleList(nn.Linear(cross_width, heads, bias=False) for _ in range(n_cross))
        self.cross_beta = nn.Parameter(torch.zeros(heads, n_cross))
        self.mha = nn.MultiheadAttention(h, heads, kdim=h, vdim=h + n_cross * cross_width, bias=False,
                                         batch_first=True)
        self.mlp = MLP(2 * h, mlp_hidden, activation)
        self.topk, self.heads = topk, heads

    @abc.abstractmethod
    def cross_features(self, hist_cross):
        """[B, L, J, ...] -> list of J tensors [B, L, H_c]: TWIN embeds bucket ids, TWIN-V2 scales
        numeric features; each subclass defines it."""

    def extra_bias(self, batch):
        """Additional per-behaviour bias [B, L] shared by the heads (TWIN-V2: ln n)."""
        return None

    def cross_bias(self, kc):
        """sum_j beta_ij (K_c,j . w_ij) -> [B, L, heads]."""
        terms = [self.cross_w[j](kc[j]) * self.cross_beta[:, j] for j in range(len(kc))]
        return torch.stack(terms, dim=0).sum(0)

    def relevance(self, kh, q, bias):
        """alpha [B, C, heads, L] = per-head scaled dot product + bias [B, L, heads]."""
        B, L, _ = kh.shape
        C = q.shape[1]
        k = (kh @ self.mha.k_proj_weight.t()).reshape(B, L, self.heads, -1)
        qq = (q @ self.mha.q_proj_weight.t()).reshape(B, C, self.heads, -1)
        dot = torch.einsum("blhe,bche->bchl", k, qq) / math.sqrt(qq.shape[-1])
        return dot + bias.permute(0, 2, 1)[:, None, :, :]

    def score(self, hist_items, hist_cates, hist_cross, hist_len, cand_items, cand_cates, extra=None):
        """Returns (logits [B, C], GSU positions [B, C, K'], their validity, alpha [B, C, heads, L])."""
        B, L = hist_items.shape
        C = cand_items.shape[1]
        kh = self.emb(hist_items, hist_cates)                                  # [B, L, H]
        kc = self.cross_features(hist_cross)
        kall = torch.cat([kh] + kc, dim=-1)                                    # [B, L, H + J H_c]
        q = self.emb(cand_items, cand_cates)                                   # [B, C, H]
        bias = self.cross_bias(kc)                                             # [B, L, heads]
        if extra is not None:
            bias = bias + extra[:, :, None]
        alpha = self.relevance(kh, q, bias)                                    # [B, C, heads, L]
        valid = length_mask(hist_len, L)[:, None, :].expand(B, C, L)
        idx, sel = topk_desc(alpha.mean(dim=2), valid, self.topk)              # CP-GSU
        K = idx.shape[-1]
        keys = gather_slots(kh, idx).reshape(B * C, K, -1)
        values = gather_slots(kall, idx).reshape(B * C, K, -1)
        sel_bias = gather_slots(bias, idx)                                     # [B, C, K, heads]
        sel_bias = sel_bias.permute(0, 1, 3, 2).reshape(B * C, self.heads, K)
        o = mha_target_attention(self.mha, q.reshape(B * C, -1), keys, values, sel.reshape(B * C, K),
                                 sel_bias).reshape(B, C, -1)
        logits = self.mlp(torch.cat([o, q], dim=-1)).squeeze(-1)
        return logits, idx, sel, alpha


class TWIN(TwinBase):
    def __init__(self, n_items, n_cates, d_item=32, d_cate=32, n_cross=2, cross_buckets=16, d_cross=8, topk=100,
                 heads=4, mlp_hidden=(64, 32), activation="relu"):
        super().__init__(n_items, n_cates, d_item, d_cate, n_cross, d_cross, topk, heads, mlp_hidden, activation)
        self.cross_emb = nn.ModuleList(nn.Embedding(cross_buckets, d_cross) for _ in range(n_cross))

    def cross_features(self, hist_cross):
        return [self.cross_emb[j](hist_cross[:, :, j]) for j in range(len(self.cross_emb))]

    def forward(self, hist_items, hist_cates, hist_cross, hist_len, cand_items, cand_cates):
        """hist_items/cates [B, L], hist_cross [B, L, J] bucket ids, hist_len [B], cand_* [B, C]
        -> logits [B, C]."""
        return self.score(hist_items, hist_cates, hist_cross, hist_len, cand_items, cand_cates)[0]


def build(hp=HPARAMS):
    return TWIN(hp["n_items"], hp["n_cates"], hp["d_item"], hp["d_cate"], hp["n_cross"], hp["cross_buckets"],
                hp["d_cross"], hp["topk"], hp["heads"], tuple(int(x) for x in hp["mlp_hidden"].split(",")),
                hp["activation"])
