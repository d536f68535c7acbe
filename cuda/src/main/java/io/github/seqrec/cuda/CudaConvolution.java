package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver.Arg;
import io.github.seqrec.cuda.internal.Geometry;

/**
 * NextItNet's dilated causal 1-D convolution on the GPU, with the contract of
 * {@code io.github.seqrec.kernels.Convolution#causalConv1dBatch}:
 * {@code y[t] = b + sum_m W[:, :, m] x[t - (k-1-m) r]} (positions before 0 read as zeros), for a
 * batch of equal-length sequences stored back to back, every output element of the batch in one
 * launch (one thread each, output channels fastest).
 */
public final class CudaConvolution {
  private CudaConvolution() {}

  /** Packs a PyTorch {@code nn.Conv1d} weight {@code [out, in, k]} onto the device: as {@code Convolution.packCausalConv1d}. */
  public static CudaCausalConv packCausalConv1d(CudaContext ctx, float[] weight, float[] bias, int outChannels,
                                                int inChannels, int kernelSize, int dilation) {
    DeviceChecks.notNull("ctx", ctx);
    DeviceChecks.positive("outChannels", outChannels);
    DeviceChecks.positive("inChannels", inChannels);
    DeviceChecks.positive("kernelSize", kernelSize);
    DeviceChecks.positive("dilation", dilation);
    DeviceChecks.notNull("weight", weight);
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
    return new CudaCausalConv(inChannels, outChannels, kernelSize, dilation, ctx.upload(taps),
        bias == null ? null : ctx.upload(bias));
  }

  /**
   * The convolution of {@code batch} sequences of {@code length} positions: x is
   * {@code batch x length x C_in} at xOff, y gets {@code batch x length x C_out} at yOff (as
   * {@code Convolution.causalConv1dBatch}). y must not overlap x.
   */
  public static void causalConv1dBatch(DeviceFloats x, long xOff, int batch, int length, CudaCausalConv conv,
                                       DeviceFloats y, long yOff) {
    causalConv1dRows(x, xOff, batch, length, 0, conv, y, yOff);
  }

  /**
   * Only the output rows {@code fromRow .. length-1} of every sequence (as
   * {@code Convolution.causalConv1dRows}, batched): y gets {@code batch x (length - fromRow) x C_out},
   * row {@code t - fromRow} of sequence b holding position t. {@code fromRow = length - 1} is
   * NextItNet's next-item read-out for a whole batch of users.
   */
  public static void causalConv1dRows(DeviceFloats x, long xOff, int batch, int length, int fromRow,
                                      CudaCausalConv conv, DeviceFloats y, long yOff) {
    // Validated and launched holding the context: no buffer can be closed in between.
    DeviceChecks.locked(DeviceChecks.contextOf(x, y, conv == null ? null : conv.taps), () -> {
      DeviceChecks.notNull("conv", conv);
      if (conv.isClosed()) {
        throw new IllegalArgumentException("conv is closed");
      }
      DeviceChecks.nonNegative("batch", batch);
      DeviceChecks.nonNegative("length", length);
      DeviceChecks.inRange("fromRow", fromRow, 0, length);
      long inStride = (long) length * conv.inChannels();
      long outRows = length - fromRow;
      long outStride = outRows * conv.outChannels();
      DeviceChecks.region("x", x, xOff, batch * inStride);
      DeviceChecks.region("y", y, yOff, batch * outStride);
      DeviceChecks.disjoint("x", x, xOff, batch * inStride, "y", y, yOff, batch * outStride);
      CudaContext ctx = DeviceChecks.sameContext(x, y, conv.taps);
      long total = batch * outStride;
      if (total == 0) {
        return null;
      }
      ctx.run(() -> ctx.launch("seqrec_causal_conv1d",
          Geometry.gridStrideBlocks(total, Geometry.THREADS, ctx.device().multiprocessors()), 1, Geometry.THREADS, 0,
          x.at(xOff), new Arg.I64(inStride), new Arg.I32(length), new Arg.I32(fromRow), conv.taps.at(0),
          conv.bias == null ? new Arg.Ptr(null, 0) : conv.bias.at(0), new Arg.I32(conv.inChannels()),
          new Arg.I32(conv.outChannels()), new Arg.I32(conv.kernelSize()), new Arg.I32(conv.dilation()),
          y.at(yOff), new Arg.I64(outStride), new Arg.I32(batch)));
      return null;
    });
  }
}
