#!/usr/bin/python3
"""RecBole parity fixtures for seqrec's RecBole importer (RecBoleImportTest).

For each RecBole sequential model named below this script builds the model from RecBole's own
class, on RecBole's own Config and create_dataset over a tiny generated atomic .inter file,
perturbs its random initialisation (RecBole initialises biases to 0 and layer norms to 1/0, which
would hide a dropped bias or gain; padding rows stay zero, as RecBole's padding_idx keeps them), switches to eval mode and saves the checkpoint the way
RecBole's Trainer._save_checkpoint does (the same dict keys, pickle protocol 4). It then records
RecBole's own full_sort_predict scores for a few users of awkward history lengths (1, 2, a middle
one, max length) as a small safetensors file next to the checkpoint:

    hist_items  int64 [U, L]   right-padded item ids (RecBole's internal ids, 0 = padding)
    hist_len    int64 [U]
    user_ids    int64 [U]
    scores      float32 [U, n_items]   full_sort_predict (column 0 is the padding id)

RecBole's DIN (a context-aware sequential model) is built the same way on a second dataset whose
tiny.item file gives each item a category token, and records its own forward's logits for the
same kinds of histories (plus an empty one) against 4 candidates each, with the item -> category
mapping its embedding layer applies (``build_ctr``).

RecBole itself is not part of seqrec: pass its source tree with --recbole-src (this was written
against commit 7b02be5e). Run with the system python (torch 1.13):

    /usr/bin/python3 reference-models/golden/interop/recbole_peer.py --recbole-src /tmp/peers/RecBole \
        --out reference-models/src/test/resources/interop/recbole
"""
import argparse
import json
import os
import random
import struct
import sys
import tempfile
import types

import torch

MAX_LEN = 6

# RecBole setting overrides per model: tiny widths so that each checkpoint is a few KB.
MODELS = {
    "SASRec": {"hidden_size": 8, "inner_size": 12, "n_layers": 2, "n_heads": 2, "hidden_act": "gelu",
               "layer_norm_eps": 1e-12, "loss_type": "CE"},
    "GRU4Rec": {"embedding_size": 6, "hidden_size": 10, "num_layers": 2, "loss_type": "CE"},
    "Caser": {"embedding_size": 8, "nh": 3, "nv": 2, "loss_type": "CE", "reg_weight": 1e-4},
    "NextItNet": {"embedding_size": 8, "block_num": 2, "dilations": [1, 2], "kernel_size": 3, "reg_weight": 1e-4,
                  "loss_type": "CE"},
    "FPMC": {"embedding_size": 8, "loss_type": "BPR"},
    "BERT4Rec": {"hidden_size": 8, "inner_size": 12, "n_layers": 2, "n_heads": 2, "hidden_act": "gelu",
                 "layer_norm_eps": 1e-12, "loss_type": "CE", "mask_ratio": 0.3},
}
# RecBole's context-aware sequential DIN on a dataset with one item feature (a category):
# mlp_hidden_size is both the attention unit's and the DNN's widths in RecBole
CTR_MODELS = {
    "DIN": {"embedding_size": 4, "mlp_hidden_size": [10, 6], "dropout_prob": 0.0, "pooling_mode": "mean"},
}
N_CATES = 5
# refusal fixture: SASRec with hidden_act=swish, which seqrec's blocks do not have (no outputs kept)
REFUSED = {"SASRecSwish": dict(MODELS["SASRec"], hidden_act="swish")}


def install_fakes():
    """RecBole's utils import tensorboard at module load; only its SummaryWriter name is needed."""
    tensorboard = types.ModuleType("torch.utils.tensorboard")
    tensorboard.SummaryWriter = object
    sys.modules["torch.utils.tensorboard"] = tensorboard


def write_inter(data_dir, seed):
    """A tiny atomic interaction file: 12 users, 20 item tokens, 2 to 14 interactions each."""
    os.makedirs(os.path.join(data_dir, "tiny"), exist_ok=True)
    rng = random.Random(seed)
    with open(os.path.join(data_dir, "tiny", "tiny.inter"), "w") as f:
        f.write("user_id:token\titem_id:token\ttimestamp:float\n")
        for user in range(1, 13):
            for t in range(rng.randint(2, 14)):
                f.write(f"{user}\t{rng.randint(1, 20)}\t{t}\n")


def write_item_features(data_dir, seed):
    """The same interactions as write_inter in a second dataset, with a tiny.item file giving each
    of the 20 item tokens a category token c1..c5 (a dataset of its own, so that the other models'
    fixtures keep their id remapping)."""
    os.makedirs(os.path.join(data_dir, "tinyctx"), exist_ok=True)
    write_inter(data_dir, seed)
    with open(os.path.join(data_dir, "tiny", "tiny.inter")) as f, \
            open(os.path.join(data_dir, "tinyctx", "tinyctx.inter"), "w") as g:
        g.write(f.read())
    rng = random.Random(seed + 1)
    with open(os.path.join(data_dir, "tinyctx", "tinyctx.item"), "w") as f:
        f.write("item_id:token\tcate:token\n")
        for item in range(1, 21):
            f.write(f"{item}\tc{rng.randint(1, N_CATES)}\n")


def build_ctr(name, settings, data_dir, save_dir, seed, dataset_name="tinyctx"):
    """RecBole's DIN, perturbed like build's models (batch-norm statistics too, which eval mode
    uses), scored by its own forward: logits of U histories against C candidates each.

    Outputs: hist_items [U, L], hist_len [U] (lengths 1, 2, 3, L-1, L, L and 0), cand_items [U, C], logits [U, C] (float32) and
    item_cates [n_items + 1] (each internal item id's internal category id, 0 for padding), the
    mapping RecBole's embedding layer applies and a seqrec caller passes as category ids."""
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import get_model

    load_col = {"inter": ["user_id", "item_id", "timestamp"]}
    if dataset_name == "tinyctx":
        load_col["item"] = ["item_id", "cate"]
    config = Config(model=name, dataset=dataset_name, config_dict=dict(
        settings, data_path=data_dir, checkpoint_dir=save_dir, MAX_ITEM_LIST_LENGTH=MAX_LEN, load_col=load_col,
        train_neg_sample_args=None, use_gpu=False, device="cpu", show_progress=False, state="ERROR", seed=seed))
    dataset = create_dataset(config)
    data_preparation(config, dataset)  # as RecBole's run does: the feature tables become Interactions
    torch.manual_seed(seed)
    model = get_model(name)(config, dataset)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.2 * torch.randn_like(p))
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm1d):
                module.running_mean.copy_(0.3 * torch.randn_like(module.running_mean))
                module.running_var.copy_(0.5 + torch.rand_like(module.running_var))
    model.eval()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    n_items = dataset.num("item_id")
    items, lengths, user_ids = users(n_items, dataset.user_num, seed + 1)
    # and an empty history (RecBole's attention then pools nothing: u = 0)
    items = torch.cat([items, torch.zeros(1, MAX_LEN, dtype=torch.long)])
    lengths = torch.cat([lengths, torch.zeros(1, dtype=torch.long)])
    user_ids = torch.cat([user_ids, user_ids[:1]])
    g = torch.Generator().manual_seed(seed + 2)
    C = 4
    cands = torch.randint(1, n_items, (len(lengths), C), generator=g)
    logits = torch.zeros(len(lengths), C)
    with torch.no_grad():
        for c in range(C):
            logits[:, c] = model.forward(user_ids, items, lengths, cands[:, c]).float()
    features = dataset.get_item_feature()
    item_cates = features["cate"].long() if "cate" in features.interaction else torch.zeros(n_items, dtype=torch.long)
    state = {
        "config": config,
        "epoch": 3,
        "cur_step": 0,
        "best_valid_score": 0.25,
        "state_dict": model.state_dict(),
        "other_parameter": model.other_parameter(),
        "optimizer": optimizer.state_dict(),
    }
    return state, {"hist_items": items, "hist_len": lengths, "user_ids": user_ids, "cand_items": cands,
                   "logits": logits, "item_cates": item_cates}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def users(n_items, n_users, seed):
    """Histories of lengths 1, 2, 3, L-1, L, L (right-padded, RecBole's layout) and their user ids."""
    g = torch.Generator().manual_seed(seed)
    lengths = [1, 2, 3, MAX_LEN - 1, MAX_LEN, MAX_LEN]
    items = torch.zeros(len(lengths), MAX_LEN, dtype=torch.long)
    for row, n in enumerate(lengths):
        items[row, :n] = torch.randint(1, n_items, (n,), generator=g)
    user_ids = torch.randint(1, n_users, (len(lengths),), generator=g)
    return items, torch.tensor(lengths, dtype=torch.long), user_ids


def build(name, settings, data_dir, save_dir, seed):
    from recbole.config import Config
    from recbole.data import create_dataset
    from recbole.data.interaction import Interaction
    from recbole.utils import get_model

    model_name = "SASRec" if name == "SASRecSwish" else name
    config = Config(model=model_name, dataset="tiny", config_dict=dict(
        settings, data_path=data_dir, checkpoint_dir=save_dir, MAX_ITEM_LIST_LENGTH=MAX_LEN,
        train_neg_sample_args=None, use_gpu=False, device="cpu", show_progress=False, state="ERROR", seed=seed))
    dataset = create_dataset(config)
    torch.manual_seed(seed)
    model = get_model(model_name)(config, dataset)
    with torch.no_grad():
        # stand-in for training: every parameter moves off RecBole's initial 0/1 constants
        for p in model.parameters():
            p.add_(0.2 * torch.randn_like(p))
        # ... except padding rows: padding_idx keeps them at zero through RecBole's training too
        for module in model.modules():
            if isinstance(module, torch.nn.Embedding) and module.padding_idx is not None:
                module.weight[module.padding_idx].zero_()
    model.eval()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    items, lengths, user_ids = users(model.n_items, dataset.user_num, seed + 1)
    interaction = Interaction({model.ITEM_SEQ: items, model.ITEM_SEQ_LEN: lengths, model.USER_ID: user_ids})
    with torch.no_grad():
        scores = model.full_sort_predict(interaction).float()
    # as recbole/trainer/trainer.py Trainer._save_checkpoint
    state = {
        "config": config,
        "epoch": 3,
        "cur_step": 0,
        "best_valid_score": 0.25,
        "state_dict": model.state_dict(),
        "other_parameter": model.other_parameter(),
        "optimizer": optimizer.state_dict(),
    }
    return state, {"hist_items": items, "hist_len": lengths, "user_ids": user_ids, "scores": scores}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recbole-src", required=True, help="RecBole source tree (the directory holding recbole/)")
    parser.add_argument("--out", required=True, help="directory for <model>.pth and <model>-outputs.safetensors")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of " + ",".join(MODELS))
    args = parser.parse_args()
    sys.argv = sys.argv[:1]  # RecBole's Config would read our flags as its own settings
    sys.path.insert(0, args.recbole_src)
    install_fakes()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="recbole-peer-")
    write_inter(work, seed=7)
    saved = os.path.join(work, "saved")
    for i, name in enumerate(args.models.split(",")):
        state, outputs = build(name, MODELS[name], work, saved, seed=100 + i)
        stem = os.path.join(args.out, name.lower())
        torch.save(state, stem + ".pth", pickle_protocol=4)
        write_safetensors(stem + "-outputs.safetensors", outputs)
        print(f"{name}: scores {tuple(outputs['scores'].shape)} -> {stem}.pth ({os.path.getsize(stem + '.pth')} bytes)")
    write_item_features(work, seed=7)
    for i, name in enumerate(CTR_MODELS):
        state, outputs = build_ctr(name, CTR_MODELS[name], work, saved, seed=200 + i)
        stem = os.path.join(args.out, name.lower())
        torch.save(state, stem + ".pth", pickle_protocol=4)
        write_safetensors(stem + "-outputs.safetensors", outputs)
        print(f"{name}: logits {tuple(outputs['logits'].shape)} -> {stem}.pth ({os.path.getsize(stem + '.pth')} bytes)")
    # error fixtures for the importer's messages
    state, _ = build_ctr("DIN", CTR_MODELS["DIN"], work, saved, seed=97, dataset_name="tiny")
    torch.save(state, os.path.join(args.out, "din-no-category.pth"), pickle_protocol=4)
    state, _ = build("SASRecSwish", REFUSED["SASRecSwish"], work, saved, seed=99)
    torch.save(state, os.path.join(args.out, "sasrec-swish.pth"), pickle_protocol=4)
    state, _ = build("GRU4Rec", MODELS["GRU4Rec"], work, saved, seed=98)
    del state["state_dict"]["dense.bias"]
    torch.save(state, os.path.join(args.out, "gru4rec-missing-tensor.pth"), pickle_protocol=4)
    torch.save(state["state_dict"], os.path.join(args.out, "gru4rec-state-dict-only.pth"), pickle_protocol=4)


if __name__ == "__main__":
    main()
