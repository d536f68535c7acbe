"""Fits the float tanh of seqrec's vector backend: tanh(x) ~ x P(x^2) / Q(x^2) on |x| <= CLAMP.

P has degree 6 in x^2 (odd degree 13 in x), Q degree 3 (even degree 6), Q(0) = 1. The fit is a
linearized weighted least-squares (relative error, Loeb's iteration: each pass divides the
equations by the previous Q) on a dense grid, then the coefficients are rounded to float32 and the
float32 evaluation (FMA Horner, as the Java code runs it) is checked against float64 tanh.
Run with /usr/bin/python3 (numpy); prints the Java constants and the measured errors.
"""
import numpy as np

CLAMP = np.float32(7.99881172180175781)   # float32 tanh rounds to 1 from about here on
NP, NQ = 7, 4                             # coefficients of P (x^0..x^12 in x^2) and Q (x^0..x^6)

x = np.concatenate([np.linspace(1e-6, float(CLAMP), 40000), np.geomspace(1e-6, 1, 4000)])
s = x * x
S = float(CLAMP) ** 2                     # fit in u = s / S in [0, 1]: a well-conditioned basis
u = s / S
f = np.tanh(x) / x                        # target for P/Q, relative error weighs tanh's own
q_prev = np.ones_like(x)
for _ in range(30):
    # P(s) - f Q(s) = 0 with Q(s) = 1 + sum_{j>=1} b_j s^j, weighted by 1 / (f Q_prev)
    cols = [u ** i for i in range(NP)] + [-f * u ** j for j in range(1, NQ)]
    a = np.stack(cols, axis=1) / (f * q_prev)[:, None]
    rhs = f / (f * q_prev)
    coef, *_ = np.linalg.lstsq(a, rhs, rcond=None)
    p, b = coef[:NP], np.concatenate([[1.0], coef[NP:]])
    q_prev = np.polyval(b[::-1], u)

# back to powers of s = x^2, then normalized so that P(0) = 1 is not needed: keep Q(0) = 1
p = p / S ** np.arange(NP)
b = b / S ** np.arange(NQ)
p32 = p.astype(np.float32)
b32 = b.astype(np.float32)


def tanh32(v):
    v = np.clip(v.astype(np.float32), -CLAMP, CLAMP)
    x2 = (v * v).astype(np.float32)
    acc = p32[-1]
    for c in p32[-2::-1]:
        acc = (x2.astype(np.float64) * acc + c).astype(np.float32)   # one rounding: an FMA
    num = (acc * v).astype(np.float32)
    den = b32[-1]
    for c in b32[-2::-1]:
        den = (x2.astype(np.float64) * den + c).astype(np.float32)
    return (num / den).astype(np.float32)


t = np.concatenate([np.linspace(-12, 12, 2_000_001), np.geomspace(1e-30, 12, 200_000)]).astype(np.float32)
y = tanh32(t)
exact = np.tanh(t.astype(np.float64))
rel = np.abs(y - exact) / np.maximum(np.abs(exact), 1e-38)
print("max relative error %.3g at x = %.7g; max |y| = %.9g" % (rel.max(), t[rel.argmax()], np.abs(y).max()))
for i, c in enumerate(p32):
    print("  private static final float TANH_P%d = %.9ef;" % (2 * i + 1, c))
for i, c in enumerate(b32):
    print("  private static final float TANH_Q%d = %.9ef;" % (2 * i, c))
