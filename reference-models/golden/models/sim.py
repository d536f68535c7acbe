"""SIM - Search-based user Interest Model (Pi, Qi et al., CIKM 2020): PyTorch reference for seqrec.

Sources (MODELS.md section 9): SIM paper section 4 (GSU hard/soft search, ESU with time-interval
embeddings); FuxiCTR ``model_zoo/LongCTR/SIM/SIM.py`` (soft-search GSU, topk 50, heads 2,
attention_dim 64). Choice (MODELS.md table "SIM: paper ESU with time embedding; FuxiCTR soft GSU";
hard search as the other mode).

General Search Unit (per candidate a, over the valid slots of the history):
* hard (``gsu='hard'``): keep the slots whose category equals the candidate's, and of those the
  K most recent (highest slot index; slots are in time order). This is the paper's deployed
  category index; "most recent K" is seqrec's rule where the paper leaves it open.
* soft (``gsu='soft'``): ``r_l = (W_b e_l) . (W_a e_a)``, top-K by r (higher first, equal scores
  lower slot first); padding is masked, never retrieved (FuxiCTR scores padding 0 instead, which
  can let padding outrank negative real behaviours: not copied).
Fewer than K candidates -> all of them are kept; none -> the long-term vector is 0.

Exact Search Unit (paper, read as scaled dot product, MODELS.md 9), over the retrieved set:
    z_j      = [e_j; E_time[bucket(request_time - t_j)]]          (concatenation, as the paper)
    att^i    = masked_softmax_j((W_bi z_j) . (W_ai e_a) / sqrt(dh))   for heads i = 1..h
    head_i   = sum_j att^i_j z_j          (values are z itself: the paper has no value projection)
    U_lt     = [head_1; ...; head_h]
    logit    = MLP([e_a; U_lt])            (64 -> 32 ReLU -> 1; FuxiCTR LongCTR dnn_hidden_units)
``bucket`` is the integer log2 bucket of the gap in seconds (``_common.time_bucket``:
bit_length, clamped to n_time_buckets - 1). The paper's short-term branch (a DIN over recent
behaviours) and other profile features are left out: this module is the long-term path.

Sizes: item 32 + cate 32 = d 64; time embedding 16 (32 buckets); K = 50, 2 heads, attention
dim 64 (FuxiCTR defaults; the paper's K and head count are unverified).

Tensor names: ``emb.item.weight, emb.cate.weight, time_emb.weight, gsu_query.weight [64, 64]
(W_a), gsu_key.weight [64, 64] (W_b), esu_query.weight [64, 64] (W_a, heads stacked by rows),
esu_key.weight [64, 80] (W_b), mlp.hidden.{0,1}.*, mlp.out.*``.
"""
import math

import torch
import torch.nn as nn

from _common import MLP, ItemCateEmbedding, gather_slots, length_mask, masked_softmax, time_bucket, topk_desc

SOURCE = ("SIM paper (CIKM 2020) GSU hard/soft + ESU with time-interval embeddings (concatenated); "
          "FuxiCTR LongCTR/SIM soft-search GSU and defaults")

HPARAMS = dict(n_items=200, n_cates=20, d_item=32, d_cate=32, n_time_buckets=32, d_time=16, topk=50,
               heads=2, attention_dim=64, mlp_hidden="64,32", activation="relu", gsu="soft", max_len=1000)


class SIM(nn.Module):
    def __init__(self, n_items, n_cates, d_item, d_cate, n_time_buckets=32, d_time=16, topk=50, heads=2,
                 attention_dim=64, mlp_hidden=(64, 32), activation="relu", gsu="soft"):
        super().__init__()
        self.emb = ItemCateEmbedding(n_items, n_cates, d_item, d_cate)
        d = self.emb.dim
        self.time_emb = nn.Embedding(n_time_buckets, d_time)
        self.gsu_query = nn.Linear(d, attention_dim, bias=False)
        self.gsu_key = nn.Linear(d, attention_dim, bias=False)
        self.esu_query = nn.Linear(d, attention_dim, bias=False)
        self.esu_key = nn.Linear(d + d_time, attention_dim, bias=False)
        self.mlp = MLP(d + heads * (d + d_time), mlp_hidden, activation)
        self.topk, self.heads, self.gsu = topk, heads, gsu
        self.n_time_buckets = n_time_buckets

    def soft_scores(self, e, t):
        """r [B, C, L] = (W_b e_l) . (W_a e_a)."""
        return torch.einsum("bla,bca->bcl", self.gsu_key(e), self.gsu_query(t))

    def retrieve(self, e, hist_cates, valid, t, cand_cates, gsu=None):
        """GSU: positions idx [B, C, K'] (K' = min(K, L)) and their validity sel [B, C, K']."""
        B, L = hist_cates.shape
        C = cand_cates.shape[1]
        vmask = valid[:, None, :].expand(B, C, L)
        if (gsu or self.gsu) == "soft":
            return topk_desc(self.soft_scores(e, t), vmask, self.topk)
        match = vmask & (hist_cates[:, None, :] == cand_cates[:, :, None])
        recency = torch.arange(L, device=e.device, dtype=e.dtype).expand(B, C, L)
        return topk_desc(recency, match, self.topk)

    def esu_scores(self, z, t):
        """Per-head scaled dot products [B, C, heads, K] between W_b z (z [B, C, K, d+dt]) and
        W_a e_a (t [B, C, d])."""
        B, C, K, _ = z.shape
        k = self.esu_key(z).reshape(B, C, K, self.heads, -1)
        q = self.esu_query(t).reshape(B, C, self.heads, -1)
        return torch.einsum("bckhe,bche->bchk", k, q) / math.sqrt(q.shape[-1])

    def forward(self, hist_items, hist_cates, hist_times, hist_len, request_time, cand_items, cand_cates,
                gsu=None):
        """hist_* [B, L] (times in seconds), hist_len [B], request_time [B], cand_* [B, C]
        -> logits [B, C]."""
        B, L = hist_items.shape
        e = self.emb(hist_items, hist_cates)                                   # [B, L, d]
        t = self.emb(cand_items, cand_cates)                                   # [B, C, d]
        valid = length_mask(hist_len, L)
        idx, sel = self.retrieve(e, hist_cates, valid, t, cand_cates, gsu)
        buckets = time_bucket(request_time[:, None] - hist_times, self.n_time_buckets)
        z_all = torch.cat([e, self.time_emb(buckets)], dim=-1)                 # [B, L, d+dt]
        z = gather_slots(z_all, idx)                                           # [B, C, K, d+dt]
        att = masked_softmax(self.esu_scores(z, t), sel[:, :, None, :])        # [B, C, h, K]
        heads = torch.einsum("bchk,bckz->bchz", att, z).reshape(B, t.shape[1], -1)
        return self.mlp(torch.cat([t, heads], dim=-1)).squeeze(-1)


def build(hp=HPARAMS):
    return SIM(hp["n_items"], hp["n_cates"], hp["d_item"], hp["d_cate"], hp["n_time_buckets"], hp["d_time"],
               hp["topk"], hp["heads"], hp["attention_dim"], tuple(int(x) for x in hp["mlp_hidden"].split(",")),
               hp["activation"], hp["gsu"])
