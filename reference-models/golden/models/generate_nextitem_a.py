"""Golden weights and batches of four next-item models (issue 11): GRU4Rec, FPMC, the Markov
chain and RRN.

    /usr/bin/python3 reference-models/golden/models/generate_nextitem_a.py
    (also called from generate_models.py)

Per model ``src/test/resources/golden/models/<model>/``:
* ``weights.safetensors``: the float32 state_dict under its exact keys; metadata {model, source,
  every hyperparameter as a string}. For the Markov chain: the fitted count table (CSR) that
  counting ``sequences.csv`` must reproduce exactly.
* ``batch_<case>.safetensors`` for the cases ``len1, max, padded, empty`` (plus variants): the
  inputs, ``expected.logits`` [B, C] (the model's score of the given candidates: a logit for
  GRU4Rec/FPMC, a predicted rating for RRN, a probability for the Markov chain),
  ``expected.user_embedding`` [B, d] (dot-product models: the vector scored against the item
  table), and the catalogue top-k (k = ``topk_k`` = 10, ids 1..n_items, ties by lower id):
  ``expected.topk_ids`` / ``expected.topk_scores`` [B, k] over the whole catalogue and
  ``expected.topk_ids_exclude_seen`` / ``expected.topk_scores_exclude_seen`` [B, k] without the
  items of the history's valid slots. Every top-k boundary is either an exact tie (identical
  inputs) or a gap above 1e-5 relative (inputs are redrawn until so).
Expectations are computed in float64 from the stored float32 weights and inputs; fixed seeds.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import fpmc  # noqa: E402
import gru4rec  # noqa: E402
import markov  # noqa: E402
import rrn  # noqa: E402
from _common import (MODELS_ROOT, as_float64, check_topk_margin, hparam_strings, length_mask,  # noqa: E402
                     randomize, save_batch, topk_desc)
from generate_models import history, standard_cases  # noqa: E402
from seqrec_golden import generator, save_safetensors  # noqa: E402

TOPK = 10


def save_weights(model_name, model, source, hp, file_name="weights"):
    """``_common.save_weights`` with a file name (GRU4Rec has a second weight file)."""
    tensors = {k: (v.to(torch.float32) if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    meta = {"model": model_name, "source": source}
    meta.update(hparam_strings(hp))
    save_safetensors(os.path.join(MODELS_ROOT, model_name, file_name + ".safetensors"), tensors, meta)


def seen_mask(hist_items, hist_len, n_ids):
    """[B, n_ids] bool: ids at the valid slots of each history."""
    B, L = hist_items.shape
    valid = length_mask(hist_len, L)
    m = torch.zeros(B, n_ids, dtype=torch.bool)
    m.scatter_(1, hist_items * valid, valid)
    m[:, 0] = False
    return m


def catalogue_expectations(scores, hist_items, hist_len):
    """scores [B, n_items+1] (column 0 = padding) -> the four top-k tensors, plus the rows whose
    boundary is a near tie (empty when the draw is usable)."""
    B, n = scores.shape
    ids_ok = torch.ones(B, n, dtype=torch.bool)
    ids_ok[:, 0] = False
    unseen = ids_ok & ~seen_mask(hist_items, hist_len, n)
    out, bad = {}, []
    for suffix, valid in (("", ids_ok), ("_exclude_seen", unseen)):
        idx, sel = topk_desc(scores, valid, TOPK)
        if not bool(sel.all()):
            raise RuntimeError("fewer than k recommendable items")
        out["topk_ids" + suffix] = idx
        out["topk_scores" + suffix] = scores.gather(1, idx)
        bad += check_topk_margin(scores, valid, TOPK, "catalogue")
    return out, bad


def redraw(make, evaluate, seed, what, tries=50):
    """make(g) -> inputs; evaluate(inputs) -> (expected, bad rows). Redraws until no near tie."""
    for attempt in range(tries):
        inputs = make(generator(seed + 1000 * attempt))
        expected, bad = evaluate(inputs)
        if not bad:
            return inputs, expected
    raise RuntimeError(f"{what}: no draw without a near tie at the top-k boundary")


def items_only(g, lengths, L, n_items):
    h = history(g, lengths, L, n_items, 20)
    return dict(hist_items=h["hist_items"], hist_len=h["hist_len"])


def cands(g, B, C, n_items):
    return torch.randint(1, n_items + 1, (B, C), generator=g)


# ------------------------------------------------------------------------------------------------
# GRU4Rec


def gen_gru4rec():
    for variant, hp, seed, weights_name in (("constrained", gru4rec.HPARAMS, 1101, "weights"),
                                            ("separate", gru4rec.HPARAMS_SEPARATE, 1102, "weights_separate")):
        model = randomize(gru4rec.build(hp), generator(seed))
        save_weights("gru4rec", model, gru4rec.SOURCE, hp, weights_name)
        m64 = as_float64(model)
        cases = standard_cases(hp["max_len"])
        if variant == "separate":
            cases = [("separate_" + c[0],) + c[1:] for c in cases if c[0] in ("padded", "empty")]
        for n, (case, lengths, L, C) in enumerate(cases):
            def make(g, lengths=lengths, L=L, C=C):
                d = items_only(g, lengths, L, hp["n_items"])
                d["cand_items"] = cands(g, len(lengths), C, hp["n_items"])
                return d

            def evaluate(inputs):
                with torch.no_grad():
                    exp = {"logits": m64(**inputs),
                           "user_embedding": m64.user_embedding(inputs["hist_items"], inputs["hist_len"])}
                    top, bad = catalogue_expectations(m64.catalogue_scores(inputs["hist_items"], inputs["hist_len"]),
                                                      inputs["hist_items"], inputs["hist_len"])
                exp.update(top)
                return exp, bad

            inputs, exp = redraw(make, evaluate, seed * 10 + n, "gru4rec " + case)
            rtol = {"rtol": "1e-3"} if max(lengths) > 50 else {}
            save_batch("gru4rec", case, inputs, exp, gru4rec.SOURCE, hp,
                       dict(topk_k=TOPK, variant=variant, weights=weights_name, **rtol))


def check_gru4rec():
    hp = gru4rec.HPARAMS
    model = randomize(gru4rec.build(hp), generator(5))
    m64 = as_float64(model)
    d = items_only(generator(6), [0, 1, 6, 9], 9, hp["n_items"])
    with torch.no_grad():
        u = m64.user_embedding(d["hist_items"], d["hist_len"])
        ref, keep = gru4rec.packed_gru_check(m64, d["hist_items"], d["hist_len"])
        if float((u[keep] - ref).abs().max()) > 1e-12:
            raise AssertionError("gru4rec: GRUCell stack differs from packed nn.GRU")
        if float(u[~keep].abs().max()) != 0.0:
            raise AssertionError("gru4rec: empty history must leave the state at 0")
        padded = torch.cat([d["hist_items"], torch.zeros(4, 3, dtype=torch.int64)], 1)
        if float((m64.user_embedding(padded, d["hist_len"]) - u).abs().max()) > 1e-12:
            raise AssertionError("gru4rec: padding slots changed the state")
        u32 = model.user_embedding(d["hist_items"], d["hist_len"]).double()
        if float((u32 - u).abs().max()) > 1e-4:
            raise AssertionError("gru4rec: float32 evaluation is off the float64 golden")


# ------------------------------------------------------------------------------------------------
# FPMC


def gen_fpmc():
    hp = fpmc.HPARAMS
    model = randomize(fpmc.build(hp), generator(1201))
    save_weights("fpmc", model, fpmc.SOURCE, hp)
    basket_model = fpmc.build(dict(hp, basket="last_timestamp"))
    basket_model.load_state_dict(model.state_dict())
    variants = {"last_item": as_float64(model), "last_timestamp": as_float64(basket_model)}
    cases = [(c, "last_item") for c in standard_cases(hp["max_len"])]
    cases.append((("basket_padded", [1, 7, 30, hp["max_len"]], hp["max_len"], 5), "last_timestamp"))
    for n, ((case, lengths, L, C), basket) in enumerate(cases):
        m64 = variants[basket]

        def make(g, lengths=lengths, L=L, C=C):
            h = history(g, lengths, L, hp["n_items"], 20)
            d = dict(user_id=torch.randint(1, hp["n_users"] + 1, (len(lengths),), generator=g),
                     hist_items=h["hist_items"], hist_len=h["hist_len"])
            d["user_id"][-1] = 0  # the unknown user
            if basket == "last_timestamp":
                # one basket per day: the trailing actions of the last day form the previous basket
                d["hist_times"] = (h["hist_times"] // 86400) * 86400
                d["request_time"] = h["request_time"]
            d["cand_items"] = cands(g, len(lengths), C, hp["n_items"])
            return d

        def evaluate(inputs, m64=m64):
            with torch.no_grad():
                args = dict(user_id=inputs["user_id"], hist_items=inputs["hist_items"], hist_len=inputs["hist_len"],
                            hist_times=inputs.get("hist_times"))
                exp = {"logits": m64(cand_items=inputs["cand_items"], **args),
                       "user_embedding": m64.user_embedding(**args)}
                top, bad = catalogue_expectations(m64.catalogue_scores(**args), inputs["hist_items"],
                                                  inputs["hist_len"])
            exp.update(top)
            return exp, bad

        inputs, exp = redraw(make, evaluate, 12000 + 10 * n, "fpmc " + case)
        save_batch("fpmc", case, inputs, exp, fpmc.SOURCE, dict(hp, basket=basket), dict(topk_k=TOPK))


def check_fpmc():
    hp = fpmc.HPARAMS
    model = as_float64(randomize(fpmc.build(hp), generator(5)))
    other = as_float64(randomize(fpmc.build(dict(hp, basket="last_timestamp")), generator(5)))
    h = history(generator(7), [0, 1, 6, 9], 9, hp["n_items"], 20)
    uid = torch.tensor([3, 0, 7, 1])
    c = cands(generator(8), 4, 6, hp["n_items"])
    with torch.no_grad():
        a = model(uid, h["hist_items"], h["hist_len"], c)
        b = model.catalogue_scores(uid, h["hist_items"], h["hist_len"]).gather(1, c)
        if float((a - b).abs().max()) > 1e-12:
            raise AssertionError("fpmc: term-wise score differs from the catalogue form")
        # distinct timestamps: the previous basket is the last item, both forms agree
        o = other(uid, h["hist_items"], h["hist_len"], c, hist_times=h["hist_times"])
        if float((a - o).abs().max()) > 1e-12:
            raise AssertionError("fpmc: basket forms disagree on one-item baskets")


# ------------------------------------------------------------------------------------------------
# Markov chain


def markov_sequences(g, n_items):
    """A small, skewed sequence set with the awkward cases: an empty row (item never followed),
    a one-item sequence, self transitions, repeated transitions."""
    seqs = []
    for _ in range(40):
        n = int(torch.randint(2, 25, (1,), generator=g))
        # skewed ids: squares of uniforms favour low ids, so transitions repeat
        u = torch.rand(n, generator=g, dtype=torch.float64)
        ids = (1 + (u * u * (n_items - 3)).floor().to(torch.int64)).tolist()  # never n_items-1, n_items
        seqs.append(ids)
    seqs.append([n_items - 1])                 # one item: no transition
    seqs.append([5, 5, 5, 7, n_items])          # self transitions; n_items only as a target
    seqs.append([n_items - 2, 3])
    return seqs


def gen_markov():
    hp = markov.HPARAMS
    N = hp["n_items"]
    folder = os.path.join(MODELS_ROOT, "markov")
    os.makedirs(folder, exist_ok=True)
    seqs = markov_sequences(generator(1301), N)
    csv = os.path.join(folder, "sequences.csv")
    markov.write_sequences(csv, seqs, ["first-order Markov chain golden (generate_nextitem_a.py): one sequence per "
                                       "line, oldest first, item ids 1.." + str(N),
                                       "items %d and %d never precede anything (empty rows -> fallback)" % (N - 1, N)])
    seqs = markov.read_sequences(csv)
    counts = markov.count_transitions(seqs, N)
    offsets, cols, vals = markov.csr(counts)
    meta = {"model": "markov", "source": markov.SOURCE}
    meta.update(hparam_strings(hp))
    save_safetensors(os.path.join(folder, "weights.safetensors"),
                     {"row_offsets": offsets, "next_items": cols, "counts": vals}, meta)
    mc = markov.MarkovChain(counts, hp["smoothing"])
    save_safetensors(os.path.join(folder, "expected_fit.safetensors"),
                     {"expected.transition_probs": mc.P.to(torch.float32)},
                     dict(meta, note="row i = P(. | i); row 0 = the fallback P0 (empty history, empty rows); "
                                     "column 0 = 0"))
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"])):
        def make(g, lengths=lengths, L=L, C=C):
            d = items_only(g, lengths, L, N)
            if case == "padded":
                d["hist_items"][0, 0] = N - 1   # last item with an empty row -> fallback
            d["cand_items"] = cands(g, len(lengths), C, N)
            return d

        def evaluate(inputs):
            with torch.no_grad():
                exp = {"logits": mc(**inputs)}
                top, bad = catalogue_expectations(mc.catalogue_scores(inputs["hist_items"], inputs["hist_len"]),
                                                  inputs["hist_items"], inputs["hist_len"])
            exp.update(top)
            return exp, bad

        inputs, exp = redraw(make, evaluate, 13000 + 10 * n, "markov " + case)
        save_batch("markov", case, inputs, exp, markov.SOURCE, hp, dict(topk_k=TOPK))


def check_markov():
    hp = markov.HPARAMS
    seqs = markov_sequences(generator(1301), hp["n_items"])
    mc = markov.MarkovChain(markov.count_transitions(seqs, hp["n_items"]), hp["smoothing"])
    if float((mc.P[:, 1:].sum(1) - 1).abs().max()) > 1e-12:
        raise AssertionError("markov: rows must be probability distributions over 1..n_items")
    manual = {}
    for s in seqs:
        for a, b in zip(s[:-1], s[1:]):
            manual[(a, b)] = manual.get((a, b), 0) + 1
    counts = markov.count_transitions(seqs, hp["n_items"])
    if {tuple(k): int(v) for k, v in zip(counts.indices().t().tolist(), counts.values())} != manual:
        raise AssertionError("markov: sparse coalesce count differs from a dictionary count")


# ------------------------------------------------------------------------------------------------
# RRN


def rrn_item_log(g, hp):
    """Per item id 0..n_items: (user ids, ratings, times), oldest first; some items never rated."""
    logs = [([], [], [])]
    for _ in range(hp["n_items"]):
        n = int(torch.randint(0, 12, (1,), generator=g))
        users = torch.randint(1, hp["n_users"] + 1, (n,), generator=g).tolist()
        ratings = torch.randint(1, 6, (n,), generator=g).tolist()
        times = sorted((hp["epoch"] + torch.randint(0, 30 * 86400 * 4, (n,), generator=g)).tolist())
        logs.append((users, ratings, times))
    return logs


def build_rrn(seed):
    hp = rrn.HPARAMS
    model = randomize(rrn.build(hp), generator(seed))
    with torch.no_grad():
        # sums of several rated items: smaller rows keep the LSTM inputs out of saturation
        model.user_input.ratings.weight.mul_(0.25)
        model.item_input.ratings.weight.mul_(0.25)
        model.item_state.copy_(model.item_states(rrn_item_log(generator(seed + 1), hp)))
    return model


def rrn_inputs(g, lengths, L, C, hp):
    h = history(g, lengths, L, hp["n_items"], 20)
    valid = length_mask(h["hist_len"], L)
    d = dict(user_id=torch.randint(1, hp["n_users"] + 1, (len(lengths),), generator=g),
             hist_items=h["hist_items"],
             hist_actions=torch.randint(1, 6, (len(lengths), L), generator=g) * valid,
             hist_times=h["hist_times"], hist_len=h["hist_len"], request_time=h["request_time"])
    d["user_id"][-1] = 0
    d["cand_items"] = cands(g, len(lengths), C, hp["n_items"])
    return d


def gen_rrn():
    hp = rrn.HPARAMS
    model = build_rrn(1401)
    save_weights("rrn", model, rrn.SOURCE, hp)
    m64 = as_float64(model)
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"])):
        def make(g, lengths=lengths, L=L, C=C):
            return rrn_inputs(g, lengths, L, C, hp)

        def evaluate(inputs):
            args = {k: inputs[k] for k in ("user_id", "hist_items", "hist_actions", "hist_times", "hist_len")}
            with torch.no_grad():
                exp = {"logits": m64(cand_items=inputs["cand_items"], **args),
                       "user_embedding": m64.user_embedding(**args)}
                top, bad = catalogue_expectations(m64.catalogue_scores(**args), inputs["hist_items"],
                                                  inputs["hist_len"])
            exp.update(top)
            return exp, bad

        inputs, exp = redraw(make, evaluate, 14000 + 10 * n, "rrn " + case)
        save_batch("rrn", case, inputs, exp, rrn.SOURCE, hp, dict(topk_k=TOPK))


def check_rrn():
    """The packed nn.LSTM path against an nn.LSTMCell loop over the grouped steps; the rating's
    two-product form against the catalogue form; padding slots change nothing."""
    hp = rrn.HPARAMS
    m = as_float64(build_rrn(5))
    d = rrn_inputs(generator(9), [0, 1, 6, 30], 30, 4, hp)
    cell = nn.LSTMCell(hp["d_input"], hp["hidden"]).double()
    with torch.no_grad():
        cell.weight_ih.copy_(m.user_lstm.weight_ih_l0)
        cell.weight_hh.copy_(m.user_lstm.weight_hh_l0)
        cell.bias_ih.copy_(m.user_lstm.bias_ih_l0)
        cell.bias_hh.copy_(m.user_lstm.bias_hh_l0)
        h, c = m.user_state(d["hist_items"], d["hist_actions"], d["hist_times"], d["hist_len"])
        for b in range(4):
            n = int(d["hist_len"][b])
            steps = rrn.group_steps(d["hist_items"][b, :n].tolist(), d["hist_actions"][b, :n].tolist(),
                                    d["hist_times"][b, :n].tolist(), hp)
            hb = torch.zeros(1, hp["hidden"], dtype=torch.float64)
            cb = torch.zeros_like(hb)
            prev = None
            for k, (s, ids, rs) in enumerate(steps):
                tau = s / hp["time_scale"]
                x = sum(r * m.user_input.ratings.weight[j] for j, r in zip(ids, rs))
                x = x + m.user_input.extra(torch.tensor([[1.0 if k == 0 else 0.0, tau,
                                                          tau if prev is None else prev]], dtype=torch.float64))[0]
                hb, cb = cell(x[None], (hb, cb))
                prev = tau
            if float((hb[0] - h[b]).abs().max()) > 1e-12 or float((cb[0] - c[b]).abs().max()) > 1e-12:
                raise AssertionError("rrn: packed nn.LSTM differs from the LSTMCell loop")
        args = {k: d[k] for k in ("user_id", "hist_items", "hist_actions", "hist_times", "hist_len")}
        a = m(cand_items=d["cand_items"], **args)
        b = m.catalogue_scores(**args).gather(1, d["cand_items"])
        if float((a - b).abs().max()) > 1e-12:
            raise AssertionError("rrn: two-product rating differs from the catalogue form")
        pad = dict(args)
        for k in ("hist_items", "hist_actions", "hist_times"):
            pad[k] = torch.cat([args[k], torch.zeros(4, 3, dtype=torch.int64)], 1)
        if float((m(cand_items=d["cand_items"], **pad) - a).abs().max()) > 1e-12:
            raise AssertionError("rrn: padding slots changed the rating")


# ------------------------------------------------------------------------------------------------
# ONNX export of GRU4Rec (ORT peer benchmark)


class Gru4RecOneUser(nn.Module):
    """One session: hist_items [L] i64 (L dynamic), hist_len [1] i64, cand_items [C] i64 -> logits [C] f32.
    Each GRUCell layer runs as one single-layer ``nn.GRU`` (an ONNX GRU node, linear_before_reset=1)
    over all L slots; the state after slot len-1 is read (slots past len do not affect it);
    len = 0 gives the zero state."""

    def __init__(self, model):
        super().__init__()
        self.m = model
        self.grus = nn.ModuleList()
        for cell in model.G:
            gru = nn.GRU(cell.input_size, cell.hidden_size, batch_first=True)
            with torch.no_grad():
                gru.weight_ih_l0.copy_(cell.weight_ih)
                gru.weight_hh_l0.copy_(cell.weight_hh)
                gru.bias_ih_l0.copy_(cell.bias_ih)
                gru.bias_hh_l0.copy_(cell.bias_hh)
            self.grus.append(gru)

    def forward(self, hist_items, hist_len, cand_items):
        x = self.m.embed(hist_items)[None]
        for gru in self.grus:
            x, _ = gru(x)
        last = (hist_len - 1).clamp(min=0)
        u = x[0].index_select(0, last)[0] * (hist_len > 0).to(x.dtype)
        return self.m.Wy(cand_items) @ u + self.m.By(cand_items)[:, 0]


def export_gru4rec_onnx():
    from export_onnx import OUT, L_BENCH, export
    from generate_models import load_weights
    m = gru4rec.build(gru4rec.HPARAMS)
    m.load_state_dict(load_weights("gru4rec"))
    m.eval()
    one = Gru4RecOneUser(m).eval()
    g = generator(15)
    length = 37
    items = torch.randint(1, gru4rec.HPARAMS["n_items"] + 1, (L_BENCH,), generator=g) * (torch.arange(L_BENCH) < length)
    c = torch.randint(1, gru4rec.HPARAMS["n_items"] + 1, (7,), generator=g)
    args = (items, torch.tensor([length]), c)
    with torch.no_grad():
        ref = m(items[None], torch.tensor([length]), c[None])[0]
        got = one(*args)
        if float((ref - got).abs().max()) > 1e-5:
            raise AssertionError("gru4rec onnx wrapper differs from the reference")
        export(one, args, ["hist_items", "hist_len", "cand_items"], {"hist_items": {0: "L"}, "cand_items": {0: "C"}},
               os.path.join(OUT, "gru4rec.onnx"))


def self_checks():
    check_gru4rec()
    check_fpmc()
    check_markov()
    check_rrn()


def main():
    self_checks()
    gen_gru4rec()
    gen_fpmc()
    gen_markov()
    gen_rrn()
    export_gru4rec_onnx()


if __name__ == "__main__":
    main()
