package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.ActivationFunction;
import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.DinUnit;

/**
 * The prepared weights of DIN's local activation unit (Zhou et al., KDD 2018, §4.3; MODELS.md §0.5,
 * §7), for {@link Attention#dinScores} and {@link Attention#dinAttention}: for a target {@code q}
 * and a behaviour {@code k} (both {@code d} wide) the weight is
 * {@code w(q, k) = Linear_out(act_n(... act_1(Linear_1([q; k; q - k; q * k])) ...))}, one scalar.
 *
 * <p><b>Feature order.</b> The input is {@code [q; k; q-k; q*k]} (target first), the order of every
 * public code base (official DIN {@code din/model.py}, official DIEN, DeepCTR-Torch
 * {@code LocalActivationUnit}, FuxiCTR {@code DIN_Attention}) as MODELS.md §0.5 found; the issue that
 * asked for this kernel wrote {@code [k, q, k-q, k*q]}, which no public code uses. A model trained
 * with another order must permute the column blocks of the first weight before building.
 *
 * <p><b>Weights.</b> Layers are given as PyTorch {@code nn.Linear} tensors ({@code weight} is
 * {@code out x in} row-major, the {@code state_dict} layout): the first hidden layer has
 * {@code in = 4d}, each later one the previous width, the output layer is {@code Linear(hn, 1)}.
 * Building splits the first weight {@code W1 = [Wa | Wb | Wc | Wd]} by column blocks, so that
 * {@code [q; k; q-k; q*k] W1ᵀ = q (Wa+Wc)ᵀ + k (Wb-Wc)ᵀ + (q*k) Wdᵀ}: the target part is computed
 * once per target and the behaviour part once per history, leaving one {@code d x h1} product per
 * (target, behaviour) pair instead of {@code 4d x h1}.
 *
 * <p><b>Normalisation.</b> By default the weights are not normalised (paper, DeepCTR, FuxiCTR):
 * positions at or past the valid length get weight 0. {@link Builder#softmax(float)} selects the
 * official TensorFlow variant, {@code softmax(scale * logits)} over the valid positions (scale
 * {@code 1/sqrt(d)} there).
 *
 * <p>Immutable (every array is copied in) and safe to share between threads.
 */
public final class DinAttentionUnit {
  private final DinUnit unit;

  private DinAttentionUnit(DinUnit unit) {
    this.unit = unit;
  }

  /** Starts a unit for targets and behaviours of width {@code d} (so the first layer has {@code in = 4d}). */
  public static Builder builder(int d) {
    Checks.positive("d", d);
    return new Builder(d);
  }

  /** Width d of targets and behaviours. */
  public int embeddingWidth() {
    return unit.d;
  }

  /** The hidden layer widths {@code h1 .. hn} (a copy). */
  public int[] hiddenWidths() {
    return unit.hidden.clone();
  }

  /** Whether the weights are softmax-normalised (the official TensorFlow variant). */
  public boolean softmax() {
    return unit.softmax;
  }

  DinUnit unit() {
    return unit;
  }

  /** Collects the layers of a unit, checking each as it comes. Not thread-safe; build once at load time. */
  public static final class Builder {
    private final int d;
    private final java.util.List<float[]> weights = new java.util.ArrayList<>();
    private final java.util.List<float[]> biases = new java.util.ArrayList<>();
    private final java.util.List<Integer> widths = new java.util.ArrayList<>();
    private final java.util.List<ActivationFunction> acts = new java.util.ArrayList<>();
    private float[] outWeight;
    private float outBias;
    private boolean softmax;
    private float softmaxScale = 1f;

    private Builder(int d) {
      this.d = d;
    }

    /**
     * Adds a hidden layer {@code act(x Wᵀ + b)}: {@code weight} is {@code out x in} row-major
     * ({@code in = 4d} for the first layer, the previous width after), {@code bias} has {@code out}
     * values or is null.
     */
    public Builder hidden(float[] weight, float[] bias, int out, Activation activation) {
      Checks.positive("out", out);
      Checks.notNull("activation", activation);
      int in = widths.isEmpty() ? 4 * d : widths.get(widths.size() - 1);
      String layer = "hidden layer " + widths.size();
      checkLinear(layer, weight, bias, out, in);
      activation.checkWidth("activation of " + layer, out);
      weights.add(weight.clone());
      biases.add(bias == null ? null : bias.clone());
      widths.add(out);
      acts.add(activation.function());
      return this;
    }

    /** The output layer {@code Linear(hn, 1)}: {@code weight} has {@code hn} values, {@code bias} 1 or is null. */
    public Builder output(float[] weight, float[] bias) {
      if (widths.isEmpty()) {
        throw new IllegalArgumentException("add at least one hidden layer before the output layer");
      }
      int in = widths.get(widths.size() - 1);
      checkLinear("output layer", weight, bias, 1, in);
      outWeight = weight.clone();
      outBias = bias == null ? 0f : bias[0];
      return this;
    }

    /**
     * Normalises the weights as the official TensorFlow DIN does: {@code softmax(scale * logits)}
     * over the valid positions ({@code scale = 1/sqrt(d)} there) instead of raw MLP outputs.
     */
    public Builder softmax(float scale) {
      Checks.finite("scale", scale);
      this.softmax = true;
      this.softmaxScale = scale;
      return this;
    }

    /** The immutable unit. */
    public DinAttentionUnit build() {
      if (widths.isEmpty()) {
        throw new IllegalArgumentException("a DIN attention unit needs at least one hidden layer");
      }
      if (outWeight == null) {
        throw new IllegalArgumentException("the output layer Linear(" + widths.get(widths.size() - 1)
            + ", 1) is missing: call output(weight, bias)");
      }
      int layers = widths.size();
      int[] hidden = new int[layers];
      for (int i = 0; i < layers; i++) {
        hidden[i] = widths.get(i);
      }
      int h1 = hidden[0];
      float[] w1 = weights.get(0);
      float[] w1T = new float[4 * d * h1];
      float[] wqT = new float[d * h1];
      float[] wkT = new float[d * h1];
      float[] wpT = new float[d * h1];
      for (int o = 0; o < h1; o++) {
        int row = o * 4 * d;
        for (int c = 0; c < 4 * d; c++) {
          w1T[c * h1 + o] = w1[row + c];
        }
        for (int c = 0; c < d; c++) {
          float wa = w1[row + c];
          float wb = w1[row + d + c];
          float wc = w1[row + 2 * d + c];
          float wd = w1[row + 3 * d + c];
          wqT[c * h1 + o] = wa + wc;
          wkT[c * h1 + o] = wb - wc;
          wpT[c * h1 + o] = wd;
        }
      }
      float[][] wT = new float[layers][];
      for (int i = 1; i < layers; i++) {
        int in = hidden[i - 1];
        int out = hidden[i];
        float[] w = weights.get(i);
        wT[i] = new float[in * out];
        for (int o = 0; o < out; o++) {
          for (int c = 0; c < in; c++) {
            wT[i][c * out + o] = w[o * in + c];
          }
        }
      }
      float[][] bias = biases.toArray(new float[0][]);
      ActivationFunction[] act = acts.toArray(new ActivationFunction[0]);
      return new DinAttentionUnit(new DinUnit(d, hidden, w1T, wqT, wkT, wpT, bias, wT, act, outWeight.clone(),
          outBias, softmax, softmaxScale));
    }

    private static void checkLinear(String layer, float[] weight, float[] bias, int out, int in) {
      Checks.notNull(layer + " weight", weight);
      if (weight.length != (long) out * in) {
        throw new IllegalArgumentException(layer + " weight must have out x in = " + out + " x " + in + " = "
            + (long) out * in + " floats, got " + weight.length);
      }
      if (bias != null && bias.length != out) {
        throw new IllegalArgumentException(layer + " bias must have out = " + out + " floats, got " + bias.length);
      }
    }
  }
}
