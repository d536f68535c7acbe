package io.github.seqrec.jmh;

import io.github.seqrec.kernels.Activation;
import io.github.seqrec.kernels.Convolution;
import io.github.seqrec.kernels.PackedCausalConv;
import io.github.seqrec.kernels.PackedHorizontalConv;
import io.github.seqrec.kernels.PackedVerticalConv;
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
 * The CNN recommenders' convolutions:
 * <ul>
 *   <li>{@code nextItNetStack}: NextItNet's dilated causal convolutions over a whole history, one
 *       op = 4 convolutions (k = 3, C -> C channels, dilations 1, 2, 4, 8: the effective sequence of
 *       RecBole's blocks with dilations [1, 4]); FLOPs = 4 x 2 k C^2 L.
 *   <li>{@code nextItNetServing}: the same 4 layers computing only what the last position of the
 *       top layer needs (each layer's output tail, {@link Convolution#causalConv1dRows}): 29 + 25 +
 *       17 + 1 rows instead of 4 L; FLOPs = 72 x 2 k C^2.
 *   <li>{@code caser}: Caser's horizontal convolutions of every height 1..L (nh = 16 filters, ReLU,
 *       max over time) plus its vertical convolution (nv = 4); FLOPs =
 *       {@code sum_h 2 (L-h+1) h d nh + 2 nv L d}.
 * </ul>
 * Each backend is its own method with its own fork, so the facade stays monomorphic.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ConvolutionBenchmark {
  static final int KERNEL = 3;
  static final int[] DILATIONS = {1, 2, 4, 8};
  static final int CASER_H = 16;
  static final int CASER_V = 4;

  static PackedCausalConv[] stack(SplittableRandom random, int channels) {
    PackedCausalConv[] convs = new PackedCausalConv[DILATIONS.length];
    for (int i = 0; i < convs.length; i++) {
      convs[i] = Convolution.packCausalConv1d(BenchData.uniform(random, channels * channels * KERNEL),
          BenchData.uniform(random, channels), channels, channels, KERNEL, DILATIONS[i]);
    }
    return convs;
  }

  /** Output rows layer i must compute so that the top layer can produce its last position. */
  static int[] servingRows() {
    int[] rows = new int[DILATIONS.length];
    int need = 1;
    for (int i = DILATIONS.length - 1; i >= 0; i--) {
      rows[i] = need;
      need += (KERNEL - 1) * DILATIONS[i];
    }
    return rows;
  }

  @State(Scope.Thread)
  public static class History {
    @Param({"50", "1000"})
    public int length;

    @Param({"64"})
    public int channels;

    PackedCausalConv[] convs;
    float[] x;
    float[] a;
    float[] b;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(42);
      convs = stack(random, channels);
      x = BenchData.uniform(random, length * channels);
      a = new float[length * channels];
      b = new float[length * channels];
    }
  }

  @State(Scope.Thread)
  public static class Serving {
    @Param({"1000"})
    public int historyLength;

    @Param({"64"})
    public int servingChannels;

    PackedCausalConv[] convs;
    int[] rows;
    float[] x;
    float[] a;
    float[] b;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(43);
      convs = stack(random, servingChannels);
      rows = servingRows();
      x = BenchData.uniform(random, historyLength * servingChannels);
      a = new float[rows[0] * servingChannels];
      b = new float[rows[0] * servingChannels];
    }
  }

  @State(Scope.Thread)
  public static class Caser {
    @Param({"5", "10"})
    public int caserLength;

    @Param({"50", "64"})
    public int width;

    PackedHorizontalConv horizontal;
    PackedVerticalConv vertical;
    float[] e;
    float[] out;
    float[] scratch;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(44);
      float[][] w = new float[caserLength][];
      float[][] bias = new float[caserLength][];
      for (int h = 1; h <= caserLength; h++) {
        w[h - 1] = BenchData.uniform(random, CASER_H * h * width);
        bias[h - 1] = BenchData.uniform(random, CASER_H);
      }
      horizontal = Convolution.packHorizontal(w, bias, CASER_H, width, Activation.relu());
      vertical = Convolution.packVertical(BenchData.uniform(random, CASER_V * caserLength),
          BenchData.uniform(random, CASER_V), CASER_V, caserLength);
      e = BenchData.uniform(random, caserLength * width);
      out = new float[CASER_V * width + CASER_H * caserLength];
      scratch = new float[Convolution.horizontalScratchSize(caserLength, horizontal)];
    }
  }

  /** FLOPs of one op: the benchmark is recognised by its parameter names. */
  public static Work workPerOp(Map<String, String> p) {
    if (p.containsKey("caserLength")) {
      int length = Work.intParam(p, "caserLength");
      int d = Work.intParam(p, "width");
      double flops = 2.0 * CASER_V * length * d;
      for (int h = 1; h <= length; h++) {
        flops += 2.0 * (length - h + 1) * h * d * CASER_H;
      }
      return Work.flops(flops);
    }
    if (p.containsKey("historyLength")) {
      int c = Work.intParam(p, "servingChannels");
      int rows = 0;
      for (int r : servingRows()) {
        rows += r;
      }
      return Work.flops(2.0 * KERNEL * c * c * rows);
    }
    int c = Work.intParam(p, "channels");
    return Work.flops(DILATIONS.length * 2.0 * KERNEL * c * c * Work.intParam(p, "length"));
  }

  static float[] runStack(History s) {
    Convolution.causalConv1d(s.x, 0, s.length, s.convs[0], s.a, 0);
    Convolution.causalConv1d(s.a, 0, s.length, s.convs[1], s.b, 0);
    Convolution.causalConv1d(s.b, 0, s.length, s.convs[2], s.a, 0);
    Convolution.causalConv1d(s.a, 0, s.length, s.convs[3], s.b, 0);
    return s.b;
  }

  static float[] runServing(Serving s) {
    int[] rows = s.rows;
    Convolution.causalConv1dRows(s.x, 0, s.historyLength, s.historyLength - rows[0], s.convs[0], s.a, 0);
    Convolution.causalConv1dRows(s.a, 0, rows[0], rows[0] - rows[1], s.convs[1], s.b, 0);
    Convolution.causalConv1dRows(s.b, 0, rows[1], rows[1] - rows[2], s.convs[2], s.a, 0);
    Convolution.causalConv1dRows(s.a, 0, rows[2], rows[2] - rows[3], s.convs[3], s.b, 0);
    return s.b;
  }

  static float[] runCaser(Caser s) {
    Convolution.vertical(s.e, 0, s.caserLength, s.width, s.vertical, s.out, 0);
    Convolution.horizontal(s.e, 0, s.caserLength, s.horizontal, s.out, CASER_V * s.width, s.scratch, 0);
    return s.out;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] nextItNetStackScalar(History s) {
    return runStack(s);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] nextItNetStackVector(History s) {
    return runStack(s);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] nextItNetServingScalar(Serving s) {
    return runServing(s);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] nextItNetServingVector(Serving s) {
    return runServing(s);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] caserScalar(Caser s) {
    return runCaser(s);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] caserVector(Caser s) {
    return runCaser(s);
  }
}
