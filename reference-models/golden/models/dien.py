"""DIEN - Deep Interest Evolution Network (Zhou et al., AAAI 2019): PyTorch reference for seqrec.

Sources (MODELS.md sections 0.1, 0.2, 8): DIEN paper (interest extractor, bilinear attention,
AUGRU); FuxiCTR ``model_zoo/DIEN/src/DIEN.py`` (default ``bilinear_attention`` + AUGRU);
DeepCTR-Torch ``layers/sequence.py::AUGRUCell/AGRUCell`` (paper gate semantics);
official TF mouna99/dien ``script/model.py`` (sizes: EMBEDDING_DIM 18, HIDDEN_SIZE 36, maxlen 100;
output layout ``[h'; e_a; sum e; e_a * sum e]``, final MLP 200 Dice -> 80 Dice) and
``din_fcn_attention`` for the MLP-attention option.

Choices followed (MODELS.md choice table):
* GRU convention: PyTorch's (``nn.GRU`` extractor; the evolution cells use the same ``r, z, n``
  rows, reset applied after the hidden matmul, and the same tensor names as ``nn.GRUCell``).
* DIEN attention: the paper's bilinear ``a_t = softmax_t(h_t W e_a)`` over valid steps;
  ``attention='mlp'`` gives DeepCTR-Torch's form (``AttentionSequencePoolingLayer``): the DIN
  activation unit on ``[e_a; h; e_a-h; e_a*h]`` (needs ``hidden = d``), hidden widths
  ``att_hidden``, activation ``att_activation``, then with ``softmax`` an unscaled masked softmax
  (``softmax_scale='none'``, ``att_weight_normalization=True``) or the raw scores without it.
  ``attention='mlp_tf'`` is the official TF form (``q = PReLU(Linear(e_a))``, DIN unit
  ``[q; h; q-h; q*h]`` -> 80 sigmoid -> 40 sigmoid -> 1, masked softmax; no golden, no Java port).
* AUGRU: the paper form with PyTorch gates, as DeepCTR-Torch/FuxiCTR:
  ``r = s(W_ir x + b_ir + W_hr h + b_hr)``, ``u = s(W_iz x + b_iz + W_hz h + b_hz)``,
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``u~ = a_t u``, ``h' = (1 - u~) h + u~ n``.
  Variants (``gru_type``): AGRU ``h' = (1 - a_t) h + a_t n``; AIGRU = ``nn.GRUCell`` on ``a_t x``.
* Padding: id 0 masked. Steps at or after ``len`` leave the evolution state unchanged (explicit
  ``where``, for all three variants), so ``h'`` is the state after step ``len-1``; empty history
  gives ``h' = 0`` and ``sum e = 0`` (DeepCTR-Torch/FuxiCTR return zeros).

Forward, per user (B) and candidate (C):
    e_t = [E_item; E_cate] (18 + 18 = 36);  h_1..h_L = GRU(e_1..e_L)       (per user: cacheable)
    a_t = masked_softmax_t(h_t . (W e_a))                                    (W: att.weight [36, 36])
    h'  = AUGRU over (h_t, a_t), t < len, from h_0 = 0
    s   = sum_{t<len} e_t
    logit = MLP([h'; e_a; s; e_a * s])    (200 Dice -> 80 Dice -> 1)

Tensor names: ``emb.item.weight, emb.cate.weight, gru.weight_ih_l0, gru.weight_hh_l0,
gru.bias_ih_l0, gru.bias_hh_l0, att.weight, evolution.weight_ih, evolution.weight_hh,
evolution.bias_ih, evolution.bias_hh, mlp.hidden.{0,1}.*, mlp.act.{0,1}.* (Dice), mlp.out.*``;
with ``attention='mlp'`` instead of ``att.weight``: ``att.hidden.{i}.*, att.act.{i}.*, att.out.*``
(as DIN's activation unit); with ``attention='mlp_tf'``: ``att_query.weight/bias, att_prelu.weight,
att_mlp.hidden.{0,1}.*, att_mlp.out.*``.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from _common import MLP, ItemCateEmbedding, length_mask, masked_softmax

SOURCE = ("DIEN paper (AAAI 2019) + FuxiCTR DIEN (bilinear attention, AUGRU) + DeepCTR-Torch AUGRUCell "
          "(paper gates, PyTorch GRU convention); official mouna99/dien sizes and output layout")

HPARAMS = dict(n_items=200, n_cates=20, d_item=18, d_cate=18, hidden=36, mlp_hidden="200,80",
               activation="dice", dice_eps=1e-8, gru_type="AUGRU", attention="bilinear", max_len=100)


class AttentionGRUCell(nn.Module):
    """AUGRU / AGRU step with ``nn.GRUCell``'s parameter layout (rows r, z, n)."""

    def __init__(self, input_size, hidden_size, kind):
        super().__init__()
        self.kind = kind
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))

    def forward(self, x, h, a):
        """x [N, in], h [N, H], a [N, 1] -> h' [N, H]."""
        gi = F.linear(x, self.weight_ih, self.bias_ih)
        gh = F.linear(h, self.weight_hh, self.bias_hh)
        i_r, i_z, i_n = gi.chunk(3, dim=-1)
        h_r, h_z, h_n = gh.chunk(3, dim=-1)
        r = torch.sigmoid(i_r + h_r)
        n = torch.tanh(i_n + r * h_n)
        if self.kind == "AGRU":
            return (1.0 - a) * h + a * n
        u = a * torch.sigmoid(i_z + h_z)
        return (1.0 - u) * h + u * n


class DIEN(nn.Module):
    def __init__(self, n_items, n_cates, d_item, d_cate, hidden=36, mlp_hidden=(200, 80),
                 activation="dice", gru_type="AUGRU", attention="bilinear",
                 mlp_input="evolved_target_sum_product", att_hidden=(8, 4), att_activation="dice",
                 softmax=True, softmax_scale="none"):
        super().__init__()
        # mlp_input="evolved_target": [h'; e_a] only (FuxiCTR's DIEN without enable_sum_pooling)
        self.mlp_input = mlp_input
        self.emb = ItemCateEmbedding(n_items, n_cates, d_item, d_cate)
        d = self.emb.dim
        self.gru = nn.GRU(d, hidden, batch_first=True)
        self.attention = attention
        if attention == "bilinear":
            self.att = nn.Linear(d, hidden, bias=False)
        elif attention == "mlp":
            # DeepCTR-Torch: the DIN unit directly on (e_a, h_t); widths must agree
            assert hidden == d, "attention='mlp' needs hidden = d_item + d_cate"
            self.att = MLP(4 * d, att_hidden, att_activation)
            self.softmax = softmax
            self.scale = 1.0 if softmax_scale == "none" else d ** -0.5
        elif attention == "mlp_tf":
            self.att_query = nn.Linear(d, hidden)
            self.att_prelu = nn.PReLU()
            self.att_mlp = MLP(4 * hidden, (80, 40), "sigmoid")
        else:
            raise ValueError(attention)
        self.gru_type = gru_type
        if gru_type == "AIGRU":
            self.evolution = nn.GRUCell(hidden, hidden)
        elif gru_type in ("AUGRU", "AGRU"):
            self.evolution = AttentionGRUCell(hidden, hidden, gru_type)
        else:
            raise ValueError(gru_type)
        self.mlp = MLP(hidden + (3 if mlp_input == "evolved_target_sum_product" else 1) * d, mlp_hidden,
                       activation)

    def extract(self, hist_items, hist_cates):
        """Interest extractor: [B, L] ids -> e [B, L, d], h [B, L, H] (candidate independent).
        Steps past ``len`` see the zero padding embedding; their states are never used."""
        e = self.emb(hist_items, hist_cates)
        h, _ = self.gru(e)
        return e, h

    def scores(self, h, t):
        """Attention logits [B, C, L] for states h [B, L, H] and targets t [B, C, d]."""
        if self.attention == "bilinear":
            return torch.einsum("blh,bch->bcl", h, self.att(t))
        B, L, H = h.shape
        C = t.shape[1]
        if self.attention == "mlp":
            q = t[:, :, None, :].expand(B, C, L, H)
            hh = h[:, None, :, :].expand(B, C, L, H)
            return self.att(torch.cat([q, hh, q - hh, q * hh], dim=-1)).squeeze(-1)
        q = self.att_prelu(self.att_query(t))[:, :, None, :].expand(B, C, L, H)
        hh = h[:, None, :, :].expand(B, C, L, H)
        return self.att_mlp(torch.cat([q, hh, q - hh, q * hh], dim=-1)).squeeze(-1)

    def forward(self, hist_items, hist_cates, hist_len, cand_items, cand_cates):
        """hist_* [B, L], hist_len [B], cand_* [B, C] -> logits [B, C]."""
        B, L = hist_items.shape
        C = cand_items.shape[1]
        e, h = self.extract(hist_items, hist_cates)
        t = self.emb(cand_items, cand_cates)                                  # [B, C, d]
        valid = length_mask(hist_len, L)                                      # [B, L]
        mask = valid[:, None, :].expand(B, C, L)
        if self.attention == "mlp" and not self.softmax:
            a = self.scores(h, t) * mask.to(h.dtype)                           # raw unit outputs
        else:
            a = masked_softmax(self.scores(h, t) * getattr(self, "scale", 1.0), mask)  # [B, C, L]
        H = h.shape[-1]
        state = h.new_zeros(B * C, H)
        for step in range(L):
            x = h[:, None, step, :].expand(B, C, H).reshape(B * C, H)
            a_t = a[:, :, step].reshape(B * C, 1)
            if self.gru_type == "AIGRU":
                nxt = self.evolution(a_t * x, state)
            else:
                nxt = self.evolution(x, state, a_t)
            m = mask[:, :, step].reshape(B * C, 1)
            state = torch.where(m, nxt, state)
        hp = state.reshape(B, C, H)
        s = (e * valid[:, :, None].to(e.dtype)).sum(1)[:, None, :].expand(B, C, e.shape[-1])
        if self.mlp_input == "evolved_target":
            return self.mlp(torch.cat([hp, t], dim=-1)).squeeze(-1)
        return self.mlp(torch.cat([hp, t, s, t * s], dim=-1)).squeeze(-1)


def build(hp=HPARAMS):
    return DIEN(hp["n_items"], hp["n_cates"], hp["d_item"], hp["d_cate"], hp["hidden"],
                tuple(int(x) for x in hp["mlp_hidden"].split(",")), hp["activation"],
                hp["gru_type"], hp["attention"], hp.get("mlp_input", "evolved_target_sum_product"),
                tuple(int(x) for x in hp.get("att_hidden", "8,4").split(",")), hp.get("att_activation", "dice"),
                hp.get("softmax", "true") == "true", hp.get("softmax_scale", "none"))


# FuxiCTR's DIEN without sum pooling, small: weights_peer.safetensors
PEER_HPARAMS = dict(n_items=50, n_cates=8, d_item=4, d_cate=4, hidden=8, mlp_hidden="12,6",
                    activation="relu", dice_eps=1e-8, gru_type="AUGRU", attention="bilinear", max_len=20,
                    mlp_input="evolved_target")


# DeepCTR-Torch's DIEN form (DIN unit on the interest states, [h'; e_a]), small: weights_mlp.safetensors
MLP_HPARAMS = dict(n_items=200, n_cates=20, d_item=4, d_cate=4, hidden=8, mlp_hidden="12,6",
                   activation="relu", dice_eps=1e-8, gru_type="AUGRU", attention="mlp", max_len=12,
                   mlp_input="evolved_target", att_hidden="8,4", att_activation="dice", softmax="true",
                   softmax_scale="none")
