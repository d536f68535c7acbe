"""ONNX exports of the golden models for the JMH peer comparison (ONNX Runtime Java, issue 5).

    /usr/bin/python3 reference-models/golden/models/export_onnx.py
    (also run at the end of generate_models.py, after the golden weights it bakes in are written)

Writes ``jmh/src/main/resources/onnx/<name>.onnx`` (``torch.onnx.export``, opset 13), each with the
weights of ``src/test/resources/golden/models/<model>/weights.safetensors`` baked in, so seqrec and
ONNX Runtime score with identical numbers. One user per call, a dynamic number C of candidates:

* ``din.onnx``:  hist_items [L] i64, hist_cates [L] i64, hist_len [1] i64, cand_items [C] i64,
  cand_cates [C] i64 -> logits [C] f32. L is dynamic too (no loop in DIN); benchmark L = 50.
* ``tim.onnx``: the same inputs as din.onnx; checked and benchmarked at L = 50.
* ``dien.onnx``: same inputs with L fixed at 50: the GRU extractor exports as an ONNX ``GRU`` node
  (``linear_before_reset=1``, PyTorch's convention), the AUGRU evolution as 50 unrolled steps
  (the Python loop is traced; ONNX has no AUGRU op). Valid slots must be 0..len-1.
* ESU-only variants of the two-stage models (the GSU - top-k selection - stays outside, the
  inputs are the K retrieved behaviours per candidate, K fixed, C dynamic):
  ``sim_esu.onnx``: cand_items [C], cand_cates [C], sel_items [C, 50], sel_cates [C, 50],
  sel_buckets [C, 50] (time-interval buckets), sel_mask [C, 50] (1.0 = retrieved, 0.0 = empty slot);
  ``eta_esu.onnx``: cand_*, sel_items, sel_cates, sel_mask [C, 50];
  ``twin_esu.onnx``: cand_*, sel_items, sel_cates [C, 100], sel_cross [C, 100, 2], sel_mask [C, 100].
  -> logits [C]. At least one retrieved slot per candidate (an all-empty row is the model's
  "empty history" case, which the exported graph does not special-case).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import din  # noqa: E402
import dien  # noqa: E402
import eta  # noqa: E402
import sim  # noqa: E402
import tim  # noqa: E402
import twin  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "..", "jmh", "src", "main", "resources", "onnx")
L_BENCH = 50


def load(mod, name):
    from generate_models import load_weights
    m = mod.build(mod.HPARAMS)
    m.load_state_dict(load_weights(name))
    return m.eval()


class OneUser(nn.Module):
    """[L] history and [C] candidates of one user -> [C] logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, hist_items, hist_cates, hist_len, cand_items, cand_cates):
        return self.model(hist_items[None], hist_cates[None], hist_len, cand_items[None], cand_cates[None])[0]


class SimESU(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, cand_items, cand_cates, sel_items, sel_cates, sel_buckets, sel_mask):
        m = self.m
        t = m.emb(cand_items, cand_cates)[None]                                   # [1, C, d]
        z = torch.cat([m.emb(sel_items, sel_cates), m.time_emb(sel_buckets)], dim=-1)[None]
        s = m.esu_scores(z, t)                                                    # [1, C, h, K]
        s = s + (sel_mask[None, :, None, :] - 1.0) * 1e9
        att = F.softmax(s, dim=-1)
        heads = torch.einsum("bchk,bckz->bchz", att, z).reshape(1, t.shape[1], -1)
        return m.mlp(torch.cat([t, heads], dim=-1)).squeeze(-1)[0]


def _mha(mha, q, k, v, sel_mask, bias=None):
    """The MHA forward written with plain ops (export-friendly; same math as nn.MultiheadAttention)."""
    C, K, _ = k.shape
    H = mha.num_heads
    E = mha.embed_dim
    if mha._qkv_same_embed_dim:
        wq, wk, wv = mha.in_proj_weight[:E], mha.in_proj_weight[E:2 * E], mha.in_proj_weight[2 * E:]
    else:
        wq, wk, wv = mha.q_proj_weight, mha.k_proj_weight, mha.v_proj_weight
    qh = F.linear(q, wq).reshape(C, H, -1)
    kh = F.linear(k, wk).reshape(C, K, H, -1)
    vh = F.linear(v, wv).reshape(C, K, H, -1)
    s = torch.einsum("che,ckhe->chk", qh, kh) / (qh.shape[-1] ** 0.5)
    if bias is not None:
        s = s + bias
    s = s + (sel_mask[:, None, :] - 1.0) * 1e9
    att = F.softmax(s, dim=-1)
    o = torch.einsum("chk,ckhe->che", att, vh).reshape(C, E)
    return mha.out_proj(o)


class EtaESU(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, cand_items, cand_cates, sel_items, sel_cates, sel_mask):
        m = self.m
        t = m.emb(cand_items, cand_cates)
        kv = m.emb(sel_items, sel_cates)
        o = _mha(m.mha, t, kv, kv, sel_mask)
        return m.mlp(torch.cat([t, o], dim=-1)).squeeze(-1)


class TwinESU(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, cand_items, cand_cates, sel_items, sel_cates, sel_cross, sel_mask):
        m = self.m
        q = m.emb(cand_items, cand_cates)
        kh = m.emb(sel_items, sel_cates)                                          # [C, K, H]
        kc = m.cross_features(sel_cross)                                          # J x [C, K, Hc]
        bias = m.cross_bias(kc).permute(0, 2, 1)                                  # [C, heads, K]
        o = _mha(m.mha, q, kh, torch.cat([kh] + kc, dim=-1), sel_mask, bias)
        return m.mlp(torch.cat([o, q], dim=-1)).squeeze(-1)


def export(module, args, names, dynamic, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(module, args, path, input_names=names, output_names=["logits"], opset_version=13,
                      dynamic_axes=dict(dynamic, logits={0: "C"}), do_constant_folding=True)


def example_user(g, L, C, n_items, n_cates, length):
    from generate_models import cate_of
    items = torch.randint(1, n_items + 1, (L,), generator=g) * (torch.arange(L) < length)
    cands = torch.randint(1, n_items + 1, (C,), generator=g)
    return (items, cate_of(items, n_cates), torch.tensor([length]), cands, cate_of(cands, n_cates))


def export_all():
    g = torch.Generator().manual_seed(5)
    user_names = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    with torch.no_grad():
        m = OneUser(load(din, "din"))
        export(m, example_user(g, L_BENCH, 7, 200, 20, 37), user_names,
               {"hist_items": {0: "L"}, "hist_cates": {0: "L"}, "cand_items": {0: "C"}, "cand_cates": {0: "C"}},
               os.path.join(OUT, "din.onnx"))
        m = OneUser(load(tim, "tim"))
        export(m, example_user(g, L_BENCH, 7, 200, 20, 37), user_names,
               {"hist_items": {0: "L"}, "hist_cates": {0: "L"}, "cand_items": {0: "C"}, "cand_cates": {0: "C"}},
               os.path.join(OUT, "tim.onnx"))
        m = OneUser(load(dien, "dien"))
        export(m, example_user(g, L_BENCH, 7, 200, 20, 37), user_names,
               {"cand_items": {0: "C"}, "cand_cates": {0: "C"}}, os.path.join(OUT, "dien.onnx"))
        cand = {"cand_items": {0: "C"}, "cand_cates": {0: "C"}}
        sel = lambda *n: {k: {0: "C"} for k in n}  # noqa: E731
        C, K = 7, 50
        items = torch.randint(1, 201, (C, K), generator=g)
        cates = 1 + (items * 7) % 20
        mask = torch.ones(C, K)
        mask[0, 30:] = 0.0
        ci = torch.randint(1, 201, (C,), generator=g)
        cc = 1 + (ci * 7) % 20
        export(SimESU(load(sim, "sim")), (ci, cc, items, cates, torch.randint(0, 32, (C, K), generator=g), mask),
               ["cand_items", "cand_cates", "sel_items", "sel_cates", "sel_buckets", "sel_mask"],
               dict(cand, **sel("sel_items", "sel_cates", "sel_buckets", "sel_mask")),
               os.path.join(OUT, "sim_esu.onnx"))
        export(EtaESU(load(eta, "eta")), (ci, cc, items, cates, mask),
               ["cand_items", "cand_cates", "sel_items", "sel_cates", "sel_mask"],
               dict(cand, **sel("sel_items", "sel_cates", "sel_mask")), os.path.join(OUT, "eta_esu.onnx"))
        K = 100
        items = torch.randint(1, 201, (C, K), generator=g)
        cates = 1 + (items * 7) % 20
        mask = torch.ones(C, K)
        export(TwinESU(load(twin, "twin")),
               (ci, cc, items, cates, torch.randint(0, 16, (C, K, 2), generator=g), mask),
               ["cand_items", "cand_cates", "sel_items", "sel_cates", "sel_cross", "sel_mask"],
               dict(cand, **sel("sel_items", "sel_cates", "sel_cross", "sel_mask")),
               os.path.join(OUT, "twin_esu.onnx"))


if __name__ == "__main__":
    export_all()
