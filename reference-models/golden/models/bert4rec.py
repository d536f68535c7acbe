"""BERT4Rec (Sun et al., CIKM 2019): PyTorch reference for seqrec.

Sources (MODELS.md 14, choice table: "BERT4Rec = FeiSun/BERT4Rec (= RecBole structure)"):
FeiSun/BERT4Rec ``modeling.py`` (BERT embeddings with ``embedding_postprocessor``, post-LN
transformer, exact-erf ``gelu``, additive -10000 mask), ``run.py::get_masked_lm_output`` (output
head), ``gen_data_fin.py`` (right-padded windows, the test item replaced by [MASK] at the end),
``bert_train/bert_config_ml-1m_64.json`` (sizes); RecBole ``bert4rec.py`` agrees on the structure.

    h_0 = LN(E[s] + P[slot] + T[0])                    (T = BERT's token-type table; every id is 0)
    block (post-LN, nn.TransformerEncoderLayer with GELU = exact erf, LN eps 1e-12):
        h = LN(h + MHA(h; key padding))  ;  h = LN(h + W_2 GELU(W_1 h + b_1) + b_2)
    z   = LN_out(GELU(W_t h[len] + b_t))               (h at the appended [MASK] slot)
    logit(i) = z . E[i] + b_out[i]                     (tied item table, per-item output bias)

Next-item inference: the history (at most ``max_len - 1`` actions, oldest first) gets the [MASK]
token (id ``n_items + 1``) appended at slot ``len``; attention is bidirectional over the
``len + 1`` valid slots (key padding only; a padded key gets weight 0 - the official -10000
adder gives exp(-10000) = 0 in float32 as well, and a row is never fully masked because [MASK] is
always valid). The empty history is defined: [MASK] alone at slot 0. The user embedding is ``z``;
the catalogue is items ``1..n_items`` (padding row 0 and the [MASK] row are never recommended).

Tensor names: ``item_emb.weight`` [n_items+2, d] (row 0 padding = 0, row n_items+1 = [MASK]),
``pos_emb.weight`` [max_len, d], ``type_emb.weight`` [1, d], ``emb_ln.{weight,bias}``,
``encoder.layers.{i}.self_attn.{in_proj_weight [3d, d], in_proj_bias, out_proj.*}``,
``encoder.layers.{i}.linear{1,2}.*``, ``encoder.layers.{i}.norm{1,2}.*`` (norm1 after attention),
``out_dense.*``, ``out_ln.*``, ``out_bias`` [n_items+2].
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from _common import length_mask

SOURCE = ("BERT4Rec (Sun et al., CIKM 2019); FeiSun/BERT4Rec modeling.py + run.py get_masked_lm_output "
          "(token-type row, embedding LN, post-LN, erf GELU, dense+GELU+LN head, tied embeddings + output bias)")

HPARAMS = dict(n_items=300, hidden=64, num_layers=2, num_heads=2, intermediate=256, max_len=200, ln_eps=1e-12)


class BERT4Rec(nn.Module):
    def __init__(self, n_items, hidden, num_layers, num_heads, intermediate, max_len, ln_eps=1e-12):
        super().__init__()
        self.max_len = max_len
        self.mask_id = n_items + 1
        self.item_emb = nn.Embedding(n_items + 2, hidden, padding_idx=0)
        self.pos_emb = nn.Embedding(max_len, hidden)
        self.type_emb = nn.Embedding(1, hidden)
        self.emb_ln = nn.LayerNorm(hidden, eps=ln_eps)
        layer = nn.TransformerEncoderLayer(hidden, num_heads, intermediate, dropout=0.0, activation="gelu",
                                           layer_norm_eps=ln_eps, batch_first=True, norm_first=False)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.out_dense = nn.Linear(hidden, hidden)
        self.out_ln = nn.LayerNorm(hidden, eps=ln_eps)
        self.out_bias = nn.Parameter(torch.zeros(n_items + 2))

    @property
    def n_items(self):
        return self.mask_id - 1

    def with_mask_token(self, hist_items, hist_len):
        """[B, L] history -> [B, L+1] tokens with [MASK] at slot len."""
        B, L = hist_items.shape
        if L > self.max_len - 1:
            raise ValueError(f"history of {L} slots exceeds max_len - 1 = {self.max_len - 1}")
        tokens = torch.cat([hist_items * length_mask(hist_len, L), torch.zeros(B, 1, dtype=torch.int64)], dim=1)
        tokens.scatter_(1, hist_len[:, None], torch.full((B, 1), self.mask_id, dtype=torch.int64))
        return tokens

    def user_embedding(self, hist_items, hist_len):
        tokens = self.with_mask_token(hist_items, hist_len)
        B, L1 = tokens.shape
        x = self.item_emb(tokens) + self.pos_emb.weight[None, :L1] + self.type_emb.weight[0]
        x = self.emb_ln(x)
        pad = ~length_mask(hist_len + 1, L1)
        # the slow (reference) path: PyTorch's fast path would return zeros at padded slots
        h = self.encoder(x, src_key_padding_mask=pad)
        z = h[torch.arange(B), hist_len]
        return self.out_ln(F.gelu(self.out_dense(z)))

    def item_table(self):
        return self.item_emb.weight

    def forward(self, hist_items, hist_len, cand_items):
        z = self.user_embedding(hist_items, hist_len)
        return torch.einsum("bd,bcd->bc", z, self.item_emb(cand_items)) + self.out_bias[cand_items]


def build(hp=HPARAMS):
    return BERT4Rec(hp["n_items"], hp["hidden"], hp["num_layers"], hp["num_heads"], hp["intermediate"], hp["max_len"],
                    hp["ln_eps"])
