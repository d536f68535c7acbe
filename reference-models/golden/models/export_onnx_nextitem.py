"""ONNX exports of FPMC, RRN, SURGE, TransAct and PinnerFormer for the ONNX Runtime Java peer benchmark.

    /usr/bin/python3 reference-models/golden/models/export_onnx_nextitem.py

Writes ``jmh/src/main/resources/onnx/{fpmc,rrn,surge,transact,pinnerformer}.onnx`` (``torch.onnx.export``,
opset 17, constant folding on), the golden weights of
``src/test/resources/golden/models/<name>/weights.safetensors`` baked in. One user per call, C candidates
(C dynamic); every id is an int64 input, every graph returns ``logits`` [C] float32:

* ``fpmc.onnx``:  user_id [1], hist_items [L], hist_len [1], cand_items [C]; L dynamic. The golden basket
  is ``last_item`` (RecBole): the chain term reads slot len-1 only (nothing when len = 0).
* ``rrn.onnx``:   user_id [1], hist_items [L], hist_actions [L] (ratings 1..5), hist_times [L] (seconds,
  non-decreasing, >= epoch), cand_items [C]; L fixed at 50, all 50 actions valid (no hist_len). The weekly
  grouping is done with tensor ops and the user LSTM runs as 50 unrolled cell updates whose state only
  advances at the last action of each step.
* ``surge.onnx``: hist_items [L], hist_cates [L], cand_items [C], cand_cates [C]; L fixed at 50, all valid
  (no hist_len). ``SURGE.score_user`` with its data-dependent Python ints turned into tensor ops; the
  per-candidate AUGRU runs as 50 unrolled steps batched over C, advancing only at kept positions.
* ``transact.onnx``: hist_items [L], hist_actions [L], hist_times [L], hist_len [1], request_time [1],
  cand_items [C]; L dynamic (the graph always builds the official seq_len = 100 newest-first tokens).
* ``pinnerformer.onnx``: hist_items [L], hist_actions [L], hist_times [L], hist_len [1], cand_items [C];
  L dynamic, L <= max_len = 128. Time features in float32 (the phase by int64 remainder, exact).

The encoders are written with plain ops (matmul, softmax, layer_norm, relu / erf GELU) rather than through
nn.TransformerEncoder, whose fused eval fast path does not export. Before exporting, each wrapper is
checked in float32 against its reference module's own forward on random users (max relative error, scaled
by the rms of the logits for near-zero values, must stay below 1e-5), and its traced graph is replayed on
users and candidate counts other than the tracing example, so no data-dependent value was frozen.
"""
import json
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import fpmc  # noqa: E402
import pinnerformer  # noqa: E402
import rrn  # noqa: E402
import surge  # noqa: E402
import transact  # noqa: E402
from _common import MODELS_ROOT, hparam_strings  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "..", "jmh", "src", "main", "resources", "onnx")
OPSET = 17
TOL = 1e-5
RRN_L = 50      # rrn.onnx: fixed history length (the LSTM is unrolled over it)
SURGE_L = 50    # surge.onnx: fixed history length (the AUGRU is unrolled over it)


def load(mod, name):
    """The reference module with the committed golden weights, after checking that the file's metadata
    holds the module's HPARAMS (the graph is built from HPARAMS, the numbers come from the file)."""
    from generate_models import load_weights
    path = os.path.join(MODELS_ROOT, name, "weights.safetensors")
    with open(path, "rb") as fh:
        n = struct.unpack("<Q", fh.read(8))[0]
        meta = json.loads(fh.read(n)).get("__metadata__", {})
    want = hparam_strings(mod.HPARAMS)
    bad = {k: (v, meta.get(k)) for k, v in want.items() if meta.get(k) != v}
    if bad:
        raise AssertionError(f"{name}: weights metadata differs from HPARAMS: {bad}")
    m = mod.build(mod.HPARAMS)
    m.load_state_dict(load_weights(name))
    return m.eval()


def rel_err(got, ref):
    """max |got - ref| / max(|ref|, rms(ref)): relative, but logits near zero are measured against the
    typical logit size instead of themselves."""
    rms = ref.pow(2).mean().sqrt().clamp(min=1e-12)
    return float(((got - ref).abs() / torch.maximum(ref.abs(), rms)).max())


def check(what, got, ref, worst):
    err = rel_err(got, ref)
    if not torch.isfinite(got).all() or err > TOL:
        raise AssertionError(f"{what}: export graph differs from the reference by {err}")
    worst[0] = max(worst[0], err)


def check_trace(name, graph, example, cases, worst):
    """Replays the traced graph (what torch.onnx.export records) on other inputs against the eager wrapper:
    a Python value frozen by tracing (a length, a threshold index, C) would show up here."""
    with torch.no_grad():
        traced = torch.jit.trace(graph, example, check_trace=False)
        for i, args in enumerate(cases):
            check(f"{name} traced case {i}", traced(*args), graph(*args), worst)


def export(module, args, names, dynamic, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=names, output_names=["logits"], opset_version=OPSET,
                          dynamic_axes=dict(dynamic, logits={0: "C"}), do_constant_folding=True)


def ln(x, norm):
    """nn.LayerNorm as one LayerNormalization node (opset 17)."""
    return F.layer_norm(x, norm.normalized_shape, norm.weight, norm.bias, norm.eps)


def self_attention(x, att, bias):
    """nn.MultiheadAttention's slow-path math on x [N, S, E] with an additive key bias broadcastable to
    [N, heads, S, S]: q is scaled before the product and the bias added to it, as
    F.multi_head_attention_forward does."""
    N, S = x.shape[0], x.shape[1]
    E, H = att.embed_dim, att.num_heads      # from the module, so the scale is a constant, not a traced size
    dh = E // H
    w, b = att.in_proj_weight, att.in_proj_bias
    q = F.linear(x, w[:E], b[:E]).reshape(N, S, H, dh).transpose(1, 2) / math.sqrt(dh)
    k = F.linear(x, w[E:2 * E], b[E:2 * E]).reshape(N, S, H, dh).transpose(1, 2)
    v = F.linear(x, w[2 * E:], b[2 * E:]).reshape(N, S, H, dh).transpose(1, 2)
    a = torch.softmax(torch.matmul(q, k.transpose(2, 3)) + bias, dim=-1)
    o = torch.matmul(a, v).transpose(1, 2).reshape(N, S, E)
    return att.out_proj(o)


# ---------------------------------------------------------------------------------------------- FPMC


class FpmcGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        if m.basket != "last_item":
            raise ValueError("fpmc.onnx has no hist_times input: only the last_item basket exports")
        self.m = m

    def forward(self, user_id, hist_items, hist_len, cand_items):
        m = self.m
        L = hist_items.shape[0]
        slot = torch.arange(L)
        # the basket mask of FPMC.basket_mask (last_item): slot len-1, none when len = 0
        b = ((slot == hist_len - 1) & (slot < hist_len)).to(torch.float32)
        n = b.sum().clamp(min=1)
        li = (m.LI_emb(hist_items) * b[:, None]).sum(0) / n                       # [d]
        mf = torch.matmul(m.IU_emb(cand_items), m.UI_emb(user_id)[0])
        return mf + torch.matmul(m.IL_emb(cand_items), li)


def export_fpmc(g):
    m = load(fpmc, "fpmc")
    hp = fpmc.HPARAMS
    graph = FpmcGraph(m)
    worst = [0.0]

    def user(L, C, length):
        items = torch.randint(1, hp["n_items"] + 1, (L,), generator=g) * (torch.arange(L) < length)
        return (torch.randint(0, hp["n_users"] + 1, (1,), generator=g), items, torch.tensor([length]),
                torch.randint(1, hp["n_items"] + 1, (C,), generator=g))

    cases = [user(L, C, n) for L, C, n in [(100, 100, 100), (100, 7, 37), (50, 1000, 1), (20, 7, 0), (1, 3, 1)]]
    with torch.no_grad():
        for u, items, hl, cands in cases:
            check("fpmc", graph(u, items, hl, cands), m(u, items[None], hl, cands[None])[0], worst)
    example = user(100, 7, 61)
    check_trace("fpmc", graph, example, cases, worst)
    export(graph, example, ["user_id", "hist_items", "hist_len", "cand_items"],
           {"hist_items": {0: "L"}, "cand_items": {0: "C"}}, os.path.join(OUT, "fpmc.onnx"))
    return worst[0]


# ----------------------------------------------------------------------------------------------- RRN


class RrnGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, user_id, hist_items, hist_actions, hist_times, cand_items):
        m = self.m
        hp = m.hp
        L = RRN_L
        H = m.user_lstm.hidden_size
        # weekly step of each action; int64 floor division (times >= epoch, so no sign fix-up matters)
        s = torch.div(hist_times - hp["epoch"], hp["step_seconds"], rounding_mode="floor")    # [L]
        same = s[:, None] == s[None, :]                                                     # [L, L]
        # times are non-decreasing, so a step's actions are contiguous: the last one of its step is
        # where the next action has another step (or the history ends)
        is_last = torch.cat([s[1:] != s[:-1], torch.ones(1, dtype=torch.bool)])
        # the previous non-empty step: the largest step below s_i; on the first step there is none and
        # s_0 stands in (tau_prev = tau there, as the reference)
        prev_s = torch.where(s[None, :] < s[:, None], s[None, :], s[:1, None]).amax(dim=1)
        newbie = (s == s[0]).to(torch.float32)
        tau = s.to(torch.float32) / hp["time_scale"]
        tau_prev = prev_s.to(torch.float32) / hp["time_scale"]
        # y at each action = the sum over its step (EmbeddingBag sum with the ratings as weights) +
        # extra([newbie, tau, tau_prev]); only the rows of last actions are used
        contrib = hist_actions.to(torch.float32)[:, None] * m.user_input.ratings.weight[hist_items]   # [L, d]
        y = torch.matmul(same.to(torch.float32), contrib) + m.user_input.extra(
            torch.stack([newbie, tau, tau_prev], dim=1))
        lstm = m.user_lstm
        gx = F.linear(y, lstm.weight_ih_l0, lstm.bias_ih_l0)                              # [L, 4H]
        h = torch.zeros(1, H)
        c = torch.zeros(1, H)
        for i in range(L):
            # PyTorch LSTM gates i, f, g, o; rank-2 h keeps the hidden product one Gemm on the shared weight
            gates = gx[i:i + 1] + F.linear(h, lstm.weight_hh_l0, lstm.bias_hh_l0)
            gi, gf, gg, go = gates.chunk(4, dim=-1)
            c_new = torch.sigmoid(gf) * c + torch.sigmoid(gi) * torch.tanh(gg)
            h_new = torch.sigmoid(go) * torch.tanh(c_new)
            h = torch.where(is_last[i], h_new, h)
            c = torch.where(is_last[i], c_new, c)
        u_dyn = m.user_out(h)[0]
        m_dyn = m.item_out(m.item_state)[cand_items]          # folds into one [n_items+1, d_dynamic] table
        return torch.matmul(m_dyn, u_dyn) + torch.matmul(m.item_factor(cand_items), m.user_factor(user_id)[0])


def export_rrn(g):
    m = load(rrn, "rrn")
    hp = rrn.HPARAMS
    graph = RrnGraph(m)
    worst = [0.0]
    L = RRN_L
    day = 86400

    def user(C, gaps):
        t0 = hp["epoch"] + int(torch.randint(0, 30 * day, (1,), generator=g))
        times = t0 + torch.cumsum(gaps, 0) - gaps[0]
        return (torch.randint(0, hp["n_users"] + 1, (1,), generator=g),
                torch.randint(1, hp["n_items"] + 1, (L,), generator=g),
                torch.randint(1, 6, (L,), generator=g), times,
                torch.randint(1, hp["n_items"] + 1, (C,), generator=g))

    cases = []
    for C in (7, 100):
        # one action a day from the epoch itself (7 per week), then with a random time of day
        cases.append(user(C, torch.full((L,), day, dtype=torch.int64)))
        cases[-1] = cases[-1][:3] + (hp["epoch"] + day * torch.arange(L),) + cases[-1][4:]
        cases.append(user(C, day * torch.ones(L, dtype=torch.int64) + torch.randint(-3600, 3600, (L,), generator=g)))
        # random gaps of 0..10 days (same-second actions, empty weeks), with and without seconds
        for _ in range(3):
            cases.append(user(C, day * torch.randint(0, 11, (L,), generator=g)))
            cases.append(user(C, torch.randint(0, 10 * day + 1, (L,), generator=g)))
    cases.append(user(1000, torch.zeros(L, dtype=torch.int64)))           # all in one step
    cases.append(user(7, torch.full((L,), 8 * day, dtype=torch.int64)))   # one action per step
    with torch.no_grad():
        for u, items, acts, times, cands in cases:
            if bool((times[1:] < times[:-1]).any()) or bool((times < hp["epoch"]).any()):
                raise AssertionError("rrn check: times must be non-decreasing and >= epoch")
            ref = m(u, items[None], acts[None], times[None], torch.tensor([L]), cands[None])[0]
            check("rrn", graph(u, items, acts, times, cands), ref, worst)
    example = user(7, day * torch.randint(0, 4, (L,), generator=g))
    check_trace("rrn", graph, example, cases, worst)
    export(graph, example, ["user_id", "hist_items", "hist_actions", "hist_times", "cand_items"],
           {"cand_items": {0: "C"}}, os.path.join(OUT, "rrn.onnx"))
    return worst[0]


# --------------------------------------------------------------------------------------------- SURGE


class SurgeGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, hist_items, hist_cates, cand_items, cand_cates):
        m = self.m
        n = SURGE_L
        x = m.emb(hist_items, hist_cates)                                       # [n, F]
        t = m.emb(cand_items, cand_cates)                                       # [C, F]
        C = t.shape[0]
        f = x.shape[1]
        # steps 1-2: the metric graph (plain ops already) and its relative-rank sparsification, with the
        # index k = ceil(ratio * nnz) kept a tensor; k >= n^2 means threshold 0
        s = m.similarity(x)
        flat = s.reshape(-1)
        nnz = (flat != 0).sum().to(torch.float32)
        k = torch.ceil(nnz * torch.tensor(m.relative_threshold, dtype=torch.float32)).to(torch.int64)
        srt = torch.sort(flat, descending=True).values
        picked = torch.gather(srt, 0, k.clamp(max=n * n - 1).reshape(1))
        thr = torch.where(k < n * n, picked, torch.zeros(1))
        a = (s > thr).to(torch.float32)
        # step 3 as SURGE.graph / score_user
        eye = torch.eye(n)
        ab = (a > 0).to(torch.float32) * (1 - eye) + eye
        d = torch.sqrt(ab.sum(-1)) + m.epsilon
        ah = ab / d[None, :] / d[:, None]
        xq = ah @ (ah @ x)
        f1 = torch.softmax(m.att_cluster(xq, x), dim=-1)                       # [n]
        f2 = torch.softmax(m.att_query(t, x.expand(C, n, f)), dim=-1)          # [C, n]
        e = ab * (f1[None, None, :] + f2[:, :, None])
        e = F.leaky_relu(e, m.leaky_slope)
        e = torch.softmax(e.masked_fill(ab[None] == 0, float("-inf")), dim=-1)  # the diagonal is never masked
        xc = F.leaky_relu(m.fusion(e @ x) + x, m.leaky_slope)                  # [C, n, H]
        # step 4: interest extraction and cluster pooling; to_keep is a constant since n is
        xq2 = ah @ (ah @ xc)
        f1b = torch.softmax(m.att_cluster(xq2, xc), dim=-1)
        f2b = torch.softmax(m.att_query(t, xc), dim=-1)
        gamma = torch.softmax(f1b + f2b, dim=-1)                               # [C, n]
        to_keep = m.pool_length if n > m.pool_length else n
        if to_keep < n:
            base = torch.topk(gamma, to_keep + 1, dim=-1).values[:, to_keep]
        else:
            base = torch.zeros(C)
        keep = gamma > (base + m.epsilon)[:, None]                             # [C, n]
        g = ((gamma * keep.to(torch.float32))[:, :, None] * xc).sum(1)        # [C, H]
        # step 5: attention over the kept positions only (each att_gru logit depends on its own key
        # alone, so scoring all n and masking the rest is the reference's softmax over the kept ones)
        logit = m.att_gru(t, xc).masked_fill(~keep, -1e30)
        alpha = torch.softmax(logit, dim=-1)                                   # [C, n], 0 off the kept
        cell = m.augru
        gi_all = F.linear(xc, cell.weight_ih, cell.bias_ih)                    # [C, n, 3H]
        H = xc.shape[2]
        h = torch.zeros(C, H)
        for i in range(n):
            # AttentionGRUCell (AUGRU), batched over the candidates; h advances only where slot i is kept,
            # which visits each candidate's kept slots in temporal order
            gh = F.linear(h, cell.weight_hh, cell.bias_hh)
            i_r, i_z, i_n = gi_all[:, i].chunk(3, dim=-1)
            h_r, h_z, h_n = gh.chunk(3, dim=-1)
            r = torch.sigmoid(i_r + h_r)
            nn_ = torch.tanh(i_n + r * h_n)
            u = alpha[:, i:i + 1] * torch.sigmoid(i_z + h_z)
            h = torch.where(keep[:, i:i + 1], (1.0 - u) * h + u * nn_, h)
        return m.mlp(torch.cat([h, g, t, g * t], dim=-1))


def export_surge(g):
    m = load(surge, "surge")
    hp = surge.HPARAMS
    graph = SurgeGraph(m)
    worst = [0.0]
    n = SURGE_L
    from generate_models import cate_of

    def user(C, n_distinct=None):
        hi = hp["n_items"] if n_distinct is None else n_distinct
        items = torch.randint(1, hi + 1, (n,), generator=g)
        cands = torch.randint(1, hp["n_items"] + 1, (C,), generator=g)
        return items, cate_of(items, hp["n_cates"]), cands, cate_of(cands, hp["n_cates"])

    cases = [user(C) for C in (7, 7, 7, 100, 100, 100)] + [user(7, 5), user(100, 12), user(1)]
    with torch.no_grad():
        for items, cates, cands, ccates in cases:
            ref = m(items[None], cates[None], torch.tensor([n]), cands[None], ccates[None])[0]
            check("surge", graph(items, cates, cands, ccates), ref, worst)
    example = user(7)
    check_trace("surge", graph, example, cases, worst)
    export(graph, example, ["hist_items", "hist_cates", "cand_items", "cand_cates"],
           {"cand_items": {0: "C"}, "cand_cates": {0: "C"}}, os.path.join(OUT, "surge.onnx"))
    return worst[0]


# ------------------------------------------------------------------------------------------ TransAct


class TransactGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, hist_items, hist_actions, hist_times, hist_len, request_time, cand_items):
        m = self.m
        L = hist_items.shape[0]
        S = m.seq_len
        # TransAct.newest_first: token s is slot len-1-s (padding beyond the history); idx <= len-1 <= L-1
        valid = torch.arange(L) < hist_len
        idx = hist_len - 1 - torch.arange(S)
        ok = idx >= 0
        src = idx.clamp(min=0)
        items = (hist_items * valid)[src] * ok
        actions = (hist_actions * valid)[src] * ok
        times = (hist_times * valid)[src] * ok
        # TransAct.features: the -inf key bias, slot 0 always kept
        mapped = m.action_type_lookup[actions + 1]
        masked = ((mapped <= 0) | ((request_time - times) < 0)) & (torch.arange(S) != 0)
        bias = torch.zeros(S).masked_fill(masked, float("-inf"))
        seq = torch.cat([m.action_emb_module(mapped), m.item_emb(items)], dim=-1)          # [S, 64]
        cand = m.item_emb(cand_items)                                                     # [C, 32]
        C = cand.shape[0]
        x = torch.cat([seq[None].expand(C, S, seq.shape[-1]), cand[:, None].expand(C, S, cand.shape[-1])], dim=-1)
        for layer in m.transformer_encoder.layers:
            # post-LN (norm_first=False), ReLU feed-forward
            x = ln(x + self_attention(x, layer.self_attn, bias), layer.norm1)
            x = ln(x + layer.linear2(torch.relu(layer.linear1(x))), layer.norm2)
        pooled = m.out_linear(x.max(dim=1).values)
        f = torch.cat([pooled, x[:, :m.latest_n_emb].reshape(C, -1), cand], dim=-1)
        return m.head(f).squeeze(-1)


def export_transact(g):
    m = load(transact, "transact")
    hp = transact.HPARAMS
    graph = TransactGraph(m)
    worst = [0.0]

    def user(L, C, length, future=0):
        slot = torch.arange(L)
        ok = slot < length
        times = (1_600_000_000 + torch.cumsum(torch.randint(0, 100_000, (L,), generator=g), 0)) * ok
        rt = times[max(length - 1, 0):max(length, 1)] + 60 if length else torch.tensor([1_700_000_000])
        if future:
            rt = times[length - 1 - future:length - future] + 1       # the last `future` actions come after it
        acts = torch.randint(0, hp["n_actions"], (L,), generator=g) * ok       # some 0 = padding action
        return (torch.randint(1, hp["n_items"] + 1, (L,), generator=g) * ok, acts, times, torch.tensor([length]),
                rt, torch.randint(1, hp["n_items"] + 1, (C,), generator=g))

    cases = [user(100, 7, 100), user(100, 100, 100), user(100, 7, 63, future=5), user(60, 100, 45),
             user(100, 7, 12), user(30, 7, 1), user(100, 7, 0)]
    for p in m.parameters():
        p.requires_grad_(True)      # the reference's slow path (the fused fast path needs no-grad)
    for args in cases:
        with torch.enable_grad():
            ref = m(*(a[None] if i not in (3, 4) else a for i, a in enumerate(args)))[0].detach()
        with torch.no_grad():
            check("transact", graph(*args), ref, worst)
    example = user(100, 7, 80)
    check_trace("transact", graph, example, cases, worst)
    export(graph, example, ["hist_items", "hist_actions", "hist_times", "hist_len", "request_time", "cand_items"],
           {"hist_items": {0: "L"}, "hist_actions": {0: "L"}, "hist_times": {0: "L"}, "cand_items": {0: "C"}},
           os.path.join(OUT, "transact.onnx"))
    return worst[0]


# -------------------------------------------------------------------------------------- PinnerFormer


class PinnerformerGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, hist_items, hist_actions, hist_times, hist_len, cand_items):
        m = self.m
        L = hist_items.shape[0]
        slot = torch.arange(L)
        valid = slot < hist_len
        vf = valid.to(torch.float32)[:, None]
        # pinnerformer.time_features in float32: the gap converts exactly below 2^24 s, the phase is an
        # exact int64 remainder before it becomes a float
        prev = torch.cat([hist_times[:1], hist_times[:-1]])
        feats = [torch.log1p((hist_times - prev).clamp(min=0).to(torch.float32))]
        for period in (pinnerformer.DAY, pinnerformer.WEEK):
            phase = torch.remainder(hist_times, period).to(torch.float32) / period
            feats += [torch.sin(2 * math.pi * phase), torch.cos(2 * math.pi * phase)]
        tf = torch.stack(feats, dim=-1) * vf
        f = torch.cat([m.item_emb(hist_items * valid), m.action_emb(hist_actions * valid), tf], dim=-1)
        x = (m.in_proj(f) + m.pos_emb.weight[:L])[None]                              # [1, L, d]
        # causal + key padding (no padding mask for the empty history, as the reference)
        empty = hist_len == 0
        key_ok = (slot[None, :] <= slot[:, None]) & (valid | empty)[None, :]
        bias = torch.zeros(L, L).masked_fill(~key_ok, float("-inf"))
        for layer in m.encoder.layers:
            # pre-LN (norm_first=True), erf GELU
            x = x + self_attention(ln(x, layer.norm1), layer.self_attn, bias)
            x = x + layer.linear2(F.gelu(layer.linear1(ln(x, layer.norm2))))
        h = ln(x[0], m.encoder.norm)[(hist_len - 1).clamp(min=0)]                   # [1, d]
        u = m.user_head(h)[0]
        u = u / u.norm().clamp(min=m.l2_eps)
        u = torch.where(empty, torch.zeros_like(u), u)
        return torch.matmul(m.item_table()[cand_items], u)     # the table folds into one constant


def export_pinnerformer(g):
    m = load(pinnerformer, "pinnerformer")
    hp = pinnerformer.HPARAMS
    graph = PinnerformerGraph(m)
    worst = [0.0]

    def user(L, C, length, max_gap=200_000):
        ok = torch.arange(L) < length
        times = (1_600_000_000 + torch.cumsum(torch.randint(0, max_gap, (L,), generator=g), 0)) * ok
        return (torch.randint(1, hp["n_items"] + 1, (L,), generator=g) * ok,
                torch.randint(1, hp["n_actions"] + 1, (L,), generator=g) * ok, times, torch.tensor([length]),
                torch.randint(1, hp["n_items"] + 1, (C,), generator=g))

    cases = [user(128, 7, 128), user(128, 100, 128), user(128, 100, 128, 5_000_000), user(100, 7, 77),
             user(40, 100, 1), user(10, 7, 0)]
    for p in m.parameters():
        p.requires_grad_(True)      # the reference's slow path
    for args in cases:
        with torch.enable_grad():
            ref = m(*(a[None] if i != 3 else a for i, a in enumerate(args)))[0].detach()
        with torch.no_grad():
            check("pinnerformer", graph(*args), ref, worst)
    example = user(128, 7, 100)
    check_trace("pinnerformer", graph, example, cases, worst)
    export(graph, example, ["hist_items", "hist_actions", "hist_times", "hist_len", "cand_items"],
           {"hist_items": {0: "L"}, "hist_actions": {0: "L"}, "hist_times": {0: "L"}, "cand_items": {0: "C"}},
           os.path.join(OUT, "pinnerformer.onnx"))
    return worst[0]


def export_all():
    g = torch.Generator().manual_seed(17)
    for name, fn in [("fpmc", export_fpmc), ("rrn", export_rrn), ("surge", export_surge),
                     ("transact", export_transact), ("pinnerformer", export_pinnerformer)]:
        err = fn(g)
        print(f"{name}.onnx: max relative error vs the reference {err:.3g}")


if __name__ == "__main__":
    export_all()
