"""ONNX exports of SASRec, BERT4Rec and HSTU for the ONNX Runtime Java peer benchmark.

    /usr/bin/python3 reference-models/golden/models/export_onnx_transformer.py
    (also run at the end of generate_transformer.py, after the golden weights are written)

Writes ``jmh/src/main/resources/onnx/{sasrec,bert4rec,hstu}.onnx`` (``torch.onnx.export``, opset 17:
LayerNormalization is one node; ONNX Runtime 1.23 runs it and fuses attention where it can), the
golden weights baked in. One user per call; L (history slots) and C (candidates) are dynamic:

* ``sasrec.onnx``:   hist_items [L] i64, hist_len [1] i64, cand_items [C] i64 -> logits [C] f32
* ``bert4rec.onnx``: hist_items [L] i64, hist_len [1] i64, cand_items [C] i64 -> logits [C]
  (the [MASK] token is appended inside the graph at slot len; L + 1 <= max_len)
* ``hstu.onnx``:     hist_items [L], hist_times [L], hist_len [1], request_time [1], cand_items [C]
  -> logits [C] (L <= max_len; the graph attends over the L slots, which gives the same numbers as
  the research code's padded N because padding never reaches a valid query; the division by N and
  the position bias use the fixed N of the weights)

The graphs are the reference modules' math written with export-friendly ops (matmul, softmax,
layer_norm, erf GELU); before exporting, each is checked against its reference module in float32.
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import bert4rec  # noqa: E402
import hstu  # noqa: E402
import sasrec  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "..", "jmh", "src", "main", "resources", "onnx")
OPSET = 17


def load(mod, name):
    from generate_models import load_weights
    m = mod.build(mod.HPARAMS)
    m.load_state_dict(load_weights(name))
    return m.eval()


def mha(q_in, kv_in, in_w, in_b, out_w, out_b, heads, key_ok, causal):
    """nn.MultiheadAttention's math on one sequence: q_in, kv_in [L, E], key_ok [L] bool."""
    L, E = q_in.shape
    dh = E // heads
    q = F.linear(q_in, in_w[:E], in_b[:E]).reshape(L, heads, dh).transpose(0, 1)
    k = F.linear(kv_in, in_w[E:2 * E], in_b[E:2 * E]).reshape(L, heads, dh).transpose(0, 1)
    v = F.linear(kv_in, in_w[2 * E:], in_b[2 * E:]).reshape(L, heads, dh).transpose(0, 1)
    s = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(dh)
    ok = key_ok[None, :].expand(L, L)
    if causal:
        ok = ok & (torch.arange(L)[None, :] <= torch.arange(L)[:, None])
    s = s.masked_fill(~ok[None], -1e30)
    a = torch.softmax(s, dim=-1)
    o = torch.matmul(a, v).transpose(0, 1).reshape(L, E)
    return F.linear(o, out_w, out_b)


class SasrecGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, hist_items, hist_len, cand_items):
        m = self.m
        L = hist_items.shape[0]
        slot = torch.arange(L)
        ok = slot < hist_len
        d = m.item_emb.embedding_dim
        if m.pos_anchor == "oldest":
            pos = (slot + 1) * ok
        else:
            pos = (m.max_len - hist_len + 1 + slot) * ok
        x = m.item_emb(hist_items * ok) * math.sqrt(d) + m.pos_emb(pos)
        for ln_a, att, ln_f, ffn in zip(m.attention_layernorms, m.attention_layers, m.forward_layernorms,
                                        m.forward_layers):
            w = (att.in_proj_weight, att.in_proj_bias, att.out_proj.weight, att.out_proj.bias, att.num_heads)
            if m.norm_first:
                q = ln_a(x)
                x = x + mha(q, q, *w, ok, True)
                y = ln_f(x)
            else:
                x = ln_a(x + mha(x, x, *w, ok, True))
                y = x
            h = F.linear(torch.relu(F.linear(y, ffn.conv1.weight[:, :, 0], ffn.conv1.bias)),
                         ffn.conv2.weight[:, :, 0], ffn.conv2.bias)
            x = x + h if m.norm_first else ln_f(x + h)
        u = m.last_layernorm(x)[hist_len - 1][0]
        return torch.matmul(m.item_emb(cand_items), u)


class Bert4recGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, hist_items, hist_len, cand_items):
        m = self.m
        L = hist_items.shape[0]
        slot = torch.arange(L + 1)
        tokens = torch.cat([hist_items, torch.zeros(1, dtype=torch.int64)])
        tokens = torch.where(slot < hist_len, tokens, torch.zeros_like(tokens))
        tokens = torch.where(slot == hist_len, torch.full_like(tokens, m.mask_id), tokens)
        ok = slot <= hist_len
        x = m.item_emb(tokens) + m.pos_emb(slot) + m.type_emb.weight[0]
        x = m.emb_ln(x)
        for layer in m.encoder.layers:
            at = layer.self_attn
            x = layer.norm1(x + mha(x, x, at.in_proj_weight, at.in_proj_bias, at.out_proj.weight, at.out_proj.bias,
                                    at.num_heads, ok, False))
            x = layer.norm2(x + layer.linear2(F.gelu(layer.linear1(x))))
        z = m.out_ln(F.gelu(m.out_dense(x[hist_len][0])))
        return torch.matmul(m.item_emb(cand_items), z) + m.out_bias[cand_items]


def _ln_plain(x, d, eps):
    """Layer norm without affine parameters, given unit gain and zero shift (the opset-17
    LayerNormalization node needs a scale input)."""
    return F.layer_norm(x, [d], torch.ones(d), torch.zeros(d), eps)


class HstuGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, hist_items, hist_times, hist_len, request_time, cand_items):
        m = self.m
        n = m.n
        L = hist_items.shape[0]
        slot = torch.arange(L)
        ok = slot < hist_len
        ids = hist_items * ok
        d = m.item_emb.embedding_dim
        x = (m.item_emb(ids) * math.sqrt(d) + m._input_features_preproc._pos_emb.weight[:L]) * ok[:, None]
        # t_{i+1}: the next slot's time, the request time at the most recent slot
        nxt = torch.cat([hist_times[1:], request_time])
        nxt = torch.where(slot == hist_len - 1, request_time.expand(L), nxt)
        dt = (nxt[:, None] - hist_times[None, :]).abs().clamp(min=1)
        bucket = torch.clamp(torch.floor(torch.log(dt.to(torch.float32)) / 0.301), 0, 128).to(torch.int64)
        rel = n - 1 + slot[None, :] - slot[:, None]
        causal = (slot[None, :] <= slot[:, None]).to(torch.float32)
        for layer in m._hstu._attention_layers:
            h, dqk, dv = layer.h, layer.dqk, layer.dv
            uvqk = F.silu(_ln_plain(x, d, layer.eps) @ layer._uvqk)
            u, v, q, k = torch.split(uvqk, [h * dv, h * dv, h * dqk, h * dqk], dim=-1)
            v = v * ok[:, None]
            bias = layer._rel_attn_bias._pos_w[rel] + layer._rel_attn_bias._ts_w[bucket]
            s = torch.matmul(q.reshape(L, h, dqk).transpose(0, 1), k.reshape(L, h, dqk).permute(1, 2, 0)) + bias
            a = F.silu(s) / n * causal
            o = torch.matmul(a, v.reshape(L, h, dv).transpose(0, 1)).transpose(0, 1).reshape(L, h * dv)
            x = (layer._o(u * _ln_plain(o, h * dv, layer.eps)) + x) * ok[:, None]
        u = x[hist_len - 1][0]
        u = u / u.norm().clamp(min=m.l2_eps)
        return torch.matmul(m.item_table()[cand_items], u)


def check(graph, ref, args, what):
    with torch.no_grad():
        a = graph(*args)
        b = ref
    err = float(((a - b).abs() / b.abs().clamp(min=1e-2)).max())
    if err > 1e-4:
        raise AssertionError(f"{what}: export graph differs from the reference by {err}")


def export(module, args, names, dynamic, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(module, args, path, input_names=names, output_names=["logits"], opset_version=OPSET,
                      dynamic_axes=dict(dynamic, logits={0: "C"}), do_constant_folding=True)


def export_all():
    g = torch.Generator().manual_seed(12)
    L, C, length = 40, 7, 33
    items = torch.randint(1, 301, (L,), generator=g) * (torch.arange(L) < length)
    times = (1_600_000_000 + torch.cumsum(torch.randint(1, 100_000, (L,), generator=g), 0)) * (torch.arange(L) < length)
    cands = torch.randint(1, 301, (C,), generator=g)
    hl = torch.tensor([length])
    rt = times[length - 1:length] + 60
    dyn = {"hist_items": {0: "L"}, "cand_items": {0: "C"}}

    m = load(sasrec, "sasrec")
    with torch.no_grad():
        ref = m(items[None], hl, cands[None])[0]
    check(SasrecGraph(m), ref, (items, hl, cands), "sasrec")
    export(SasrecGraph(m), (items, hl, cands), ["hist_items", "hist_len", "cand_items"], dyn,
           os.path.join(OUT, "sasrec.onnx"))

    m = load(bert4rec, "bert4rec")
    for p in m.parameters():
        p.requires_grad_(True)
    ref = m(items[None], hl, cands[None])[0].detach()
    check(Bert4recGraph(m), ref, (items, hl, cands), "bert4rec")
    export(Bert4recGraph(m), (items, hl, cands), ["hist_items", "hist_len", "cand_items"], dyn,
           os.path.join(OUT, "bert4rec.onnx"))

    m = load(hstu, "hstu")
    with torch.no_grad():
        ref = m(items[None], times[None], hl, rt, cands[None])[0]
    check(HstuGraph(m), ref, (items, times, hl, rt, cands), "hstu")
    export(HstuGraph(m), (items, times, hl, rt, cands),
           ["hist_items", "hist_times", "hist_len", "request_time", "cand_items"],
           dict(dyn, hist_times={0: "L"}), os.path.join(OUT, "hstu.onnx"))


if __name__ == "__main__":
    export_all()
