package io.github.seqrec.jmh;

import io.github.seqrec.kernels.Hamming;
import io.github.seqrec.kernels.SignatureBlock;
import io.github.seqrec.kernels.SimHash;
import java.util.Map;
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
 * ETA's hashing path: SimHash signatures of {@code rows x d} embeddings ({@code x R} GEMM plus
 * sign packing; work = 2 rows d m FLOPs), one query's Hamming distances to L signatures, and the
 * exact Hamming top-k (k = 50) of B queries against L signatures (work = B L signature
 * comparisons, selection included). {@code layout=rows} is row-major signatures,
 * {@code layout=blocked} a prepared {@link SignatureBlock} (word-major blocks of 8), which is the
 * layout meant for m >= 128. Random signatures: distances near m / 2, as for unrelated items.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HashingBenchmark {

  /** Comparisons of one top-k or distances call: B queries times L signatures. */
  public static double comparisons(int queries, int length) {
    return (double) queries * length;
  }

  /** FLOPs of one signatures call (the projection; the packing is m compares per row). */
  public static double signatureFlops(int rows, int d, int m) {
    return 2.0 * rows * d * m;
  }

  /**
   * Work per op for the report: comparisons for the search benchmarks (their states have
   * {@code length}), FLOPs for the signatures.
   */
  public static Work workPerOp(Map<String, String> p) {
    if (p.containsKey("length")) {
      int queries = p.containsKey("queries") ? Work.intParam(p, "queries") : 1;
      return Work.comparisons(comparisons(queries, Work.intParam(p, "length")));
    }
    return Work.flops(signatureFlops(Work.intParam(p, "rows"), Work.intParam(p, "d"), Work.intParam(p, "m")));
  }

  @State(Scope.Thread)
  public static class Signatures {
    @Param({"1000"})
    public int rows;

    @Param({"64"})
    public int d;

    @Param({"64", "256"})
    public int m;

    float[] x;
    float[] planes;
    long[] out;
    float[] scratch;

    @Setup
    public void setup() {
      x = BenchData.uniform(new SplittableRandom(42), rows * d);
      planes = SimHash.planes(7, d, m);
      out = new long[rows * (m / 64)];
      scratch = new float[SimHash.signaturesScratchSize(rows, m)];
    }

    long[] run() {
      SimHash.signatures(x, 0, rows, d, planes, 0, m, out, 0, scratch, 0);
      return out;
    }
  }

  /** Random signatures of L candidates, row-major and blocked. */
  static long[] randomSignatures(SplittableRandom random, int count, int m) {
    long[] sigs = new long[count * (m / 64)];
    for (int i = 0; i < sigs.length; i++) {
      sigs[i] = random.nextLong();
    }
    return sigs;
  }

  @State(Scope.Thread)
  public static class Distances {
    @Param({"100000"})
    public int length;

    @Param({"64", "256"})
    public int m;

    @Param({"rows", "blocked"})
    public String layout;

    long[] query;
    long[] sigs;
    SignatureBlock block;
    int[] out;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(42);
      query = randomSignatures(random, 1, m);
      sigs = randomSignatures(random, length, m);
      block = Hamming.block(sigs, 0, length, m);
      out = new int[length];
    }

    int[] run() {
      if (layout.equals("blocked")) {
        Hamming.distances(query, 0, block, out, 0);
      } else {
        Hamming.distances(query, 0, sigs, 0, length, m, out, 0);
      }
      return out;
    }
  }

  @State(Scope.Thread)
  public static class TopK {
    @Param({"1", "100"})
    public int queries;

    @Param({"1000", "100000"})
    public int length;

    @Param({"64", "256"})
    public int m;

    @Param({"rows", "blocked"})
    public String layout;

    @Param({"50"})
    public int k;

    long[] q;
    long[] sigs;
    SignatureBlock block;
    int[] indices;
    int[] distances;
    int[] scratch;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(42);
      q = randomSignatures(random, queries, m);
      sigs = randomSignatures(random, length, m);
      block = Hamming.block(sigs, 0, length, m);
      indices = new int[queries * k];
      distances = new int[queries * k];
      scratch = new int[Hamming.topKScratchSize(queries, length, m, k)];
    }

    int[] run() {
      if (layout.equals("blocked")) {
        Hamming.topK(q, 0, queries, block, length, k, indices, 0, distances, 0, scratch, 0);
      } else {
        Hamming.topK(q, 0, queries, sigs, 0, length, length, m, k, indices, 0, distances, 0, scratch, 0);
      }
      return indices;
    }
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public long[] signaturesScalar(Signatures s) {
    return s.run();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public long[] signaturesVector(Signatures s) {
    return s.run();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public int[] distancesScalar(Distances s) {
    return s.run();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public int[] distancesVector(Distances s) {
    return s.run();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public int[] topKScalar(TopK s) {
    return s.run();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public int[] topKVector(TopK s) {
    return s.run();
  }
}
