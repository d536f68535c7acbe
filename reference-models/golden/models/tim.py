"""TIM - Temporal Interest Module (TIN; Zhou, Pan et al., Tencent, WWW 2024): PyTorch reference.

Sources (MODELS.md section 13): arXiv 2308.08487 (target-aware temporal encoding TTE, target-aware
attention TA, target-aware representation TR); survey-post formula
``u = sum_t alpha(e~_t, v~_a) (e~_t * v~_a)`` (Pan et al. 2024, arXiv 2403.00793); official code
zhouxy1003/TIN ``model/tin/tin.py`` for the sizes (item 64 + category 64 = 128) and the head.
Choice (MODELS.md table, "TIM"): paper form ``sum_t alpha_t (e~_t * v~_a)``, computed as
``(sum_t alpha_t e~_t) * v~_a`` (equal exactly).

    e_l   = [E_item; E_cate] (128),  v_a = [E_item[a]; E_cate[a]]
    f(l)  = len - l for valid slot l (the most recent behaviour has 1), f(a) = 0 for the target,
            clamped to max_len: a target-relative position (the official code's 431-row table is
            the longest Amazon history + 1, i.e. positions; seqrec keeps max_len + 1 rows)
    e~_l  = e_l + P[f(l)],   v~_a = v_a + P[0]                         (TTE, "+" = addition)
    alpha = masked_softmax_l(e~_l . v~_a / sqrt(128))                  (TA; empty history -> 0)
    u     = (sum_l alpha_l e~_l) * v~_a                                (TR)
    logit = MLP(BN([u; v~_a])) + b_item[a]                             (head of the official code:
            BatchNorm1d eval (eps 1e-3, the TF default), 80 sigmoid -> 40 sigmoid -> 1, plus a
            per-item bias; the paper only says "MLP")

Tensor names: ``emb.item.weight, emb.cate.weight, pos_emb.weight [max_len+1, 128],
bn.weight/bias/running_mean/running_var/num_batches_tracked [256], mlp.hidden.{0,1}.*, mlp.out.*,
item_bias.weight [n_items+1, 1] (row 0 = 0)``.
"""
import math

import torch
import torch.nn as nn

from _common import MLP, ItemCateEmbedding, length_mask, masked_softmax

SOURCE = ("TIN/TIM paper (arXiv 2308.08487) TTE+TA+TR with relative-position encoding; head, sizes "
          "from zhouxy1003/TIN tin.py")

HPARAMS = dict(n_items=200, n_cates=20, d_item=64, d_cate=64, max_len=100, mlp_hidden="80,40", activation="sigmoid",
               bn_eps=1e-3)


class TIM(nn.Module):
    def __init__(self, n_items, n_cates, d_item=64, d_cate=64, max_len=100, mlp_hidden=(80, 40),
                 activation="sigmoid", bn_eps=1e-3):
        super().__init__()
        self.emb = ItemCateEmbedding(n_items, n_cates, d_item, d_cate)
        d = self.emb.dim
        self.pos_emb = nn.Embedding(max_len + 1, d)
        self.bn = nn.BatchNorm1d(2 * d, eps=bn_eps)
        self.mlp = MLP(2 * d, mlp_hidden, activation)
        self.item_bias = nn.Embedding(n_items + 1, 1, padding_idx=0)
        self.max_len = max_len

    def forward(self, hist_items, hist_cates, hist_len, cand_items, cand_cates):
        """hist_* [B, L], hist_len [B], cand_* [B, C] -> logits [B, C]."""
        B, L = hist_items.shape
        C = cand_items.shape[1]
        valid = length_mask(hist_len, L)
        rel = (hist_len[:, None] - torch.arange(L)[None, :]).clamp(min=0, max=self.max_len) * valid
        e = self.emb(hist_items, hist_cates) + self.pos_emb(rel)              # e~ [B, L, d]
        v = self.emb(cand_items, cand_cates) + self.pos_emb.weight[0]          # v~ [B, C, d]
        mask = valid[:, None, :].expand(B, C, L)
        alpha = masked_softmax(torch.einsum("bld,bcd->bcl", e, v) / math.sqrt(e.shape[-1]), mask)
        u = torch.einsum("bcl,bld->bcd", alpha, e) * v
        x = self.bn(torch.cat([u, v], dim=-1).reshape(B * C, -1)).reshape(B, C, -1)
        return self.mlp(x).squeeze(-1) + self.item_bias(cand_items).squeeze(-1)


def build(hp=HPARAMS):
    return TIM(hp["n_items"], hp["n_cates"], hp["d_item"], hp["d_cate"], hp["max_len"],
               tuple(int(x) for x in hp["mlp_hidden"].split(",")), hp["activation"], hp["bn_eps"])
