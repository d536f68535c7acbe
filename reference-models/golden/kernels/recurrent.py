"""Goldens for the recurrent family (seqrec's PyTorch gate convention, MODELS.md section 0.1).

* ``gru_cell`` / ``lstm_cell``: ``torch.nn.GRUCell`` / ``torch.nn.LSTMCell``.
* ``gru_scan`` / ``lstm_scan``: ``torch.nn.GRU`` / ``torch.nn.LSTM`` (batch_first) on a
  ``pack_padded_sequence`` of the rows with length > 0 (``enforce_sorted=False``), outputs through
  ``pad_packed_sequence(total_length=T)`` (zeros at padded positions); a row of length 0 keeps its
  initial state (zeros when none is given) and its output row is all zeros.
* ``augru_cell`` / ``augru_scan``: AUGRU of DIEN (Zhou et al., "Deep Interest Evolution Network for
  Click-Through Rate Prediction", AAAI 2019, section 4.3, eq. for AUGRU:
  ``u~_t = a_t * u_t``, ``h_t = (1 - u~_t) * h_{t-1} + u~_t * h~_t``). PyTorch has no module for
  it, so it is written with ``nn.GRUCell``'s gate formulas as tensor ops (as DeepCTR-Torch's
  ``AUGRUCell``): ``r, z, n`` from ``F.linear(x, weight_ih, bias_ih)`` and
  ``F.linear(h, weight_hh, bias_hh)`` chunked in the order (r, z, n), ``n = tanh(i_n + r * h_n)``,
  and the z gate used as the paper's update gate ``u``. The script checks that the same gate
  formulas with PyTorch's update ``h' = (1 - z) n + z h`` reproduce ``nn.GRUCell`` and, in the
  masked time loop used for the scans, ``nn.GRU`` on packed sequences.
* ``agru_cell`` / ``agru_scan``: AGRU of DIEN, ``h_t = (1 - a_t) * h_{t-1} + a_t * h~_t``.

A scan's ``x`` is ``[N, T, in]``; a rank-2 ``x`` (``[T, in]``) is one history shared by all N rows
(DIEN: N candidate targets over one user's extractor states). Every expectation is computed in
float64 from the stored float32 inputs.
"""
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqrec_golden import f64, generator, save_case, uniform

DIEN = "DIEN (Zhou et al., AAAI 2019) AUGRU/AGRU eq. with nn.GRUCell gate formulas as tensor ops, MODELS.md 0.1"


def gru_weights(g, inp, hidden, bias):
    k = hidden ** -0.5  # PyTorch's default init range
    w = {"weight_ih": uniform(g, 3 * hidden, inp, low=-k, high=k),
         "weight_hh": uniform(g, 3 * hidden, hidden, low=-k, high=k)}
    if bias:
        w["bias_ih"] = uniform(g, 3 * hidden, low=-k, high=k)
        w["bias_hh"] = uniform(g, 3 * hidden, low=-k, high=k)
    return w


def lstm_weights(g, inp, hidden, bias):
    k = hidden ** -0.5
    w = {"weight_ih": uniform(g, 4 * hidden, inp, low=-k, high=k),
         "weight_hh": uniform(g, 4 * hidden, hidden, low=-k, high=k)}
    if bias:
        w["bias_ih"] = uniform(g, 4 * hidden, low=-k, high=k)
        w["bias_hh"] = uniform(g, 4 * hidden, low=-k, high=k)
    return w


def load(module, w, suffix=""):
    """Copies the stored float32 weights (as float64) into a float64 PyTorch module."""
    module = module.double()
    with torch.no_grad():
        for name, t in w.items():
            getattr(module, name + suffix).copy_(f64(t))
    return module


def gate_cell(mode, x, h, a, w):
    """One GRU-family step with nn.GRUCell's gate formulas; mode: gru (PyTorch update), augru, agru."""
    gi = F.linear(x, f64(w["weight_ih"]), f64(w["bias_ih"]) if "bias_ih" in w else None)
    gh = F.linear(h, f64(w["weight_hh"]), f64(w["bias_hh"]) if "bias_hh" in w else None)
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    if mode == "gru":
        return (1 - z) * n + z * h
    a = a.view(-1, 1)
    if mode == "augru":
        u = a * z  # paper: the z-gate value is the update (replace) gate u, scaled by attention
        return (1 - u) * h + u * n
    if mode == "agru":
        return (1 - a) * h + a * n
    raise ValueError(mode)


def masked_scan(mode, x, att, lengths, h0, w):
    """The cell over time; a row whose length has ended keeps its state; outputs zero there."""
    n_rows, steps = x.shape[0], x.shape[1]
    hidden = w["weight_hh"].shape[1]
    h = h0.clone()
    outs = torch.zeros(n_rows, steps, hidden, dtype=torch.float64)
    for t in range(steps):
        a = att[:, t] if att is not None else None
        nxt = gate_cell(mode, x[:, t], h, a, w)
        running = (t < lengths).view(-1, 1)
        h = torch.where(running, nxt, h)
        outs[:, t] = torch.where(running, nxt, torch.zeros_like(nxt))
    return h, outs


def packed_scan(module, x, lengths, h0, c0=None):
    """nn.GRU / nn.LSTM (batch_first) over the rows with length > 0 as a packed sequence."""
    n_rows, steps = x.shape[0], x.shape[1]
    hidden = module.hidden_size
    h_last = h0.clone()
    c_last = c0.clone() if c0 is not None else None
    outs = torch.zeros(n_rows, steps, hidden, dtype=torch.float64)
    idx = torch.nonzero(lengths > 0).flatten()
    if len(idx) > 0:
        packed = pack_padded_sequence(x[idx], lengths[idx], batch_first=True, enforce_sorted=False)
        if c0 is None:
            out, h_n = module(packed, h0[idx].unsqueeze(0))
        else:
            out, (h_n, c_n) = module(packed, (h0[idx].unsqueeze(0), c0[idx].unsqueeze(0)))
            c_last[idx] = c_n[0]
        padded, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
        outs[idx] = padded
        h_last[idx] = h_n[0]
    return h_last, c_last, outs


def cells():
    for case, (rows, inp, hidden, bias, seed) in {
        "gru_cell_tiny": (1, 1, 1, True, 101),
        "gru_cell_awkward": (7, 17, 15, True, 102),
        "gru_cell_no_bias": (5, 16, 17, False, 103),
        "gru_cell_dien": (8, 36, 36, True, 104),
    }.items():
        g = generator(seed)
        w = gru_weights(g, inp, hidden, bias)
        x = uniform(g, rows, inp)
        h = uniform(g, rows, hidden)
        cell = load(torch.nn.GRUCell(inp, hidden, bias=bias), w)
        with torch.no_grad():
            expected = cell(f64(x), f64(h))
        # The tensor-op gate formulas used for AUGRU/AGRU are nn.GRUCell's.
        assert torch.allclose(gate_cell("gru", f64(x), f64(h), None, w), expected, rtol=0, atol=1e-12)
        save_case("recurrent", case, "gru_cell", dict(x=x, h=h, **w), {"h_next": expected},
                  source="torch.nn.GRUCell")

    for case, (rows, inp, hidden, bias, seed) in {
        "lstm_cell_tiny": (1, 1, 1, True, 111),
        "lstm_cell_awkward": (7, 17, 15, True, 112),
        "lstm_cell_no_bias": (3, 7, 16, False, 113),
        "lstm_cell_rrn": (4, 40, 40, True, 114),
    }.items():
        g = generator(seed)
        w = lstm_weights(g, inp, hidden, bias)
        x = uniform(g, rows, inp)
        h = uniform(g, rows, hidden)
        c = uniform(g, rows, hidden, low=-2.0, high=2.0)
        cell = load(torch.nn.LSTMCell(inp, hidden, bias=bias), w)
        with torch.no_grad():
            h1, c1 = cell(f64(x), (f64(h), f64(c)))
        save_case("recurrent", case, "lstm_cell", dict(x=x, h=h, c=c, **w), {"h_next": h1, "c_next": c1},
                  source="torch.nn.LSTMCell")

    for mode in ("augru", "agru"):
        for case, (rows, inp, hidden, bias, seed, att_kind) in {
            "tiny": (1, 1, 1, True, 121, "random"),
            "awkward": (7, 17, 15, True, 122, "random"),
            "edges": (4, 16, 17, True, 123, "edges"),
            "no_bias": (5, 7, 16, False, 124, "random"),
        }.items():
            g = generator(seed)
            w = gru_weights(g, inp, hidden, bias)
            x = uniform(g, rows, inp)
            h = uniform(g, rows, hidden)
            if att_kind == "edges":
                att = torch.tensor([0.0, 1.0, 0.5, 0.0], dtype=torch.float32)  # a = 0 keeps h; a = 1
            else:
                att = uniform(g, rows, low=0.0, high=1.0)
            with torch.no_grad():
                expected = gate_cell(mode, f64(x), f64(h), f64(att), w)
            save_case("recurrent", f"{mode}_cell_{case}", f"{mode}_cell", dict(x=x, h=h, att=att, **w),
                      {"h_next": expected}, source=DIEN)


def scans():
    # (rows, steps, in, hidden, bias, lengths or None, with h0, store h_all, seed)
    gru_cases = {
        "gru_scan_awkward": (7, 9, 7, 15, True, [9, 0, 4, 9, 1, 8, 3], True, True, 201),
        "gru_scan_full": (3, 5, 16, 17, True, None, False, True, 202),
        "gru_scan_no_bias": (4, 6, 5, 7, False, [6, 2, 0, 5], False, True, 203),
        "gru_scan_one_step": (5, 1, 3, 4, True, [1, 0, 1, 1, 0], True, True, 204),
        "gru_scan_empty": (3, 4, 2, 3, True, [0, 0, 0], True, True, 205),
        "gru_scan_gru4rec": (4, 50, 32, 32, True, [50, 17, 50, 33], False, False, 206),
    }
    for case, (rows, steps, inp, hidden, bias, lengths, with_h0, store_all, seed) in gru_cases.items():
        g = generator(seed)
        w = gru_weights(g, inp, hidden, bias)
        x = uniform(g, rows, steps, inp)
        lens = torch.tensor(lengths if lengths is not None else [steps] * rows, dtype=torch.int64)
        h0 = uniform(g, rows, hidden) if with_h0 else torch.zeros(rows, hidden)
        gru = load(torch.nn.GRU(inp, hidden, bias=bias, batch_first=True), w, suffix="_l0")
        with torch.no_grad():
            h_last, _, h_all = packed_scan(gru, f64(x), lens, f64(h0))
            # The masked loop of GRUCell gate formulas (used for AUGRU/AGRU below) matches nn.GRU.
            m_last, m_all = masked_scan("gru", f64(x), None, lens, f64(h0), w)
        assert torch.allclose(m_last, h_last, rtol=0, atol=1e-12) and torch.allclose(m_all, h_all, rtol=0, atol=1e-12)
        inputs = dict(x=x, **w)
        if lengths is not None:
            inputs["lengths"] = lens
        if with_h0:
            inputs["h0"] = h0
        expected = {"h_last": h_last}
        if store_all:
            expected["h_all"] = h_all
        save_case("recurrent", case, "gru_scan", inputs, expected,
                  source="torch.nn.GRU(batch_first=True) on pack_padded_sequence(enforce_sorted=False)")

    lstm_cases = {
        "lstm_scan_awkward": (6, 8, 17, 15, True, [8, 0, 3, 8, 1, 5], True, True, 211),
        "lstm_scan_full": (3, 5, 7, 16, False, None, False, True, 212),
        "lstm_scan_rrn": (3, 20, 40, 40, True, [20, 11, 20], True, False, 213),
    }
    for case, (rows, steps, inp, hidden, bias, lengths, with_state, store_all, seed) in lstm_cases.items():
        g = generator(seed)
        w = lstm_weights(g, inp, hidden, bias)
        x = uniform(g, rows, steps, inp)
        lens = torch.tensor(lengths if lengths is not None else [steps] * rows, dtype=torch.int64)
        h0 = uniform(g, rows, hidden) if with_state else torch.zeros(rows, hidden)
        c0 = uniform(g, rows, hidden) if with_state else torch.zeros(rows, hidden)
        lstm = load(torch.nn.LSTM(inp, hidden, bias=bias, batch_first=True), w, suffix="_l0")
        with torch.no_grad():
            h_last, c_last, h_all = packed_scan(lstm, f64(x), lens, f64(h0), f64(c0))
        inputs = dict(x=x, **w)
        if lengths is not None:
            inputs["lengths"] = lens
        if with_state:
            inputs["h0"] = h0
            inputs["c0"] = c0
        expected = {"h_last": h_last, "c_last": c_last}
        if store_all:
            expected["h_all"] = h_all
        save_case("recurrent", case, "lstm_scan", inputs, expected,
                  source="torch.nn.LSTM(batch_first=True) on pack_padded_sequence(enforce_sorted=False)")

    # (rows, steps, in, hidden, bias, lengths or None, with h0, shared history, store h_all, seed)
    att_cases = {
        "awkward": (7, 9, 7, 15, True, [9, 0, 4, 9, 1, 8, 3], True, False, True, 221),
        "shared": (5, 12, 16, 17, True, [12, 12, 7, 0, 12], False, True, True, 222),
        "dien": (10, 20, 36, 36, True, None, False, True, False, 223),
        "one_step": (3, 1, 4, 5, False, [1, 0, 1], True, False, True, 224),
    }
    for mode in ("augru", "agru"):
        for name, (rows, steps, inp, hidden, bias, lengths, with_h0, shared, store_all, seed) in att_cases.items():
            g = generator(seed)
            w = gru_weights(g, inp, hidden, bias)
            x = uniform(g, steps, inp) if shared else uniform(g, rows, steps, inp)
            lens = torch.tensor(lengths if lengths is not None else [steps] * rows, dtype=torch.int64)
            # Attention: a masked softmax over each row's valid steps (what DIEN feeds the AUGRU).
            logits = uniform(g, rows, steps, low=-2.0, high=2.0)
            valid = torch.arange(steps).view(1, -1) < lens.view(-1, 1)
            att = torch.softmax(logits.masked_fill(~valid, -1e9), dim=1) * valid
            att = att.to(torch.float32)
            h0 = uniform(g, rows, hidden) if with_h0 else torch.zeros(rows, hidden)
            xs = f64(x).unsqueeze(0).expand(rows, steps, inp) if shared else f64(x)
            with torch.no_grad():
                h_last, h_all = masked_scan(mode, xs, f64(att), lens, f64(h0), w)
            inputs = dict(x=x, att=att, **w)
            if lengths is not None:
                inputs["lengths"] = lens
            if with_h0:
                inputs["h0"] = h0
            expected = {"h_last": h_last}
            if store_all:
                expected["h_all"] = h_all
            save_case("recurrent", f"{mode}_scan_{name}", f"{mode}_scan", inputs, expected, source=DIEN)


def main():
    cells()
    scans()


if __name__ == "__main__":
    main()
