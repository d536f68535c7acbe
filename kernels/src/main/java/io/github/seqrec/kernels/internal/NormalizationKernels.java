package io.github.seqrec.kernels.internal;

/**
 * Row-wise and channel-wise normalizations over row-major {@code rows x d} blocks: {@code x} at
 * {@code x[xOff..]}, output at {@code y[yOff..]} (same shape; {@code y} may be {@code x} at the
 * same offset). Parameter vectors ({@code gamma}, {@code beta}, {@code mean}, {@code var}) are
 * whole arrays indexed by channel from 0, with at least {@code d} entries. Arguments have been
 * validated by the facade.
 */
public interface NormalizationKernels {

  /**
   * Layer norm of each row over its {@code d} values (biased variance, as {@code F.layer_norm}):
   * {@code y = (x - mean) / sqrt(var + eps) * gamma + beta}. {@code gamma} and {@code beta} may be
   * null (no affine: HSTU), meaning 1 and 0.
   */
  void layerNorm(float[] x, int xOff, float[] y, int yOff, int rows, int d, float[] gamma, float[] beta, float eps);

  /**
   * Batch norm in inference form with stored statistics, channel = column:
   * {@code y = gamma[c] (x - mean[c]) / sqrt(var[c] + eps) + beta[c]}. {@code gamma} and
   * {@code beta} may be null (affine = false), meaning 1 and 0.
   */
  void batchNorm(float[] x, int xOff, float[] y, int yOff, int rows, int channels,
                 float[] mean, float[] var, float[] gamma, float[] beta, float eps);

  /** Each row divided by its Euclidean norm, floored at eps: {@code y = x / max(||x||_2, eps)}. */
  void l2Normalize(float[] x, int xOff, float[] y, int yOff, int rows, int d, float eps);
}
