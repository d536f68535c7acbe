"""Caser (Tang & Wang, "Personalized Top-N Sequential Recommendation via Convolutional Sequence
Embedding", WSDM 2018): PyTorch reference for seqrec.

Sources (MODELS.md section 4): the authors' PyTorch code graytowne/caser_pytorch, ``caser.py``
(the network, followed line by line), ``train_caser.py`` (defaults ``d = 50, L = 5, nv = 4,
nh = 16, ac_conv = ac_fc = relu``), ``interactions.py`` (item ids from 1, short sequences
left-padded with id 0) and ``utils.py`` (``activation_getter``: iden, relu, tanh, sigm);
RUCAIBox/RecBole ``caser.py`` for the variant head. The state_dict keys are the official ones,
so a trained official Caser loads as it is.

Forward (one user u; the window is the user's last L actions, oldest first):

    E  = item_embeddings[window]                     [L, d], a one-channel L x d image
    o_v = conv_v(E)                                  nv filters of shape L x 1: nv x d values (no activation)
    o_h = [max_t ac_conv(conv_h[h-1](E))[t] for h = 1 .. L]   nh filters of shape h x d per height
    z  = ac_fc(fc1([o_v; o_h]))                      [d]     (dropout is off at inference)
    x  = [z; user_embeddings[u]]                     [2d]    the user embedding seqrec serves
    y_j = x . W2[j] + b2[j]                          every item j (W2, b2 are nn.Embedding tables)

Where the sources disagree, and what this reference does:
* Head: the official one (per-item output embedding W2 of width 2d and a per-item bias b2) rather
  than RecBole's (``fc2: 2d -> d`` + ReLU, scores against the tied input embedding, no bias).
* Padding: the window always has L rows. A history shorter than L is left-padded with id 0, and
  id 0 has a learned, non-zero embedding that enters both convolutions (the official code, and
  MODELS.md section 4: Caser's padding row is part of its math, because every filter of height h
  slides over the fixed L x d image). An empty history is a window of L padding rows, so Caser
  scores a new (known) user too. A history longer than L is cut to its most recent L actions.
  (The batch files carry right-padded histories with ``hist_len`` as every seqrec model does; the
  window is built from them here.)
* The activation after the horizontal convolutions is applied before the max over time, as the
  code does; all four choices are non-decreasing, so max and activation commute.
* User ids follow seqrec's convention: 1 .. n_users are known users, 0 is the unknown user. The
  user table has n_users + 1 rows and row 0 is ``padding_idx`` (zero), so the unknown user's
  ``P_u = 0`` and its scores use the sequence part alone: ``y_j = z . W2[j][:d] + b2[j]``. (The
  official table has n_users rows for ids 0 .. n_users - 1: prepend a zero row to load it, and
  add 1 to its user ids.)

Tensor names (official): ``user_embeddings.weight`` [n_users+1, d] (row 0 = the unknown user, zero), ``item_embeddings.weight``
[n_items+1, d] (row 0 = padding, learned), ``conv_v.weight`` [nv, 1, L, 1], ``conv_v.bias`` [nv],
``conv_h.{h-1}.weight`` [nh, 1, h, d], ``conv_h.{h-1}.bias`` [nh], ``fc1.weight`` [d, nv d + nh L],
``fc1.bias`` [d], ``W2.weight`` [n_items+1, 2d], ``b2.weight`` [n_items+1, 1].
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SOURCE = ("Caser (WSDM 2018), official graytowne/caser_pytorch caser.py (network, state_dict names, W2/b2 head), "
          "train_caser.py defaults, interactions.py left padding with a learned id-0 row")

HPARAMS = dict(n_items=200, n_users=30, d=50, L=5, nv=4, nh=16, ac_conv="relu", ac_fc="relu", max_len=5)

ACTIVATIONS = {"iden": lambda x: x, "relu": F.relu, "tanh": torch.tanh, "sigm": torch.sigmoid}


class Caser(nn.Module):
    def __init__(self, n_users, n_items, d=50, L=5, nv=4, nh=16, ac_conv="relu", ac_fc="relu"):
        super().__init__()
        self.L = L
        self.ac_conv = ACTIVATIONS[ac_conv]
        self.ac_fc = ACTIVATIONS[ac_fc]
        self.user_embeddings = nn.Embedding(n_users + 1, d, padding_idx=0)  # 0 = unknown user
        self.item_embeddings = nn.Embedding(n_items + 1, d)       # no padding_idx: id 0 is learned
        self.conv_v = nn.Conv2d(1, nv, (L, 1))
        self.conv_h = nn.ModuleList(nn.Conv2d(1, nh, (h, d)) for h in range(1, L + 1))
        self.fc1 = nn.Linear(nv * d + nh * L, d)
        self.W2 = nn.Embedding(n_items + 1, 2 * d)
        self.b2 = nn.Embedding(n_items + 1, 1)

    def window(self, hist_items, hist_len):
        """Right-padded histories [B, Lh] + lengths -> the official input [B, L]: the last
        min(len, L) actions, left-padded with id 0."""
        B, Lh = hist_items.shape
        out = torch.zeros(B, self.L, dtype=torch.int64)
        for b in range(B):
            n = int(hist_len[b])
            m = min(n, self.L)
            if m:
                out[b, self.L - m:] = hist_items[b, n - m:n]
        return out

    def user_embedding_of_window(self, window, user_id):
        """The official ``forward`` up to ``x = [z; P_u]``: window [B, L], user_id [B] -> [B, 2d]."""
        item_embs = self.item_embeddings(window).unsqueeze(1)              # [B, 1, L, d]
        out_v = self.conv_v(item_embs).reshape(window.shape[0], -1)        # [B, nv * d] (filter-major)
        out_hs = []
        for conv in self.conv_h:
            conv_out = self.ac_conv(conv(item_embs).squeeze(3))            # [B, nh, L - h + 1]
            out_hs.append(F.max_pool1d(conv_out, int(conv_out.size(2))).squeeze(2))
        out = torch.cat([out_v, torch.cat(out_hs, 1)], 1)
        z = self.ac_fc(self.fc1(out))
        return torch.cat([z, self.user_embeddings(user_id)], 1)

    def user_embedding(self, hist_items, hist_len, user_id):
        return self.user_embedding_of_window(self.window(hist_items, hist_len), user_id)

    def catalogue_scores(self, x):
        """x [B, 2d] -> scores of every item id 0 .. n_items [B, n_items+1] (id 0 is never recommended)."""
        return x @ self.W2.weight.t() + self.b2.weight[:, 0]

    def forward(self, hist_items, hist_len, user_id, cand_items):
        """-> logits [B, C] = x . W2[cand] + b2[cand] (the official ``for_pred`` scores)."""
        x = self.user_embedding(hist_items, hist_len, user_id)
        return torch.einsum("bd,bcd->bc", x, self.W2(cand_items)) + self.b2(cand_items)[..., 0]


def build(hp=HPARAMS):
    return Caser(hp["n_users"], hp["n_items"], hp["d"], hp["L"], hp["nv"], hp["nh"], hp["ac_conv"], hp["ac_fc"])
