package io.github.seqrec.jmh;

import io.github.seqrec.kernels.Normalization;
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
 * Layer norm over a 200 x 64 block (HSTU's sequence of 200 at d = 64; BERT4Rec and SASRec have the
 * same shape), with affine parameters. About 6 flops per value over 3 passes of a row that stays
 * in L1: judged by {@link #bytes} and values per second. One fork per backend.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class NormalizationBenchmark {
  @Param({"200"})
  public int rows;

  @Param({"64"})
  public int d;

  float[] x;
  float[] y;
  float[] gamma;
  float[] beta;

  @Setup
  public void setup() {
    SplittableRandom random = new SplittableRandom(42);
    x = BenchData.uniform(random, rows * d);
    y = new float[rows * d];
    gamma = BenchData.uniform(random, d);
    beta = BenchData.uniform(random, d);
  }

  /** Bytes one call must move at the least: x read, y written, gamma and beta read once. */
  public static long bytes(int rows, int d) {
    return 8L * rows * d + 8L * d;
  }

  /** {@link #bytes} of the run's shape, for the report. */
  public static Work workPerOp(java.util.Map<String, String> p) {
    return Work.bytes(bytes(Work.intParam(p, "rows"), Work.intParam(p, "d")));
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] layerNormScalar() {
    Normalization.layerNorm(x, 0, y, 0, rows, d, gamma, beta, 1e-6f);
    return y;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] layerNormVector() {
    Normalization.layerNorm(x, 0, y, 0, rows, d, gamma, beta, 1e-6f);
    return y;
  }
}
