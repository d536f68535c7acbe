package io.github.seqrec.models.layers;

import io.github.seqrec.kernels.Activation;
import io.github.seqrec.kernels.Activations;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * The reference MLP ({@code golden/models/_common.py::MLP}): hidden {@code nn.Linear} layers
 * {@code <prefix>.hidden.i}, each followed by activation {@code <prefix>.act.i}, then the output
 * layer {@code <prefix>.out} without activation. Rows go through as one GEMM per layer.
 * Immutable; scratch comes from the caller.
 */
public final class Mlp {
  private final PackedLinear[] hidden;
  private final Activation[] activations;
  private final PackedLinear out;
  private final int widest;

  private Mlp(PackedLinear[] hidden, Activation[] activations, PackedLinear out) {
    this.hidden = hidden;
    this.activations = activations;
    this.out = out;
    int w = out.inFeatures();
    for (PackedLinear layer : hidden) {
      w = Math.max(w, Math.max(layer.inFeatures(), layer.outFeatures()));
    }
    this.widest = w;
  }

  /** Loads {@code in -> hidden[0] -> ... -> outDim} with activation {@code act} after each hidden layer. */
  public static Mlp load(SafeTensors st, String prefix, int in, int[] hiddenSizes, String act, int outDim,
                         float diceEps) throws IOException {
    PackedLinear[] hidden = new PackedLinear[hiddenSizes.length];
    Activation[] activations = new Activation[hiddenSizes.length];
    int width = in;
    for (int i = 0; i < hiddenSizes.length; i++) {
      hidden[i] = linear(st, prefix + ".hidden." + i, hiddenSizes[i], width);
      activations[i] = activation(st, prefix + ".act." + i, act, hiddenSizes[i], diceEps);
      width = hiddenSizes[i];
    }
    return new Mlp(hidden, activations, linear(st, prefix + ".out", outDim, width));
  }

  /**
   * One hidden-layer activation with its parameters from the weights: {@code relu}, {@code sigmoid},
   * {@code prelu} ({@code nn.PReLU()}, one shared slope {@code <prefix>.weight}) or {@code dice}
   * (eval form: {@code <prefix>.alpha} and the {@code nn.BatchNorm1d} statistics
   * {@code <prefix>.bn.{running_mean, running_var, weight, bias}}, {@code channels} values each).
   */
  public static Activation activation(SafeTensors st, String prefix, String kind, int channels, float diceEps)
      throws IOException {
    return switch (kind) {
      case "relu" -> Activation.relu();
      case "sigmoid" -> Activation.sigmoid();
      case "silu" -> Activation.silu();
      case "prelu" -> Activation.prelu(st.floats(prefix + ".weight", 1));
      case "dice" -> Activation.dice(st.floats(prefix + ".bn.running_mean", channels),
          st.floats(prefix + ".bn.running_var", channels), st.floats(prefix + ".bn.weight", channels),
          st.floats(prefix + ".bn.bias", channels), st.floats(prefix + ".alpha", channels), diceEps);
      default -> throw new IllegalArgumentException(
          "activation must be relu, sigmoid, silu, prelu or dice, got '" + kind + "'");
    };
  }

  /** An {@code nn.Linear} with bias from {@code <name>.weight [out, in]} and {@code <name>.bias [out]}. */
  public static PackedLinear linear(SafeTensors st, String name, int out, int in) throws IOException {
    return Dense.pack(st.floats(name + ".weight", out, in), st.floats(name + ".bias", out), out, in);
  }

  /** An {@code nn.Linear(bias=False)} from {@code <name> [out, in]}. */
  public static PackedLinear linearNoBias(SafeTensors st, String name, int out, int in) throws IOException {
    return Dense.pack(st.floats(name, out, in), null, out, in);
  }

  public int inFeatures() {
    return hidden.length == 0 ? out.inFeatures() : hidden[0].inFeatures();
  }

  public int outFeatures() {
    return out.outFeatures();
  }

  /** Floats of scratch {@link #forward} needs for {@code rows} rows. */
  public int scratchSize(int rows) {
    return 2 * rows * widest;
  }

  /** {@code y[rows x outFeatures] = MLP(x[rows x inFeatures])}. */
  public void forward(float[] x, int xOff, int rows, float[] y, int yOff, float[] scratch) {
    float[] src = x;
    int srcOff = xOff;
    int half = rows * widest;
    for (int i = 0; i < hidden.length; i++) {
      int dstOff = (i % 2) * half;
      Dense.linear(src, srcOff, rows, hidden[i], scratch, dstOff, false);
      Activations.apply(activations[i], scratch, dstOff, rows, hidden[i].outFeatures(), scratch, dstOff);
      src = scratch;
      srcOff = dstOff;
    }
    Dense.linear(src, srcOff, rows, out, y, yOff, false);
  }
}
