"""Goldens for the graph / clustering family, with torch ops in float64 (selections on the float32 inputs):

* ``cosine_similarity``: SURGE's weighted cosine graph (tsinghua-fib-lab/SIGIR21-SURGE ``surge.py``):
  ``X^ = l2_normalize(X * w)``, ``S = X^ X^T``. TF's ``l2_normalize`` is ``x / sqrt(max(sum x^2, 1e-12))``,
  which is exactly ``F.normalize(x, eps=1e-6)`` (``x / max(||x||, 1e-6)``).
* ``top_per_row``: keep each row's r largest entries, zero the rest; ties by lower column, made explicit with
  ``torch.sort(descending=True, stable=True)`` (``torch.topk`` does not define its tie order).
* ``relative_rank_adjacency``: SURGE's sparsification: ``k = ceil(float32(nnz) * ratio)``,
  ``thr = sort_desc(flatten(S))[k]`` (0 when k is out of range, as TF's GPU gather), ``A = 1[S > thr]``.
* ``min_max_rows``: SURGE's row min-max ``(S - min) / (max - min)``, a constant row written as 0 (the
  official 0/0 gives NaN).
* ``normalized_adjacency``: SURGE's ``A_bool = 1[A > 0]`` with the diagonal set to 1,
  ``D = sqrt(rowsum) + eps``, ``(A_bool / D_j) / D_i``.
* ``kmeans``: Lloyd's algorithm from the SAME initial centroids given as input (no init randomness is
  compared): nearest centroid by squared Euclidean distance (ties: lower index), mean update with empty
  clusters keeping their centroid, at most ``max_iterations`` updates, stop when no assignment changes.
* ``nearest_members``: for each cluster the member closest to its centroid (ties: lower index), -1 if empty
  (TWIN-V2's virtual item takes that member's categorical features).

Every k-means / nearest-member case asserts that the best distance beats the second best by a clear margin
(``first_argmin``), so float32 rounding on the Java side cannot flip a decision.
"""
import math

import torch
import torch.nn.functional as F

from seqrec_golden import f64, generator, save_case, uniform

MARGIN = 1e-4


def cosine_similarity(x, w):
    xw = f64(x) if w is None else f64(x) * f64(w)
    xn = F.normalize(xw, p=2.0, dim=1, eps=1e-6)
    return xn @ xn.t()


def top_per_row(s, r):
    rows, cols = s.shape
    order = torch.sort(s, dim=1, descending=True, stable=True).indices[:, :min(r, cols)]
    keep = torch.zeros(rows, cols, dtype=torch.bool)
    keep.scatter_(1, order, True)
    return torch.where(keep, s, torch.zeros_like(s))


def relative_rank(s, ratio):
    flat = s.reshape(-1)
    nnz = torch.count_nonzero(flat).to(torch.float32)
    k = int(torch.ceil(nnz * torch.tensor(ratio, dtype=torch.float32)).item())
    thr = torch.sort(flat, descending=True).values[k] if k < flat.numel() else torch.tensor(0.0)
    return (s > thr).to(torch.float32), thr.to(torch.float32).reshape(())


def min_max_rows(s):
    """SURGE's row min-max ``(S - min) / (max - min)``; a constant row (the official 0/0) is 0."""
    s = f64(s)
    lo = s.min(dim=1, keepdim=True).values
    span = s.max(dim=1, keepdim=True).values - lo
    return torch.where(span > 0, (s - lo) / torch.where(span > 0, span, torch.ones_like(span)), torch.zeros_like(s))


def normalized_adjacency(a, eps):
    """SURGE's interest-fusion adjacency: A_bool = 1[a > 0] with the diagonal set to 1,
    D = sqrt(rowsum) + eps, (A_bool / D_j) / D_i."""
    n = a.shape[0]
    eye = torch.eye(n, dtype=torch.float64)
    ab = (f64(a) > 0).to(torch.float64) * (1 - eye) + eye
    d = torch.sqrt(ab.sum(-1)) + eps
    return ab / d[None, :] / d[:, None]


def first_argmin(dist, scale):
    """Row-wise argmin with the lower index on ties, made explicit. Also checks the decision margin: the
    second-best distance must exceed the best by more than 1e-4 * scale (per row), far above what float32
    rounding on the Java side can move a distance."""
    best = dist.min(dim=1, keepdim=True).values
    idx = torch.arange(dist.shape[1]).expand_as(dist)
    first = torch.where(dist == best, idx, torch.full_like(idx, dist.shape[1])).min(dim=1).values
    if dist.shape[1] > 1:
        two = torch.topk(dist, 2, dim=1, largest=False).values
        gap = two[:, 1] - two[:, 0]
        assert bool((gap > MARGIN * scale).all()), f"decision too close to a tie: gap {gap.min().item()}"
    return first


def kmeans(x, init, max_iterations):
    x = f64(x)
    c = f64(init).clone()
    n = x.shape[0]
    if n == 0:
        return c, torch.zeros(0, dtype=torch.int64), 0

    def assign(c):
        # Java scores x.c - |c|^2/2 in float32: its rounding scales with |x|^2 + |c|^2, hence the scale
        # of the two nearest centroids
        dist = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1)
        if c.shape[0] == 1:
            return first_argmin(dist, None)
        two = torch.topk(dist, 2, dim=1, largest=False).indices
        c2 = (c ** 2).sum(1)
        return first_argmin(dist, 1 + (x ** 2).sum(1) + torch.maximum(c2[two[:, 0]], c2[two[:, 1]]))

    a = assign(c)
    iterations = 0
    while iterations < max_iterations:
        counts = torch.bincount(a, minlength=c.shape[0]).to(torch.float64)
        sums = torch.zeros_like(c).index_add_(0, a, x)
        c = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None], c)
        iterations += 1
        new = assign(c)
        changed = bool((new != a).any())
        a = new
        if not changed:
            break
    return c, a, iterations


def nearest_members(x, c, a):
    x, c = f64(x), f64(c)
    out = torch.full((c.shape[0],), -1, dtype=torch.int64)
    for j in range(c.shape[0]):
        members = (a == j).nonzero().flatten()
        if members.numel() == 0:
            continue
        dist = ((x[members] - c[j]) ** 2).sum(1)
        out[j] = members[first_argmin(dist[None, :], 1 + dist.min())[0]]  # Java sums (x - c)^2: error ~ the distance
    return out


def blobs(g, n, d, k, spread=10.0, noise=0.5):
    centres = uniform(g, k, d) * spread
    which = torch.randint(0, k, (n,), generator=g)
    return (centres[which] + torch.randn(n, d, generator=g, dtype=torch.float64).to(torch.float32) * noise), centres


def quantized(g, *shape, levels=4):
    return (torch.randint(-levels, levels + 1, shape, generator=g).to(torch.float32) / levels)


def surge_graph(g, length, features, valid):
    """SURGE's S before sparsification: weighted cosine, row min-max over all L columns, node mask."""
    x = uniform(g, length, features)
    w = uniform(g, features)
    s = cosine_similarity(x, w)
    s = (s - s.min(dim=1, keepdim=True).values) / (s.max(dim=1, keepdim=True).values - s.min(dim=1, keepdim=True).values)
    mask = (torch.arange(length) < valid).to(torch.float64)
    return (s * mask[:, None] * mask[None, :]).to(torch.float32)


def main():
    # ---------------------------------------------------------------- cosine similarity
    tiny = torch.tensor([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]])
    cases = {"cosine_similarity_tiny": (tiny, None)}
    g = generator(31)
    x = uniform(g, 50, 40)
    x[45:] = 0.0  # zero rows: a zero row and column, never NaN
    cases["cosine_similarity_surge"] = (x, uniform(g, 40))
    cases["cosine_similarity_awkward"] = (uniform(g, 17, 65), None)
    cases["cosine_similarity_single"] = (uniform(g, 1, 40), uniform(g, 40))
    cases["cosine_similarity_empty"] = (torch.zeros(0, 8), None)
    for case, (x, w) in cases.items():
        inputs = {"x": x}
        if w is not None:
            inputs["feature_weight"] = w
        save_case("graph", case, "cosine_similarity", inputs, {"s": cosine_similarity(x, w)},
                  source="F.normalize(x * w, eps=1e-6) @ .T (= SURGE's tf.nn.l2_normalize + matmul)")

    # ---------------------------------------------------------------- per-row top-r
    g = generator(32)
    row = torch.tensor([[3.0, 1.0, 3.0, 2.0, 3.0], [-1.0, -5.0, -1.0, -0.5, -0.5]])
    for case, (s, r) in {
        "top_per_row_ties": (quantized(g, 6, 9), 3),
        "top_per_row_hand": (row, 2),
        "top_per_row_surge": (surge_graph(g, 50, 40, 37), 10),
        "top_per_row_zero": (uniform(g, 3, 4), 0),
        "top_per_row_all": (uniform(g, 3, 4), 7),
        "top_per_row_wide": (quantized(g, 2, 1000, levels=50), 17),
    }.items():
        save_case("graph", case, "top_per_row", {"s": s}, {"out": top_per_row(s, r)},
                  source="torch.sort(descending=True, stable=True), first r per row kept", r=r)

    # ---------------------------------------------------------------- SURGE relative rank
    g = generator(33)
    hand = torch.tensor([[0.0, 0.5, 0.2], [0.5, 0.0, 0.9], [0.2, 0.9, 0.0]])
    for case, (s, ratio) in {
        "relative_rank_hand": (hand, 0.5),
        "relative_rank_surge": (surge_graph(g, 50, 40, 37), 0.5),
        "relative_rank_surge_full": (surge_graph(g, 50, 40, 50), 0.5),
        "relative_rank_ties": (quantized(g, 9, 11), 0.3),
        "relative_rank_all_nonzero": (uniform(g, 4, 4) + 2.0, 1.0),  # k = n: threshold 0
        "relative_rank_single": (torch.tensor([[0.7]]), 0.5),
    }.items():
        adjacency, thr = relative_rank(s, ratio)
        save_case("graph", case, "relative_rank_adjacency", {"s": s}, {"adjacency": adjacency, "threshold": thr},
                  source="SURGE surge.py: ceil(count_nonzero * ratio), sort desc, gather, strict greater",
                  ratio=repr(ratio))

    # ---------------------------------------------------------------- SURGE min-max rows, normalised adjacency
    g = generator(34)
    raw = cosine_similarity(uniform(g, 37, 40), uniform(g, 40)).to(torch.float32)
    for case, s in {
        "min_max_rows_surge": raw,
        "min_max_rows_constant": torch.tensor([[0.3, 0.3, 0.3], [1.0, -2.0, 0.5], [5.0, 5.0, 5.0]]),
        "min_max_rows_single": torch.tensor([[0.9]]),
        "min_max_rows_awkward": uniform(g, 5, 67),
    }.items():
        save_case("graph", case, "min_max_rows", {"s": s}, {"out": min_max_rows(s)},
                  source="SURGE surge.py: (S - reduce_min(S, -1)) / (reduce_max - reduce_min); constant row -> 0")
    for case, a in {
        "normalized_adjacency_surge": relative_rank(surge_graph(g, 37, 40, 37), 0.5)[0],
        "normalized_adjacency_empty_graph": torch.zeros(4, 4),
        "normalized_adjacency_hand": torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
        "normalized_adjacency_awkward": (uniform(g, 19, 19) > 0.3).to(torch.float32),
    }.items():
        save_case("graph", case, "normalized_adjacency", {"a": a}, {"out": normalized_adjacency(a, 1e-7)},
                  source="SURGE surge.py _interest_fusion_extraction: A_bool (diag 1), D = sqrt(sum) + K.epsilon(), "
                         "(A_bool / D) / D^T", eps="1e-07")

    # ---------------------------------------------------------------- k-means
    # (seeds and init noise picked so that Lloyd runs 1-2 updates, empties clusters, and passes the margin check)
    for case, (n, d, k, max_iterations, seed, init_kind) in {
        "kmeans_blobs": (600, 16, 8, 20, 43, "centres"),          # 2 updates
        "kmeans_capped": (300, 8, 5, 2, 42, "rows"),              # stopped by the cap
        "kmeans_empty_cluster": (200, 4, 4, 10, 43, "far"),       # centroid 2 never wins
        "kmeans_twinv2": (1000, 16, 16, 10, 44, "centres_far"),   # 2 updates, 3 clusters emptied
        "kmeans_zero_iterations": (50, 3, 3, 0, 45, "rows"),
        "kmeans_single_point": (1, 5, 2, 5, 46, "rows2"),
    }.items():
        g = generator(seed)
        x, centres = blobs(g, n, d, k)
        if init_kind == "centres":
            init = centres + uniform(g, k, d) * 8.0
        elif init_kind == "centres_far":
            init = centres + uniform(g, k, d) * 10.0
        elif init_kind == "rows":
            init = x[torch.randperm(n, generator=g)[:k]].clone()
        elif init_kind == "far":
            init = centres.clone()
            init[2] = 1000.0  # never the nearest: keeps its centroid
        else:
            init = torch.cat([x[:1], x[:1] + 5.0])
        c, a, iterations = kmeans(x, init, max_iterations)
        save_case("graph", case, "kmeans", {"x": x, "init_centroids": init},
                  {"centroids": c, "assignment": a, "iterations": torch.tensor(iterations, dtype=torch.int64)},
                  source="Lloyd's algorithm with torch ops from the given centroids (see graph.py)",
                  max_iterations=max_iterations)
        if case in ("kmeans_blobs", "kmeans_empty_cluster"):
            c32 = c.to(torch.float32)
            save_case("graph", case.replace("kmeans", "nearest_members"), "nearest_members",
                      {"x": x, "centroids": c32, "assignment": a}, {"nearest": nearest_members(x, c32, a)},
                      source="argmin over each cluster's members of sum (x - c)^2, ties lower index, -1 if empty")


if __name__ == "__main__":
    main()
