"""Long synthetic histories for the two-stage models' recall measurement (issue 4, "Long histories").

The data is far too large to store (L = 10^4..10^5 per user), so it is defined by a generator that a
Java port reproduces exactly: everything below uses only SplitMix64 draws and integer arithmetic,
and SplitMix64 here is ``java.util.SplittableRandom``: ``new SplittableRandom(seed).nextLong()``
returns the same sequence as ``SplitMix64(seed).next_long()`` (as signed longs).

Draw helpers (x = next_long() as an unsigned 64-bit value):
    below(n)   = Long.remainderUnsigned(x, n)            (n > 0)
    unit()     = (x >>> 11) * 2^-53                      (a double in [0, 1), SplittableRandom.nextDouble)

Catalogue: ``n_items`` items, ``n_cates`` categories, category of item i = 1 + (i - 1) % n_cates, so
the items of category c are c, c + n_cates, c + 2 n_cates, ... (n_items / n_cates of them).

User u of a data set with seed s: ``rng = SplitMix64(s * 1_000_003 + u)``, then in this order:
    n_int   = 2 + below(3);  fav[j] = 1 + below(n_cates) for j < n_int
    for l in 0..L-1:  cat  = fav[below(n_int)] if below(100) < 80 else 1 + below(n_cates)
                      j    = min(below(per), below(per))      (per = n_items / n_cates; skewed)
                      item = cat + n_cates * j
                      t    = t + 1 + below(7200)              (t starts at 1_600_000_000)
                      cross_0 = below(16); cross_1 = below(16)  (TWIN's cross-feature buckets)
    request_time = t + 1 + below(3600)
    for c in 0..C-1:  cat = fav[below(n_int)] if below(2) == 0 else 1 + below(n_cates)
                      item = cat + n_cates * below(per)
(one history slot draws, in order: below(100), [below(n_int) or below(n_cates)], below(per),
below(per), below(7200), below(16), below(16)).

Embedding tables for the large catalogue (the golden models have only 200 items): row 0 = 0,
rows 1.. filled row-major from ``SplitMix64(seed)`` with ``(float) (0.5 * (2 * unit() - 1))``
(U(-0.5, 0.5), the golden models' embedding scale). Item table seed ``s_emb``, category table
seed ``s_emb + 1``. Every other weight is the golden model's (``weights.safetensors``).

Recall of a GSU for one (user, candidate) with history length L >= K:
    full top-K = the K slots with the highest full-attention score, where the score is the ESU's own
                 pre-softmax logit over the whole history averaged over heads (SIM: the paper ESU
                 with time buckets; ETA: the MHTA logits; TWIN: alpha, so TWIN's recall is 1 by
                 construction - the consistency the paper is named for);
    recall@K   = |GSU top-K  intersect  full top-K| / K;
    top10_in_K = |full top-10 intersect GSU top-K| / 10.
Ties everywhere follow seqrec's rule (score descending / distance ascending, then lower slot).
With random (untrained) weights these numbers describe the random model, not the papers' trained
ones; their role is a reference the Java measurement must reproduce.
"""
import math

import torch

MASK64 = (1 << 64) - 1


class SplitMix64:
    """java.util.SplittableRandom(seed) without splitting."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_long(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        return self.next_long() % n

    def unit(self):
        return (self.next_long() >> 11) * (1.0 / (1 << 53))


def signed(x):
    return x - (1 << 64) if x >= (1 << 63) else x


def synthetic_user(seed, user, L, C, n_items, n_cates):
    rng = SplitMix64(seed * 1_000_003 + user)
    per = n_items // n_cates
    n_int = 2 + rng.below(3)
    fav = [1 + rng.below(n_cates) for _ in range(n_int)]
    items, cates, times, cross = [], [], [], []
    t = 1_600_000_000
    for _ in range(L):
        cat = fav[rng.below(n_int)] if rng.below(100) < 80 else 1 + rng.below(n_cates)
        j = min(rng.below(per), rng.below(per))
        t = t + 1 + rng.below(7200)
        items.append(cat + n_cates * j)
        cates.append(cat)
        times.append(t)
        cross.append([rng.below(16), rng.below(16)])
    request_time = t + 1 + rng.below(3600)
    cand_items, cand_cates = [], []
    for _ in range(C):
        cat = fav[rng.below(n_int)] if rng.below(2) == 0 else 1 + rng.below(n_cates)
        cand_items.append(cat + n_cates * rng.below(per))
        cand_cates.append(cat)
    i64 = torch.int64
    return dict(hist_items=torch.tensor([items], dtype=i64), hist_cates=torch.tensor([cates], dtype=i64),
                hist_times=torch.tensor([times], dtype=i64), hist_cross=torch.tensor([cross], dtype=i64),
                hist_len=torch.tensor([L], dtype=i64), request_time=torch.tensor([request_time], dtype=i64),
                cand_items=torch.tensor([cand_items], dtype=i64), cand_cates=torch.tensor([cand_cates], dtype=i64))


def synthetic_table(seed, rows, dim):
    """[rows + 1, dim] float32, row 0 zero, rows 1.. U(-0.5, 0.5) from SplitMix64(seed)."""
    rng = SplitMix64(seed)
    vals = [0.5 * (2.0 * rng.unit() - 1.0) for _ in range(rows * dim)]
    # double -> float rounds to nearest, as Java's (float) cast
    return torch.cat([torch.zeros(1, dim), torch.tensor(vals, dtype=torch.float64).to(torch.float32).reshape(rows, dim)])


def checksum(t):
    """Order-sensitive integer checksum of an int64 tensor: sum_i (i + 1) * v_i mod 2^61 - 1."""
    m = (1 << 61) - 1
    s = 0
    for i, v in enumerate(t.reshape(-1).tolist()):
        s = (s + (i + 1) * (v % m)) % m
    return s


def _overlap(a, b):
    return len(set(a.tolist()) & set(b.tolist()))


def recall_counts(gsu_idx, full_scores, K):
    """gsu_idx [C, K] selected slots, full_scores [C, L] -> (sum of recall@K, sum of top10_in_K)."""
    order = torch.sort(full_scores, dim=-1, descending=True, stable=True).indices
    r, t10 = 0.0, 0.0
    for c in range(gsu_idx.shape[0]):
        r += _overlap(gsu_idx[c], order[c, :K]) / K
        t10 += _overlap(gsu_idx[c], order[c, :10]) / 10
    return r, t10


def sim_scores(m, d, gsu):
    """(GSU picks [C, K], full ESU head-mean logits [C, L]) for one user (batch of 1)."""
    from _common import length_mask, time_bucket
    L = d["hist_items"].shape[1]
    e = m.emb(d["hist_items"], d["hist_cates"])
    t = m.emb(d["cand_items"], d["cand_cates"])
    valid = length_mask(d["hist_len"], L)
    idx, _ = m.retrieve(e, d["hist_cates"], valid, t, d["cand_cates"], gsu)
    buckets = time_bucket(d["request_time"][:, None] - d["hist_times"], m.n_time_buckets)
    z = torch.cat([e, m.time_emb(buckets)], dim=-1)                     # [1, L, d+dt]
    H = m.heads
    k = m.esu_key(z).reshape(1, L, H, -1)
    q = m.esu_query(t).reshape(1, t.shape[1], H, -1)
    full = torch.einsum("blhe,bche->bchl", k, q).mean(2) / math.sqrt(q.shape[-1])   # [1, C, L]
    return idx[0], full[0]


def eta_scores(m, d):
    from _common import topk_asc
    L = d["hist_items"].shape[1]
    e = m.emb(d["hist_items"], d["hist_cates"])[0]                       # [L, d]
    t = m.emb(d["cand_items"], d["cand_cates"])[0]                       # [C, d]
    C = t.shape[0]
    sh = m.signature(e)
    valid = torch.ones(L, dtype=torch.bool)
    idx = torch.stack([topk_asc((sh ^ m.signature(t[c])).sum(-1), valid, m.topk)[0] for c in range(C)])
    E, H = m.mha.embed_dim, m.mha.num_heads
    w = m.mha.in_proj_weight
    q = (t @ w[:E].t()).reshape(C, H, -1)
    k = (e @ w[E:2 * E].t()).reshape(L, H, -1)
    full = torch.einsum("che,lhe->chl", q, k).mean(1) / math.sqrt(E // H)
    return idx, full


def twin_scores(m, d):
    keys = ["hist_items", "hist_cates", "hist_cross", "hist_len", "cand_items", "cand_cates"]
    _, idx, _, alpha = m.score(**{k: d[k] for k in keys})
    return idx[0], alpha.mean(2)[0]
