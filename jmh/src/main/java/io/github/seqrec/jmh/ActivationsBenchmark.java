package io.github.seqrec.jmh;

import io.github.seqrec.kernels.Activations;
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
 * Softmax over an attention row (L in {50, 1000, 100000}) and the element-wise transcendentals
 * (sigmoid, tanh, exact GELU) over a 4096-value block (64 x 64 gates). These kernels do a few
 * flops per value around one exp/tanh, so they are judged by values per second and by the bytes
 * they must move ({@link #bytes}) against the measured copy bandwidth, not by FMA peak. Each
 * backend is its own method with its own fork, so the facade stays monomorphic.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ActivationsBenchmark {

  /** Softmax inputs: attention logits in [-8, 8). */
  @State(Scope.Thread)
  public static class SoftmaxData {
    @Param({"50", "1000", "100000"})
    public int n;

    float[] x;
    float[] y;

    @Setup
    public void setup() {
      x = scaled(BenchData.uniform(new SplittableRandom(42), n), 8f);
      y = new float[n];
    }
  }

  /** Element-wise inputs: pre-activations in [-6, 6). */
  @State(Scope.Thread)
  public static class ElementwiseData {
    @Param({"4096"})
    public int n;

    float[] x;
    float[] y;

    @Setup
    public void setup() {
      x = scaled(BenchData.uniform(new SplittableRandom(43), n), 6f);
      y = new float[n];
    }
  }

  static float[] scaled(float[] values, float factor) {
    for (int i = 0; i < values.length; i++) {
      values[i] *= factor;
    }
    return values;
  }

  /**
   * Bytes one call must move at the least: n floats read and n written (8n). Softmax actually
   * makes three passes (max; exp and store; scale), but for L up to 100000 the row stays in L2.
   */
  public static long bytes(int n) {
    return 8L * n;
  }

  /** {@link #bytes} of the run's n, for the report (a rate against the copy bandwidth). */
  public static Work workPerOp(java.util.Map<String, String> p) {
    return Work.bytes(bytes(Work.intParam(p, "n")));
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] softmaxScalar(SoftmaxData d) {
    Activations.softmax(d.x, 0, d.y, 0, d.n);
    return d.y;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] softmaxVector(SoftmaxData d) {
    Activations.softmax(d.x, 0, d.y, 0, d.n);
    return d.y;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] sigmoidScalar(ElementwiseData d) {
    Activations.sigmoid(d.x, 0, d.y, 0, d.n);
    return d.y;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] sigmoidVector(ElementwiseData d) {
    Activations.sigmoid(d.x, 0, d.y, 0, d.n);
    return d.y;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] tanhScalar(ElementwiseData d) {
    Activations.tanh(d.x, 0, d.y, 0, d.n);
    return d.y;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] tanhVector(ElementwiseData d) {
    Activations.tanh(d.x, 0, d.y, 0, d.n);
    return d.y;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] geluScalar(ElementwiseData d) {
    Activations.gelu(d.x, 0, d.y, 0, d.n);
    return d.y;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] geluVector(ElementwiseData d) {
    Activations.gelu(d.x, 0, d.y, 0, d.n);
    return d.y;
  }
}
