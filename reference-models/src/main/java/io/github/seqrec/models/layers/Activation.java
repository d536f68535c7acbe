package io.github.seqrec.models.layers;

import io.github.seqrec.kernels.Activations;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * One hidden-layer activation of a reference MLP, with its parameters loaded from the weights:
 * {@code relu}, {@code sigmoid}, {@code prelu} ({@code nn.PReLU()}, one shared slope
 * {@code <prefix>.weight}) or {@code dice} (eval form: {@code <prefix>.alpha} and the
 * {@code nn.BatchNorm1d} statistics {@code <prefix>.bn.{running_mean, running_var, weight, bias}}).
 */
public final class Activation {
  private final String kind;
  private final int channels;
  private final float[] alpha;
  private final float[] mean;
  private final float[] var;
  private final float[] gamma;
  private final float[] beta;
  private final float eps;

  private Activation(String kind, int channels, float[] alpha, float[] mean, float[] var, float[] gamma,
                     float[] beta, float eps) {
    this.kind = kind;
    this.channels = channels;
    this.alpha = alpha;
    this.mean = mean;
    this.var = var;
    this.gamma = gamma;
    this.beta = beta;
    this.eps = eps;
  }

  /** Loads activation {@code kind} for {@code channels} units from {@code <prefix>.*}. */
  public static Activation load(SafeTensors st, String prefix, String kind, int channels, float diceEps)
      throws IOException {
    return switch (kind) {
      case "relu", "sigmoid" -> new Activation(kind, channels, null, null, null, null, null, 0f);
      case "prelu" -> new Activation(kind, channels, st.floats(prefix + ".weight", 1), null, null, null, null, 0f);
      case "dice" -> new Activation(kind, channels,
          st.floats(prefix + ".alpha", channels),
          st.floats(prefix + ".bn.running_mean", channels),
          st.floats(prefix + ".bn.running_var", channels),
          st.floats(prefix + ".bn.weight", channels),
          st.floats(prefix + ".bn.bias", channels), diceEps);
      default -> throw new IllegalArgumentException(
          "activation must be relu, sigmoid, prelu or dice, got '" + kind + "'");
    };
  }

  /** Applies the activation in place to {@code rows x channels} values at {@code x[off ..]}. */
  public void apply(float[] x, int off, int rows) {
    int n = rows * channels;
    switch (kind) {
      case "relu" -> Activations.relu(x, off, x, off, n);
      case "sigmoid" -> Activations.sigmoid(x, off, x, off, n);
      case "prelu" -> Activations.prelu(x, off, x, off, n, alpha, 0, 1);
      case "dice" -> Activations.dice(x, off, x, off, n, channels, mean, var, gamma, beta, alpha, eps);
      default -> throw new IllegalStateException(kind);
    }
  }

  public String kind() {
    return kind;
  }
}
