"""Writes the golden weights and batches of the transformer family (SASRec, HSTU, BERT4Rec, TransAct,
PinnerFormer) and their ONNX exports.

    /usr/bin/python3 reference-models/golden/models/generate_transformer.py
    (reference-models/golden/generate.py runs it too: it runs every models/*.py with a main())

Per model ``src/test/resources/golden/models/<model>/`` (conventions of README.md next to this file):
* ``weights.safetensors``: the float32 state_dict under its exact keys; metadata model, source and
  every hyperparameter as a string.
* ``batch_<case>.safetensors`` with cases ``len1`` (B = 3, L = 1), ``max`` (B = 2, L = the longest
  history), ``padded`` (mixed lengths), ``empty`` (lengths [0, 3]) and per-model extras: the inputs,
  ``expected.logits`` [B, C] for the given candidates ``cand_items`` and, for the next-item models
  (SASRec, HSTU, BERT4Rec, PinnerFormer), ``expected.user_embedding`` [B, d] and the catalogue top-10
  over items 1..n_items: ``expected.topk_ids`` / ``expected.topk_scores`` [B, 10] (every item) and
  ``expected.topk_ids_exclude_seen`` / ``expected.topk_scores_exclude_seen`` (items of the kept
  history removed). Ties: higher score first, equal scores lower id first. Every draw keeps the
  sorted scores around the top 10 (ranks 1..11) either exactly equal or apart by more than 1e-5
  relative, so a float32 port returns the same ids in the same order.
Expectations are float64 evaluations of the stored float32 weights and inputs, through PyTorch's
slow path (grad enabled: the fused eval fast path of nn.TransformerEncoderLayer is not taken).
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import bert4rec  # noqa: E402
import hstu  # noqa: E402
import pinnerformer  # noqa: E402
import sasrec  # noqa: E402
import transact  # noqa: E402
from _common import as_float64, check_topk_margin, length_mask, randomize, save_batch, save_weights  # noqa: E402
from generate_models import history, pick  # noqa: E402
from seqrec_golden import generator  # noqa: E402

TOPK = 10


# ------------------------------------------------------------------------------------------------
# weights


def init_weights(model, seed):
    """_common.randomize, then the fixes its generic rule needs for these layers: LayerNorm gains
    U(0.5, 1.5) (not tiny), Conv1d / HSTU's [in, out] UVQK Kaiming-uniform over their true fan-in,
    and relative-bias tables U(-1, 1) so that the position and time terms visibly matter."""
    g = generator(seed)
    randomize(model, g)

    def u(shape, lo, hi):
        return torch.rand(*shape, generator=g, dtype=torch.float64).mul(hi - lo).add(lo).to(torch.float32)

    with torch.no_grad():
        for name, mod in model.named_modules():
            if isinstance(mod, nn.LayerNorm) and mod.elementwise_affine:
                mod.weight.copy_(u(mod.weight.shape, 0.5, 1.5))
                mod.bias.copy_(u(mod.bias.shape, -0.1, 0.1))
            if isinstance(mod, nn.Conv1d):
                fan_in = mod.weight.shape[1] * mod.weight.shape[2]
                b = math.sqrt(6.0 / fan_in)
                mod.weight.copy_(u(mod.weight.shape, -b, b))
            if isinstance(mod, hstu.STULayer):
                b = math.sqrt(6.0 / mod._uvqk.shape[0])
                mod._uvqk.copy_(u(mod._uvqk.shape, -b, b))
            if isinstance(mod, hstu.RelativeBias):
                mod._ts_w.copy_(u(mod._ts_w.shape, -1.0, 1.0))
                mod._pos_w.copy_(u(mod._pos_w.shape, -1.0, 1.0))
    model.eval()
    return model


def slow(m64):
    """Goldens run with grad enabled and parameters requiring grad: PyTorch then takes the
    reference (slow) path of nn.TransformerEncoderLayer (MODELS.md 15.2 (e))."""
    for p in m64.parameters():
        p.requires_grad_(True)
    return m64


# ------------------------------------------------------------------------------------------------
# inputs


def user_inputs(g, lengths, L, hp, n_actions=None):
    d = history(g, lengths, L, hp["n_items"], 20)
    d.pop("hist_cates")
    if n_actions is not None:
        valid = length_mask(d["hist_len"], L)
        d["hist_actions"] = torch.randint(1, n_actions, (len(lengths), L), generator=g) * valid
    return d


def cand_inputs(g, B, C, n_items):
    return {"cand_items": torch.randint(1, n_items + 1, (B, C), generator=g)}


def standard_cases(max_len):
    """(case, lengths, L, C) as the target-attention models (generate_models.standard_cases)."""
    return [("len1", [1, 1, 1], 1, 4),
            ("max", [max_len, max_len], max_len, 4),
            ("padded", [1, 7, max_len // 3, max_len], max_len, 5),
            ("empty", [0, 3], 5, 3)]


# ------------------------------------------------------------------------------------------------
# catalogue top-k


def seen_mask(inputs, n_items, window):
    """[B, n_items+1] True where the item is in the kept window (the last ``window`` actions)."""
    items, hl = inputs["hist_items"], inputs["hist_len"]
    B, L = items.shape
    slot = torch.arange(L)[None, :]
    kept = (slot < hl[:, None]) & (slot >= (hl[:, None] - window))
    seen = torch.zeros(B, n_items + 1, dtype=torch.bool)
    for b in range(B):
        seen[b, items[b][kept[b]]] = True
    return seen


def catalogue_topk(scores, valid, k=TOPK):
    """scores [B, n_items] over ids 1..n -> (ids [B, k], scores [B, k]), stable descending."""
    s = scores.masked_fill(~valid, float("-inf"))
    order = torch.sort(s, dim=-1, descending=True, stable=True).indices[:, :k]
    return order + 1, torch.gather(scores, 1, order)


def near_ties(scores, valid, k=TOPK, rel=1e-5):
    """Rows whose sorted top k+1 valid scores hold two neighbours that are neither equal nor apart
    by more than ``rel`` of the row's scale (the boundary check of _common plus the order inside)."""
    bad = set(check_topk_margin(scores, valid, k, "catalogue", rel))
    s = scores.masked_fill(~valid, float("-inf"))
    srt = torch.sort(s, dim=-1, descending=True).values[:, :k + 1]
    scale = scores.abs().masked_fill(~valid, 0).amax(-1).clamp(min=1e-12)
    for r in range(srt.shape[0]):
        for i in range(srt.shape[1] - 1):
            a, b = float(srt[r, i]), float(srt[r, i + 1])
            if math.isinf(b):
                break
            if a != b and a - b < rel * float(scale[r]):
                bad.add(r)
    return sorted(bad)


# ------------------------------------------------------------------------------------------------
# one next-item model


class NextItem:
    """What the generator needs of a next-item reference: input keys, the user vector, the catalogue."""

    def __init__(self, name, mod, seed, keys, window, max_hist, n_actions=None):
        self.name, self.mod, self.hp = name, mod, mod.HPARAMS
        self.seed, self.keys, self.window, self.max_hist, self.n_actions = seed, keys, window, max_hist, n_actions

    def user_args(self, inputs):
        return {k: v for k, v in inputs.items() if k != "cand_items"}

    def catalogue_scores(self, m64, inputs):
        u = m64.user_embedding(**self.user_args(inputs))
        n = self.hp["n_items"]
        s = u @ m64.item_table()[1:n + 1].t()
        if isinstance(m64, bert4rec.BERT4Rec):
            s = s + m64.out_bias[1:n + 1]
        return u, s

    def expectations(self, m64, inputs):
        u, s = self.catalogue_scores(m64, inputs)
        logits = m64(**inputs)
        exp = {"logits": logits.detach(), "user_embedding": u.detach()}
        all_valid = torch.ones_like(s, dtype=torch.bool)
        unseen = ~seen_mask(inputs, self.hp["n_items"], self.window)[:, 1:]
        ids, sc = catalogue_topk(s.detach(), all_valid)
        exp["topk_ids"], exp["topk_scores"] = ids, sc
        ids, sc = catalogue_topk(s.detach(), unseen)
        exp["topk_ids_exclude_seen"], exp["topk_scores_exclude_seen"] = ids, sc
        return exp, s.detach(), unseen

    def bad(self, m64, inputs):
        _, s, unseen = self.expectations(m64, inputs)
        return near_ties(s, torch.ones_like(s, dtype=torch.bool)) + near_ties(s, unseen)

    def make(self, g, lengths, L, C):
        d = user_inputs(g, lengths, L, self.hp, self.n_actions)
        d.update(cand_inputs(g, len(lengths), C, self.hp["n_items"]))
        return pick(d, self.keys)


def draw(make, bad, seed, what, tries=50):
    for attempt in range(tries):
        inputs = make(generator(seed + 1000 * attempt))
        if not bad(inputs):
            return inputs
    raise RuntimeError(f"{what}: no draw without a near tie")


def gen_next_item(spec, extra_cases=(), variants=()):
    hp = spec.hp
    model = init_weights(spec.mod.build(hp), spec.seed)
    save_weights(spec.name, model, spec.mod.SOURCE, hp)
    m64 = slow(as_float64(model))
    cases = standard_cases(spec.max_hist) + list(extra_cases)
    for n, (case, lengths, L, C) in enumerate(cases):
        inputs = draw(lambda g: spec.make(g, lengths, L, C), lambda i: spec.bad(m64, i) or hstu_bad(spec, i),
                      spec.seed * 10 + n, f"{spec.name} {case}")
        exp, _, _ = spec.expectations(m64, inputs)
        save_batch(spec.name, case, inputs, exp, spec.mod.SOURCE, hp)
    for case, overrides, (lengths, L, C) in variants:
        vhp = dict(hp, **overrides)
        v = spec.mod.build(vhp)
        v.load_state_dict(model.state_dict())
        v64 = slow(as_float64(v))
        inputs = draw(lambda g: spec.make(g, lengths, L, C), lambda i: spec.bad(v64, i), spec.seed * 10 + 50,
                      f"{spec.name} {case}")
        exp, _, _ = spec.expectations(v64, inputs)
        save_batch(spec.name, case, inputs, exp, spec.mod.SOURCE, vhp)
    return model


def hstu_bad(spec, inputs, rel=1e-9):
    """HSTU: every time gap the bias reads sits clear of a bucket boundary, ln|dt|/0.301 not within
    1e-9 of an integer, so a double-precision port puts it in the same bucket."""
    if spec.name != "hstu" or "hist_times" not in inputs:
        return []
    m = hstu.build(spec.hp)
    _, ts = m.padded_inputs(inputs["hist_items"], inputs["hist_times"], inputs["hist_len"], inputs["request_time"])
    ext = torch.cat([ts, ts[:, -1:]], dim=1)
    dt = (ext[:, 1:].unsqueeze(2) - ext[:, :-1].unsqueeze(1)).abs().clamp(min=1).double()
    x = torch.log(dt) / 0.301
    frac = (x - x.round()).abs()
    close = (frac < rel) & (dt > 1)
    return [0] if bool(close.any()) else []


# ------------------------------------------------------------------------------------------------
# TransAct (a CTR model over candidates)


def gen_transact():
    hp = transact.HPARAMS
    model = init_weights(transact.build(hp), 804)
    save_weights("transact", model, transact.SOURCE, hp)
    m64 = slow(as_float64(model))
    keys = ["hist_items", "hist_actions", "hist_times", "hist_len", "request_time", "cand_items"]
    S = hp["seq_len"]
    cases = standard_cases(S) + [("long", [S + 30, 40], S + 30, 3)]
    for n, (case, lengths, L, C) in enumerate(cases):
        g = generator(8040 + n)
        d = user_inputs(g, lengths, L, hp, hp["n_actions"])
        d.update(cand_inputs(g, len(lengths), C, hp["n_items"]))
        inputs = pick(d, keys)
        if case == "padded":
            # the official quirks, pinned: action 0 at a valid slot is masked as padding, and an
            # action after the request time (user 3's latest two) is masked as a key
            inputs["hist_actions"][1, 3] = 0
            last = int(inputs["hist_len"][3]) - 1
            inputs["request_time"][3] = inputs["hist_times"][3, last - 1] - 1
        f = m64.features(**inputs)
        logits = m64(**inputs)
        exp = {"logits": logits.detach(), "probs": torch.sigmoid(logits).detach()}
        if f.numel() <= 5000:
            exp["features"] = f.detach()
        save_batch("transact", case, inputs, exp, transact.SOURCE, hp)
    return model


# ------------------------------------------------------------------------------------------------
# self-checks


SPECS = {
    "sasrec": NextItem("sasrec", sasrec, 801, ["hist_items", "hist_len", "cand_items"], sasrec.HPARAMS["max_len"],
                       sasrec.HPARAMS["max_len"]),
    "hstu": NextItem("hstu", hstu, 802, ["hist_items", "hist_times", "hist_len", "request_time", "cand_items"],
                     hstu.HPARAMS["max_len"], hstu.HPARAMS["max_len"]),
    "bert4rec": NextItem("bert4rec", bert4rec, 803, ["hist_items", "hist_len", "cand_items"],
                         bert4rec.HPARAMS["max_len"] - 1, bert4rec.HPARAMS["max_len"] - 1),
    "pinnerformer": NextItem("pinnerformer", pinnerformer, 805,
                             ["hist_items", "hist_actions", "hist_times", "hist_len", "cand_items"],
                             pinnerformer.HPARAMS["max_len"], pinnerformer.HPARAMS["max_len"],
                             pinnerformer.HPARAMS["n_actions"] + 1),
}


def rel_err(a, b):
    return float(((a.double() - b.double()).abs() / b.double().abs().clamp(min=1e-2)).max())


def self_checks():
    """Raise unless: appended padding slots change nothing; float32 stays within 1e-4 relative (scale >= 1e-2) of
    float64; the causal models' outputs at a prefix do not depend on later actions (the premise of
    their KV caches; for HSTU with the prefix's request time = the next action's time); TransAct's
    slow and fast paths are compared on a padded batch (a note is printed when this build agrees)."""
    g = generator(98)
    for name, spec in SPECS.items():
        model = init_weights(spec.mod.build(spec.hp), 5)
        m64 = slow(as_float64(model))
        a = spec.make(g, [0, 1, 6, 9], 9, 3)
        b = dict(a)
        for k in ("hist_items", "hist_times", "hist_actions"):
            if k in b:
                b[k] = torch.cat([b[k], torch.zeros(4, 4, dtype=torch.int64)], dim=1)
        la, lb = m64(**a).detach(), m64(**b).detach()
        if float((la - lb).abs().max()) > 1e-12:
            raise AssertionError(f"{name}: padding slots changed the logits")
        e = rel_err(slow(model)(**a).detach(), la)
        if e > 1e-4:
            raise AssertionError(f"{name}: float32 is {e} off float64")
    # causal prefix property
    m = slow(as_float64(init_weights(sasrec.build(sasrec.HPARAMS), 5)))
    d = SPECS["sasrec"].make(g, [12, 12], 12, 2)
    full = m.encode(d["hist_items"], d["hist_len"]).detach()
    pre = m.encode(d["hist_items"][:, :7], torch.tensor([7, 7])).detach()
    if float((full[:, :7] - pre).abs().max()) > 1e-12:
        raise AssertionError("sasrec: a prefix's outputs depend on later actions")
    m = slow(as_float64(init_weights(hstu.build(hstu.HPARAMS), 5)))
    d = SPECS["hstu"].make(g, [12, 12], 12, 2)
    full = m.encode(d["hist_items"], d["hist_times"], d["hist_len"], d["request_time"]).detach()
    pre = m.encode(d["hist_items"][:, :7], d["hist_times"][:, :7], torch.tensor([7, 7]), d["hist_times"][:, 7]).detach()
    if float((full[:, :7] - pre[:, :7]).abs().max()) > 1e-12:
        raise AssertionError("hstu: a prefix's outputs depend on later actions")
    pre2 = m.encode(d["hist_items"][:, :7], d["hist_times"][:, :7], torch.tensor([7, 7]), d["request_time"]).detach()
    if float((full[:, :6] - pre2[:, :6]).abs().max()) > 1e-12 or float((full[:, 6] - pre2[:, 6]).abs().max()) < 1e-9:
        raise AssertionError("hstu: only the most recent position may depend on the request time")
    # TransAct fast path (no grad) vs slow path on a padded batch
    model = init_weights(transact.build(transact.HPARAMS), 5)
    d = user_inputs(g, [3, 40], 40, transact.HPARAMS, transact.HPARAMS["n_actions"])
    d.update(cand_inputs(g, 2, 2, transact.HPARAMS["n_items"]))
    d = pick(d, ["hist_items", "hist_actions", "hist_times", "hist_len", "request_time", "cand_items"])
    slow_out = slow(model)(**d).detach()
    with torch.no_grad():
        fast_out = model(**d)
    if float((slow_out - fast_out).abs().max()) < 1e-6:
        print("note: transact fast and slow paths agree on this PyTorch build")


def main():
    self_checks()
    sh = SPECS["sasrec"].hp
    gen_next_item(SPECS["sasrec"], variants=[
        ("latest_padded", {"pos_anchor": "latest"}, ([1, 7, sh["max_len"] // 3, sh["max_len"]], sh["max_len"], 5)),
        ("norm_first_padded", {"norm_first": True}, ([1, 7, sh["max_len"] // 3, sh["max_len"]], sh["max_len"], 5))])
    gen_next_item(SPECS["hstu"])
    gen_next_item(SPECS["bert4rec"])
    gen_transact()
    gen_next_item(SPECS["pinnerformer"])
    import export_onnx_transformer
    export_onnx_transformer.export_all()


if __name__ == "__main__":
    main()
