"""Adds request_time [B] (each user's last action time, 0 for an empty history) to batch files that
carry hist_times without one: seqrec's batch format pairs hist_times with request_time, and
PinnerFormer (which does not read a request time) was generated without it.

    /usr/bin/python3 reference-models/golden/models/add_request_time.py \
        reference-models/src/test/resources/golden/models/pinnerformer/batch_*.safetensors
"""
import json
import struct
import sys

FORMATS = {"I64": "q", "I32": "i", "F32": "f"}


def values(header, data, name):
    meta = header[name]
    start, end = meta["data_offsets"]
    fmt = FORMATS[meta["dtype"]]
    return list(struct.unpack("<%d%s" % ((end - start) // struct.calcsize(fmt), fmt), data[start:end])), meta["shape"]


def add_request_time(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
    if "request_time" in header or "hist_times" not in header:
        return
    times, (users, slots) = values(header, data, "hist_times")
    lengths, _ = values(header, data, "hist_len")
    request = [times[u * slots + lengths[u] - 1] if lengths[u] > 0 else 0 for u in range(users)]
    out, rebuilt = bytearray(), {}
    if "__metadata__" in header:
        rebuilt["__metadata__"] = header["__metadata__"]
    tensors = sorted((k, v) for k, v in header.items() if k != "__metadata__")
    for name, meta in sorted(tensors, key=lambda kv: kv[1]["data_offsets"][0]):
        start, end = meta["data_offsets"]
        offset = len(out)
        out += data[start:end]
        rebuilt[name] = {"dtype": meta["dtype"], "shape": meta["shape"], "data_offsets": [offset, len(out)]}
    offset = len(out)
    out += struct.pack("<%dq" % users, *request)
    rebuilt["request_time"] = {"dtype": "I64", "shape": [users], "data_offsets": [offset, len(out)]}
    head = json.dumps(rebuilt, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    open(path, "wb").write(struct.pack("<Q", len(head)) + head + bytes(out))


if __name__ == "__main__":
    for p in sys.argv[1:]:
        add_request_time(p)
