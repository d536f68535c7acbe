package io.github.seqrec.kernels;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.seqrec.kernels.internal.GemmTile;
import io.github.seqrec.kernels.internal.KernelProvider;

/**
 * The two CPU backends side by side in one JVM, for differential tests: the scalar definition and
 * the vector backend (skipped, with the reason, when this JVM cannot run it: the
 * {@code no-vector-module} surefire run).
 */
final class BackendPair {
  static final KernelProvider SCALAR = KernelProvider.scalar();

  private BackendPair() {}

  static KernelProvider vector() {
    var vector = KernelProvider.vectorIfAvailable();
    assumeTrue(vector.isPresent(), "vector backend not available in this JVM (run without jdk.incubator.vector)");
    return vector.get();
  }

  /** The vector backend with its GEMM forced to {@code tile}, whatever this machine's register file. */
  static KernelProvider vector(GemmTile tile) {
    var vector = KernelProvider.vectorIfAvailable(tile);
    assumeTrue(vector.isPresent(), "vector backend not available in this JVM (run without jdk.incubator.vector)");
    return vector.get();
  }
}
