"""FuxiCTR parity fixtures: FuxiCTR's own DIN, built, saved and run by FuxiCTR's code.

    /usr/bin/python3 reference-models/golden/interop/fuxictr_peer.py --fuxictr-src /tmp/peers/FuxiCTR

FuxiCTR is not vendored: the script imports it from --fuxictr-src. Per experiment id it writes to
``src/test/resources/interop/fuxictr/``:
* ``<expid>.model``: ``torch.save(model.state_dict(), ...)``, as FuxiCTR's ``save_weights`` does;
* ``model_config.yaml`` (every expid) and ``feature_map.json``, FuxiCTR's own config formats;
* ``<expid>_batch.safetensors``: the batch in seqrec's names (``hist_items, hist_cates, hist_len``
  [B, L] / [B], ``cand_items, cand_cates`` [B, 1]) and FuxiCTR's outputs, ``expected.logits``
  (the input of FuxiCTR's output sigmoid) and ``expected.probs`` (its ``y_pred``).

The dataset is synthetic (item_id and cate_id, click_history and cate_history sharing their
tables; post padding, FuxiCTR's default). Parameters are drawn at random after construction
(a trained model's padding rows stay zero, so they do here) and BatchNorm running statistics too,
so every term of the forward pass matters. Fixed seeds: re-running rewrites identical files.
"""
import argparse
import json
import os
import sys
import types

import torch
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from seqrec_golden import save_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src", "test", "resources", "interop", "fuxictr")

N_ITEMS, N_CATES, MAX_LEN, EMB = 30, 6, 8, 4
DATASET = "seqrec_tiny"
DIEN_DATASET = "seqrec_tiny_neg"  # DIEN's feature map also lists the negative histories it expects

# (expid, DIN arguments): Dice/ReLU in the attention unit and in the DNN, softmax on and off.
DIN_EXPERIMENTS = [
    ("DIN_dice", dict(attention_hidden_activations="Dice", dnn_activations="ReLU", din_use_softmax=False)),
    ("DIN_dice_softmax", dict(attention_hidden_activations="Dice", dnn_activations="Dice", din_use_softmax=True)),
    ("DIN_relu", dict(attention_hidden_activations="ReLU", dnn_activations="ReLU", din_use_softmax=False)),
    ("DIN_dice_bn", dict(attention_hidden_activations="Dice", dnn_activations="ReLU", din_use_softmax=False,
                         batch_norm=True)),
]


# (expid, DIEN arguments): the evolution cells, sum pooling on/off, batch norm in the DNN on/off.
DIEN_EXPERIMENTS = [
    ("DIEN_augru", dict(gru_type="AUGRU", enable_sum_pooling=True, batch_norm=False)),
    ("DIEN_augru_bn", dict(gru_type="AUGRU", enable_sum_pooling=False, batch_norm=True)),
    ("DIEN_agru", dict(gru_type="AGRU", enable_sum_pooling=True, batch_norm=False)),
]
# AIGRU is left out: FuxiCTR's DIEN multiplies [B, L, d] interests by [B, L] scores without
# unsqueezing them, so gru_type=AIGRU fails in FuxiCTR's own forward pass.


def fake_missing_modules():
    """FuxiCTR's package __init__ imports its data pipeline (polars, keras_preprocessing); the
    model code never calls it, so empty stand-ins are enough where the real ones are missing."""
    for name, attrs in [("polars", []), ("keras_preprocessing", []),
                        ("keras_preprocessing.sequence", ["pad_sequences"])]:
        try:
            __import__(name)
        except ImportError:
            module = types.ModuleType(name)
            for attr in attrs:
                setattr(module, attr, lambda *a, **k: (_ for _ in ()).throw(NotImplementedError(name)))
            sys.modules[name] = module


def feature_map_json(dataset=DATASET, negatives=False):
    def cat(name, vocab, source):
        return {name: {"source": source, "type": "categorical", "padding_idx": 0, "vocab_size": vocab}}

    def seq(name, share, vocab, source):
        return {name: {"source": source, "type": "sequence", "share_embedding": share, "padding_idx": 0,
                       "max_len": MAX_LEN, "vocab_size": vocab, "feature_encoder": None}}

    # vocab = padding 0 + ids + FuxiCTR's __OOV__ row
    features = [cat("item_id", N_ITEMS + 2, "item"), cat("cate_id", N_CATES + 2, "item"),
                seq("click_history", "item_id", N_ITEMS + 2, "user"),
                seq("cate_history", "cate_id", N_CATES + 2, "user")]
    if negatives:
        features += [seq("neg_click_history", "item_id", N_ITEMS + 2, "user"),
                     seq("neg_cate_history", "cate_id", N_CATES + 2, "user")]
    return {"dataset_id": dataset, "num_fields": len(features), "total_features": 2 * (N_ITEMS + N_CATES + 4),
            "input_length": 2 + (len(features) - 2) * MAX_LEN, "labels": ["label"], "features": features}


def model_config(extra):
    config = dict(model="DIN", dataset_id=DATASET, loss="binary_crossentropy", metrics=["logloss", "AUC"],
                  task="binary_classification", optimizer="adam", learning_rate=1.0e-3,
                  embedding_regularizer=0, net_regularizer=0, batch_size=8, embedding_dim=EMB,
                  dnn_hidden_units=[12, 6], attention_hidden_units=[16, 8],
                  attention_output_activation=None, attention_dropout=0,
                  din_target_field=[["item_id", "cate_id"]],
                  din_sequence_field=[["click_history", "cate_history"]],
                  net_dropout=0, batch_norm=False, epochs=1, shuffle=True, seed=2019, monitor="AUC",
                  monitor_mode="max")
    config.update(extra)
    return config


def dien_config(extra):
    config = dict(model="DIEN", dataset_id=DIEN_DATASET, loss="binary_crossentropy", metrics=["logloss", "AUC"],
                  task="binary_classification", optimizer="adam", learning_rate=1.0e-3,
                  embedding_regularizer=0, net_regularizer=0, batch_size=8, embedding_dim=EMB,
                  dnn_hidden_units=[12, 6], dnn_activations="ReLU",
                  dien_target_field=[["item_id", "cate_id"]],
                  dien_sequence_field=[["click_history", "cate_history"]],
                  dien_neg_seq_field=[["neg_click_history", "neg_cate_history"]],
                  attention_type="bilinear_attention", use_attention_softmax=True, aux_loss_alpha=0,
                  net_dropout=0, epochs=1, shuffle=True, seed=2019, monitor="AUC", monitor_mode="max")
    config.update(extra)
    return config


def randomize(model, g):
    """Random parameters and BatchNorm statistics; padding rows (padding_idx=0) stay zero."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
        for name, m in model.named_modules():
            if isinstance(m, torch.nn.Embedding) and m.padding_idx is not None:
                m.weight[m.padding_idx].zero_()
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.3)
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def batch(g, lengths, with_empty):
    """Histories of the given lengths (post padding), one candidate per row."""
    if with_empty:
        lengths = lengths + [0]
    B = len(lengths)
    hist_len = torch.tensor(lengths, dtype=torch.int64)
    valid = torch.arange(MAX_LEN)[None, :] < hist_len[:, None]
    hist_items = torch.randint(1, N_ITEMS + 1, (B, MAX_LEN), generator=g) * valid
    hist_cates = (hist_items % N_CATES + 1) * valid
    cand_items = torch.randint(1, N_ITEMS + 1, (B, 1), generator=g)
    cand_cates = cand_items % N_CATES + 1
    return dict(hist_items=hist_items, hist_cates=hist_cates, hist_len=hist_len, cand_items=cand_items,
                cand_cates=cand_cates)


def write_configs(name, dataset, negatives, configs):
    fmap_path = os.path.join(OUT, "feature_map" + name + ".json")
    with open(fmap_path, "w") as f:
        json.dump(feature_map_json(dataset, negatives), f, indent=4)
    yaml_path = os.path.join(OUT, "model_config" + name + ".yaml")
    with open(yaml_path, "w") as f:
        yaml.safe_dump(configs, f, sort_keys=False)
    return fmap_path, yaml_path


def build_peer(cls, expid, yaml_path, fmap_path, dataset, pair_keys):
    """The model as FuxiCTR's run_expid builds it: params from the YAML, the feature map loaded."""
    from fuxictr.features import FeatureMap
    with open(yaml_path) as f:
        params = yaml.safe_load(f)[expid]
    for key in pair_keys:
        params[key] = [tuple(x) for x in params[key]]
    feature_map = FeatureMap(dataset, OUT)
    feature_map.load(fmap_path, params)
    torch.manual_seed(2019)
    model = cls(feature_map, model_id=expid, gpu=-1, model_root="/tmp/fuxictr-peer-ckpt", verbose=0,
                **{k: v for k, v in params.items() if k != "model"})
    return model, params


def save_case(expid, model, b, model_name):
    logits, probs = run_peer(model, b)
    tensors = {k: v.to(torch.int32) for k, v in b.items()}
    tensors["expected.logits"] = logits.float()
    tensors["expected.probs"] = probs.float()
    save_safetensors(os.path.join(OUT, expid + "_batch.safetensors"), tensors,
                     {"peer": "fuxictr", "expid": expid, "model": model_name})
    print(expid, "logits", logits.flatten().tolist())


def run_peer(model, b):
    """FuxiCTR's forward on its own input dict; the logit is the output sigmoid's input."""
    captured = {}
    last_linear = [m for m in model.dnn.mlp if isinstance(m, torch.nn.Linear)][-1]
    def keep(module, inputs, output):  # returns None: a hook's return value would replace the output
        captured["logit"] = output.detach().clone()
    hook = last_linear.register_forward_hook(keep)
    inputs = {"item_id": b["cand_items"][:, 0], "cate_id": b["cand_cates"][:, 0],
              "click_history": b["hist_items"], "cate_history": b["hist_cates"]}
    if "neg_click_history" in model.feature_map.features:  # DIEN embeds them (aux loss off: unused)
        inputs["neg_click_history"] = b["hist_items"]
        inputs["neg_cate_history"] = b["hist_cates"]
    with torch.no_grad():
        probs = model(inputs)["y_pred"].reshape(-1, 1)
    hook.remove()
    return captured["logit"].reshape(-1, 1), probs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fuxictr-src", required=True)
    args = ap.parse_args()
    fake_missing_modules()
    sys.path.insert(0, args.fuxictr_src)
    sys.path.insert(0, os.path.join(args.fuxictr_src, "model_zoo", "DIN", "src"))
    sys.path.insert(0, os.path.join(args.fuxictr_src, "model_zoo", "DIEN", "src"))
    from DIN import DIN
    from DIEN import DIEN

    os.makedirs(OUT, exist_ok=True)
    fmap_path, yaml_path = write_configs("", DATASET, False,
                                         {expid: model_config(extra) for expid, extra in DIN_EXPERIMENTS})
    for n, (expid, _) in enumerate(DIN_EXPERIMENTS):
        model, params = build_peer(DIN, expid, yaml_path, fmap_path, DATASET,
                                   ["din_target_field", "din_sequence_field"])
        randomize(model, torch.Generator().manual_seed(900 + n))
        model.eval()
        torch.save(model.state_dict(), os.path.join(OUT, expid + ".model"))
        b = batch(torch.Generator().manual_seed(910 + n), [1, MAX_LEN, 3, 5], params["din_use_softmax"])
        save_case(expid, model, b, "din")

    fmap_path, yaml_path = write_configs("_dien", DIEN_DATASET, True,
                                         {expid: dien_config(extra) for expid, extra in DIEN_EXPERIMENTS})
    for n, (expid, _) in enumerate(DIEN_EXPERIMENTS):
        model, params = build_peer(DIEN, expid, yaml_path, fmap_path, DIEN_DATASET,
                                   ["dien_target_field", "dien_sequence_field", "dien_neg_seq_field"])
        randomize(model, torch.Generator().manual_seed(950 + n))
        model.eval()
        torch.save(model.state_dict(), os.path.join(OUT, expid + ".model"))
        # FuxiCTR's DIEN runs the GRUs on the non-empty rows only, so an empty history is allowed
        b = batch(torch.Generator().manual_seed(960 + n), [1, MAX_LEN, 3, 5], True)
        save_case(expid, model, b, "dien")


if __name__ == "__main__":
    main()
