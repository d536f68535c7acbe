"""ETA - End-to-end Target Attention (Chen et al., Alibaba, arXiv 2108.04468): PyTorch reference.

Sources (MODELS.md sections 0.4, 10): ETA paper section 3 (SimHash of the embeddings, Hamming
top-k, target attention over the retrieved set); FuxiCTR ``model_zoo/LongCTR/ETA/ETA.py``
(``lsh_hash``: sign bits of ``x R`` with a fixed Gaussian ``R`` [d, m], ``topk_retrieval``;
hash_bits 32, topk 50, heads 2, attention_dim 64) and FuxiCTR ``MultiHeadTargetAttention``.

Forward, per user and candidate a:
    e_l = [E_item; E_cate] (32 + 32 = 64),  t = e_a
    sig(x)_k = 1[(x R)_k > 0]                      k = 1..m, m = 32 (exact 0 -> bit 0, as FuxiCTR)
    dist_l = popcount(sig(e_l) XOR sig(t))          valid slots only
    GSU: the K = 50 smallest distances; ties: smaller distance first, then LOWER slot first
         (MODELS.md choice table, "Hamming: smaller distance first, then lower position"; MODELS.md
         section 10 suggests "more recent" - seqrec takes the table's rule, which the Hamming
         top-k kernel implements). Fewer than K valid slots -> all of them.
    ESU: o = MHTA(t, {e_j}) = out_proj(concat_h softmax_j((t W_q^h)(e_j W_k^h)/sqrt(32)) e_j W_v^h)
         with ``nn.MultiheadAttention(64, 2, bias=False)``; empty retrieved set -> o = 0.
    logit = MLP([t; o])                               (64 -> 32 ReLU -> 1; FuxiCTR LongCTR dnn_hidden_units)
The short-term branch of FuxiCTR's ETA is left out (this is the long-term path). ``R`` is fixed,
never trained, and travels in the weights as ``random_rotations`` (FuxiCTR's name; an
``nn.Parameter`` with ``requires_grad=False``, so it is in the state_dict).

Tensor names: ``emb.item.weight, emb.cate.weight, random_rotations [64, 32],
mha.in_proj_weight [192, 64] (rows 0-63 W_q, 64-127 W_k, 128-191 W_v; heads are consecutive
blocks of 32 rows), mha.out_proj.weight [64, 64], mlp.hidden.{0,1}.*, mlp.out.*``.
"""
import torch
import torch.nn as nn

from _common import MLP, ItemCateEmbedding, gather_slots, length_mask, mha_target_attention, topk_asc

SOURCE = ("ETA paper (arXiv 2108.04468) + FuxiCTR LongCTR/ETA (sign-bit SimHash, Hamming top-k, "
          "MultiHeadTargetAttention); ties: smaller distance, then lower slot")

HPARAMS = dict(n_items=200, n_cates=20, d_item=32, d_cate=32, hash_bits=32, topk=50, heads=2,
               attention_dim=64, mlp_hidden="64,32", activation="relu", max_len=1000)


class ETA(nn.Module):
    def __init__(self, n_items, n_cates, d_item, d_cate, hash_bits=32, topk=50, heads=2, attention_dim=64,
                 mlp_hidden=(64, 32), activation="relu"):
        super().__init__()
        self.emb = ItemCateEmbedding(n_items, n_cates, d_item, d_cate)
        d = self.emb.dim
        if attention_dim != d:
            raise ValueError("nn.MultiheadAttention projects to the input width: attention_dim must equal d")
        self.random_rotations = nn.Parameter(torch.zeros(d, hash_bits), requires_grad=False)
        self.random_rotations._seqrec_gaussian = True
        self.mha = nn.MultiheadAttention(d, heads, bias=False, batch_first=True)
        self.mlp = MLP(2 * d, mlp_hidden, activation)
        self.topk = topk

    def signature(self, x):
        """[..., d] -> [..., m] bits as int64 0/1 (bit k = 1 iff (x R)_k > 0)."""
        return (x @ self.random_rotations > 0).to(torch.int64)

    def hamming(self, e, t):
        """dist [B, C, L] between history signatures (e [B, L, d]) and candidates (t [B, C, d])."""
        sh = self.signature(e)[:, None, :, :]
        st = self.signature(t)[:, :, None, :]
        return (sh ^ st).sum(-1)

    def forward(self, hist_items, hist_cates, hist_len, cand_items, cand_cates):
        """hist_* [B, L], hist_len [B], cand_* [B, C] -> logits [B, C]."""
        B, L = hist_items.shape
        C = cand_items.shape[1]
        e = self.emb(hist_items, hist_cates)
        t = self.emb(cand_items, cand_cates)
        valid = length_mask(hist_len, L)[:, None, :].expand(B, C, L)
        idx, sel = topk_asc(self.hamming(e, t), valid, self.topk)
        kv = gather_slots(e, idx)                                          # [B, C, K, d]
        K = kv.shape[2]
        o = mha_target_attention(self.mha, t.reshape(B * C, -1), kv.reshape(B * C, K, -1),
                                 kv.reshape(B * C, K, -1), sel.reshape(B * C, K)).reshape(B, C, -1)
        return self.mlp(torch.cat([t, o], dim=-1)).squeeze(-1)


def build(hp=HPARAMS):
    return ETA(hp["n_items"], hp["n_cates"], hp["d_item"], hp["d_cate"], hp["hash_bits"], hp["topk"], hp["heads"],
               hp["attention_dim"], tuple(int(x) for x in hp["mlp_hidden"].split(",")), hp["activation"])
