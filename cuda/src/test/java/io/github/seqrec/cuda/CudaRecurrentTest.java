package io.github.seqrec.cuda;

import io.github.seqrec.kernels.GruWeights;
import io.github.seqrec.kernels.LstmWeights;
import io.github.seqrec.kernels.Recurrent;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GPU GRU/AUGRU/AGRU/LSTM scans and steps against the scalar {@link Recurrent}: lengths with
 * zeros, shared input, given or zero initial states, all-states output. States lie in [-1, 1]
 * (scale 1); 1e-4 for short sequences, 1e-3 past 100 steps (DESIGN.md: long recurrences).
 */
class CudaRecurrentTest {
  private static final int GRU = 0;
  private static final int AUGRU = 1;
  private static final int AGRU = 2;
  private static final int LSTM = 3;

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void scansMatchScalar(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(31);
    int[][] shapes = target.large()
        ? new int[][] {{1, 1, 1, 1}, {5, 7, 3, 7}, {17, 50, 64, 64}, {1000, 50, 64, 64}, {3, 1000, 33, 65}, {2, 20, 300, 257}}
        : new int[][] {{1, 1, 1, 1}, {5, 7, 3, 7}, {3, 12, 16, 33}, {2, 5, 40, 70}};
    for (int[] s : shapes) {
      for (int cell = GRU; cell <= LSTM; cell++) {
        boolean shared = cell != LSTM && random.nextBoolean();
        check(ctx, random, cell, s[0], s[1], s[2], s[3], shared, random.nextBoolean(), random.nextBoolean(),
            random.nextBoolean());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void stepsMatchScalarInPlace(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(32);
    for (int cell = GRU; cell <= LSTM; cell++) {
      int rows = 1 + random.nextInt(20);
      int in = 1 + random.nextInt(30);
      int hidden = 1 + random.nextInt(70);
      checkStep(ctx, random, cell, rows, in, hidden);
    }
  }

  private static void check(CudaContext ctx, SplittableRandom random, int cell, int rows, int steps, int in,
                            int hidden, boolean shared, boolean withLengths, boolean withH0, boolean withAll) {
    int gates = cell == LSTM ? 4 : 3;
    float[] wih = GpuAsserts.uniform(random, gates * hidden * in);
    float[] whh = GpuAsserts.uniform(random, gates * hidden * hidden);
    scaleDown(whh, (float) (1 / Math.sqrt(hidden)));
    float[] bih = random.nextBoolean() ? GpuAsserts.uniform(random, gates * hidden) : null;
    float[] bhh = random.nextBoolean() ? GpuAsserts.uniform(random, gates * hidden) : null;
    float[] x = GpuAsserts.uniform(random, (shared ? steps : rows * steps) * in);
    float[] att = new float[rows * steps];
    for (int i = 0; i < att.length; i++) {
      att[i] = (float) random.nextDouble();
    }
    int[] lengths = null;
    if (withLengths) {
      lengths = new int[rows];
      for (int r = 0; r < rows; r++) {
        lengths[r] = r == 0 ? 0 : random.nextInt(steps + 1);
      }
    }
    float[] h0 = withH0 ? GpuAsserts.uniform(random, rows * hidden) : null;
    float[] c0 = withH0 ? GpuAsserts.uniform(random, rows * hidden) : null;
    float[] hLast = new float[rows * hidden];
    float[] cLast = new float[rows * hidden];
    float[] hAll = withAll ? new float[rows * steps * hidden] : null;
    String what = new String[] {"gru", "augru", "agru", "lstm"}[cell] + " rows=" + rows + " steps=" + steps + " in="
        + in + " hidden=" + hidden + " shared=" + shared + " lengths=" + withLengths + " h0=" + withH0;
    if (cell == LSTM) {
      LstmWeights w = Recurrent.packLstm(wih, whh, bih, bhh, in, hidden);
      float[] scratch = new float[Recurrent.lstmScanScratchSize(rows, steps, hidden)];
      Recurrent.lstmScan(w, x, 0, rows, steps, lengths, 0, h0, 0, c0, 0, hLast, 0, cLast, 0, hAll, 0, scratch, 0);
    } else {
      GruWeights w = Recurrent.packGru(wih, whh, bih, bhh, in, hidden);
      float[] scratch = new float[Recurrent.gruScanScratchSize(rows, steps, hidden, shared)];
      switch (cell) {
        case GRU -> Recurrent.gruScan(w, x, 0, shared, rows, steps, lengths, 0, h0, 0, hLast, 0, hAll, 0, scratch, 0);
        case AUGRU -> Recurrent.augruScan(w, x, 0, shared, att, 0, rows, steps, lengths, 0, h0, 0, hLast, 0, hAll, 0,
            scratch, 0);
        default -> Recurrent.agruScan(w, x, 0, shared, att, 0, rows, steps, lengths, 0, h0, 0, hLast, 0, hAll, 0,
            scratch, 0);
      }
    }
    double tol = steps > 100 ? 1e-3 : GpuAsserts.REL_TOL;
    try (CudaRecurrentWeights w = cell == LSTM
        ? CudaRecurrent.packLstm(ctx, wih, whh, bih, bhh, in, hidden)
        : CudaRecurrent.packGru(ctx, wih, whh, bih, bhh, in, hidden);
         DeviceFloats dx = ctx.upload(x); DeviceFloats datt = ctx.upload(att);
         DeviceFloats dh0 = h0 == null ? null : ctx.upload(h0); DeviceFloats dc0 = c0 == null ? null : ctx.upload(c0);
         DeviceFloats dhLast = GpuAsserts.poisoned(ctx, hLast.length);
         DeviceFloats dcLast = GpuAsserts.poisoned(ctx, cLast.length);
         DeviceFloats dhAll = hAll == null ? null : GpuAsserts.poisoned(ctx, hAll.length)) {
      switch (cell) {
        case GRU -> CudaRecurrent.gruScan(w, dx, 0, shared, rows, steps, lengths, 0, dh0, 0, dhLast, 0, dhAll, 0);
        case AUGRU -> CudaRecurrent.augruScan(w, dx, 0, shared, datt, 0, rows, steps, lengths, 0, dh0, 0, dhLast, 0,
            dhAll, 0);
        case AGRU -> CudaRecurrent.agruScan(w, dx, 0, shared, datt, 0, rows, steps, lengths, 0, dh0, 0, dhLast, 0,
            dhAll, 0);
        default -> CudaRecurrent.lstmScan(w, dx, 0, rows, steps, lengths, 0, dh0, 0, dc0, 0, dhLast, 0, dcLast, 0,
            dhAll, 0);
      }
      GpuAsserts.assertClose(what + " hLast", hLast, dhLast.toArray(), tol, 1);
      if (cell == LSTM) {
        GpuAsserts.assertClose(what + " cLast", cLast, dcLast.toArray(), tol, 1);
      }
      if (hAll != null) {
        GpuAsserts.assertClose(what + " hAll", hAll, dhAll.toArray(), tol, 1);
      }
    }
  }

  private static void checkStep(CudaContext ctx, SplittableRandom random, int cell, int rows, int in, int hidden) {
    int gates = cell == LSTM ? 4 : 3;
    float[] wih = GpuAsserts.uniform(random, gates * hidden * in);
    float[] whh = GpuAsserts.uniform(random, gates * hidden * hidden);
    float[] bih = GpuAsserts.uniform(random, gates * hidden);
    float[] bhh = GpuAsserts.uniform(random, gates * hidden);
    float[] x = GpuAsserts.uniform(random, rows * in);
    float[] h = GpuAsserts.uniform(random, rows * hidden);
    float[] c = GpuAsserts.uniform(random, rows * hidden);
    float[] att = GpuAsserts.uniform(random, rows);
    float[] hOut = h.clone();
    float[] cOut = c.clone();
    if (cell == LSTM) {
      LstmWeights w = Recurrent.packLstm(wih, whh, bih, bhh, in, hidden);
      float[] scratch = new float[Recurrent.lstmStepScratchSize(rows, hidden)];
      Recurrent.lstmStep(w, x, 0, hOut, 0, cOut, 0, rows, hOut, 0, cOut, 0, scratch, 0);
    } else {
      GruWeights w = Recurrent.packGru(wih, whh, bih, bhh, in, hidden);
      float[] scratch = new float[Recurrent.gruStepScratchSize(rows, hidden)];
      switch (cell) {
        case GRU -> Recurrent.gruStep(w, x, 0, hOut, 0, rows, hOut, 0, scratch, 0);
        case AUGRU -> Recurrent.augruStep(w, x, 0, hOut, 0, att, 0, rows, hOut, 0, scratch, 0);
        default -> Recurrent.agruStep(w, x, 0, hOut, 0, att, 0, rows, hOut, 0, scratch, 0);
      }
    }
    try (CudaRecurrentWeights w = cell == LSTM
        ? CudaRecurrent.packLstm(ctx, wih, whh, bih, bhh, in, hidden)
        : CudaRecurrent.packGru(ctx, wih, whh, bih, bhh, in, hidden);
         DeviceFloats dx = ctx.upload(x); DeviceFloats dh = ctx.upload(h); DeviceFloats dc = ctx.upload(c);
         DeviceFloats datt = ctx.upload(att)) {
      switch (cell) {
        case GRU -> CudaRecurrent.gruStep(w, dx, 0, dh, 0, rows, dh, 0);
        case AUGRU -> CudaRecurrent.augruStep(w, dx, 0, dh, 0, datt, 0, rows, dh, 0);
        case AGRU -> CudaRecurrent.agruStep(w, dx, 0, dh, 0, datt, 0, rows, dh, 0);
        default -> CudaRecurrent.lstmStep(w, dx, 0, dh, 0, dc, 0, rows, dh, 0, dc, 0);
      }
      GpuAsserts.assertClose("step " + cell + " h", hOut, dh.toArray(), GpuAsserts.REL_TOL, 1);
      if (cell == LSTM) {
        GpuAsserts.assertClose("step c", cOut, dc.toArray(), GpuAsserts.REL_TOL, 1);
      }
    }
  }

  private static void scaleDown(float[] a, float s) {
    for (int i = 0; i < a.length; i++) {
      a[i] *= s;
    }
  }
}
