package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.ConvolutionKernels;
import io.github.seqrec.kernels.internal.KernelProvider;

/**
 * The convolutions of the CNN sequential recommenders: NextItNet's dilated causal 1-D convolution
 * and Caser's horizontal (max-pooled over time) and vertical convolutions.
 *
 * <p>A sequence is {@code length x channels} row-major (time-major: row t is position t, oldest
 * first), {@code float[]} with an explicit offset. Weights are packed once from their PyTorch
 * {@code state_dict} layout into immutable objects ({@link PackedCausalConv},
 * {@link PackedHorizontalConv}, {@link PackedVerticalConv}); every convolution then runs as GEMMs
 * through {@link Dense}'s kernel, with no im2col copy. Outputs go into caller-provided arrays and
 * only the pack methods allocate. Stateless and thread-safe. Arguments are checked here, once, and a
 * bad one raises {@link IllegalArgumentException} naming it with the expected and actual shape.
 */
public final class Convolution {
  private static final ConvolutionKernels KERNELS = KernelProvider.get().convolution();

  private Convolution() {}

  // ---------------------------------------------------------------- dilated causal 1-D convolution

  /**
   * Packs a PyTorch {@code nn.Conv1d(inChannels, outChannels, kernelSize, dilation=dilation)}:
   * {@code weight} is {@code [outChannels, inChannels, kernelSize]} row-major (RecBole's
   * {@code Conv2d(.., (1, k))} weight {@code [out, in, 1, k]} has the same memory layout),
   * {@code bias} has {@code outChannels} entries or is null. For TensorFlow's NextItNet weight
   * {@code [k, in, out]} ({@code [1, k, in, out]}), permute it to {@code [out, in, k]} first.
   */
  public static PackedCausalConv packCausalConv1d(float[] weight, float[] bias, int outChannels, int inChannels,
                                                  int kernelSize, int dilation) {
    Checks.positive("outChannels", outChannels);
    Checks.positive("inChannels", inChannels);
    Checks.positive("kernelSize", kernelSize);
    Checks.positive("dilation", dilation);
    Checks.notNull("weight", weight);
    long expected = (long) outChannels * inChannels * kernelSize;
    if (weight.length != expected) {
      throw new IllegalArgumentException("weight must have outChannels x inChannels x kernelSize = " + outChannels
          + " x " + inChannels + " x " + kernelSize + " = " + expected + " floats, got " + weight.length);
    }
    if (bias != null && bias.length != outChannels) {
      throw new IllegalArgumentException("bias must have outChannels = " + outChannels + " floats, got " + bias.length);
    }
    float[] taps = new float[(int) expected];
    for (int o = 0; o < outChannels; o++) {
      for (int c = 0; c < inChannels; c++) {
        for (int m = 0; m < kernelSize; m++) {
          taps[(m * inChannels + c) * outChannels + o] = weight[(o * inChannels + c) * kernelSize + m];
        }
      }
    }
    return new PackedCausalConv(inChannels, outChannels, kernelSize, dilation, taps, bias == null ? null : bias.clone());
  }

  /**
   * Dilated causal convolution (NextItNet's {@code causalconv}, WaveNet style) of one sequence:
   * x is {@code length x C_in} at xOff, y gets {@code length x C_out} at yOff, and
   * <pre>  y[t] = b + sum_{m=0}^{k-1} W[:, :, m] x[t - (k-1-m) r]   (x[negative] = 0)</pre>
   * which is {@code nn.Conv1d(dilation=r)} on x left-padded with {@code (k-1) r} zero rows.
   * Positions earlier than the receptive field simply see fewer taps; {@code length = 0} writes
   * nothing. y must not overlap x.
   */
  public static void causalConv1d(float[] x, int xOff, int length, PackedCausalConv conv, float[] y, int yOff) {
    causalConv1dRows(x, xOff, length, 0, conv, y, yOff);
  }

  /**
   * Only the output rows {@code fromRow .. length-1} of {@link #causalConv1d} (all of x is input):
   * y gets {@code (length - fromRow) x C_out} at yOff, row {@code t - fromRow} holding position t.
   * For serving, where only the newest positions are needed. {@code 0 <= fromRow <= length}.
   */
  public static void causalConv1dRows(float[] x, int xOff, int length, int fromRow, PackedCausalConv conv,
                                      float[] y, int yOff) {
    Checks.notNull("conv", conv);
    Checks.nonNegative("length", length);
    Checks.inRange("fromRow", fromRow, 0, length);
    checkCausal(x, xOff, (long) length * conv.inChannels(), y, yOff, (long) (length - fromRow) * conv.outChannels());
    KERNELS.causalConv1d(x, xOff, length, fromRow, conv.taps(), conv.bias(), conv.inChannels(), conv.outChannels(),
        conv.kernelSize(), conv.dilation(), y, yOff);
  }

  /**
   * The last output position only ({@code C_out} values at yOff): NextItNet's next-item read-out
   * and the incremental-decoding step. {@code length >= 1}; costs k GEMV-sized products.
   */
  public static void causalConv1dLast(float[] x, int xOff, int length, PackedCausalConv conv, float[] y, int yOff) {
    Checks.positive("length", length);
    causalConv1dRows(x, xOff, length, length - 1, conv, y, yOff);
  }

  /**
   * {@link #causalConv1d} of {@code batch} sequences of equal length stored back to back: x is
   * {@code batch x length x C_in}, y gets {@code batch x length x C_out}. Sequences never see each
   * other (each has its own zero padding).
   */
  public static void causalConv1dBatch(float[] x, int xOff, int batch, int length, PackedCausalConv conv,
                                       float[] y, int yOff) {
    Checks.notNull("conv", conv);
    Checks.nonNegative("batch", batch);
    Checks.nonNegative("length", length);
    long inStride = (long) length * conv.inChannels();
    long outStride = (long) length * conv.outChannels();
    checkCausal(x, xOff, batch * inStride, y, yOff, batch * outStride);
    for (int b = 0; b < batch; b++) {
      KERNELS.causalConv1d(x, xOff + (int) (b * inStride), length, 0, conv.taps(), conv.bias(), conv.inChannels(),
          conv.outChannels(), conv.kernelSize(), conv.dilation(), y, yOff + (int) (b * outStride));
    }
  }

  private static void checkCausal(float[] x, int xOff, long xLength, float[] y, int yOff, long yLength) {
    Checks.region("x", x, xOff, xLength);
    Checks.region("y", y, yOff, yLength);
    disjoint("x", x, xOff, xLength, "y", y, yOff, yLength);
  }

  // ---------------------------------------------------------------- Caser horizontal convolution

  /**
   * Packs Caser's horizontal convolutions for the heights {@code 1 .. weights.length} (the model's
   * {@code conv_h}, one {@code nn.Conv2d(1, filters, (h, width))} per height h = i + 1):
   * {@code weights[i]} is {@code [filters, 1, i+1, width]} row-major, {@code biases} (nullable, or
   * with null entries) holds {@code filters} values per height.
   */
  public static PackedHorizontalConv packHorizontal(float[][] weights, float[][] biases, int filters, int width,
                                                    Activation activation) {
    Checks.notNull("weights", weights);
    int[] heights = new int[weights.length];
    for (int i = 0; i < heights.length; i++) {
      heights[i] = i + 1;
    }
    return packHorizontal(heights, weights, biases, filters, width, activation);
  }

  /**
   * Packs horizontal convolutions of the given heights (any distinct positive heights, in output
   * order): {@code weights[i]} is {@code [filters, 1, heights[i], width]} row-major,
   * {@code biases[i]} (nullable) has {@code filters} values.
   */
  public static PackedHorizontalConv packHorizontal(int[] heights, float[][] weights, float[][] biases, int filters,
                                                    int width, Activation activation) {
    Checks.notNull("heights", heights);
    Checks.notNull("weights", weights);
    Checks.notNull("activation", activation);
    if (activation.channels() != 0 || !activation.isNonDecreasing()) {
      throw new IllegalArgumentException("activation must be element-wise and non-decreasing (identity, relu, sigmoid,"
          + " tanh, leaky ReLU or PReLU with one slope >= 0): it is applied after the max over time, got " + activation);
    }
    Checks.positive("filters", filters);
    Checks.positive("width", width);
    Checks.positive("number of heights", heights.length);
    if (weights.length != heights.length) {
      throw new IllegalArgumentException("weights must have one entry per height (" + heights.length + "), got "
          + weights.length);
    }
    if (biases != null && biases.length != heights.length) {
      throw new IllegalArgumentException("biases must have one entry per height (" + heights.length + "), got "
          + biases.length);
    }
    int[] offsets = new int[heights.length];
    long total = 0;
    for (int i = 0; i < heights.length; i++) {
      Checks.positive("heights[" + i + "]", heights[i]);
      for (int j = 0; j < i; j++) {
        if (heights[j] == heights[i]) {
          throw new IllegalArgumentException("heights must be distinct, got " + heights[i] + " twice");
        }
      }
      long size = (long) filters * heights[i] * width;
      Checks.notNull("weights[" + i + "]", weights[i]);
      if (weights[i].length != size) {
        throw new IllegalArgumentException("weights[" + i + "] must have filters x 1 x height x width = " + filters
            + " x 1 x " + heights[i] + " x " + width + " = " + size + " floats, got " + weights[i].length);
      }
      if (biases != null && biases[i] != null && biases[i].length != filters) {
        throw new IllegalArgumentException("biases[" + i + "] must have filters = " + filters + " floats, got "
            + biases[i].length);
      }
      if (total + size > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("horizontal weights are too large: more than " + Integer.MAX_VALUE + " floats");
      }
      offsets[i] = (int) total;
      total += size;
    }
    float[] weightT = new float[(int) total];
    float[] bias = new float[heights.length * filters];
    for (int i = 0; i < heights.length; i++) {
      // [filters, h width] -> [h width, filters]: window element (r, c) is row r width + c.
      Dense.transpose(weights[i], 0, filters, heights[i] * width, weightT, offsets[i]);
      if (biases != null && biases[i] != null) {
        System.arraycopy(biases[i], 0, bias, i * filters, filters);
      }
    }
    return new PackedHorizontalConv(filters, width, heights.clone(), weightT, offsets, bias, activation);
  }

  /** Scratch floats {@link #horizontal} needs: {@code (length - smallest height + 1) x filters}. */
  public static int horizontalScratchSize(int length, PackedHorizontalConv conv) {
    Checks.notNull("conv", conv);
    checkHorizontalLength(length, conv);
    return intSize("horizontal scratch", (long) (length - conv.minHeight() + 1) * conv.filters());
  }

  /**
   * Caser's horizontal convolutions with max-pooling over time (paper eq. 3-4; official
   * {@code caser.py}): E is {@code length x width} at eOff and, for the i-th height h with filters
   * {@code W_i} ({@code filters x h x width}) and bias {@code b_i},
   * <pre>  out[i filters + f] = act( max_{w=0..length-h} ( b_i[f] + sum_{r &lt; h, c &lt; width} W_i[f][r][c] E[w+r][c] ) )</pre>
   * so {@code out} gets {@code heightCount x filters} values, height-major (Caser's
   * {@code torch.cat(out_hs, 1)}). {@code length} must be at least the largest height (Caser's L
   * is fixed and short histories are left-padded, so there is always a window). Scratch: at least
   * {@link #horizontalScratchSize} floats, any content; must not overlap e or out.
   */
  public static void horizontal(float[] e, int eOff, int length, PackedHorizontalConv conv, float[] out, int outOff,
                                float[] scratch, int scratchOff) {
    int size = horizontalScratchSize(length, conv);
    long eLength = (long) length * conv.width();
    long outLength = (long) conv.heightCount() * conv.filters();
    Checks.region("e", e, eOff, eLength);
    Checks.region("out", out, outOff, outLength);
    Checks.region("scratch", scratch, scratchOff, size);
    disjoint("e", e, eOff, eLength, "out", out, outOff, outLength);
    disjoint("scratch", scratch, scratchOff, size, "e", e, eOff, eLength);
    disjoint("scratch", scratch, scratchOff, size, "out", out, outOff, outLength);
    KERNELS.horizontal(e, eOff, length, conv.width(), conv.heights(), conv.weightT(), conv.weightOffsets(), conv.bias(),
        conv.filters(), conv.activation().function(), out, outOff, scratch, scratchOff);
  }

  private static void checkHorizontalLength(int length, PackedHorizontalConv conv) {
    if (length < conv.maxHeight()) {
      throw new IllegalArgumentException("length must be >= the largest filter height " + conv.maxHeight()
          + " (left-pad shorter histories), got " + length);
    }
  }

  // ---------------------------------------------------------------- Caser vertical convolution

  /**
   * Packs Caser's vertical convolution {@code nn.Conv2d(1, filters, (length, 1))}: {@code weight}
   * is {@code [filters, 1, length, 1]} row-major, {@code bias} has {@code filters} entries or is null.
   */
  public static PackedVerticalConv packVertical(float[] weight, float[] bias, int filters, int length) {
    Checks.positive("filters", filters);
    Checks.positive("length", length);
    Checks.notNull("weight", weight);
    if (weight.length != (long) filters * length) {
      throw new IllegalArgumentException("weight must have filters x 1 x length x 1 = " + filters + " x 1 x " + length
          + " x 1 = " + (long) filters * length + " floats, got " + weight.length);
    }
    if (bias != null && bias.length != filters) {
      throw new IllegalArgumentException("bias must have filters = " + filters + " floats, got " + bias.length);
    }
    return new PackedVerticalConv(filters, length, weight.clone(), bias == null ? null : bias.clone());
  }

  /**
   * Caser's vertical convolution (paper eq. 5-6, no activation, no pooling): E is
   * {@code length x width} at eOff, out gets {@code filters x width} at outOff (row-major, which is
   * the flattened {@code o_v} Caser concatenates first):
   * <pre>  out[f][c] = b[f] + sum_{l &lt; length} F[f][l] E[l][c]</pre>
   * a single GEMM. {@code length} must equal the filter height; out must not overlap e.
   */
  public static void vertical(float[] e, int eOff, int length, int width, PackedVerticalConv conv,
                              float[] out, int outOff) {
    Checks.notNull("conv", conv);
    Checks.nonNegative("width", width);
    if (length != conv.length()) {
      throw new IllegalArgumentException("length must equal the vertical filter height " + conv.length() + ", got "
          + length);
    }
    long eLength = (long) length * width;
    long outLength = (long) conv.filters() * width;
    Checks.region("e", e, eOff, eLength);
    Checks.region("out", out, outOff, outLength);
    disjoint("e", e, eOff, eLength, "out", out, outOff, outLength);
    KERNELS.vertical(e, eOff, length, width, conv.weight(), conv.bias(), conv.filters(), out, outOff);
  }

  // ---------------------------------------------------------------- helpers

  static int intSize(String what, long size) {
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(what + " would need " + size + " floats, more than a Java array holds");
    }
    return (int) size;
  }

  /** Two regions of the same array must not share an element (empty regions never do). */
  static void disjoint(String aName, Object a, int aOff, long aLength, String bName, Object b, int bOff, long bLength) {
    if (a == b && aLength > 0 && bLength > 0 && aOff < bOff + bLength && bOff < aOff + aLength) {
      throw new IllegalArgumentException(aName + " [" + aOff + ", " + (aOff + aLength) + ") and " + bName + " ["
          + bOff + ", " + (bOff + bLength) + ") must not overlap");
    }
  }
}
