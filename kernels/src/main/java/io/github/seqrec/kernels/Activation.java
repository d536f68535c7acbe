package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.ActivationFunction;
import io.github.seqrec.kernels.internal.Checks;
import java.util.Locale;

/**
 * One element-wise activation with its parameters, as the layers that end in one take it: the
 * hidden layers of {@link DinAttentionUnit}, Caser's horizontal convolutions
 * ({@link Convolution#packHorizontal}), the MLPs of the reference models. Apply it to a block of
 * rows with {@link Activations#apply(Activation, float[], int, int, int, float[], int)}.
 *
 * <p>The functions are those of {@link Activations}, as PyTorch defines them. Most are element-wise
 * and fit rows of any width ({@link #channels()} is 0); PReLU with one slope per channel and Dice
 * carry one parameter per channel (column), so they fit rows of exactly {@link #channels()} values.
 *
 * <p>Immutable: the factories check every parameter (a bad one raises
 * {@link IllegalArgumentException} naming it, with the expected and the actual value) and copy the
 * arrays in; nothing is handed out. Safe to share between threads.
 */
public final class Activation {

  /** The activation functions. */
  public enum Kind {
    /** {@code f(x) = x}. */
    IDENTITY,
    /** {@code max(0, x)} (F.relu). */
    RELU,
    /** {@code x > 0 ? x : slope x} (F.leaky_relu). */
    LEAKY_RELU,
    /** {@code max(0, x) + alpha[c] min(0, x)} (F.prelu). */
    PRELU,
    /** {@code 1 / (1 + exp(-x))} (torch.sigmoid). */
    SIGMOID,
    /** {@code tanh(x)}. */
    TANH,
    /** {@code x Φ(x)}, exact (F.gelu). */
    GELU,
    /** GELU's tanh approximation (F.gelu(approximate='tanh')). */
    GELU_TANH,
    /** {@code x sigmoid(x)} (F.silu). */
    SILU,
    /** DIN's Dice in inference form. */
    DICE
  }

  private static final Activation IDENTITY = plain(Kind.IDENTITY);
  private static final Activation RELU = plain(Kind.RELU);
  private static final Activation SIGMOID = plain(Kind.SIGMOID);
  private static final Activation TANH = plain(Kind.TANH);
  private static final Activation GELU = plain(Kind.GELU);
  private static final Activation GELU_TANH = plain(Kind.GELU_TANH);
  private static final Activation SILU = plain(Kind.SILU);

  private final ActivationFunction function;

  private Activation(ActivationFunction function) {
    this.function = function;
  }

  private static Activation plain(Kind kind) {
    return new Activation(new ActivationFunction(kind, 0, 0f, null, null, null, null, null, 0f));
  }

  /** No activation. */
  public static Activation identity() {
    return IDENTITY;
  }

  /** {@code max(0, x)}; NaN stays NaN. */
  public static Activation relu() {
    return RELU;
  }

  /** {@code x > 0 ? x : slope x} (PyTorch's default slope is 0.01, TensorFlow's 0.2); slope finite. */
  public static Activation leakyRelu(float slope) {
    Checks.finite("slope", slope);
    return new Activation(new ActivationFunction(Kind.LEAKY_RELU, 0, slope, null, null, null, null, null, 0f));
  }

  /**
   * PReLU {@code max(0, x) + alpha[c] min(0, x)}: {@code alpha} is {@code nn.PReLU}'s weight, one
   * shared slope ({@code nn.PReLU()}: fits any width) or one per channel ({@code nn.PReLU(c)}: fits
   * rows of {@code alpha.length} values). Every slope must be finite.
   */
  public static Activation prelu(float... alpha) {
    Checks.notNull("alpha", alpha);
    Checks.positive("alpha length", alpha.length);
    finiteValues("alpha", alpha);
    int channels = alpha.length == 1 ? 0 : alpha.length;
    return new Activation(new ActivationFunction(Kind.PRELU, channels, 0f, alpha.clone(), null, null, null, null, 0f));
  }

  /** {@code 1 / (1 + exp(-x))}, exact in both tails. */
  public static Activation sigmoid() {
    return SIGMOID;
  }

  /** {@code tanh(x)}. */
  public static Activation tanh() {
    return TANH;
  }

  /** Exact GELU {@code x Φ(x)} (F.gelu, {@code approximate='none'}; BERT4Rec). */
  public static Activation gelu() {
    return GELU;
  }

  /** Tanh-approximated GELU (F.gelu(approximate='tanh'); FuxiCTR). */
  public static Activation geluTanh() {
    return GELU_TANH;
  }

  /** SiLU / swish {@code x sigmoid(x)} (F.silu; HSTU). */
  public static Activation silu() {
    return SILU;
  }

  /**
   * Dice in inference form (Zhou et al., DIN, KDD 2018, §5, with eval-mode batch norm): per
   * channel c, {@code p = sigmoid(gamma[c] (x - mean[c]) / sqrt(var[c] + eps) + beta[c])} and
   * {@code y = p x + (1 - p) alpha[c] x}. {@code mean} and {@code var} are the batch norm's running
   * statistics, {@code gamma} and {@code beta} its affine weight and bias (null when the batch norm
   * has {@code affine=False}: 1 and 0), {@code alpha} Dice's own weight. All have one finite value
   * per channel ({@code mean.length} of them); {@code eps} is finite and {@code var[c] + eps > 0}
   * (DIN and DeepCTR use eps = 1e-8, FuxiCTR 1e-9).
   */
  public static Activation dice(float[] mean, float[] var, float[] gamma, float[] beta, float[] alpha, float eps) {
    Checks.notNull("mean", mean);
    Checks.notNull("var", var);
    Checks.notNull("alpha", alpha);
    Checks.finite("eps", eps);
    int channels = mean.length;
    Checks.positive("mean length", channels);
    sameLength("var", var, channels);
    sameLength("alpha", alpha, channels);
    if (gamma != null) {
      sameLength("gamma", gamma, channels);
      finiteValues("gamma", gamma);
    }
    if (beta != null) {
      sameLength("beta", beta, channels);
      finiteValues("beta", beta);
    }
    finiteValues("mean", mean);
    finiteValues("alpha", alpha);
    for (int c = 0; c < channels; c++) {
      if (!(var[c] + eps > 0f) || !Float.isFinite(var[c])) {
        throw new IllegalArgumentException("var[" + c + "] + eps must be > 0 and finite, got " + var[c] + " + " + eps);
      }
    }
    return new Activation(new ActivationFunction(Kind.DICE, channels, 0f, alpha.clone(), mean.clone(), var.clone(),
        gamma == null ? null : gamma.clone(), beta == null ? null : beta.clone(), eps));
  }

  /** The function. */
  public Kind kind() {
    return function.kind;
  }

  /**
   * The row width this activation's per-channel parameters fix (PReLU with one slope per channel,
   * Dice), or 0 when it is element-wise and fits rows of any width.
   */
  public int channels() {
    return function.channels;
  }

  /**
   * Whether {@code f} is non-decreasing, so that {@code max_i f(v_i) = f(max_i v_i)}: identity,
   * ReLU, sigmoid, tanh, and leaky ReLU / PReLU with slopes {@code >= 0}. GELU, SiLU and Dice are not.
   */
  public boolean isNonDecreasing() {
    return switch (function.kind) {
      case IDENTITY, RELU, SIGMOID, TANH -> true;
      case LEAKY_RELU -> function.slope >= 0f;
      case PRELU -> {
        for (float a : function.alpha) {
          if (a < 0f) {
            yield false;
          }
        }
        yield true;
      }
      case GELU, GELU_TANH, SILU, DICE -> false;
    };
  }

  /** For example {@code relu}, {@code leaky_relu(slope=0.01)}, {@code prelu(channels=64)}, {@code dice(channels=80)}. */
  @Override
  public String toString() {
    String name = function.kind.name().toLowerCase(Locale.ROOT);
    return switch (function.kind) {
      case LEAKY_RELU -> name + "(slope=" + function.slope + ")";
      case PRELU -> function.channels == 0 ? name + "(alpha=" + function.alpha[0] + ")"
          : name + "(channels=" + function.channels + ")";
      case DICE -> name + "(channels=" + function.channels + ", eps=" + function.eps + ")";
      default -> name;
    };
  }

  /** What the kernels read. */
  ActivationFunction function() {
    return function;
  }

  /**
   * Checks that this activation fits rows of {@code cols} values; {@code where} (a constant: no
   * message is built unless the check fails, so the check allocates nothing) names the layer or
   * argument in the message.
   */
  void checkWidth(String where, int cols) {
    int channels = function.channels;
    if (channels == 0 || channels == cols) {
      return;
    }
    String what = where + " " + this + ": ";
    if (function.kind == Kind.PRELU) {
      throw new IllegalArgumentException(what + "PReLU alpha must have 1 or " + cols + " values, got " + channels);
    }
    throw new IllegalArgumentException(what + "Dice statistics must have " + cols + " channels, got " + channels);
  }

  private static void sameLength(String name, float[] values, int channels) {
    if (values.length != channels) {
      throw new IllegalArgumentException(name + " must have " + channels + " values (one per channel, as mean), got "
          + values.length);
    }
  }

  private static void finiteValues(String name, float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(name + "[" + i + "] must be finite, got " + values[i]);
      }
    }
  }
}
