package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.scalar.ScalarActivations;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector activations: full vectors, then one masked vector for the tail (the transcendental
 * kernels run their tail on the scalar definition instead, see {@code TAIL}).
 *
 * <p>Transcendentals are written out in exact lane-wise operations: {@code exp} is Cephes'
 * {@code expf} ({@link #sigmoidPass}), tanh a rational function. Not the Vector API's lanewise {@code EXP}:
 * its SVML stub (C2) and its {@code Math.exp} fallback (interpreter, C1) differ in the last bit, so
 * a kernel's result would change when the JIT compiled it (see {@link Lanes} for the sums). Results
 * agree with the scalar definitions to about 1e-6 relative. Formulas are chosen so that float never
 * cancels:
 * <ul>
 *   <li>sigmoid is {@code 1 / (1 + e)} for {@code x >= 0} and {@code e / (1 + e)} for {@code x < 0}
 *       with {@code e = exp(-|x|) <= 1}: no overflow for any x, full relative precision in both
 *       tails (the naive form returns 0 instead of the tiny correct value below x = -88);
 *   <li>tanh-GELU is {@code x sigmoid(2u)}, the same function as {@code 0.5 x (1 + tanh(u))}
 *       without the cancellation of {@code 1 + tanh(u)} for negative x;
 *   <li>erf-GELU uses the Numerical Recipes erfc fit of {@code Erf} lane by lane, with the exponent
 *       {@code -x²/2 + poly(t)} formed by one FMA, so the square is not rounded separately.
 * </ul>
 * Softmax makes four passes (vector max; exp and store; sum; scale by the
 * reciprocal of the sum); the masked variant loads the {@code boolean[]} mask as a vector mask.
 */
public final class VectorActivations implements ActivationKernels {
  private static final int V = FLOAT_LANES;
  private static final int ROW_BLOCK = 32;
  /**
   * The last {@code n % V} values of the transcendental kernels run the scalar definition. A
   * masked vector tail would need a second copy of the loop body or a helper taking vectors, which is
   * called from a cold branch that C2 does not inline, and then boxes on every call that has a tail
   * (DIEN's gates allocated 38 KB per request after warm-up that way).
   */
  private static final ScalarActivations TAIL = new ScalarActivations();
  private static final float HALF_INV_SQRT2 = (float) (0.5 / Math.sqrt(2.0));
  /** {@code 2 sqrt(2/π)} and {@code 2 sqrt(2/π) 0.044715}: {@code 2u = x (A + B x²)}. */
  private static final float GELU_TANH_A = (float) (2 * Math.sqrt(2 / Math.PI));
  private static final float GELU_TANH_B = (float) (2 * Math.sqrt(2 / Math.PI) * 0.044715);
  /** Dice's in-loop {@code exp(t)}, {@code t <= 0} (see {@link #diceBlock}): Cephes {@code expf}. */
  private static final float EXP_MIN = -87f;
  private static final float LOG2E = 1.44269504088896341f;
  private static final float ROUND_MAGIC = 12582912f; // 1.5 2^23: adding it rounds to an integer
  private static final int ROUND_MAGIC_BITS = Float.floatToRawIntBits(ROUND_MAGIC);
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  private static final float EXP_P0 = 1.9875691500e-4f;
  private static final float EXP_P1 = 1.3981999507e-3f;
  private static final float EXP_P2 = 8.3334519073e-3f;
  private static final float EXP_P3 = 4.1665795894e-2f;
  private static final float EXP_P4 = 1.6666665459e-1f;
  private static final float EXP_P5 = 5.0000001201e-1f;
  // tanh x ~ x P(x²) / Q(x²) on |x| <= TANH_CLAMP, fitted by kernels/tools/fit_tanh_rational.py
  private static final float TANH_CLAMP = 7.99881172180175781f;
  private static final float TANH_P3 = 1.312989742e-01f;
  private static final float TANH_P5 = 3.155632876e-03f;
  private static final float TANH_P7 = 1.171079202e-05f;
  private static final float TANH_P9 = -2.261621646e-08f;
  private static final float TANH_P11 = 6.529948110e-11f;
  private static final float TANH_P13 = -1.205739610e-13f;
  private static final float TANH_Q2 = 4.646323025e-01f;
  private static final float TANH_Q4 = 2.469975688e-02f;
  private static final float TANH_Q6 = 2.622249012e-04f;

  // ---------------------------------------------------------------- element-wise kernels

  /**
   * The sigmoid kernel ({@link #sigmoidPass}). Like every kernel here it keeps its vectors inside
   * one method and takes arrays: a vector passed to or returned from a helper that C2 does not inline
   * (which depends on how large the model method that inlined the kernel already is, so on the
   * order of compilation) is boxed, once per call (a CI run saw 4.4 MB per TWIN request from one
   * such helper). {@code WorstCaseInliningTest} checks it with none of these methods inlined.
   */
  @Override
  public void sigmoid(float[] x, int xOff, float[] y, int yOff, int n) {
    sigmoidPass(x, xOff, y, yOff, n, false, false);
    if (n % V != 0) {
      TAIL.sigmoid(x, xOff + n - n % V, y, yOff + n - n % V, n % V);   // see TAIL
    }
  }

  /**
   * The whole vectors of {@code y = (times ? x : 1) sigmoid(gelu ? 2u : x)}, {@code 2u = x (A + B x²)}
   * (sigmoid, SiLU, tanh-GELU): one loop, so the exp is written out once. Overflow-free sigmoid:
   * {@code (z < 0 ? e : 1) / (1 + e)}, {@code e = exp(-|z|)}; the exp is Cephes' {@code expf} as in
   * {@link #diceBlock} ({@code -|z|} clamped at {@code -87} so {@code 2^n} stays normal,
   * {@code n = round(t log2 e)} by the {@code 1.5 2^23} trick, Cody-Waite {@code r = t - n ln 2},
   * degree-7 polynomial, about 1 ulp, exactly 0 below the clamp), NaN kept: 13 FMA-pipe operations,
   * on a Zen 3 core about 0.7 of the SVML {@code EXP} stub's time inside the sigmoid. The two flags
   * are loop-invariant (C2 unswitches the loop on them). May run in place.
   */
  private static void sigmoidPass(float[] x, int xOff, float[] y, int yOff, int n, boolean gelu, boolean times) {
    FloatVector one = FloatVector.broadcast(FLOAT, 1f);
    for (int i = 0; i + V <= n; i += V) {
      FloatVector v = FloatVector.fromArray(FLOAT, x, xOff + i);
      FloatVector z = gelu ? v.mul(v).fma(GELU_TANH_B, GELU_TANH_A).mul(v) : v;
      FloatVector t = z.abs().neg();
      FloatVector c = t.max(EXP_MIN);
      FloatVector k = c.fma(LOG2E, ROUND_MAGIC);            // 1.5 2^23 + n
      FloatVector nf = k.sub(ROUND_MAGIC);
      FloatVector r = nf.fma(FloatVector.broadcast(FLOAT, -LN2_HI), c);
      r = nf.fma(FloatVector.broadcast(FLOAT, -LN2_LO), r);
      FloatVector q = r.fma(EXP_P0, EXP_P1);
      q = r.fma(q, FloatVector.broadcast(FLOAT, EXP_P2));
      q = r.fma(q, FloatVector.broadcast(FLOAT, EXP_P3));
      q = r.fma(q, FloatVector.broadcast(FLOAT, EXP_P4));
      q = r.fma(q, FloatVector.broadcast(FLOAT, EXP_P5));
      q = r.mul(r).fma(q, r.add(1f));                        // 1 + r + r² P(r)
      FloatVector pow2n = k.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23)
          .reinterpretAsFloats();
      FloatVector e = q.mul(pow2n).blend(0f, t.compare(VectorOperators.LT, EXP_MIN));
      FloatVector s = one.blend(e, z.compare(VectorOperators.LT, 0f)).div(e.add(one));
      (times ? v.mul(s) : s).intoArray(y, yOff + i);
    }
  }

  /**
   * tanh as an odd rational function, {@code x P(x²) / Q(x²)} of degrees 13 / 6 with
   * {@code P(0) = Q(0) = 1}, on x clamped to {@code ±7.9988} (from where float tanh rounds to 1).
   * The coefficients are a relative-error least-squares fit ({@code kernels/tools/fit_tanh_rational.py},
   * which also checks the float evaluation): against float64 tanh over [-12, 12] and down to 1e-30
   * the relative error is at most 3.0e-7 (about 2.5 ulp), |y| stays below 1, NaN is kept. 8 FMAs,
   * 2 multiplies, 2 clamps and one division: on a Zen 3 core (AVX2) about a third of the time of
   * the SVML {@code TANH} stub, which was the largest single cost of DIEN's gates there.
   */
  @Override
  public void tanh(float[] x, int xOff, float[] y, int yOff, int n) {
    int i = 0;
    for (; i + V <= n; i += V) {
      FloatVector v = FloatVector.fromArray(FLOAT, x, xOff + i).max(-TANH_CLAMP).min(TANH_CLAMP);
      FloatVector x2 = v.mul(v);
      FloatVector p = x2.fma(TANH_P13, TANH_P11);
      p = x2.fma(p, FloatVector.broadcast(FLOAT, TANH_P9));
      p = x2.fma(p, FloatVector.broadcast(FLOAT, TANH_P7));
      p = x2.fma(p, FloatVector.broadcast(FLOAT, TANH_P5));
      p = x2.fma(p, FloatVector.broadcast(FLOAT, TANH_P3));
      p = x2.fma(p, FloatVector.broadcast(FLOAT, 1f));
      FloatVector q = x2.fma(TANH_Q6, TANH_Q4);
      q = x2.fma(q, FloatVector.broadcast(FLOAT, TANH_Q2));
      q = x2.fma(q, FloatVector.broadcast(FLOAT, 1f));
      p.mul(v).div(q).intoArray(y, yOff + i);
    }
    if (i < n) {
      TAIL.tanh(x, xOff + i, y, yOff + i, n - i);   // see TAIL
    }
  }

  @Override
  public void relu(float[] x, int xOff, float[] y, int yOff, int n) {
    FloatVector zero = FloatVector.zero(FLOAT);
    int i = 0;
    for (; i + V <= n; i += V) {
      FloatVector v = FloatVector.fromArray(FLOAT, x, xOff + i);
      v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoArray(y, yOff + i);
    }
    if (i < n) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector v = FloatVector.fromArray(FLOAT, x, xOff + i, m);
      v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoArray(y, yOff + i, m);
    }
  }

  @Override
  public void leakyRelu(float[] x, int xOff, float[] y, int yOff, int n, float slope) {
    int i = 0;
    for (; i + V <= n; i += V) {
      FloatVector v = FloatVector.fromArray(FLOAT, x, xOff + i);
      v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yOff + i);
    }
    if (i < n) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector v = FloatVector.fromArray(FLOAT, x, xOff + i, m);
      v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yOff + i, m);
    }
  }

  @Override
  public void prelu(float[] x, int xOff, float[] y, int yOff, int n, float[] alpha, int alphaOff, int channels) {
    if (channels == 1) {
      leakyRelu(x, xOff, y, yOff, n, alpha[alphaOff]);
      return;
    }
    int rows = n / channels;
    for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
      int at = r0 * channels;
      preluBlock(x, xOff + at, y, yOff + at, Math.min(ROW_BLOCK, rows - r0), channels, channels, alpha, alphaOff);
    }
    int rest = n - rows * channels; // a partial last row, if n is not a multiple of channels
    if (rest > 0) {
      preluBlock(x, xOff + rows * channels, y, yOff + rows * channels, 1, rest, channels, alpha, alphaOff);
    }
  }

  /** {@code count} rows of {@code width} values at row distance {@code stride}; alpha loaded once per vector of channels. */
  private static void preluBlock(float[] x, int xAt, float[] y, int yAt, int count, int width, int stride,
                                 float[] alpha, int alphaOff) {
    for (int j = 0; j < width; j += V) {
      VectorMask<Float> m = FLOAT.indexInRange(j, width);
      FloatVector a = FloatVector.fromArray(FLOAT, alpha, alphaOff + j, m);
      for (int r = 0, o = j; r < count; r++, o += stride) {
        FloatVector v = FloatVector.fromArray(FLOAT, x, xAt + o, m);
        v.mul(a).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yAt + o, m);
      }
    }
  }

  @Override
  public void dice(float[] x, int xOff, float[] y, int yOff, int n, int channels,
                   float[] mean, float[] var, float[] gamma, float[] beta, float[] alpha, float eps) {
    int rows = n / channels;
    for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
      int at = r0 * channels;
      diceBlock(x, xOff + at, y, yOff + at, Math.min(ROW_BLOCK, rows - r0), channels, channels,
          mean, var, gamma, beta, alpha, eps);
    }
    int rest = n - rows * channels;
    if (rest > 0) {
      diceBlock(x, xOff + rows * channels, y, yOff + rows * channels, 1, rest, channels,
          mean, var, gamma, beta, alpha, eps);
    }
  }

  /**
   * Per vector of channels, {@code scale = gamma / sqrt(var + eps)} once for the whole block; per
   * value {@code p = sigmoid((x - mean) scale + beta)}, {@code y = x (p (1 - alpha) + alpha)}.
   *
   * <p>Dice runs on every hidden value of the DIN activation unit (120 per history-candidate pair),
   * where the SVML {@code EXP} stub call cost as much as the GEMMs (a profile, not a guess). Here
   * {@code e = exp(-|z|)} is computed in the loop instead: {@code -|z|} clamped at {@code -87} (so
   * {@code 2^n} stays a normal float), {@code n = round(t log2 e)} by the {@code 1.5 2^23}
   * rounding trick, {@code r = t - n ln 2} in two parts (Cody-Waite), Cephes' degree-7 {@code expf}
   * polynomial on {@code |r| <= ln2 / 2} (about 1 ulp), times {@code 2^n} built in the exponent
   * bits. The clamp changes {@code p} only where it is below {@code 2e-38}: {@code y} moves by
   * less than {@code 1e-37 |x|}.
   */
  private static void diceBlock(float[] x, int xAt, float[] y, int yAt, int count, int width, int stride,
                                float[] mean, float[] var, float[] gamma, float[] beta, float[] alpha, float eps) {
    int j = 0;
    for (; j + V <= width; j += V) {
      FloatVector scale = FloatVector.fromArray(FLOAT, var, j).add(eps).lanewise(VectorOperators.SQRT);
      scale = (gamma == null ? FloatVector.broadcast(FLOAT, 1f) : FloatVector.fromArray(FLOAT, gamma, j)).div(scale);
      FloatVector shift = beta == null ? FloatVector.zero(FLOAT) : FloatVector.fromArray(FLOAT, beta, j);
      FloatVector mu = FloatVector.fromArray(FLOAT, mean, j);
      FloatVector a = FloatVector.fromArray(FLOAT, alpha, j);
      FloatVector oneMinusA = a.neg().add(1f);
      FloatVector one = FloatVector.broadcast(FLOAT, 1f);
      for (int r = 0, o = j; r < count; r++, o += stride) {
        FloatVector v = FloatVector.fromArray(FLOAT, x, xAt + o);
        FloatVector z = v.sub(mu).fma(scale, shift);
        // e = exp(t), t = max(-|z|, -87), written out here (see above)
        FloatVector t = z.abs().neg().max(EXP_MIN);
        FloatVector k = t.fma(LOG2E, ROUND_MAGIC);            // 1.5 2^23 + n
        FloatVector nf = k.sub(ROUND_MAGIC);
        FloatVector rr = nf.fma(FloatVector.broadcast(FLOAT, -LN2_HI), t);
        rr = nf.fma(FloatVector.broadcast(FLOAT, -LN2_LO), rr);
        FloatVector q = rr.fma(EXP_P0, EXP_P1);
        q = rr.fma(q, FloatVector.broadcast(FLOAT, EXP_P2));
        q = rr.fma(q, FloatVector.broadcast(FLOAT, EXP_P3));
        q = rr.fma(q, FloatVector.broadcast(FLOAT, EXP_P4));
        q = rr.fma(q, FloatVector.broadcast(FLOAT, EXP_P5));
        q = rr.mul(rr).fma(q, rr.add(1f));                     // 1 + r + r² P(r)
        FloatVector pow2n = k.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23)
            .reinterpretAsFloats();
        FloatVector e = q.mul(pow2n);
        FloatVector p = one.blend(e, z.compare(VectorOperators.LT, 0f)).div(e.add(one));
        v.mul(p.fma(oneMinusA, a)).intoArray(y, yAt + o);
      }
    }
    // The last width % V channels lane by lane, in the scalar definition's arithmetic (see TAIL).
    for (; j < width; j++) {
      double scale = (gamma == null ? 1.0 : gamma[j]) / Math.sqrt((double) var[j] + eps);
      double shift = beta == null ? 0.0 : beta[j];
      for (int r = 0, o = j; r < count; r++, o += stride) {
        float v = x[xAt + o];
        double p = 1.0 / (1.0 + Math.exp(-((v - (double) mean[j]) * scale + shift)));
        y[yAt + o] = (float) (v * (alpha[j] + (1.0 - alpha[j]) * p));
      }
    }
  }

  /**
   * {@code 0.5 x erfc(-x/√2)} with erfc from Numerical Recipes' {@code erfcc} (see {@code Erf}), the
   * erfc polynomial and its {@code exp} (the same operations as {@link #sigmoidPass}) written out in the
   * loop: as helpers taking a vector they were left as calls once this loop was inlined into a
   * large encoder method (BERT4Rec's, PinnerFormer's blocks in a JVM that had run other models), and
   * each call boxed its vectors - about 250 KB per BERT4Rec request.
   */
  @Override
  public void geluErf(float[] x, int xOff, float[] y, int yOff, int n) {
    int i = 0;
    FloatVector one = FloatVector.broadcast(FLOAT, 1f);
    for (; i + V <= n; i += V) {
      FloatVector v = FloatVector.fromArray(FLOAT, x, xOff + i);
      // t = 1 / (1 + 0.5 |z|), z = -x/√2
      FloatVector t = one.div(v.abs().fma(HALF_INV_SQRT2, 1f));
      FloatVector p = t.fma(0.17087277f, -0.82215223f);
      p = t.fma(p, FloatVector.broadcast(FLOAT, 1.48851587f));
      p = t.fma(p, FloatVector.broadcast(FLOAT, -1.13520398f));
      p = t.fma(p, FloatVector.broadcast(FLOAT, 0.27886807f));
      p = t.fma(p, FloatVector.broadcast(FLOAT, -0.18628806f));
      p = t.fma(p, FloatVector.broadcast(FLOAT, 0.09678418f));
      p = t.fma(p, FloatVector.broadcast(FLOAT, 0.37409196f));
      p = t.fma(p, FloatVector.broadcast(FLOAT, 1.00002368f));
      p = t.fma(p, FloatVector.broadcast(FLOAT, -1.26551223f));
      // -z² + poly = x (-x/2) + poly, one rounding; e = exp(that) as in sigmoidPass
      FloatVector u = v.fma(v.mul(-0.5f), p);
      FloatVector c = u.max(EXP_MIN);
      FloatVector k = c.fma(LOG2E, ROUND_MAGIC);            // 1.5 2^23 + n
      FloatVector nf = k.sub(ROUND_MAGIC);
      FloatVector rr = nf.fma(FloatVector.broadcast(FLOAT, -LN2_HI), c);
      rr = nf.fma(FloatVector.broadcast(FLOAT, -LN2_LO), rr);
      FloatVector q = rr.fma(EXP_P0, EXP_P1);
      q = rr.fma(q, FloatVector.broadcast(FLOAT, EXP_P2));
      q = rr.fma(q, FloatVector.broadcast(FLOAT, EXP_P3));
      q = rr.fma(q, FloatVector.broadcast(FLOAT, EXP_P4));
      q = rr.fma(q, FloatVector.broadcast(FLOAT, EXP_P5));
      q = rr.mul(rr).fma(q, rr.add(1f));                     // 1 + r + r² P(r)
      FloatVector pow2n = k.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23)
          .reinterpretAsFloats();
      FloatVector e = q.mul(pow2n).blend(0f, u.compare(VectorOperators.LT, EXP_MIN));
      FloatVector r = t.mul(e);
      // erfc(z) = r for z >= 0 (x <= 0), 2 - r for z < 0 (x > 0)
      FloatVector erfc = r.blend(r.neg().add(2f), v.compare(VectorOperators.GT, 0f));
      v.mul(0.5f).mul(erfc).intoArray(y, yOff + i);
    }
    if (i < n) {
      TAIL.geluErf(x, xOff + i, y, yOff + i, n - i);   // see TAIL
    }
  }

  /** {@code x sigmoid(2u)}, {@code 2u = x (A + B x²)} ({@link #sigmoidPass}). */
  @Override
  public void geluTanh(float[] x, int xOff, float[] y, int yOff, int n) {
    sigmoidPass(x, xOff, y, yOff, n, true, true);
    if (n % V != 0) {
      TAIL.geluTanh(x, xOff + n - n % V, y, yOff + n - n % V, n % V);   // see TAIL
    }
  }

  /** {@code x sigmoid(x)} ({@link #sigmoidPass}). */
  @Override
  public void silu(float[] x, int xOff, float[] y, int yOff, int n) {
    sigmoidPass(x, xOff, y, yOff, n, false, true);
    if (n % V != 0) {
      TAIL.silu(x, xOff + n - n % V, y, yOff + n - n % V, n % V);   // see TAIL
    }
  }

  // ---------------------------------------------------------------- softmax family

  @Override
  public void softmax(float[] x, int xOff, float[] y, int yOff, int n, int valid) {
    if (valid > 0) {
      float max = max(x, xOff, valid);
      expStore(x, xOff, y, yOff, valid, max);
      scale(y, yOff, valid, 1f / sum(y, yOff, valid));
    }
    Arrays.fill(y, yOff + valid, yOff + n, 0f);
  }

  @Override
  public void softmaxMasked(float[] x, int xOff, float[] y, int yOff, int n, boolean[] mask, int maskOff) {
    float max = maskedMax(x, xOff, n, mask, maskOff);
    maskedExpStore(x, xOff, y, yOff, n, mask, maskOff, max);
    float sum = sum(y, yOff, n);
    if (sum > 0f) { // fully masked: zeros already written
      scale(y, yOff, n, 1f / sum);
    }
  }

  @Override
  public void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n, int valid) {
    if (valid > 0) {
      float max = max(x, xOff, valid);
      // (x - max) - log(sum): exact next to the max, unlike x - (max + log(sum)) in float
      float logSum = (float) Math.log(expPass(x, xOff, null, 0, valid, max, false));
      shift(x, xOff, y, yOff, valid, max, logSum);
    }
    Arrays.fill(y, yOff + valid, yOff + n, Float.NEGATIVE_INFINITY);
  }

  private static float max(float[] x, int off, int n) {
    FloatVector m0 = FloatVector.broadcast(FLOAT, Float.NEGATIVE_INFINITY);
    FloatVector m1 = m0;
    int i = 0;
    for (; i + 2 * V <= n; i += 2 * V) {
      m0 = m0.max(FloatVector.fromArray(FLOAT, x, off + i));
      m1 = m1.max(FloatVector.fromArray(FLOAT, x, off + i + V));
    }
    for (; i < n; i += V) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      m0 = m0.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOAT, x, off + i, m), m);
    }
    return m0.max(m1).reduceLanes(VectorOperators.MAX);
  }

  /** {@code y = exp(x - max)} ({@link #expPass}). */
  private static void expStore(float[] x, int xOff, float[] y, int yOff, int n, float max) {
    expPass(x, xOff, y, yOff, n, max, true);
  }

  /**
   * {@code exp(x - max)}, stored into y ({@code store}) or summed, nothing stored (log-softmax may
   * run in place); the {@code n % V} tail on {@code Math.exp} lane by lane (see {@code TAIL}). The
   * exp is the one of {@link #sigmoidPass}, written out in this loop: softmax is inlined into the
   * attention kernels, which are inlined into a model's forward pass, and past C2's node-count cutoff
   * an {@code exp(FloatVector)} helper stayed a call that boxed its vectors (1.5 MB per 10 SIM
   * requests). Only Vector API methods, which are force-inlined, are called here; softmax sums in a
   * second pass over y ({@link #sum}), which is in cache. Returns the sum (0 when storing).
   */
  private static float expPass(float[] x, int xOff, float[] y, int yOff, int n, float max, boolean store) {
    FloatVector mv = FloatVector.broadcast(FLOAT, max);
    FloatVector acc = FloatVector.zero(FLOAT);
    int i = 0;
    for (; i + V <= n; i += V) {
      FloatVector t = FloatVector.fromArray(FLOAT, x, xOff + i).sub(mv);
      FloatVector c = t.max(EXP_MIN);
      FloatVector k = c.fma(LOG2E, ROUND_MAGIC);            // 1.5 2^23 + n
      FloatVector nf = k.sub(ROUND_MAGIC);
      FloatVector r = nf.fma(FloatVector.broadcast(FLOAT, -LN2_HI), c);
      r = nf.fma(FloatVector.broadcast(FLOAT, -LN2_LO), r);
      FloatVector q = r.fma(EXP_P0, EXP_P1);
      q = r.fma(q, FloatVector.broadcast(FLOAT, EXP_P2));
      q = r.fma(q, FloatVector.broadcast(FLOAT, EXP_P3));
      q = r.fma(q, FloatVector.broadcast(FLOAT, EXP_P4));
      q = r.fma(q, FloatVector.broadcast(FLOAT, EXP_P5));
      q = r.mul(r).fma(q, r.add(1f));                        // 1 + r + r² P(r)
      FloatVector pow2n = k.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23)
          .reinterpretAsFloats();
      FloatVector e = q.mul(pow2n).blend(0f, t.compare(VectorOperators.LT, EXP_MIN));
      if (store) {
        e.intoArray(y, yOff + i);
      } else {
        acc = acc.add(e);
      }
    }
    if (store) {
      for (; i < n; i++) {
        y[yOff + i] = (float) Math.exp(x[xOff + i] - max);
      }
      return 0f;
    }
    FloatVector h = acc; // lanes summed in a fixed order, see Lanes
    h = Lanes.FOLD8 ? h.add(h.rearrange(Lanes.XOR8)) : h;
    h = Lanes.FOLD4 ? h.add(h.rearrange(Lanes.XOR4)) : h;
    h = Lanes.FOLD2 ? h.add(h.rearrange(Lanes.XOR2)) : h;
    float sum = h.add(h.rearrange(Lanes.XOR1)).lane(0);
    for (; i < n; i++) {
      sum += (float) Math.exp(x[xOff + i] - max);
    }
    return sum;
  }

  /** The sum of {@code y[off .. off + n)}: vector lanes, then the tail, in a fixed order. */
  private static float sum(float[] y, int off, int n) {
    FloatVector acc = FloatVector.zero(FLOAT);
    int i = 0;
    for (; i + V <= n; i += V) {
      acc = acc.add(FloatVector.fromArray(FLOAT, y, off + i));
    }
    FloatVector h = acc; // lanes summed in a fixed order, see Lanes
    h = Lanes.FOLD8 ? h.add(h.rearrange(Lanes.XOR8)) : h;
    h = Lanes.FOLD4 ? h.add(h.rearrange(Lanes.XOR4)) : h;
    h = Lanes.FOLD2 ? h.add(h.rearrange(Lanes.XOR2)) : h;
    float sum = h.add(h.rearrange(Lanes.XOR1)).lane(0);
    for (; i < n; i++) {
      sum += y[off + i];
    }
    return sum;
  }

  /** {@code y *= factor} in place. */
  private static void scale(float[] y, int off, int n, float factor) {
    int i = 0;
    for (; i + V <= n; i += V) {
      FloatVector.fromArray(FLOAT, y, off + i).mul(factor).intoArray(y, off + i);
    }
    if (i < n) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector.fromArray(FLOAT, y, off + i, m).mul(factor).intoArray(y, off + i, m);
    }
  }

  /** {@code y = (x - max) - logSum}. */
  private static void shift(float[] x, int xOff, float[] y, int yOff, int n, float max, float logSum) {
    int i = 0;
    for (; i + V <= n; i += V) {
      FloatVector.fromArray(FLOAT, x, xOff + i).sub(max).sub(logSum).intoArray(y, yOff + i);
    }
    if (i < n) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector.fromArray(FLOAT, x, xOff + i, m).sub(max).sub(logSum).intoArray(y, yOff + i, m);
    }
  }

  private static float maskedMax(float[] x, int xOff, int n, boolean[] mask, int maskOff) {
    FloatVector acc = FloatVector.broadcast(FLOAT, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (; i + V <= n; i += V) {
      VectorMask<Float> keep = VectorMask.fromArray(FLOAT, mask, maskOff + i);
      acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOAT, x, xOff + i), keep);
    }
    float max = acc.reduceLanes(VectorOperators.MAX); // max is exact in any order
    for (; i < n; i++) {
      if (mask[maskOff + i]) {
        max = Math.max(max, x[xOff + i]);
      }
    }
    return max;
  }

  /**
   * {@code y = keep ? exp(x - max) : 0}: {@link #expStore} over every entry, then the masked ones
   * set to zero (their exp, of whatever they hold, is discarded).
   */
  private static void maskedExpStore(float[] x, int xOff, float[] y, int yOff, int n, boolean[] mask, int maskOff,
                                     float max) {
    expStore(x, xOff, y, yOff, n, max);
    int i = 0;
    for (; i + V <= n; i += V) {
      VectorMask<Float> drop = VectorMask.fromArray(FLOAT, mask, maskOff + i).not();
      FloatVector.fromArray(FLOAT, y, yOff + i).blend(0f, drop).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      if (!mask[maskOff + i]) {
        y[yOff + i] = 0f;
      }
    }
  }
}
