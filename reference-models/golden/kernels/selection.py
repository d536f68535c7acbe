"""Goldens for the selection family (seqrec ``TopK`` and ``CategoryFilter``).

top_k: torch.topk does not specify the order of equal scores, so the expectation applies seqrec's
rule explicitly (MODELS.md): higher score first, equal scores by lower index, i.e. a stable sort of
-score (torch.sort(stable=True)), of which the first k are kept. Each case also checks that the
kept values equal torch.topk's values. ``k >= n`` returns all n sorted. An optional ``valid``
parameter restricts the selection to the first ``valid`` scores of each row.

filter_category: the positions (ascending) whose category equals the target, torch.nonzero
(SIM hard search).
"""
import torch

from seqrec_golden import generator, save_case, uniform

FAMILY = "selection"


def stable_top_k(scores, k):
    """Top-k along the last axis with ties broken by lower index (stable sort of -scores)."""
    k = min(k, scores.shape[-1])
    order = torch.sort(-scores, dim=-1, stable=True).indices[..., :k]
    values = torch.gather(scores, -1, order)
    if scores.shape[-1] > 0:
        assert torch.equal(values, torch.topk(scores, k, dim=-1, sorted=True).values)
    return values, order


def save_top_k(case, scores, k, source, valid=None):
    used = scores if valid is None else scores[..., :valid]
    values, indices = stable_top_k(used.to(torch.float64), k)
    params = {"k": k}
    if valid is not None:
        params["valid"] = valid
    save_case(FAMILY, case, "top_k", {"scores": scores}, {"values": values, "indices": indices.to(torch.int64)},
              source=source, **params)


def top_k_cases():
    save_top_k("top_k_tiny_ties", torch.tensor([3.0, 1.0, 3.0, 2.0, 5.0]), 3,
               "torch.sort(-scores, stable=True)[:k]: equal scores keep the lower index first")
    save_top_k("top_k_k_above_n", torch.tensor([0.5, -1.0, 2.0, 0.5]), 10, "k >= n: all n, sorted, stable")
    save_top_k("top_k_signed_zero_inf", torch.tensor([0.0, -0.0, float("-inf"), float("inf"), -0.0, 1.0]), 4,
               "-0.0 == 0.0 ties by index; infinities are ordinary scores")
    g = generator(1)
    ties = torch.randint(0, 4, (3, 1000), generator=g).to(torch.float32) - 1.5
    save_top_k("top_k_rows_heavy_ties", ties, 50, "one stable top-k per row, 4 distinct scores")
    g = generator(2)
    save_top_k("top_k_rows_awkward", uniform(g, 7, 65), 17, "one stable top-k per row")
    g = generator(3)
    save_top_k("top_k_gsu", uniform(g, 10000), 100, "SIM/TWIN GSU: top-100 of 10000 behaviour scores")
    g = generator(4)
    save_top_k("top_k_valid_prefix", uniform(g, 2, 64), 10, "top-k of the first valid = 20 scores per row", valid=20)
    save_top_k("top_k_empty", torch.zeros(0), 5, "n = 0: nothing selected")


def filter_cases():
    for case, (categories, target) in {
        "filter_category_tiny": (torch.tensor([3, 1, 3, 0, 0, 3, 2, 3]), 3),
        "filter_category_zero_target": (torch.tensor([0, 5, 0, 0, 7, 1, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]), 0),
        "filter_category_no_match": (torch.tensor([1, 2, 3, 4]), 9),
        "filter_category_empty": (torch.zeros(0, dtype=torch.int64), 1),
    }.items():
        positions = torch.nonzero(categories == target).flatten().to(torch.int64)
        save_case(FAMILY, case, "filter_category", {"categories": categories}, {"positions": positions},
                  source="torch.nonzero(categories == target)", target=target)
    g = generator(5)
    categories = torch.randint(0, 20, (1000,), generator=g, dtype=torch.int64)
    positions = torch.nonzero(categories == 7).flatten().to(torch.int64)
    save_case(FAMILY, "filter_category_sim", "filter_category", {"categories": categories}, {"positions": positions},
              source="torch.nonzero(categories == target): SIM hard search over 1000 behaviours, 20 categories",
              target=7)


def main():
    top_k_cases()
    filter_cases()


if __name__ == "__main__":
    main()
