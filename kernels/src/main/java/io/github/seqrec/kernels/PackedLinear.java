package io.github.seqrec.kernels;

/**
 * The weights of one linear layer {@code y = x Wᵀ + b}, packed once at load time for
 * {@link Dense#linear}: the PyTorch weight {@code W} ({@code out x in}) is stored transposed,
 * {@code in x out}, so the GEMM streams whole rows of it into vector registers and never needs a
 * horizontal reduction. Immutable and safe to share between threads.
 */
public final class PackedLinear {
  private final int in;
  private final int out;
  private final float[] weightT;
  private final float[] bias;

  PackedLinear(int in, int out, float[] weightT, float[] bias) {
    this.in = in;
    this.out = out;
    this.weightT = weightT;
    this.bias = bias;
  }

  /** Input width (columns of the PyTorch weight). */
  public int inFeatures() {
    return in;
  }

  /** Output width (rows of the PyTorch weight). */
  public int outFeatures() {
    return out;
  }

  /** Whether the layer adds a bias. */
  public boolean hasBias() {
    return bias != null;
  }

  float[] weightT() {
    return weightT;
  }

  float[] bias() {
    return bias;
  }
}
