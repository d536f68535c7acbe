"""TransAct (Xia et al., Pinterest, KDD 2023): PyTorch reference for seqrec.

Source (MODELS.md 15.2, choice table: "TransAct = pinterest/transformer_user_action, fast path
off"): ``transact_code/transact.py`` (``TransAct.forward``, ``convert_vocab_to_idx``,
``_adjust_mask``) and ``transact_config.py`` (defaults). The official module stops at the
1056-wide user-action features it hands to Pinterest's ranker; the ranker is not public. seqrec
scores candidates with a small head that this module defines (marked below); everything before it
is the official forward in eval mode.

    sequence   newest first: token s = the (len-1-s)-th slot of seqrec's oldest-first history,
               truncated to the latest seq_len actions and padded to seq_len (the padded length is
               part of the math: the max-pool is not masked)
    action     a = E_act[lookup[type + 1]]      (lookup[id + 1] = rank of id in the sorted vocab;
               the smallest vocab id, 0, maps to row 0 = padding: action 0 is treated as padding)
    mask       key s is masked if lookup[type + 1] <= 0 or request_time - time_s < 0 (a future
               action); key 0 (the most recent slot) is never masked; masked keys get -inf
    token      [a; E_item[item]; E_item[candidate]]     (early fusion, 32 + 32 + 32 = 96)
    encoder    nn.TransformerEncoder(TransformerEncoderLayer(96, nhead 2, ffn 32, ReLU, post-LN,
               LN eps 1e-5), 2 layers), PyTorch's slow path (fast path and nested tensors off:
               with them, padded positions come back as 0 - pytorch#86120 - and the max-pool changes)
    features   f = [W_pool max_s(enc_s) + b_pool ; enc_0 ; ... ; enc_{latest_n-1}]   (96 + 10*96)
    seqrec head (not official): logit = w_2 . ReLU(W_1 [f; E_item[candidate]] + b_1) + b_2

Item vectors: the official model receives precomputed PinSage embeddings; seqrec's histories are
ids, so the model holds a frozen item table ``item_emb`` (row 0 = zero, the padding vector).
Empty history: the official rule still applies - key 0 stays unmasked, so the encoder sees one
padding token (zero action and item vectors plus the candidate) attending to itself.
Timestamps are in any one unit (only their differences' sign matters).

Tensor names: ``item_emb.weight`` [n_items+1, 32], ``action_type_lookup`` (I64 [100], the
official buffer), ``action_emb_module.weight`` [len(vocab), 32],
``transformer_encoder.layers.{i}.{self_attn.in_proj_weight, self_attn.in_proj_bias,
self_attn.out_proj.*, linear1.*, linear2.*, norm1.*, norm2.*}``, ``out_linear.*`` [96, 96],
``head.hidden.0.*`` [32, 1088], ``head.out.*`` [1, 32].
"""
import torch
import torch.nn as nn

from _common import MLP, length_mask

SOURCE = ("TransAct (Xia et al., KDD 2023); pinterest/transformer_user_action transact_code/transact.py "
          "(newest first, -inf key mask with slot 0 kept, early fusion, post-LN ReLU encoder, slow path, "
          "unmasked max-pool + latest 10); seqrec-defined head MLP([features; candidate])")

HPARAMS = dict(n_items=300, n_actions=20, action_emb_dim=32, item_emb_dim=32, seq_len=100, latest_n_emb=10,
               num_layer=2, nhead=2, dim_feedforward=32, head_hidden=32, ln_eps=1e-5)


class TransAct(nn.Module):
    def __init__(self, n_items, n_actions, action_emb_dim, item_emb_dim, seq_len, latest_n_emb, num_layer, nhead,
                 dim_feedforward, head_hidden, ln_eps=1e-5):
        super().__init__()
        self.seq_len, self.latest_n_emb = seq_len, latest_n_emb
        d = action_emb_dim + 2 * item_emb_dim
        self.item_emb = nn.Embedding(n_items + 1, item_emb_dim, padding_idx=0)
        lookup = torch.zeros(100, dtype=torch.int64)
        for rank, action in enumerate(sorted(range(n_actions))):
            lookup[action + 1] = rank
        self.register_buffer("action_type_lookup", lookup)
        self.action_emb_module = nn.Embedding(n_actions, action_emb_dim, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d, nhead, dim_feedforward, dropout=0.0, layer_norm_eps=ln_eps,
                                           batch_first=True)
        self.transformer_encoder = nn.TransformerEncoder(layer, num_layer, enable_nested_tensor=False)
        self.out_linear = nn.Linear(d, d)
        self.head = MLP(d + latest_n_emb * d + item_emb_dim, (head_hidden,), "relu")

    def newest_first(self, hist_items, hist_actions, hist_times, hist_len):
        """seqrec's right-padded oldest-first [B, L] -> the official newest-first [B, seq_len]
        (padding: item 0, action 0, time 0)."""
        B, L = hist_items.shape
        S = self.seq_len
        idx = hist_len[:, None] - 1 - torch.arange(S)[None, :]          # slot of token s
        ok = idx >= 0
        src = idx.clamp(min=0, max=max(L - 1, 0))

        def take(x):
            if L == 0:
                return torch.zeros(B, S, dtype=x.dtype)
            return torch.gather(x * length_mask(hist_len, L), 1, src) * ok
        return take(hist_items), take(hist_actions), take(hist_times)

    def features(self, hist_items, hist_actions, hist_times, hist_len, request_time, cand_items):
        """-> the official output [B, C, 96 + latest_n * 96]."""
        items, actions, times = self.newest_first(hist_items, hist_actions, hist_times, hist_len)
        B, S = items.shape
        C = cand_items.shape[1]
        mapped = self.action_type_lookup[actions + 1]
        masked = (mapped <= 0) | ((request_time[:, None] - times) < 0)
        masked[:, 0] = False
        bias = torch.zeros(B, S, dtype=self.out_linear.weight.dtype).masked_fill(masked, float("-inf"))
        seq = torch.cat([self.action_emb_module(mapped), self.item_emb(items)], dim=-1)       # [B, S, 64]
        cand = self.item_emb(cand_items)                                                      # [B, C, 32]
        tokens = torch.cat([seq[:, None].expand(B, C, S, seq.shape[-1]),
                            cand[:, :, None].expand(B, C, S, cand.shape[-1])], dim=-1)
        tokens = tokens.reshape(B * C, S, -1)
        bias = bias[:, None].expand(B, C, S).reshape(B * C, S)
        out = self.transformer_encoder(tokens, src_key_padding_mask=bias)
        pooled = self.out_linear(out.max(dim=1).values)
        f = torch.cat([pooled, out[:, :self.latest_n_emb].flatten(1)], dim=1)
        return f.reshape(B, C, -1)

    def forward(self, hist_items, hist_actions, hist_times, hist_len, request_time, cand_items):
        f = self.features(hist_items, hist_actions, hist_times, hist_len, request_time, cand_items)
        return self.head(torch.cat([f, self.item_emb(cand_items)], dim=-1)).squeeze(-1)


def build(hp=HPARAMS):
    return TransAct(hp["n_items"], hp["n_actions"], hp["action_emb_dim"], hp["item_emb_dim"], hp["seq_len"],
                    hp["latest_n_emb"], hp["num_layer"], hp["nhead"], hp["dim_feedforward"], hp["head_hidden"],
                    hp["ln_eps"])
