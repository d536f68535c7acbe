package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.NormalizationKernels;

/**
 * Scalar normalization kernels: sums in double (the definition should not carry float rounding of
 * its own), results rounded to float once.
 */
public final class ScalarNormalization implements NormalizationKernels {

  @Override
  public void layerNorm(float[] x, int xOff, float[] y, int yOff, int rows, int d, float[] gamma, float[] beta, float eps) {
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * d;
      int yr = yOff + r * d;
      // Two passes (mean, then squared deviations) as PyTorch does: no E[x^2] - E[x]^2 cancellation.
      double sum = 0;
      for (int j = 0; j < d; j++) {
        sum += x[xr + j];
      }
      double mean = sum / d;
      double sq = 0;
      for (int j = 0; j < d; j++) {
        double dev = x[xr + j] - mean;
        sq += dev * dev;
      }
      double rstd = 1.0 / Math.sqrt(sq / d + eps); // biased variance (divide by d)
      for (int j = 0; j < d; j++) {
        double v = (x[xr + j] - mean) * rstd;
        if (gamma != null) {
          v *= gamma[j];
        }
        if (beta != null) {
          v += beta[j];
        }
        y[yr + j] = (float) v;
      }
    }
  }

  @Override
  public void batchNorm(float[] x, int xOff, float[] y, int yOff, int rows, int channels,
                        float[] mean, float[] var, float[] gamma, float[] beta, float eps) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < channels; c++) {
        int at = r * channels + c;
        double v = (x[xOff + at] - (double) mean[c]) / Math.sqrt((double) var[c] + eps);
        if (gamma != null) {
          v *= gamma[c];
        }
        if (beta != null) {
          v += beta[c];
        }
        y[yOff + at] = (float) v;
      }
    }
  }

  @Override
  public void l2Normalize(float[] x, int xOff, float[] y, int yOff, int rows, int d, float eps) {
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * d;
      int yr = yOff + r * d;
      double sq = 0;
      for (int j = 0; j < d; j++) {
        sq += (double) x[xr + j] * x[xr + j];
      }
      // torch.nn.functional.normalize: x / norm.clamp_min(eps); an all-zero row stays zero.
      double denom = Math.max(Math.sqrt(sq), eps);
      for (int j = 0; j < d; j++) {
        y[yr + j] = (float) (x[xr + j] / denom);
      }
    }
  }
}
