package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.ActivationFunction;
import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.ConvolutionKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import java.util.Arrays;

/**
 * Scalar convolution kernels. Each convolution is written as the GEMMs it is made of (one per tap,
 * one per filter height), so the structure below is the definition the vector backend shares; the
 * products themselves run through the scalar {@link DenseKernels}.
 */
public final class ScalarConvolution implements ConvolutionKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public ScalarConvolution(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }

  @Override
  public void causalConv1d(float[] x, int xOff, int length, int from, float[] taps, float[] bias,
                           int cIn, int cOut, int kernelSize, int dilation, float[] y, int yOff) {
    causalConv1d(dense, x, xOff, length, from, taps, bias, cIn, cOut, kernelSize, dilation, y, yOff);
  }

  /**
   * The per-tap GEMM form shared by both backends. Tap m looks {@code s = (k-1-m) dilation} rows
   * back, so it contributes {@code in[t - s] taps[m]} to every output row {@code t >= s}: one GEMM of
   * the input rows {@code 0 .. length-1-s} into the output rows {@code s .. length-1}. The rows
   * {@code t < s} would read the zero padding and are simply not touched; no padded copy, no
   * im2col. The last tap ({@code s = 0}) covers every row, so it writes (with the bias) and the
   * others accumulate.
   */
  public static void causalConv1d(DenseKernels dense, float[] x, int xOff, int length, int from,
                                  float[] taps, float[] bias, int cIn, int cOut, int kernelSize,
                                  int dilation, float[] y, int yOff) {
    int rows = length - from;
    if (rows <= 0) {
      return;
    }
    int tapSize = cIn * cOut;
    int last = kernelSize - 1;
    dense.gemm(x, xOff + from * cIn, cIn, rows, cIn, taps, last * tapSize, cOut, cOut,
        bias, 0, y, yOff, cOut, false);
    for (int m = last - 1; m >= 0; m--) {
      long shift = (long) (last - m) * dilation; // long: k dilation may exceed int
      long first = Math.max(from, shift);        // first output row this tap reaches
      if (first >= length) {
        break; // earlier taps look even further back
      }
      int t0 = (int) first;
      dense.gemm(x, xOff + (int) (t0 - shift) * cIn, cIn, length - t0, cIn, taps, m * tapSize, cOut, cOut,
          null, 0, y, yOff + (t0 - from) * cOut, cOut, true);
    }
  }

  /**
   * For each height: the GEMM of all windows (window w is rows {@code w .. w+h-1} of E, which are
   * {@code h width} contiguous floats, so the windows are the rows of an {@code (length-h+1) x
   * (h width)} matrix with leading dimension {@code width}: overlapping rows, no copy), a column max
   * over the windows, then the activation on the {@code filters} maxima. Applying the activation
   * after the max is exact because the facade admits only non-decreasing activations:
   * {@code max_w act(v_w) = act(max_w v_w)}.
   */
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
      for (int f = 0; f < filters; f++) {
        float max = scratch[scratchOff + f];
        for (int w = 1; w < windows; w++) {
          max = Math.max(max, scratch[scratchOff + w * filters + f]);
        }
        out[at + f] = max;
      }
      activations.apply(activation, out, at, out, at, 1, filters);
    }
  }

  /** Each output row starts as its filter's bias, then the GEMM {@code F E} accumulates onto it. */
  @Override
  public void vertical(float[] e, int eOff, int length, int width, float[] weight, float[] bias, int filters,
                       float[] out, int outOff) {
    vertical(dense, e, eOff, length, width, weight, bias, filters, out, outOff);
  }

  /** The vertical convolution as one GEMM, shared by both backends. */
  public static void vertical(DenseKernels dense, float[] e, int eOff, int length, int width, float[] weight,
                              float[] bias, int filters, float[] out, int outOff) {
    for (int f = 0; f < filters; f++) {
      Arrays.fill(out, outOff + f * width, outOff + (f + 1) * width, bias == null ? 0f : bias[f]);
    }
    dense.gemm(weight, 0, length, filters, length, e, eOff, width, width, null, 0, out, outOff, width, true);
  }
}
