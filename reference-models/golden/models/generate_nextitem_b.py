"""Golden weights, batches and ONNX exports of Caser, NextItNet and SURGE (issue 11, part b).

    /usr/bin/python3 reference-models/golden/models/generate_nextitem_b.py
    (also run by generate_models.py and by golden/generate.py)

Per model ``src/test/resources/golden/models/<model>/`` (conventions of README.md next to this file):
* ``weights.safetensors``: the float32 state_dict under its exact keys; metadata {model, source, every
  hyperparameter as a string}.
* ``batch_<case>.safetensors``: the inputs under the forward's argument names (histories right-padded,
  ``hist_len`` [B]), ``expected.logits`` [B, C] for the candidates ``cand_items`` (pre-sigmoid) and
  ``expected.probs`` (their sigmoid, what ``seqrec model`` writes next to the logits), and for the next-item models (Caser, NextItNet) ``expected.user_embedding``
  [B, d] and the catalogue top-10 over the item ids 1 .. n_items (id 0 is padding and never
  recommended): ``expected.topk_ids`` / ``expected.topk_scores`` [B, 10] and, with every item of the
  history excluded, ``expected.topk_ids_exclude_seen`` / ``expected.topk_scores_exclude_seen``.
  Top-k order: higher score first, equal scores lower id first. Each case is drawn (seed, seed+1000,
  ...) until every pair of neighbouring scores in the top 11 is either exactly equal or apart by
  more than 1e-5 of the largest |score|, so a float32 port ranks the same ids. The weights hold one
  exact tie on purpose: item ``tie_item`` gets the output row and bias of the item that scores highest
  for the empty case's first user (metadata ``tie_items``), so those two tie for the top.
Expectations are computed in float64 from the stored float32 weights and inputs; fixed seeds make
every re-run rewrite identical files.

Cases: ``len1`` (B = 3, one action), ``max`` (B = 2, max_len actions), ``padded`` (mixed lengths),
``empty`` (lengths [0, 3]); SURGE adds ``pool`` (n = L = pool_length: to_keep == L), ``ties``
(repeated items: exact ties at the graph threshold and at the pooling threshold, both dropped) and
``same_item`` (one item repeated: every similarity row constant, the min-max 0/0 case).
Caser's batches also carry ``user_id`` [B] (1 .. n_users; 0, the unknown user, in the empty and padded cases) and ``expected.window`` [B, L] (the
left-padded last L actions the network sees).
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402

import caser  # noqa: E402
import nextitnet  # noqa: E402
import surge  # noqa: E402
from _common import as_float64, randomize, save_batch, save_weights  # noqa: E402
from generate_models import candidates, cate_of, expected_of, history, pick  # noqa: E402
from seqrec_golden import generator  # noqa: E402

TOPK = 10
MARGIN = 1e-5
ONNX_OUT = os.path.join(HERE, "..", "..", "..", "jmh", "src", "main", "resources", "onnx")


# ------------------------------------------------------------------------------------------------ top-k


def catalogue_topk(scores, exclude, k=TOPK):
    """scores [B, N+1] over ids 0..N; exclude [B, N+1] bool (id 0 always excluded) -> ids, scores [B, k]
    (stable descending sort: equal scores, lower id first)."""
    s = scores.masked_fill(exclude, float("-inf"))
    order = torch.sort(s, dim=-1, descending=True, stable=True).indices[:, :k]
    return order, torch.gather(scores, 1, order)


def seen_mask(hist_items, hist_len, n_ids):
    B, L = hist_items.shape
    m = torch.zeros(B, n_ids, dtype=torch.bool)
    m[:, 0] = True
    for b in range(B):
        m[b, hist_items[b, :int(hist_len[b])]] = True
    return m


def topk_near_ties(scores, exclude, k=TOPK):
    """Rows where two neighbouring scores among the top k+1 are neither equal nor clearly apart, or
    where fewer than k+1 items are eligible."""
    s = scores.masked_fill(exclude, float("-inf"))
    srt = torch.sort(s, dim=-1, descending=True).values[:, :k + 1]
    scale = scores.abs().masked_fill(exclude, 0).amax(-1).clamp(min=1e-12)
    bad = []
    for r in range(s.shape[0]):
        if not bool(torch.isfinite(srt[r]).all()):
            bad.append(r)
            continue
        gaps = srt[r, :-1] - srt[r, 1:]
        if bool(((gaps != 0) & (gaps < MARGIN * scale[r])).any()):
            bad.append(r)
    return bad


def next_item_expected(model, u, inputs):
    scores = model.catalogue_scores(u)
    n_ids = scores.shape[1]
    none = torch.zeros_like(scores, dtype=torch.bool)
    none[:, 0] = True
    seen = seen_mask(inputs["hist_items"], inputs["hist_len"], n_ids)
    exp = {"user_embedding": u}
    exp["topk_ids"], exp["topk_scores"] = catalogue_topk(scores, none)
    exp["topk_ids_exclude_seen"], exp["topk_scores_exclude_seen"] = catalogue_topk(scores, seen)
    bad = topk_near_ties(scores, none) + topk_near_ties(scores, seen)
    return exp, bad


def draw_clean(make, check, seed, what, tries=50):
    for attempt in range(tries):
        inputs = make(generator(seed + 1000 * attempt))
        result = check(inputs)
        if result is not None:
            return inputs, result
    raise RuntimeError(f"{what}: no draw without a near tie")


def next_item_history(g, lengths, L, n_items, max_item):
    """Right-padded item histories whose ids stay below ``max_item`` (so that at least
    n_items - max_item + 1 items are never seen and the exclude-seen top-k is always full)."""
    d = history(g, lengths, L, max_item, 1)
    return dict(hist_items=d["hist_items"], hist_len=d["hist_len"])


def next_item_cases(max_len, padded, padded_width):
    return [("len1", [1, 1, 1], 1, 4),
            ("max", [max_len, max_len], max_len, 4),
            ("padded", padded, padded_width, 5),
            ("empty", [0, 3], 5, 3)]


def tie_output_rows(weight, bias, scores_row, n_items):
    """Copies the output row and bias of the best-scoring item (for one user) to another item, so the
    two tie exactly at the top. Returns (best, copy)."""
    best = int(torch.argmax(scores_row[1:])) + 1
    other = (best + 100) % n_items + 1
    with torch.no_grad():
        weight[other] = weight[best]
        bias[other] = bias[best]
    return best, other


# ------------------------------------------------------------------------------------------------ NextItNet


def gen_nextitnet():
    hp = dict(nextitnet.HPARAMS)
    model = randomize(nextitnet.build(hp), generator(801))
    # the empty history scores the output bias alone: tie its best item with a copy
    with torch.no_grad():
        best, other = tie_output_rows(model.output.weight, model.output.bias, model.output.bias.detach(),
                                      hp["n_items"])
    hp_meta = dict(hp, receptive_field=model.receptive_field, tie_items=f"{min(best, other)},{max(best, other)}",
                   topk_k=TOPK)
    save_weights("nextitnet", model, nextitnet.SOURCE, hp_meta)
    m64 = as_float64(model)
    n_items = hp["n_items"]
    for n, (case, lengths, L, C) in enumerate(next_item_cases(hp["max_len"], [1, 7, 60, 200], 200)):
        def make(g, lengths=lengths, L=L, C=C):
            d = next_item_history(g, lengths, L, n_items, n_items - 2 * TOPK)
            d["cand_items"] = candidates(g, len(lengths), C, n_items, 1)["cand_items"]
            if case == "empty":  # both tied items among the candidates
                d["cand_items"][0, 0], d["cand_items"][0, 1] = best, other
            return d

        def check(inputs):
            with torch.no_grad():
                u = m64.user_embedding(inputs["hist_items"], inputs["hist_len"])
                exp, bad = next_item_expected(m64, u, inputs)
            if bad:
                return None
            with torch.no_grad():
                exp.update(expected_of(m64(inputs["hist_items"], inputs["hist_len"], inputs["cand_items"])))
            return exp

        inputs, exp = draw_clean(make, check, 8100 + n, "nextitnet " + case)
        save_batch("nextitnet", case, pick(inputs, ["hist_items", "hist_len", "cand_items"]), exp,
                   nextitnet.SOURCE, hp_meta)
    return model


# ------------------------------------------------------------------------------------------------ Caser


def gen_caser():
    hp = dict(caser.HPARAMS)
    model = randomize(caser.build(hp), generator(802))
    with torch.no_grad():
        m = as_float64(model)
        empty_window = torch.zeros(1, hp["L"], dtype=torch.int64)
        x = m.user_embedding_of_window(empty_window, torch.tensor([0]))
        best, other = tie_output_rows(model.W2.weight, model.b2.weight, m.catalogue_scores(x)[0], hp["n_items"])
    hp_meta = dict(hp, tie_items=f"{min(best, other)},{max(best, other)}", topk_k=TOPK)
    save_weights("caser", model, caser.SOURCE, hp_meta)
    m64 = as_float64(model)
    n_items = hp["n_items"]
    for n, (case, lengths, L, C) in enumerate(next_item_cases(hp["max_len"], [1, 3, 4, 5], 5)):
        def make(g, lengths=lengths, L=L, C=C):
            d = next_item_history(g, lengths, L, n_items, n_items - 2 * TOPK)
            d["user_id"] = torch.randint(1, hp["n_users"] + 1, (len(lengths),), generator=g)
            if case == "padded":  # an unknown user with a history: the sequence part alone
                d["user_id"][1] = 0
            d["cand_items"] = candidates(g, len(lengths), C, n_items, 1)["cand_items"]
            if case == "empty":  # the user the tie was made for, both tied items among the candidates
                d["user_id"][0] = 0
                d["cand_items"][0, 0], d["cand_items"][0, 1] = best, other
            return d

        def check(inputs):
            with torch.no_grad():
                u = m64.user_embedding(inputs["hist_items"], inputs["hist_len"], inputs["user_id"])
                exp, bad = next_item_expected(m64, u, inputs)
            if bad:
                return None
            with torch.no_grad():
                exp.update(expected_of(m64(inputs["hist_items"], inputs["hist_len"], inputs["user_id"],
                                           inputs["cand_items"])))
                exp["window"] = m64.window(inputs["hist_items"], inputs["hist_len"])
            return exp

        inputs, exp = draw_clean(make, check, 8200 + n, "caser " + case)
        save_batch("caser", case, pick(inputs, ["hist_items", "hist_len", "user_id", "cand_items"]), exp,
                   caser.SOURCE, hp_meta)
    return model


# ------------------------------------------------------------------------------------------------ SURGE


def surge_near_ties(traces):
    """None if every graph and pooling decision is clear of float32 rounding, else a reason. Entries
    exactly equal to a threshold value (identical inputs) are fine: they are dropped on both sides."""
    for tr in traces:
        if "s" not in tr:
            continue
        s, thr = tr["s"], tr["thr"]
        d = (s - thr).abs()
        if bool(((d != 0) & (d < MARGIN)).any()):
            return "graph threshold"
        gamma, base = tr["gamma"], tr["gamma_base"]
        gthr = base + 1e-7
        close = ((gamma - gthr[:, None]).abs() < MARGIN * gamma.amax(-1, keepdim=True)) & (gamma != base[:, None])
        if bool(close.any()):
            return "pooling threshold"
    return None


def surge_ties_present(traces):
    """The ``ties`` case must put exact ties across both thresholds: an entry equal to the graph
    threshold among the k largest, and a pooling score equal to the threshold score among the
    to_keep largest (both then dropped)."""
    graph_tie = pool_tie = False
    for tr in traces:
        if "s" not in tr:
            continue
        s, thr = tr["s"], tr["thr"]
        if int((s == thr).sum()) >= 2:
            graph_tie = True
        gamma, base = tr["gamma"], tr["gamma_base"]
        for c in range(gamma.shape[0]):
            srt = torch.sort(gamma[c], descending=True).values
            n = gamma.shape[1]
            to_keep = min(n, 30)
            if to_keep < n and srt[to_keep - 1] == srt[to_keep]:
                pool_tie = True
    return graph_tie and pool_tie


def gen_surge():
    hp = surge.HPARAMS
    model = randomize(surge.build(hp), generator(803))
    hp_meta = dict(hp)
    save_weights("surge", model, surge.SOURCE, hp_meta)
    m64 = as_float64(model)
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    P = hp["pool_length"]
    cases = [("len1", [1, 1, 1], 1, 4),
             ("max", [hp["max_len"], hp["max_len"]], hp["max_len"], 4),
             ("padded", [2, 7, P, P + 1, hp["max_len"] - 5], hp["max_len"], 5),
             ("empty", [0, 3], 5, 3),
             ("pool", [P, P], P, 3),
             ("ties", [45, 40], 45, 6),
             ("same_item", [6, 2], 6, 3)]
    for n, (case, lengths, L, C) in enumerate(cases):
        def make(g, lengths=lengths, L=L, C=C, case=case):
            d = {**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                 **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}
            if case not in ("ties", "same_item"):
                # distinct items: every tie in these cases would be a coincidence, so none is exact
                # and the margin check keeps every decision clear (ties have their own case)
                valid = torch.arange(L)[None, :] < d["hist_len"][:, None]
                items = torch.stack([torch.randperm(hp["n_items"], generator=g)[:L] + 1 for _ in lengths]) * valid
                d["hist_items"], d["hist_cates"] = items, cate_of(items, hp["n_cates"])
            else:
                pool = torch.randint(1, hp["n_items"] + 1, (7 if case == "ties" else 1,), generator=g)
                pick_idx = torch.randint(0, pool.numel(), (len(lengths), L), generator=g)
                items = pool[pick_idx] * (torch.arange(L)[None, :] < d["hist_len"][:, None])
                d["hist_items"], d["hist_cates"] = items, cate_of(items, hp["n_cates"])
            return pick(d, keys)

        def check(inputs, case=case):
            traces = []
            with torch.no_grad():
                logits = m64(**inputs, traces=traces)
            if surge_near_ties(traces) is not None:
                return None
            if case == "ties" and not surge_ties_present(traces):
                return None
            exp = expected_of(logits)
            kept = torch.zeros(inputs["cand_items"].shape, dtype=torch.int64)
            for b, tr in enumerate(traces):
                if "kept" in tr:
                    kept[b] = torch.tensor(tr["kept"])
            exp["kept_nodes"] = kept
            return exp

        inputs, exp = draw_clean(make, check, 8300 + 10 * n, "surge " + case, tries=200)
        save_batch("surge", case, inputs, exp, surge.SOURCE, hp_meta)
    return model


# ------------------------------------------------------------------------------------------------ checks


def official_surge_full_length(m, x, t):
    """A literal transcription of the official ``_build_seq_graph`` (masks, -2^32+1 paddings, sorted
    gathers, argsort compaction) for C candidates of one user whose history fills all L slots (the
    case where the official code and this reference must agree), with seqrec's AUGRU cell."""
    C = t.shape[0]
    L, f = x.shape
    X = x.expand(C, L, f)
    mask = torch.ones(C, L)
    neg = -(2.0 ** 32) + 1

    def att(unit, query, keys, mask):
        logits = unit(query, keys)
        return torch.softmax(torch.where(mask > 0, logits, torch.full_like(logits, neg)), dim=-1)

    xf = torch.nn.functional.normalize(X * m.graph_weight, dim=2, eps=1e-6)
    S = xf @ xf.transpose(1, 2)
    S = (S - S.min(-1, keepdim=True).values) / (S.max(-1, keepdim=True).values - S.min(-1, keepdim=True).values)
    S = S * mask[:, :, None] * mask[:, None, :]
    flat = torch.sort(S.reshape(C, -1), descending=True).values
    k = torch.ceil(torch.count_nonzero(S, dim=(1, 2)).float() * 0.5).long()
    thr = torch.stack([flat[c, k[c]] if k[c] < L * L else flat.new_zeros(()) for c in range(C)])
    A = (S > thr[:, None, None]).double()
    eye = torch.eye(L, dtype=torch.float64)
    A_bool = (A > 0).double() * (1 - eye) + eye
    D = torch.sqrt(A_bool.sum(-1))[:, None] + 1e-7
    A = (A_bool / D) / D.transpose(1, 2)
    Xq = A @ (A @ X)
    f1 = att(m.att_cluster, Xq, X, mask)
    f2 = att(m.att_query, t, X, mask)
    E = A_bool * f1[:, None, :] + A_bool * f2[:, :, None]
    E = torch.nn.functional.leaky_relu(E, 0.2)
    E = torch.softmax(torch.where(A_bool == 1, E, torch.full_like(E, neg)), dim=-1)
    Xc = torch.nn.functional.leaky_relu(m.fusion(E @ X) + X, 0.2)
    Xq = A @ (A @ Xc)
    score = att(m.att_cluster, Xq, Xc, mask) + att(m.att_query, t, Xc, mask)
    score = torch.softmax(torch.where(mask > 0, score, torch.full_like(score, neg)), dim=-1)
    n = mask.sum(1).long()
    to_keep = torch.where(n > m.pool_length, torch.full_like(n, m.pool_length), n)
    score = score * mask
    srt = torch.sort(score, descending=True).values
    target = torch.stack([srt[c, to_keep[c]] if to_keep[c] < L else srt.new_zeros(()) for c in range(C)]) + 1e-7
    keep = (score > target[:, None]).long()
    readout = (Xc * score[:, :, None] * keep[:, :, None].double()).sum(1)
    order = torch.sort(keep, descending=True, stable=True).indices
    Xs = torch.gather(Xc, 1, order[:, :, None].expand_as(Xc))
    kept = torch.sort(keep, descending=True).values
    width = int(kept.sum(1).max())
    Xs, kept = Xs[:, :width], kept[:, :width]
    alphas = att(m.att_gru, t, Xs, kept)
    h = t.new_zeros(C, Xc.shape[-1])
    for step in range(width):
        nxt = m.augru(Xs[:, step], h, alphas[:, step:step + 1])
        h = torch.where(kept[:, step:step + 1] > 0, nxt, h)
    return m.mlp(torch.cat([h, readout, t, readout * t], dim=1))


def self_checks():
    """Raise unless: appended padding changes nothing (all three); float32 stays within 1e-4 of the
    float64 expectation; NextItNet's incremental state (one last-row convolution per layer per new
    action) equals rescoring the whole history over 300 appended actions; NextItNet's output depends
    on the last receptive_field actions only; Caser's window keeps the most recent L actions; SURGE's
    graph on one node has no NaN."""
    g = generator(98)
    # NextItNet
    m = randomize(nextitnet.build(nextitnet.HPARAMS), generator(5))
    m64 = as_float64(m)
    d = next_item_history(g, [0, 1, 6, 70], 70, 200, 200)
    with torch.no_grad():
        a = m64.user_embedding(d["hist_items"], d["hist_len"])
        b = m64.user_embedding(torch.cat([d["hist_items"], torch.zeros(4, 9, dtype=torch.int64)], 1), d["hist_len"])
        c32 = m.user_embedding(d["hist_items"], d["hist_len"]).double()
    if float((a - b).abs().max()) > 1e-12:
        raise AssertionError("nextitnet: padding slots changed the user embedding")
    if float(((c32 - a).abs() / a.abs().clamp(min=1e-2)).max()) > 1e-4:
        raise AssertionError("nextitnet: float32 evaluation is off the float64 golden")
    seq = torch.randint(1, 201, (1, 300), generator=g)
    state = m64.empty_state(1)
    worst = 0.0
    with torch.no_grad():
        for t in range(300):
            x = m64.append(state, seq[:, t])
            full = m64.hidden(seq[:, :t + 1])[:, -1]
            worst = max(worst, float((x - full).abs().max()))
        rf = m64.receptive_field
        tail = m64.user_embedding(seq[:, -rf:], torch.tensor([rf]))
        whole = m64.user_embedding(seq, torch.tensor([300]))
    if worst > 1e-9:
        raise AssertionError(f"nextitnet: incremental state differs from full rescoring by {worst}")
    if float((tail - whole).abs().max()) > 1e-12:
        raise AssertionError("nextitnet: output depends on more than the receptive field")
    # Caser
    m = randomize(caser.build(caser.HPARAMS), generator(6))
    m64 = as_float64(m)
    d = next_item_history(g, [0, 2, 5, 9], 9, 200, 200)
    uid = torch.tensor([0, 1, 2, 3])
    with torch.no_grad():
        a = m64.user_embedding(d["hist_items"], d["hist_len"], uid)
        b = m64.user_embedding(torch.cat([d["hist_items"], torch.zeros(4, 3, dtype=torch.int64)], 1), d["hist_len"], uid)
        c32 = m.user_embedding(d["hist_items"], d["hist_len"], uid).double()
        w = m64.window(d["hist_items"], d["hist_len"])
    if float((a - b).abs().max()) > 1e-12:
        raise AssertionError("caser: padding slots changed the user embedding")
    if float(((c32 - a).abs() / a.abs().clamp(min=1e-2)).max()) > 1e-4:
        raise AssertionError("caser: float32 evaluation is off the float64 golden")
    if w[3].tolist() != d["hist_items"][3, 4:9].tolist() or w[1, :3].tolist() != [0, 0, 0]:
        raise AssertionError("caser: window is not the last L actions, left-padded")
    # SURGE
    m = randomize(surge.build(surge.HPARAMS), generator(7))
    m64 = as_float64(m)
    d = {**history(g, [0, 1, 6, 33], 33, 200, 20), **candidates(g, 4, 3, 200, 20)}
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    a_in = pick(d, keys)
    b_in = dict(a_in)
    for k in ("hist_items", "hist_cates"):
        b_in[k] = torch.cat([b_in[k], torch.zeros(4, 4, dtype=torch.int64)], dim=1)
    with torch.no_grad():
        la, lb, l32 = m64(**a_in), m64(**b_in), m(**a_in).double()
    if float((la - lb).abs().max()) > 1e-12:
        raise AssertionError("surge: padding slots changed the logits")
    if not bool(torch.isfinite(la).all()):
        raise AssertionError("surge: non-finite logits")
    if float(((l32 - la).abs() / la.abs().clamp(min=1e-2)).max()) > 1e-4:
        raise AssertionError("surge: float32 evaluation is off the float64 golden")
    for L in (33, 12):
        items = torch.randperm(200, generator=g)[:L] + 1
        x = m64.emb(items, cate_of(items, 20))
        cands = torch.randint(1, 201, (5,), generator=g)
        t = m64.emb(cands, cate_of(cands, 20))
        with torch.no_grad():
            ours, theirs = m64.score_user(x, t), official_surge_full_length(m64, x, t)
        if float((ours - theirs).abs().max()) > 1e-10:
            raise AssertionError(f"surge: differs from the official graph on a full-length history (L = {L})")


# ------------------------------------------------------------------------------------------------ ONNX


class CaserOneUser(torch.nn.Module):
    """window [L] (the last L actions, left-padded with 0), user_id [1], cand_items [C] -> logits [C]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, window, user_id, cand_items):
        m = self.model
        x = m.user_embedding_of_window(window[None], user_id)[0]
        return m.W2(cand_items) @ x + m.b2(cand_items)[:, 0]


class NextItNetOneUser(torch.nn.Module):
    """hist_items [L] (all L valid, oldest first, L >= 1 dynamic), cand_items [C] -> logits [C]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, hist_items, cand_items):
        m = self.model
        u = torch.relu(m.hidden(hist_items[None])[0, -1])
        return m.output.weight[cand_items] @ u + m.output.bias[cand_items]


def export_onnx(caser_model, nextitnet_model):
    """``caser.onnx`` and ``nextitnet.onnx`` with the golden weights baked in (opset 13), one user per call,
    C dynamic; NextItNet's L is dynamic too (benchmark L = 50)."""
    os.makedirs(ONNX_OUT, exist_ok=True)
    g = torch.Generator().manual_seed(11)
    with torch.no_grad():
        c = CaserOneUser(caser_model.eval())
        window = torch.randint(0, 201, (caser.HPARAMS["L"],), generator=g)
        torch.onnx.export(c, (window, torch.tensor([3]), torch.randint(1, 201, (7,), generator=g)),
                          os.path.join(ONNX_OUT, "caser.onnx"), input_names=["window", "user_id", "cand_items"],
                          output_names=["logits"], opset_version=13, do_constant_folding=True,
                          dynamic_axes={"cand_items": {0: "C"}, "logits": {0: "C"}})
        nx = NextItNetOneUser(nextitnet_model.eval())
        torch.onnx.export(nx, (torch.randint(1, 201, (50,), generator=g), torch.randint(1, 201, (7,), generator=g)),
                          os.path.join(ONNX_OUT, "nextitnet.onnx"), input_names=["hist_items", "cand_items"],
                          output_names=["logits"], opset_version=13, do_constant_folding=True,
                          dynamic_axes={"hist_items": {0: "L"}, "cand_items": {0: "C"}, "logits": {0: "C"}})


def main():
    self_checks()
    nx = gen_nextitnet()
    cs = gen_caser()
    gen_surge()
    export_onnx(cs, nx)


if __name__ == "__main__":
    main()
