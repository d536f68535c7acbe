package io.github.seqrec.kernels;

/**
 * Caser's vertical convolution, PyTorch {@code nn.Conv2d(1, filters, (length, 1))}: weight
 * {@code [filters, 1, length, 1]} (kept as the {@code filters x length} matrix F it is) and bias,
 * copied once by {@link Convolution#packVertical} for {@link Convolution#vertical}. Immutable and
 * safe to share between threads.
 */
public final class PackedVerticalConv {
  private final int filters;
  private final int length;
  private final float[] weight;
  private final float[] bias;

  PackedVerticalConv(int filters, int length, float[] weight, float[] bias) {
    this.filters = filters;
    this.length = length;
    this.weight = weight;
    this.bias = bias;
  }

  /** Filters ({@code n_v} in Caser). */
  public int filters() {
    return filters;
  }

  /** Filter height: the sequence length L the input must have. */
  public int length() {
    return length;
  }

  /** Whether the convolution adds a bias. */
  public boolean hasBias() {
    return bias != null;
  }

  float[] weight() {
    return weight;
  }

  float[] bias() {
    return bias;
  }
}
