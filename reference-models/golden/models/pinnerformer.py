"""PinnerFormer (Pancha et al., Pinterest, KDD 2022, arXiv 2205.04507): PyTorch reference for seqrec.

**There is no public code.** This module is seqrec's executable definition of the model, built from
the paper's description (MODELS.md 15.3, choice table: "PinnerFormer = paper (no code)"): each of the
user's most recent M actions becomes a feature vector (the pin's PinSage embedding, the action type,
time features), a linear projection maps it to d_model, learned positions are added, a causal
pre-LN ("GPT-2 like") transformer encodes the sequence, an MLP head and L2 normalisation give the
user embedding; pins are embedded by an MLP over their PinSage vector and L2-normalised; scoring is
the dot product (the dense all-action loss exists only in training). Details the paper leaves open
are fixed here and are part of the definition:

    features_t = [E_item[i_t] (32, frozen PinSage stand-in); E_act[a_t] (16);
                  log1p(gap_t); sin, cos(2 pi phase_day(t)); sin, cos(2 pi phase_week(t))]   (53)
        gap_t = t_t - t_{t-1} in seconds (0 for the oldest kept action; negative gaps count 0)
        phase_P(t) = (t mod P) / P with P = 86400 and 604800, t in seconds (integer mod, exact)
    x_0   = W_in features + b_in + P[slot]             (slot 0 = the oldest kept action)
    block = nn.TransformerEncoderLayer(norm_first=True, GELU (erf), LN eps 1e-5), causal + key padding
    h     = LN_final(x)                               (nn.TransformerEncoder's final norm)
    user  = L2(W_2 GELU(W_1 h[len-1] + b_1) + b_2)    (x / max(|x|, 1e-6))
    item  = L2(W_item E_item[i] + b_item);   logit(i) = user . item
Empty history: the user vector is zero.

Tensor names: ``item_emb.weight`` [n_items+1, 32], ``action_emb.weight`` [n_actions+1, 16],
``in_proj.*`` [d, 53], ``pos_emb.weight`` [max_len, d], ``encoder.layers.{i}.{self_attn.*, linear1.*,
linear2.*, norm1.*, norm2.*}`` (norm1 before attention), ``encoder.norm.*``, ``user_head.{0,2}.*``,
``item_tower.*`` [d_out, 32].
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from _common import length_mask

SOURCE = ("PinnerFormer (Pancha et al., KDD 2022) - no public code: this module is the definition "
          "(PinSage+action+time features, linear in, learned positions, causal pre-LN GELU encoder, MLP head, L2)")

HPARAMS = dict(n_items=300, n_actions=8, item_emb_dim=32, action_emb_dim=16, d_model=64, num_layers=2, num_heads=2,
               dim_feedforward=128, d_out=64, max_len=128, ln_eps=1e-5, l2_eps=1e-6)

DAY, WEEK = 86400, 604800
N_TIME_FEATURES = 5


def time_features(hist_times, hist_len):
    """[B, L] seconds -> [B, L, 5] float64 (zero on padding)."""
    B, L = hist_times.shape
    valid = length_mask(hist_len, L)
    prev = torch.cat([hist_times[:, :1], hist_times[:, :-1]], dim=1)
    gap = (hist_times - prev).clamp(min=0).double()
    feats = [torch.log1p(gap)]
    for period in (DAY, WEEK):
        phase = torch.remainder(hist_times, period).double() / period
        feats += [torch.sin(2 * math.pi * phase), torch.cos(2 * math.pi * phase)]
    return torch.stack(feats, dim=-1) * valid[..., None]


class PinnerFormer(nn.Module):
    def __init__(self, n_items, n_actions, item_emb_dim, action_emb_dim, d_model, num_layers, num_heads,
                 dim_feedforward, d_out, max_len, ln_eps=1e-5, l2_eps=1e-6):
        super().__init__()
        self.max_len, self.l2_eps = max_len, l2_eps
        self.item_emb = nn.Embedding(n_items + 1, item_emb_dim, padding_idx=0)
        self.action_emb = nn.Embedding(n_actions + 1, action_emb_dim, padding_idx=0)
        self.in_proj = nn.Linear(item_emb_dim + action_emb_dim + N_TIME_FEATURES, d_model)
        self.pos_emb = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(d_model, num_heads, dim_feedforward, dropout=0.0, activation="gelu",
                                           layer_norm_eps=ln_eps, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model, eps=ln_eps),
                                             enable_nested_tensor=False)
        self.user_head = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, d_out))
        self.item_tower = nn.Linear(item_emb_dim, d_out)

    def user_embedding(self, hist_items, hist_actions, hist_times, hist_len):
        B, L = hist_items.shape
        if L > self.max_len:
            raise ValueError(f"history of {L} slots exceeds max_len {self.max_len}")
        valid = length_mask(hist_len, L)
        dtype = self.in_proj.weight.dtype
        f = torch.cat([self.item_emb(hist_items * valid), self.action_emb(hist_actions * valid),
                       time_features(hist_times, hist_len).to(dtype)], dim=-1)
        x = self.in_proj(f) + self.pos_emb.weight[None, :L]
        causal = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)
        empty = hist_len == 0
        pad = ~valid & ~empty[:, None]
        h = self.encoder(x, mask=causal, src_key_padding_mask=pad)
        u = self.user_head(h[torch.arange(B), (hist_len - 1).clamp(min=0)])
        u = u / u.norm(dim=-1, keepdim=True).clamp(min=self.l2_eps)
        return u.masked_fill(empty[:, None], 0.0)

    def item_table(self):
        """L2(item_tower(E_item)) for every id [n_items+1, d_out]; row 0 (padding) is set to zero."""
        t = self.item_tower(self.item_emb.weight)
        t = t / t.norm(dim=-1, keepdim=True).clamp(min=self.l2_eps)
        return torch.cat([torch.zeros_like(t[:1]), t[1:]], dim=0)

    def forward(self, hist_items, hist_actions, hist_times, hist_len, cand_items):
        u = self.user_embedding(hist_items, hist_actions, hist_times, hist_len)
        return torch.einsum("bd,bcd->bc", u, self.item_table()[cand_items])


def build(hp=HPARAMS):
    return PinnerFormer(hp["n_items"], hp["n_actions"], hp["item_emb_dim"], hp["action_emb_dim"], hp["d_model"],
                        hp["num_layers"], hp["num_heads"], hp["dim_feedforward"], hp["d_out"], hp["max_len"],
                        hp["ln_eps"], hp["l2_eps"])
