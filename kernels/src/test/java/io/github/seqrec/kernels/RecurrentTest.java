package io.github.seqrec.kernels;

import static io.github.seqrec.kernels.TestArrays.assertClose;
import static io.github.seqrec.kernels.TestArrays.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.internal.RecurrentKernels;
import io.github.seqrec.kernels.internal.RecurrentKernels.GruMode;
import io.github.seqrec.kernels.internal.RecurrentKernels.Packed;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RecurrentTest {
  /** Relative tolerance of the backend comparisons; states are in [-1, 1], so the scale is 1. */
  private static final double TOL = 1e-5;

  // ---------------------------------------------------------------------------------------------
  // Hand-checked cells (H = 1, in = 1)

  // weight_ih rows (r, z, n) = (0.5, -1, 2), weight_hh = (0.25, 0.5, -0.75),
  // bias_ih = (0.1, 0.2, -0.3), bias_hh = (-0.2, 0.1, 0.4); x = 1.5, h = 0.6.
  private static final float[] W_IH = {0.5f, -1f, 2f};
  private static final float[] W_HH = {0.25f, 0.5f, -0.75f};
  private static final float[] B_IH = {0.1f, 0.2f, -0.3f};
  private static final float[] B_HH = {-0.2f, 0.1f, 0.4f};
  private static final double X = 1.5;
  private static final double H = 0.6;
  // r = σ(0.5·1.5 + 0.1 + 0.25·0.6 − 0.2) = σ(0.8)
  private static final double R = sigmoid(0.5 * X + 0.1 + 0.25 * H - 0.2);
  // z = σ(−1·1.5 + 0.2 + 0.5·0.6 + 0.1) = σ(−0.9)
  private static final double Z = sigmoid(-1 * X + 0.2 + 0.5 * H + 0.1);
  // n = tanh(2·1.5 − 0.3 + r·(−0.75·0.6 + 0.4)) = tanh(2.7 − 0.05 r): b_hn inside the reset product
  private static final double N = Math.tanh(2 * X - 0.3 + R * (-0.75 * H + 0.4));

  private static double sigmoid(double v) {
    return 1 / (1 + Math.exp(-v));
  }

  @Test
  void handComputedNumbersAreWhatTheCommentsSay() {
    assertClose("r", sigmoid(0.8), R, 1e-15, 0);
    assertClose("z", sigmoid(-0.9), Z, 1e-15, 0);
    assertClose("n", Math.tanh(2.7 - 0.05 * R), N, 1e-15, 0);
  }

  @Test
  void gruAugruAgruStepsMatchAHandComputedCell() {
    GruWeights w = Recurrent.packGru(W_IH, W_HH, B_IH, B_HH, 1, 1);
    float[] scratch = new float[Recurrent.gruStepScratchSize(1, 1)];
    float[] out = new float[1];
    Recurrent.gruStep(w, new float[] {1.5f}, 0, new float[] {0.6f}, 0, 1, out, 0, scratch, 0);
    // PyTorch: z keeps the old state.
    assertClose("gru", (1 - Z) * N + Z * H, out[0], 1e-6, 0);

    float a = 0.3f;
    Recurrent.augruStep(w, new float[] {1.5f}, 0, new float[] {0.6f}, 0, new float[] {a}, 0, 1, out, 0, scratch, 0);
    // DIEN paper: u = z replaces, scaled by a.
    double u = a * Z;
    assertClose("augru", (1 - u) * H + u * N, out[0], 1e-6, 0);

    Recurrent.agruStep(w, new float[] {1.5f}, 0, new float[] {0.6f}, 0, new float[] {a}, 0, 1, out, 0, scratch, 0);
    assertClose("agru", (1 - a) * H + a * N, out[0], 1e-6, 0);
  }

  @Test
  void lstmStepMatchesAHandComputedCell() {
    // weight_ih rows (i, f, g, o) = (1, -0.5, 0.8, 0.3), weight_hh = (0.2, 0.4, -0.6, 0.9),
    // bias_ih = (0, 0.1, 0.2, -0.1), bias_hh = (0.05, 0, -0.2, 0.3); x = -0.4, h = 0.5, c = -0.7.
    LstmWeights w = Recurrent.packLstm(new float[] {1f, -0.5f, 0.8f, 0.3f}, new float[] {0.2f, 0.4f, -0.6f, 0.9f},
        new float[] {0f, 0.1f, 0.2f, -0.1f}, new float[] {0.05f, 0f, -0.2f, 0.3f}, 1, 1);
    double i = sigmoid(1 * -0.4 + 0 + 0.2 * 0.5 + 0.05);
    double f = sigmoid(-0.5 * -0.4 + 0.1 + 0.4 * 0.5 + 0);
    double g = Math.tanh(0.8 * -0.4 + 0.2 - 0.6 * 0.5 - 0.2);
    double o = sigmoid(0.3 * -0.4 - 0.1 + 0.9 * 0.5 + 0.3);
    double c1 = f * -0.7 + i * g;
    double h1 = o * Math.tanh(c1);
    float[] h = {0.5f};
    float[] c = {-0.7f};
    Recurrent.lstmStep(w, new float[] {-0.4f}, 0, h, 0, c, 0, 1, h, 0, c, 0,
        new float[Recurrent.lstmStepScratchSize(1, 1)], 0);
    assertClose("c'", c1, c[0], 1e-6, 0);
    assertClose("h'", h1, h[0], 1e-6, 0);
  }

  @Test
  void gruStepWithoutBiasesIsTheBiasFreeCell() {
    GruWeights w = Recurrent.packGru(W_IH, W_HH, null, null, 1, 1);
    assertThat(w.hasInputBias()).isFalse();
    assertThat(w.hasHiddenBias()).isFalse();
    double r = sigmoid(0.5 * X + 0.25 * H);
    double z = sigmoid(-X + 0.5 * H);
    double n = Math.tanh(2 * X + r * (-0.75 * H));
    float[] out = new float[1];
    Recurrent.gruStep(w, new float[] {1.5f}, 0, new float[] {0.6f}, 0, 1, out, 0, new float[6], 0);
    assertClose("gru no bias", (1 - z) * n + z * H, out[0], 1e-6, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Attention variants: the identities the equations imply

  @Test
  void augruWithZeroAttentionKeepsTheStateExactly() {
    SplittableRandom random = new SplittableRandom(11);
    for (RecurrentKernels kernels : backends()) {
      int rows = 9;
      int in = 17;
      int hidden = 15;
      Packed w = gru(random, in, hidden, true).packed();
      float[] x = uniform(random, rows * in);
      float[] h = uniform(random, rows * hidden);
      float[] out = new float[rows * hidden];
      float[] scratch = new float[Recurrent.gruStepScratchSize(rows, hidden)];
      kernels.gruStep(GruMode.AUGRU, w, x, 0, h, 0, new float[rows], 0, rows, out, 0, scratch, 0);
      assertThat(out).containsExactly(h);
      kernels.gruStep(GruMode.AGRU, w, x, 0, h, 0, new float[rows], 0, rows, out, 0, scratch, 0);
      assertThat(out).containsExactly(h);
    }
  }

  @Test
  void augruWithFullAttentionIsThePaperGruWhichIsTorchGruWithNegatedUpdateRows() {
    // a = 1: h' = (1 - u) h + u n, the paper's GRU. Since σ(-v) = 1 - σ(v), that is PyTorch's
    // h' = (1 - z) n + z h for weights whose z rows (and z biases) are negated.
    SplittableRandom random = new SplittableRandom(12);
    int rows = 7;
    int in = 16;
    int hidden = 17;
    float[] wih = scaled(random, 3 * hidden * in, hidden);
    float[] whh = scaled(random, 3 * hidden * hidden, hidden);
    float[] bih = scaled(random, 3 * hidden, hidden);
    float[] bhh = scaled(random, 3 * hidden, hidden);
    GruWeights paper = Recurrent.packGru(wih, whh, bih, bhh, in, hidden);
    GruWeights negated = Recurrent.packGru(negateRows(wih, hidden, in), negateRows(whh, hidden, hidden),
        negateRows(bih, hidden, 1), negateRows(bhh, hidden, 1), in, hidden);
    float[] x = uniform(random, rows * in);
    float[] h = uniform(random, rows * hidden);
    float[] scratch = new float[Recurrent.gruStepScratchSize(rows, hidden)];
    float[] augru = new float[rows * hidden];
    float[] gru = new float[rows * hidden];
    Recurrent.augruStep(paper, x, 0, h, 0, TestArrays.filled(rows, 1f), 0, rows, augru, 0, scratch, 0);
    Recurrent.gruStep(negated, x, 0, h, 0, rows, gru, 0, scratch, 0);
    assertClose("augru(a=1) vs gru(-z)", gru, augru, TOL, 1);

    // The same identity over a whole scan with every attention score 1.
    int steps = 9;
    int[] lengths = {9, 0, 4, 9, 1, 8, 9};
    float[] xs = uniform(random, rows * steps * in);
    float[] scanScratch = new float[Recurrent.gruScanScratchSize(rows, steps, hidden, false)];
    float[] augruLast = new float[rows * hidden];
    float[] gruLast = new float[rows * hidden];
    Recurrent.augruScan(paper, xs, 0, false, TestArrays.filled(rows * steps, 1f), 0, rows, steps, lengths, 0,
        h, 0, augruLast, 0, null, 0, scanScratch, 0);
    Recurrent.gruScan(negated, xs, 0, false, rows, steps, lengths, 0, h, 0, gruLast, 0, null, 0, scanScratch, 0);
    assertClose("augruScan(a=1) vs gruScan(-z)", gruLast, augruLast, TOL, 1);
  }

  @Test
  void agruWithFullAttentionIsTheCandidate() {
    // a = 1: h' = n. PyTorch's GRU gives h' = n when z = σ(-100) ≈ 0, i.e. a very negative z bias
    // (the z bias does not enter n).
    SplittableRandom random = new SplittableRandom(13);
    int rows = 5;
    int in = 7;
    int hidden = 63;
    float[] wih = scaled(random, 3 * hidden * in, hidden);
    float[] whh = scaled(random, 3 * hidden * hidden, hidden);
    float[] bih = scaled(random, 3 * hidden, hidden);
    float[] bhh = scaled(random, 3 * hidden, hidden);
    float[] shut = bih.clone();
    Arrays.fill(shut, hidden, 2 * hidden, -100f);
    float[] x = uniform(random, rows * in);
    float[] h = uniform(random, rows * hidden);
    float[] scratch = new float[Recurrent.gruStepScratchSize(rows, hidden)];
    float[] agru = new float[rows * hidden];
    float[] gru = new float[rows * hidden];
    Recurrent.agruStep(Recurrent.packGru(wih, whh, bih, bhh, in, hidden), x, 0, h, 0, TestArrays.filled(rows, 1f), 0,
        rows, agru, 0, scratch, 0);
    Recurrent.gruStep(Recurrent.packGru(wih, whh, shut, bhh, in, hidden), x, 0, h, 0, rows, gru, 0, scratch, 0);
    assertClose("agru(a=1) vs gru(z=0)", gru, agru, TOL, 1);
  }

  // ---------------------------------------------------------------------------------------------
  // Scans: lengths, frozen rows, padding, sharing, in place

  @Test
  void scanEqualsStepsWithFrozenRowsAndZeroPadding() {
    SplittableRandom random = new SplittableRandom(21);
    int rows = 6;
    int steps = 8;
    int in = 15;
    int hidden = 16;
    int[] lengths = {8, 0, 3, 8, 1, 5};
    GruWeights w = gru(random, in, hidden, true);
    float[] x = uniform(random, rows * steps * in);
    float[] att = TestArrays.uniform(random, rows * steps);
    float[] h0 = uniform(random, rows * hidden);
    for (GruMode mode : GruMode.values()) {
      // Reference: the step kernel over time, each row advanced only while t < length.
      float[] state = h0.clone();
      float[] expectedAll = new float[rows * steps * hidden];
      float[] xt = new float[in];
      float[] next = new float[hidden];
      float[] scratch = new float[Recurrent.gruStepScratchSize(1, hidden)];
      for (int r = 0; r < rows; r++) {
        for (int t = 0; t < lengths[r]; t++) {
          System.arraycopy(x, (r * steps + t) * in, xt, 0, in);
          float[] a = {att[r * steps + t]};
          switch (mode) {
            case GRU -> Recurrent.gruStep(w, xt, 0, state, r * hidden, 1, next, 0, scratch, 0);
            case AUGRU -> Recurrent.augruStep(w, xt, 0, state, r * hidden, a, 0, 1, next, 0, scratch, 0);
            case AGRU -> Recurrent.agruStep(w, xt, 0, state, r * hidden, a, 0, 1, next, 0, scratch, 0);
          }
          System.arraycopy(next, 0, state, r * hidden, hidden);
          System.arraycopy(next, 0, expectedAll, (r * steps + t) * hidden, hidden);
        }
      }
      // Padded positions hold NaN: they must never be read.
      float[] xPadded = x.clone();
      float[] attPadded = att.clone();
      for (int r = 0; r < rows; r++) {
        Arrays.fill(xPadded, (r * steps + lengths[r]) * in, (r + 1) * steps * in, Float.NaN);
        Arrays.fill(attPadded, r * steps + lengths[r], (r + 1) * steps, Float.NaN);
      }
      float[] hLast = TestArrays.filled(rows * hidden, 9f);
      float[] hAll = TestArrays.filled(rows * steps * hidden, 9f);
      float[] scanScratch = TestArrays.filled(Recurrent.gruScanScratchSize(rows, steps, hidden, false), Float.NaN);
      scan(mode, w, xPadded, 0, false, attPadded, 0, rows, steps, lengths, 0, h0, 0, hLast, 0, hAll, 0, scanScratch, 0);
      assertClose(mode + " hLast", state, hLast, TOL, 1);
      assertClose(mode + " hAll", expectedAll, hAll, TOL, 1);
      // Length 0: the initial state, untouched; length T: the whole sequence (checked above).
      assertThat(Arrays.copyOfRange(hLast, hidden, 2 * hidden)).containsExactly(Arrays.copyOfRange(h0, hidden, 2 * hidden));
      assertThat(Arrays.copyOfRange(hAll, steps * hidden, 2 * steps * hidden)).containsOnly(0f);
    }
  }

  @Test
  void lstmScanEqualsStepsWithFrozenRowsAndZeroPadding() {
    SplittableRandom random = new SplittableRandom(22);
    int rows = 5;
    int steps = 7;
    int in = 17;
    int hidden = 15;
    int[] lengths = {7, 0, 2, 7, 6};
    LstmWeights w = lstm(random, in, hidden, true);
    float[] x = uniform(random, rows * steps * in);
    float[] h0 = uniform(random, rows * hidden);
    float[] c0 = uniform(random, rows * hidden);
    float[] h = h0.clone();
    float[] c = c0.clone();
    float[] expectedAll = new float[rows * steps * hidden];
    float[] scratch = new float[Recurrent.lstmStepScratchSize(1, hidden)];
    for (int r = 0; r < rows; r++) {
      for (int t = 0; t < lengths[r]; t++) {
        Recurrent.lstmStep(w, x, (r * steps + t) * in, h, r * hidden, c, r * hidden, 1, h, r * hidden, c, r * hidden,
            scratch, 0);
        System.arraycopy(h, r * hidden, expectedAll, (r * steps + t) * hidden, hidden);
      }
    }
    float[] xPadded = x.clone();
    for (int r = 0; r < rows; r++) {
      Arrays.fill(xPadded, (r * steps + lengths[r]) * in, (r + 1) * steps * in, Float.NaN);
    }
    float[] hLast = new float[rows * hidden];
    float[] cLast = new float[rows * hidden];
    float[] hAll = TestArrays.filled(rows * steps * hidden, 9f);
    Recurrent.lstmScan(w, xPadded, 0, rows, steps, lengths, 0, h0, 0, c0, 0, hLast, 0, cLast, 0, hAll, 0,
        TestArrays.filled(Recurrent.lstmScanScratchSize(rows, steps, hidden), Float.NaN), 0);
    assertClose("lstm hLast", h, hLast, TOL, 1);
    assertClose("lstm cLast", c, cLast, TOL, 1);
    assertClose("lstm hAll", expectedAll, hAll, TOL, 1);
    assertThat(Arrays.copyOfRange(cLast, hidden, 2 * hidden)).containsExactly(Arrays.copyOfRange(c0, hidden, 2 * hidden));
  }

  @Test
  void sharedInputEqualsTheSequenceRepeatedPerRow() {
    SplittableRandom random = new SplittableRandom(23);
    int rows = 7;
    int steps = 12;
    int in = 16;
    int hidden = 16;
    GruWeights w = gru(random, in, hidden, true);
    float[] history = uniform(random, steps * in);
    float[] repeated = new float[rows * steps * in];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(history, 0, repeated, r * steps * in, steps * in);
    }
    float[] att = uniform(random, rows * steps);
    int[] lengths = {12, 12, 5, 0, 12, 11, 12};
    for (GruMode mode : GruMode.values()) {
      float[] sharedLast = new float[rows * hidden];
      float[] sharedAll = new float[rows * steps * hidden];
      float[] copiedLast = new float[rows * hidden];
      float[] copiedAll = new float[rows * steps * hidden];
      scan(mode, w, history, 0, true, att, 0, rows, steps, lengths, 0, null, 0, sharedLast, 0, sharedAll, 0,
          new float[Recurrent.gruScanScratchSize(rows, steps, hidden, true)], 0);
      scan(mode, w, repeated, 0, false, att, 0, rows, steps, lengths, 0, null, 0, copiedLast, 0, copiedAll, 0,
          new float[Recurrent.gruScanScratchSize(rows, steps, hidden, false)], 0);
      assertClose(mode + " shared hLast", copiedLast, sharedLast, TOL, 1);
      assertClose(mode + " shared hAll", copiedAll, sharedAll, TOL, 1);
    }
  }

  @Test
  void initialStateCanBeAdvancedInPlaceAndSplitScansCompose() {
    // Serving: a cached user state advanced by new events equals one scan over all events.
    SplittableRandom random = new SplittableRandom(24);
    int rows = 4;
    int in = 7;
    int hidden = 17;
    GruWeights w = gru(random, in, hidden, true);
    float[] x = uniform(random, rows * 10 * in);
    float[] whole = new float[rows * hidden];
    float[] scratch = new float[Recurrent.gruScanScratchSize(rows, 10, hidden, false)];
    Recurrent.gruScan(w, x, 0, false, rows, 10, null, 0, null, 0, whole, 0, null, 0, scratch, 0);
    float[] firstPart = new float[rows * 6 * in];
    float[] secondPart = new float[rows * 4 * in];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(x, r * 10 * in, firstPart, r * 6 * in, 6 * in);
      System.arraycopy(x, (r * 10 + 6) * in, secondPart, r * 4 * in, 4 * in);
    }
    float[] state = new float[rows * hidden];
    Recurrent.gruScan(w, firstPart, 0, false, rows, 6, null, 0, null, 0, state, 0, null, 0, scratch, 0);
    Recurrent.gruScan(w, secondPart, 0, false, rows, 4, null, 0, state, 0, state, 0, null, 0, scratch, 0);
    assertClose("gru split scan", whole, state, TOL, 1);

    LstmWeights lw = lstm(random, in, hidden, false);
    float[] hw = new float[rows * hidden];
    float[] cw = new float[rows * hidden];
    float[] ls = new float[Recurrent.lstmScanScratchSize(rows, 10, hidden)];
    Recurrent.lstmScan(lw, x, 0, rows, 10, null, 0, null, 0, null, 0, hw, 0, cw, 0, null, 0, ls, 0);
    float[] hs = new float[rows * hidden];
    float[] cs = new float[rows * hidden];
    Recurrent.lstmScan(lw, firstPart, 0, rows, 6, null, 0, null, 0, null, 0, hs, 0, cs, 0, null, 0, ls, 0);
    Recurrent.lstmScan(lw, secondPart, 0, rows, 4, null, 0, hs, 0, cs, 0, hs, 0, cs, 0, null, 0, ls, 0);
    assertClose("lstm split scan h", hw, hs, TOL, 1);
    assertClose("lstm split scan c", cw, cs, TOL, 2);
  }

  @Test
  void emptyBatchesAndEmptySequencesAreDefined() {
    SplittableRandom random = new SplittableRandom(25);
    GruWeights w = gru(random, 3, 4, true);
    LstmWeights lw = lstm(random, 3, 4, true);
    // rows = 0: nothing to do, zero-size scratch.
    assertThat(Recurrent.gruStepScratchSize(0, 4)).isZero();
    Recurrent.gruStep(w, new float[0], 0, new float[0], 0, 0, new float[0], 0, new float[0], 0);
    Recurrent.augruScan(w, new float[0], 0, false, new float[0], 0, 0, 5, new int[0], 0, null, 0, new float[0], 0,
        new float[0], 0, new float[Recurrent.gruScanScratchSize(0, 5, 4, false)], 0);
    // steps = 0: the final state is the initial state (or zeros), never NaN.
    float[] h0 = uniform(random, 2 * 4);
    float[] hLast = TestArrays.filled(8, Float.NaN);
    Recurrent.gruScan(w, new float[0], 0, false, 2, 0, null, 0, h0, 0, hLast, 0, new float[0], 0,
        new float[Recurrent.gruScanScratchSize(2, 0, 4, false)], 0);
    assertThat(hLast).containsExactly(h0);
    Recurrent.agruScan(w, new float[0], 0, true, new float[0], 0, 2, 0, new int[] {0, 0}, 0, null, 0, hLast, 0, null, 0,
        new float[Recurrent.gruScanScratchSize(2, 0, 4, true)], 0);
    assertThat(hLast).containsOnly(0f);
    // every length 0 with steps > 0: zeros, and hAll all zeros.
    float[] cLast = TestArrays.filled(8, Float.NaN);
    float[] hAll = TestArrays.filled(2 * 3 * 4, Float.NaN);
    Recurrent.lstmScan(lw, TestArrays.filled(2 * 3 * 3, Float.NaN), 0, 2, 3, new int[] {0, 0}, 0, null, 0, null, 0,
        hLast, 0, cLast, 0, hAll, 0, new float[Recurrent.lstmScanScratchSize(2, 3, 4)], 0);
    assertThat(hLast).containsOnly(0f);
    assertThat(cLast).containsOnly(0f);
    assertThat(hAll).containsOnly(0f);
  }

  // ---------------------------------------------------------------------------------------------
  // Vector backend vs scalar definition

  @Test
  void vectorStepsMatchScalarOnAwkwardShapes() {
    RecurrentKernels scalar = BackendPair.SCALAR.recurrent();
    RecurrentKernels vector = BackendPair.vector().recurrent();
    SplittableRandom random = new SplittableRandom(31);
    int[] rowChoices = {1, 7, 16, 17, 65};
    for (int hidden : TestArrays.SMALL_AWKWARD) {
      for (int in : TestArrays.SMALL_AWKWARD) {
        int rows = rowChoices[random.nextInt(rowChoices.length)];
        checkSteps(scalar, vector, random, rows, in, hidden);
      }
    }
    checkSteps(scalar, vector, random, 1000, 16, 17);
    checkSteps(scalar, vector, random, 3, 4097, 7);
    checkSteps(scalar, vector, random, 2, 5, 1000);
  }

  static void checkSteps(RecurrentKernels scalar, RecurrentKernels vector, SplittableRandom random,
                                 int rows, int in, int hidden) {
    String shape = " rows=" + rows + " in=" + in + " H=" + hidden;
    boolean bias = random.nextBoolean();
    Packed gw = gru(random, in, hidden, bias).packed();
    int xOff = random.nextInt(5);
    int hOff = random.nextInt(5);
    int aOff = random.nextInt(5);
    int oOff = random.nextInt(5);
    int sOff = random.nextInt(5);
    float[] x = uniform(random, xOff + rows * in);
    float[] h = uniform(random, hOff + rows * hidden);
    float[] att = positive(random, aOff + rows);
    for (GruMode mode : GruMode.values()) {
      float[] expected = uniform(random, oOff + rows * hidden + 2);
      float[] actual = expected.clone();
      scalar.gruStep(mode, gw, x, xOff, h, hOff, att, aOff, rows, expected, oOff,
          new float[sOff + (int) RecurrentKernels.gruStepScratch(rows, hidden)], sOff);
      vector.gruStep(mode, gw, x, xOff, h, hOff, att, aOff, rows, actual, oOff,
          new float[sOff + (int) RecurrentKernels.gruStepScratch(rows, hidden)], sOff);
      assertClose(mode + " step" + shape, expected, actual, TOL, 1);
    }
    Packed lw = lstm(random, in, hidden, bias).packed();
    float[] c = uniform(random, hOff + rows * hidden);
    float[] hs = uniform(random, oOff + rows * hidden);
    float[] cs = uniform(random, oOff + rows * hidden);
    float[] hv = hs.clone();
    float[] cv = cs.clone();
    scalar.lstmStep(lw, x, xOff, h, hOff, c, hOff, rows, hs, oOff, cs, oOff,
        new float[sOff + (int) RecurrentKernels.lstmStepScratch(rows, hidden)], sOff);
    vector.lstmStep(lw, x, xOff, h, hOff, c, hOff, rows, hv, oOff, cv, oOff,
        new float[sOff + (int) RecurrentKernels.lstmStepScratch(rows, hidden)], sOff);
    assertClose("lstm h" + shape, hs, hv, TOL, 1);
    // c' = f c + i g grows to at most |c| + 1 per step: judged against that size.
    assertClose("lstm c" + shape, cs, cv, TOL, 2);
  }

  @Test
  void vectorScansMatchScalarOnAwkwardShapes() {
    RecurrentKernels scalar = BackendPair.SCALAR.recurrent();
    RecurrentKernels vector = BackendPair.vector().recurrent();
    SplittableRandom random = new SplittableRandom(32);
    int[] stepChoices = {1, 7, 16, 17, 63, 65};
    int[] rowChoices = {1, 7, 15, 17, 65};
    for (int hidden : TestArrays.SMALL_AWKWARD) {
      for (int steps : stepChoices) {
        int rows = rowChoices[random.nextInt(rowChoices.length)];
        int in = TestArrays.SMALL_AWKWARD[random.nextInt(TestArrays.SMALL_AWKWARD.length)];
        // Keep the scalar work of one case under ~10 MFLOP.
        while (rows > 1 && 6L * rows * steps * hidden * (in + hidden) > 10_000_000L) {
          rows /= 2;
        }
        checkScans(scalar, vector, random, rows, steps, in, hidden, TOL);
      }
    }
    checkScans(scalar, vector, random, 1000, 7, 16, 17, TOL);
    checkScans(scalar, vector, random, 2, 3, 4097, 7, TOL);
    // A long recurrence: the cell is contractive, so last-bit differences (FMA, activation
    // rounding) do not compound over 1000 steps (measured ~2e-7); the same tolerance holds.
    checkScans(scalar, vector, random, 3, 1000, 7, 15, TOL);
  }

  @Test
  void vectorSharedScansWithRowsInLanesMatchScalar() {
    // From 16 rows (64 with 16-float vectors) the vector backend runs a shared-input scan in blocks
    // of 48 rows with the rows in lanes: partial blocks, ragged lengths (a lane blend keeps ended
    // rows), no hAll, a padded attention past each length and a zero-length row.
    RecurrentKernels scalar = BackendPair.SCALAR.recurrent();
    RecurrentKernels vector = BackendPair.vector().recurrent();
    SplittableRandom random = new SplittableRandom(33);
    int[][] shapes = {{16, 7, 7, 15}, {17, 16, 15, 17}, {63, 17, 16, 1}, {64, 5, 63, 16}, {65, 9, 17, 36},
        {100, 50, 36, 36}, {1000, 3, 7, 7}, {145, 4, 65, 65}};
    for (int[] shape : shapes) {
      int rows = shape[0];
      int steps = shape[1];
      int in = shape[2];
      int hidden = shape[3];
      boolean bias = random.nextBoolean();
      Packed w = gru(random, in, hidden, bias).packed();
      int off = random.nextInt(5);
      float[] x = uniform(random, off + steps * in);
      float[] h0 = random.nextBoolean() ? uniform(random, off + rows * hidden) : null;
      int[] ragged = randomLengths(random, rows, steps);
      ragged[ragged.length - 1] = 0;
      for (int[] lengths : new int[][] {null, ragged}) {
        int lOff = lengths == null ? 0 : lengths.length - rows;
        float[] att = positive(random, off + rows * steps);
        for (int r = 0; lengths != null && r < rows; r++) {
          Arrays.fill(att, off + r * steps + lengths[lOff + r], off + (r + 1) * steps, Float.NaN);
        }
        for (GruMode mode : GruMode.values()) {
          for (boolean all : new boolean[] {false, true}) {
            String what = mode + " rows=" + rows + " T=" + steps + " in=" + in + " H=" + hidden
                + (lengths == null ? "" : " ragged") + (all ? " hAll" : "");
            int scratch = off + (int) RecurrentKernels.gruScanScratch(rows, steps, hidden, true);
            float[] lastS = new float[off + rows * hidden];
            float[] lastV = new float[off + rows * hidden];
            float[] allS = all ? TestArrays.filled(off + rows * steps * hidden, 7f) : null;
            float[] allV = all ? TestArrays.filled(off + rows * steps * hidden, 7f) : null;
            scalar.gruScan(mode, w, x, off, true, att, off, rows, steps, lengths, lOff, h0, off, lastS, off,
                allS, off, TestArrays.filled(scratch, Float.NaN), off);
            vector.gruScan(mode, w, x, off, true, att, off, rows, steps, lengths, lOff, h0, off, lastV, off,
                allV, off, TestArrays.filled(scratch, Float.NaN), off);
            assertClose(what + " hLast", lastS, lastV, TOL, 1);
            if (all) {
              assertClose(what + " hAll", allS, allV, TOL, 1);
            }
          }
        }
      }
    }
  }

  static void checkScans(RecurrentKernels scalar, RecurrentKernels vector, SplittableRandom random,
                                 int rows, int steps, int in, int hidden, double tol) {
    String shape = " rows=" + rows + " T=" + steps + " in=" + in + " H=" + hidden;
    boolean bias = random.nextBoolean();
    Packed gw = gru(random, in, hidden, bias).packed();
    Packed lw = lstm(random, in, hidden, bias).packed();
    int[] lengths = randomLengths(random, rows, steps);
    int lOff = lengths.length - rows;
    int xOff = random.nextInt(5);
    int aOff = random.nextInt(5);
    int h0Off = random.nextInt(5);
    int oOff = random.nextInt(5);
    int sOff = random.nextInt(5);
    float[] att = positive(random, aOff + rows * steps);
    float[] h0 = random.nextBoolean() ? uniform(random, h0Off + rows * hidden) : null;
    for (boolean shared : new boolean[] {false, true}) {
      float[] x = uniform(random, xOff + (shared ? steps : rows * steps) * in);
      int[] lens = shared && random.nextBoolean() ? null : lengths;
      for (GruMode mode : GruMode.values()) {
        String what = mode + (shared ? " shared" : "") + " scan" + shape;
        int scratch = sOff + (int) RecurrentKernels.gruScanScratch(rows, steps, hidden, shared);
        float[] lastS = new float[oOff + rows * hidden];
        float[] lastV = new float[oOff + rows * hidden];
        float[] allS = TestArrays.filled(oOff + rows * steps * hidden, 7f);
        float[] allV = TestArrays.filled(oOff + rows * steps * hidden, 7f);
        scalar.gruScan(mode, gw, x, xOff, shared, att, aOff, rows, steps, lens, lOff, h0, h0Off, lastS, oOff,
            allS, oOff, new float[scratch], sOff);
        vector.gruScan(mode, gw, x, xOff, shared, att, aOff, rows, steps, lens, lOff, h0, h0Off, lastV, oOff,
            allV, oOff, new float[scratch], sOff);
        assertClose(what + " hLast", lastS, lastV, tol, 1);
        assertClose(what + " hAll", allS, allV, tol, 1);
      }
    }
    float[] x = uniform(random, xOff + rows * steps * in);
    float[] c0 = random.nextBoolean() ? uniform(random, h0Off + rows * hidden) : null;
    int scratch = sOff + (int) RecurrentKernels.lstmScanScratch(rows, steps, hidden);
    float[] hS = new float[oOff + rows * hidden];
    float[] cS = new float[oOff + rows * hidden];
    float[] allS = new float[oOff + rows * steps * hidden];
    float[] hV = new float[oOff + rows * hidden];
    float[] cV = new float[oOff + rows * hidden];
    float[] allV = new float[oOff + rows * steps * hidden];
    scalar.lstmScan(lw, x, xOff, rows, steps, lengths, lOff, h0, h0Off, c0, h0Off, hS, oOff, cS, oOff, allS, oOff,
        new float[scratch], sOff);
    vector.lstmScan(lw, x, xOff, rows, steps, lengths, lOff, h0, h0Off, c0, h0Off, hV, oOff, cV, oOff, allV, oOff,
        new float[scratch], sOff);
    assertClose("lstm scan" + shape + " hLast", hS, hV, tol, 1);
    // The cell state is not squashed and can drift to a few units over long sequences.
    assertClose("lstm scan" + shape + " cLast", cS, cV, tol, 1 + Math.sqrt(steps));
    assertClose("lstm scan" + shape + " hAll", allS, allV, tol, 1);
  }

  /** Lengths covering 0, steps and values between, at a random offset in the returned array. */
  private static int[] randomLengths(SplittableRandom random, int rows, int steps) {
    int off = random.nextInt(4);
    int[] lengths = new int[off + rows];
    for (int r = 0; r < rows; r++) {
      int kind = random.nextInt(4);
      lengths[off + r] = kind == 0 ? 0 : kind == 1 ? steps : random.nextInt(steps + 1);
    }
    return lengths;
  }

  // ---------------------------------------------------------------------------------------------
  // Bad input

  @Test
  void badArgumentsNameTheArgumentAndTheShapes() {
    assertThatThrownBy(() -> Recurrent.packGru(new float[11], new float[12], null, null, 1, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight_ih must have 3H x in = 12 x 1 = 12 floats, got 11");
    assertThatThrownBy(() -> Recurrent.packGru(new float[12], new float[47], null, null, 1, 4))
        .hasMessageContaining("weight_hh must have 3H x H = 12 x 4 = 48 floats, got 47");
    assertThatThrownBy(() -> Recurrent.packGru(new float[12], new float[48], new float[11], null, 1, 4))
        .hasMessageContaining("bias_ih must have 3H = 12 floats, got 11");
    assertThatThrownBy(() -> Recurrent.packLstm(new float[16], new float[64], null, new float[12], 1, 4))
        .hasMessageContaining("bias_hh must have 4H = 16 floats, got 12");
    assertThatThrownBy(() -> Recurrent.packLstm(new float[16], new float[64], null, null, 1, 0))
        .hasMessageContaining("hiddenSize must be > 0, got 0");
    assertThatThrownBy(() -> Recurrent.packGru(null, new float[48], null, null, 1, 4))
        .hasMessageContaining("weight_ih must not be null");

    GruWeights w = Recurrent.packGru(new float[3 * 4 * 2], new float[3 * 4 * 4], null, null, 2, 4);
    float[] scratch = new float[Recurrent.gruStepScratchSize(3, 4)];
    assertThatThrownBy(() -> Recurrent.gruStep(w, new float[5], 0, new float[12], 0, 3, new float[12], 0, scratch, 0))
        .hasMessageContaining("x needs 6 elements").hasMessageContaining("length is 5");
    assertThatThrownBy(() -> Recurrent.gruStep(w, new float[6], 0, new float[12], 0, -1, new float[12], 0, scratch, 0))
        .hasMessageContaining("rows must be >= 0, got -1");
    assertThatThrownBy(() -> Recurrent.gruStep(w, new float[6], 0, new float[12], 1, 3, new float[12], 0, scratch, 0))
        .hasMessageContaining("h needs 12 elements from offset 1");
    assertThatThrownBy(() -> Recurrent.gruStep(w, new float[6], 0, new float[12], 0, 3, new float[12], 0,
        new float[scratch.length - 1], 0))
        .hasMessageContaining("scratch needs 72 elements");
    assertThatThrownBy(() -> Recurrent.augruStep(w, new float[6], 0, new float[12], 0, null, 0, 3, new float[12], 0,
        scratch, 0))
        .hasMessageContaining("att must not be null");
    assertThatThrownBy(() -> Recurrent.agruStep(w, new float[6], 0, new float[12], 0, new float[2], 0, 3,
        new float[12], 0, scratch, 0))
        .hasMessageContaining("att needs 3 elements");
    assertThatThrownBy(() -> Recurrent.gruStep(null, new float[6], 0, new float[12], 0, 3, new float[12], 0, scratch, 0))
        .hasMessageContaining("weights must not be null");
    float[] shared = new float[20];
    assertThatThrownBy(() -> Recurrent.gruStep(w, new float[6], 0, shared, 0, 3, shared, 4, scratch, 0))
        .hasMessageContaining("hOut [4, 16) and h [0, 12) must be the same region (in place) or not overlap");
    float[] big = new float[100];
    assertThatThrownBy(() -> Recurrent.gruStep(w, new float[6], 0, new float[12], 0, 3, big, 0, big, 10))
        .hasMessageContaining("scratch [10, 82) and hOut [0, 12) must not overlap in the same array");

    int[] tooLong = {2, 6, 1};
    float[] x = new float[3 * 5 * 2];
    float[] scanScratch = new float[Recurrent.gruScanScratchSize(3, 5, 4, false)];
    assertThatThrownBy(() -> Recurrent.gruScan(w, x, 0, false, 3, 5, tooLong, 0, null, 0, new float[12], 0, null, 0,
        scanScratch, 0))
        .hasMessageContaining("lengths[1] must be in [0, steps = 5], got 6");
    assertThatThrownBy(() -> Recurrent.gruScan(w, x, 0, false, 3, 5, new int[] {1, -1, 0}, 0, null, 0, new float[12], 0,
        null, 0, scanScratch, 0))
        .hasMessageContaining("lengths[1] must be in [0, steps = 5], got -1");
    assertThatThrownBy(() -> Recurrent.gruScan(w, x, 0, false, 3, 5, new int[2], 0, null, 0, new float[12], 0, null, 0,
        scanScratch, 0))
        .hasMessageContaining("lengths needs 3 elements");
    assertThatThrownBy(() -> Recurrent.gruScan(w, new float[29], 0, false, 3, 5, null, 0, null, 0, new float[12], 0,
        null, 0, scanScratch, 0))
        .hasMessageContaining("x needs 30 elements");
    assertThatThrownBy(() -> Recurrent.gruScan(w, x, 0, false, 3, 5, null, 0, null, 0, new float[12], 0, new float[59],
        0, scanScratch, 0))
        .hasMessageContaining("hAll needs 60 elements");
    assertThatThrownBy(() -> Recurrent.gruScan(w, x, 0, false, 3, -5, null, 0, null, 0, new float[12], 0, null, 0,
        scanScratch, 0))
        .hasMessageContaining("steps must be >= 0, got -5");
    assertThatThrownBy(() -> Recurrent.augruScan(w, x, 0, false, new float[14], 0, 3, 5, null, 0, null, 0,
        new float[12], 0, null, 0, scanScratch, 0))
        .hasMessageContaining("att needs 15 elements");
    float[] states = new float[30];
    assertThatThrownBy(() -> Recurrent.gruScan(w, x, 0, false, 3, 5, null, 0, states, 0, states, 2, null, 0,
        scanScratch, 0))
        .hasMessageContaining("hLast [2, 14) and h0 [0, 12) must be the same region");
    assertThatThrownBy(() -> Recurrent.gruScan(w, x, 0, false, 3, 5, null, 0, null, 0, new float[12], 0, null, 0,
        new float[Recurrent.gruScanScratchSize(3, 5, 4, true)], 0))
        .hasMessageContaining("scratch needs 228 elements");
    assertThatThrownBy(() -> Recurrent.gruScanScratchSize(100_000, 100_000, 64, false))
        .hasMessageContaining("more than a Java array holds");

    LstmWeights lw = Recurrent.packLstm(new float[16 * 2], new float[16 * 4], null, null, 2, 4);
    float[] ls = new float[Recurrent.lstmScanScratchSize(3, 5, 4)];
    assertThatThrownBy(() -> Recurrent.lstmScan(lw, x, 0, 3, 5, null, 0, null, 0, new float[11], 0, new float[12], 0,
        new float[12], 0, null, 0, ls, 0))
        .hasMessageContaining("c0 needs 12 elements");
    float[] both = new float[24];
    assertThatThrownBy(() -> Recurrent.lstmScan(lw, x, 0, 3, 5, null, 0, null, 0, null, 0, both, 0, both, 6, null, 0,
        ls, 0))
        .hasMessageContaining("cLast [6, 18) and hLast [0, 12) must not overlap");
    assertThatThrownBy(() -> Recurrent.lstmStep(lw, new float[6], 0, new float[12], 0, new float[12], 0, 3,
        new float[12], 0, new float[11], 0, new float[Recurrent.lstmStepScratchSize(3, 4)], 0))
        .hasMessageContaining("cOut needs 12 elements");
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static void scan(GruMode mode, GruWeights w, float[] x, int xOff, boolean shared, float[] att, int attOff,
                           int rows, int steps, int[] lengths, int lengthsOff, float[] h0, int h0Off, float[] hLast,
                           int hLastOff, float[] hAll, int hAllOff, float[] scratch, int scratchOff) {
    switch (mode) {
      case GRU -> Recurrent.gruScan(w, x, xOff, shared, rows, steps, lengths, lengthsOff, h0, h0Off, hLast, hLastOff,
          hAll, hAllOff, scratch, scratchOff);
      case AUGRU -> Recurrent.augruScan(w, x, xOff, shared, att, attOff, rows, steps, lengths, lengthsOff, h0, h0Off,
          hLast, hLastOff, hAll, hAllOff, scratch, scratchOff);
      case AGRU -> Recurrent.agruScan(w, x, xOff, shared, att, attOff, rows, steps, lengths, lengthsOff, h0, h0Off,
          hLast, hLastOff, hAll, hAllOff, scratch, scratchOff);
    }
  }

  private static RecurrentKernels[] backends() {
    var vector = io.github.seqrec.kernels.internal.KernelProvider.vectorIfAvailable();
    return vector.isPresent()
        ? new RecurrentKernels[] {BackendPair.SCALAR.recurrent(), vector.get().recurrent()}
        : new RecurrentKernels[] {BackendPair.SCALAR.recurrent()};
  }

  /** PyTorch's default initialisation range: uniform in [-1/sqrt(H), 1/sqrt(H)]. */
  private static float[] scaled(SplittableRandom random, int n, int hidden) {
    float[] values = uniform(random, n);
    float k = (float) (1 / Math.sqrt(hidden));
    for (int i = 0; i < n; i++) {
      values[i] *= k;
    }
    return values;
  }

  /** Attention scores in [0, 1]. */
  private static float[] positive(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextDouble();
    }
    return values;
  }

  private static GruWeights gru(SplittableRandom random, int in, int hidden, boolean bias) {
    return Recurrent.packGru(scaled(random, 3 * hidden * in, hidden), scaled(random, 3 * hidden * hidden, hidden),
        bias ? scaled(random, 3 * hidden, hidden) : null, bias ? scaled(random, 3 * hidden, hidden) : null, in, hidden);
  }

  private static LstmWeights lstm(SplittableRandom random, int in, int hidden, boolean bias) {
    return Recurrent.packLstm(scaled(random, 4 * hidden * in, hidden), scaled(random, 4 * hidden * hidden, hidden),
        bias ? scaled(random, 4 * hidden, hidden) : null, bias ? scaled(random, 4 * hidden, hidden) : null, in, hidden);
  }

  /** A copy of a {@code 3H x cols} weight with the z block (rows H..2H) negated. */
  private static float[] negateRows(float[] weight, int hidden, int cols) {
    float[] out = weight.clone();
    for (int i = hidden * cols; i < 2 * hidden * cols; i++) {
      out[i] = -out[i];
    }
    return out;
  }
}
