"""Writes the small torch.save fixtures TorchCheckpoint is tested on, each with its expected
tensors as safetensors, under src/test/resources/torch/:

  linear_embedding_gru.pth   a bare state dict (nn.Linear + nn.Embedding + nn.GRU)
  dtypes.pth                 float64, float16, bfloat16, int64, int32, uint8, bool, a 0-d and an empty tensor
  views.pth                  a transposed, a strided slice and a row view, saved as views
  recbole_style.pth          {'config', 'epoch', 'cur_step', 'best_valid_score', 'state_dict',
                             'other_parameter', 'optimizer'} as RecBole saves it
  whole_module.pth           torch.save(model): classes pickled by reference
  legacy.pth                 _use_new_zipfile_serialization=False (refused by the reader)

Run with /usr/bin/python3 (torch >= 1.6) from anywhere: python3 reference-models/golden/torch_checkpoints.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seqrec_golden import save_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "torch")


class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(5, 4, padding_idx=0)
        self.gru = torch.nn.GRU(4, 3, batch_first=True)
        self.out = torch.nn.Linear(3, 2)

    def forward(self, x):
        h, _ = self.gru(self.emb(x))
        return self.out(h[:, -1])


def save(name, obj, expected, **kwargs):
    torch.save(obj, os.path.join(OUT, name + ".pth"), **kwargs)
    if expected is not None:
        save_safetensors(os.path.join(OUT, name + ".safetensors"), expected)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(18)
    net = TinyNet().eval()
    sd = net.state_dict()
    save("linear_embedding_gru", sd, dict(sd))

    dtypes = {
        "f64": torch.randn(2, 3, dtype=torch.float64),
        "f16": torch.randn(3).half(),
        "bf16": torch.randn(2, 2).bfloat16(),
        "i64": torch.tensor([[1, -2], [3, 2**40]], dtype=torch.int64),
        "i32": torch.tensor([7, -8, 9], dtype=torch.int32),
        "u8": torch.tensor([0, 200, 255], dtype=torch.uint8),
        "mask": torch.tensor([True, False, True, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    save("dtypes", dtypes, dict(dtypes))

    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    big = torch.randn(4, 6)
    views = {
        "transposed": base.t(),
        "sliced": big[1:, ::2],
        "row": big[2],
        "base": base,
    }
    assert not views["transposed"].is_contiguous() and not views["sliced"].is_contiguous()
    save("views", views, {k: v.contiguous() for k, v in views.items()})

    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(torch.tensor([[1, 2, 3]])).sum().backward()
    opt.step()
    checkpoint = {
        "config": {"model": "GRU4Rec", "embedding_size": 4, "hidden_size": 3, "dropout_prob": 0.0,
                   "loss_type": "CE", "MAX_ITEM_LIST_LENGTH": 50, "topk": [10, 20], "seed": 2020,
                   "reproducibility": True, "neg_sampling": None, "eval_args": {"split": {"LS": "valid_and_test"},
                   "order": "TO", "mode": ("full", "uni100")}},
        "epoch": 3,
        "cur_step": 120,
        "best_valid_score": 0.25,
        "state_dict": net.state_dict(),
        "other_parameter": None,
        "optimizer": opt.state_dict(),
    }
    save("recbole_style", checkpoint, dict(net.state_dict()))

    whole = TinyNet().eval()
    save("whole_module", whole, dict(whole.state_dict()))

    save("legacy", {"w": torch.ones(2)}, None, _use_new_zipfile_serialization=False)


if __name__ == "__main__":
    main()
