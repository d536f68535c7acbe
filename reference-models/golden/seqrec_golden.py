"""Shared helpers for seqrec's PyTorch golden generators.

Every golden case is one safetensors file holding the kernel's (or model's) inputs under their
plain names, the expected outputs under ``expected.<name>``, and string metadata:

* ``kernel``  - the ``seqrec kernel`` op name the case is checked with (or ``model`` for models),
* one entry per scalar parameter (``heads``, ``dilation``, ``k`` ...), as the CLI's ``--param``,
* ``source``  - the PyTorch module/function (or paper equation) the expectation comes from.

Expected values are computed in float64 with PyTorch's own modules and stored as float32; inputs
are float32 (the float64 computation starts from the float32 values, so both sides see the same
numbers). The writer is a few lines of standard library code because Debian's python3-torch has
no safetensors package; the format is the Hugging Face one: an 8-byte little-endian header length,
a JSON header, then raw little-endian data.
"""
import json
import os
import struct

import torch

_DTYPES = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "golden")


def save_safetensors(path, tensors, metadata=None):
    """Writes ``tensors`` (name -> torch.Tensor) to ``path`` in the safetensors format."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype not in _DTYPES:
            raise ValueError(f"{name}: unsupported dtype {t.dtype}")
        data = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


_FROM_NAME = {name: dtype for dtype, name in _DTYPES.items()}


def read_safetensors(path):
    """Reads a safetensors file (e.g. ``seqrec kernel ... --out``): returns ``(tensors, metadata)``,
    name -> torch.Tensor (copies) and the ``__metadata__`` dict (empty if none)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: {len(raw)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, info in sorted(header.items()):
        begin, end = info["data_offsets"]
        dtype = _FROM_NAME[info["dtype"]]
        chunk = bytearray(data[begin:end])  # writable copy: torch.frombuffer warns on read-only buffers
        if dtype == torch.bfloat16:
            t = torch.frombuffer(chunk, dtype=torch.int16).view(torch.bfloat16) if chunk else torch.empty(0, dtype=dtype)
        else:
            t = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, metadata


def f32(t):
    """float32 copy of a tensor (what is stored)."""
    return t.detach().to(torch.float32)


def f64(t):
    """float64 copy of a stored float32 tensor (what the expectation is computed from)."""
    return t.detach().to(torch.float32).to(torch.float64)


def save_case(family, case, kernel, inputs, expected, source, **params):
    """Writes ``golden/<family>/<case>.safetensors`` for the op ``kernel``.

    ``inputs``: name -> tensor (float tensors are stored as float32);
    ``expected``: name -> tensor (stored as float32 under ``expected.<name>``, integer dtypes kept);
    ``params``: scalar parameters, stored in the metadata as strings.
    """
    tensors = {}
    for name, t in inputs.items():
        tensors[name] = f32(t) if t.is_floating_point() else t
    for name, t in expected.items():
        tensors["expected." + name] = f32(t) if t.is_floating_point() else t
    metadata = {"kernel": kernel, "source": source}
    metadata.update(params)
    save_safetensors(os.path.join(ROOT, family, case + ".safetensors"), tensors, metadata)


def generator(seed):
    """A seeded torch.Generator: every case is reproducible from its seed."""
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def uniform(g, *shape, low=-1.0, high=1.0):
    return (torch.rand(*shape, generator=g, dtype=torch.float64) * (high - low) + low).to(torch.float32)
