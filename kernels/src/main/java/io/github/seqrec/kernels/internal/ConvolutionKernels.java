package io.github.seqrec.kernels.internal;

import io.github.seqrec.kernels.Convolution;

/**
 * Convolution kernels (NextItNet's dilated causal 1-D convolution, Caser's horizontal and vertical
 * convolutions). Weights arrive packed by the {@link Convolution} facade; every GEMM-shaped step goes
 * through {@link DenseKernels#gemm}. Arguments have been validated by the facade.
 */
public interface ConvolutionKernels {

  /**
   * Rows {@code from .. length-1} of the dilated causal convolution of the {@code length x cIn}
   * sequence x: {@code y[t - from] = bias + sum_m in[t - (k-1-m) dilation] taps[m]}, positions before
   * 0 read as zeros. {@code taps} holds k matrices {@code cIn x cOut} (tap m at {@code m cIn cOut},
   * {@code taps[m][c][o] = W[o][c][m]} of the PyTorch weight); bias (nullable) has cOut entries.
   * Writes {@code (length - from) x cOut} contiguous rows at yOff; y does not overlap x.
   */
  void causalConv1d(float[] x, int xOff, int length, int from, float[] taps, float[] bias,
                    int cIn, int cOut, int kernelSize, int dilation, float[] y, int yOff);

  /**
   * Caser's horizontal convolutions with max-pooling over time, for each height {@code heights[i]}:
   * {@code out[outOff + i filters + f] = act(max_w (bias[i filters + f] + sum_{r<h,c<width}
   * e[w + r][c] W_i[f][r][c]))} over the windows {@code w = 0 .. length-h}. {@code weightT} holds
   * per height one {@code (h width) x filters} matrix at {@code weightOffsets[i]}. Every height is
   * at most length. Scratch: {@code (length - min height + 1) x filters} floats.
   */
  void horizontal(float[] e, int eOff, int length, int width, int[] heights, float[] weightT,
                  int[] weightOffsets, float[] bias, int filters, ActivationFunction activation,
                  float[] out, int outOff, float[] scratch, int scratchOff);

  /**
   * Caser's vertical convolution: {@code out (filters x width) = F (filters x length) E (length x
   * width) + bias} with bias[f] (nullable) added to every value of row f.
   */
  void vertical(float[] e, int eOff, int length, int width, float[] weight, float[] bias, int filters,
                float[] out, int outOff);
}
