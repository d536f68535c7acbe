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
 * <p>Layer norm and L2 normalization reduce each row (two partial-sum vectors, masked tail), then
 * apply one broadcast scale. Layer norm keeps PyTorch's two passes (mean, then squared deviations)
 * rather than {@code E[x²] - E[x]²}, which cancels, and sums the mean in double (lanes widened
 * with {@code F2D}) so that outputs next to zero keep their relative precision. Batch norm works on blocks of rows: for each
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
      int xr = xOff + r * d;
      // The mean in double, kept as a float pair hi + lo: (x - hi) - lo is then exact to the last
      // bit even for x next to the mean, where a float mean would leave an error of about
      // 2^-24 |x| that, relative to a near-zero output, is unbounded.
      double mean = sumAsDouble(x, xr, d) / d;
      float hi = (float) mean;
      float lo = (float) (mean - hi);
      float var = sumSquaredDeviations(x, xr, d, hi, lo) / d;
      float rstd = (float) (1.0 / Math.sqrt((double) var + eps));
      if (gamma == null && beta == null) {
        scaleRow(x, xr, y, yOff + r * d, d, hi, lo, rstd);
      } else {
        scaleRowAffine(x, xr, y, yOff + r * d, d, hi, lo, rstd, gamma, beta);
      }
    }
  }

  /** The row sum with float lanes widened to double ({@code F2D}, two halves per vector). */
  private static double sumAsDouble(float[] x, int at, int d) {
    DoubleVector s0 = (DoubleVector) FloatVector.zero(FLOAT).convert(VectorOperators.F2D, 0);
    DoubleVector s1 = s0;
    for (int j = 0; j < d; j += V) {
      FloatVector v = FloatVector.fromArray(FLOAT, x, at + j, FLOAT.indexInRange(j, d));
      s0 = s0.add((DoubleVector) v.convert(VectorOperators.F2D, 0));
      s1 = s1.add((DoubleVector) v.convert(VectorOperators.F2D, 1));
    }
    return s0.add(s1).reduceLanes(VectorOperators.ADD);
  }

  private static float sumSquaredDeviations(float[] x, int at, int d, float hi, float lo) {
    FloatVector hv = FloatVector.broadcast(FLOAT, hi);
    FloatVector lv = FloatVector.broadcast(FLOAT, lo);
    FloatVector s0 = FloatVector.zero(FLOAT);
    FloatVector s1 = s0;
    int j = 0;
    for (; j + 2 * V <= d; j += 2 * V) {
      FloatVector d0 = FloatVector.fromArray(FLOAT, x, at + j).sub(hv).sub(lv);
      FloatVector d1 = FloatVector.fromArray(FLOAT, x, at + j + V).sub(hv).sub(lv);
      s0 = d0.fma(d0, s0);
      s1 = d1.fma(d1, s1);
    }
    for (; j < d; j += V) {
      VectorMask<Float> m = FLOAT.indexInRange(j, d);
      FloatVector d0 = FloatVector.fromArray(FLOAT, x, at + j, m).sub(hv).sub(lv);
      s0 = s0.add(d0.mul(d0), m);
    }
    return s0.add(s1).reduceLanes(VectorOperators.ADD);
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
        int at = r0 * channels + j;
        applyColumns(x, xOff + at, y, yOff + at, blockRows, channels, mu, scale, shift, m);
      }
    }
  }

  /** {@code y = (x - mu) scale + shift} down {@code count} rows of one vector of channels. */
  private static void applyColumns(float[] x, int xAt, float[] y, int yAt, int count, int stride,
                                   FloatVector mu, FloatVector scale, FloatVector shift, VectorMask<Float> m) {
    for (int r = 0; r < count; r++) {
      FloatVector.fromArray(FLOAT, x, xAt + r * stride, m).sub(mu).fma(scale, shift).intoArray(y, yAt + r * stride, m);
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
    return s0.add(s1).reduceLanes(VectorOperators.ADD);
  }
}
