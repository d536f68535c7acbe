package io.github.seqrec.kernels;

/**
 * Caser's horizontal convolutions (one PyTorch {@code nn.Conv2d(1, filters, (h, width))} per
 * height h) and their activation, packed once by {@link Convolution#packHorizontal} for
 * {@link Convolution#horizontal}: each weight {@code [filters, 1, h, width]} is stored transposed,
 * {@code (h width) x filters}, so all windows of one height are one GEMM. Immutable and safe to
 * share between threads.
 */
public final class PackedHorizontalConv {
  private final int filters;
  private final int width;
  private final int[] heights;
  private final float[] weightT;
  private final int[] weightOffsets;
  private final float[] bias;
  private final Activation activation;
  private final int minHeight;
  private final int maxHeight;

  PackedHorizontalConv(int filters, int width, int[] heights, float[] weightT, int[] weightOffsets, float[] bias,
                       Activation activation) {
    this.filters = filters;
    this.width = width;
    this.heights = heights;
    this.weightT = weightT;
    this.weightOffsets = weightOffsets;
    this.bias = bias;
    this.activation = activation;
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (int h : heights) {
      min = Math.min(min, h);
      max = Math.max(max, h);
    }
    this.minHeight = min;
    this.maxHeight = max;
  }

  /** Filters per height ({@code n_h} in Caser). */
  public int filters() {
    return filters;
  }

  /** Width of every filter and of the input rows (the embedding size d). */
  public int width() {
    return width;
  }

  /** Number of heights; the output has {@code heightCount() x filters()} values. */
  public int heightCount() {
    return heights.length;
  }

  /** The i-th height, in output order. */
  public int height(int i) {
    return heights[i];
  }

  /** The largest height: the shortest input the convolution accepts. */
  public int maxHeight() {
    return maxHeight;
  }

  int minHeight() {
    return minHeight;
  }

  /** The activation applied to the pooled values ({@code ac_conv} in Caser). */
  public Activation activation() {
    return activation;
  }

  int[] heights() {
    return heights;
  }

  float[] weightT() {
    return weightT;
  }

  int[] weightOffsets() {
    return weightOffsets;
  }

  float[] bias() {
    return bias;
  }
}
