package io.github.seqrec.kernels.internal;

/**
 * Element-wise activations and softmax. Every method reads {@code n} values at {@code x[xOff..]}
 * and writes {@code n} values at {@code y[yOff..]}; {@code y} may be {@code x} at the same offset
 * (in place). Arguments have been validated by the facade.
 */
public interface ActivationKernels {

  /** {@code y = 1 / (1 + exp(-x))}. */
  void sigmoid(float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code y = tanh(x)}. */
  void tanh(float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code y = max(0, x)}; NaN stays NaN. */
  void relu(float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code y = x > 0 ? x : slope * x} (LeakyReLU). */
  void leakyRelu(float[] x, int xOff, float[] y, int yOff, int n, float slope);

  /**
   * {@code y = max(0, x) + alpha[c] * min(0, x)} with channel {@code c = i % channels}: PReLU over
   * rows of {@code channels} values ({@code channels = 1} is PyTorch's single shared alpha).
   */
  void prelu(float[] x, int xOff, float[] y, int yOff, int n, float[] alpha, int alphaOff, int channels);

  /**
   * Dice in inference form (DIN paper §5, eval-mode batch norm with stored statistics), per channel
   * {@code c = i % channels}: {@code p = sigmoid(gamma[c] (x - mean[c]) / sqrt(var[c] + eps) + beta[c])},
   * {@code y = x (alpha[c] + (1 - alpha[c]) p)}. {@code gamma} and {@code beta} may be null (batch
   * norm with {@code affine=False}), meaning 1 and 0. The statistic arrays are indexed from 0.
   */
  void dice(float[] x, int xOff, float[] y, int yOff, int n, int channels,
            float[] mean, float[] var, float[] gamma, float[] beta, float[] alpha, float eps);

  /** Exact GELU {@code y = x Φ(x) = 0.5 x erfc(-x / sqrt 2)} (BERT4Rec, PyTorch default). */
  void geluErf(float[] x, int xOff, float[] y, int yOff, int n);

  /** Tanh GELU {@code y = 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))} (PyTorch approximate='tanh'). */
  void geluTanh(float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code y = x sigmoid(x)} (SiLU / swish, HSTU). */
  void silu(float[] x, int xOff, float[] y, int yOff, int n);

  /**
   * Softmax over the first {@code valid} of {@code n} values; positions {@code >= valid} get 0.
   * {@code valid = 0} (an empty history) gives all zeros, never NaN. Max-subtracted.
   */
  void softmax(float[] x, int xOff, float[] y, int yOff, int n, int valid);

  /**
   * Softmax over the positions where {@code mask[maskOff + i]} is true; masked positions get 0, a
   * fully masked row is all zeros.
   */
  void softmaxMasked(float[] x, int xOff, float[] y, int yOff, int n, boolean[] mask, int maskOff);

  /**
   * Log-softmax over the first {@code valid} of {@code n} values; positions {@code >= valid} get
   * {@code -Infinity} (log 0), as does every position of a row with {@code valid = 0}.
   */
  void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n, int valid);

  /**
   * Applies {@code act} to {@code rows x cols} values (row-major, channel = column) from
   * {@code x[xOff..]} into {@code y[yOff..]} through this backend's element kernels; {@code y} may
   * be {@code x} at the same offset. A per-channel activation has {@code act.channels == cols}
   * (checked by the facade or the unit that owns it). Every backend shares this dispatch: the
   * element kernels are where the backends differ.
   */
  default void apply(ActivationFunction act, float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
    int n = rows * cols;
    switch (act.kind) {
      case IDENTITY -> {
        if (x != y || xOff != yOff) {
          System.arraycopy(x, xOff, y, yOff, n);
        }
      }
      case RELU -> relu(x, xOff, y, yOff, n);
      case LEAKY_RELU -> leakyRelu(x, xOff, y, yOff, n, act.slope);
      case PRELU -> prelu(x, xOff, y, yOff, n, act.alpha, 0, act.alpha.length);
      case SIGMOID -> sigmoid(x, xOff, y, yOff, n);
      case TANH -> tanh(x, xOff, y, yOff, n);
      case GELU -> geluErf(x, xOff, y, yOff, n);
      case GELU_TANH -> geluTanh(x, xOff, y, yOff, n);
      case SILU -> silu(x, xOff, y, yOff, n);
      case DICE -> dice(x, xOff, y, yOff, n, cols, act.mean, act.var, act.gamma, act.beta, act.alpha, act.eps);
    }
  }
}
