"""Writes the safetensors reader's cross-check fixture (not a kernel golden):
/usr/bin/python3 reference-models/golden/safetensors_fixture.py

``src/test/resources/safetensors/all_dtypes.safetensors`` holds one small tensor of every dtype
seqrec reads, written by ``seqrec_golden.save_safetensors`` from PyTorch tensors, with the values
SafeTensorsTest expects. Values are exactly representable in every dtype they are stored in.
"""
import os

import torch

from seqrec_golden import save_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "test", "resources", "safetensors", "all_dtypes.safetensors")


def main():
    floats = torch.tensor([[0.5, -1.25, 3.0], [65504.0, -0.0, 2.0 ** -14]], dtype=torch.float64)
    tensors = {
        "f32": floats.to(torch.float32),
        "f16": floats.to(torch.float16),
        "bf16": torch.tensor([[0.5, -1.25, 3.0], [65536.0, -0.0, 2.0 ** -14]]).to(torch.bfloat16),
        "f64": floats,
        "i64": torch.tensor([-(2 ** 40), -1, 0, 2 ** 40], dtype=torch.int64),
        "i32": torch.tensor([[-(2 ** 31), -1], [0, 2 ** 31 - 1]], dtype=torch.int32),
        "u8": torch.tensor([0, 1, 127, 128, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True], dtype=torch.bool),
        "scalar": torch.tensor(7.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }
    save_safetensors(OUT, tensors, {"source": "safetensors_fixture.py", "note": "héllo \"quoted\"\n"})
    print(os.path.relpath(OUT))


if __name__ == "__main__":
    main()
