package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.KernelProvider;

/**
 * Which CPU backend this JVM runs, chosen once on first use of any kernel.
 *
 * <p>{@code -Dseqrec.backend=scalar|vector|auto} forces a choice (default {@code auto}: the
 * Vector API backend when {@code jdk.incubator.vector} is readable and C2 is on, else scalar with
 * one warning naming the fix). Benchmarks and the CLI record {@link #describe()} next to every
 * number.
 */
public final class Backends {
  private Backends() {}

  /** {@code "scalar"} or {@code "vector"}. */
  public static String name() {
    return KernelProvider.get().name();
  }

  /**
   * One line: backend, species width and lanes, FMA, and the GEMM register tile with the reason
   * for it (e.g. {@code gemm-tile=6x2 (16 vector registers)}; {@code -Dseqrec.gemm.tile=4x3|6x2}
   * forces one).
   */
  public static String describe() {
    return KernelProvider.get().describe();
  }

  /** Float species width in bits, 0 on the scalar backend. */
  public static int vectorBitSize() {
    return KernelProvider.get().vectorBitSize();
  }
}
