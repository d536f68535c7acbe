package io.github.seqrec.cuda;

/**
 * The weights of one dilated causal 1-D convolution on the device, packed by
 * {@link CudaConvolution#packCausalConv1d} as the CPU's {@code Convolution.packCausalConv1d} packs
 * them: tap by tap, each tap {@code cIn x cOut} ({@code taps[m][c][o] = W[o][c][m]}). Owns its
 * device memory: {@link #close()} frees it.
 */
public final class CudaCausalConv implements AutoCloseable {
  private final int in;
  private final int out;
  private final int kernelSize;
  private final int dilation;
  final DeviceFloats taps;
  final DeviceFloats bias;

  CudaCausalConv(int in, int out, int kernelSize, int dilation, DeviceFloats taps, DeviceFloats bias) {
    this.in = in;
    this.out = out;
    this.kernelSize = kernelSize;
    this.dilation = dilation;
    this.taps = taps;
    this.bias = bias;
  }

  public int inChannels() {
    return in;
  }

  public int outChannels() {
    return out;
  }

  public int kernelSize() {
    return kernelSize;
  }

  public int dilation() {
    return dilation;
  }

  public CudaContext context() {
    return taps.context();
  }

  boolean isClosed() {
    return taps.isClosed();
  }

  @Override
  public void close() {
    taps.close();
    if (bias != null) {
      bias.close();
    }
  }
}
