package io.github.seqrec.jmh;

import io.github.seqrec.kernels.GruWeights;
import io.github.seqrec.kernels.LstmWeights;
import io.github.seqrec.kernels.Recurrent;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Recurrent kernels at GRU4Rec / DIEN shapes ({@code in = H = 64}, {@code T = 50}), batched over
 * {@code rows} users or candidate targets:
 * <ul>
 *   <li>{@code gruScan}: {@code rows} users, each with its own 50-step history (GRU4Rec,
 *       DIEN's interest extractor); FLOPs {@link #gruScanFlops};</li>
 *   <li>{@code augruScan}: {@code rows} candidate targets evolving over one shared 50-step history
 *       with per-target attention (DIEN's interest evolution; the input-side gates are computed
 *       once); FLOPs {@link #sharedScanFlops};</li>
 *   <li>{@code lstmStep}: one LSTM step for {@code rows} users (RRN's incremental update);
 *       FLOPs {@link #lstmStepFlops}.</li>
 * </ul>
 * Each backend is its own method with its own fork, so the facade stays monomorphic.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RecurrentBenchmark {
  @Param({"100", "1000"})
  public int rows;

  @Param({"50"})
  public int steps;

  @Param({"64"})
  public int in;

  @Param({"64"})
  public int hidden;

  GruWeights gru;
  LstmWeights lstm;
  float[] x;
  float[] history;
  float[] att;
  float[] hLast;
  float[] gruScratch;
  float[] sharedScratch;
  float[] xStep;
  float[] h;
  float[] c;
  float[] lstmScratch;

  @Setup
  public void setup() {
    SplittableRandom random = new SplittableRandom(42);
    float k = (float) (1 / Math.sqrt(hidden));
    gru = Recurrent.packGru(scaled(random, 3 * hidden * in, k), scaled(random, 3 * hidden * hidden, k),
        scaled(random, 3 * hidden, k), scaled(random, 3 * hidden, k), in, hidden);
    lstm = Recurrent.packLstm(scaled(random, 4 * hidden * in, k), scaled(random, 4 * hidden * hidden, k),
        scaled(random, 4 * hidden, k), scaled(random, 4 * hidden, k), in, hidden);
    x = BenchData.uniform(random, rows * steps * in);
    history = BenchData.uniform(random, steps * in);
    att = new float[rows * steps];
    for (int i = 0; i < att.length; i++) {
      att[i] = (float) random.nextDouble() / steps;
    }
    hLast = new float[rows * hidden];
    gruScratch = new float[Recurrent.gruScanScratchSize(rows, steps, hidden, false)];
    sharedScratch = new float[Recurrent.gruScanScratchSize(rows, steps, hidden, true)];
    xStep = BenchData.uniform(random, rows * in);
    h = BenchData.uniform(random, rows * hidden);
    c = BenchData.uniform(random, rows * hidden);
    lstmScratch = new float[Recurrent.lstmStepScratchSize(rows, hidden)];
  }

  private static float[] scaled(SplittableRandom random, int n, float k) {
    float[] values = BenchData.uniform(random, n);
    for (int i = 0; i < n; i++) {
      values[i] *= k;
    }
    return values;
  }

  /** FLOPs of a GRU scan with one sequence per row: {@code 2 rows T 3H (in + H)} (the two gate GEMMs). */
  /** Work per op for the report, by method name. */
  public static Work workPerOp(java.util.Map<String, String> p) {
    int rows = Work.intParam(p, "rows");
    int steps = Work.intParam(p, "steps");
    int in = Work.intParam(p, "in");
    int hidden = Work.intParam(p, "hidden");
    String method = p.getOrDefault("method", "");
    if (method.startsWith("augru")) {
      return Work.flops(sharedScanFlops(rows, steps, in, hidden));
    }
    if (method.startsWith("lstm")) {
      return Work.flops(lstmStepFlops(rows, in, hidden));
    }
    return Work.flops(gruScanFlops(rows, steps, in, hidden));
  }

  public static long gruScanFlops(int rows, int steps, int in, int hidden) {
    return 2L * rows * steps * 3 * hidden * (in + hidden);
  }

  /** FLOPs of a GRU-family scan over one shared history: {@code 2 T 3H in + 2 rows T 3H H}. */
  public static long sharedScanFlops(int rows, int steps, int in, int hidden) {
    return 2L * steps * 3 * hidden * in + 2L * rows * steps * 3 * hidden * hidden;
  }

  /** FLOPs of one LSTM step: {@code 2 rows 4H (in + H)}. */
  public static long lstmStepFlops(int rows, int in, int hidden) {
    return 2L * rows * 4 * hidden * (in + hidden);
  }

  private float[] gruScan() {
    Recurrent.gruScan(gru, x, 0, false, rows, steps, null, 0, null, 0, hLast, 0, null, 0, gruScratch, 0);
    return hLast;
  }

  private float[] augruScan() {
    Recurrent.augruScan(gru, history, 0, true, att, 0, rows, steps, null, 0, null, 0, hLast, 0, null, 0,
        sharedScratch, 0);
    return hLast;
  }

  private float[] lstmStep() {
    Recurrent.lstmStep(lstm, xStep, 0, h, 0, c, 0, rows, h, 0, c, 0, lstmScratch, 0);
    return h;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] gruScanScalar() {
    return gruScan();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] gruScanVector() {
    return gruScan();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] augruScanScalar() {
    return augruScan();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] augruScanVector() {
    return augruScan();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] lstmStepScalar() {
    return lstmStep();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] lstmStepVector() {
    return lstmStep();
  }
}
