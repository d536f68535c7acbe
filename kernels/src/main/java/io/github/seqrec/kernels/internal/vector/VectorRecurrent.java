package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.RecurrentKernels;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector API recurrent kernels. The arithmetic is the scalar definition's; what differs is how
 * the work is laid out:
 * <ul>
 *   <li>the input-side gates of a scan come from as few GEMMs as the lengths allow: consecutive
 *       full-length rows and the valid prefix of the next row are contiguous in {@code x}, so they
 *       form one GEMM, and padded positions are never multiplied (all rows full: one GEMM);</li>
 *   <li>each step's hidden-side GEMM multiplies only the states of the rows still running: the
 *       span from the first to the last running row is used in place when every row in it runs
 *       (equal lengths, or lengths sorted descending as {@code pack_padded_sequence} sorts them),
 *       otherwise the running rows' states are first gathered into a contiguous block (H floats
 *       copied per row against 6H² FLOPs saved per frozen row; measured at N = 1000, T = 50,
 *       H = 64 with random lengths: the scan takes ~0.5 of the full-length time instead of ~0.63).
 *       Rows whose length has ended are never touched, so their state is frozen;</li>
 *   <li>the element-wise gate math is vector loops (FMA, unmasked body, masked tail) around
 *       {@link ActivationKernels#sigmoid} and {@link ActivationKernels#tanh} on whole gate blocks;</li>
 *   <li>a shared-input scan of many rows (DIEN's candidates over one history) runs with the rows in
 *       vector lanes ({@link #laneScan}): at DIEN's H = 36, T = 50 the scan takes ~0.66 of the
 *       row-layout time at C = 1000 and ~0.75 at C = 100 (96 rows in lanes, 4 in rows); at
 *       H = 64, where the row layout has no ragged vectors, the two are within noise.</li>
 * </ul>
 */
public final class VectorRecurrent implements RecurrentKernels {
  /** Rows of a shared-input scan from which they run in vector lanes (at most 1/5 of the lanes idle). */
  private static final int LANES_FROM = Math.max(LANE_ROWS_MIN, 4 * FLOAT_LANES);
  private static final int BLOCK = LANE_BLOCK;
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public VectorRecurrent(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }

  @Override
  public void gruStep(GruMode mode, Packed w, float[] x, int xOff, float[] h, int hOff, float[] att, int attOff,
                      int rows, float[] hOut, int hOutOff, float[] scratch, int scratchOff) {
    int hidden = w.hidden();
    int width = w.width();
    int gi = scratchOff;
    int gh = scratchOff + rows * width;
    dense.gemm(x, xOff, w.input(), rows, w.input(), w.wihT(), 0, width, width, w.bih(), 0, scratch, gi, width, false);
    dense.gemm(h, hOff, hidden, rows, hidden, w.whhT(), 0, width, width, w.bhh(), 0, scratch, gh, width, false);
    for (int r = 0; r < rows; r++) {
      float a = att == null ? 0f : att[attOff + r];
      gruCell(mode, scratch, gi + r * width, scratch, gh + r * width, h, hOff + r * hidden, a, hOut,
          hOutOff + r * hidden, hidden);
    }
  }

  /** One row: gate pre-activations {@code gi} (read) and {@code gh} (overwritten), order r, z, n. */
  private void gruCell(GruMode mode, float[] gi, int giOff, float[] gh, int ghOff, float[] h, int hOff, float a,
                       float[] hOut, int hOutOff, int hidden) {
    // AGRU never reads the update gate, so only r is activated.
    int gated = mode == GruMode.AGRU ? hidden : 2 * hidden;
    addInto(gi, giOff, gh, ghOff, gated);
    activations.sigmoid(gh, ghOff, gh, ghOff, gated);
    int n = ghOff + 2 * hidden;
    resetCandidate(gi, giOff + 2 * hidden, gh, ghOff, n, hidden);
    activations.tanh(gh, n, gh, n, hidden);
    switch (mode) {
      case GRU -> keepUpdate(gh, ghOff + hidden, n, h, hOff, hOut, hOutOff, hidden);
      case AUGRU -> replaceUpdate(gh, ghOff + hidden, a, n, h, hOff, hOut, hOutOff, hidden);
      case AGRU -> attentionUpdate(a, gh, n, h, hOff, hOut, hOutOff, hidden);
    }
  }

  /** {@code dst[i] += src[i]}. */
  private static void addInto(float[] src, int srcOff, float[] dst, int dstOff, int len) {
    int bound = FLOAT.loopBound(len);
    int i = 0;
    for (; i < bound; i += FLOAT.length()) {
      FloatVector.fromArray(FLOAT, src, srcOff + i).add(FloatVector.fromArray(FLOAT, dst, dstOff + i))
          .intoArray(dst, dstOff + i);
    }
    if (i < len) {
      VectorMask<Float> m = FLOAT.indexInRange(i, len);
      FloatVector.fromArray(FLOAT, src, srcOff + i, m).add(FloatVector.fromArray(FLOAT, dst, dstOff + i, m))
          .intoArray(dst, dstOff + i, m);
    }
  }

  /** {@code g[n + i] = gi[i] + g[r + i] * g[n + i]}: the n pre-activation, reset applied to W_hn h + b_hn. */
  private static void resetCandidate(float[] gi, int giOff, float[] g, int r, int n, int len) {
    int bound = FLOAT.loopBound(len);
    int i = 0;
    for (; i < bound; i += FLOAT.length()) {
      FloatVector.fromArray(FLOAT, g, r + i)
          .fma(FloatVector.fromArray(FLOAT, g, n + i), FloatVector.fromArray(FLOAT, gi, giOff + i))
          .intoArray(g, n + i);
    }
    if (i < len) {
      VectorMask<Float> m = FLOAT.indexInRange(i, len);
      FloatVector.fromArray(FLOAT, g, r + i, m)
          .fma(FloatVector.fromArray(FLOAT, g, n + i, m), FloatVector.fromArray(FLOAT, gi, giOff + i, m))
          .intoArray(g, n + i, m);
    }
  }

  /** PyTorch GRU: {@code h' = (1 - z) n + z h = n + z (h - n)}. */
  private static void keepUpdate(float[] g, int z, int n, float[] h, int hOff, float[] hOut, int hOutOff, int len) {
    int bound = FLOAT.loopBound(len);
    int i = 0;
    for (; i < bound; i += FLOAT.length()) {
      FloatVector nv = FloatVector.fromArray(FLOAT, g, n + i);
      FloatVector.fromArray(FLOAT, g, z + i).fma(FloatVector.fromArray(FLOAT, h, hOff + i).sub(nv), nv)
          .intoArray(hOut, hOutOff + i);
    }
    if (i < len) {
      VectorMask<Float> m = FLOAT.indexInRange(i, len);
      FloatVector nv = FloatVector.fromArray(FLOAT, g, n + i, m);
      FloatVector.fromArray(FLOAT, g, z + i, m).fma(FloatVector.fromArray(FLOAT, h, hOff + i, m).sub(nv), nv)
          .intoArray(hOut, hOutOff + i, m);
    }
  }

  /** AUGRU: {@code u~ = a z}, {@code h' = (1 - u~) h + u~ n = h + u~ (n - h)}. */
  private static void replaceUpdate(float[] g, int z, float a, int n, float[] h, int hOff, float[] hOut, int hOutOff,
                                    int len) {
    int bound = FLOAT.loopBound(len);
    int i = 0;
    for (; i < bound; i += FLOAT.length()) {
      FloatVector hv = FloatVector.fromArray(FLOAT, h, hOff + i);
      FloatVector.fromArray(FLOAT, g, z + i).mul(a).fma(FloatVector.fromArray(FLOAT, g, n + i).sub(hv), hv)
          .intoArray(hOut, hOutOff + i);
    }
    if (i < len) {
      VectorMask<Float> m = FLOAT.indexInRange(i, len);
      FloatVector hv = FloatVector.fromArray(FLOAT, h, hOff + i, m);
      FloatVector.fromArray(FLOAT, g, z + i, m).mul(a).fma(FloatVector.fromArray(FLOAT, g, n + i, m).sub(hv), hv)
          .intoArray(hOut, hOutOff + i, m);
    }
  }

  /** AGRU: {@code h' = (1 - a) h + a n = h + a (n - h)}. */
  private static void attentionUpdate(float a, float[] g, int n, float[] h, int hOff, float[] hOut, int hOutOff,
                                      int len) {
    FloatVector av = FloatVector.broadcast(FLOAT, a);
    int bound = FLOAT.loopBound(len);
    int i = 0;
    for (; i < bound; i += FLOAT.length()) {
      FloatVector hv = FloatVector.fromArray(FLOAT, h, hOff + i);
      FloatVector.fromArray(FLOAT, g, n + i).sub(hv).fma(av, hv).intoArray(hOut, hOutOff + i);
    }
    if (i < len) {
      VectorMask<Float> m = FLOAT.indexInRange(i, len);
      FloatVector hv = FloatVector.fromArray(FLOAT, h, hOff + i, m);
      FloatVector.fromArray(FLOAT, g, n + i, m).sub(hv).fma(av, hv).intoArray(hOut, hOutOff + i, m);
    }
  }

  @Override
  public void lstmStep(Packed w, float[] x, int xOff, float[] h, int hOff, float[] c, int cOff, int rows,
                       float[] hOut, int hOutOff, float[] cOut, int cOutOff, float[] scratch, int scratchOff) {
    int hidden = w.hidden();
    int width = w.width();
    int gi = scratchOff;
    int gh = scratchOff + rows * width;
    dense.gemm(x, xOff, w.input(), rows, w.input(), w.wihT(), 0, width, width, w.bih(), 0, scratch, gi, width, false);
    dense.gemm(h, hOff, hidden, rows, hidden, w.whhT(), 0, width, width, w.bhh(), 0, scratch, gh, width, false);
    for (int r = 0; r < rows; r++) {
      lstmCell(scratch, gi + r * width, scratch, gh + r * width, c, cOff + r * hidden, cOut, cOutOff + r * hidden,
          hOut, hOutOff + r * hidden, hidden);
    }
  }

  /** One LSTM row: pre-activations {@code gi} (read) and {@code gh} (overwritten), order i, f, g, o. */
  private void lstmCell(float[] gi, int giOff, float[] gates, int off, float[] c, int cOff, float[] cOut, int cOutOff,
                        float[] hOut, int hOutOff, int hidden) {
    addInto(gi, giOff, gates, off, 4 * hidden);
    int g = off + 2 * hidden;
    int o = off + 3 * hidden;
    activations.sigmoid(gates, off, gates, off, 2 * hidden);
    activations.tanh(gates, g, gates, g, hidden);
    activations.sigmoid(gates, o, gates, o, hidden);
    cellUpdate(gates, off, off + hidden, g, c, cOff, cOut, cOutOff, hidden);
    activations.tanh(cOut, cOutOff, gates, off, hidden);
    multiply(gates, o, gates, off, hOut, hOutOff, hidden);
  }

  /** {@code c' = f c + i g}. */
  private static void cellUpdate(float[] gates, int i0, int f0, int g0, float[] c, int cOff, float[] cOut,
                                 int cOutOff, int len) {
    int bound = FLOAT.loopBound(len);
    int i = 0;
    for (; i < bound; i += FLOAT.length()) {
      FloatVector ig = FloatVector.fromArray(FLOAT, gates, i0 + i).mul(FloatVector.fromArray(FLOAT, gates, g0 + i));
      FloatVector.fromArray(FLOAT, gates, f0 + i).fma(FloatVector.fromArray(FLOAT, c, cOff + i), ig)
          .intoArray(cOut, cOutOff + i);
    }
    if (i < len) {
      VectorMask<Float> m = FLOAT.indexInRange(i, len);
      FloatVector ig = FloatVector.fromArray(FLOAT, gates, i0 + i, m).mul(FloatVector.fromArray(FLOAT, gates, g0 + i, m));
      FloatVector.fromArray(FLOAT, gates, f0 + i, m).fma(FloatVector.fromArray(FLOAT, c, cOff + i, m), ig)
          .intoArray(cOut, cOutOff + i, m);
    }
  }

  /** {@code out[i] = a[i] * b[i]}. */
  private static void multiply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
    int bound = FLOAT.loopBound(len);
    int i = 0;
    for (; i < bound; i += FLOAT.length()) {
      FloatVector.fromArray(FLOAT, a, aOff + i).mul(FloatVector.fromArray(FLOAT, b, bOff + i)).intoArray(out, outOff + i);
    }
    if (i < len) {
      VectorMask<Float> m = FLOAT.indexInRange(i, len);
      FloatVector.fromArray(FLOAT, a, aOff + i, m).mul(FloatVector.fromArray(FLOAT, b, bOff + i, m))
          .intoArray(out, outOff + i, m);
    }
  }

  @Override
  public void gruScan(GruMode mode, Packed w, float[] x, int xOff, boolean sharedInput, float[] att, int attOff,
                      int rows, int steps, int[] lengths, int lengthsOff, float[] h0, int h0Off,
                      float[] hLast, int hLastOff, float[] hAll, int hAllOff, float[] scratch, int scratchOff) {
    int hidden = w.hidden();
    int width = w.width();
    int longest = longest(lengths, lengthsOff, rows, steps);
    int gi = scratchOff;
    int gh = scratchOff + (sharedInput ? steps : rows * steps) * width;
    if (sharedInput) {
      // One history read by every row (DIEN: N targets over one user's extractor states): its
      // input-side gates are computed once, for the longest prefix any row needs.
      dense.gemm(x, xOff, w.input(), longest, w.input(), w.wihT(), 0, width, width, w.bih(), 0, scratch, gi, width, false);
    } else {
      inputGates(w, x, xOff, rows, steps, lengths, lengthsOff, scratch, gi);
    }
    if (sharedInput && rows >= LANES_FROM) {
      // A last partial vector of rows costs a whole vector column per step in the lane layout; when
      // at most 1/4 full, its rows run in the row layout (at C = 100: 4 rows, ~0.9 of the time).
      int tail = rows % FLOAT_LANES;
      int laneRows = 4 * tail <= FLOAT_LANES ? rows - tail : rows;
      laneScan(mode, w, att, attOff, laneRows, steps, longest, lengths, lengthsOff, h0, h0Off, hLast, hLastOff,
          hAll, hAllOff, scratch, gi, gh);
      if (laneRows < rows) {
        int r0 = laneRows;
        rowScan(mode, w, true, att, att == null ? 0 : attOff + r0 * steps, rows - r0, steps,
            lengths, lengths == null ? 0 : lengthsOff + r0, h0, h0 == null ? 0 : h0Off + r0 * hidden,
            hLast, hLastOff + r0 * hidden, hAll, hAll == null ? 0 : hAllOff + r0 * steps * hidden, scratch, gi, gh);
      }
      return;
    }
    rowScan(mode, w, sharedInput, att, attOff, rows, steps, lengths, lengthsOff, h0, h0Off, hLast, hLastOff,
        hAll, hAllOff, scratch, gi, gh);
  }

  /** The scan's steps with one row per GEMM row, from the input-side gates at {@code gi}. */
  private void rowScan(GruMode mode, Packed w, boolean sharedInput, float[] att, int attOff, int rows, int steps,
                       int[] lengths, int lengthsOff, float[] h0, int h0Off, float[] hLast, int hLastOff,
                       float[] hAll, int hAllOff, float[] scratch, int gi, int gh) {
    int hidden = w.hidden();
    int width = w.width();
    int longest = longest(lengths, lengthsOff, rows, steps);
    initialState(h0, h0Off, hLast, hLastOff, rows * hidden);
    int packed = gh + rows * width;
    for (int t = 0; t < longest; t++) {
      int lo = firstRunning(lengths, lengthsOff, steps, t);
      int hi = lastRunning(lengths, lengthsOff, rows, steps, t);
      int running = gatherRunning(lengths, lengthsOff, steps, t, lo, hi, hLast, hLastOff, hidden, scratch, packed);
      if (running == hi - lo + 1) {
        // Every row of the span runs: the states are already contiguous.
        dense.gemm(hLast, hLastOff + lo * hidden, hidden, running, hidden, w.whhT(), 0, width, width, w.bhh(), 0,
            scratch, gh, width, false);
      } else {
        // Frozen rows inside the span: multiply only the gathered states of the running ones.
        dense.gemm(scratch, packed, hidden, running, hidden, w.whhT(), 0, width, width, w.bhh(), 0,
            scratch, gh, width, false);
      }
      for (int r = lo, p = 0; r <= hi; r++) {
        if (t < length(lengths, lengthsOff, r, steps)) {
          int state = hLastOff + r * hidden;
          int giAt = gi + (sharedInput ? t : r * steps + t) * width;
          float a = att == null ? 0f : att[attOff + r * steps + t];
          gruCell(mode, scratch, giAt, scratch, gh + p++ * width, hLast, state, a, hLast, state, hidden);
          if (hAll != null) {
            System.arraycopy(hLast, state, hAll, hAllOff + (r * steps + t) * hidden, hidden);
          }
        }
      }
    }
    if (hAll != null) {
      zeroPadding(hAll, hAllOff, rows, steps, hidden, lengths, lengthsOff);
    }
  }

  /**
   * A shared-input scan with the rows in vector lanes: blocks of {@link RecurrentKernels#LANE_BLOCK}
   * rows run through every step with their states transposed ({@code H x cw}), so one step is
   * {@code gatesᵀ = W_hh hᵀ} ({@code 3H x H} by {@code H x cw}, the rows of the product are whole
   * vectors of rows) and all the gate math runs over rows in lanes with the input-side gates of
   * step t broadcast as scalars: no masked tail per row (H need not be a multiple of the vector
   * length), one activation call per gate block, and the block's working set stays in L1 for all
   * steps. Rows past their length keep their state by a lane blend.
   */
  private void laneScan(GruMode mode, Packed w, float[] att, int attOff, int rows, int steps, int longest,
                        int[] lengths, int lengthsOff, float[] h0, int h0Off, float[] hLast, int hLastOff,
                        float[] hAll, int hAllOff, float[] s, int gi, int free) {
    int hidden = w.hidden();
    int width = w.width();
    int whh = free;
    int state = whh + width * hidden;
    int gates = state + hidden * BLOCK;
    int scores = gates + width * BLOCK;
    int lens = scores + steps * BLOCK;
    dense.transpose(w.whhT(), 0, hidden, width, s, whh);
    for (int c0 = 0; c0 < rows; c0 += BLOCK) {
      int cw = Math.min(BLOCK, rows - c0);
      if (h0 == null) {
        Arrays.fill(s, state, state + hidden * cw, 0f);
      } else {
        dense.transpose(h0, h0Off + c0 * hidden, cw, hidden, s, state);
      }
      if (att != null && mode != GruMode.GRU) {
        dense.transpose(att, attOff + c0 * steps, cw, steps, s, scores);
      }
      int blockLongest = longest;
      if (lengths != null) {
        blockLongest = 0;
        for (int j = 0; j < cw; j++) {
          int len = lengths[lengthsOff + c0 + j];
          s[lens + j] = len;
          blockLongest = Math.max(blockLongest, len);
        }
      }
      for (int t = 0; t < blockLongest; t++) {
        laneGates(mode, w, s, gi + t * width, whh, state, gates, cw);
        int n = gates + 2 * hidden * cw;
        switch (mode) {
          case GRU -> laneKeep(s, gates + hidden * cw, n, state, lengths != null, lens, t, hidden, cw);
          case AUGRU -> laneReplace(s, gates + hidden * cw, scores + t * cw, n, state, lengths != null, lens, t,
              hidden, cw);
          case AGRU -> laneAttention(s, scores + t * cw, n, state, lengths != null, lens, t, hidden, cw);
        }
        if (hAll != null) {
          for (int j = 0; j < cw; j++) {
            int at = hAllOff + ((c0 + j) * steps + t) * hidden;
            for (int i = 0; i < hidden; i++) {
              hAll[at + i] = s[state + i * cw + j];
            }
          }
        }
      }
      dense.transpose(s, state, hidden, cw, hLast, hLastOff + c0 * hidden);
    }
    if (hAll != null) {
      zeroPadding(hAll, hAllOff, rows, steps, hidden, lengths, lengthsOff);
    }
  }

  /**
   * Step t's activated gates of one block, rows in lanes ({@code 3H x cw} at {@code gates}): each
   * gate row starts from its scalar constant (r, z: {@code gi + b_hh}; n: {@code b_hn}), the GEMM
   * adds {@code W_hh hᵀ}, then r (and z) go through the sigmoid and n through
   * {@code tanh(gi_n + r (W_hn h + b_hn))}.
   */
  private void laneGates(GruMode mode, Packed w, float[] s, int giAt, int whh, int state, int gates, int cw) {
    int hidden = w.hidden();
    int width = w.width();
    float[] bhh = w.bhh();
    for (int i = 0; i < 2 * hidden; i++) {
      Arrays.fill(s, gates + i * cw, gates + (i + 1) * cw, bhh == null ? s[giAt + i] : s[giAt + i] + bhh[i]);
    }
    for (int i = 2 * hidden; i < width; i++) {
      Arrays.fill(s, gates + i * cw, gates + (i + 1) * cw, bhh == null ? 0f : bhh[i]);
    }
    dense.gemm(s, whh, hidden, width, hidden, s, state, cw, cw, null, 0, s, gates, cw, true);
    // AGRU never reads the update gate, so only r is activated.
    activations.sigmoid(s, gates, s, gates, (mode == GruMode.AGRU ? hidden : 2 * hidden) * cw);
    int n = gates + 2 * hidden * cw;
    for (int i = 0; i < hidden; i++) {
      laneReset(s, gates + i * cw, n + i * cw, s[giAt + 2 * hidden + i], cw);
    }
    activations.tanh(s, n, s, n, hidden * cw);
  }

  /** {@code g[n + j] = gin + g[r + j] * g[n + j]} over one gate row of a block. */
  private static void laneReset(float[] g, int r, int n, float gin, int cw) {
    FloatVector giv = FloatVector.broadcast(FLOAT, gin);
    for (int j = 0; j < cw; j += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(j, cw);
      FloatVector.fromArray(FLOAT, g, r + j, m).fma(FloatVector.fromArray(FLOAT, g, n + j, m), giv)
          .intoArray(g, n + j, m);
    }
  }

  /** GRU over a block: {@code h' = n + z (h - n)}; lanes whose row has ended keep h. */
  private static void laneKeep(float[] s, int z, int n, int state, boolean ragged, int lens, int t, int hidden,
                               int cw) {
    for (int j = 0; j < cw; j += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(j, cw);
      if (ragged) {
        m = m.and(FloatVector.fromArray(FLOAT, s, lens + j, m).compare(VectorOperators.GT, (float) t));
      }
      for (int i = 0, o = j; i < hidden; i++, o += cw) {
        FloatVector nv = FloatVector.fromArray(FLOAT, s, n + o, m);
        FloatVector.fromArray(FLOAT, s, z + o, m).fma(FloatVector.fromArray(FLOAT, s, state + o, m).sub(nv), nv)
            .intoArray(s, state + o, m);
      }
    }
  }

  /** AUGRU over a block: {@code h' = h + (a z) (n - h)} with a = the block's scores at step t. */
  private static void laneReplace(float[] s, int z, int a, int n, int state, boolean ragged, int lens, int t,
                                  int hidden, int cw) {
    for (int j = 0; j < cw; j += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(j, cw);
      if (ragged) {
        m = m.and(FloatVector.fromArray(FLOAT, s, lens + j, m).compare(VectorOperators.GT, (float) t));
      }
      FloatVector av = FloatVector.fromArray(FLOAT, s, a + j, m);
      for (int i = 0, o = j; i < hidden; i++, o += cw) {
        FloatVector hv = FloatVector.fromArray(FLOAT, s, state + o, m);
        FloatVector.fromArray(FLOAT, s, z + o, m).mul(av).fma(FloatVector.fromArray(FLOAT, s, n + o, m).sub(hv), hv)
            .intoArray(s, state + o, m);
      }
    }
  }

  /** AGRU over a block: {@code h' = h + a (n - h)}. */
  private static void laneAttention(float[] s, int a, int n, int state, boolean ragged, int lens, int t, int hidden,
                                    int cw) {
    for (int j = 0; j < cw; j += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(j, cw);
      if (ragged) {
        m = m.and(FloatVector.fromArray(FLOAT, s, lens + j, m).compare(VectorOperators.GT, (float) t));
      }
      FloatVector av = FloatVector.fromArray(FLOAT, s, a + j, m);
      for (int i = 0, o = j; i < hidden; i++, o += cw) {
        FloatVector hv = FloatVector.fromArray(FLOAT, s, state + o, m);
        FloatVector.fromArray(FLOAT, s, n + o, m).sub(hv).fma(av, hv).intoArray(s, state + o, m);
      }
    }
  }

  @Override
  public void lstmScan(Packed w, float[] x, int xOff, int rows, int steps, int[] lengths, int lengthsOff,
                       float[] h0, int h0Off, float[] c0, int c0Off, float[] hLast, int hLastOff,
                       float[] cLast, int cLastOff, float[] hAll, int hAllOff, float[] scratch, int scratchOff) {
    int hidden = w.hidden();
    int width = w.width();
    int longest = longest(lengths, lengthsOff, rows, steps);
    int gi = scratchOff;
    int gh = scratchOff + rows * steps * width;
    inputGates(w, x, xOff, rows, steps, lengths, lengthsOff, scratch, gi);
    initialState(h0, h0Off, hLast, hLastOff, rows * hidden);
    initialState(c0, c0Off, cLast, cLastOff, rows * hidden);
    int packed = gh + rows * width;
    for (int t = 0; t < longest; t++) {
      int lo = firstRunning(lengths, lengthsOff, steps, t);
      int hi = lastRunning(lengths, lengthsOff, rows, steps, t);
      int running = gatherRunning(lengths, lengthsOff, steps, t, lo, hi, hLast, hLastOff, hidden, scratch, packed);
      if (running == hi - lo + 1) {
        dense.gemm(hLast, hLastOff + lo * hidden, hidden, running, hidden, w.whhT(), 0, width, width, w.bhh(), 0,
            scratch, gh, width, false);
      } else {
        dense.gemm(scratch, packed, hidden, running, hidden, w.whhT(), 0, width, width, w.bhh(), 0,
            scratch, gh, width, false);
      }
      for (int r = lo, p = 0; r <= hi; r++) {
        if (t < length(lengths, lengthsOff, r, steps)) {
          int state = r * hidden;
          lstmCell(scratch, gi + (r * steps + t) * width, scratch, gh + p++ * width, cLast, cLastOff + state, cLast,
              cLastOff + state, hLast, hLastOff + state, hidden);
          if (hAll != null) {
            System.arraycopy(hLast, hLastOff + state, hAll, hAllOff + (r * steps + t) * hidden, hidden);
          }
        }
      }
    }
    if (hAll != null) {
      zeroPadding(hAll, hAllOff, rows, steps, hidden, lengths, lengthsOff);
    }
  }

  /**
   * Input-side gates {@code x W_ihᵀ + b_ih} of every valid position, into {@code rows x steps x width}
   * at {@code out}. A run of full-length rows plus the valid prefix of the row after it is
   * contiguous in x and in the output, so it is one GEMM; with every row full the whole batch is
   * one GEMM of {@code rows * steps} rows. Padded positions are never read.
   */
  private void inputGates(Packed w, float[] x, int xOff, int rows, int steps, int[] lengths, int lengthsOff,
                          float[] out, int outOff) {
    int in = w.input();
    int width = w.width();
    int r = 0;
    while (r < rows) {
      int start = r;
      while (r < rows && length(lengths, lengthsOff, r, steps) == steps) {
        r++;
      }
      int positions = (r - start) * steps;
      if (r < rows) {
        positions += length(lengths, lengthsOff, r, steps);
        r++;
      }
      if (positions > 0) {
        dense.gemm(x, xOff + start * steps * in, in, positions, in, w.wihT(), 0, width, width, w.bih(), 0,
            out, outOff + start * steps * width, width, false);
      }
    }
  }

  private static int length(int[] lengths, int lengthsOff, int row, int steps) {
    return lengths == null ? steps : lengths[lengthsOff + row];
  }

  private static int longest(int[] lengths, int lengthsOff, int rows, int steps) {
    if (lengths == null) {
      return rows == 0 ? 0 : steps;
    }
    int longest = 0;
    for (int r = 0; r < rows; r++) {
      longest = Math.max(longest, lengths[lengthsOff + r]);
    }
    return longest;
  }

  /**
   * Counts the rows of {@code lo..hi} still running at step t and, when some in between are
   * frozen, copies the running rows' states, in row order, to {@code packed} ({@code count x hidden}).
   */
  private static int gatherRunning(int[] lengths, int lengthsOff, int steps, int t, int lo, int hi, float[] state,
                                   int stateOff, int hidden, float[] packed, int packedOff) {
    int running = 0;
    for (int r = lo; r <= hi; r++) {
      if (t < length(lengths, lengthsOff, r, steps)) {
        running++;
      }
    }
    if (running < hi - lo + 1) {
      for (int r = lo, p = 0; r <= hi; r++) {
        if (t < length(lengths, lengthsOff, r, steps)) {
          System.arraycopy(state, stateOff + r * hidden, packed, packedOff + p++ * hidden, hidden);
        }
      }
    }
    return running;
  }

  /** The first row still running at step t (one exists: t is below the longest length). */
  private static int firstRunning(int[] lengths, int lengthsOff, int steps, int t) {
    int r = 0;
    while (length(lengths, lengthsOff, r, steps) <= t) {
      r++;
    }
    return r;
  }

  private static int lastRunning(int[] lengths, int lengthsOff, int rows, int steps, int t) {
    int r = rows - 1;
    while (length(lengths, lengthsOff, r, steps) <= t) {
      r--;
    }
    return r;
  }

  /** Positions at or past a row's length hold zeros in {@code hAll}, as {@code pad_packed_sequence} pads. */
  private static void zeroPadding(float[] hAll, int hAllOff, int rows, int steps, int hidden, int[] lengths,
                                  int lengthsOff) {
    for (int r = 0; r < rows; r++) {
      int len = length(lengths, lengthsOff, r, steps);
      if (len < steps) {
        Arrays.fill(hAll, hAllOff + (r * steps + len) * hidden, hAllOff + (r + 1) * steps * hidden, 0f);
      }
    }
  }

  private static void initialState(float[] init, int initOff, float[] state, int stateOff, int n) {
    if (init == null) {
      Arrays.fill(state, stateOff, stateOff + n, 0f);
    } else {
      System.arraycopy(init, initOff, state, stateOff, n);
    }
  }
}
