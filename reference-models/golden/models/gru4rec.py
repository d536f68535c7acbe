"""GRU4Rec (Hidasi, Karatzoglou, Baltrunas, Tikk, ICLR 2016): PyTorch reference for seqrec.

Sources (MODELS.md sections 0.1 and 3): the official PyTorch port hidasib/GRU4Rec_PyTorch_Official
``gru4rec_pytorch.py`` (``GRU4RecModel.embed / hidden_step / score_items``) and its paramfile
``rsc15_xe_shared_100_best.py`` (constrained embedding); RUCAIBox/RecBole
``sequential_recommender/gru4rec.py`` read for comparison only.

Choice followed (MODELS.md section 18): the official port, not RecBole (RecBole uses a bias-free
``nn.GRU`` plus a ``dense`` projection and no item bias). Parameter names are the official ones.

    input   e_t = Wy[s_t]            constrained_embedding=True (the output item matrix is the input)
            e_t = E[s_t]             embedding > 0 (a separate input table of that width)
    layers  h^(i)_t = GRUCell_i(h^(i-1)_t, h^(i)_{t-1}),  h^(0)_t = e_t,  h^(i)_0 = 0
            (``nn.GRUCell``: PyTorch gate rows r, z, n, reset applied after the hidden matmul)
    score   y_j = h^(last)_n . Wy[j] + By[j]      (``score_items``: X O^T + B^T; no activation)

The per-session state is the list of per-layer hidden states; one new event is one step of every
layer (the serving cache). Dropout is off at inference. Not supported: the third input mode of
the official code (``embedding=0`` and unconstrained: the one-hot ``GRUEmbedding`` first layer,
whose reset gate is applied *before* its hidden matmul, a different cell from ``nn.GRUCell``).

seqrec conventions (README.md): item ids 1..n_items; id 0 is padding, so ``Wy``, ``By`` (and ``E``)
have n_items + 1 rows with row 0 zero (the official code has no padding id; row 0 is never scored
and never fed to the GRU, because only the ``len`` valid slots are stepped). The empty history
(``len = 0``) is a session that has just started: every hidden state is 0, so ``y_j = By[j]``.

Tensor names: ``Wy.weight`` [n_items+1, H_last], ``By.weight`` [n_items+1, 1],
``G.{i}.weight_ih`` [3 H_i, in_i], ``G.{i}.weight_hh`` [3 H_i, H_i], ``G.{i}.bias_ih``,
``G.{i}.bias_hh`` [3 H_i] (in_0 = H_last when constrained, ``embedding`` otherwise; in_i = H_{i-1}),
``E.weight`` [n_items+1, embedding] only when not constrained.
"""
import torch
import torch.nn as nn

from _common import length_mask

SOURCE = ("GRU4Rec (ICLR 2016), official PyTorch port hidasib/GRU4Rec_PyTorch_Official "
          "GRU4RecModel (nn.GRUCell stack, constrained embedding, y = h Wy^T + By)")

HPARAMS = dict(n_items=100, layers="24,32", embedding=0, constrained_embedding=True, max_len=100)
# the separate-input-table variant (embedding > 0, not constrained, one layer), a second weight file
HPARAMS_SEPARATE = dict(HPARAMS, layers="16", embedding=8, constrained_embedding=False)


class GRU4Rec(nn.Module):
    def __init__(self, n_items, layers=(100,), embedding=0, constrained_embedding=True):
        super().__init__()
        if not constrained_embedding and embedding <= 0:
            raise ValueError("the one-hot GRUEmbedding input (embedding=0, unconstrained) is not supported")
        self.layers = list(layers)
        self.constrained_embedding = constrained_embedding
        if constrained_embedding:
            n_input = self.layers[-1]
        else:
            self.E = nn.Embedding(n_items + 1, embedding, padding_idx=0)
            n_input = embedding
        self.G = nn.ModuleList(nn.GRUCell(self.layers[i - 1] if i > 0 else n_input, self.layers[i])
                               for i in range(len(self.layers)))
        self.Wy = nn.Embedding(n_items + 1, self.layers[-1], padding_idx=0)
        self.By = nn.Embedding(n_items + 1, 1, padding_idx=0)

    def embed(self, items):
        return self.Wy(items) if self.constrained_embedding else self.E(items)

    def hidden_states(self, hist_items, hist_len):
        """Per-layer hidden states after the ``len`` valid events: list of [B, H_i]. Steps at or
        past ``len`` keep the state (right padding)."""
        B, L = hist_items.shape
        e = self.embed(hist_items)
        valid = length_mask(hist_len, L)
        H = [e.new_zeros(B, h) for h in self.layers]
        for t in range(L):
            x = e[:, t, :]
            m = valid[:, t:t + 1]
            for i, cell in enumerate(self.G):
                nxt = cell(x, H[i])
                H[i] = torch.where(m, nxt, H[i])
                x = H[i]
        return H

    def user_embedding(self, hist_items, hist_len):
        """[B, H_last]: the last layer's state, the query scored against ``Wy``."""
        return self.hidden_states(hist_items, hist_len)[-1]

    def catalogue_scores(self, hist_items, hist_len):
        """[B, n_items+1] scores of every id (column 0 = padding, never recommended)."""
        u = self.user_embedding(hist_items, hist_len)
        return u @ self.Wy.weight.t() + self.By.weight.t()

    def forward(self, hist_items, hist_len, cand_items):
        """hist_items [B, L], hist_len [B], cand_items [B, C] -> scores [B, C]."""
        u = self.user_embedding(hist_items, hist_len)
        return torch.einsum("bh,bch->bc", u, self.Wy(cand_items)) + self.By(cand_items)[..., 0]


def build(hp=HPARAMS):
    return GRU4Rec(hp["n_items"], tuple(int(x) for x in str(hp["layers"]).split(",")), hp["embedding"],
                   hp["constrained_embedding"])


def packed_gru_check(model, hist_items, hist_len):
    """An independent evaluation of the same stack with ``nn.GRU`` and ``pack_padded_sequence``
    (one single-layer ``nn.GRU`` per layer, since the widths may differ): returns the last layer's
    state [B, H_last] for the rows with len >= 1."""
    keep = hist_len > 0
    x = model.embed(hist_items[keep])
    lengths = hist_len[keep]
    for cell in model.G:
        gru = nn.GRU(cell.input_size, cell.hidden_size, batch_first=True).to(x.dtype)
        with torch.no_grad():
            gru.weight_ih_l0.copy_(cell.weight_ih)
            gru.weight_hh_l0.copy_(cell.weight_hh)
            gru.bias_ih_l0.copy_(cell.bias_ih)
            gru.bias_hh_l0.copy_(cell.bias_hh)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, h = gru(packed)
        x, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=hist_items.shape[1])
    return h[0], keep
