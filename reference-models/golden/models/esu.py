"""Goldens of the exact search units alone (SIM, ETA, TWIN ``scoreSelected``): picks given from outside.

    /usr/bin/python3 reference-models/golden/models/esu.py
    (also run by generate_models.py after the weights it reads are written)

Per model, ``src/test/resources/golden/models/<model>/esu_selected.safetensors``: one user's history
(``hist_items``, ``hist_cates`` [L], SIM: ``hist_times`` [L] and ``request_time`` [1], TWIN: ``hist_cross``
[L, 2]), candidates ``cand_items`` / ``cand_cates`` [C], the picks ``slots`` [C, K] (history positions,
-1 ends a candidate's picks: one candidate has none, one has a single pick, one picks a behaviour twice,
the rest K random positions) and ``expected.logits`` [C].

The expectation is the ESU of export_onnx.py (the graph ONNX Runtime runs in the JMH peer benchmark)
evaluated in float64 on the gathered picks, with one rule the exported graph leaves out: a candidate
without picks attends over nothing, so its attention output is 0 (the model's empty-history logit).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import eta  # noqa: E402
import sim  # noqa: E402
import twin  # noqa: E402
from _common import MODELS_ROOT, as_float64, time_bucket  # noqa: E402
from export_onnx import _mha, load  # noqa: E402
from seqrec_golden import save_safetensors  # noqa: E402

L, C = 120, 9


def picks(g, k):
    """[C, K] history positions; row 0: none, row 1: one pick, row 2: a duplicate, others: K distinct."""
    slots = torch.stack([torch.randperm(L, generator=g)[:k] for _ in range(C)])
    slots[0, :] = -1
    slots[1, 1:] = -1
    slots[2, 1] = slots[2, 0]
    return slots


def gathered(values, slots):
    """values[slot] per pick (row 0 of values where the slot is -1; masked out later)."""
    return values[slots.clamp(min=0)]


def user(g, k):
    items = torch.randint(1, 201, (L,), generator=g)
    cates = 1 + (items * 7) % 20
    cand_items = torch.randint(1, 201, (C,), generator=g)
    cand_cates = 1 + (cand_items * 7) % 20
    return items, cates, cand_items, cand_cates, picks(g, k)


def masked_softmax(s, mask):
    """softmax over the picks; all-empty rows give all-zero weights (not uniform)."""
    s = s + (mask - 1.0) * 1e30
    return F.softmax(s, dim=-1) * (mask.sum(-1, keepdim=True) > 0)


def sim_case(g):
    m = as_float64(load(sim, "sim"))
    k = sim.HPARAMS["topk"]
    items, cates, ci, cc, slots = user(g, k)
    gaps = torch.floor(2.0 ** (torch.rand(L, generator=g, dtype=torch.float64) * 20.0)).to(torch.int64)
    times = 1_600_000_000 + torch.cumsum(gaps, dim=0)
    request_time = times[-1:] + 77
    buckets = time_bucket(request_time - times, sim.HPARAMS["n_time_buckets"])
    mask = (slots >= 0).double()
    t = m.emb(ci, cc)[None]                                                           # [1, C, d]
    z = torch.cat([m.emb(gathered(items, slots), gathered(cates, slots)),
                   m.time_emb(gathered(buckets, slots))], dim=-1)[None]                # [1, C, K, dz]
    att = masked_softmax(m.esu_scores(z, t), mask[None, :, None, :])                 # [1, C, h, K]
    heads = torch.einsum("bchk,bckz->bchz", att, z).reshape(1, C, -1)
    logits = m.mlp(torch.cat([t, heads], dim=-1)).squeeze(-1)[0]
    return dict(hist_items=items, hist_cates=cates, hist_times=times, request_time=request_time,
                cand_items=ci, cand_cates=cc, slots=slots), logits


def eta_case(g):
    m = as_float64(load(eta, "eta"))
    items, cates, ci, cc, slots = user(g, eta.HPARAMS["topk"])
    mask = (slots >= 0).double()
    t = m.emb(ci, cc)
    kv = m.emb(gathered(items, slots), gathered(cates, slots))
    o = _mha(m.mha, t, kv, kv, mask) * (mask.sum(-1, keepdim=True) > 0)
    logits = m.mlp(torch.cat([t, o], dim=-1)).squeeze(-1)
    return dict(hist_items=items, hist_cates=cates, cand_items=ci, cand_cates=cc, slots=slots), logits


def twin_case(g):
    m = as_float64(load(twin, "twin"))
    items, cates, ci, cc, slots = user(g, twin.HPARAMS["topk"])
    cross = torch.randint(0, twin.HPARAMS["cross_buckets"], (L, twin.HPARAMS["n_cross"]), generator=g)
    mask = (slots >= 0).double()
    q = m.emb(ci, cc)
    kh = m.emb(gathered(items, slots), gathered(cates, slots))
    kc = m.cross_features(gathered(cross, slots))
    bias = m.cross_bias(kc).permute(0, 2, 1)
    o = _mha(m.mha, q, kh, torch.cat([kh] + kc, dim=-1), mask, bias) * (mask.sum(-1, keepdim=True) > 0)
    logits = m.mlp(torch.cat([o, q], dim=-1)).squeeze(-1)
    return dict(hist_items=items, hist_cates=cates, hist_cross=cross, cand_items=ci, cand_cates=cc,
                slots=slots), logits


def main():
    g = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for name, case in (("sim", sim_case), ("eta", eta_case), ("twin", twin_case)):
            inputs, logits = case(g)
            tensors = dict(inputs)
            tensors["expected.logits"] = logits.to(torch.float32)
            path = os.path.join(MODELS_ROOT, name, "esu_selected.safetensors")
            save_safetensors(path, tensors, {"model": name, "source": "golden/models/esu.py"})
            print("wrote", path, "logits", [round(v, 4) for v in logits.tolist()])


if __name__ == "__main__":
    main()
