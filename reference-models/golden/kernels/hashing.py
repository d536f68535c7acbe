"""Goldens for the hashing family (ETA, Chen et al. 2021, arXiv 2108.04468, section 3).

* ``simhash_planes``: the plane generator ``SimHash.planes(seed, d, m)``: ``java.util.Random(seed)``,
  plane by plane, ``R[i][k] = (float) nextGaussian()``. PyTorch has no such generator; this is the
  algorithm the Java SE API specification fixes for java.util.Random (48-bit LCG, polar method),
  written out in Python.
* ``simhash_signatures``: ``bit_k = (x @ R)_k > 0`` (FuxiCTR ETA ``lsh_hash``: argmax([-xR, xR]),
  exact 0 -> bit 0), computed in float64 with ``torch.matmul``, packed little-endian into int64
  words (bit k in word k // 64 at position k % 64) with torch bit ops.
* ``hamming_distances``: ``popcount(q XOR s_l)`` with ``torch.bitwise_xor`` and a bit-extraction
  popcount (torch 1.13 has no popcount).
* ``hamming_topk``: padding positions (>= valid) get distance m + 1 (ETA / FuxiCTR
  ``topk_retrieval``), then ``torch.sort(stable=True)`` of the distances: smaller distance first,
  ties to the lower position (seqrec's tie rule). Slots holding padding (or past L) become
  index -1, distance m + 1.

Signatures are stored as I64 tensors ``[rows, m // 64]``; distances and indices as I64.
"""
import math

import torch

from seqrec_golden import f64, generator, save_case, uniform

FAMILY = "hashing"


# ---------------------------------------------------------------------------- java.util.Random

class JavaRandom:
    """java.util.Random as its Javadoc specifies it (setSeed, next, nextDouble, nextGaussian)."""

    MULTIPLIER = 0x5DEECE66D
    MASK = (1 << 48) - 1

    def __init__(self, seed):
        self.seed = (seed ^ self.MULTIPLIER) & self.MASK
        self.next_next_gaussian = None

    def next(self, bits):
        self.seed = (self.seed * self.MULTIPLIER + 0xB) & self.MASK
        return self.seed >> (48 - bits)  # bits <= 27 here: always a non-negative int

    def next_double(self):
        return ((self.next(26) << 27) + self.next(27)) * (2.0 ** -53)

    def next_gaussian(self):
        if self.next_next_gaussian is not None:
            value, self.next_next_gaussian = self.next_next_gaussian, None
            return value
        while True:
            v1 = 2 * self.next_double() - 1
            v2 = 2 * self.next_double() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        multiplier = math.sqrt(-2 * math.log(s) / s)
        self.next_next_gaussian = v2 * multiplier
        return v1 * multiplier


def java_planes(seed, d, m):
    """SimHash.planes(seed, d, m): plane k = column k of R, entries in row order."""
    random = JavaRandom(seed)
    r = torch.zeros(d, m, dtype=torch.float32)
    for k in range(m):
        for i in range(d):
            r[i, k] = random.next_gaussian()  # float64 -> float32 rounds to nearest, as Java's (float) cast
    return r


# ---------------------------------------------------------------------------- bit helpers

BIT_POSITIONS = torch.arange(64, dtype=torch.int64)


def pack_bits(bits):
    """[..., m] bool -> [..., m // 64] int64, bit k in word k // 64 at position k % 64."""
    shape = bits.shape[:-1] + (bits.shape[-1] // 64, 64)
    b = bits.reshape(shape).to(torch.int64)
    low = (b[..., :63] << BIT_POSITIONS[:63]).sum(dim=-1)          # bits 0..62: no overflow
    high = b[..., 63] * torch.tensor(-(2 ** 63), dtype=torch.int64)  # bit 63 is the sign bit
    return torch.bitwise_or(low, high)


def popcount(words):
    """Number of set bits of int64 words, summed over the last axis."""
    bits = torch.bitwise_and(torch.bitwise_right_shift(words.unsqueeze(-1), BIT_POSITIONS), 1)
    return bits.sum(dim=(-1, -2))


def hamming(queries, signatures):
    """[B, W] x [L, W] -> [B, L] distances."""
    xor = torch.bitwise_xor(queries.unsqueeze(1), signatures.unsqueeze(0))
    return popcount(xor)


def random_words(g, *shape):
    """Uniform random int64 words (all 64 bits, the sign bit included)."""
    hi = torch.randint(0, 1 << 32, shape, generator=g, dtype=torch.int64)
    lo = torch.randint(0, 1 << 32, shape, generator=g, dtype=torch.int64)
    return torch.bitwise_or(torch.bitwise_left_shift(hi - (1 << 31), 32), lo)


def sparse_words(g, base, *shape, bits):
    """``base`` with a few random bit flips per word: small distances, many ties."""
    flips = torch.zeros(shape, dtype=torch.int64)
    for _ in range(bits):
        pos = torch.randint(0, 64, shape, generator=g, dtype=torch.int64)
        on = torch.randint(0, 2, shape, generator=g, dtype=torch.int64).bool()
        one_hot = torch.where(pos == 63, torch.tensor(-(2 ** 63)), torch.bitwise_left_shift(torch.ones_like(pos), pos))
        flips = torch.where(on, torch.bitwise_or(flips, one_hot), flips)
    return torch.bitwise_xor(base, flips)


def check_packing():
    """Self-check of the packing and popcount helpers on hand-made words."""
    bits = torch.zeros(2, 128, dtype=torch.bool)
    bits[0, 0] = bits[0, 63] = bits[1, 64 + 1] = True
    packed = pack_bits(bits)
    assert packed.tolist() == [[1 - 2 ** 63, 0], [0, 2]], packed
    assert popcount(packed).tolist() == [2, 1]
    assert popcount(torch.tensor([[-1]])).tolist() == [64]


# ---------------------------------------------------------------------------- cases

def planes_cases():
    for case, (seed, d, m) in {
        "planes_tiny": (42, 3, 64),
        "planes_paper": (2021, 64, 128),
    }.items():
        r = java_planes(seed, d, m)
        save_case(FAMILY, case, "simhash_planes", {}, {"planes": r},
                  source="java.util.Random(seed).nextGaussian() per the Java SE specification, plane by plane",
                  seed=seed, d=d, m=m)
    # the hand value the Java test also checks
    assert abs(java_planes(42, 1, 64)[0, 0].item() - 1.1419053154730547) < 1e-6


def signature_inputs(g, n, d, m, zero_rows=(), zero_planes=()):
    """x [n, d] and R [d, m] float32 whose projections are not within rounding of 0, except the
    deliberate exact zeros (zero rows of x, zero columns of R), which are exactly 0 in float32 too."""
    r = uniform(g, d, m) * 2
    for k in zero_planes:
        r[:, k] = 0
    x = uniform(g, n, d)
    for _ in range(100):
        p = f64(x) @ f64(r)
        scale = f64(x).abs() @ f64(r).abs()
        near = (p.abs() <= 1e-4 * scale) & (scale > 0)
        bad = near.any(dim=1)
        for i in zero_rows:
            bad[i] = False
        if not bad.any():
            break
        x[bad] = uniform(g, int(bad.sum()), d)
    for i in zero_rows:
        x[i] = 0
    return x, r


def signatures_cases():
    # hand case: d = 2, planes (1, 0), (0, 1), (1, 1), (1, -1), then zeros; x = (1, -1) gives
    # projections 1, -1, 0, 2: bits 1, 0, 0 (exact zero), 1
    x = torch.tensor([[1.0, -1.0], [0.0, 0.0], [-2.0, 5.0]])
    r = torch.zeros(2, 64)
    r[:, 0] = torch.tensor([1.0, 0.0])
    r[:, 1] = torch.tensor([0.0, 1.0])
    r[:, 2] = torch.tensor([1.0, 1.0])
    r[:, 3] = torch.tensor([1.0, -1.0])
    r[:, 63] = torch.tensor([0.0, 1.0])
    save_signatures("signatures_hand", x, r)
    assert signatures(x, r).tolist() == [[1 + 8], [0], [2 + 4 - 2 ** 63]]

    for case, (n, d, m, zero_rows, zero_planes, seed) in {
        "signatures_tiny": (3, 4, 64, (1,), (), 11),
        "signatures_awkward": (17, 65, 192, (0, 16), (5, 63, 64, 191), 12),
        "signatures_paper": (50, 64, 256, (), (), 13),
        "signatures_one_row": (1, 7, 128, (), (), 14),
        "signatures_empty": (0, 8, 64, (), (), 15),
    }.items():
        g = generator(seed)
        x, r = signature_inputs(g, n, d, m, zero_rows, zero_planes)
        save_signatures(case, x, r)
    # planes from the generator, as a model would store them
    g = generator(16)
    r = java_planes(7, 16, 64)
    x = uniform(g, 9, 16)
    p = f64(x) @ f64(r)
    assert (p.abs() > 1e-4 * (f64(x).abs() @ f64(r).abs())).all()
    save_signatures("signatures_generated_planes", x, r)


def signatures(x, r):
    return pack_bits(torch.matmul(f64(x), f64(r)) > 0)


def save_signatures(case, x, r):
    save_case(FAMILY, case, "simhash_signatures", {"x": x, "planes": r}, {"signatures": signatures(x, r)},
              source="torch.matmul(x, R) > 0 (ETA / FuxiCTR lsh_hash), packed little-endian into int64 words")


def distances_cases():
    g = generator(21)
    # hand case, m = 128: itself, its complement, 3 + 1 flipped bits
    q = random_words(g, 2)
    sigs = torch.stack([q, torch.bitwise_not(q), torch.bitwise_xor(q, torch.tensor([0b1011, -(2 ** 63)]))])
    d = hamming(q.unsqueeze(0), sigs)[0]
    assert d.tolist() == [0, 128, 4]
    save_distances("distances_hand", q, sigs, "rows")
    for case, (length, words, layout, seed) in {
        "distances_awkward": (17, 3, "rows", 22),
        "distances_awkward_blocked": (17, 3, "blocked", 22),
        "distances_paper": (1000, 1, "rows", 23),
        "distances_paper_blocked_256": (1000, 4, "blocked", 24),
        "distances_empty": (0, 2, "rows", 25),
    }.items():
        g = generator(seed)
        save_distances(case, random_words(g, words), random_words(g, length, words), layout)


def save_distances(case, q, sigs, layout):
    save_case(FAMILY, case, "hamming_distances", {"query": q, "signatures": sigs},
              {"distances": hamming(q.unsqueeze(0), sigs)[0]},
              source="popcount(torch.bitwise_xor(q, s)) (ETA general search unit)", layout=layout)


def topk(queries, sigs, k, valid, m):
    """Smallest distance first, ties to the lower position; padding (>= valid) never selected."""
    b, length = queries.shape[0], sigs.shape[0]
    dist = hamming(queries, sigs) if length > 0 else torch.zeros(b, 0, dtype=torch.int64)
    dist = dist.clone()
    dist[:, valid:] = m + 1  # ETA's padding distance
    values, order = torch.sort(dist, dim=1, stable=True)
    values, order = values[:, :k], order[:, :k]
    pad = k - values.shape[1]
    if pad > 0:
        values = torch.cat([values, torch.full((b, pad), m + 1, dtype=torch.int64)], dim=1)
        order = torch.cat([order, torch.full((b, pad), -1, dtype=torch.int64)], dim=1)
    order = torch.where(values > m, torch.tensor(-1), order)
    return order, values


def topk_cases():
    # hand case, m = 64, query 0: distances 0, 1, 2, 1, 8, 1, 0 -> k = 5: 0, 6, 1, 3, 5
    q = torch.tensor([[0]], dtype=torch.int64)
    sigs = torch.tensor([[0], [1], [3], [1 << 40], [0xFF], [-(2 ** 63)], [0]], dtype=torch.int64)
    idx, dist = topk(q, sigs, 5, 7, 64)
    assert idx.tolist() == [[0, 6, 1, 3, 5]] and dist.tolist() == [[0, 0, 1, 1, 1]]
    save_topk("topk_hand_ties", q, sigs, 5, 7, "rows")
    idx, _ = topk(q, sigs, 5, 4, 64)
    assert idx.tolist() == [[0, 1, 3, 2, -1]]
    save_topk("topk_hand_valid", q, sigs, 5, 4, "blocked")

    for case, (b, length, words, k, valid, flips, layout, seed) in {
        # many ties: each word differs from a shared base in at most 3 bits
        "topk_ties_64": (4, 300, 1, 20, 300, 3, "rows", 31),
        "topk_ties_192_blocked": (3, 97, 3, 10, 97, 2, "blocked", 32),
        # k > valid: padded slots
        "topk_k_over_valid_128": (2, 40, 2, 50, 33, 0, "rows", 33),
        "topk_valid_short_256_blocked": (5, 61, 4, 8, 13, 0, "blocked", 34),
        "topk_one_candidate": (3, 1, 1, 4, 1, 0, "rows", 35),
        "topk_empty": (2, 0, 2, 3, 0, 0, "rows", 36),
        "topk_no_valid": (2, 9, 1, 3, 0, 0, "blocked", 37),
        # ETA-sized: 10 targets, a history of 1000, top-50 (FuxiCTR topk 50)
        "topk_paper_64": (10, 1000, 1, 50, 1000, 0, "rows", 38),
        "topk_paper_256_blocked": (4, 1000, 4, 50, 990, 0, "blocked", 39),
        "topk_paper_256_rows": (2, 600, 4, 50, 600, 6, "rows", 40),
    }.items():
        g = generator(seed)
        if flips:
            base = random_words(g, words)
            queries = sparse_words(g, base.expand(b, words), b, words, bits=flips)
            sigs = sparse_words(g, base.expand(length, words), length, words, bits=flips)
        else:
            queries = random_words(g, b, words)
            sigs = random_words(g, length, words)
        save_topk(case, queries, sigs, k, valid, layout)


def save_topk(case, queries, sigs, k, valid, layout):
    m = 64 * queries.shape[1]
    idx, dist = topk(queries, sigs, k, valid, m)
    save_case(FAMILY, case, "hamming_topk", {"queries": queries, "signatures": sigs},
              {"indices": idx, "distances": dist},
              source="torch.sort(hamming distances with padding m + 1, stable=True)[:k] (ETA GSU)",
              k=k, valid=valid, layout=layout)


def main():
    check_packing()
    planes_cases()
    signatures_cases()
    distances_cases()
    topk_cases()


if __name__ == "__main__":
    main()
