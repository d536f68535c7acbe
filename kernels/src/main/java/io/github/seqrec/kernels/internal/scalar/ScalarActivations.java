package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.ActivationKernels;

/**
 * Scalar definitions of the activations: float in and out, {@code Math} transcendentals in double,
 * softmax sums in double, so the definition itself adds no more than the final rounding to float.
 */
public final class ScalarActivations implements ActivationKernels {

  @Override
  public void sigmoid(float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = sigmoid(x[xOff + i]);
    }
  }

  static float sigmoid(float v) {
    return (float) (1.0 / (1.0 + Math.exp(-v)));
  }

  @Override
  public void tanh(float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = (float) Math.tanh(x[xOff + i]);
    }
  }

  @Override
  public void relu(float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v < 0f ? 0f : v; // NaN stays NaN, as in torch.relu
    }
  }

  @Override
  public void leakyRelu(float[] x, int xOff, float[] y, int yOff, int n, float slope) {
    for (int i = 0; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v > 0f ? v : slope * v;
    }
  }

  @Override
  public void prelu(float[] x, int xOff, float[] y, int yOff, int n, float[] alpha, int alphaOff, int channels) {
    for (int i = 0; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v > 0f ? v : alpha[alphaOff + i % channels] * v;
    }
  }

  @Override
  public void dice(float[] x, int xOff, float[] y, int yOff, int n, int channels,
                   float[] mean, float[] var, float[] gamma, float[] beta, float[] alpha, float eps) {
    for (int i = 0; i < n; i++) {
      int c = i % channels;
      float v = x[xOff + i];
      double normalized = (v - (double) mean[c]) / Math.sqrt((double) var[c] + eps);
      if (gamma != null) {
        normalized *= gamma[c];
      }
      if (beta != null) {
        normalized += beta[c];
      }
      double p = 1.0 / (1.0 + Math.exp(-normalized));
      y[yOff + i] = (float) (v * (alpha[c] + (1.0 - alpha[c]) * p));
    }
  }

  @Override
  public void geluErf(float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = (float) (0.5 * v * Erf.erfc(-v / Math.sqrt(2.0)));
    }
  }

  /**
   * Evaluated through the identity {@code 0.5 (1 + tanh(u)) = sigmoid(2u)}: the same function,
   * without the cancellation of {@code 1 + tanh(u)} for negative x (in float that loses 5 digits
   * near x = -3, in double all of them below x = -6.7).
   */
  @Override
  public void geluTanh(float[] x, int xOff, float[] y, int yOff, int n) {
    final double k = Math.sqrt(2.0 / Math.PI);
    for (int i = 0; i < n; i++) {
      double v = x[xOff + i];
      double u = k * (v + 0.044715 * v * v * v);
      y[yOff + i] = (float) (v / (1.0 + Math.exp(-2.0 * u)));
    }
  }

  @Override
  public void silu(float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v * sigmoid(v);
    }
  }

  @Override
  public void softmax(float[] x, int xOff, float[] y, int yOff, int n, int valid) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < valid; i++) {
      max = Math.max(max, x[xOff + i]);
    }
    double sum = 0; // double: 100k float terms summed in float would lose about 3 digits
    for (int i = 0; i < valid; i++) {
      float e = (float) Math.exp(x[xOff + i] - max);
      y[yOff + i] = e;
      sum += e;
    }
    // valid = 0: nothing to scale (sum = 0 is never divided by); the loop below writes the zeros.
    for (int i = 0; i < valid; i++) {
      y[yOff + i] = (float) (y[yOff + i] / sum);
    }
    for (int i = valid; i < n; i++) {
      y[yOff + i] = 0f;
    }
  }

  @Override
  public void softmaxMasked(float[] x, int xOff, float[] y, int yOff, int n, boolean[] mask, int maskOff) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      if (mask[maskOff + i]) {
        max = Math.max(max, x[xOff + i]);
      }
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      float e = mask[maskOff + i] ? (float) Math.exp(x[xOff + i] - max) : 0f;
      y[yOff + i] = e;
      sum += e;
    }
    if (sum == 0) {
      return; // fully masked: all zeros already written (a kept max gives exp(0) = 1, so sum >= 1 otherwise)
    }
    for (int i = 0; i < n; i++) {
      y[yOff + i] = (float) (y[yOff + i] / sum);
    }
  }

  @Override
  public void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n, int valid) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < valid; i++) {
      max = Math.max(max, x[xOff + i]);
    }
    double sum = 0;
    for (int i = 0; i < valid; i++) {
      sum += Math.exp(x[xOff + i] - max);
    }
    // (x - max) - log(sum), not x - (max + log(sum)): x - max is exact next to the max, where the
    // result is small, and max + log(sum) rounded to float would cost |max| x 2^-24 there.
    double logSum = Math.log(sum);
    for (int i = 0; i < valid; i++) {
      y[yOff + i] = (float) ((x[xOff + i] - (double) max) - logSum);
    }
    for (int i = valid; i < n; i++) {
      y[yOff + i] = Float.NEGATIVE_INFINITY;
    }
  }
}
