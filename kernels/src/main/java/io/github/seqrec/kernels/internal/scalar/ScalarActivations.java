package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.ActivationKernels;

/** Scalar definitions of the activations, in float with {@code Math} transcendentals. */
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
      y[yOff + i] = v > 0f ? v : 0f;
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
      float normalized = (float) ((v - mean[c]) / Math.sqrt(var[c] + eps));
      float p = sigmoid(gamma[c] * normalized + beta[c]);
      y[yOff + i] = v * (alpha[c] + (1f - alpha[c]) * p);
    }
  }

  @Override
  public void geluErf(float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = (float) (0.5 * v * Erf.erfc(-v / Math.sqrt(2.0)));
    }
  }

  @Override
  public void geluTanh(float[] x, int xOff, float[] y, int yOff, int n) {
    final double k = Math.sqrt(2.0 / Math.PI);
    for (int i = 0; i < n; i++) {
      double v = x[xOff + i];
      y[yOff + i] = (float) (0.5 * v * (1.0 + Math.tanh(k * (v + 0.044715 * v * v * v))));
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
    float sum = 0f;
    for (int i = 0; i < valid; i++) {
      float e = (float) Math.exp(x[xOff + i] - max);
      y[yOff + i] = e;
      sum += e;
    }
    float inv = 1f / sum;
    for (int i = 0; i < valid; i++) {
      y[yOff + i] *= inv;
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
    float sum = 0f;
    for (int i = 0; i < n; i++) {
      float e = mask[maskOff + i] ? (float) Math.exp(x[xOff + i] - max) : 0f;
      y[yOff + i] = e;
      sum += e;
    }
    if (sum == 0f) {
      return; // fully masked: all zeros already written
    }
    float inv = 1f / sum;
    for (int i = 0; i < n; i++) {
      y[yOff + i] *= inv;
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
    float logSum = (float) Math.log(sum) + max;
    for (int i = 0; i < valid; i++) {
      y[yOff + i] = x[xOff + i] - logSum;
    }
    for (int i = valid; i < n; i++) {
      y[yOff + i] = Float.NEGATIVE_INFINITY;
    }
  }
}
