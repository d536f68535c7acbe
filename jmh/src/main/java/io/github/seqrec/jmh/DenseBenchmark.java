package io.github.seqrec.jmh;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.PackedLinear;
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
 * {@code y = x Wᵀ + b} for {@code rows x in} times {@code in x out}: the GEMM every gate,
 * projection and MLP layer uses. FLOPs per op = 2 rows in out. Each backend is its own method
 * with its own fork, so the facade picks one backend per JVM and stays monomorphic.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DenseBenchmark {
  @Param({"100"})
  public int rows;

  @Param({"64"})
  public int in;

  @Param({"192"})
  public int out;

  float[] x;
  float[] y;
  PackedLinear layer;

  @Setup
  public void setup() {
    SplittableRandom random = new SplittableRandom(42);
    x = BenchData.uniform(random, rows * in);
    y = new float[rows * out];
    layer = Dense.pack(BenchData.uniform(random, out * in), BenchData.uniform(random, out), out, in);
  }

  /** One call is 2 rows in out FLOPs. */
  public static Work workPerOp(java.util.Map<String, String> p) {
    return Work.flops(2.0 * Work.intParam(p, "rows") * Work.intParam(p, "in") * Work.intParam(p, "out"));
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] linearScalar() {
    Dense.linear(x, 0, rows, layer, y, 0, false);
    return y;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] linearVector() {
    Dense.linear(x, 0, rows, layer, y, 0, false);
    return y;
  }

  /** With accumulate: the path GRU/attention use; must allocate nothing either. */
  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] linearAccumulateVector() {
    Dense.linear(x, 0, rows, layer, y, 0, true);
    return y;
  }
}
