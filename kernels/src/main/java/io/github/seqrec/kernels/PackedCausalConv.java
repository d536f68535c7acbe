package io.github.seqrec.kernels;

/**
 * The weights of one dilated causal 1-D convolution (PyTorch {@code nn.Conv1d(cIn, cOut, k,
 * dilation=r)} applied to a left-zero-padded input), packed once by
 * {@link Convolution#packCausalConv1d} for {@link Convolution#causalConv1d}: the weight
 * {@code [cOut, cIn, k]} is stored tap by tap, each tap transposed to {@code cIn x cOut}, so every
 * tap is one GEMM with no horizontal reduction. Immutable and safe to share between threads.
 */
public final class PackedCausalConv {
  private final int in;
  private final int out;
  private final int kernelSize;
  private final int dilation;
  private final float[] taps;
  private final float[] bias;

  PackedCausalConv(int in, int out, int kernelSize, int dilation, float[] taps, float[] bias) {
    this.in = in;
    this.out = out;
    this.kernelSize = kernelSize;
    this.dilation = dilation;
    this.taps = taps;
    this.bias = bias;
  }

  /** Input channels {@code C_in}. */
  public int inChannels() {
    return in;
  }

  /** Output channels {@code C_out}. */
  public int outChannels() {
    return out;
  }

  /** Kernel width k (taps). */
  public int kernelSize() {
    return kernelSize;
  }

  /** Dilation r. */
  public int dilation() {
    return dilation;
  }

  /** Receptive field {@code (k - 1) r + 1}: how many input positions one output position sees. */
  public long receptiveField() {
    return (long) (kernelSize - 1) * dilation + 1;
  }

  /** Whether the convolution adds a bias. */
  public boolean hasBias() {
    return bias != null;
  }

  float[] taps() {
    return taps;
  }

  float[] bias() {
    return bias;
  }
}
