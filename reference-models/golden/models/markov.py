"""First-order Markov chain over items, fitted by counting: PyTorch reference for seqrec.

Sources (MODELS.md section 1): no public reference implementation exists (the survey cites
Garcin et al. 2013 / Feng et al. 2015 and shows a toy); MODELS.md leaves the smoothing and the
fallback to the project, so this module is the definition.

Fit. ``C[i][j]`` = the number of times item j immediately follows item i inside one sequence
(a user's or a session's; nothing is counted across sequences). Counted here with
``torch.sparse_coo_tensor(...).coalesce()``, which sums duplicate (i, j) pairs.

Score of item j after a history whose most recent item is i (additive smoothing, lambda =
``smoothing`` > 0, N = ``n_items``):

    R[i] = sum_k C[i][k]
    P(j | i) = (C[i][j] + lambda) / (R[i] + lambda N)             if R[i] > 0
    P(j | i) = P0(j) = (T[j] + lambda) / (T + lambda N)            otherwise (and for the empty history)

where ``T[j] = sum_i C[i][j]`` counts the transitions into j and ``T = sum_j T[j]``: an item
never seen followed by anything (or no history at all) falls back to the smoothed popularity of
next items. The score is this probability (not a logit). Only the most recent item matters;
that item is the whole serving state.

Sequence file (``sequences.csv``): one sequence per line, oldest first, item ids 1..n_items
separated by commas; blank lines and lines starting with ``#`` are skipped; a one-item sequence
has no transition.

Fitted table (``weights.safetensors``): the counts in CSR form, rows = previous item 0..n_items
(row 0 is always empty): ``row_offsets`` I64 [n_items + 2], ``next_items`` I64 [nnz] (ascending
within a row), ``counts`` I64 [nnz]. Metadata: model, source, n_items, smoothing.
"""
import torch

SOURCE = ("first-order Markov chain fitted by counting (MODELS.md 1), additive smoothing lambda, "
          "empty row / empty history -> smoothed next-item popularity")

HPARAMS = dict(n_items=60, smoothing=0.5, max_len=40)


def read_sequences(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            out.append([int(x) for x in line.split(",")])
    return out


def write_sequences(path, sequences, header):
    with open(path, "w") as f:
        for line in header:
            f.write("# " + line + "\n")
        for s in sequences:
            f.write(",".join(str(x) for x in s) + "\n")


def count_transitions(sequences, n_items):
    """Sparse [n_items+1, n_items+1] int64 count matrix (coalesced)."""
    src, dst = [], []
    for s in sequences:
        for a, b in zip(s[:-1], s[1:]):
            src.append(a)
            dst.append(b)
    idx = torch.tensor([src, dst], dtype=torch.int64).reshape(2, -1)
    return torch.sparse_coo_tensor(idx, torch.ones(idx.shape[1], dtype=torch.int64),
                                   (n_items + 1, n_items + 1)).coalesce()


def csr(counts):
    """(row_offsets [N+2], next_items [nnz], counts [nnz]) of a coalesced sparse matrix."""
    n_rows = counts.shape[0]
    rows, cols = counts.indices()
    vals = counts.values()
    offsets = torch.zeros(n_rows + 1, dtype=torch.int64)
    offsets[1:] = torch.cumsum(torch.bincount(rows, minlength=n_rows), 0)
    return offsets, cols.clone(), vals.clone()


def transition_probs(counts, smoothing):
    """Dense float64 [N+1, N+1]: row i = P(. | i), row 0 = the fallback P0; column 0 = 0."""
    C = counts.to_dense().to(torch.float64)
    n = C.shape[0] - 1
    lam = float(smoothing)
    R = C.sum(1, keepdim=True)
    T = C.sum(0, keepdim=True)
    p0 = (T + lam) / (T.sum() + lam * n)
    P = torch.where(R > 0, (C + lam) / (R + lam * n), p0.expand_as(C))
    P[0] = p0[0]
    P[:, 0] = 0.0
    return P


class MarkovChain:
    """Scores from a fitted count matrix (same interface as the nn.Module references)."""

    def __init__(self, counts, smoothing):
        self.P = transition_probs(counts, smoothing)

    def last_item(self, hist_items, hist_len):
        last = hist_items.gather(1, (hist_len - 1).clamp(min=0)[:, None])[:, 0]
        return torch.where(hist_len > 0, last, torch.zeros_like(last))

    def catalogue_scores(self, hist_items, hist_len):
        return self.P[self.last_item(hist_items, hist_len)]

    def __call__(self, hist_items, hist_len, cand_items):
        return self.catalogue_scores(hist_items, hist_len).gather(1, cand_items)
