"""HSTU - Hierarchical Sequential Transduction Units (Zhai et al., ICML 2024): PyTorch reference.

Source (MODELS.md 15.1, choice table: "HSTU = research code: divide by the fixed maximum length N,
ln(.)/0.301 time buckets"): meta-recsys/generative-recommenders
``generative_recommenders/research/modeling/sequential/hstu.py`` (``SequentialTransductionUnitJagged``
with ``linear_config="uvqk"``, ``normalization="rel_bias"``, ``concat_ua=False``;
``RelativeBucketedTimeAndPositionBasedBias``; ``HSTU.generate_user_embeddings``),
``input_features_preprocessors.py`` (``LearnablePositionalEmbeddingInputFeaturesPreprocessor``),
``output_postprocessors.py`` (``L2NormEmbeddingPostprocessor``), ``features.py``
(``movielens_seq_features_from_row``: the target's timestamp is written at slot ``len``), and the
ml-1m gin config for sizes. The production STU (``modules/stu.py``) is not followed.

N = ``max_len + max_output_len`` is the padded length the research code attends over; it is part
of the math (the division and the position bias), so it is a hyperparameter, never the batch's L.

    x_0   = (E[s] sqrt(d) + P[pos]) * 1[s != 0]              (pos = slot 0..N-1, oldest first)
    per layer (no biases in the UVQK projection, LayerNorms without affine, eps 1e-6):
        U, V, Q, K = split(SiLU(LN(x) W_uvqk))                (order U, V, Q, K; widths h dv, h dv, h dqk, h dqk)
        S_ij  = Q_i . K_j + rab_ij                            (per head; rab shared by the heads)
        rab_ij = w_pos[N - 1 + j - i] + w_ts[bucket(t_{i+1} - t_j)]
        A_ij  = SiLU(S_ij) / N  for j <= i, else 0           (pointwise: no softmax, no 1/sqrt(dqk))
        x     = x + (U * LN(A V)) W_o + b_o
    user  = L2(x[len - 1])  (x / max(|x|, 1e-6));  logit(i) = user . L2(E[i])

    bucket(dt) = clamp(floor(ln(max(|dt|, 1)) / 0.301), 0, 128)   (natural log over 0.301 ~ log10(2))

t_{i+1} for the most recent action (i = len - 1) is the request time: the research pipeline writes
the target's timestamp at slot len (``features.py``), and at serving time the target is the request.
A consequence that matters for a KV cache: the most recent position's bias - and so its outputs at
every layer and the next layer's keys and values - change once the next action's time is known;
every older position is final. Padded keys never reach a valid query (causality), and padded
positions' outputs are not used (the research code keeps the sequence jagged). Empty history:
the user vector is zero.

The bucket is evaluated in float64 (a Java port: ``Math.log`` in double). The research code takes the
log in float32 (``torch.log`` of an int64 tensor), which can move a gap lying within ~1e-5 of a bucket
boundary into the neighbouring bucket; seqrec defines the double-precision bucket, and the generator
keeps every golden gap 1e-9 clear of a boundary so that any double-precision port agrees.

Tensor names are the research code's ``state_dict`` keys (the embedding module, the positional
preprocessor and the ``_hstu`` stack), so a research checkpoint loads as is:
``_embedding_module._item_emb.weight`` [n_items+1, d], ``_input_features_preproc._pos_emb.weight``
[N, d], ``_hstu._attention_layers.{i}._uvqk`` [d, 2 h dv + 2 h dqk] (used as ``x @ W``),
``._o.{weight,bias}`` [d, h dv], ``._rel_attn_bias._ts_w`` [129], ``._rel_attn_bias._pos_w`` [2N - 1].
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from _common import length_mask

SOURCE = ("HSTU (Zhai et al., ICML 2024); meta-recsys/generative-recommenders research/modeling/sequential/hstu.py "
          "(uvqk, rel_bias, SiLU(QK+rab)/N, LN no affine eps 1e-6, ln/0.301 buckets, L2-normalised user and items)")

HPARAMS = dict(n_items=300, embedding_dim=50, num_blocks=2, num_heads=2, attention_dim=25, linear_dim=25,
               max_len=200, max_output_len=11, num_buckets=128, ln_eps=1e-6, l2_eps=1e-6)


def time_bucket(dt, num_buckets):
    """The research code's bucketization on int64 gaps, in float64."""
    return torch.clamp((torch.log(dt.abs().clamp(min=1).double()) / 0.301).floor().long(), 0, num_buckets)


class RelativeBias(nn.Module):
    """``rab_ij = w_pos[N-1+j-i] + w_ts[bucket(t_{i+1} - t_j)]`` over the padded length N."""

    def __init__(self, n, num_buckets):
        super().__init__()
        self.n, self.num_buckets = n, num_buckets
        self._ts_w = nn.Parameter(torch.zeros(num_buckets + 1))
        self._pos_w = nn.Parameter(torch.zeros(2 * n - 1))

    def forward(self, all_timestamps):
        """all_timestamps [B, N] (slot len holds the request time) -> [B, N, N]."""
        n = self.n
        i = torch.arange(n)[:, None]
        j = torch.arange(n)[None, :]
        pos = self._pos_w[n - 1 + j - i]                                        # Toeplitz [N, N]
        ext = torch.cat([all_timestamps, all_timestamps[:, n - 1:n]], dim=1)   # t_N := t_{N-1}
        dt = ext[:, 1:].unsqueeze(2) - ext[:, :-1].unsqueeze(1)                # [B, i, j] = t_{i+1} - t_j
        return pos[None] + self._ts_w[time_bucket(dt, self.num_buckets)]


class STULayer(nn.Module):
    def __init__(self, d, num_heads, attention_dim, linear_dim, n, num_buckets, ln_eps):
        super().__init__()
        self.h, self.dqk, self.dv, self.eps = num_heads, attention_dim, linear_dim, ln_eps
        self._uvqk = nn.Parameter(torch.zeros(d, 2 * num_heads * linear_dim + 2 * num_heads * attention_dim))
        self._o = nn.Linear(num_heads * linear_dim, d)
        self._rel_attn_bias = RelativeBias(n, num_buckets)

    def forward(self, x, all_timestamps, valid):
        """x [B, N, d] (padded rows zero), valid [B, N] -> x' [B, N, d] with padded rows zero."""
        B, n, d = x.shape
        h, dqk, dv = self.h, self.dqk, self.dv
        uvqk = F.silu(F.layer_norm(x, [d], eps=self.eps) @ self._uvqk)
        u, v, q, k = torch.split(uvqk, [h * dv, h * dv, h * dqk, h * dqk], dim=-1)
        keep = valid[..., None].to(x.dtype)     # jagged semantics: padded q, k, v are zero
        q, k, v = q * keep, k * keep, v * keep
        s = torch.einsum("bnhd,bmhd->bhnm", q.reshape(B, n, h, dqk), k.reshape(B, n, h, dqk))
        s = s + self._rel_attn_bias(all_timestamps).unsqueeze(1)
        causal = torch.tril(torch.ones(n, n, dtype=x.dtype))
        a = F.silu(s) / n * causal
        o = torch.einsum("bhnm,bmhd->bnhd", a, v.reshape(B, n, h, dv)).reshape(B, n, h * dv)
        y = self._o(u * F.layer_norm(o, [h * dv], eps=self.eps)) + x
        return y * keep


class _Embedding(nn.Module):
    def __init__(self, n_items, d):
        super().__init__()
        self._item_emb = nn.Embedding(n_items + 1, d, padding_idx=0)


class _Positions(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self._pos_emb = nn.Embedding(n, d)


class _Stack(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self._attention_layers = nn.ModuleList(layers)


class HSTU(nn.Module):
    def __init__(self, n_items, embedding_dim, num_blocks, num_heads, attention_dim, linear_dim, max_len,
                 max_output_len, num_buckets=128, ln_eps=1e-6, l2_eps=1e-6):
        super().__init__()
        self.max_len, self.n = max_len, max_len + max_output_len
        self.l2_eps = l2_eps
        self._embedding_module = _Embedding(n_items, embedding_dim)
        self._input_features_preproc = _Positions(self.n, embedding_dim)
        self._hstu = _Stack([STULayer(embedding_dim, num_heads, attention_dim, linear_dim, self.n, num_buckets, ln_eps)
                             for _ in range(num_blocks)])

    @property
    def item_emb(self):
        return self._embedding_module._item_emb

    def padded_inputs(self, hist_items, hist_times, hist_len, request_time):
        """[B, L] right-padded history -> ids [B, N], timestamps [B, N] with the request time at slot len."""
        B, L = hist_items.shape
        if L > self.max_len:
            raise ValueError(f"history of {L} slots exceeds max_len {self.max_len}")
        ids = torch.zeros(B, self.n, dtype=torch.int64)
        ids[:, :L] = hist_items * length_mask(hist_len, L)
        ts = torch.zeros(B, self.n, dtype=torch.int64)
        ts[:, :L] = hist_times * length_mask(hist_len, L)
        ts.scatter_(1, hist_len[:, None], request_time[:, None])
        return ids, ts

    def encode(self, hist_items, hist_times, hist_len, request_time):
        """-> L2-normalised outputs [B, N, d] (padded rows zero)."""
        ids, ts = self.padded_inputs(hist_items, hist_times, hist_len, request_time)
        valid = ids != 0
        d = self.item_emb.embedding_dim
        x = self.item_emb(ids) * math.sqrt(d) + self._input_features_preproc._pos_emb.weight[None]
        x = x * valid[..., None].to(x.dtype)
        for layer in self._hstu._attention_layers:
            x = layer(x, ts, valid)
        return x / x.norm(dim=-1, keepdim=True).clamp(min=self.l2_eps)

    def user_embedding(self, hist_items, hist_times, hist_len, request_time):
        h = self.encode(hist_items, hist_times, hist_len, request_time)
        u = h[torch.arange(h.shape[0]), (hist_len - 1).clamp(min=0)]
        return u.masked_fill((hist_len == 0)[:, None], 0.0)

    def item_table(self):
        """L2-normalised item rows [n_items+1, d] (row 0 stays zero)."""
        w = self.item_emb.weight
        return w / w.norm(dim=-1, keepdim=True).clamp(min=self.l2_eps)

    def forward(self, hist_items, hist_times, hist_len, request_time, cand_items):
        u = self.user_embedding(hist_items, hist_times, hist_len, request_time)
        return torch.einsum("bd,bcd->bc", u, self.item_table()[cand_items])


def build(hp=HPARAMS):
    return HSTU(hp["n_items"], hp["embedding_dim"], hp["num_blocks"], hp["num_heads"], hp["attention_dim"],
                hp["linear_dim"], hp["max_len"], hp["max_output_len"], hp["num_buckets"], hp["ln_eps"], hp["l2_eps"])
