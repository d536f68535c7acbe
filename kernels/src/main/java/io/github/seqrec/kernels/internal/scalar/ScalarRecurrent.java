package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.RecurrentKernels;
import java.util.Arrays;

/**
 * Scalar definition of the recurrent kernels: the gate pre-activations are two GEMMs (input side
 * {@code x W_ihᵀ + b_ih}, hidden side {@code h W_hhᵀ + b_hh}), then plain per-element loops apply
 * PyTorch's cell equations. A scan is the step repeated over time on every row, with rows whose
 * length has ended left untouched.
 */
public final class ScalarRecurrent implements RecurrentKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public ScalarRecurrent(DenseKernels dense, ActivationKernels activations) {
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

  /**
   * One row of a GRU-family cell from its gate pre-activations {@code gi = W_i x + b_i} (read
   * only) and {@code gh = W_h h + b_h} (overwritten with the gate values), both in PyTorch's row
   * order {@code r, z, n}. Reads {@code h} and writes {@code hOut} element by element, so they may
   * be the same row.
   */
  private void gruCell(GruMode mode, float[] gi, int giOff, float[] gh, int ghOff, float[] h, int hOff, float a,
                       float[] hOut, int hOutOff, int hidden) {
    // r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz): the two linears are summed first.
    for (int j = 0; j < 2 * hidden; j++) {
      gh[ghOff + j] = gi[giOff + j] + gh[ghOff + j];
    }
    activations.sigmoid(gh, ghOff, gh, ghOff, 2 * hidden);
    // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)): the reset gate multiplies the hidden linear
    // *including* its bias b_hn (PyTorch's "reset after" convention, not TF's r ⊙ h before the matmul).
    int n = ghOff + 2 * hidden;
    for (int j = 0; j < hidden; j++) {
      gh[n + j] = gi[giOff + 2 * hidden + j] + gh[ghOff + j] * gh[n + j];
    }
    activations.tanh(gh, n, gh, n, hidden);
    int z = ghOff + hidden;
    for (int j = 0; j < hidden; j++) {
      float zj = gh[z + j];
      float nj = gh[n + j];
      float hj = h[hOff + j];
      hOut[hOutOff + j] = switch (mode) {
        // PyTorch: z is the weight *kept* from the old state.
        case GRU -> (1f - zj) * nj + zj * hj;
        // DIEN paper eq. (AUGRU): the same z-gate value u is the weight *given to the candidate*,
        // scaled by the attention score: u~ = a u, h' = (1 - u~) h + u~ n. a = 0 keeps h.
        case AUGRU -> {
          float u = a * zj;
          yield (1f - u) * hj + u * nj;
        }
        // DIEN AGRU: the attention score replaces the update gate (z is computed but not used).
        case AGRU -> (1f - a) * hj + a * nj;
      };
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

  /**
   * One row of an LSTM cell from its gate pre-activations {@code gi = W_ih x + b_ih} (read only)
   * and {@code gh = W_hh h + b_hh} (overwritten), PyTorch row order {@code i, f, g, o}:
   * {@code c' = f c + i g}, {@code h' = o tanh(c')}.
   */
  private void lstmCell(float[] gi, int giOff, float[] gates, int off, float[] c, int cOff, float[] cOut, int cOutOff,
                        float[] hOut, int hOutOff, int hidden) {
    for (int j = 0; j < 4 * hidden; j++) {
      gates[off + j] = gi[giOff + j] + gates[off + j];
    }
    int i = off;
    int f = off + hidden;
    int g = off + 2 * hidden;
    int o = off + 3 * hidden;
    activations.sigmoid(gates, i, gates, i, 2 * hidden); // i and f are adjacent
    activations.tanh(gates, g, gates, g, hidden);
    activations.sigmoid(gates, o, gates, o, hidden);
    for (int j = 0; j < hidden; j++) {
      cOut[cOutOff + j] = gates[f + j] * c[cOff + j] + gates[i + j] * gates[g + j];
    }
    activations.tanh(cOut, cOutOff, gates, i, hidden); // tanh(c') reuses the spent input-gate block
    for (int j = 0; j < hidden; j++) {
      hOut[hOutOff + j] = gates[o + j] * gates[i + j];
    }
  }

  @Override
  public void gruScan(GruMode mode, Packed w, float[] x, int xOff, boolean sharedInput, float[] att, int attOff,
                      int rows, int steps, int[] lengths, int lengthsOff, float[] h0, int h0Off,
                      float[] hLast, int hLastOff, float[] hAll, int hAllOff, float[] scratch, int scratchOff) {
    int in = w.input();
    int hidden = w.hidden();
    int width = w.width();
    int positions = sharedInput ? steps : rows * steps;
    int gi = scratchOff;
    int gh = scratchOff + positions * width;
    // Input-side gates of every position in one GEMM (padded positions too: computed, never read).
    dense.gemm(x, xOff, in, positions, in, w.wihT(), 0, width, width, w.bih(), 0, scratch, gi, width, false);
    initialState(h0, h0Off, hLast, hLastOff, rows * hidden);
    for (int t = 0; t < steps; t++) {
      dense.gemm(hLast, hLastOff, hidden, rows, hidden, w.whhT(), 0, width, width, w.bhh(), 0, scratch, gh, width, false);
      for (int r = 0; r < rows; r++) {
        int state = hLastOff + r * hidden;
        if (t < length(lengths, lengthsOff, r, steps)) {
          int giAt = gi + (sharedInput ? t : r * steps + t) * width;
          float a = att == null ? 0f : att[attOff + r * steps + t];
          gruCell(mode, scratch, giAt, scratch, gh + r * width, hLast, state, a, hLast, state, hidden);
          if (hAll != null) {
            System.arraycopy(hLast, state, hAll, hAllOff + (r * steps + t) * hidden, hidden);
          }
        } else if (hAll != null) {
          // Past the row's length: the state is frozen and the output position is zero (pad_packed_sequence).
          Arrays.fill(hAll, hAllOff + (r * steps + t) * hidden, hAllOff + (r * steps + t + 1) * hidden, 0f);
        }
      }
    }
  }

  @Override
  public void lstmScan(Packed w, float[] x, int xOff, int rows, int steps, int[] lengths, int lengthsOff,
                       float[] h0, int h0Off, float[] c0, int c0Off, float[] hLast, int hLastOff,
                       float[] cLast, int cLastOff, float[] hAll, int hAllOff, float[] scratch, int scratchOff) {
    int in = w.input();
    int hidden = w.hidden();
    int width = w.width();
    int gi = scratchOff;
    int gh = scratchOff + rows * steps * width;
    // Input-side gates of every position in one GEMM (padded positions too: computed, never read).
    dense.gemm(x, xOff, in, rows * steps, in, w.wihT(), 0, width, width, w.bih(), 0, scratch, gi, width, false);
    initialState(h0, h0Off, hLast, hLastOff, rows * hidden);
    initialState(c0, c0Off, cLast, cLastOff, rows * hidden);
    for (int t = 0; t < steps; t++) {
      dense.gemm(hLast, hLastOff, hidden, rows, hidden, w.whhT(), 0, width, width, w.bhh(), 0, scratch, gh, width, false);
      for (int r = 0; r < rows; r++) {
        int state = r * hidden;
        if (t < length(lengths, lengthsOff, r, steps)) {
          lstmCell(scratch, gi + (r * steps + t) * width, scratch, gh + r * width, cLast, cLastOff + state, cLast,
              cLastOff + state, hLast, hLastOff + state, hidden);
          if (hAll != null) {
            System.arraycopy(hLast, hLastOff + state, hAll, hAllOff + (r * steps + t) * hidden, hidden);
          }
        } else if (hAll != null) {
          Arrays.fill(hAll, hAllOff + (r * steps + t) * hidden, hAllOff + (r * steps + t + 1) * hidden, 0f);
        }
      }
    }
  }

  private static int length(int[] lengths, int lengthsOff, int row, int steps) {
    return lengths == null ? steps : lengths[lengthsOff + row];
  }

  /** The running state starts as a copy of the given initial state, or zeros. */
  private static void initialState(float[] init, int initOff, float[] state, int stateOff, int n) {
    if (init == null) {
      Arrays.fill(state, stateOff, stateOff + n, 0f);
    } else {
      System.arraycopy(init, initOff, state, stateOff, n);
    }
  }
}
