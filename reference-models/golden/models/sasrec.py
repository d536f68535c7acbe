"""SASRec - Self-Attentive Sequential Recommendation (Kang & McAuley, ICDM 2018): PyTorch reference.

Sources (MODELS.md 15.4 and the choice table: "SASRec = pmixer/SASRec.pytorch, post-LN default"):
pmixer/SASRec.pytorch ``python/model.py`` (``SASRec.log2feats``, ``predict``, ``PointWiseFeedForward``);
kang205/SASRec (TF, the paper's code) for the pre-LN variant (``norm_first=True``).

    x_0   = E_item[s] * sqrt(d) + P[pos]                    (pos 0 = padding row, zero)
    block (post-LN, pmixer default):
        x = LN(x + MHA(x, x, x; causal))                    (nn.MultiheadAttention, biases on)
        x = LN(x + W_2 ReLU(W_1 x + b_1) + b_2)             (Conv1d kernel 1 = a position-wise Linear)
    block (pre-LN, norm_first=True): x = x + MHA(LN(x)); x = x + FFN(LN(x))
    h     = LN_last(x)                                      (every LayerNorm eps = 1e-8)
    user  = h[len - 1];  logit(i) = user . E_item[i]        (the raw item row, not scaled)

Where seqrec departs from pmixer, and why:
* **Padding is masked.** pmixer left-pads and lets every query attend the padded (zero-embedding)
  positions before it; seqrec's choice table masks padding (it contributes exactly nothing), so
  keys at padded slots are excluded (``key_padding_mask``). With padding masked, left and right
  padding give the same numbers; seqrec's histories are right-padded (slot len-1 = most recent).
* **Position anchor** (``pos_anchor``): pmixer numbers the left-padded window 1..maxlen, so the
  most recent action always sits at position ``max_len`` and the oldest kept one at
  ``max_len - len + 1`` (``pos_anchor="latest"``, golden ``batch_latest_padded``). Then every
  appended action re-positions the whole history and no key/value can be reused. seqrec's
  default ``pos_anchor="oldest"`` numbers the kept window from its oldest action (position
  ``slot + 1``, RecBole's convention up to the padding row), which makes causal SASRec
  incremental: a new action leaves every earlier position's keys and values unchanged.
  The weights are the same tensors either way.
* Empty history (len 0): the user vector is zero (no position to read), every logit is 0.

Tensor names are pmixer's ``state_dict`` keys, so a pmixer checkpoint loads as is:
``item_emb.weight`` [n_items+1, d], ``pos_emb.weight`` [max_len+1, d],
``attention_layernorms.{i}.{weight,bias}``, ``attention_layers.{i}.in_proj_weight`` [3d, d]
(rows W_q, W_k, W_v; heads are consecutive d/h-row blocks), ``.in_proj_bias``,
``.out_proj.{weight,bias}``, ``forward_layernorms.{i}.*``, ``forward_layers.{i}.conv{1,2}.weight``
[d, d, 1] and ``.bias``, ``last_layernorm.*``.
"""
import math

import torch
import torch.nn as nn

from _common import length_mask

SOURCE = ("SASRec (Kang & McAuley 2018); pmixer/SASRec.pytorch python/model.py (post-LN default, LN eps 1e-8, "
          "Conv1d k=1 FFN); padding masked and positions anchored at the oldest kept action (seqrec choices)")

HPARAMS = dict(n_items=300, hidden=50, num_blocks=2, num_heads=2, max_len=200, norm_first=False,
               pos_anchor="oldest", ln_eps=1e-8)


class PointWiseFeedForward(nn.Module):
    """pmixer's FFN: two Conv1d with kernel 1 (i.e. position-wise Linear layers), ReLU between."""

    def __init__(self, hidden):
        super().__init__()
        self.conv1 = nn.Conv1d(hidden, hidden, kernel_size=1)
        self.conv2 = nn.Conv1d(hidden, hidden, kernel_size=1)

    def forward(self, x):                                     # [B, L, d]
        return self.conv2(torch.relu(self.conv1(x.transpose(-1, -2)))).transpose(-1, -2)


class SASRec(nn.Module):
    def __init__(self, n_items, hidden, num_blocks, num_heads, max_len, norm_first=False, pos_anchor="oldest",
                 ln_eps=1e-8):
        super().__init__()
        if pos_anchor not in ("oldest", "latest"):
            raise ValueError(pos_anchor)
        self.max_len, self.norm_first, self.pos_anchor = max_len, norm_first, pos_anchor
        self.item_emb = nn.Embedding(n_items + 1, hidden, padding_idx=0)
        self.pos_emb = nn.Embedding(max_len + 1, hidden, padding_idx=0)
        self.attention_layernorms = nn.ModuleList(nn.LayerNorm(hidden, eps=ln_eps) for _ in range(num_blocks))
        self.attention_layers = nn.ModuleList(nn.MultiheadAttention(hidden, num_heads) for _ in range(num_blocks))
        self.forward_layernorms = nn.ModuleList(nn.LayerNorm(hidden, eps=ln_eps) for _ in range(num_blocks))
        self.forward_layers = nn.ModuleList(PointWiseFeedForward(hidden) for _ in range(num_blocks))
        self.last_layernorm = nn.LayerNorm(hidden, eps=ln_eps)

    @property
    def n_items(self):
        return self.item_emb.num_embeddings - 1

    def positions(self, hist_len, L):
        """Position-table row of every slot (0 on padding)."""
        slot = torch.arange(L)[None, :].expand(hist_len.shape[0], L)
        valid = length_mask(hist_len, L)
        if self.pos_anchor == "oldest":
            pos = slot + 1
        else:  # pmixer: the most recent action at max_len
            pos = self.max_len - hist_len[:, None] + 1 + slot
        return pos * valid

    def encode(self, hist_items, hist_len):
        """[B, L] right-padded ids -> [B, L, d] outputs of every position (padded rows are defined
        but unused: they attend the valid keys before them)."""
        B, L = hist_items.shape
        if L > self.max_len:
            raise ValueError(f"history of {L} slots exceeds max_len {self.max_len}")
        valid = length_mask(hist_len, L)
        d = self.item_emb.embedding_dim
        x = self.item_emb(hist_items) * math.sqrt(d) + self.pos_emb(self.positions(hist_len, L))
        causal = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)   # True = not attended
        empty = hist_len == 0
        pad = ~valid & ~empty[:, None]        # an empty history attends its padding (then discarded)
        for ln_a, mha, ln_f, ffn in zip(self.attention_layernorms, self.attention_layers,
                                        self.forward_layernorms, self.forward_layers):
            if self.norm_first:
                q = ln_a(x).transpose(0, 1)
                a, _ = mha(q, q, q, attn_mask=causal, key_padding_mask=pad, need_weights=False)
                x = x + a.transpose(0, 1)
                x = x + ffn(ln_f(x))
            else:
                s = x.transpose(0, 1)
                a, _ = mha(s, s, s, attn_mask=causal, key_padding_mask=pad, need_weights=False)
                x = ln_a(x + a.transpose(0, 1))
                x = ln_f(x + ffn(x))
        return self.last_layernorm(x)

    def user_embedding(self, hist_items, hist_len):
        h = self.encode(hist_items, hist_len)
        last = (hist_len - 1).clamp(min=0)
        u = h[torch.arange(h.shape[0]), last]
        return u.masked_fill((hist_len == 0)[:, None], 0.0)

    def item_table(self):
        """The catalogue rows scored against the user vector, [n_items+1, d] (row 0 = padding)."""
        return self.item_emb.weight

    def forward(self, hist_items, hist_len, cand_items):
        """-> logits [B, C] = user . E_item[cand]."""
        u = self.user_embedding(hist_items, hist_len)
        return torch.einsum("bd,bcd->bc", u, self.item_emb(cand_items))


def build(hp=HPARAMS):
    return SASRec(hp["n_items"], hp["hidden"], hp["num_blocks"], hp["num_heads"], hp["max_len"], hp["norm_first"],
                  hp["pos_anchor"], hp["ln_eps"])
