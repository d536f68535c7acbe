"""Goldens for the convolution family, all from PyTorch's own modules in float64:

* ``causal_conv1d`` / ``causal_conv1d_last``: ``nn.Conv1d(C_in, C_out, k, dilation=r)`` applied to the
  sequence left-padded with ``(k-1) r`` zeros (NextItNet's causal convolution; the ``_last`` op is the last
  output row only). The empty sequence has no output rows.
* ``caser_horizontal``: Caser's ``conv_h`` (graytowne/caser_pytorch ``caser.py``): for every height h an
  ``nn.Conv2d(1, nh, (h, d))`` on the ``1 x 1 x L x d`` image, the activation, then ``F.max_pool1d`` over the
  whole time axis, concatenated over the heights (ascending).
* ``caser_vertical``: Caser's ``conv_v = nn.Conv2d(1, nv, (L, 1))``, output ``nv x d`` (no activation).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from seqrec_golden import f64, generator, save_case, uniform

ACTIVATIONS = {
    "identity": lambda t: t,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}


def causal_conv1d(x, w, b, dilation):
    """x: [L, C_in] float32, w: [C_out, C_in, k], b: [C_out] or None -> [L, C_out] float64."""
    length = x.shape[0]
    c_out, c_in, k = w.shape
    if length == 0:
        return torch.zeros(0, c_out, dtype=torch.float64)
    conv = nn.Conv1d(c_in, c_out, k, dilation=dilation, bias=b is not None).double()
    with torch.no_grad():
        conv.weight.copy_(f64(w))
        if b is not None:
            conv.bias.copy_(f64(b))
        padded = F.pad(f64(x).t().unsqueeze(0), ((k - 1) * dilation, 0))  # [1, C_in, (k-1) r + L]
        return conv(padded)[0].t()


def caser_horizontal(e, weights, biases, activation):
    """e: [L, d]; weights: {h: [nh, 1, h, d]}, biases: {h: [nh]} -> [len(weights) * nh] float64."""
    length, d = e.shape
    image = f64(e).view(1, 1, length, d)
    pooled = []
    for h in sorted(weights):
        nh = weights[h].shape[0]
        conv = nn.Conv2d(1, nh, (h, d)).double()
        with torch.no_grad():
            conv.weight.copy_(f64(weights[h]))
            conv.bias.copy_(f64(biases[h]))
            conv_out = ACTIVATIONS[activation](conv(image).squeeze(3))  # [1, nh, L - h + 1]
            pooled.append(F.max_pool1d(conv_out, conv_out.size(2)).squeeze(2))  # [1, nh]
    return torch.cat(pooled, 1)[0]


def caser_vertical(e, w, b):
    """e: [L, d], w: [nv, 1, L, 1], b: [nv] or None -> [nv, d] float64."""
    length, d = e.shape
    nv = w.shape[0]
    conv = nn.Conv2d(1, nv, (length, 1), bias=b is not None).double()
    with torch.no_grad():
        conv.weight.copy_(f64(w))
        if b is not None:
            conv.bias.copy_(f64(b))
        return conv(f64(e).view(1, 1, length, d)).view(nv, d)


def main():
    for case, (length, c_in, c_out, k, dilation, bias, seed) in {
        "causal_conv1d_tiny": (4, 2, 3, 2, 1, True, 1),
        "causal_conv1d_awkward": (17, 7, 15, 3, 2, False, 2),
        "causal_conv1d_short": (3, 5, 4, 3, 4, True, 3),  # L = 3 < receptive field 9
        "causal_conv1d_single": (1, 8, 8, 3, 1, True, 4),
        "causal_conv1d_empty": (0, 3, 2, 3, 2, True, 5),
        "causal_conv1d_nextitnet": (50, 64, 64, 3, 8, True, 6),
    }.items():
        g = generator(seed)
        x = uniform(g, length, c_in)
        w = uniform(g, c_out, c_in, k)
        b = uniform(g, c_out) if bias else None
        inputs = {"x": x, "weight": w}
        if bias:
            inputs["bias"] = b
        save_case("convolution", case, "causal_conv1d", inputs, {"y": causal_conv1d(x, w, b, dilation)},
                  source="torch.nn.Conv1d(dilation=r) on F.pad(x, ((k-1) r, 0))", dilation=dilation)

    for case, (length, c_in, c_out, k, dilation, seed) in {
        "causal_conv1d_last_nextitnet": (100, 64, 64, 3, 4, 7),
        "causal_conv1d_last_short": (2, 3, 5, 3, 2, 8),
    }.items():
        g = generator(seed)
        x = uniform(g, length, c_in)
        w = uniform(g, c_out, c_in, k)
        b = uniform(g, c_out)
        save_case("convolution", case, "causal_conv1d_last", {"x": x, "weight": w, "bias": b},
                  {"y": causal_conv1d(x, w, b, dilation)[-1]},
                  source="last row of torch.nn.Conv1d(dilation=r) on F.pad(x, ((k-1) r, 0))", dilation=dilation)

    for case, (length, d, nh, heights, activation, seed) in {
        "caser_horizontal_tiny": (3, 2, 2, None, "relu", 11),
        "caser_horizontal_paper": (5, 50, 16, None, "relu", 12),  # official defaults: L=5, d=50, nh=16
        "caser_horizontal_recbole": (8, 64, 8, None, "relu", 13),
        "caser_horizontal_identity": (4, 7, 3, None, "identity", 14),
        "caser_horizontal_tanh": (6, 5, 5, None, "tanh", 15),
        "caser_horizontal_sigmoid": (3, 17, 17, None, "sigmoid", 16),
        "caser_horizontal_l1": (1, 16, 4, None, "relu", 17),
        "caser_horizontal_one_height": (7, 9, 5, [3], "relu", 18),
    }.items():
        g = generator(seed)
        e = uniform(g, length, d)
        heights = heights or list(range(1, length + 1))
        weights = {h: uniform(g, nh, 1, h, d) for h in heights}
        biases = {h: uniform(g, nh) for h in heights}
        inputs = {"e": e}
        for h in heights:
            inputs[f"weight_{h}"] = weights[h]
            inputs[f"bias_{h}"] = biases[h]
        save_case("convolution", case, "caser_horizontal", inputs,
                  {"o_h": caser_horizontal(e, weights, biases, activation)},
                  source="caser.py conv_h: nn.Conv2d(1, nh, (h, d)), activation, F.max_pool1d over time, cat",
                  activation=activation)

    for case, (length, d, nv, bias, seed) in {
        "caser_vertical_tiny": (2, 3, 2, True, 21),
        "caser_vertical_paper": (5, 50, 4, True, 22),
        "caser_vertical_recbole": (10, 64, 4, True, 23),
        "caser_vertical_l1_no_bias": (1, 7, 3, False, 24),
    }.items():
        g = generator(seed)
        e = uniform(g, length, d)
        w = uniform(g, nv, 1, length, 1)
        b = uniform(g, nv) if bias else None
        inputs = {"e": e, "weight": w}
        if bias:
            inputs["bias"] = b
        save_case("convolution", case, "caser_vertical", inputs, {"o_v": caser_vertical(e, w, b)},
                  source="caser.py conv_v: nn.Conv2d(1, nv, (L, 1))")


if __name__ == "__main__":
    main()
