package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;

import io.github.seqrec.kernels.internal.NormalizationKernels;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector normalization kernels.
 *
 * <p>Layer norm and L2 normalization reduce each row (partial-sum vectors, masked tail), then
 * apply one broadcast scale. Layer norm takes its moments in one pass in double (see
 * {@code layerNormRow}), which keeps outputs next to zero at full relative precision. Batch norm works on blocks of rows: for each
 * vector of channels it computes {@code gamma / sqrt(var + eps)} once and applies it to every row
 * of the block, so the square root and division are paid once per block, not per row, while the
 * block stays in L1. Results differ from the double-precision scalar definition by float rounding
 * of the sums only.
 */
public final class VectorNormalization implements NormalizationKernels {
  private static final int V = FLOAT_LANES;
  private static final int ROW_BLOCK = 32;

  @Override
  public void layerNorm(float[] x, int xOff, float[] y, int yOff, int rows, int d, float[] gamma, float[] beta, float eps) {
    for (int r = 0; r < rows; r++) {
      layerNormRow(x, xOff + r * d, y, yOff + r * d, d, gamma, beta, eps);
    }
  }

  /**
   * One pass for the moments, in double (float lanes widened with {@code F2D}, two halves per
   * vector): in double, {@code E[x²] - E[x]²} loses only {@code log2(mean²/var)} of 53 bits, far
   * from float's 24, so the second pass over the row that float would need is saved. The mean is
   * then applied as a float pair {@code hi + lo}: {@code (x - hi) - lo} is exact to the last bit
   * even next to the mean, where a float mean would leave an error of about {@code 2^-24 |x|}
   * that, relative to a near-zero output, is unbounded. Rows whose mean dwarfs their spread fall
   * back to a second pass over the exact deviations.
   */
  private static void layerNormRow(float[] x, int xr, float[] y, int yr, int d, float[] gamma, float[] beta, float eps) {
    DoubleVector s0 = (DoubleVector) FloatVector.zero(FLOAT).convert(VectorOperators.F2D, 0);
    DoubleVector s1 = s0;
    DoubleVector q0 = s0;
    DoubleVector q1 = s0;
    for (int j = 0; j < d; j += V) {
      FloatVector v = FloatVector.fromArray(FLOAT, x, xr + j, FLOAT.indexInRange(j, d));
      DoubleVector a = (DoubleVector) v.convert(VectorOperators.F2D, 0);
      DoubleVector b = (DoubleVector) v.convert(VectorOperators.F2D, 1);
      s0 = s0.add(a);
      s1 = s1.add(b);
      q0 = a.fma(a, q0);
      q1 = b.fma(b, q1);
    }
    DoubleVector hs = s0.add(s1); // lanes summed in a fixed order, see Lanes
    DoubleVector hq = q0.add(q1);
    hs = Lanes.DOUBLE_FOLD4 ? hs.add(hs.rearrange(Lanes.DOUBLE_XOR4)) : hs;
    hq = Lanes.DOUBLE_FOLD4 ? hq.add(hq.rearrange(Lanes.DOUBLE_XOR4)) : hq;
    hs = Lanes.DOUBLE_FOLD2 ? hs.add(hs.rearrange(Lanes.DOUBLE_XOR2)) : hs;
    hq = Lanes.DOUBLE_FOLD2 ? hq.add(hq.rearrange(Lanes.DOUBLE_XOR2)) : hq;
    double mean = hs.add(hs.rearrange(Lanes.DOUBLE_XOR1)).lane(0) / d;
    double var = Math.max(0.0, hq.add(hq.rearrange(Lanes.DOUBLE_XOR1)).lane(0) / d - mean * mean);
    float hi = (float) mean;
    float lo = (float) (mean - hi);
    if (var < mean * mean * 0x1p-24) {
      // |mean| > 4096 std: the one-pass variance would keep fewer than 29 bits; take the deviations.
      var = sumSquaredDeviations(x, xr, d, hi, lo) / d;
    }
    float rstd = (float) (1.0 / Math.sqrt(var + eps));
    if (gamma == null && beta == null) {
      scaleRow(x, xr, y, yr, d, hi, lo, rstd);
    } else {
      scaleRowAffine(x, xr, y, yr, d, hi, lo, rstd, gamma, beta);
    }
  }

  /** {@code sum(((x - hi) - lo)²)} in float lanes (the deviations are exact, the squares positive). */
  private static double sumSquaredDeviations(float[] x, int at, int d, float hi, float lo) {
    FloatVector hv = FloatVector.broadcast(FLOAT, hi);
    FloatVector lv = FloatVector.broadcast(FLOAT, lo);
    FloatVector acc = FloatVector.zero(FLOAT);
    for (int j = 0; j < d; j += V) {
      VectorMask<Float> m = FLOAT.indexInRange(j, d);
      FloatVector dev = FloatVector.fromArray(FLOAT, x, at + j, m).sub(hv).sub(lv);
      acc = acc.add(dev.mul(dev), m);
    }
    FloatVector h = acc; // lanes summed in a fixed order, see Lanes
    h = Lanes.FOLD8 ? h.add(h.rearrange(Lanes.XOR8)) : h;
    h = Lanes.FOLD4 ? h.add(h.rearrange(Lanes.XOR4)) : h;
    h = Lanes.FOLD2 ? h.add(h.rearrange(Lanes.XOR2)) : h;
    return h.add(h.rearrange(Lanes.XOR1)).lane(0);
  }

  /** {@code y = ((x - hi) - lo) scale}. */
  private static void scaleRow(float[] x, int xr, float[] y, int yr, int d, float hi, float lo, float scale) {
    FloatVector hv = FloatVector.broadcast(FLOAT, hi);
    FloatVector lv = FloatVector.broadcast(FLOAT, lo);
    FloatVector sv = FloatVector.broadcast(FLOAT, scale);
    for (int j = 0; j < d; j += V) {
      VectorMask<Float> m = FLOAT.indexInRange(j, d);
      FloatVector.fromArray(FLOAT, x, xr + j, m).sub(hv).sub(lv).mul(sv).intoArray(y, yr + j, m);
    }
  }

  private static void scaleRowAffine(float[] x, int xr, float[] y, int yr, int d, float hi, float lo, float rstd,
                                     float[] gamma, float[] beta) {
    FloatVector hv = FloatVector.broadcast(FLOAT, hi);
    FloatVector lv = FloatVector.broadcast(FLOAT, lo);
    FloatVector sv = FloatVector.broadcast(FLOAT, rstd);
    FloatVector one = FloatVector.broadcast(FLOAT, 1f);
    FloatVector zero = FloatVector.zero(FLOAT);
    for (int j = 0; j < d; j += V) {
      VectorMask<Float> m = FLOAT.indexInRange(j, d);
      FloatVector g = gamma == null ? one : FloatVector.fromArray(FLOAT, gamma, j, m);
      FloatVector b = beta == null ? zero : FloatVector.fromArray(FLOAT, beta, j, m);
      FloatVector.fromArray(FLOAT, x, xr + j, m).sub(hv).sub(lv).mul(sv).fma(g, b).intoArray(y, yr + j, m);
    }
  }

  @Override
  public void batchNorm(float[] x, int xOff, float[] y, int yOff, int rows, int channels,
                        float[] mean, float[] var, float[] gamma, float[] beta, float eps) {
    for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
      int blockRows = Math.min(ROW_BLOCK, rows - r0);
      for (int j = 0; j < channels; j += V) {
        VectorMask<Float> m = FLOAT.indexInRange(j, channels);
        FloatVector scale = FloatVector.fromArray(FLOAT, var, j, m).add(eps).lanewise(VectorOperators.SQRT);
        scale = (gamma == null ? FloatVector.broadcast(FLOAT, 1f) : FloatVector.fromArray(FLOAT, gamma, j, m)).div(scale);
        FloatVector shift = beta == null ? FloatVector.zero(FLOAT) : FloatVector.fromArray(FLOAT, beta, j, m);
        FloatVector mu = FloatVector.fromArray(FLOAT, mean, j, m);
        // y = (x - mu) scale + shift down the block's rows, in this loop rather than a helper:
        // vectors passed to a method C2 does not inline get boxed (an allocation per call).
        int at = r0 * channels + j;
        for (int r = 0; r < blockRows; r++) {
          int rowAt = at + r * channels;
          FloatVector.fromArray(FLOAT, x, xOff + rowAt, m).sub(mu).fma(scale, shift).intoArray(y, yOff + rowAt, m);
        }
      }
    }
  }

  @Override
  public void l2Normalize(float[] x, int xOff, float[] y, int yOff, int rows, int d, float eps) {
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * d;
      double norm = Math.sqrt(sumOfSquares(x, xr, d));
      float inv = (float) (1.0 / Math.max(norm, eps));
      scaleRow(x, xr, y, yOff + r * d, d, 0f, 0f, inv);
    }
  }

  private static float sumOfSquares(float[] x, int at, int d) {
    FloatVector s0 = FloatVector.zero(FLOAT);
    FloatVector s1 = s0;
    int j = 0;
    for (; j + 2 * V <= d; j += 2 * V) {
      FloatVector a = FloatVector.fromArray(FLOAT, x, at + j);
      FloatVector b = FloatVector.fromArray(FLOAT, x, at + j + V);
      s0 = a.fma(a, s0);
      s1 = b.fma(b, s1);
    }
    for (; j < d; j += V) {
      FloatVector a = FloatVector.fromArray(FLOAT, x, at + j, FLOAT.indexInRange(j, d));
      s0 = a.fma(a, s0);
    }
    FloatVector h = s0.add(s1); // lanes summed in a fixed order, see Lanes
    h = Lanes.FOLD8 ? h.add(h.rearrange(Lanes.XOR8)) : h;
    h = Lanes.FOLD4 ? h.add(h.rearrange(Lanes.XOR4)) : h;
    h = Lanes.FOLD2 ? h.add(h.rearrange(Lanes.XOR2)) : h;
    return h.add(h.rearrange(Lanes.XOR1)).lane(0);
  }
}
