"""Writes the golden weights and batches of the target-attention models (DIN ... TIM).

    /usr/bin/python3 reference-models/golden/models/generate_models.py
    (or reference-models/golden/generate.py, which runs every models/*.py that has a main())

Per model ``src/test/resources/golden/models/<model>/``:
* ``weights.safetensors``: the float32 state_dict under its exact keys, metadata {model, source,
  hyperparameters}.
* ``batch_<case>.safetensors``: the inputs (names = the forward's argument names), the expected
  ``expected.logits`` [B, C] (pre-sigmoid) and ``expected.probs`` (sigmoid), plus per-model
  intermediate results where a port wants to check a stage on its own (GSU picks, signatures,
  clusters). Expectations are computed in float64 from the stored float32 weights and inputs.
Everything comes from fixed seeds: re-running rewrites identical files.
"""
import copy
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402

import din  # noqa: E402
import dien  # noqa: E402
import eta  # noqa: E402
import sim  # noqa: E402
import tim  # noqa: E402
import twin  # noqa: E402
import twin_v2  # noqa: E402
from _common import (as_float64, check_topk_margin, length_mask, randomize, save_batch,  # noqa: E402
                     save_weights, time_bucket, topk_asc, topk_desc)
from seqrec_golden import generator  # noqa: E402


def cate_of(items, n_cates):
    """The synthetic catalogue's item -> category map (ids >= 1; 0 stays 0)."""
    return torch.where(items > 0, 1 + (items * 7) % n_cates, torch.zeros_like(items))


def history(g, lengths, L, n_items, n_cates):
    """Right-padded histories: ids [B, L] (0 past len), categories, increasing timestamps (seconds,
    0 on padding; gaps log-uniform from 1 s to about 12 days), request time after the last one."""
    B = len(lengths)
    hist_len = torch.tensor(lengths, dtype=torch.int64)
    valid = length_mask(hist_len, L)
    items = torch.randint(1, n_items + 1, (B, L), generator=g) * valid
    cates = cate_of(items, n_cates)
    gaps = torch.floor(2.0 ** (torch.rand(B, L, generator=g, dtype=torch.float64) * 20.0)).to(torch.int64)
    times = 1_600_000_000 + torch.cumsum(gaps, dim=1)
    last = torch.where(hist_len > 0, times.gather(1, (hist_len - 1).clamp(min=0)[:, None])[:, 0],
                       torch.full((B,), 1_600_000_000, dtype=torch.int64))
    request_time = last + torch.randint(1, 3600, (B,), generator=g)
    return dict(hist_items=items, hist_cates=cates, hist_times=times * valid, hist_len=hist_len,
                request_time=request_time)


def candidates(g, B, C, n_items, n_cates):
    items = torch.randint(1, n_items + 1, (B, C), generator=g)
    return dict(cand_items=items, cand_cates=cate_of(items, n_cates))


def standard_cases(max_len, k=None):
    """(case, lengths, L, C): length 1, the maximum, a padded mix, an empty history."""
    if k is None:
        padded, L = [1, 7, max_len // 3, max_len], max_len
    else:  # two-stage models: below K, just above K, and well above K (the max case covers max_len)
        L = min(max_len, 3 * k)
        padded = [3, k // 2, k + 1, L]
    return [("len1", [1, 1, 1], 1, 4),
            ("max", [max_len, max_len], max_len, 4),
            ("padded", padded, L, 5),
            ("empty", [0, 3], 5, 3)]


def expected_of(logits):
    return {"logits": logits, "probs": torch.sigmoid(logits)}


def pick(d, keys):
    return {k: d[k] for k in keys}


def with_margin(make_inputs, bad_rows, seed, what, tries=50):
    """Draws inputs from seed, seed+1000, ... until no top-k boundary is a near tie."""
    for attempt in range(tries):
        inputs = make_inputs(generator(seed + 1000 * attempt))
        if not bad_rows(inputs):
            return inputs
    raise RuntimeError(f"{what}: no draw without a near tie at the top-k boundary")


def gsu_index(idx, sel):
    return torch.where(sel, idx, torch.full_like(idx, -1))


# ------------------------------------------------------------------------------------------------


def gen_din():
    hp = din.HPARAMS
    model = randomize(din.build(hp), generator(701))
    save_weights("din", model, din.SOURCE, hp)
    m64 = as_float64(model)
    soft = as_float64(model)
    soft.softmax = True
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"])):
        g = generator(7100 + n)
        inputs = pick({**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                       **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}, keys)
        with torch.no_grad():
            save_batch("din", case, inputs, expected_of(m64(**inputs)), din.SOURCE, hp)
            if case == "padded":
                save_batch("din", "softmax_padded", inputs, expected_of(soft(**inputs)), din.SOURCE,
                           dict(hp, softmax=True))


def gen_din_peer():
    """The peers' DIN form on its own small weights: padding rows drawn too (DeepCTR-Torch's
    tables train row 0), so an empty history with empty_softmax=padding pools a non-zero row."""
    hp = din.PEER_HPARAMS
    model = randomize(din.build(hp), generator(702))
    with torch.no_grad():
        g = generator(703)
        model.emb.item.weight[0] = torch.rand(hp["d_item"], generator=g) - 0.5
        model.emb.cate.weight[0] = torch.rand(hp["d_cate"], generator=g) - 0.5
    save_weights("din", model, din.SOURCE, hp, file="weights_peer")
    m64 = as_float64(model)
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"])):
        if case not in ("padded", "empty"):
            continue
        g = generator(7200 + n)
        inputs = pick({**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                       **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}, keys)
        with torch.no_grad():
            save_batch("din", "peer_" + case, inputs, expected_of(m64(**inputs)), din.SOURCE, hp,
                       {"weights": "weights_peer"})


def gen_din_silu():
    """RecBole's DIN form (SiLU final MLP, sigmoid activation unit, no softmax) on small weights."""
    hp = din.SILU_HPARAMS
    model = randomize(din.build(hp), generator(704))
    save_weights("din", model, din.SOURCE, hp, file="weights_silu")
    m64 = as_float64(model)
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"])):
        if case not in ("padded", "empty"):
            continue
        g = generator(7300 + n)
        inputs = pick({**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                       **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}, keys)
        with torch.no_grad():
            save_batch("din", "silu_" + case, inputs, expected_of(m64(**inputs)), din.SOURCE, hp,
                       {"weights": "weights_silu"})


def gen_dien():
    hp = dien.HPARAMS
    model = randomize(dien.build(hp), generator(702))
    save_weights("dien", model, dien.SOURCE, hp)
    variants = {"AUGRU": as_float64(model)}
    for kind in ("AGRU", "AIGRU"):
        v = dien.build(dict(hp, gru_type=kind))
        v.load_state_dict(model.state_dict())
        variants[kind] = as_float64(v)
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"])):
        g = generator(7200 + n)
        inputs = pick({**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                       **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}, keys)
        with torch.no_grad():
            m = variants["AUGRU"]
            e, h = m.extract(inputs["hist_items"], inputs["hist_cates"])
            exp = expected_of(m(**inputs))
            if case != "padded":
                exp["interest_states"] = h * length_mask(inputs["hist_len"], L)[:, :, None]
            save_batch("dien", case, inputs, exp, dien.SOURCE, hp)
            if case == "padded":
                for kind in ("AGRU", "AIGRU"):
                    save_batch("dien", kind.lower() + "_padded", inputs, expected_of(variants[kind](**inputs)),
                               dien.SOURCE, dict(hp, gru_type=kind))


def gen_dien_peer():
    """FuxiCTR's final-input form ([h'; e_a], no sum pooling) on its own small weights."""
    hp = dien.PEER_HPARAMS
    model = as_float64(randomize(dien.build(hp), generator(705)))
    save_weights("dien", randomize(dien.build(hp), generator(705)), dien.SOURCE, hp, file="weights_peer")
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"])):
        if case not in ("padded", "empty"):
            continue
        g = generator(7300 + n)
        inputs = pick({**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                       **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}, keys)
        with torch.no_grad():
            save_batch("dien", "peer_" + case, inputs, expected_of(model(**inputs)), dien.SOURCE, hp,
                       {"weights": "weights_peer"})


def gen_dien_mlp():
    """DeepCTR-Torch's interest attention (attention=mlp), softmax and raw, AUGRU and AGRU, on small weights."""
    hp = dien.MLP_HPARAMS
    model = randomize(dien.build(hp), generator(706))
    save_weights("dien", model, dien.SOURCE, hp, file="weights_mlp")
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    variants = [("mlp_", hp), ("mlp_raw_agru_", dict(hp, softmax="false", gru_type="AGRU"))]
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"])):
        if case not in ("padded", "empty", "len1"):
            continue
        g = generator(7400 + n)
        inputs = pick({**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                       **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}, keys)
        for prefix, vhp in variants:
            v = dien.build(vhp)
            v.load_state_dict(model.state_dict())
            with torch.no_grad():
                save_batch("dien", prefix + case, inputs, expected_of(as_float64(v)(**inputs)), dien.SOURCE, vhp,
                           {"weights": "weights_mlp"})


def gen_sim():
    hp = sim.HPARAMS
    model = randomize(sim.build(hp), generator(703))
    save_weights("sim", model, sim.SOURCE, hp)
    m64 = as_float64(model)
    keys = ["hist_items", "hist_cates", "hist_times", "hist_len", "request_time", "cand_items", "cand_cates"]

    def soft_bad(inputs):
        B, L = inputs["hist_items"].shape
        C = inputs["cand_items"].shape[1]
        with torch.no_grad():
            e = m64.emb(inputs["hist_items"], inputs["hist_cates"])
            t = m64.emb(inputs["cand_items"], inputs["cand_cates"])
            valid = length_mask(inputs["hist_len"], L)[:, None, :].expand(B, C, L)
            return check_topk_margin(m64.soft_scores(e, t), valid, hp["topk"], "sim soft")

    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"], hp["topk"])):
        for gsu in ("soft", "hard"):
            def make(g, lengths=lengths, L=L, C=C):
                return pick({**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                             **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}, keys)
            seed = 7300 + 10 * n + (0 if gsu == "soft" else 5)
            inputs = with_margin(make, soft_bad if gsu == "soft" else (lambda i: []), seed, "sim " + case)
            if gsu == "hard":
                # a candidate whose category is absent from the history: an empty retrieved set
                inputs["cand_cates"][0, 0] = 0
                inputs["cand_items"][0, 0] = 0
                used = set(inputs["hist_cates"][0, :int(inputs["hist_len"][0])].tolist())
                free = [i for i in range(1, hp["n_items"] + 1)
                        if int(cate_of(torch.tensor(i), hp["n_cates"])) not in used]
                if free:
                    inputs["cand_items"][0, 0] = free[0]
                    inputs["cand_cates"][0, 0] = int(cate_of(torch.tensor(free[0]), hp["n_cates"]))
                else:
                    inputs["cand_items"][0, 0] = 1
                    inputs["cand_cates"][0, 0] = int(cate_of(torch.tensor(1), hp["n_cates"]))
            with torch.no_grad():
                exp = expected_of(m64(**inputs, gsu=gsu))
                e = m64.emb(inputs["hist_items"], inputs["hist_cates"])
                t = m64.emb(inputs["cand_items"], inputs["cand_cates"])
                valid = length_mask(inputs["hist_len"], inputs["hist_items"].shape[1])
                idx, sel = m64.retrieve(e, inputs["hist_cates"], valid, t, inputs["cand_cates"], gsu)
                exp["gsu_index"] = gsu_index(idx, sel)
                if valid.shape[1] <= 200:
                    exp["time_bucket"] = time_bucket(inputs["request_time"][:, None] - inputs["hist_times"],
                                                     hp["n_time_buckets"]) * valid
            save_batch("sim", f"{gsu}_{case}", inputs, exp, sim.SOURCE, dict(hp, gsu=gsu))


def pack_bits(bits):
    """[..., m] 0/1 int64 -> [...] int64 with bit k of the word = bit k of the signature (LSB first)."""
    weights = (2 ** torch.arange(bits.shape[-1], dtype=torch.int64))
    return (bits * weights).sum(-1)


def gen_eta():
    hp = eta.HPARAMS
    for attempt in range(20):
        model = randomize(eta.build(hp), generator(704 + 1000 * attempt))
        # every catalogue item's projection must be clear of 0 so float32 gives the same bits
        items = torch.arange(1, hp["n_items"] + 1)
        with torch.no_grad():
            proj = as_float64(model).emb(items, cate_of(items, hp["n_cates"])) @ \
                model.random_rotations.double()
        if float(proj.abs().min()) > 1e-4 * float(proj.abs().max()):
            break
    else:
        raise RuntimeError("eta: no projection without near-zero entries")
    save_weights("eta", model, eta.SOURCE, hp)
    m64 = as_float64(model)
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"], hp["topk"])):
        g = generator(7400 + n)
        inputs = pick({**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                       **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}, keys)
        with torch.no_grad():
            exp = expected_of(m64(**inputs))
            e = m64.emb(inputs["hist_items"], inputs["hist_cates"])
            t = m64.emb(inputs["cand_items"], inputs["cand_cates"])
            B = e.shape[0]
            valid = length_mask(inputs["hist_len"], L)
            dist = m64.hamming(e, t)
            idx, sel = topk_asc(dist, valid[:, None, :].expand(B, C, L), hp["topk"])
            exp["hist_signature"] = pack_bits(m64.signature(e)) * valid
            exp["cand_signature"] = pack_bits(m64.signature(t))
            if dist.numel() <= 5000:
                exp["hamming"] = dist.masked_fill(~valid[:, None, :], hp["hash_bits"] + 1)
            exp["gsu_index"] = gsu_index(idx, sel)
        save_batch("eta", case, inputs, exp, eta.SOURCE, hp)


def twin_cross(g, lengths, L, buckets, J=2):
    valid = length_mask(torch.tensor(lengths, dtype=torch.int64), L)
    return torch.randint(0, buckets, (len(lengths), L, J), generator=g) * valid[:, :, None]


def gen_twin():
    hp = twin.HPARAMS
    model = randomize(twin.build(hp), generator(705))
    save_weights("twin", model, twin.SOURCE, hp)
    m64 = as_float64(model)
    keys = ["hist_items", "hist_cates", "hist_cross", "hist_len", "cand_items", "cand_cates"]

    def bad(inputs):
        with torch.no_grad():
            _, _, _, alpha = m64.score(**inputs)
        B, C, _, L = alpha.shape
        valid = length_mask(inputs["hist_len"], L)[:, None, :].expand(B, C, L)
        return check_topk_margin(alpha.mean(2), valid, hp["topk"], "twin")

    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"], hp["topk"])):
        def make(g, lengths=lengths, L=L, C=C):
            d = {**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                 **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}
            d["hist_cross"] = twin_cross(g, lengths, L, hp["cross_buckets"], hp["n_cross"])
            return pick(d, keys)
        inputs = with_margin(make, bad, 7500 + n, "twin " + case)
        with torch.no_grad():
            logits, idx, sel, alpha = m64.score(**inputs)
            check_esu(m64, inputs, idx, sel, alpha, logits)
            exp = expected_of(logits)
            exp["gsu_index"] = gsu_index(idx, sel)
        save_batch("twin", case, inputs, exp, twin.SOURCE, hp)


def check_esu(m64, inputs, idx, sel, alpha, logits):
    """Independent check of the nn.MultiheadAttention path: the ESU written out with softmax."""
    B, C, H, L = alpha.shape
    kh = m64.emb(inputs["hist_items"], inputs["hist_cates"])
    cross = inputs["hist_cross"] if "hist_cross" in inputs else inputs["hist_num"]
    kall = torch.cat([kh] + m64.cross_features(cross), dim=-1)
    q = m64.emb(inputs["cand_items"], inputs["cand_cates"])
    K = idx.shape[-1]
    a = torch.gather(alpha, 3, idx[:, :, None, :].expand(B, C, H, K))
    w = torch.softmax(a.masked_fill(~sel[:, :, None, :], float("-inf")), dim=-1)
    w = torch.nan_to_num(w, nan=0.0)
    vals = torch.gather(kall[:, None].expand(B, C, L, kall.shape[-1]), 2,
                        idx[..., None].expand(B, C, K, kall.shape[-1]))
    v = (vals @ m64.mha.v_proj_weight.t()).reshape(B, C, K, H, -1)
    heads = torch.einsum("bchk,bckhe->bche", w, v).reshape(B, C, -1)
    o = heads @ m64.mha.out_proj.weight.t()
    ref = m64.mlp(torch.cat([o, q], dim=-1)).squeeze(-1)
    err = float((ref - logits).abs().max())
    if err > 1e-10:
        raise AssertionError(f"TWIN ESU: nn.MultiheadAttention path differs from the written-out one by {err}")


def twin_v2_raw(g, lengths, L, hp):
    d = {**history(g, lengths, L, hp["n_items"], hp["n_cates"])}
    valid = length_mask(d["hist_len"], L)
    num = torch.rand(len(lengths), L, hp["n_num"], generator=g, dtype=torch.float64).to(torch.float32)
    return dict(raw_items=d["hist_items"], raw_cates=d["hist_cates"], raw_num=num * valid[:, :, None],
                raw_len=d["hist_len"])


def run_clustering(m64, raw, hp):
    """raw batch -> cluster-level history tensors (padded to the longest cluster list)."""
    B, L = raw["raw_items"].shape
    per_user = []
    for b in range(B):
        x = m64.emb(raw["raw_items"][b], raw["raw_cates"][b])
        per_user.append(twin_v2.cluster_history(x, raw["raw_num"][b], int(raw["raw_len"][b]), hp["groups"],
                                                hp["max_cluster_size"], hp["kmeans_iterations"]))
    Lc = max(1, max(len(u[0]) for u in per_user))
    out = dict(hist_items=torch.zeros(B, Lc, dtype=torch.int64), hist_cates=torch.zeros(B, Lc, dtype=torch.int64),
               hist_num=torch.zeros(B, Lc, hp["n_num"], dtype=torch.float32),
               hist_sizes=torch.zeros(B, Lc, dtype=torch.int64), hist_len=torch.zeros(B, dtype=torch.int64))
    assignment = torch.full((B, L), -1, dtype=torch.int64)
    for b, (clusters, medoids, means, assign) in enumerate(per_user):
        n = len(clusters)
        out["hist_len"][b] = n
        for c in range(n):
            out["hist_items"][b, c] = raw["raw_items"][b, medoids[c]]
            out["hist_cates"][b, c] = raw["raw_cates"][b, medoids[c]]
            out["hist_sizes"][b, c] = len(clusters[c])
        if n:
            out["hist_num"][b, :n] = means.to(torch.float32)
        assignment[b] = assign
    return out, assignment


def gen_twin_v2():
    hp = twin_v2.HPARAMS
    model = randomize(twin_v2.build(hp), generator(706))
    save_weights("twin_v2", model, twin_v2.SOURCE, hp)
    m64 = as_float64(model)
    keys = ["hist_items", "hist_cates", "hist_num", "hist_sizes", "hist_len", "cand_items", "cand_cates"]

    def score(inputs):
        return m64.score_clusters(**inputs)

    def bad(inputs):
        with torch.no_grad():
            _, _, _, alpha = score(inputs)
        B, C, _, L = alpha.shape
        valid = length_mask(inputs["hist_len"], L)[:, None, :].expand(B, C, L)
        return check_topk_margin(alpha.mean(2), valid, hp["topk"], "twin_v2")

    # end-to-end cases: raw life-cycle history -> clusters -> logits
    for n, (case, lengths, L, C) in enumerate([("cluster_max", [hp["max_len"], 400], hp["max_len"], 4),
                                               ("cluster_small", [25, 1, 0], 25, 3)]):
        def make(g, lengths=lengths, L=L, C=C):
            raw = twin_v2_raw(g, lengths, L, hp)
            with torch.no_grad():
                clustered, assignment = run_clustering(m64, raw, hp)
            d = {**clustered, **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}
            d["_raw"], d["_assignment"] = raw, assignment
            return d

        for attempt in range(50):
            try:
                d = make(generator(7600 + n + 1000 * attempt))
            except twin_v2.MarginError:
                continue
            if not bad(pick(d, keys)):
                break
        else:
            raise RuntimeError("twin_v2: no clean draw")
        inputs = pick(d, keys)
        with torch.no_grad():
            logits, idx, sel, alpha = score(inputs)
            check_esu(m64, inputs, idx, sel, alpha, logits)
        exp = expected_of(logits)
        exp["gsu_index"] = gsu_index(idx, sel)
        for k in ("hist_items", "hist_cates", "hist_num", "hist_sizes", "hist_len"):
            exp["cluster_" + k[len("hist_"):]] = inputs[k]
        exp["cluster_assignment"] = d["_assignment"]
        raw_inputs = {**d["_raw"], "cand_items": inputs["cand_items"], "cand_cates": inputs["cand_cates"]}
        save_batch("twin_v2", case, raw_inputs, exp, twin_v2.SOURCE, hp, {"input": "raw"})
        # the same clusters as a cluster-level batch
        exp2 = expected_of(logits)
        exp2["gsu_index"] = gsu_index(idx, sel)
        save_batch("twin_v2", case.replace("cluster_", "clustered_"), inputs, exp2, twin_v2.SOURCE, hp,
                   {"input": "clusters"})

    # cluster-level cases: virtual items drawn directly (sizes 1..max_cluster_size)
    for n, (case, lengths, L, C) in enumerate(standard_cases(300, hp["topk"])):
        def make(g, lengths=lengths, L=L, C=C):
            d = {**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                 **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}
            valid = length_mask(d["hist_len"], L)
            d["hist_num"] = torch.rand(len(lengths), L, hp["n_num"], generator=g,
                                       dtype=torch.float64).to(torch.float32) * valid[:, :, None]
            d["hist_sizes"] = torch.randint(1, hp["max_cluster_size"] + 1, (len(lengths), L), generator=g) * valid
            return pick(d, keys)
        inputs = with_margin(make, bad, 7650 + n, "twin_v2 " + case)
        with torch.no_grad():
            logits, idx, sel, alpha = score(inputs)
            check_esu(m64, inputs, idx, sel, alpha, logits)
        exp = expected_of(logits)
        exp["gsu_index"] = gsu_index(idx, sel)
        save_batch("twin_v2", case, inputs, exp, twin_v2.SOURCE, hp, {"input": "clusters"})


def gen_tim():
    hp = tim.HPARAMS
    model = randomize(tim.build(hp), generator(707))
    save_weights("tim", model, tim.SOURCE, hp)
    m64 = as_float64(model)
    keys = ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"]
    for n, (case, lengths, L, C) in enumerate(standard_cases(hp["max_len"])):
        g = generator(7700 + n)
        inputs = pick({**history(g, lengths, L, hp["n_items"], hp["n_cates"]),
                       **candidates(g, len(lengths), C, hp["n_items"], hp["n_cates"])}, keys)
        with torch.no_grad():
            save_batch("tim", case, inputs, expected_of(m64(**inputs)), tim.SOURCE, hp)


RECALL = dict(seed=2024, emb_seed=77, n_items=20000, n_cates=500, runs=[(10_000, 4, 20), (100_000, 2, 10)])


def gen_recall():
    """models/recall/recall_reference.json: the long-history data set's definition (longhist.py),
    checksums a port can compare its regenerated data with, and the reference recall of each GSU."""
    import json
    import longhist
    from _common import MODELS_ROOT
    cfg = RECALL
    item_table = longhist.synthetic_table(cfg["emb_seed"], cfg["n_items"], 32)
    cate_table = longhist.synthetic_table(cfg["emb_seed"] + 1, cfg["n_cates"], 32)
    models = {}
    for name, mod in (("sim", sim), ("eta", eta), ("twin", twin)):
        m = mod.build(mod.HPARAMS)
        sd = load_weights(name)
        sd["emb.item.weight"], sd["emb.cate.weight"] = item_table, cate_table
        m.emb.item = torch.nn.Embedding(cfg["n_items"] + 1, 32, padding_idx=0)
        m.emb.cate = torch.nn.Embedding(cfg["n_cates"] + 1, 32, padding_idx=0)
        m.load_state_dict(sd)
        models[name] = as_float64(m)
    # "aligned" variants: the GSU measures what the ESU scores, as training would push it to
    # (SIM: W_a = the ESU query map, W_b = the ESU key map's item/category columns;
    #  ETA: W_q = W_k = I, so the full score is e_a . e_l and SimHash estimates its angle)
    aligned = {"sim": copy.deepcopy(models["sim"]), "eta": copy.deepcopy(models["eta"])}
    with torch.no_grad():
        s = aligned["sim"]
        s.gsu_query.weight.copy_(s.esu_query.weight)
        s.gsu_key.weight.copy_(s.esu_key.weight[:, :s.gsu_key.weight.shape[1]])
        e = aligned["eta"]
        E = e.mha.embed_dim
        e.mha.in_proj_weight[:2 * E].copy_(torch.cat([torch.eye(E), torch.eye(E)]).double())
    runs = []
    for L, users, C in cfg["runs"]:
        sums = {"sim_soft": [0.0, 0.0], "sim_hard": [0.0, 0.0], "eta": [0.0, 0.0], "twin": [0.0, 0.0]}
        data_sums = []
        n = 0
        for u in range(users):
            d = longhist.synthetic_user(cfg["seed"], u, L, C, cfg["n_items"], cfg["n_cates"])
            data_sums.append({k: longhist.checksum(d[k]) for k in
                              ("hist_items", "hist_cates", "hist_times", "hist_cross", "request_time",
                               "cand_items", "cand_cates")})
            with torch.no_grad():
                for key, (idx, full) in (
                        ("sim_soft", longhist.sim_scores(models["sim"], d, "soft")),
                        ("sim_hard", longhist.sim_scores(models["sim"], d, "hard")),
                        ("eta", longhist.eta_scores(models["eta"], d)),
                        ("twin", longhist.twin_scores(models["twin"], d)),
                        ("sim_soft_aligned", longhist.sim_scores(aligned["sim"], d, "soft")),
                        ("eta_aligned", longhist.eta_scores(aligned["eta"], d))):
                    K = 100 if key == "twin" else 50
                    sums.setdefault(key, [0.0, 0.0])
                    r, t10 = longhist.recall_counts(idx, full, K)
                    sums[key][0] += r
                    sums[key][1] += t10
            n += C
        runs.append({"L": L, "users": users, "candidates_per_user": C, "data_checksums": data_sums,
                     "recall_at_K": {k: v[0] / n for k, v in sums.items()},
                     "top10_in_K": {k: v[1] / n for k, v in sums.items()}})
    first = longhist.synthetic_user(cfg["seed"], 0, 8, 2, cfg["n_items"], cfg["n_cates"])
    out = {"definition": "reference-models/golden/models/longhist.py (module docstring)",
           "seed": cfg["seed"], "emb_seed": cfg["emb_seed"], "n_items": cfg["n_items"], "n_cates": cfg["n_cates"],
           "K": {"sim_soft": 50, "sim_hard": 50, "eta": 50, "twin": 100, "sim_soft_aligned": 50, "eta_aligned": 50},
           "aligned": "golden weights except: sim gsu_query.weight := esu_query.weight, gsu_key.weight := "
                      "esu_key.weight[:, :64]; eta mha.in_proj_weight[0:128] := [I; I] (W_q = W_k = I)",
           "splitmix64_first_longs_seed_2024": [longhist.signed(x) for x in
                                                 _first_longs(cfg["seed"], 4)],
           "user0_first8": {k: first[k][0].tolist() for k in ("hist_items", "hist_cates", "hist_times")},
           "item_table_checksum": {"row1_first4": item_table[1, :4].tolist(),
                                   "sum": float(item_table.double().sum())},
           "cate_table_checksum": {"row1_first4": cate_table[1, :4].tolist(),
                                   "sum": float(cate_table.double().sum())},
           "runs": runs}
    path = os.path.join(MODELS_ROOT, "recall", "recall_reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def _first_longs(seed, n):
    import longhist
    r = longhist.SplitMix64(seed)
    return [r.next_long() for _ in range(n)]


def load_weights(name):
    """state_dict of a committed golden weights file."""
    import json
    import struct
    from _common import MODELS_ROOT
    path = os.path.join(MODELS_ROOT, name, "weights.safetensors")
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    dtypes = {"F32": torch.float32, "I64": torch.int64}
    out = {}
    for k, v in header.items():
        a, b = v["data_offsets"]
        buf = bytearray(raw[8 + n + a:8 + n + b])
        out[k] = torch.frombuffer(buf, dtype=dtypes[v["dtype"]]).reshape(v["shape"]).clone()
    return out


def self_checks():
    """Invariances every reference must satisfy (raise on failure): padding slots appended to a
    history change nothing; a float32 evaluation of the same weights stays within the golden
    tolerance of the float64 expectation; an attention-GRU step with a = 0 keeps the state."""
    g = generator(99)
    cases = [(din, ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"], {}),
             (dien, ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"], {}),
             (sim, ["hist_items", "hist_cates", "hist_times", "hist_len", "request_time", "cand_items", "cand_cates"],
              {}),
             (eta, ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"], {}),
             (tim, ["hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"], {})]
    for mod, keys, _ in cases:
        hp = mod.HPARAMS
        model = randomize(mod.build(hp), generator(5))
        m64 = as_float64(model)
        d = {**history(g, [0, 1, 6, 9], 9, hp["n_items"], hp["n_cates"]),
             **candidates(g, 4, 3, hp["n_items"], hp["n_cates"])}
        a = pick(d, keys)
        b = dict(a)
        for k in ("hist_items", "hist_cates", "hist_times"):
            if k in b:
                b[k] = torch.cat([b[k], torch.zeros(4, 4, dtype=torch.int64)], dim=1)
        with torch.no_grad():
            la, lb, l32 = m64(**a), m64(**b), model(**a)
        if float((la - lb).abs().max()) > 1e-12:
            raise AssertionError(f"{mod.__name__}: padding slots changed the logits")
        if float(((l32.double() - la).abs() / la.abs().clamp(min=1e-2)).max()) > 1e-4:
            raise AssertionError(f"{mod.__name__}: float32 evaluation is off the float64 golden")
    cell = dien.AttentionGRUCell(5, 5, "AUGRU")
    randomize(cell, generator(6))
    x, h = torch.rand(3, 5, generator=g), torch.rand(3, 5, generator=g)
    for kind in ("AUGRU", "AGRU"):
        cell.kind = kind
        if float((cell(x, h, torch.zeros(3, 1)) - h).abs().max()) != 0.0:
            raise AssertionError(kind + " with a = 0 must keep the state")


def main():
    self_checks()
    gen_din()
    gen_din_peer()
    gen_din_silu()
    gen_dien()
    gen_dien_peer()
    gen_dien_mlp()
    gen_sim()
    gen_eta()
    gen_twin()
    gen_twin_v2()
    gen_tim()
    gen_recall()
    import export_onnx
    export_onnx.export_all()
    import esu
    esu.main()
    __import__("generate_nextitem_b").main()  # Caser, NextItNet, SURGE (issue 11)
    __import__("generate_nextitem_a").main()  # GRU4Rec, FPMC, Markov chain, RRN (issue 11)


if __name__ == "__main__":
    main()
