package io.github.seqrec.kernels.internal;

/**
 * The prepared weights of a DIN activation unit (MODELS.md §0.5), as the attention kernels read
 * them. Built and validated once by the public {@code DinAttentionUnit}; immutable afterwards (no
 * array is handed out to users), so it is safe to share between threads.
 *
 * <p>The first layer's PyTorch weight {@code W1} ({@code h1 x 4d}) acts on {@code [q; k; q-k; q*k]}.
 * Written as four {@code h1 x d} column blocks {@code W1 = [Wa | Wb | Wc | Wd]},
 * {@code [q; k; q-k; q*k] W1ᵀ = q (Wa+Wc)ᵀ + k (Wb-Wc)ᵀ + (q*k) Wdᵀ}. Both forms are kept:
 * {@link #w1T} (the full {@code 4d x h1} transpose) for the scalar definition, and the three
 * {@code d x h1} transposes {@link #wqT}, {@link #wkT}, {@link #wpT} for the split the vector
 * backend computes (the q part once per target, the k part once per history).
 */
public final class DinUnit {
  /** Embedding width d of targets and behaviours. */
  public final int d;
  /** Hidden widths {@code h1 .. hn} (at least one hidden layer). */
  public final int[] hidden;
  /** {@code 4d x h1}: the first layer's weight, transposed. */
  public final float[] w1T;
  /** {@code d x h1}: {@code (Wa + Wc)ᵀ}, applied to the target. */
  public final float[] wqT;
  /** {@code d x h1}: {@code (Wb - Wc)ᵀ}, applied to the behaviour. */
  public final float[] wkT;
  /** {@code d x h1}: {@code Wdᵀ}, applied to {@code q * k}. */
  public final float[] wpT;
  /**
   * Per hidden layer i: bias ({@code hidden[i]} values, or null). Layer 0's bias is b1.
   */
  public final float[][] bias;
  /** Per hidden layer i >= 1: the weight transposed, {@code hidden[i-1] x hidden[i]}; entry 0 is null. */
  public final float[][] wT;
  /** Per hidden layer: its activation, applied through {@link ActivationKernels#apply}. */
  public final ActivationFunction[] act;
  /** The output layer {@code Linear(hn, 1)}: its weight row ({@code hn} values) and bias. */
  public final float[] wOut;
  public final float bOut;
  /** Whether the weights are softmax-normalised (official TF DIN); then logits are scaled first. */
  public final boolean softmax;
  public final float softmaxScale;
  /** The widest hidden layer. */
  public final int maxHidden;

  public DinUnit(int d, int[] hidden, float[] w1T, float[] wqT, float[] wkT, float[] wpT, float[][] bias,
                 float[][] wT, ActivationFunction[] act, float[] wOut, float bOut, boolean softmax, float softmaxScale) {
    this.d = d;
    this.hidden = hidden;
    this.w1T = w1T;
    this.wqT = wqT;
    this.wkT = wkT;
    this.wpT = wpT;
    this.bias = bias;
    this.wT = wT;
    this.act = act;
    this.wOut = wOut;
    this.bOut = bOut;
    this.softmax = softmax;
    this.softmaxScale = softmaxScale;
    int max = 0;
    for (int h : hidden) {
      max = Math.max(max, h);
    }
    this.maxHidden = max;
  }

  /** Number of hidden layers. */
  public int layers() {
    return hidden.length;
  }
}
