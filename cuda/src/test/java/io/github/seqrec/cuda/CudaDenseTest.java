package io.github.seqrec.cuda;

import static io.github.seqrec.cuda.GpuAsserts.REL_TOL;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.Dense;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The tiled GEMM against the scalar {@link Dense#gemm} (surefire forces the scalar backend). */
class CudaDenseTest {

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void gemmMatchesScalar(Targets.Target target) {
    CudaContext ctx = target.context();
    int[] sizes = target.large() ? new int[] {1, 7, 16, 17, 63, 65, 129} : new int[] {1, 17, 65};
    SplittableRandom random = new SplittableRandom(11);
    for (int m : sizes) {
      for (int k : sizes) {
        for (int n : sizes) {
          boolean accumulate = random.nextBoolean();
          boolean withBias = random.nextBoolean();
          check(ctx, random, m, k, n, accumulate, withBias);
        }
      }
    }
    if (target.large()) {
      check(ctx, random, 1000, 64, 192, false, true);
      check(ctx, random, 4097, 65, 63, true, true);
      check(ctx, random, 3, 4097, 5, false, false);
    }
  }

  private static void check(CudaContext ctx, SplittableRandom random, int m, int k, int n, boolean accumulate,
                            boolean withBias) {
    int lda = k + random.nextInt(3);
    int ldb = n + random.nextInt(3);
    int ldc = n + random.nextInt(3);
    int aOff = random.nextInt(5);
    int bOff = random.nextInt(5);
    int cOff = random.nextInt(5);
    float[] a = GpuAsserts.uniform(random, aOff + (m - 1) * lda + k);
    float[] b = GpuAsserts.uniform(random, bOff + (k - 1) * ldb + n);
    float[] bias = withBias ? GpuAsserts.uniform(random, n + 1) : null;
    float[] c = GpuAsserts.uniform(random, cOff + (m - 1) * ldc + n);
    float[] expected = c.clone();
    Dense.gemm(a, aOff, lda, m, k, b, bOff, ldb, n, bias, 1, expected, cOff, ldc, accumulate);
    try (DeviceFloats da = ctx.upload(a); DeviceFloats db = ctx.upload(b);
         DeviceFloats dbias = bias == null ? null : ctx.upload(bias);
         DeviceFloats dc = accumulate ? ctx.upload(c) : GpuAsserts.poisoned(ctx, c.length)) {
      if (!accumulate) {
        // untouched padding between rows must keep its value: restore it (the kernel must not write there)
        float[] padded = GpuAsserts.nans(c.length);
        for (int i = 0; i < m; i++) {
          for (int j = n; j < ldc && cOff + i * ldc + j < c.length; j++) {
            padded[cOff + i * ldc + j] = c[cOff + i * ldc + j];
          }
        }
        for (int j = 0; j < cOff; j++) {
          padded[j] = c[j];
        }
        dc.copyFrom(padded);
      }
      CudaDense.gemm(da, aOff, lda, m, k, db, bOff, ldb, n, dbias, 1, dc, cOff, ldc, accumulate);
      GpuAsserts.assertClose("gemm m=" + m + " k=" + k + " n=" + n, expected, dc.toArray(), REL_TOL, Math.sqrt(k));
    }
  }

  @Test
  void gemmRejectsBadShapesBeforeTheDriver() {
    try (CudaContext ctx = NoLaunchDriver.context();
         DeviceFloats a = ctx.allocFloats(12); DeviceFloats b = ctx.allocFloats(12); DeviceFloats c = ctx.allocFloats(9)) {
      assertThatThrownBy(() -> CudaDense.gemm(a, 0, 4, 3, 4, b, 0, 4, 4, null, 0, c, 0, 4, false))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b needs 16 elements from offset 0 (up to index 16), but its length is 12");
      assertThatThrownBy(() -> CudaDense.gemm(a, 0, 3, 3, 4, b, 0, 3, 3, null, 0, c, 0, 3, false))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a leading dimension must be >= its column count 4");
      assertThatThrownBy(() -> CudaDense.gemm(a, 0, 4, 3, 4, b, 0, 3, 3, null, 0, a, 0, 3, false))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("c must not overlap a");
    }
  }
}
