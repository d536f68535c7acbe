package io.github.seqrec.jmh;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The machine's own single-core ceilings, measured in the same run as the kernels so that every
 * kernel can be reported as a fraction of them.
 *
 * <ul>
 *   <li>{@link #fmaPeak}: 16 independent FMA chains on the widest float species; one op is one
 *       FLOP (an FMA on one lane counts 2), so ops/s is FLOP/s.
 *   <li>{@link #copyBandwidth}: {@code System.arraycopy} of a 256 MiB array (far larger than the
 *       32 MiB L3); GB/s = ops/s x 2 x 256 MiB (one read, one write).
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class Ceilings {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  /**
   * FLOPs per {@link #fmaPeak} invocation, whatever the species width: the loop count is derived
   * from it, so JMH's ops/s is FLOP/s directly.
   */
  public static final int FLOPS_PER_CALL = 1 << 26;
  private static final int FMA_CHAINS = 16;
  private static final int FMA_STEPS = FLOPS_PER_CALL / (FMA_CHAINS * 2 * F.length());
  public static final long COPY_BYTES = 256L << 20;

  @State(Scope.Thread)
  public static class FmaState {
    float a = 0.999999f;
    float b = 1e-7f;
  }

  @State(Scope.Thread)
  public static class CopyState {
    float[] src;
    float[] dst;

    @Setup(Level.Trial)
    public void setup() {
      src = new float[(int) (COPY_BYTES / 4)];
      dst = new float[src.length];
      java.util.Arrays.fill(src, 1f);
    }
  }

  @Benchmark
  @OperationsPerInvocation(FLOPS_PER_CALL)
  public float fmaPeak(FmaState s) {
    FloatVector a = FloatVector.broadcast(F, s.a);
    FloatVector b = FloatVector.broadcast(F, s.b);
    FloatVector c0 = FloatVector.broadcast(F, 1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    FloatVector c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
    for (int i = 0; i < FMA_STEPS; i++) {
      c0 = c0.fma(a, b); c1 = c1.fma(a, b); c2 = c2.fma(a, b); c3 = c3.fma(a, b);
      c4 = c4.fma(a, b); c5 = c5.fma(a, b); c6 = c6.fma(a, b); c7 = c7.fma(a, b);
      c8 = c8.fma(a, b); c9 = c9.fma(a, b); c10 = c10.fma(a, b); c11 = c11.fma(a, b);
      c12 = c12.fma(a, b); c13 = c13.fma(a, b); c14 = c14.fma(a, b); c15 = c15.fma(a, b);
    }
    return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7)
        .add(c8).add(c9).add(c10).add(c11).add(c12).add(c13).add(c14).add(c15).lane(0);
  }

  /** One copy reads and writes {@link #COPY_BYTES} each. */
  public static Work workPerOp(java.util.Map<String, String> params) {
    return Work.bytes(2.0 * COPY_BYTES);
  }

  @Benchmark
  public float[] copyBandwidth(CopyState s) {
    System.arraycopy(s.src, 0, s.dst, 0, s.src.length);
    return s.dst;
  }
}
