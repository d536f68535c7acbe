package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.scalar.ScalarActivations;

/**
 * Vector activations. (Interim: delegates to the scalar definitions until the vector versions
 * land; the activations helper replaces every method.)
 */
public final class VectorActivations implements ActivationKernels {
  private final ScalarActivations scalar = new ScalarActivations();

  @Override public void sigmoid(float[] x, int xOff, float[] y, int yOff, int n) { scalar.sigmoid(x, xOff, y, yOff, n); }
  @Override public void tanh(float[] x, int xOff, float[] y, int yOff, int n) { scalar.tanh(x, xOff, y, yOff, n); }
  @Override public void relu(float[] x, int xOff, float[] y, int yOff, int n) { scalar.relu(x, xOff, y, yOff, n); }
  @Override public void leakyRelu(float[] x, int xOff, float[] y, int yOff, int n, float slope) { scalar.leakyRelu(x, xOff, y, yOff, n, slope); }
  @Override public void prelu(float[] x, int xOff, float[] y, int yOff, int n, float[] alpha, int alphaOff, int channels) { scalar.prelu(x, xOff, y, yOff, n, alpha, alphaOff, channels); }
  @Override public void dice(float[] x, int xOff, float[] y, int yOff, int n, int channels, float[] mean, float[] var, float[] gamma, float[] beta, float[] alpha, float eps) { scalar.dice(x, xOff, y, yOff, n, channels, mean, var, gamma, beta, alpha, eps); }
  @Override public void geluErf(float[] x, int xOff, float[] y, int yOff, int n) { scalar.geluErf(x, xOff, y, yOff, n); }
  @Override public void geluTanh(float[] x, int xOff, float[] y, int yOff, int n) { scalar.geluTanh(x, xOff, y, yOff, n); }
  @Override public void silu(float[] x, int xOff, float[] y, int yOff, int n) { scalar.silu(x, xOff, y, yOff, n); }
  @Override public void softmax(float[] x, int xOff, float[] y, int yOff, int n, int valid) { scalar.softmax(x, xOff, y, yOff, n, valid); }
  @Override public void softmaxMasked(float[] x, int xOff, float[] y, int yOff, int n, boolean[] mask, int maskOff) { scalar.softmaxMasked(x, xOff, y, yOff, n, mask, maskOff); }
  @Override public void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n, int valid) { scalar.logSoftmax(x, xOff, y, yOff, n, valid); }
}
