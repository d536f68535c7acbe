package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.kernels.internal.RecurrentKernels;
import io.github.seqrec.kernels.internal.RecurrentKernels.GruMode;
import io.github.seqrec.kernels.internal.RecurrentKernels.Packed;

/**
 * Recurrent cells and whole-sequence scans, batched over {@code rows} independent sequences (users
 * of GRU4Rec / RRN, or the candidate targets of DIEN's interest evolution), so that every gate
 * pre-activation is a GEMM: per step one {@code rows x H} by {@code H x 3H} (GRU) or {@code 4H}
 * (LSTM) product on top of input-side gates computed beforehand.
 *
 * <h2>Cell equations (PyTorch's convention everywhere, MODELS.md §0.1)</h2>
 * GRU ({@code nn.GRUCell}, gate rows {@code r, z, n}):
 * <pre>
 *   r  = σ(W_ir x + b_ir + W_hr h + b_hr)
 *   z  = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      (b_hn stays inside the reset product)
 *   h' = (1 − z) ⊙ n + z ⊙ h                             (z is the weight KEPT from the old state)
 * </pre>
 * AUGRU (DIEN, Zhou et al., AAAI 2019, eq. (6) of the paper, as DeepCTR-Torch and FuxiCTR): the
 * same {@code r, z, n} from the same weights, then the z-gate value is used as the paper's update
 * gate {@code u}, the weight given to the <em>candidate</em>, scaled by the row's attention score
 * {@code a}:
 * <pre>
 *   ũ  = a · u       (u = z above)
 *   h' = (1 − ũ) ⊙ h + ũ ⊙ n                             (a = 0 keeps h unchanged)
 * </pre>
 * Note the role reversal: with {@code a = 1} AUGRU is the paper's GRU {@code h' = (1 − u) h + u n},
 * which is <em>not</em> {@link #gruStep} on the same weights (it equals {@link #gruStep} on weights
 * whose z rows are negated, since {@code σ(−v) = 1 − σ(v)}). The official TF code's
 * {@code VecAttGRUCell} scales the keep gate instead; seqrec follows the paper.
 * AGRU (DIEN): {@code h' = (1 − a) ⊙ h + a ⊙ n}; the update gate is not used.
 * LSTM ({@code nn.LSTMCell}, gate rows {@code i, f, g, o}): {@code i, f, o = σ(W_i· x + b_i· + W_h· h + b_h·)},
 * {@code g = tanh(…)}, {@code c' = f ⊙ c + i ⊙ g}, {@code h' = o ⊙ tanh(c')}.
 *
 * <h2>Layouts</h2>
 * All arrays are row-major {@code float[]} with explicit offsets: a step reads {@code x} as
 * {@code rows x in} and states as {@code rows x H}; a scan reads {@code x} as
 * {@code rows x steps x in} (right-padded), or, with {@code sharedInput}, one {@code steps x in}
 * sequence read by every row (DIEN: B targets evolving over one user's extractor states, whose
 * input-side gates are then computed once). Attention scores are one per row ({@code rows}) for a
 * step and {@code rows x steps} for a scan.
 *
 * <h2>Variable lengths</h2>
 * A scan runs row {@code r} over its first {@code lengths[r]} steps ({@code 0 <= lengths[r] <= steps};
 * {@code lengths == null} means all {@code steps}), as {@code pack_padded_sequence} does: the final
 * state is the state after step {@code lengths[r] − 1}, or the initial state (zeros when none is
 * given) for length 0. Padded positions of {@code x} and {@code att} are never used (they may hold
 * anything). The optional all-states output holds zeros at positions {@code >= lengths[r]}, as
 * {@code pad_packed_sequence} pads.
 *
 * <h2>Scratch, aliasing, threads</h2>
 * Scratch space comes from a caller array of at least the size the matching
 * {@code ...ScratchSize} method returns; its contents on entry do not matter and on return are
 * unspecified. Nothing allocates except the {@code pack...} methods. A step may write its new state
 * over the old one (same array and offset) and a scan's final state may be its initial state (to
 * advance a cached per-user state); any other overlap between an output and another argument is
 * rejected. Stateless and thread-safe (give each thread its own scratch). Arguments are checked
 * here, once; a bad one raises {@link IllegalArgumentException} naming it with the expected and
 * actual shape.
 */
public final class Recurrent {
  private static final RecurrentKernels KERNELS = KernelProvider.get().recurrent();
  private static final DenseKernels DENSE = KernelProvider.get().dense();

  private Recurrent() {}

  // ------------------------------------------------------------------------------------------
  // Weights

  /**
   * Packs a PyTorch GRU layer: {@code weightIh} is {@code weight_ih} ({@code 3H x in}, rows
   * {@code r, z, n}), {@code weightHh} is {@code weight_hh} ({@code 3H x H}), {@code biasIh} and
   * {@code biasHh} have {@code 3H} entries each or are null ({@code bias=False}). The arrays are
   * copied.
   */
  public static GruWeights packGru(float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh,
                                   int inputSize, int hiddenSize) {
    return new GruWeights(pack(3, "weight_ih", weightIh, "weight_hh", weightHh, biasIh, biasHh, inputSize, hiddenSize));
  }

  /**
   * Packs a PyTorch LSTM layer: {@code weightIh} is {@code weight_ih} ({@code 4H x in}, rows
   * {@code i, f, g, o}), {@code weightHh} is {@code weight_hh} ({@code 4H x H}), the biases have
   * {@code 4H} entries each or are null. The arrays are copied.
   */
  public static LstmWeights packLstm(float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh,
                                     int inputSize, int hiddenSize) {
    return new LstmWeights(pack(4, "weight_ih", weightIh, "weight_hh", weightHh, biasIh, biasHh, inputSize, hiddenSize));
  }

  private static Packed pack(int gates, String ihName, float[] weightIh, String hhName, float[] weightHh,
                             float[] biasIh, float[] biasHh, int inputSize, int hiddenSize) {
    Checks.positive("inputSize", inputSize);
    Checks.positive("hiddenSize", hiddenSize);
    long width = (long) gates * hiddenSize;
    if (width * Math.max(inputSize, hiddenSize) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a " + width + " x " + Math.max(inputSize, hiddenSize)
          + " weight does not fit a Java array");
    }
    int w = (int) width;
    weightShape(ihName, weightIh, w, inputSize, gates + "H x in");
    weightShape(hhName, weightHh, w, hiddenSize, gates + "H x H");
    biasShape("bias_ih", biasIh, w, gates);
    biasShape("bias_hh", biasHh, w, gates);
    float[] wihT = new float[w * inputSize];
    float[] whhT = new float[w * hiddenSize];
    DENSE.transpose(weightIh, 0, w, inputSize, wihT, 0);
    DENSE.transpose(weightHh, 0, w, hiddenSize, whhT, 0);
    return new Packed(gates, inputSize, hiddenSize, wihT, whhT,
        biasIh == null ? null : biasIh.clone(), biasHh == null ? null : biasHh.clone());
  }

  private static void weightShape(String name, float[] weight, int rows, int cols, String symbolic) {
    Checks.notNull(name, weight);
    if (weight.length != (long) rows * cols) {
      throw new IllegalArgumentException(name + " must have " + symbolic + " = " + rows + " x " + cols + " = "
          + (long) rows * cols + " floats, got " + weight.length);
    }
  }

  private static void biasShape(String name, float[] bias, int width, int gates) {
    if (bias != null && bias.length != width) {
      throw new IllegalArgumentException(name + " must have " + gates + "H = " + width + " floats, got " + bias.length);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Scratch sizes

  /** Floats of scratch {@link #gruStep}, {@link #augruStep} and {@link #agruStep} need: {@code 6 rows H}. */
  public static int gruStepScratchSize(int rows, int hiddenSize) {
    Checks.nonNegative("rows", rows);
    Checks.positive("hiddenSize", hiddenSize);
    return fits(RecurrentKernels.gruStepScratch(rows, hiddenSize));
  }

  /** Floats of scratch {@link #lstmStep} needs: {@code 8 rows H}. */
  public static int lstmStepScratchSize(int rows, int hiddenSize) {
    Checks.nonNegative("rows", rows);
    Checks.positive("hiddenSize", hiddenSize);
    return fits(RecurrentKernels.lstmStepScratch(rows, hiddenSize));
  }

  /**
   * Floats of scratch {@link #gruScan}, {@link #augruScan} and {@link #agruScan} need: the
   * input-side gates of every position, {@code 3H (sharedInput ? steps : rows steps)}, plus the
   * larger of {@code 4H rows} (one step's hidden-side gates, {@code 3H rows}, and {@code H rows} to
   * gather the states of the rows still running when lengths differ) and, with a shared input and
   * 16 rows or more, {@code 3H² + 48 (4H + steps + 1)} (room for the vector backend to run blocks of 48 rows with
   * the rows in vector lanes).
   */
  public static int gruScanScratchSize(int rows, int steps, int hiddenSize, boolean sharedInput) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("steps", steps);
    Checks.positive("hiddenSize", hiddenSize);
    return fits(RecurrentKernels.gruScanScratch(rows, steps, hiddenSize, sharedInput));
  }

  /**
   * Floats of scratch {@link #lstmScan} needs: the input-side gates of every position,
   * {@code 4H rows steps}, plus {@code 4H rows} for one step's hidden-side gates and {@code H rows}
   * to gather the states of the rows still running.
   */
  public static int lstmScanScratchSize(int rows, int steps, int hiddenSize) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("steps", steps);
    Checks.positive("hiddenSize", hiddenSize);
    return fits(RecurrentKernels.lstmScanScratch(rows, steps, hiddenSize));
  }

  private static int fits(long floats) {
    if (floats > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("the scratch would need " + floats
          + " floats, more than a Java array holds; split the batch");
    }
    return (int) floats;
  }

  // ------------------------------------------------------------------------------------------
  // Steps

  /**
   * One GRU step ({@code nn.GRUCell}) for {@code rows} rows: {@code hOut[r] = GRU(x[r], h[r])}
   * with the equations in the class comment. {@code x} is {@code rows x in}, {@code h} and
   * {@code hOut} are {@code rows x H}; {@code hOut} may be {@code h} at the same offset.
   * {@code scratch} holds at least {@link #gruStepScratchSize}{@code (rows, H)} floats.
   */
  public static void gruStep(GruWeights weights, float[] x, int xOff, float[] h, int hOff, int rows,
                             float[] hOut, int hOutOff, float[] scratch, int scratchOff) {
    Packed w = stepChecks(weights, x, xOff, h, hOff, null, 0, rows, hOut, hOutOff, scratch, scratchOff);
    KERNELS.gruStep(GruMode.GRU, w, x, xOff, h, hOff, null, 0, rows, hOut, hOutOff, scratch, scratchOff);
  }

  /**
   * One AUGRU step (DIEN, paper form): {@code ũ = att[r] · z}, {@code hOut[r] = (1 − ũ) h[r] + ũ n}
   * with {@code z, n} from the GRU gate equations. {@code att} holds one attention score per row
   * (usually in [0, 1]); otherwise as {@link #gruStep}.
   */
  public static void augruStep(GruWeights weights, float[] x, int xOff, float[] h, int hOff, float[] att, int attOff,
                               int rows, float[] hOut, int hOutOff, float[] scratch, int scratchOff) {
    Checks.region("att", att, attOff, rows);
    Packed w = stepChecks(weights, x, xOff, h, hOff, att, attOff, rows, hOut, hOutOff, scratch, scratchOff);
    KERNELS.gruStep(GruMode.AUGRU, w, x, xOff, h, hOff, att, attOff, rows, hOut, hOutOff, scratch, scratchOff);
  }

  /**
   * One AGRU step (DIEN): {@code hOut[r] = (1 − att[r]) h[r] + att[r] n}, the update gate unused;
   * otherwise as {@link #augruStep}.
   */
  public static void agruStep(GruWeights weights, float[] x, int xOff, float[] h, int hOff, float[] att, int attOff,
                              int rows, float[] hOut, int hOutOff, float[] scratch, int scratchOff) {
    Checks.region("att", att, attOff, rows);
    Packed w = stepChecks(weights, x, xOff, h, hOff, att, attOff, rows, hOut, hOutOff, scratch, scratchOff);
    KERNELS.gruStep(GruMode.AGRU, w, x, xOff, h, hOff, att, attOff, rows, hOut, hOutOff, scratch, scratchOff);
  }

  private static Packed stepChecks(GruWeights weights, float[] x, int xOff, float[] h, int hOff, float[] att,
                                   int attOff, int rows, float[] hOut, int hOutOff, float[] scratch, int scratchOff) {
    Checks.notNull("weights", weights);
    Packed w = weights.packed();
    Checks.nonNegative("rows", rows);
    long state = (long) rows * w.hidden();
    long xLen = (long) rows * w.input();
    long scratchLen = RecurrentKernels.gruStepScratch(rows, w.hidden());
    Checks.region("x", x, xOff, xLen);
    Checks.region("h", h, hOff, state);
    Checks.region("hOut", hOut, hOutOff, state);
    Checks.region("scratch", scratch, scratchOff, scratchLen);
    sameOrDisjoint("hOut", hOut, hOutOff, state, "h", h, hOff, state);
    disjoint("hOut", hOut, hOutOff, state, "x", x, xOff, xLen);
    disjoint("hOut", hOut, hOutOff, state, "att", att, attOff, rows);
    disjoint("scratch", scratch, scratchOff, scratchLen, "x", x, xOff, xLen);
    disjoint("scratch", scratch, scratchOff, scratchLen, "h", h, hOff, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "hOut", hOut, hOutOff, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "att", att, attOff, rows);
    return w;
  }

  /**
   * One LSTM step ({@code nn.LSTMCell}) for {@code rows} rows: {@code (hOut[r], cOut[r]) = LSTM(x[r], (h[r], c[r]))}.
   * {@code x} is {@code rows x in}; {@code h, c, hOut, cOut} are {@code rows x H}; {@code hOut}
   * may be {@code h} and {@code cOut} may be {@code c} (same offsets). {@code scratch} holds at
   * least {@link #lstmStepScratchSize}{@code (rows, H)} floats.
   */
  public static void lstmStep(LstmWeights weights, float[] x, int xOff, float[] h, int hOff, float[] c, int cOff,
                              int rows, float[] hOut, int hOutOff, float[] cOut, int cOutOff,
                              float[] scratch, int scratchOff) {
    Checks.notNull("weights", weights);
    Packed w = weights.packed();
    Checks.nonNegative("rows", rows);
    long state = (long) rows * w.hidden();
    long xLen = (long) rows * w.input();
    long scratchLen = RecurrentKernels.lstmStepScratch(rows, w.hidden());
    Checks.region("x", x, xOff, xLen);
    Checks.region("h", h, hOff, state);
    Checks.region("c", c, cOff, state);
    Checks.region("hOut", hOut, hOutOff, state);
    Checks.region("cOut", cOut, cOutOff, state);
    Checks.region("scratch", scratch, scratchOff, scratchLen);
    sameOrDisjoint("hOut", hOut, hOutOff, state, "h", h, hOff, state);
    sameOrDisjoint("cOut", cOut, cOutOff, state, "c", c, cOff, state);
    disjoint("hOut", hOut, hOutOff, state, "x", x, xOff, xLen);
    disjoint("hOut", hOut, hOutOff, state, "c", c, cOff, state);
    disjoint("hOut", hOut, hOutOff, state, "cOut", cOut, cOutOff, state);
    disjoint("cOut", cOut, cOutOff, state, "x", x, xOff, xLen);
    disjoint("cOut", cOut, cOutOff, state, "h", h, hOff, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "x", x, xOff, xLen);
    disjoint("scratch", scratch, scratchOff, scratchLen, "h", h, hOff, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "c", c, cOff, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "hOut", hOut, hOutOff, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "cOut", cOut, cOutOff, state);
    KERNELS.lstmStep(w, x, xOff, h, hOff, c, cOff, rows, hOut, hOutOff, cOut, cOutOff, scratch, scratchOff);
  }

  // ------------------------------------------------------------------------------------------
  // Scans

  /**
   * A GRU over whole sequences ({@code nn.GRU(batch_first=True)} on a {@code pack_padded_sequence}
   * with lengths), batched over {@code rows}.
   *
   * @param x {@code rows x steps x in} at {@code xOff}, or with {@code sharedInput} one
   *     {@code steps x in} sequence read by every row
   * @param lengths valid steps per row at {@code lengthsOff}, each in {@code [0, steps]}; null:
   *     every row runs all {@code steps}
   * @param h0 initial states {@code rows x H}, or null for zeros ({@code h0} may be {@code hLast}
   *     at the same offset: the state advances in place)
   * @param hLast receives {@code rows x H}: each row's state after its last valid step
   * @param hAll null, or receives {@code rows x steps x H}: the state after each step, zeros at
   *     positions {@code >= lengths[r]}
   * @param scratch at least {@link #gruScanScratchSize}{@code (rows, steps, H, sharedInput)} floats
   */
  public static void gruScan(GruWeights weights, float[] x, int xOff, boolean sharedInput, int rows, int steps,
                             int[] lengths, int lengthsOff, float[] h0, int h0Off, float[] hLast, int hLastOff,
                             float[] hAll, int hAllOff, float[] scratch, int scratchOff) {
    Packed w = scanChecks(weights, x, xOff, sharedInput, null, 0, rows, steps, lengths, lengthsOff, h0, h0Off,
        hLast, hLastOff, hAll, hAllOff, scratch, scratchOff);
    KERNELS.gruScan(GruMode.GRU, w, x, xOff, sharedInput, null, 0, rows, steps, lengths, lengthsOff, h0, h0Off,
        hLast, hLastOff, hAll, hAllOff, scratch, scratchOff);
  }

  /**
   * An AUGRU over whole sequences (DIEN's interest evolution, paper form): at step {@code t} row
   * {@code r} applies {@link #augruStep} with the score {@code att[r * steps + t]}. {@code att} is
   * {@code rows x steps} at {@code attOff} (typically a masked softmax over the valid steps);
   * everything else as {@link #gruScan}. For DIEN's B candidate targets over one user's extractor
   * states pass those states once with {@code sharedInput = true}.
   */
  public static void augruScan(GruWeights weights, float[] x, int xOff, boolean sharedInput, float[] att, int attOff,
                               int rows, int steps, int[] lengths, int lengthsOff, float[] h0, int h0Off,
                               float[] hLast, int hLastOff, float[] hAll, int hAllOff, float[] scratch, int scratchOff) {
    Checks.region("att", att, attOff, (long) rows * steps);
    Packed w = scanChecks(weights, x, xOff, sharedInput, att, attOff, rows, steps, lengths, lengthsOff, h0, h0Off,
        hLast, hLastOff, hAll, hAllOff, scratch, scratchOff);
    KERNELS.gruScan(GruMode.AUGRU, w, x, xOff, sharedInput, att, attOff, rows, steps, lengths, lengthsOff, h0, h0Off,
        hLast, hLastOff, hAll, hAllOff, scratch, scratchOff);
  }

  /** An AGRU over whole sequences: {@link #agruStep} at every step, otherwise as {@link #augruScan}. */
  public static void agruScan(GruWeights weights, float[] x, int xOff, boolean sharedInput, float[] att, int attOff,
                              int rows, int steps, int[] lengths, int lengthsOff, float[] h0, int h0Off,
                              float[] hLast, int hLastOff, float[] hAll, int hAllOff, float[] scratch, int scratchOff) {
    Checks.region("att", att, attOff, (long) rows * steps);
    Packed w = scanChecks(weights, x, xOff, sharedInput, att, attOff, rows, steps, lengths, lengthsOff, h0, h0Off,
        hLast, hLastOff, hAll, hAllOff, scratch, scratchOff);
    KERNELS.gruScan(GruMode.AGRU, w, x, xOff, sharedInput, att, attOff, rows, steps, lengths, lengthsOff, h0, h0Off,
        hLast, hLastOff, hAll, hAllOff, scratch, scratchOff);
  }

  private static Packed scanChecks(GruWeights weights, float[] x, int xOff, boolean sharedInput, float[] att,
                                   int attOff, int rows, int steps, int[] lengths, int lengthsOff, float[] h0,
                                   int h0Off, float[] hLast, int hLastOff, float[] hAll, int hAllOff,
                                   float[] scratch, int scratchOff) {
    Checks.notNull("weights", weights);
    Packed w = weights.packed();
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("steps", steps);
    long xLen = (sharedInput ? steps : (long) rows * steps) * w.input();
    long scratchLen = RecurrentKernels.gruScanScratch(rows, steps, w.hidden(), sharedInput);
    commonScanChecks(w, x, xOff, xLen, rows, steps, lengths, lengthsOff, h0, h0Off, hLast, hLastOff, hAll, hAllOff,
        scratch, scratchOff, scratchLen);
    long state = (long) rows * w.hidden();
    long all = state * steps;
    long attLen = (long) rows * steps;
    disjoint("hLast", hLast, hLastOff, state, "att", att, attOff, attLen);
    disjoint("hAll", hAll, hAllOff, all, "att", att, attOff, attLen);
    disjoint("scratch", scratch, scratchOff, scratchLen, "att", att, attOff, attLen);
    return w;
  }

  /**
   * An LSTM over whole sequences ({@code nn.LSTM(batch_first=True)} on a packed sequence): as
   * {@link #gruScan} without {@code sharedInput}, with a cell state: {@code c0} ({@code rows x H},
   * null for zeros; may be {@code cLast} at the same offset) and {@code cLast} (receives each row's
   * cell state after its last valid step). {@code hAll} gets hidden states only. {@code scratch}
   * holds at least {@link #lstmScanScratchSize}{@code (rows, steps, H)} floats.
   */
  public static void lstmScan(LstmWeights weights, float[] x, int xOff, int rows, int steps, int[] lengths,
                              int lengthsOff, float[] h0, int h0Off, float[] c0, int c0Off, float[] hLast,
                              int hLastOff, float[] cLast, int cLastOff, float[] hAll, int hAllOff,
                              float[] scratch, int scratchOff) {
    Checks.notNull("weights", weights);
    Packed w = weights.packed();
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("steps", steps);
    long xLen = (long) rows * steps * w.input();
    long scratchLen = RecurrentKernels.lstmScanScratch(rows, steps, w.hidden());
    commonScanChecks(w, x, xOff, xLen, rows, steps, lengths, lengthsOff, h0, h0Off, hLast, hLastOff, hAll, hAllOff,
        scratch, scratchOff, scratchLen);
    long state = (long) rows * w.hidden();
    long all = state * steps;
    if (c0 != null) {
      Checks.region("c0", c0, c0Off, state);
    }
    Checks.region("cLast", cLast, cLastOff, state);
    sameOrDisjoint("cLast", cLast, cLastOff, state, "c0", c0, c0Off, state);
    disjoint("cLast", cLast, cLastOff, state, "x", x, xOff, xLen);
    disjoint("cLast", cLast, cLastOff, state, "h0", h0, h0Off, state);
    disjoint("cLast", cLast, cLastOff, state, "hLast", hLast, hLastOff, state);
    disjoint("cLast", cLast, cLastOff, state, "hAll", hAll, hAllOff, all);
    disjoint("hLast", hLast, hLastOff, state, "c0", c0, c0Off, state);
    disjoint("hAll", hAll, hAllOff, all, "c0", c0, c0Off, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "c0", c0, c0Off, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "cLast", cLast, cLastOff, state);
    KERNELS.lstmScan(w, x, xOff, rows, steps, lengths, lengthsOff, h0, h0Off, c0, c0Off, hLast, hLastOff,
        cLast, cLastOff, hAll, hAllOff, scratch, scratchOff);
  }

  private static void commonScanChecks(Packed w, float[] x, int xOff, long xLen, int rows, int steps, int[] lengths,
                                       int lengthsOff, float[] h0, int h0Off, float[] hLast, int hLastOff,
                                       float[] hAll, int hAllOff, float[] scratch, int scratchOff, long scratchLen) {
    long state = (long) rows * w.hidden();
    long all = state * steps;
    Checks.region("x", x, xOff, xLen);
    if (lengths != null) {
      Checks.region("lengths", lengths, lengthsOff, rows);
      for (int r = 0; r < rows; r++) {
        int len = lengths[lengthsOff + r];
        if (len < 0 || len > steps) {
          throw new IllegalArgumentException(
              "lengths[" + r + "] must be in [0, steps = " + steps + "], got " + len);
        }
      }
    }
    if (h0 != null) {
      Checks.region("h0", h0, h0Off, state);
    }
    Checks.region("hLast", hLast, hLastOff, state);
    if (hAll != null) {
      Checks.region("hAll", hAll, hAllOff, all);
    }
    Checks.region("scratch", scratch, scratchOff, scratchLen);
    fits(scratchLen);
    sameOrDisjoint("hLast", hLast, hLastOff, state, "h0", h0, h0Off, state);
    disjoint("hLast", hLast, hLastOff, state, "x", x, xOff, xLen);
    disjoint("hLast", hLast, hLastOff, state, "hAll", hAll, hAllOff, all);
    disjoint("hAll", hAll, hAllOff, all, "x", x, xOff, xLen);
    disjoint("hAll", hAll, hAllOff, all, "h0", h0, h0Off, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "x", x, xOff, xLen);
    disjoint("scratch", scratch, scratchOff, scratchLen, "h0", h0, h0Off, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "hLast", hLast, hLastOff, state);
    disjoint("scratch", scratch, scratchOff, scratchLen, "hAll", hAll, hAllOff, all);
  }

  // ------------------------------------------------------------------------------------------
  // Aliasing

  /** Two non-empty regions of the same array must not intersect. */
  private static void disjoint(String nameA, float[] a, int aOff, long aLen, String nameB, float[] b, int bOff, long bLen) {
    if (a != null && a == b && aLen > 0 && bLen > 0 && aOff < bOff + bLen && bOff < aOff + aLen) {
      throw new IllegalArgumentException(nameA + " [" + aOff + ", " + (aOff + aLen) + ") and " + nameB + " [" + bOff
          + ", " + (bOff + bLen) + ") must not overlap in the same array");
    }
  }

  /** The same region (in place) is allowed; a partial overlap is not. */
  private static void sameOrDisjoint(String nameA, float[] a, int aOff, long aLen, String nameB, float[] b, int bOff,
                                     long bLen) {
    if (a == b && aOff == bOff) {
      return;
    }
    if (a != null && a == b && aLen > 0 && bLen > 0 && aOff < bOff + bLen && bOff < aOff + aLen) {
      throw new IllegalArgumentException(nameA + " [" + aOff + ", " + (aOff + aLen) + ") and " + nameB + " [" + bOff
          + ", " + (bOff + bLen) + ") must be the same region (in place) or not overlap");
    }
  }
}
