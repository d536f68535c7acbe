"""Trains DIN, DIEN, TIM, SIM, ETA, TWIN, SURGE and TransAct briefly on the demo's shopping world and scores them.

    nice -n 19 /usr/bin/python3 reference-models/demo/train.py [--eval-only] [model ...]
    (a few minutes each on a shared 2-core VM; --eval-only re-scores the shipped weights)

The models are the golden reference modules of ``reference-models/golden/models/`` (imported, not
copied), trained with Adam on binary cross-entropy: every action of a shopper's history but the
last is a positive for the prefix before it, against two items drawn uniformly from the
catalogue. The last action of each shopper is held out (leave-one-out).

Writes next to the world (``src/main/resources/io/github/seqrec/demo/``):

* ``<model>.safetensors``: the state_dict in float32 with every hyperparameter as a metadata
  string, exactly as the golden generator writes weights (``Models.load`` reads them);
* ``metrics.json``: PyTorch's own HR@10, NDCG@10 and MRR on the held-out split, computed in float32
  from the stored weights, each shopper's held-out item ranked against the 100 negatives of
  ``negatives.csv.gz`` (the same list ``seqrec eval --negatives`` reads). rank = 1 + the number of
  negatives scored strictly higher; HR@10 = [rank <= 10]; NDCG@10 = 1/log2(rank + 1) if rank <= 10;
  MRR = 1/rank; each averaged over shoppers.

Features the world gives every model: item and category ids; SIM the time gap to the request (the
held-out action's timestamp) through its log2 buckets; TWIN two cross features per behaviour,
``[action type, min(15, bit_length(gap_hours))]`` where ``gap_hours = (request_time - t) // 3600``
(``seqrec eval`` and ``seqrec demo`` derive the same buckets); TransAct the action types (1..3) and
timestamps. The next-item models are ``train_nextitem.py``'s.
"""
import csv
import gzip
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "golden")
sys.path.insert(0, os.path.join(GOLDEN, "models"))
sys.path.insert(0, GOLDEN)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import dien  # noqa: E402
import din  # noqa: E402
import eta  # noqa: E402
import sim  # noqa: E402
import surge  # noqa: E402
import tim  # noqa: E402
import transact  # noqa: E402
import twin  # noqa: E402
from _common import hparam_strings, randomize  # noqa: E402
from seqrec_golden import read_safetensors, save_safetensors  # noqa: E402

WORLD = os.path.join(HERE, "..", "src", "main", "resources", "io", "github", "seqrec", "demo")
SEED = 13
N_NEG_TRAIN = 2
N_ITEMS, N_CATES = 2000, 20

# name -> (module, hyperparameters, training steps, batch size)
MODELS = {
    "din": (din, dict(din.HPARAMS, n_items=N_ITEMS, n_cates=N_CATES, d_item=32, d_cate=16, att_hidden="64,32",
                      mlp_hidden="96,48", max_len=30), 400, 128),
    "dien": (dien, dict(dien.HPARAMS, n_items=N_ITEMS, n_cates=N_CATES, max_len=30), 200, 128),
    "tim": (tim, dict(tim.HPARAMS, n_items=N_ITEMS, n_cates=N_CATES, d_item=32, d_cate=16, max_len=30), 300, 128),
    "sim": (sim, dict(sim.HPARAMS, n_items=N_ITEMS, n_cates=N_CATES, topk=20), 250, 128),
    "eta": (eta, dict(eta.HPARAMS, n_items=N_ITEMS, n_cates=N_CATES, topk=20), 250, 128),
    "twin": (twin, dict(twin.HPARAMS, n_items=N_ITEMS, n_cates=N_CATES, topk=20), 250, 128),
    "surge": (surge, dict(surge.HPARAMS, n_items=N_ITEMS, n_cates=N_CATES, d_item=16, d_cate=8, hidden=24,
                          att_hidden="32,16", mlp_hidden="48,24", pool_length=10, max_len=20), 150, 64),
    "transact": (transact, dict(transact.HPARAMS, n_items=N_ITEMS, n_actions=4, action_emb_dim=8, item_emb_dim=16,
                                seq_len=16, latest_n_emb=4, num_layer=1, nhead=2, dim_feedforward=32, head_hidden=32),
                 300, 128),
}
SOURCE = "reference-models/demo/train.py on the demo shopping world (seed 13)"
PROTOCOL = ("leave-one-out: last action per shopper held out; protocol '100 negatives' (CTR models, train.py): "
            "ranked against the 100 negatives of negatives.csv.gz (seed 13, items the shopper never touched), "
            "rank = 1 + negatives scored strictly higher; protocol 'catalogue' (next-item models, train_nextitem.py): "
            "ranked in the whole catalogue 1..2000, seen items kept, rank = 1 + items scored higher + items tied "
            "with a lower id, a rank above 1000 a miss (MRR@1000); PyTorch 1.13, float32")


def read_world():
    cate_of = [0] * (N_ITEMS + 1)
    with open(os.path.join(WORLD, "catalogue.csv")) as f:
        for row in csv.DictReader(f):
            cate_of[int(row["item"])] = int(row["category"])
    users = {}
    with gzip.open(os.path.join(WORLD, "interactions.csv.gz"), "rt") as f:
        for row in csv.DictReader(f):
            users.setdefault(int(row["user"]), []).append(
                (int(row["item"]), int(row["category"]), int(row["timestamp"]), int(row["action"])))
    negatives = {}
    with gzip.open(os.path.join(WORLD, "negatives.csv.gz"), "rt") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            negatives[int(row[0])] = [int(x) for x in row[1:]]
    return torch.tensor(cate_of), users, negatives


def bit_length(x):
    """bit_length of non-negative int64 tensors (0 -> 0, 1 -> 1, 2..3 -> 2, ...), exact."""
    bits = torch.zeros_like(x)
    v = x.clone()
    while bool((v > 0).any()):
        bits += (v > 0).to(bits.dtype)
        v = torch.div(v, 2, rounding_mode="floor")
    return bits


def batch_of(examples, max_len):
    """examples: [(actions oldest first, request_time)] -> right-padded history tensors."""
    L = max(1, max(min(len(a), max_len) for a, _ in examples))
    B = len(examples)
    items = torch.zeros(B, L, dtype=torch.int64)
    cates = torch.zeros(B, L, dtype=torch.int64)
    times = torch.zeros(B, L, dtype=torch.int64)
    acts = torch.zeros(B, L, dtype=torch.int64)
    lens = torch.zeros(B, dtype=torch.int64)
    req = torch.zeros(B, dtype=torch.int64)
    for b, (actions, request_time) in enumerate(examples):
        kept = actions[-max_len:]
        n = len(kept)
        lens[b], req[b] = n, request_time
        if n:
            t = torch.tensor(kept, dtype=torch.int64)
            items[b, :n], cates[b, :n], times[b, :n], acts[b, :n] = t[:, 0], t[:, 1], t[:, 2], t[:, 3]
    valid = torch.arange(L)[None, :] < lens[:, None]
    gap_hours = torch.div((req[:, None] - times).clamp(min=0), 3600, rounding_mode="floor")
    cross = torch.stack([acts, bit_length(gap_hours).clamp(max=15)], dim=-1) * valid[:, :, None]
    return dict(hist_items=items, hist_cates=cates, hist_times=times * valid, hist_len=lens, request_time=req,
                hist_cross=cross, hist_actions=acts * valid)


def history_len(hp):
    """The history a model keeps (TransAct: its seq_len)."""
    return hp["max_len"] if "max_len" in hp else hp["seq_len"]


def forward(name, model, batch, cand_items, cand_cates):
    if name == "transact":
        return model(hist_items=batch["hist_items"], hist_actions=batch["hist_actions"], hist_times=batch["hist_times"],
                     hist_len=batch["hist_len"], request_time=batch["request_time"], cand_items=cand_items)
    keys = dict(hist_items=batch["hist_items"], hist_cates=batch["hist_cates"], hist_len=batch["hist_len"],
                cand_items=cand_items, cand_cates=cand_cates)
    if name == "sim":
        keys.update(hist_times=batch["hist_times"], request_time=batch["request_time"])
    if name == "twin":
        keys.update(hist_cross=batch["hist_cross"])
    return model(**keys)


def train(name, users, cate_of):
    module, hp, steps, batch_size = MODELS[name]
    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    model = randomize(module.build(hp), g, emb_scale=0.05)
    model.train()
    if name == "surge":
        # SURGE scores one shopper at a time (its graph is per history): a BatchNorm over one row
        # cannot train, so its BatchNorms stay the fixed affine maps of their (random) statistics
        # and learn only their weight and bias
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.eval()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    # (user, target position) pairs: every action but the first and the held-out last
    pairs = [(u, t) for u, acts in users.items() for t in range(1, len(acts) - 1)]
    rng = torch.Generator().manual_seed(SEED + 1)
    start, loss_sum = time.time(), 0.0
    for step in range(steps):
        pick = torch.randint(len(pairs), (batch_size,), generator=rng).tolist()
        examples = [(users[pairs[i][0]][:pairs[i][1]], users[pairs[i][0]][pairs[i][1]][2]) for i in pick]
        batch = batch_of(examples, history_len(hp))
        pos = torch.tensor([users[pairs[i][0]][pairs[i][1]][0] for i in pick])
        neg = torch.randint(1, N_ITEMS + 1, (batch_size, N_NEG_TRAIN), generator=rng)
        cand = torch.cat([pos[:, None], neg], dim=1)
        labels = torch.zeros_like(cand, dtype=torch.float32)
        labels[:, 0] = 1.0
        logits = forward(name, model, batch, cand, cate_of[cand])
        loss = F.binary_cross_entropy_with_logits(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_sum += float(loss)
        if (step + 1) % 100 == 0:
            print(f"  {name} step {step + 1}/{steps} loss {loss_sum / 100:.4f} ({time.time() - start:.0f} s)",
                  flush=True)
            loss_sum = 0.0
    model.eval()
    return model, hp, time.time() - start


def evaluate(name, model, hp, users, negatives, cate_of, k=10):
    """PyTorch's held-out metrics, in float32 (as stored and as seqrec scores; float64 would only
    move ties closer than float32 rounding, and costs twice the CPU on this shared machine)."""
    m64 = model.eval()
    ranks = []
    ids = sorted(users)
    with torch.no_grad():
        for s in range(0, len(ids), 200):
            chunk = ids[s:s + 200]
            batch = batch_of([(users[u][:-1], users[u][-1][2]) for u in chunk], history_len(hp))
            cand = torch.tensor([[users[u][-1][0]] + negatives[u] for u in chunk])
            logits = forward(name, m64, batch, cand, cate_of[cand])
            ranks += (1 + (logits[:, 1:] > logits[:, :1]).sum(1)).tolist()
    n = len(ranks)
    hr = sum(r <= k for r in ranks) / n
    ndcg = sum(1.0 / math.log2(r + 1) for r in ranks if r <= k) / n
    mrr = sum(1.0 / r for r in ranks) / n
    return dict(hr10=hr, ndcg10=ndcg, mrr=mrr, users=n)


def main():
    args = sys.argv[1:]
    eval_only = "--eval-only" in args
    names = [a for a in args if a != "--eval-only"] or list(MODELS)
    cate_of, users, negatives = read_world()
    path = os.path.join(WORLD, "metrics.json")
    metrics = json.load(open(path)) if os.path.exists(path) else {}
    metrics["_protocol"] = PROTOCOL
    for name in names:
        weights = os.path.join(WORLD, name + ".safetensors")
        if eval_only:
            # re-score the shipped weights (the metrics of a file that exists)
            module, hp = MODELS[name][0], MODELS[name][1]
            model = module.build(hp)
            state, _ = read_safetensors(weights)
            model.load_state_dict(state)
            model.eval()
            seconds = metrics.get(name, {}).get("train_seconds", 0.0)
        else:
            model, hp, seconds = train(name, users, cate_of)
            tensors = {k: (v.to(torch.float32) if v.is_floating_point() else v) for k, v in model.state_dict().items()}
            meta = {"model": name, "source": SOURCE}
            meta.update(hparam_strings(hp))
            save_safetensors(weights, tensors, meta)
        start = time.time()
        with torch.no_grad():
            metrics[name] = dict(evaluate(name, model, hp, users, negatives, cate_of), train_seconds=round(seconds, 1),
                                 protocol="100 negatives")
        print(f"  {name} evaluated in {time.time() - start:.0f} s", flush=True)
        print(name, metrics[name], flush=True)
        with open(path, "w") as f:
            json.dump(metrics, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
