"""Trains the demo's next-item models briefly on the shopping world and scores them on the whole catalogue.

    nice -n 19 /usr/bin/python3 reference-models/demo/train_nextitem.py [--eval-only] [model ...]
    (a minute or two each on a shared 2-core VM; --eval-only re-scores the shipped weights)

Models: the Markov chain (fitted by counting), FPMC, RRN, GRU4Rec, Caser, NextItNet, SASRec,
BERT4Rec, PinnerFormer and HSTU - the golden reference modules of ``reference-models/golden/models/``
(imported, not copied). The world, its reading and the history tensors are ``train.py``'s.

Training: Adam on the softmax cross-entropy over the whole catalogue (ids 1..2000): every action
of a shopper's history but the first and the held-out last is the target of the prefix before it
(cut to the model's ``max_len``). BERT4Rec is trained in its serving form ([MASK] appended after the
history, predicting the next item), PinnerFormer and HSTU (L2-normalised user and item vectors) with
their dot products divided by a temperature of 0.05 in the loss only. RRN's item side is the
catalogue snapshot ``item_state``: the item LSTM (initial weights) run once over every item's
training ratings (user, action type as rating, time), then frozen; the rest of RRN is trained.
The Markov chain is the count table of the training prefixes (the held-out action never counted).

Writes next to the world (``src/main/resources/io/github/seqrec/demo/``) ``<model>.safetensors``
(float32 state_dict, every hyperparameter a metadata string, as ``train.py``; the Markov chain: its
CSR count table as the golden generator writes it) and each model's entry in ``metrics.json``:
PyTorch's HR@10, NDCG@10 and MRR on the held-out split, float32 (the Markov chain: its float64
probabilities), under the rule ``seqrec eval`` and ``seqrec demo`` apply to a next-item model
(``LeaveOneOut``): the held-out item is ranked in the whole catalogue, ids 1..2000, seen items
NOT excluded (shoppers buy again); rank = 1 + items scored strictly higher + items scored equally
with a lower id (the catalogue top-k order); a rank above 1000 (the top-k the Java evaluation asks
for) is a miss and adds 0 to HR, NDCG and MRR (MRR@1000).
"""
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import train as T  # noqa: E402  (sets up the golden imports)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import bert4rec  # noqa: E402
import caser  # noqa: E402
import fpmc  # noqa: E402
import gru4rec  # noqa: E402
import hstu  # noqa: E402
import markov  # noqa: E402
import nextitnet  # noqa: E402
import pinnerformer  # noqa: E402
import rrn  # noqa: E402
import sasrec  # noqa: E402
from _common import hparam_strings, randomize  # noqa: E402
from seqrec_golden import read_safetensors, save_safetensors  # noqa: E402

N = T.N_ITEMS
N_USERS = 2000
LIST_K = 1000  # LeaveOneOut asks recommend() for min(1000, catalogueSize - 1) items
START = 1_767_225_600
TEMPERATURE = 0.05

# name -> (module, hyperparameters, training steps, batch size, learning rate)
MODELS = {
    "markov": (markov, dict(markov.HPARAMS, n_items=N, smoothing=0.5, max_len=50), 0, 0, 0.0),
    "fpmc": (fpmc, dict(fpmc.HPARAMS, n_items=N, n_users=N_USERS, embedding_size=16, max_len=50), 400, 256, 1e-2),
    "rrn": (rrn, dict(rrn.HPARAMS, n_items=N, n_users=N_USERS, d_input=16, hidden=16, d_dynamic=16, d_stationary=16,
                      step_seconds=86400, epoch=START, time_scale=60.0, max_len=50), 400, 128, 3e-2),
    "gru4rec": (gru4rec, dict(gru4rec.HPARAMS, n_items=N, layers="48", embedding=0, constrained_embedding=True,
                              max_len=30), 400, 128, 5e-3),
    "caser": (caser, dict(caser.HPARAMS, n_items=N, n_users=N_USERS, d=16, L=5, nv=4, nh=8, max_len=5), 400, 256, 5e-3),
    "nextitnet": (nextitnet, dict(nextitnet.HPARAMS, n_items=N, channels=32, kernel_size=3, dilations="1,2,1,2",
                                  max_len=30), 600, 128, 1e-2),
    "sasrec": (sasrec, dict(sasrec.HPARAMS, n_items=N, hidden=32, num_blocks=2, num_heads=2, max_len=30), 600, 128,
               3e-3),
    "bert4rec": (bert4rec, dict(bert4rec.HPARAMS, n_items=N, hidden=32, num_layers=2, num_heads=2, intermediate=64,
                                max_len=31), 600, 128, 3e-3),
    "pinnerformer": (pinnerformer, dict(pinnerformer.HPARAMS, n_items=N, n_actions=3, item_emb_dim=32, action_emb_dim=8,
                                        d_model=32, num_layers=2, num_heads=2, dim_feedforward=64, d_out=32,
                                        max_len=30), 400, 128, 3e-3),
    "hstu": (hstu, dict(hstu.HPARAMS, n_items=N, embedding_dim=32, num_blocks=2, num_heads=2, attention_dim=16,
                        linear_dim=16, max_len=30), 400, 128, 3e-3),
}
# initial embedding scale (randomize's emb_scale; the rest 0.05): the models whose dot products start
# flat learn faster from larger item rows
EMB_SCALE = {"rrn": 0.5, "nextitnet": 0.5}
# post-LN transformers: randomize draws LayerNorm weights from U(-0.1, 0.1), which leaves every block
# output near zero and the model untrainable in a few hundred steps; these start from LayerNorm's
# own initialisation (weight 1, bias 0)
LN_IDENTITY = {"sasrec", "bert4rec"}


def make_batch(name, hp, examples):
    """examples: [(user id, actions oldest first, request time)] -> the model's history tensors."""
    # the window the Java model keeps: the most recent max_len actions (BERT4Rec: max_len - 1, the
    # [MASK] takes the last position)
    b = T.batch_of([(a, t) for _, a, t in examples], hp["max_len"] - (1 if name == "bert4rec" else 0))
    b["user_id"] = torch.tensor([u for u, _, _ in examples], dtype=torch.int64)
    return b


def scores(name, model, b):
    """Catalogue scores [B, N] of ids 1..N (float32 nn.Modules; the Markov chain float64)."""
    items, lens = b["hist_items"], b["hist_len"]
    if name == "markov":
        return model.catalogue_scores(items, lens)[:, 1:]
    if name == "fpmc":
        return model.catalogue_scores(b["user_id"], items, lens)[:, 1:]
    if name == "rrn":
        return model.catalogue_scores(b["user_id"], items, b["hist_actions"], b["hist_times"], lens)[:, 1:]
    if name == "gru4rec":
        return model.catalogue_scores(items, lens)[:, 1:]
    if name == "caser":
        return model.catalogue_scores(model.user_embedding(items, lens, b["user_id"]))[:, 1:]
    if name == "nextitnet":
        return model.catalogue_scores(model.user_embedding(items, lens))[:, 1:]
    if name == "sasrec":
        u = model.user_embedding(items, lens)
    elif name == "bert4rec":
        u = model.user_embedding(items, lens)
        return u @ model.item_table()[1:N + 1].t() + model.out_bias[1:N + 1]
    elif name == "pinnerformer":
        u = model.user_embedding(items, b["hist_actions"], b["hist_times"], lens)
    elif name == "hstu":
        u = model.user_embedding(items, b["hist_times"], lens, b["request_time"])
    else:
        raise ValueError(name)
    return u @ model.item_table()[1:N + 1].t()


def fit_markov(users, hp):
    seqs = [[a[0] for a in acts[:-1]] for _, acts in sorted(users.items())]
    return markov.count_transitions(seqs, hp["n_items"])


def rrn_item_histories(users):
    """Per item id 0..N: (user ids, ratings = action types, times) of the training actions, oldest first."""
    logs = [([], [], []) for _ in range(N + 1)]
    rows = sorted((t, u, item, action) for u, acts in users.items() for item, _, t, action in acts[:-1])
    for t, u, item, action in rows:
        logs[item][0].append(u)
        logs[item][1].append(action)
        logs[item][2].append(t)
    return logs


def train(name, users):
    module, hp, steps, batch_size, lr = MODELS[name]
    torch.manual_seed(T.SEED)
    g = torch.Generator().manual_seed(T.SEED)
    model = randomize(module.build(hp), g, emb_scale=EMB_SCALE.get(name, 0.05))
    if name in LN_IDENTITY:
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.LayerNorm) and m.elementwise_affine:
                    m.weight.fill_(1.0)
                    m.bias.zero_()
    if name == "rrn":
        with torch.no_grad():
            model.item_state.copy_(model.item_states(rrn_item_histories(users)))
        for p in list(model.item_input.parameters()) + list(model.item_lstm.parameters()):
            p.requires_grad_(False)
    model.train()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    pairs = [(u, t) for u, acts in users.items() for t in range(1, len(acts) - 1)]
    rng = torch.Generator().manual_seed(T.SEED + 1)
    scale = 1.0 / TEMPERATURE if name in ("pinnerformer", "hstu") else 1.0
    start, loss_sum = time.time(), 0.0
    for step in range(steps):
        pick = torch.randint(len(pairs), (batch_size,), generator=rng).tolist()
        examples = [(pairs[i][0], users[pairs[i][0]][:pairs[i][1]], users[pairs[i][0]][pairs[i][1]][2]) for i in pick]
        b = make_batch(name, hp, examples)
        target = torch.tensor([users[pairs[i][0]][pairs[i][1]][0] for i in pick]) - 1
        loss = F.cross_entropy(scores(name, model, b) * scale, target)
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


def ranks_of(s, target):
    """s [B, N] scores of ids 1..N, target [B] ids -> the catalogue top-k rank (ties: lower id first)."""
    ids = torch.arange(1, N + 1)[None, :]
    st = s.gather(1, (target - 1)[:, None])
    return 1 + (s > st).sum(1) + ((s == st) & (ids < target[:, None])).sum(1)


def evaluate(name, model, hp, users, k=10):
    ranks, margins = [], 0
    ids = sorted(users)
    with torch.no_grad():
        for s0 in range(0, len(ids), 200):
            chunk = ids[s0:s0 + 200]
            b = make_batch(name, hp, [(u, users[u][:-1], users[u][-1][2]) for u in chunk])
            s = scores(name, model, b)
            target = torch.tensor([users[u][-1][0] for u in chunk])
            ranks += ranks_of(s, target).tolist()
            # how many held-out items have another item within 1e-5 (relative) of their score
            st = s.gather(1, (target - 1)[:, None])
            close = ((s - st).abs() <= 1e-5 * st.abs().clamp(min=1e-3)) & (s != st)
            margins += int(close.any(1).sum())
    n = len(ranks)
    hit = [r for r in ranks if r <= LIST_K]
    return dict(hr10=sum(r <= k for r in hit) / n, ndcg10=sum(1.0 / math.log2(r + 1) for r in hit if r <= k) / n,
                mrr=sum(1.0 / r for r in hit) / n, users=n, near_ties=margins)


def save(name, model, hp, weights, users):
    meta = {"model": name, "source": "reference-models/demo/train_nextitem.py on the demo shopping world (seed 13)"}
    meta.update(hparam_strings(hp))
    if name == "markov":
        offsets, cols, vals = markov.csr(model)
        save_safetensors(weights, {"row_offsets": offsets, "next_items": cols, "counts": vals}, meta)
        return
    tensors = {k: (v.to(torch.float32) if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    save_safetensors(weights, tensors, meta)


def main():
    args = sys.argv[1:]
    eval_only = "--eval-only" in args
    names = [a for a in args if a != "--eval-only"] or list(MODELS)
    _, users, _ = T.read_world()
    path = os.path.join(T.WORLD, "metrics.json")
    metrics = json.load(open(path)) if os.path.exists(path) else {}
    metrics["_protocol"] = T.PROTOCOL
    for name in names:
        module, hp = MODELS[name][0], MODELS[name][1]
        weights = os.path.join(T.WORLD, name + ".safetensors")
        if name == "markov":
            start = time.time()
            counts = fit_markov(users, hp)
            scorer = markov.MarkovChain(counts, hp["smoothing"])
            seconds = time.time() - start
            if not eval_only:
                save(name, counts, hp, weights, users)
        else:
            if eval_only:
                model = module.build(hp)
                state, _ = read_safetensors(weights)
                model.load_state_dict(state)
                model.eval()
                seconds = metrics.get(name, {}).get("train_seconds", 0.0)
            else:
                model, hp, seconds = train(name, users)
                save(name, model, hp, weights, users)
            scorer = model
        start = time.time()
        m = evaluate(name, scorer, hp, users)
        print(f"  {name} evaluated in {time.time() - start:.0f} s ({m.pop('near_ties')} held-out items with a "
              f"near tie)", flush=True)
        metrics[name] = dict(m, train_seconds=round(seconds, 1), protocol="catalogue")
        print(name, metrics[name], flush=True)
        with open(path, "w") as f:
            json.dump(metrics, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
