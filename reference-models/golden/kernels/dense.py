"""Goldens for the dense family: ``linear`` is ``torch.nn.functional.linear`` (y = x W^T + b)."""
import torch
import torch.nn.functional as F

from seqrec_golden import f64, generator, save_case, uniform


def main():
    for case, (rows, inp, out, bias, seed) in {
        "linear_tiny": (2, 3, 2, True, 1),
        "linear_awkward": (17, 65, 33, True, 2),
        "linear_no_bias": (7, 16, 15, False, 3),
        "linear_paper": (100, 64, 192, True, 4),
    }.items():
        g = generator(seed)
        x = uniform(g, rows, inp)
        w = uniform(g, out, inp)
        b = uniform(g, out) if bias else None
        y = F.linear(f64(x), f64(w), f64(b) if bias else None)
        inputs = {"x": x, "weight": w}
        if bias:
            inputs["bias"] = b
        save_case("dense", case, "linear", inputs, {"y": y}, source="torch.nn.functional.linear")


if __name__ == "__main__":
    main()
