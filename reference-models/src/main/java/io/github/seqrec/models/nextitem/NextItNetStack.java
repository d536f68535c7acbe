package io.github.seqrec.models.nextitem;

import io.github.seqrec.kernels.Activations;
import io.github.seqrec.kernels.Convolution;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.Normalization;
import io.github.seqrec.kernels.PackedCausalConv;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * NextItNet's residual stack (the paper's block (b), official {@code nextitnet_residual_block}):
 * per block of dilation d, {@code A = ReLU(LN_1(causalconv_d(X)))}, {@code Y = ReLU(LN_2(causalconv_2d(A)))},
 * {@code X <- X + Y}. Immutable after loading; all scratch comes from the caller.
 *
 * <p><b>Only the receptive field is computed.</b> The model reads one row, the newest position of
 * the top block, which depends on the last {@link #receptiveField()} input rows alone. Walking the
 * blocks top-down, block b needs its output at the last {@code r_(b+1)} positions, so its second
 * convolution needs {@code r_(b+1) + (k-1) 2d} rows of A and its first convolution (and the
 * residual) {@code r_b = r_(b+1) + (k-1) 3d} input rows, each capped at the history length n.
 * {@link #lastRow} computes exactly those rows ({@link Convolution#causalConv1dRows} on a window
 * whose first rows only feed taps), so a request costs the same at L = 1000 as at L = 55.
 *
 * <p><b>Incremental state.</b> {@link #append} advances a {@link NextItNetState} by one action: each
 * convolution keeps its last {@code (k-1) r} input rows plus a slot for the newest, and computes its
 * one new output row with {@link Convolution#causalConv1dLast}. Zeros before the first action are
 * the convolutions' causal padding, so a fresh state is all zeros.
 */
final class NextItNetStack {
  private final int channels;
  private final int kernelSize;
  private final int[] dilations;
  private final PackedCausalConv[] convs;  // 2 per block: dilation d, then 2d
  private final float[][] lnWeight;
  private final float[][] lnBias;
  private final float eps;
  private final int receptiveField;

  private NextItNetStack(int channels, int kernelSize, int[] dilations, PackedCausalConv[] convs, float[][] lnWeight,
                         float[][] lnBias, float eps) {
    this.channels = channels;
    this.kernelSize = kernelSize;
    this.dilations = dilations;
    this.convs = convs;
    this.lnWeight = lnWeight;
    this.lnBias = lnBias;
    this.eps = eps;
    long rf = 1;
    for (int d : dilations) {
      rf += (long) (kernelSize - 1) * 3 * d;
    }
    if (rf > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("dilations give a receptive field of " + rf + " positions, too large");
    }
    this.receptiveField = (int) rf;
  }

  /** Reads {@code residual_blocks.{i}.{conv1,conv2,ln1,ln2}.{weight,bias}} for each dilation. */
  static NextItNetStack load(SafeTensors st, int channels, int kernelSize, int[] dilations, float eps)
      throws IOException {
    if (dilations.length == 0) {
      throw new IllegalArgumentException("nextitnet: dilations must name at least one residual block");
    }
    PackedCausalConv[] convs = new PackedCausalConv[2 * dilations.length];
    float[][] w = new float[2 * dilations.length][];
    float[][] b = new float[2 * dilations.length][];
    for (int i = 0; i < dilations.length; i++) {
      if (dilations[i] <= 0) {
        throw new IllegalArgumentException("nextitnet: dilations must be > 0, got " + dilations[i] + " at " + i);
      }
      for (int j = 0; j < 2; j++) {
        String p = "residual_blocks." + i + ".";
        int dilation = (j + 1) * dilations[i];
        convs[2 * i + j] = Convolution.packCausalConv1d(
            st.floats(p + "conv" + (j + 1) + ".weight", channels, channels, kernelSize),
            st.floats(p + "conv" + (j + 1) + ".bias", channels), channels, channels, kernelSize, dilation);
        w[2 * i + j] = st.floats(p + "ln" + (j + 1) + ".weight", channels);
        b[2 * i + j] = st.floats(p + "ln" + (j + 1) + ".bias", channels);
      }
    }
    return new NextItNetStack(channels, kernelSize, dilations.clone(), convs, w, b, eps);
  }

  int channels() {
    return channels;
  }

  int receptiveField() {
    return receptiveField;
  }

  int blocks() {
    return dilations.length;
  }

  /** Input rows (and rows per buffer) {@link #lastRow} uses for a history of n actions. */
  int rowsFor(int n) {
    return Math.min(n, receptiveField);
  }

  /** Floats of scratch {@link #lastRow} needs for histories of up to n actions: three row buffers. */
  int scratchSize(int n) {
    return 3 * rowsFor(n) * channels;
  }

  /**
   * The top block's row at the newest position, {@code X_top[n-1]} (before NextItNet's ReLU), of a
   * history whose embedded rows are {@code x} ({@code n x C} at xOff, oldest first; only the last
   * {@link #rowsFor}{@code (n)} rows are read). {@code n >= 1}. Writes C floats at outOff.
   */
  void lastRow(float[] x, int xOff, int n, float[] out, int outOff, float[] scratch, int scratchOff) {
    int rows = rowsFor(n);
    int stride = rows * channels;
    int cur = scratchOff;               // block input window (rows ending at position n-1)
    int a = scratchOff + stride;        // first convolution's output
    int y = scratchOff + 2 * stride;    // second convolution's output
    System.arraycopy(x, xOff + (n - rows) * channels, scratch, cur, stride);
    int have = rows;                    // rows in the current window
    int k1 = kernelSize - 1;
    for (int i = 0; i < dilations.length; i++) {
      int d = dilations[i];
      int outRows = outputRows(i, n);
      int aRows = Math.min(have, outRows + k1 * 2 * d);
      // A at the last aRows positions of the window, Y at the last outRows positions of A
      Convolution.causalConv1dRows(scratch, cur, have, have - aRows, convs[2 * i], scratch, a);
      normRelu(scratch, a, aRows, 2 * i);
      Convolution.causalConv1dRows(scratch, a, aRows, aRows - outRows, convs[2 * i + 1], scratch, y);
      normRelu(scratch, y, outRows, 2 * i + 1);
      // X <- X + Y on the last outRows positions, moved to the front of the window
      int keep = cur + (have - outRows) * channels;
      Dense.axpy(1f, scratch, y, scratch, keep, outRows * channels);
      if (keep != cur) {
        System.arraycopy(scratch, keep, scratch, cur, outRows * channels);
      }
      have = outRows;
    }
    System.arraycopy(scratch, cur, out, outOff, channels);
  }

  /** Output rows block i must produce so that the top block has its newest row: r_(i+1) capped at n. */
  private int outputRows(int block, int n) {
    long r = 1;
    for (int j = dilations.length - 1; j > block; j--) {
      r += (long) (kernelSize - 1) * 3 * dilations[j];
    }
    return (int) Math.min(n, r);
  }

  private void normRelu(float[] buf, int off, int rows, int layer) {
    Normalization.layerNorm(buf, off, buf, off, rows, channels, lnWeight[layer], lnBias[layer], eps);
    Activations.relu(buf, off, buf, off, rows * channels);
  }

  // ---------------------------------------------------------------- incremental state

  /** Rows of convolution i's window: its {@code (k-1) r} cached input rows and the newest. */
  int windowRows(int conv) {
    return (kernelSize - 1) * convs[conv].dilation() + 1;
  }

  int convolutions() {
    return convs.length;
  }

  /** Floats of scratch {@link #append} needs: two rows. */
  int appendScratchSize() {
    return 2 * channels;
  }

  /**
   * Advances {@code state} by one action whose embedding is {@code e} (C floats at eOff) and writes
   * the new top-block row (before the ReLU) to out. Allocation-free; the state's windows shift by
   * one row each.
   */
  void append(NextItNetState state, float[] e, int eOff, float[] out, int outOff, float[] scratch, int scratchOff) {
    int c = channels;
    float[] x = out;
    System.arraycopy(e, eOff, x, outOff, c);
    int a = scratchOff;
    int y = scratchOff + c;
    for (int i = 0; i < dilations.length; i++) {
      step(state, 2 * i, x, outOff, scratch, a);
      step(state, 2 * i + 1, scratch, a, scratch, y);
      Dense.axpy(1f, scratch, y, x, outOff, c);
    }
    state.count++;
  }

  /** One convolution's newest output row: window = cached rows + the new input row, then LN, ReLU. */
  private void step(NextItNetState state, int conv, float[] in, int inOff, float[] out, int outOff) {
    float[] window = state.windows[conv];
    int rows = windowRows(conv);
    int last = (rows - 1) * channels;
    System.arraycopy(in, inOff, window, last, channels);
    Convolution.causalConv1dLast(window, 0, rows, convs[conv], out, outOff);
    System.arraycopy(window, channels, window, 0, last);   // drop the oldest row
    normRelu(out, outOff, 1, conv);
  }
}
