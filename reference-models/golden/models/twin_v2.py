"""TWIN-V2 (Si et al., Kuaishou, CIKM 2024, arXiv 2407.16357): PyTorch reference for seqrec.

No public code exists anywhere (MODELS.md section 12): this module is the executable definition.
Sources: TWIN-V2 paper section 3 (offline hierarchical clustering of the life-cycle history,
virtual items, cluster-aware target attention ``alpha' = alpha + ln n``, top-100 clusters) and
TWIN (``twin.py``) for the attention itself.

Offline step (``cluster_history``; deterministic, every constant below is seqrec's choice where the
paper gives none or could not be re-read - MODELS.md marks its parameters unverified):
1. Behaviour l has inherent features (item, category), J = 2 numeric features ``num[l]``
   (feature 0 = play completion ratio in [0, 1], feature 1 = another numeric feature, e.g. a
   normalised play time) and the clustering vector ``x_l = [E_item; E_cate]`` (64, float64).
2. Coarse groups by completion ratio: ``g = min(G - 1, floor(num[l, 0] * G))`` with G = 4 (a power
   of two, so the product is exact in float32 and float64).
3. Each group, members in slot order, is split recursively: a set of n <= gamma (= 20) members
   is a cluster; otherwise k-means with ``k = max(2, ceil(n / gamma))`` (integer arithmetic),
   initial centroids = the members at positions ``floor(i * n / k)``, i = 0..k-1, exactly 10
   iterations of (assign each member to the nearest centroid by squared Euclidean distance,
   equal distances -> lower centroid index; move each centroid to the mean of its members, an
   empty centroid stays where it is). A converged assignment is a fixed point, so stopping early
   on "no change" gives the same result. The non-empty parts, in centroid order, are split again;
   if k-means leaves all n members in one part (identical vectors), the members are cut into
   consecutive chunks of gamma in slot order instead.
4. Virtual item of a cluster: item and category of the member nearest to the members' mean
   (squared Euclidean, equal -> lowest slot); numeric features = the members' mean; size n.
5. Clusters are listed by their earliest member slot, ascending.
Computation is float64 (torch), distances summed over the feature axis; the generator checks that
every assignment and medoid choice wins by a relative margin > 1e-9 (or is an exact tie of
identical vectors), so a float64 port with another summation order picks the same clusters.

Online forward over the clusters (virtual items), as TWIN with numeric cross features:
    K_h[c]  = [E_item; E_cate] of the virtual item (64);  K_c,j[c] = num[c, j] (width 1);
    K = [K_h; num] (66)
    alpha_i[c]  = (q W_i^q) . (K_h[c] W_i^k) / sqrt(16) + sum_j beta_ij w_ij num[c, j]
    alpha'_i[c] = alpha_i[c] + ln n_c                          (cluster-size-aware attention)
    GSU: top-100 clusters by mean_i alpha'_i (higher first, equal: lower slot first)
    ESU: o = W^o [softmax(alpha'_i over the top-100) K W_i^v]_i, 4 heads; no cluster -> o = 0
    logit = MLP([o; q])                                         (64 -> 32 ReLU -> 1; FuxiCTR LongCTR dnn_hidden_units)
``softmax(alpha + ln n) = n exp(alpha) / sum n exp(alpha)``: a cluster weighs as its n members.

Tensor names: ``emb.item.weight, emb.cate.weight, cross_w.{0,1}.weight [4, 1], cross_beta [4, 2],
mha.q_proj_weight [64, 64], mha.k_proj_weight [64, 64], mha.v_proj_weight [64, 66],
mha.out_proj.weight [64, 64], mlp.hidden.{0,1}.*, mlp.out.*``.
"""
import torch

from twin import TwinBase

SOURCE = ("TWIN-V2 paper (CIKM 2024, arXiv 2407.16357) section 3: hierarchical clustering (seqrec's "
          "deterministic k-means rules), virtual items, alpha' = alpha + ln n, top-100; TWIN attention")

HPARAMS = dict(n_items=200, n_cates=20, d_item=32, d_cate=32, n_num=2, topk=100, heads=4, mlp_hidden="64,32",
               activation="relu", groups=4, max_cluster_size=20, kmeans_iterations=10, max_len=1000)


class TWINV2(TwinBase):
    def __init__(self, n_items, n_cates, d_item=32, d_cate=32, n_num=2, topk=100, heads=4, mlp_hidden=(64, 32),
                 activation="relu"):
        super().__init__(n_items, n_cates, d_item, d_cate, n_num, 1, topk, heads, mlp_hidden, activation)
        self.n_num = n_num

    def cross_features(self, hist_num):
        x = hist_num.to(self.cross_beta.dtype)
        return [x[:, :, j:j + 1] for j in range(self.n_num)]

    def forward(self, hist_items, hist_cates, hist_num, hist_sizes, hist_len, cand_items, cand_cates):
        """Clusters as the history: hist_items/cates [B, Lc] (virtual items), hist_num [B, Lc, J]
        (member means), hist_sizes [B, Lc] (n >= 1 on valid slots), hist_len [B] -> logits [B, C]."""
        return self.score_clusters(hist_items, hist_cates, hist_num, hist_sizes, hist_len, cand_items,
                                   cand_cates)[0]

    def score_clusters(self, hist_items, hist_cates, hist_num, hist_sizes, hist_len, cand_items, cand_cates):
        L = hist_items.shape[1]
        valid = torch.arange(L)[None, :] < hist_len[:, None]
        dt = self.cross_beta.dtype
        ln_n = torch.log(hist_sizes.clamp(min=1).to(dt)) * valid.to(dt)
        return self.score(hist_items, hist_cates, hist_num, hist_len, cand_items, cand_cates, extra=ln_n)


def build(hp=HPARAMS):
    return TWINV2(hp["n_items"], hp["n_cates"], hp["d_item"], hp["d_cate"], hp["n_num"], hp["topk"], hp["heads"],
                  tuple(int(x) for x in hp["mlp_hidden"].split(",")), hp["activation"])


# ------------------------------------------------------------------------------------------------
# offline clustering


class MarginError(ValueError):
    """A clustering decision was too close to call for a port with another summation order."""


def _check_margin(d, what, rel=1e-9):
    """d [n, k] distances: the best must beat the second best by rel (or tie exactly)."""
    if d.shape[1] < 2:
        return
    srt = torch.sort(d, dim=1).values
    gap = srt[:, 1] - srt[:, 0]
    scale = srt[:, 0].abs().clamp(min=1e-300) + srt[:, 1].abs()
    bad = (gap > 0) & (gap < rel * scale)
    if bool(bad.any()):
        raise MarginError(f"{what}: near tie ({int(bad.sum())} rows)")


def _kmeans(x, k, iterations):
    """x [n, D] float64 -> assignment [n] (int64), deterministic (see module docstring)."""
    n = x.shape[0]
    cent = x[torch.tensor([(i * n) // k for i in range(k)])].clone()
    assign = None
    for _ in range(iterations):
        d = ((x[:, None, :] - cent[None, :, :]) ** 2).sum(-1)                  # [n, k]
        _check_margin(d, "k-means assignment")
        assign = torch.argmin(d, dim=1)  # first minimum = lower centroid index on exact ties
        for c in range(k):
            members = assign == c
            if bool(members.any()):
                cent[c] = x[members].mean(0)
    return assign


def _split(slots, x, gamma, iterations, out):
    n = len(slots)
    if n <= gamma:
        out.append(slots)
        return
    k = max(2, (n + gamma - 1) // gamma)
    assign = _kmeans(x[slots], k, iterations)
    parts = [[slots[i] for i in range(n) if int(assign[i]) == c] for c in range(k)]
    parts = [p for p in parts if p]
    if len(parts) == 1:
        for s in range(0, n, gamma):
            out.append(slots[s:s + gamma])
        return
    for p in parts:
        _split(p, x, gamma, iterations, out)


def cluster_history(x, num, length, groups=4, gamma=20, iterations=10):
    """One user's history -> clusters.

    x [L, D] clustering vectors (float64), num [L, J] numeric features (float32 values),
    length = number of valid slots. Returns (clusters: list of member-slot lists ordered by first
    member, medoid slot per cluster, numeric means [Lc, J] float64, assignment [L] (cluster index,
    -1 for padding))."""
    x = x.to(torch.float64)
    num64 = num.to(torch.float64)
    by_group = {}
    for s in range(length):
        g = min(groups - 1, int(torch.floor(num64[s, 0] * groups)))
        by_group.setdefault(g, []).append(s)
    clusters = []
    for g in sorted(by_group):
        _split(by_group[g], x, gamma, iterations, clusters)
    clusters.sort(key=lambda c: c[0])
    medoids, means = [], []
    assignment = torch.full((x.shape[0],), -1, dtype=torch.int64)
    for ci, members in enumerate(clusters):
        idx = torch.tensor(members)
        mean = x[idx].mean(0)
        d = ((x[idx] - mean[None, :]) ** 2).sum(-1)
        _check_margin(d[None, :], "medoid")
        medoids.append(members[int(torch.argmin(d))])
        means.append(num64[idx].mean(0))
        assignment[idx] = ci
    J = num.shape[1]
    mean_t = torch.stack(means) if means else torch.zeros(0, J, dtype=torch.float64)
    return clusters, medoids, mean_t, assignment
