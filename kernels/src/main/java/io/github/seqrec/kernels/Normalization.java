package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.kernels.internal.NormalizationKernels;

/**
 * Layer norm, batch norm in inference form, and L2 normalization over row-major
 * {@code rows x d} blocks, as PyTorch defines them.
 *
 * <p>{@code x} is read at {@code x[xOff..]}, the result written at {@code y[yOff..]} with the same
 * shape; {@code y} may be {@code x} at the same offset (in place), a partial overlap is rejected.
 * Parameter vectors ({@code gamma}, {@code beta}, {@code mean}, {@code var}: the tensors of a
 * {@code state_dict}) are whole arrays indexed by channel from 0 with at least {@code d} entries;
 * {@code gamma}/{@code beta} may be null for no affine transform. {@code eps} is per call because
 * models differ (BERT4Rec 1e-12, NextItNet 1e-8, PyTorch default 1e-5, HSTU 1e-6) and must be
 * finite and {@code > 0}. Bad arguments raise {@link IllegalArgumentException} naming them.
 * Nothing allocates. Stateless and thread-safe.
 */
public final class Normalization {
  private static final NormalizationKernels KERNELS = KernelProvider.get().normalization();

  private Normalization() {}

  /**
   * Layer norm over the last axis (F.layer_norm with {@code normalized_shape = [d]}): per row,
   * {@code y = (x - mean) / sqrt(var + eps) * gamma + beta} with the biased variance
   * {@code var = mean((x - mean)²)}. Null gamma and beta give HSTU's LayerNorm without affine
   * parameters. {@code rows = 0} is a no-op.
   */
  public static void layerNorm(float[] x, int xOff, float[] y, int yOff, int rows, int d,
                               float[] gamma, float[] beta, float eps) {
    checkBlock(x, xOff, y, yOff, rows, "d", d);
    ElementwiseChecks.optionalChannelVector("gamma", gamma, d);
    ElementwiseChecks.optionalChannelVector("beta", beta, d);
    ElementwiseChecks.positiveFinite("eps", eps);
    KERNELS.layerNorm(x, xOff, y, yOff, rows, d, gamma, beta, eps);
  }

  /**
   * Batch norm in eval mode (F.batch_norm(training=False), nn.BatchNorm1d.eval() on
   * {@code [rows, channels]}): per column c, {@code y = gamma[c] (x - mean[c]) / sqrt(var[c] + eps)
   * + beta[c]} with the stored running statistics. A negative {@code var[c] + eps} gives NaN, as in
   * PyTorch.
   */
  public static void batchNorm(float[] x, int xOff, float[] y, int yOff, int rows, int channels,
                               float[] mean, float[] var, float[] gamma, float[] beta, float eps) {
    checkBlock(x, xOff, y, yOff, rows, "channels", channels);
    ElementwiseChecks.channelVector("mean", mean, channels);
    ElementwiseChecks.channelVector("var", var, channels);
    ElementwiseChecks.optionalChannelVector("gamma", gamma, channels);
    ElementwiseChecks.optionalChannelVector("beta", beta, channels);
    ElementwiseChecks.positiveFinite("eps", eps);
    KERNELS.batchNorm(x, xOff, y, yOff, rows, channels, mean, var, gamma, beta, eps);
  }

  /**
   * L2 normalization of each row (F.normalize(p=2, dim=-1)): {@code y = x / max(||x||_2, eps)},
   * so an all-zero row stays zero (PyTorch's default eps is 1e-12; HSTU uses 1e-6).
   */
  public static void l2Normalize(float[] x, int xOff, float[] y, int yOff, int rows, int d, float eps) {
    checkBlock(x, xOff, y, yOff, rows, "d", d);
    ElementwiseChecks.positiveFinite("eps", eps);
    KERNELS.l2Normalize(x, xOff, y, yOff, rows, d, eps);
  }

  private static void checkBlock(float[] x, int xOff, float[] y, int yOff, int rows, String widthName, int width) {
    Checks.nonNegative("rows", rows);
    Checks.positive(widthName, width);
    long size = (long) rows * width;
    Checks.region("x", x, xOff, size);
    Checks.region("y", y, yOff, size);
    ElementwiseChecks.inPlaceOrDisjoint(x, xOff, y, yOff, size);
  }
}
