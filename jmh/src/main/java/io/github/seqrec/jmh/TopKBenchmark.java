package io.github.seqrec.jmh;

import io.github.seqrec.kernels.CategoryFilter;
import io.github.seqrec.kernels.TopK;
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
 * Top-k of n shuffled scores (a GSU over a long history: n in {1000, 100000}, k in {50, 100} as in
 * SIM and TWIN), and SIM's category filter over 100000 behaviours with 1 in 50 matching. Both are
 * a scan with rare work per value (heap admissions, about k ln(n/k) of them; matches), so they
 * are judged by {@link #bytes} (the scores or ids read once) and values per second. One fork per
 * backend.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TopKBenchmark {

  /** Scores: uniform in [-1, 1), in no particular order. */
  @State(Scope.Thread)
  public static class Scores {
    @Param({"1000", "100000"})
    public int n;

    @Param({"50", "100"})
    public int k;

    float[] scores;
    float[] values;
    int[] indices;

    @Setup
    public void setup() {
      scores = BenchData.uniform(new SplittableRandom(42), n);
      values = new float[k];
      indices = new int[k];
    }
  }

  /** Category ids of 100000 behaviours drawn from 50 categories. */
  @State(Scope.Thread)
  public static class Categories {
    public static final int N = 100_000;

    int[] categories;
    int[] positions;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(44);
      categories = new int[N];
      for (int i = 0; i < N; i++) {
        categories[i] = random.nextInt(50);
      }
      positions = new int[N];
    }
  }

  /** Bytes one call must read at the least: n 4-byte scores (or category ids). */
  public static long bytes(int n) {
    return 4L * n;
  }

  /** {@link #bytes} of the run's n (the category filter has no parameters: n = {@link Categories#N}). */
  public static Work workPerOp(java.util.Map<String, String> p) {
    return Work.bytes(bytes(p.containsKey("n") ? Work.intParam(p, "n") : Categories.N));
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public int[] topKScalar(Scores s) {
    TopK.topK(s.scores, 0, s.n, s.k, s.values, 0, s.indices, 0);
    return s.indices;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public int[] topKVector(Scores s) {
    TopK.topK(s.scores, 0, s.n, s.k, s.values, 0, s.indices, 0);
    return s.indices;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public int categoryFilterScalar(Categories c) {
    return CategoryFilter.filter(c.categories, 0, Categories.N, 7, c.positions, 0);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public int categoryFilterVector(Categories c) {
    return CategoryFilter.filter(c.categories, 0, Categories.N, 7, c.positions, 0);
  }
}
