package io.github.seqrec.kernels.internal;

import io.github.seqrec.kernels.Activation;

/**
 * An activation as the kernels read it: its kind and its parameters, built and validated once by
 * the public {@link Activation} (which copies every array in and never hands them out), so it is
 * immutable in practice and safe to share between threads. {@link ActivationKernels#apply} runs it
 * on a block of rows.
 */
public final class ActivationFunction {
  public final Activation.Kind kind;
  /**
   * The row width the parameters fix (PReLU with one slope per channel, Dice), or 0 when the
   * activation is element-wise and fits any width.
   */
  public final int channels;
  /** Leaky ReLU's negative slope. */
  public final float slope;
  /** PReLU's slopes (one shared, or one per channel); Dice's own per-channel alpha. */
  public final float[] alpha;
  /** Dice: the batch norm's running mean and variance, its affine weight and bias (null: 1 and 0), eps. */
  public final float[] mean;
  public final float[] var;
  public final float[] gamma;
  public final float[] beta;
  public final float eps;

  public ActivationFunction(Activation.Kind kind, int channels, float slope, float[] alpha, float[] mean, float[] var,
                            float[] gamma, float[] beta, float eps) {
    this.kind = kind;
    this.channels = channels;
    this.slope = slope;
    this.alpha = alpha;
    this.mean = mean;
    this.var = var;
    this.gamma = gamma;
    this.beta = beta;
    this.eps = eps;
  }
}
