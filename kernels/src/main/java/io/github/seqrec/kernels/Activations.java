package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.KernelProvider;

/**
 * Element-wise activations and softmax, as PyTorch defines them.
 *
 * <p>Every method reads {@code n} floats at {@code x[xOff..]} and writes {@code n} floats at
 * {@code y[yOff..]}. {@code y} may be {@code x} at the same offset (in place); a partial overlap is
 * rejected. Per-channel variants ({@link #prelu}, {@link #dice}) see the n values as
 * {@code n / channels} rows of {@code channels} (row-major {@code rows x channels}, channel =
 * column, as {@code nn.PReLU}/{@code nn.BatchNorm1d} on a {@code [rows, channels]} input), so n
 * must be a multiple of channels. Arguments are checked once here; a bad one raises
 * {@link IllegalArgumentException} naming it with the expected and actual value.
 * {@link #apply(Activation, float[], int, int, int, float[], int)} applies an {@link Activation}
 * (a function with its parameters, as a layer holds it) to a block of rows.
 *
 * <p>The vector backend uses the Vector API's lane-wise {@code exp}/{@code tanh}, which agree with
 * {@code Math} to about 1e-6 relative, not bit for bit. No method allocates. Stateless and
 * thread-safe.
 *
 * <p><b>Softmax and empty rows.</b> {@link #softmax(float[], int, float[], int, int, int)} over the
 * first {@code valid} values writes 0 to the others; {@code valid = 0} (an empty history) gives an
 * all-zero row, never NaN. {@link #softmaxMasked} does the same for an arbitrary {@code boolean[]}
 * mask (true = keep), with a fully masked row all zeros. This is what PyTorch gives for
 * {@code softmax(x.masked_fill(~mask, -inf))} followed by {@code nan_to_num(nan=0)}.
 */
public final class Activations {
  private static final ActivationKernels KERNELS = KernelProvider.get().activations();

  private Activations() {}

  /** Logistic sigmoid {@code y = 1 / (1 + exp(-x))} (torch.sigmoid); exact in both tails, no overflow. */
  public static void sigmoid(float[] x, int xOff, float[] y, int yOff, int n) {
    checkXY(x, xOff, y, yOff, n);
    KERNELS.sigmoid(x, xOff, y, yOff, n);
  }

  /** {@code y = tanh(x)} (torch.tanh). */
  public static void tanh(float[] x, int xOff, float[] y, int yOff, int n) {
    checkXY(x, xOff, y, yOff, n);
    KERNELS.tanh(x, xOff, y, yOff, n);
  }

  /** {@code y = max(0, x)} (F.relu); NaN stays NaN. */
  public static void relu(float[] x, int xOff, float[] y, int yOff, int n) {
    checkXY(x, xOff, y, yOff, n);
    KERNELS.relu(x, xOff, y, yOff, n);
  }

  /** {@code y = x > 0 ? x : slope x} (F.leaky_relu; PyTorch's default slope is 0.01, TF's 0.2). */
  public static void leakyRelu(float[] x, int xOff, float[] y, int yOff, int n, float slope) {
    Checks.finite("slope", slope);
    checkXY(x, xOff, y, yOff, n);
    KERNELS.leakyRelu(x, xOff, y, yOff, n, slope);
  }

  /**
   * PReLU {@code y = max(0, x) + alpha[c] min(0, x)} (F.prelu) over rows of {@code channels}
   * values, {@code c} = column; {@code alpha[alphaOff .. alphaOff + channels)} holds the slopes.
   * {@code channels = 1} is {@code nn.PReLU()}'s single shared slope (then any n is allowed).
   */
  public static void prelu(float[] x, int xOff, float[] y, int yOff, int n, float[] alpha, int alphaOff, int channels) {
    checkChannels(n, channels);
    Checks.region("alpha", alpha, alphaOff, channels);
    checkXY(x, xOff, y, yOff, n);
    KERNELS.prelu(x, xOff, y, yOff, n, alpha, alphaOff, channels);
  }

  /**
   * Dice in inference form (Zhou et al., DIN, KDD 2018, "data adaptive activation function", with
   * eval-mode batch norm statistics):
   * per column c, {@code p = sigmoid(gamma[c] (x - mean[c]) / sqrt(var[c] + eps) + beta[c])} and
   * {@code y = p x + (1 - p) alpha[c] x}. {@code mean}, {@code var} are the batch norm's running
   * statistics, {@code gamma}, {@code beta} its affine parameters (null for {@code affine=False}:
   * 1 and 0), {@code alpha} Dice's own per-channel parameter; each array is indexed from 0 and has
   * at least {@code channels} entries. {@code eps > 0} (DIN uses 1e-8, DeepCTR 1e-8, FuxiCTR 1e-9).
   */
  public static void dice(float[] x, int xOff, float[] y, int yOff, int n, int channels,
                          float[] mean, float[] var, float[] gamma, float[] beta, float[] alpha, float eps) {
    checkChannels(n, channels);
    ElementwiseChecks.channelVector("mean", mean, channels);
    ElementwiseChecks.channelVector("var", var, channels);
    ElementwiseChecks.optionalChannelVector("gamma", gamma, channels);
    ElementwiseChecks.optionalChannelVector("beta", beta, channels);
    ElementwiseChecks.channelVector("alpha", alpha, channels);
    ElementwiseChecks.positiveFinite("eps", eps);
    checkXY(x, xOff, y, yOff, n);
    KERNELS.dice(x, xOff, y, yOff, n, channels, mean, var, gamma, beta, alpha, eps);
  }

  /**
   * Exact GELU {@code y = x Φ(x) = 0.5 x erfc(-x / √2)} (F.gelu, the default {@code approximate='none'};
   * BERT4Rec). erfc is the Numerical Recipes Chebyshev fit (fractional error below 1.2e-7).
   */
  public static void gelu(float[] x, int xOff, float[] y, int yOff, int n) {
    checkXY(x, xOff, y, yOff, n);
    KERNELS.geluErf(x, xOff, y, yOff, n);
  }

  /**
   * Tanh-approximated GELU {@code y = 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))}
   * (F.gelu(approximate='tanh'), FuxiCTR), evaluated as {@code x sigmoid(2u)} to avoid cancellation.
   */
  public static void geluTanh(float[] x, int xOff, float[] y, int yOff, int n) {
    checkXY(x, xOff, y, yOff, n);
    KERNELS.geluTanh(x, xOff, y, yOff, n);
  }

  /** SiLU / swish {@code y = x sigmoid(x)} (F.silu; HSTU). */
  public static void silu(float[] x, int xOff, float[] y, int yOff, int n) {
    checkXY(x, xOff, y, yOff, n);
    KERNELS.silu(x, xOff, y, yOff, n);
  }

  /** Softmax over all n values (torch.softmax), max-subtracted so no exp overflows. */
  public static void softmax(float[] x, int xOff, float[] y, int yOff, int n) {
    softmax(x, xOff, y, yOff, n, n);
  }

  /**
   * Softmax over the first {@code valid} of n values ({@code 0 <= valid <= n}: a right-padded
   * history of length valid); positions {@code >= valid} get 0; {@code valid = 0} gives all zeros.
   */
  public static void softmax(float[] x, int xOff, float[] y, int yOff, int n, int valid) {
    checkXY(x, xOff, y, yOff, n);
    Checks.inRange("valid", valid, 0, n);
    KERNELS.softmax(x, xOff, y, yOff, n, valid);
  }

  /**
   * Softmax over the positions where {@code mask[maskOff + i]} is true; the others get 0 and a
   * fully masked row is all zeros (never NaN).
   */
  public static void softmaxMasked(float[] x, int xOff, float[] y, int yOff, int n, boolean[] mask, int maskOff) {
    checkXY(x, xOff, y, yOff, n);
    Checks.region("mask", mask, maskOff, n);
    KERNELS.softmaxMasked(x, xOff, y, yOff, n, mask, maskOff);
  }

  /** Log-softmax over all n values (torch.log_softmax). */
  public static void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n) {
    logSoftmax(x, xOff, y, yOff, n, n);
  }

  /**
   * Log-softmax {@code y = x - max - log(sum exp(x - max))} over the first {@code valid} values;
   * positions {@code >= valid} get {@code -Infinity} (log of probability 0), as does a whole row
   * with {@code valid = 0}.
   */
  public static void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n, int valid) {
    checkXY(x, xOff, y, yOff, n);
    Checks.inRange("valid", valid, 0, n);
    KERNELS.logSoftmax(x, xOff, y, yOff, n, valid);
  }

  /**
   * Applies {@code act} to {@code rows x cols} values (row-major; channel = column) read at
   * {@code x[xOff..]}, written at {@code y[yOff..]}: one call for a hidden layer's output. An
   * element-wise activation fits any {@code cols}; a per-channel one (PReLU with one slope per
   * channel, Dice) needs {@code cols == act.channels()}. {@code y} may be {@code x} at the same
   * offset (in place); a partial overlap is rejected. Runs on the backend's element kernels, so it
   * costs what the single-function methods above cost.
   */
  public static void apply(Activation act, float[] x, int xOff, int rows, int cols, float[] y, int yOff) {
    Checks.notNull("act", act);
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("cols", cols);
    act.checkWidth("act", cols);
    long n = (long) rows * cols;
    Checks.region("x", x, xOff, n);
    Checks.region("y", y, yOff, n);
    ElementwiseChecks.inPlaceOrDisjoint(x, xOff, y, yOff, n);
    KERNELS.apply(act.function(), x, xOff, y, yOff, rows, cols);
  }

  private static void checkXY(float[] x, int xOff, float[] y, int yOff, int n) {
    Checks.nonNegative("n", n);
    Checks.region("x", x, xOff, n);
    Checks.region("y", y, yOff, n);
    ElementwiseChecks.inPlaceOrDisjoint(x, xOff, y, yOff, n);
  }

  private static void checkChannels(int n, int channels) {
    Checks.positive("channels", channels);
    Checks.nonNegative("n", n);
    if (n % channels != 0) {
      throw new IllegalArgumentException(
          "n must be a multiple of channels = " + channels + " (rows x channels values), got " + n);
    }
  }
}
