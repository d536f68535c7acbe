package io.github.seqrec.kernels.internal;

/**
 * Recurrent cells (GRU in PyTorch's convention, its attention variants AUGRU and AGRU, LSTM) and
 * whole-sequence scans, batched over {@code rows} independent sequences so that the gate
 * pre-activations are GEMMs. Arguments have been validated by the facade
 * ({@code io.github.seqrec.kernels.Recurrent}), which also states the equations.
 *
 * <p>Layouts: {@code x} is {@code rows x in} (a step) or {@code rows x steps x in} (a scan; with
 * {@code sharedInput} one {@code steps x in} sequence read by every row); states {@code h, c} are
 * {@code rows x hidden}; attention {@code att} has one value per row (a step) or is
 * {@code rows x steps} (a scan); {@code hAll} is {@code rows x steps x hidden}. {@code lengths}
 * null means every row runs all {@code steps}.
 */
public interface RecurrentKernels {

  /** Which update rule a GRU-family cell applies after computing {@code r, z, n}. */
  enum GruMode {
    /** PyTorch {@code nn.GRUCell}: {@code h' = (1 - z) n + z h}. */
    GRU,
    /** DIEN AUGRU (paper form): {@code u~ = a z}, {@code h' = (1 - u~) h + u~ n}. */
    AUGRU,
    /** DIEN AGRU: {@code h' = (1 - a) h + a n}; the update gate is not used. */
    AGRU
  }

  /**
   * Prepared weights of one recurrent layer with {@code gates} gate blocks (3 for a GRU, 4 for an
   * LSTM): {@code wihT} is the PyTorch {@code weight_ih} transposed ({@code in x gates*hidden}),
   * {@code whhT} the transposed {@code weight_hh} ({@code hidden x gates*hidden}); the biases have
   * {@code gates*hidden} entries or are null. Never modified after construction.
   */
  record Packed(int gates, int input, int hidden, float[] wihT, float[] whhT, float[] bih, float[] bhh) {
    /** Width of one row of gate pre-activations: {@code gates * hidden}. */
    public int width() {
      return gates * hidden;
    }
  }

  /** Floats of scratch {@link #gruStep} needs: input-side and hidden-side gates, {@code 2 x rows x 3H}. */
  static long gruStepScratch(int rows, int hidden) {
    return 6L * rows * hidden;
  }

  /** Floats of scratch {@link #lstmStep} needs: input-side and hidden-side gates, {@code 2 x rows x 4H}. */
  static long lstmStepScratch(int rows, int hidden) {
    return 8L * rows * hidden;
  }

  /**
   * Rows per block of a shared-input scan that a backend runs with the rows in vector lanes
   * (a multiple of 3 vectors of 4, 8 or 16 floats); {@link #gruScanScratch} leaves room for one block.
   */
  int LANE_BLOCK = 48;

  /** Fewest rows of a shared-input scan that a backend may run with the rows in vector lanes. */
  int LANE_ROWS_MIN = 16;

  /**
   * Floats of scratch {@link #gruScan} needs: the input-side gates of every position
   * ({@code (sharedInput ? steps : rows * steps) x 3H}), then room for either one {@code rows x 3H}
   * block of hidden-side gates and {@code rows x H} for the gathered states of the rows still
   * running, or (shared input, {@link #LANE_ROWS_MIN} rows or more) the rows-in-lanes layout of a
   * vector backend: {@code W_hh} ({@code 3H x H}) and, for one block of {@link #LANE_BLOCK} rows,
   * its states, gates, attention scores and lengths ({@code LANE_BLOCK x (4H + steps + 1)}).
   */
  static long gruScanScratch(int rows, int steps, int hidden, boolean sharedInput) {
    long positions = sharedInput ? steps : (long) rows * steps;
    long rowLayout = 4L * hidden * rows;
    long laneLayout = sharedInput && rows >= LANE_ROWS_MIN
        ? 3L * hidden * hidden + LANE_BLOCK * (4L * hidden + steps + 1)
        : 0;
    return 3L * hidden * positions + Math.max(rowLayout, laneLayout);
  }

  /**
   * Floats of scratch {@link #lstmScan} needs: the input-side gates of every position
   * ({@code rows x steps x 4H}), one {@code rows x 4H} block of hidden-side gates and
   * {@code rows x H} for the gathered states of the rows still running.
   */
  static long lstmScanScratch(int rows, int steps, int hidden) {
    return 4L * hidden * ((long) rows * steps + rows) + (long) rows * hidden;
  }

  /**
   * One GRU-family step for {@code rows} rows: {@code hOut = cell(x, h)}; {@code att} (one value
   * per row) is read by AUGRU and AGRU only and may be null for GRU. {@code hOut} may be
   * {@code h} (same offset).
   */
  void gruStep(GruMode mode, Packed w, float[] x, int xOff, float[] h, int hOff, float[] att, int attOff,
               int rows, float[] hOut, int hOutOff, float[] scratch, int scratchOff);

  /** One LSTM step for {@code rows} rows; {@code hOut} may be {@code h} and {@code cOut} may be {@code c}. */
  void lstmStep(Packed w, float[] x, int xOff, float[] h, int hOff, float[] c, int cOff, int rows,
                float[] hOut, int hOutOff, float[] cOut, int cOutOff, float[] scratch, int scratchOff);

  /**
   * A GRU-family scan: row {@code r} runs {@code lengths[r]} steps from {@code h0} (null: zeros);
   * {@code hLast} gets the state after its last valid step (the initial state when the length is
   * 0); {@code hAll} (nullable) gets every state, zeros at positions {@code >= lengths[r]}.
   * {@code h0} may be {@code hLast} (same offset).
   */
  void gruScan(GruMode mode, Packed w, float[] x, int xOff, boolean sharedInput, float[] att, int attOff,
               int rows, int steps, int[] lengths, int lengthsOff, float[] h0, int h0Off,
               float[] hLast, int hLastOff, float[] hAll, int hAllOff, float[] scratch, int scratchOff);

  /** An LSTM scan, as {@link #gruScan} with a cell state ({@code c0} null: zeros). */
  void lstmScan(Packed w, float[] x, int xOff, int rows, int steps, int[] lengths, int lengthsOff,
                float[] h0, int h0Off, float[] c0, int c0Off, float[] hLast, int hLastOff,
                float[] cLast, int cLastOff, float[] hAll, int hAllOff, float[] scratch, int scratchOff);
}
