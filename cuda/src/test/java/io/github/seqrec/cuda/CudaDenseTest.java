package io.github.seqrec.cuda;

import static io.github.seqrec.cuda.GpuAsserts.REL_TOL;
import static org.assertj.core.api.Assertions.assertThat;
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
      check(ctx, random, 1024, 512, 768, false, true, true);
    }
    // Beyond one 128 x 128 tile, with the 16-byte load path (leading dimensions and offsets multiples
    // of 4) and without it, partial tiles in m, n and k, and one k panel of exactly 8.
    check(ctx, random, 130, 20, 131, true, true, false);
    check(ctx, random, 129, 24, 132, false, true, true);
    check(ctx, random, 257, 8, 4, false, false, true);
  }

  private static void check(CudaContext ctx, SplittableRandom random, int m, int k, int n, boolean accumulate,
                            boolean withBias) {
    check(ctx, random, m, k, n, accumulate, withBias, false);
  }

  /** {@code aligned}: leading dimensions and offsets multiples of 4 (the kernel's 16-byte loads). */
  private static void check(CudaContext ctx, SplittableRandom random, int m, int k, int n, boolean accumulate,
                            boolean withBias, boolean aligned) {
    int lda = aligned ? (k + 3) / 4 * 4 : k + random.nextInt(3);
    int ldb = aligned ? (n + 3) / 4 * 4 : n + random.nextInt(3);
    int ldc = n + random.nextInt(3);
    int aOff = aligned ? 4 * random.nextInt(2) : random.nextInt(5);
    int bOff = aligned ? 4 * random.nextInt(2) : random.nextInt(5);
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

  /**
   * The TF32 tensor-core GEMM against the FP32 scalar definition within its stated bound:
   * {@code |c - c_fp32| <= (2^-10 + (k + 2) 2^-22) (sum_p |a_ip b_pj| + |bias_j| + |c_ij|)}.
   */
  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void tf32GemmIsWithinItsStatedTolerance(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(12);
    int[][] shapes = target.large()
        ? new int[][] {{1, 1, 1}, {17, 9, 33}, {130, 20, 131}, {1024, 1024, 1024}, {4097, 65, 63}}
        : new int[][] {{1, 1, 1}, {17, 9, 33}, {130, 20, 131}, {129, 24, 132}};
    for (int[] sh : shapes) {
      checkTf32(ctx, random, sh[0], sh[1], sh[2], random.nextBoolean());
    }
  }

  private static void checkTf32(CudaContext ctx, SplittableRandom random, int m, int k, int n, boolean accumulate) {
    int lda = k + (random.nextBoolean() ? 0 : 1);
    int ldb = n;
    int ldc = n + 1;
    float[] a = GpuAsserts.uniform(random, (m - 1) * lda + k);
    float[] b = GpuAsserts.uniform(random, (k - 1) * ldb + n);
    float[] bias = GpuAsserts.uniform(random, n);
    float[] c = GpuAsserts.uniform(random, (m - 1) * ldc + n);
    float[] expected = c.clone();
    Dense.gemm(a, 0, lda, m, k, b, 0, ldb, n, bias, 0, expected, 0, ldc, accumulate);
    try (DeviceFloats da = ctx.upload(a); DeviceFloats db = ctx.upload(b); DeviceFloats dbias = ctx.upload(bias);
         DeviceFloats dc = ctx.upload(c)) {
      CudaDense.gemmTf32(da, 0, lda, m, k, db, 0, ldb, n, dbias, 0, dc, 0, ldc, accumulate);
      float[] actual = dc.toArray();
      double bound = Math.scalb(1.0, -10) + (k + 2) * Math.scalb(1.0, -22);
      double worst = 0;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double magnitude = Math.abs(bias[j]) + (accumulate ? Math.abs(c[i * ldc + j]) : 0);
          for (int p = 0; p < k; p++) {
            magnitude += Math.abs((double) a[i * lda + p] * b[p * ldb + j]);
          }
          int at = i * ldc + j;
          double err = Math.abs((double) actual[at] - expected[at]);
          if (!(err <= bound * magnitude)) {
            throw new AssertionError("tf32 gemm m=" + m + " k=" + k + " n=" + n + " [" + i + "][" + j + "]: expected "
                + expected[at] + " but was " + actual[at] + ", allowed " + bound * magnitude);
          }
          worst = Math.max(worst, err / magnitude);
        }
      }
      // TF32 must actually round: with k >= 8 random operands the error is well above FP32's.
      if (k >= 8) {
        assertThat(worst).as("tf32 m=%d k=%d n=%d", m, k, n).isGreaterThan(Math.scalb(1.0, -20));
      }
    }
  }

  @Test
  void tf32NeedsTheSm90Build() throws CudaUnavailableException {
    try (CudaContext ampere = CudaContext.open(new NoLaunchDriver(8, 6));
         DeviceFloats a = ampere.allocFloats(4); DeviceFloats b = ampere.allocFloats(4);
         DeviceFloats c = ampere.allocFloats(4)) {
      assertThatThrownBy(() -> CudaDense.gemmTf32(a, 0, 2, 2, 2, b, 0, 2, 2, null, 0, c, 0, 2, false))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("gemmTf32 needs the sm_90 PTX build (TF32 tensor cores); no-launch test driver runs compute_75");
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
