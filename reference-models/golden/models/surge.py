"""SURGE (Chang, Gao, Zheng, Hui, Niu, Song, Jin, Li; "Sequential Recommendation with Graph Neural
Networks", SIGIR 2021): PyTorch reference for seqrec.

Source (MODELS.md section 6): the only implementation, the official TensorFlow code
tsinghua-fib-lab/SIGIR21-SURGE, ``reco_utils/recommender/deeprec/models/sequential/surge.py``
(``_build_seq_graph``, ``_interest_fusion_extraction``, ``_attention_fcn``), followed step by step,
with ``sequential_base_model.py`` (``_fcn_net``: Linear -> BatchNorm(eps 1e-4) -> activation, then
Linear(1)) and ``deeprec/config/gcn.yaml`` (item 32 + category 8, hidden 40, attention MLP
[80, 40], output MLP [100, 64], relu) for the sizes; the code constants ``metric_heads = 1``,
``attention_heads = 1``, ``pool_layers = 1``, ``layer_shared = True``, ``relative_threshold = 0.5``,
``pool_length = 30`` (Taobao), ``K.epsilon() = 1e-7``, LeakyReLU slope 0.2 (TF default).

Forward for one user with n actions (X = [E_item; E_cate] of the n actions, [n, F], F = 40) and one
candidate a (e_a = [E_item[a]; E_cate[c_a]], [F]):

1. Metric graph: ``X^ = l2_normalize(X * w)`` (w = ``graph_weight``), ``S = X^ X^T``, then each row
   min-max normalised: ``S_ij = (S_ij - min_j S_i.) / (max_j S_i. - min_j S_i.)``.
2. Relative-rank sparsification of the whole graph: ``k = ceil(0.5 * count_nonzero(S))``,
   ``thr = sort_desc(flatten(S))[k]`` (0 when k >= n^2), ``A = 1[S > thr]``.
3. Interest fusion: ``Ab = 1[A > 0]`` with its diagonal set to 1, ``D = sqrt(rowsum(Ab)) + 1e-7``,
   ``Ah = Ab / (D_i D_j)``, cluster queries ``X_q = Ah (Ah X)``; per node the cluster-aware score
   ``f1 = softmax_i(att_cluster(X_q[i], X[i]))`` and the query-aware score
   ``f2 = softmax_i(att_query(e_a, X[i]))``; edge weights ``E_ij = Ab_ij (f1_j + f2_i)``,
   ``E = LeakyReLU(E)``, softmax over j where ``Ab_ij = 1``; ``X_c = LeakyReLU(E X W_c^T + X)``.
4. Interest extraction: ``X_q' = Ah (Ah X_c)``, ``f1' = softmax(att_cluster(X_q', X_c))``,
   ``f2' = softmax(att_query(e_a, X_c))`` (the same two attention units, ``layer_shared``),
   ``gamma = softmax(f1' + f2')``; ``to_keep = pool_length if n > pool_length else n``;
   ``thr = sort_desc(gamma)[to_keep] + 1e-7`` (the sorted value is 0 when to_keep == n);
   ``keep = 1[gamma > thr]``; graph readout ``g = sum_i keep_i gamma_i X_c[i]``.
5. Prediction: the kept nodes in temporal order (``argsort(mask, stable)``), attention
   ``alpha = softmax(att_gru(e_a, X_c[kept]))``, an AUGRU over them from h = 0 (hidden 40), then
   ``logit = mlp([h; g; e_a; g * e_a])``.

``att(q, k)`` (``_attention_fcn``): ``k' = k M^T`` (``proj``, no bias), ``z = [k'; q; k' - q; k' * q]``
(the key first), an MLP [80, 40] with BatchNorm (eval: running statistics, eps 1e-4) and ReLU after
each hidden Linear, then Linear(1).

Where the sources disagree or the code is ill-defined, and what this reference does:
* GRU convention and AUGRU (MODELS.md choice table, which settles it for SURGE explicitly): PyTorch
  gates ``r, z, n`` (reset after the hidden matmul) and the paper's AUGRU ``u~ = alpha_t z``,
  ``h' = (1 - u~) h + u~ n`` (= ``dien.AttentionGRUCell``, seqrec's ``Recurrent.augruScan``),
  not the official ``VecAttGRUCell`` (TF gates, attention on the keep gate).
* Padding (choice table: padded positions contribute nothing): the graph is built over the n
  actions only. The official code builds it over all L slots, so its row min/max also sees the
  padding slots' (learned, non-zero) embeddings and a score depends on how much padding the batch
  has; on a full-length history (n = L) the two agree. Every official mask (``S * m m^T``,
  softmax masks with -2^32 + 1, ``gamma * m``) then has nothing left to mask.
* Edge cases (MODELS.md 6(e), 17.11): (i) a row whose similarities are all equal (n = 1, or every
  action the same item) has max = min: the official 0/0 is NaN; here such a row is all 0 (no edges
  but the self-loop Ab adds). (ii) ``to_keep == n``: the official gather reads one past the valid
  scores (out of range when n = L); here the sorted value there is 0, so ``thr = 1e-7`` and every
  node with gamma > 1e-7 stays, which is what the official code does whenever n < L.
  (iii) Ties at both thresholds are dropped (strict ``>``), as in the code: nodes whose score
  equals the threshold are not kept, so fewer than to_keep (or k) may survive.
* Empty history (n = 0): ``g = 0`` and ``h = 0`` (nothing to pool, an AUGRU over no steps), so the
  logit is ``mlp([0; 0; e_a; 0])``.
* The user embedding the official code looks up is unused by SURGE and is not part of the model.

Tensor names: ``emb.item.weight`` [n_items+1, 32], ``emb.cate.weight`` [n_cates+1, 8] (row 0 zero,
never read), ``graph_weight`` [40], ``att_cluster.*``, ``att_query.*``, ``att_gru.*`` (each
``proj.weight`` [40, 40], ``mlp.hidden.{0,1}.weight/bias``, ``mlp.bn.{0,1}.weight/bias/running_mean/
running_var/num_batches_tracked``, ``mlp.out.weight/bias``), ``fusion.weight`` [40, 40] (W_c),
``augru.weight_ih/weight_hh`` [120, 40], ``augru.bias_ih/bias_hh`` [120], ``mlp.hidden.{0,1}.*``,
``mlp.bn.{0,1}.*``, ``mlp.out.*``.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from _common import ItemCateEmbedding
from dien import AttentionGRUCell

SOURCE = ("SURGE (SIGIR 2021), official tsinghua-fib-lab/SIGIR21-SURGE surge.py step by step (metric graph, "
          "relative-rank sparsification, interest fusion/extraction, cluster pooling, AUGRU), gcn.yaml sizes; "
          "PyTorch GRU gates + paper AUGRU (MODELS.md choice table); graph over the valid actions only")

HPARAMS = dict(n_items=200, n_cates=20, d_item=32, d_cate=8, hidden=40, att_hidden="80,40", mlp_hidden="100,64",
               bn_eps=1e-4, relative_threshold=0.5, pool_length=30, leaky_slope=0.2, epsilon=1e-7, max_len=50)


class FcnNet(nn.Module):
    """``_fcn_net``: for each hidden size ``Linear -> BatchNorm1d (eval) -> ReLU``, then ``Linear(1)``."""

    def __init__(self, in_dim, hidden, eps):
        super().__init__()
        dims = [in_dim] + list(hidden)
        self.hidden = nn.ModuleList(nn.Linear(dims[i], dims[i + 1]) for i in range(len(hidden)))
        self.bn = nn.ModuleList(nn.BatchNorm1d(h, eps=eps) for h in hidden)
        self.out = nn.Linear(dims[-1], 1)

    def forward(self, x):
        shape = x.shape[:-1]
        x = x.reshape(-1, x.shape[-1])
        for linear, bn in zip(self.hidden, self.bn):
            x = F.relu(bn(linear(x)))
        return self.out(x).reshape(shape)


class AttentionFcn(nn.Module):
    """``_attention_fcn`` up to the (unmasked) logits: k' = k M^T, MLP([k'; q; k' - q; k' * q])."""

    def __init__(self, key_dim, query_dim, hidden, eps):
        super().__init__()
        self.proj = nn.Linear(key_dim, query_dim, bias=False)
        self.mlp = FcnNet(4 * query_dim, hidden, eps)

    def forward(self, query, keys):
        """query [..., n, Fq] or [..., Fq] (broadcast over the n keys), keys [..., n, Fk] -> [..., n]."""
        k = self.proj(keys)
        q = query.expand_as(k) if query.dim() == k.dim() else query.unsqueeze(-2).expand_as(k)
        return self.mlp(torch.cat([k, q, k - q, k * q], dim=-1))


class SURGE(nn.Module):
    def __init__(self, n_items, n_cates, d_item=32, d_cate=8, hidden=40, att_hidden=(80, 40), mlp_hidden=(100, 64),
                 bn_eps=1e-4, relative_threshold=0.5, pool_length=30, leaky_slope=0.2, epsilon=1e-7):
        super().__init__()
        self.emb = ItemCateEmbedding(n_items, n_cates, d_item, d_cate)
        f = self.emb.dim
        if hidden != f:
            raise ValueError(f"SURGE adds X to X_c and runs the AUGRU on X_c: hidden ({hidden}) must equal the "
                             f"node width d_item + d_cate ({f})")
        self.graph_weight = nn.Parameter(torch.empty(f))
        self.att_cluster = AttentionFcn(f, f, att_hidden, bn_eps)
        self.att_query = AttentionFcn(f, f, att_hidden, bn_eps)
        self.fusion = nn.Linear(f, hidden, bias=False)
        self.att_gru = AttentionFcn(hidden, f, att_hidden, bn_eps)
        self.augru = AttentionGRUCell(hidden, hidden, "AUGRU")
        self.mlp = FcnNet(4 * hidden, mlp_hidden, bn_eps)
        self.relative_threshold = relative_threshold
        self.pool_length = pool_length
        self.leaky_slope = leaky_slope
        self.epsilon = epsilon

    # ------------------------------------------------------------------ candidate-independent part

    def similarity(self, x):
        """Steps 1: weighted cosine graph with row min-max; a constant row becomes 0. x [n, F] -> [n, n]."""
        xn = F.normalize(x * self.graph_weight, p=2.0, dim=-1, eps=1e-6)   # = tf.nn.l2_normalize
        s = xn @ xn.t()
        lo = s.min(dim=1, keepdim=True).values
        hi = s.max(dim=1, keepdim=True).values
        span = hi - lo
        return torch.where(span > 0, (s - lo) / torch.where(span > 0, span, torch.ones_like(span)),
                           torch.zeros_like(s))

    def sparsify(self, s):
        """Step 2: A = 1[S > thr], thr = the k-th (0-based) largest entry, k = ceil(ratio * nnz)."""
        flat = s.reshape(-1)
        nnz = torch.count_nonzero(flat).to(torch.float32)
        k = int(torch.ceil(nnz * torch.tensor(self.relative_threshold, dtype=torch.float32)).item())
        thr = torch.sort(flat, descending=True).values[k] if k < flat.numel() else s.new_zeros(())
        return (s > thr).to(s.dtype), thr

    def graph(self, x):
        """Steps 1-3 up to the normalised adjacency: -> (S, thr, Ab, Ah)."""
        n = x.shape[0]
        s = self.similarity(x)
        a, thr = self.sparsify(s)
        eye = torch.eye(n, dtype=x.dtype)
        ab = (a > 0).to(x.dtype) * (1 - eye) + eye
        d = torch.sqrt(ab.sum(-1)) + self.epsilon
        ah = ab / d[None, :] / d[:, None]
        return s, thr, ab, ah

    # ------------------------------------------------------------------ one user, C candidates

    def score_user(self, x, t, trace=None):
        """x [n, F] (the user's n actions), t [C, F] (candidates) -> logits [C]. ``trace`` (a dict)
        receives the intermediate results the generator checks margins on."""
        C, f = t.shape
        n = x.shape[0]
        H = self.fusion.out_features
        if n == 0:
            zeros = t.new_zeros(C, H)
            return self.mlp(torch.cat([zeros, zeros, t, zeros], dim=-1))
        s, thr, ab, ah = self.graph(x)
        xq = ah @ (ah @ x)                                                   # [n, F]
        f1 = torch.softmax(self.att_cluster(xq, x), dim=-1)                 # [n]
        f2 = torch.softmax(self.att_query(t, x.expand(C, n, f)), dim=-1)    # [C, n]
        e = ab * (f1[None, None, :] + f2[:, :, None])                       # [C, n, n]
        e = F.leaky_relu(e, self.leaky_slope)
        e = torch.softmax(e.masked_fill(ab[None] == 0, float("-inf")), dim=-1)
        xc = F.leaky_relu(self.fusion(e @ x) + x, self.leaky_slope)         # [C, n, H]
        xq2 = ah @ (ah @ xc)
        f1b = torch.softmax(self.att_cluster(xq2, xc), dim=-1)
        f2b = torch.softmax(self.att_query(t, xc), dim=-1)
        gamma = torch.softmax(f1b + f2b, dim=-1)                            # [C, n]
        to_keep = self.pool_length if n > self.pool_length else n
        srt = torch.sort(gamma, dim=-1, descending=True).values
        base = srt[:, to_keep] if to_keep < n else gamma.new_zeros(C)
        gthr = base + self.epsilon
        keep = gamma > gthr[:, None]                                         # [C, n]
        g = ((gamma * keep.to(gamma.dtype))[:, :, None] * xc).sum(1)         # [C, H]
        hs = []
        kept_counts = []
        for c in range(C):
            idx = keep[c].nonzero().flatten()                                # temporal order
            kept_counts.append(int(idx.numel()))
            xk = xc[c, idx]                                                  # [m, H]
            h = t.new_zeros(1, H)
            if idx.numel():
                alpha = torch.softmax(self.att_gru(t[c], xk), dim=-1)        # [m]
                for step in range(xk.shape[0]):
                    h = self.augru(xk[step:step + 1], h, alpha[step].reshape(1, 1))
            hs.append(h[0])
        h = torch.stack(hs)
        if trace is not None:
            trace.update(s=s, thr=thr, gamma=gamma, gamma_base=base, keep=keep, kept=kept_counts)
        return self.mlp(torch.cat([h, g, t, g * t], dim=-1))

    def forward(self, hist_items, hist_cates, hist_len, cand_items, cand_cates, traces=None):
        """hist_* [B, L] right-padded, hist_len [B], cand_* [B, C] -> logits [B, C]."""
        B = hist_items.shape[0]
        out = []
        for b in range(B):
            n = int(hist_len[b])
            x = self.emb(hist_items[b, :n], hist_cates[b, :n])
            t = self.emb(cand_items[b], cand_cates[b])
            trace = {} if traces is not None else None
            out.append(self.score_user(x, t, trace))
            if traces is not None:
                traces.append(trace)
        return torch.stack(out)


def build(hp=HPARAMS):
    return SURGE(hp["n_items"], hp["n_cates"], hp["d_item"], hp["d_cate"], hp["hidden"],
                 tuple(int(v) for v in hp["att_hidden"].split(",")),
                 tuple(int(v) for v in hp["mlp_hidden"].split(",")),
                 hp["bn_eps"], hp["relative_threshold"], hp["pool_length"], hp["leaky_slope"], hp["epsilon"])
