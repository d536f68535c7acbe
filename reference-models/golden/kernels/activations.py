"""Goldens for the activations family (seqrec ``Activations``).

Every expectation comes from PyTorch's own function in float64, computed from the stored float32
inputs: torch.sigmoid, torch.tanh, F.relu, F.leaky_relu, F.prelu, F.gelu (approximate 'none' and
'tanh'), F.silu, torch.softmax and torch.log_softmax. Dice has no PyTorch function: it is the DIN
paper's equation (Zhou et al., KDD 2018, "data adaptive activation function") with the batch norm
taken from an ``nn.BatchNorm1d`` module in eval mode holding the stored running statistics:
``p = sigmoid(BN(x))``, ``y = p x + (1 - p) alpha x``.

Masking rule (seqrec, MODELS.md "masked softmax"): masked positions are filled with -inf before
torch.softmax, and the NaN row that a fully masked row then produces is replaced by zeros with
torch.nan_to_num: a fully masked row (an empty history) is all zeros, never NaN. log_softmax keeps
PyTorch's -inf at masked positions; its fully masked row (NaN in PyTorch) is defined as all -inf.

Two tails are special. F.gelu's float64 kernel computes ``1 + erf(x/sqrt 2)``, which cancels to
exactly 0 below x = -8.3 (and loses digits from about -7), and F.gelu(approximate='tanh') computes
``1 + tanh(u)``, which cancels below x = -6.7. The random cases stay within [-6, 6] where both are
accurate; the separate ``*_tail`` cases take the expectation from the mathematically identical
``0.5 x erfc(-x/sqrt 2)`` (torch.special.erfc) and ``x sigmoid(2u)``, and say so in their source.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from seqrec_golden import f64, generator, save_case, uniform

FAMILY = "activations"


def unary_cases():
    tiny = torch.tensor([-80.0, -20.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 20.0, 80.0])
    for name, fn, source in (
        ("sigmoid", torch.sigmoid, "torch.sigmoid"),
        ("tanh", torch.tanh, "torch.tanh"),
        ("relu", F.relu, "torch.nn.functional.relu"),
        ("silu", F.silu, "torch.nn.functional.silu"),
    ):
        save_case(FAMILY, f"{name}_tiny", name, {"x": tiny}, {"y": fn(f64(tiny))}, source=source)
        g = generator(len(name))
        x = uniform(g, 17, 65, low=-8.0, high=8.0)
        save_case(FAMILY, f"{name}_awkward", name, {"x": x}, {"y": fn(f64(x))}, source=source)

    g = generator(3)
    x = uniform(g, 7, 63, low=-4.0, high=4.0)
    save_case(FAMILY, "leaky_relu_surge", "leaky_relu", {"x": x}, {"y": F.leaky_relu(f64(x), 0.2)},
              source="torch.nn.functional.leaky_relu(negative_slope=0.2)", negative_slope=0.2)
    save_case(FAMILY, "leaky_relu_default", "leaky_relu", {"x": x[:2]}, {"y": F.leaky_relu(f64(x[:2]))},
              source="torch.nn.functional.leaky_relu (default negative_slope=0.01)", negative_slope=0.01)


def prelu_cases():
    g = generator(4)
    x = uniform(g, 9, 17, low=-3.0, high=3.0)
    w = uniform(g, 17, low=0.0, high=0.5)
    save_case(FAMILY, "prelu_per_channel", "prelu", {"x": x, "weight": w}, {"y": F.prelu(f64(x), f64(w))},
              source="torch.nn.functional.prelu, one slope per channel (column)")
    shared = torch.tensor([0.25])
    save_case(FAMILY, "prelu_shared", "prelu", {"x": x, "weight": shared}, {"y": F.prelu(f64(x), f64(shared))},
              source="torch.nn.functional.prelu, nn.PReLU() single shared slope")


def gelu_cases():
    g = generator(5)
    x = uniform(g, 15, 64, low=-6.0, high=6.0)
    save_case(FAMILY, "gelu_awkward", "gelu", {"x": x}, {"y": F.gelu(f64(x))},
              source="torch.nn.functional.gelu(approximate='none')", approximate="none")
    save_case(FAMILY, "gelu_tanh_awkward", "gelu", {"x": x}, {"y": F.gelu(f64(x), approximate="tanh")},
              source="torch.nn.functional.gelu(approximate='tanh')", approximate="tanh")
    points = torch.tensor([-10.0, -8.0, -6.0, -1.0, 0.0, 1.0, 6.0, 10.0])
    xd = f64(points)
    exact = 0.5 * xd * torch.special.erfc(-xd / math.sqrt(2.0))
    assert torch.allclose(exact[2:], F.gelu(xd)[2:], rtol=1e-6, atol=0), "erfc form must equal F.gelu where F.gelu is exact"
    save_case(FAMILY, "gelu_tail", "gelu", {"x": points}, {"y": exact},
              source="0.5 x torch.special.erfc(-x/sqrt 2), identical to F.gelu, whose float64 1+erf cancels below -8",
              approximate="none")
    u2 = 2.0 * math.sqrt(2.0 / math.pi) * (xd + 0.044715 * xd ** 3)
    tanh_form = xd * torch.sigmoid(u2)
    assert torch.allclose(tanh_form[2:], F.gelu(xd, approximate="tanh")[2:], rtol=1e-6, atol=0)
    save_case(FAMILY, "gelu_tanh_tail", "gelu", {"x": points}, {"y": tanh_form},
              source="x torch.sigmoid(2u), identical to F.gelu(approximate='tanh'), whose 1+tanh(u) cancels below -6.7",
              approximate="tanh")


def masked_softmax(x, mask):
    """torch.softmax over the kept positions; a fully masked row gives zeros (nan_to_num)."""
    return torch.nan_to_num(torch.softmax(x.masked_fill(~mask, float("-inf")), dim=-1), nan=0.0)


def masked_log_softmax(x, mask):
    """torch.log_softmax over the kept positions; masked positions -inf, a fully masked row all -inf."""
    return torch.nan_to_num(torch.log_softmax(x.masked_fill(~mask, float("-inf")), dim=-1),
                            nan=float("-inf"), posinf=float("inf"), neginf=float("-inf"))


def softmax_cases():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    save_case(FAMILY, "softmax_tiny", "softmax", {"x": x}, {"y": torch.softmax(f64(x), dim=-1)}, source="torch.softmax")
    save_case(FAMILY, "log_softmax_tiny", "log_softmax", {"x": x}, {"y": torch.log_softmax(f64(x), dim=-1)},
              source="torch.log_softmax")

    big = torch.tensor([[80.0, -80.0, 0.0, 79.0], [1000.0, 999.0, -1000.0, 0.0]])
    save_case(FAMILY, "softmax_large_magnitude", "softmax", {"x": big}, {"y": torch.softmax(f64(big), dim=-1)},
              source="torch.softmax (max-subtracted: no overflow at |x| = 1000)")
    save_case(FAMILY, "log_softmax_large_magnitude", "log_softmax", {"x": big},
              {"y": torch.log_softmax(f64(big), dim=-1)}, source="torch.log_softmax")

    one = torch.tensor([[0.3]])
    save_case(FAMILY, "softmax_l1", "softmax", {"x": one}, {"y": torch.softmax(f64(one), dim=-1)}, source="torch.softmax")

    # Right-padded histories: valid lengths per row, including an empty history (valid = 0).
    g = generator(6)
    rows, n = 6, 65
    x = uniform(g, rows, n, low=-5.0, high=5.0)
    valid = torch.tensor([65, 1, 0, 17, 64, 33], dtype=torch.int64)
    keep = torch.arange(n).unsqueeze(0) < valid.unsqueeze(1)
    save_case(FAMILY, "softmax_valid_lengths", "softmax", {"x": x, "valid": valid}, {"y": masked_softmax(f64(x), keep)},
              source="torch.softmax(x.masked_fill(~mask, -inf)) then torch.nan_to_num(nan=0): empty row -> zeros")
    save_case(FAMILY, "log_softmax_valid_lengths", "log_softmax", {"x": x, "valid": valid},
              {"y": masked_log_softmax(f64(x), keep)},
              source="torch.log_softmax(x.masked_fill(~mask, -inf)); masked -> -inf, empty row -> all -inf")

    # Arbitrary masks, one row fully masked.
    g = generator(7)
    rows, n = 5, 50
    x = uniform(g, rows, n, low=-5.0, high=5.0)
    mask = torch.rand(rows, n, generator=g) < 0.6
    mask[2] = False
    mask[4] = True
    save_case(FAMILY, "softmax_masked", "softmax", {"x": x, "mask": mask}, {"y": masked_softmax(f64(x), mask)},
              source="torch.softmax(x.masked_fill(~mask, -inf)) then torch.nan_to_num(nan=0): fully masked row -> zeros")

    # Paper-sized: target attention over L = 1000 for 4 targets.
    g = generator(8)
    x = uniform(g, 4, 1000, low=-8.0, high=8.0)
    save_case(FAMILY, "softmax_paper", "softmax", {"x": x}, {"y": torch.softmax(f64(x), dim=-1)}, source="torch.softmax")
    save_case(FAMILY, "log_softmax_paper", "log_softmax", {"x": x}, {"y": torch.log_softmax(f64(x), dim=-1)},
              source="torch.log_softmax")

    empty = torch.zeros(0, 7)
    save_case(FAMILY, "softmax_empty", "softmax", {"x": empty}, {"y": f64(empty)}, source="torch.softmax (no rows)")


def dice(x, mean, var, weight, bias, alpha, eps):
    """Eval-mode Dice: p = sigmoid(BatchNorm1d.eval()(x)), y = p x + (1 - p) alpha x (DIN)."""
    channels = x.shape[1]
    bn = nn.BatchNorm1d(channels, eps=eps, affine=weight is not None).to(torch.float64)
    bn.running_mean.copy_(mean)
    bn.running_var.copy_(var)
    if weight is not None:
        with torch.no_grad():
            bn.weight.copy_(weight)
            bn.bias.copy_(bias)
    bn.eval()
    with torch.no_grad():
        p = torch.sigmoid(bn(x))
    return p * x + (1 - p) * alpha * x


def dice_cases():
    for case, (rows, channels, affine, eps, seed) in {
        "dice_affine": (9, 17, True, 1e-8, 9),  # DeepCTR-Torch: BatchNorm1d(eps=1e-8, affine=True)
        "dice_no_affine": (7, 64, False, 1e-9, 10),  # FuxiCTR: BatchNorm1d(affine=False, eps=1e-9)
        "dice_paper": (100, 80, True, 1e-8, 11),  # DIN's final MLP width 80
    }.items():
        g = generator(seed)
        x = uniform(g, rows, channels, low=-3.0, high=3.0)
        mean = uniform(g, channels, low=-0.5, high=0.5)
        var = uniform(g, channels, low=0.1, high=2.0)
        alpha = uniform(g, channels, low=-0.25, high=0.75)
        inputs = {"x": x, "running_mean": mean, "running_var": var, "alpha": alpha}
        weight = bias = None
        if affine:
            weight = uniform(g, channels, low=0.5, high=1.5)
            bias = uniform(g, channels, low=-0.5, high=0.5)
            inputs["weight"] = weight
            inputs["bias"] = bias
        y = dice(f64(x), f64(mean), f64(var), f64(weight) if affine else None, f64(bias) if affine else None,
                 f64(alpha), eps)
        save_case(FAMILY, case, "dice", inputs, {"y": y},
                  source="DIN Dice: sigmoid(nn.BatchNorm1d(eval, running stats)(x)) gating x and alpha x", eps=eps)


def main():
    unary_cases()
    prelu_cases()
    gelu_cases()
    softmax_cases()
    dice_cases()


if __name__ == "__main__":
    main()
