"""DeepCTR-Torch parity fixtures: DeepCTR-Torch's own DIN and DIEN, built, saved and run by its code.

    /usr/bin/python3 reference-models/golden/interop/deepctr_peer.py --deepctr-src /tmp/peers/DeepCTR-Torch

DeepCTR-Torch is not vendored: the script imports it from --deepctr-src. Per variant it writes to
``src/test/resources/interop/deepctr-torch/``:
* ``<variant>.pth``: ``torch.save(model.state_dict(), ...)``, as DeepCTR-Torch's examples do;
* ``<variant>_batch.safetensors``: the batch in seqrec's names (``hist_items, hist_cates,
  hist_len`` [B, L] / [B], ``cand_items, cand_cates`` [B, 1]) and the peer's outputs,
  ``expected.logits`` (the input of its PredictionLayer's sigmoid, bias included) and
  ``expected.probs`` (the model's output); metadata ``peer_options``: the constructor arguments
  the state dict does not record, as ``key=value,...`` for ``seqrec import -P``.

Features: SparseFeat item_id and cate_id, VarLenSparseFeat hist_item_id / hist_cate_id sharing
their tables, length column seq_length. Parameters and BatchNorm statistics are drawn at random
after construction (DeepCTR-Torch's tables have no padding row, so row 0 is random too; the
attention cells' zero-initialised biases are random too, AUGRUCell's tied bias_ih/bias_hh as one).
DIEN (use_negsampling=False, so no auxiliary net): histories of lengths 1, max and in between, and
an empty one (DeepCTR-Torch's DIEN takes empty rows beside non-empty ones and gives them h' = 0).
"""
import argparse
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from seqrec_golden import save_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src", "test", "resources", "interop",
                   "deepctr-torch")

N_ITEMS, N_CATES, MAX_LEN, D_ITEM, D_CATE = 30, 6, 8, 4, 3

# (variant, DIN arguments). dnn_activation='dice' is left out: DeepCTR-Torch's DNN builds Dice
# for 3-D input (dice_dim=3) and DIN feeds it 2-D rows, so that model cannot run there.
DIN_VARIANTS = [
    ("din_dice", dict(att_activation="Dice", dnn_activation="relu", att_weight_normalization=False)),
    ("din_dice_norm", dict(att_activation="Dice", dnn_activation="relu", att_weight_normalization=True)),
    ("din_relu", dict(att_activation="relu", dnn_activation="relu", att_weight_normalization=False)),
    ("din_sigmoid_norm", dict(att_activation="sigmoid", dnn_activation="sigmoid", att_weight_normalization=True)),
]

# (variant, DIEN arguments); dnn_activation='dice' is left out for the reason above.
DIEN_VARIANTS = [
    ("dien_augru_dice_norm", dict(gru_type="AUGRU", att_activation="Dice", dnn_activation="relu",
                                  att_weight_normalization=True)),
    ("dien_augru_relu", dict(gru_type="AUGRU", att_activation="relu", dnn_activation="sigmoid",
                             att_weight_normalization=False)),
    ("dien_agru_sigmoid_norm", dict(gru_type="AGRU", att_activation="sigmoid", dnn_activation="relu",
                                    att_weight_normalization=True)),
    ("dien_aigru_dice_norm", dict(gru_type="AIGRU", att_activation="Dice", dnn_activation="relu",
                                  att_weight_normalization=True)),
]


def fake_missing_modules():
    """basemodel.py imports Keras' CallbackList from TensorFlow for fit(); scoring never calls
    it, so an empty stand-in is enough where TensorFlow is missing."""
    try:
        import tensorflow  # noqa: F401
        return
    except ImportError:
        pass
    for name in ["tensorflow", "tensorflow.python", "tensorflow.python.keras",
                 "tensorflow.python.keras.callbacks"]:
        sys.modules[name] = types.ModuleType(name)
    callbacks = sys.modules["tensorflow.python.keras.callbacks"]
    for name in ["CallbackList", "Callback", "EarlyStopping", "ModelCheckpoint", "History"]:
        setattr(callbacks, name, type(name, (), {}))


def randomize(model, g):
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
        for _, m in model.named_modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.3)
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def batch(g, lengths):
    B = len(lengths)
    hist_len = torch.tensor(lengths, dtype=torch.int64)
    valid = torch.arange(MAX_LEN)[None, :] < hist_len[:, None]
    hist_items = torch.randint(1, N_ITEMS + 1, (B, MAX_LEN), generator=g) * valid
    hist_cates = (hist_items % N_CATES + 1) * valid
    cand_items = torch.randint(1, N_ITEMS + 1, (B, 1), generator=g)
    cand_cates = cand_items % N_CATES + 1
    return dict(hist_items=hist_items, hist_cates=hist_cates, hist_len=hist_len, cand_items=cand_items,
                cand_cates=cand_cates)


def run_and_save(model, variant, b, kwargs, seqrec_model, final_linear):
    """Scores batch ``b`` with DeepCTR-Torch's forward and writes ``<variant>.pth`` and the batch file."""
    model.eval()
    torch.save(model.state_dict(), os.path.join(OUT, variant + ".pth"))
    B = b["hist_len"].shape[0]
    # DeepCTR-Torch's input matrix: columns in feature_index order
    x = {"item_id": b["cand_items"], "cate_id": b["cand_cates"], "hist_item_id": b["hist_items"],
         "hist_cate_id": b["hist_cates"], "seq_length": b["hist_len"][:, None]}
    X = torch.zeros(B, max(e for _, e in model.feature_index.values()))
    for name, (start, end) in model.feature_index.items():
        X[:, start:end] = x[name].float()
    captured = {}

    def keep(module, inputs, output):  # returns None: a hook's return value would replace the output
        captured["logit"] = output.detach().clone()
    hook = final_linear.register_forward_hook(keep)
    with torch.no_grad():
        probs = model(X).reshape(-1, 1)
    hook.remove()
    # cloned in the hook: the PredictionLayer adds its bias to the final linear's output in place
    logits = captured["logit"].reshape(-1, 1) + model.out.bias.detach()
    tensors = {k: v.to(torch.int32) for k, v in b.items()}
    tensors["expected.logits"] = logits.float()
    tensors["expected.probs"] = probs.float()
    peer_options = ",".join(f"{k}={str(v).lower()}" for k, v in kwargs.items()) + f",maxlen={MAX_LEN}"
    save_safetensors(os.path.join(OUT, variant + "_batch.safetensors"), tensors,
                     {"peer": "deepctr-torch", "model": seqrec_model, "peer_options": peer_options})
    print(variant, "logits", logits.flatten().tolist())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deepctr-src", required=True)
    args = ap.parse_args()
    fake_missing_modules()
    sys.path.insert(0, args.deepctr_src)
    from deepctr_torch.inputs import SparseFeat, VarLenSparseFeat
    from deepctr_torch.models import DIEN, DIN

    os.makedirs(OUT, exist_ok=True)
    # vocabulary N + 1: id 0 is padding (DeepCTR-Torch masks it by the length column)
    columns = [SparseFeat("item_id", N_ITEMS + 1, embedding_dim=D_ITEM),
               SparseFeat("cate_id", N_CATES + 1, embedding_dim=D_CATE),
               VarLenSparseFeat(SparseFeat("hist_item_id", N_ITEMS + 1, embedding_dim=D_ITEM,
                                           embedding_name="item_id"), maxlen=MAX_LEN, length_name="seq_length"),
               VarLenSparseFeat(SparseFeat("hist_cate_id", N_CATES + 1, embedding_dim=D_CATE,
                                           embedding_name="cate_id"), maxlen=MAX_LEN, length_name="seq_length")]
    for n, (variant, kwargs) in enumerate(DIN_VARIANTS):
        model = DIN(columns, ["item_id", "cate_id"], dnn_hidden_units=(12, 6), att_hidden_size=(16, 8),
                    device="cpu", **kwargs)
        randomize(model, torch.Generator().manual_seed(800 + n))
        lengths = [1, MAX_LEN, 3, 5] + ([0] if kwargs["att_weight_normalization"] else [])
        run_and_save(model, variant, batch(torch.Generator().manual_seed(810 + n), lengths), kwargs, "din",
                     model.dnn_linear)
    for n, (variant, kwargs) in enumerate(DIEN_VARIANTS):
        model = DIEN(columns, ["item_id", "cate_id"], dnn_hidden_units=(12, 6), att_hidden_units=(16, 8),
                     device="cpu", **kwargs)
        randomize(model, torch.Generator().manual_seed(900 + n))
        lengths = [1, MAX_LEN, 3, 5, 0, 2]
        run_and_save(model, variant, batch(torch.Generator().manual_seed(910 + n), lengths), kwargs, "dien",
                     model.linear)


if __name__ == "__main__":
    main()
