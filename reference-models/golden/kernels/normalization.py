"""Goldens for the normalization family (seqrec ``Normalization``).

Expectations are PyTorch's own functions in float64 from the stored float32 inputs:
F.layer_norm (biased variance over the last axis; weight/bias absent = no affine, as HSTU's
LayerNorm), F.batch_norm(training=False) with stored running statistics (eval-mode BatchNorm1d on
[rows, channels]), and F.normalize(p=2, dim=-1) = x / max(||x||, eps). eps is per case, as models
differ (BERT4Rec 1e-12, NextItNet 1e-8, PyTorch default 1e-5, HSTU 1e-6).
"""
import torch
import torch.nn.functional as F

from seqrec_golden import f64, generator, save_case, uniform

FAMILY = "normalization"


def layer_norm_cases():
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    save_case(FAMILY, "layer_norm_tiny", "layer_norm", {"x": x}, {"y": F.layer_norm(f64(x), (4,), eps=1e-5)},
              source="torch.nn.functional.layer_norm, no affine", eps=1e-5)
    for case, (rows, d, affine, eps, seed) in {
        "layer_norm_awkward": (17, 65, True, 1e-5, 1),  # PyTorch default eps (TransAct)
        "layer_norm_hstu": (200, 50, False, 1e-6, 2),  # HSTU: no affine, eps 1e-6, d = 50
        "layer_norm_bert4rec": (50, 64, True, 1e-12, 3),  # BERT4Rec / RecBole eps 1e-12
        "layer_norm_nextitnet": (7, 16, True, 1e-8, 4),
        "layer_norm_one_row": (1, 63, True, 1e-5, 5),
    }.items():
        g = generator(seed)
        x = uniform(g, rows, d, low=-2.0, high=3.0)
        inputs = {"x": x}
        w = b = None
        if affine:
            w = uniform(g, d, low=0.5, high=1.5)
            b = uniform(g, d, low=-0.5, high=0.5)
            inputs["weight"] = w
            inputs["bias"] = b
        y = F.layer_norm(f64(x), (d,), f64(w) if affine else None, f64(b) if affine else None, eps=eps)
        save_case(FAMILY, case, "layer_norm", inputs, {"y": y},
                  source="torch.nn.functional.layer_norm" + ("" if affine else ", no affine"), eps=eps)
    constant = torch.full((2, 8), 7.0)
    save_case(FAMILY, "layer_norm_constant_rows", "layer_norm", {"x": constant},
              {"y": F.layer_norm(f64(constant), (8,), eps=1e-6)},
              source="torch.nn.functional.layer_norm: zero variance gives zeros", eps=1e-6)


def batch_norm_cases():
    for case, (rows, channels, affine, eps, seed) in {
        "batch_norm_awkward": (17, 65, True, 1e-5, 6),
        "batch_norm_no_affine": (9, 16, False, 1e-3, 7),  # TF default eps 1e-3 (official DIN BN)
        "batch_norm_surge": (100, 64, True, 1e-4, 8),  # SURGE _fcn_net BN eps 1e-4
    }.items():
        g = generator(seed)
        x = uniform(g, rows, channels, low=-2.0, high=2.0)
        mean = uniform(g, channels, low=-0.5, high=0.5)
        var = uniform(g, channels, low=0.05, high=2.0)
        inputs = {"x": x, "running_mean": mean, "running_var": var}
        w = b = None
        if affine:
            w = uniform(g, channels, low=0.5, high=1.5)
            b = uniform(g, channels, low=-0.5, high=0.5)
            inputs["weight"] = w
            inputs["bias"] = b
        y = F.batch_norm(f64(x), f64(mean), f64(var), f64(w) if affine else None, f64(b) if affine else None,
                         training=False, eps=eps)
        save_case(FAMILY, case, "batch_norm", inputs, {"y": y},
                  source="torch.nn.functional.batch_norm(training=False)" + ("" if affine else ", no affine"), eps=eps)


def l2_normalize_cases():
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0], [3e-7, 4e-7]])
    save_case(FAMILY, "l2_normalize_tiny", "l2_normalize", {"x": x}, {"y": F.normalize(f64(x), p=2.0, dim=-1, eps=1e-6)},
              source="torch.nn.functional.normalize: zero row stays zero, norm below eps divides by eps", eps=1e-6)
    for case, (rows, d, eps, seed) in {
        "l2_normalize_awkward": (17, 65, 1e-12, 9),
        "l2_normalize_hstu": (200, 50, 1e-6, 10),
    }.items():
        g = generator(seed)
        x = uniform(g, rows, d)
        save_case(FAMILY, case, "l2_normalize", {"x": x}, {"y": F.normalize(f64(x), p=2.0, dim=-1, eps=eps)},
                  source="torch.nn.functional.normalize(p=2, dim=-1)", eps=eps)


def main():
    layer_norm_cases()
    batch_norm_cases()
    l2_normalize_cases()


if __name__ == "__main__":
    main()
