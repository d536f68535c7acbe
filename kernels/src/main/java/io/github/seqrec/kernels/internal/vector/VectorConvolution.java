package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;

import io.github.seqrec.kernels.internal.ActivationFunction;
import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.ConvolutionKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.scalar.ScalarConvolution;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Vector convolution kernels. The convolutions are GEMMs (one per tap, one per filter height), so
 * they share the scalar backend's structure ({@link ScalarConvolution#causalConv1d}) and get their
 * speed from the vector {@link DenseKernels#gemm} micro-kernel; what is left to vectorize here is
 * Caser's max-pool over time, a column max over the windows of each height.
 */
public final class VectorConvolution implements ConvolutionKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public VectorConvolution(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }

  @Override
  public void causalConv1d(float[] x, int xOff, int length, int from, float[] taps, float[] bias,
                           int cIn, int cOut, int kernelSize, int dilation, float[] y, int yOff) {
    ScalarConvolution.causalConv1d(dense, x, xOff, length, from, taps, bias, cIn, cOut, kernelSize, dilation, y, yOff);
  }

  @Override
  public void horizontal(float[] e, int eOff, int length, int width, int[] heights, float[] weightT,
                         int[] weightOffsets, float[] bias, int filters, ActivationFunction activation,
                         float[] out, int outOff, float[] scratch, int scratchOff) {
    for (int i = 0; i < heights.length; i++) {
      int h = heights[i];
      int windows = length - h + 1;
      dense.gemm(e, eOff, width, windows, h * width, weightT, weightOffsets[i], filters, filters,
          bias, i * filters, scratch, scratchOff, filters, false);
      int at = outOff + i * filters;
      for (int f = 0; f < filters; f += FLOAT_LANES) {
        columnMax(scratch, scratchOff, windows, filters, f, out, at);
      }
      activations.apply(activation, out, at, out, at, 1, filters);
    }
  }

  /**
   * Lane-wise max down {@code rows} rows ({@code ld} apart) of the column strip starting at column f
   * (one vector wide, masked at the matrix edge), into {@code out[outAt + f ..]}. The mask is made
   * here, not passed in: a vector or mask argument of a call C2 does not inline gets boxed.
   */
  private static void columnMax(float[] s, int off, int rows, int ld, int f, float[] out, int outAt) {
    VectorMask<Float> cols = FLOAT.indexInRange(f, ld);
    FloatVector max = FloatVector.fromArray(FLOAT, s, off + f, cols);
    for (int w = 1, at = off + f + ld; w < rows; w++, at += ld) {
      max = max.max(FloatVector.fromArray(FLOAT, s, at, cols));
    }
    max.intoArray(out, outAt + f, cols);
  }

  @Override
  public void vertical(float[] e, int eOff, int length, int width, float[] weight, float[] bias, int filters,
                       float[] out, int outOff) {
    ScalarConvolution.vertical(dense, e, eOff, length, width, weight, bias, filters, out, outOff);
  }
}
