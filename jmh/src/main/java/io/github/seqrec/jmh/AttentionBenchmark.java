package io.github.seqrec.jmh;

import io.github.seqrec.kernels.Activation;
import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.DinAttentionUnit;
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
 * Target attention of B candidates over one user history of L behaviours (d = H dk = 64, the ESU /
 * DIN-style target attention shape), and the DIN activation unit (d = 64, hidden [80, 40]
 * sigmoid, the official DIN attention MLP) for B candidates over L = 50 behaviours. Each backend is
 * its own method with its own fork, so the facade picks one backend per JVM and stays monomorphic.
 * {@link #targetAttentionFlops} and {@link #dinFlops} give the FLOPs of one call for GFLOP/s and the
 * fraction of {@link Ceilings#fmaPeak}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AttentionBenchmark {
  /** Embedding width of targets, keys and values. */
  public static final int D = 64;
  /** Hidden layers of the DIN unit. */
  public static final int[] DIN_HIDDEN = {80, 40};

  @State(Scope.Thread)
  public static class Target {
    @Param({"100", "1000"})
    public int b;

    @Param({"50", "1000"})
    public int l;

    @Param({"1", "4"})
    public int heads;

    float[] q;
    float[] k;
    float[] v;
    float[] out;
    float[] scratch;
    int dk;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(42);
      dk = D / heads;
      q = BenchData.uniform(random, b * D);
      k = BenchData.uniform(random, l * D);
      v = BenchData.uniform(random, l * D);
      out = new float[b * D];
      scratch = new float[Attention.targetAttentionScratchSize(b, l, heads, dk)];
    }

    float[] run() {
      Attention.targetAttention(q, 0, b, k, 0, v, 0, l, l, heads, dk, dk, out, 0, scratch, 0);
      return out;
    }
  }

  @State(Scope.Thread)
  public static class Din {
    @Param({"100", "1000"})
    public int b;

    @Param({"50"})
    public int l;

    float[] q;
    float[] k;
    float[] weights;
    float[] scratch;
    DinAttentionUnit unit;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(43);
      q = BenchData.uniform(random, b * D);
      k = BenchData.uniform(random, l * D);
      weights = new float[b * l];
      DinAttentionUnit.Builder builder = DinAttentionUnit.builder(D);
      int in = 4 * D;
      for (int h : DIN_HIDDEN) {
        builder.hidden(BenchData.uniform(random, h * in), BenchData.uniform(random, h), h,
            Activation.sigmoid());
        in = h;
      }
      unit = builder.output(BenchData.uniform(random, in), new float[] {0.1f}).build();
      scratch = new float[Attention.dinScoresScratchSize(unit, b, l)];
    }

    float[] run() {
      Attention.dinScores(unit, q, 0, b, k, 0, l, l, weights, 0, scratch, 0);
      return weights;
    }
  }

  /** FLOPs of one target-attention call: {@code Q Kᵀ} and {@code W V}, 2 B L H (dk + dv); softmax not counted. */
  /** Work per op for the report: target attention or the DIN unit, by method name. */
  public static Work workPerOp(java.util.Map<String, String> p) {
    int b = Work.intParam(p, "b");
    int l = Work.intParam(p, "l");
    if (p.getOrDefault("method", "").startsWith("din")) {
      return Work.flops(dinFlops(b, l, D, DIN_HIDDEN));
    }
    int heads = Work.intParam(p, "heads");
    return Work.flops(targetAttentionFlops(b, l, heads, D / heads, D / heads));
  }

  public static long targetAttentionFlops(int b, int l, int heads, int dk, int dv) {
    return 2L * b * l * heads * (dk + dv);
  }

  /**
   * FLOPs of one DIN-unit call as the split computes them: {@code K Wkᵀ} (2 L d h1), {@code Q Wqᵀ}
   * (2 B d h1), the {@code (q*k) Wdᵀ} products (2 B L d h1), the later layers (2 B L h_i h_{i+1}) and
   * the output layer (2 B L h_n). Activations not counted. The definitional MLP on
   * {@code [q; k; q-k; q*k]} would be {@link #dinFlopsUnsplit}.
   */
  public static long dinFlops(int b, int l, int d, int[] hidden) {
    long h1 = hidden[0];
    long flops = 2L * l * d * h1 + 2L * b * d * h1 + 2L * b * l * d * h1;
    for (int i = 1; i < hidden.length; i++) {
      flops += 2L * b * l * hidden[i - 1] * hidden[i];
    }
    return flops + 2L * b * l * hidden[hidden.length - 1];
  }

  /** FLOPs of the unsplit MLP: 2 B L (4d h1 + sum h_i h_{i+1} + h_n). */
  public static long dinFlopsUnsplit(int b, int l, int d, int[] hidden) {
    long flops = 2L * b * l * 4 * d * hidden[0];
    for (int i = 1; i < hidden.length; i++) {
      flops += 2L * b * l * hidden[i - 1] * hidden[i];
    }
    return flops + 2L * b * l * hidden[hidden.length - 1];
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] targetAttentionScalar(Target s) {
    return s.run();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] targetAttentionVector(Target s) {
    return s.run();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] dinScalar(Din s) {
    return s.run();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] dinVector(Din s) {
    return s.run();
  }
}
