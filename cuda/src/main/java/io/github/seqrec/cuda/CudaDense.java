package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver.Arg;
import io.github.seqrec.cuda.internal.Geometry;

/**
 * Dense GEMM on the GPU with the contract of {@code io.github.seqrec.kernels.Dense#gemm}: a
 * shared-memory tiled SGEMM (64 x 64 tiles, 4 x 4 outputs per thread, FP32 FMA; no cuBLAS).
 */
public final class CudaDense {
  private CudaDense() {}

  /**
   * {@code C = (accumulate ? C : 0) + A B + bias}: A is {@code m x k} with leading dimension
   * {@code lda}, B is {@code k x n} with {@code ldb}, C is {@code m x n} with {@code ldc}, all
   * row-major at the given element offsets; {@code bias} (nullable) holds n values added to every
   * row. Each output sums its k products in order (with FMA), then adds the bias, then the old C.
   * C must not overlap A, B or the bias.
   */
  public static void gemm(DeviceFloats a, long aOff, int lda, int m, int k,
                          DeviceFloats b, long bOff, int ldb, int n,
                          DeviceFloats bias, long biasOff,
                          DeviceFloats c, long cOff, int ldc, boolean accumulate) {
    DeviceChecks.nonNegative("m", m);
    DeviceChecks.nonNegative("k", k);
    DeviceChecks.nonNegative("n", n);
    DeviceChecks.matrix("a", a, aOff, m, k, lda);
    DeviceChecks.matrix("b", b, bOff, k, n, ldb);
    DeviceChecks.matrix("c", c, cOff, m, n, ldc);
    if (bias != null) {
      DeviceChecks.region("bias", bias, biasOff, n);
    }
    long cLen = m == 0 ? 0 : (long) (m - 1) * ldc + n;
    DeviceChecks.disjoint("c", c, cOff, cLen, "a", a, aOff, m == 0 ? 0 : (long) (m - 1) * lda + k);
    DeviceChecks.disjoint("c", c, cOff, cLen, "b", b, bOff, k == 0 ? 0 : (long) (k - 1) * ldb + n);
    if (bias != null) {
      DeviceChecks.disjoint("c", c, cOff, cLen, "bias", bias, biasOff, n);
    }
    CudaContext ctx = DeviceChecks.sameContext(a, b, bias, c);
    if (m == 0 || n == 0) {
      return;
    }
    ctx.run(() -> launchGemm(ctx, a.at(aOff), lda, m, k, b.at(bOff), ldb, n,
        bias == null ? null : bias.at(biasOff), c.at(cOff), ldc, accumulate));
  }

  /**
   * The launch behind {@link #gemm} on raw device addresses (callers hold the context and have
   * validated): rows beyond one grid's reach (65535 tiles) go in several launches.
   */
  static void launchGemm(CudaContext ctx, Arg.Ptr a, int lda, int m, int k, Arg.Ptr b, int ldb, int n,
                         Arg.Ptr bias, Arg.Ptr c, int ldc, boolean accumulate) {
    Arg.Ptr noBias = new Arg.Ptr(null, 0);
    for (int row = 0; row < m; row += Geometry.GEMM_MAX_ROWS_PER_LAUNCH) {
      int rows = Math.min(Geometry.GEMM_MAX_ROWS_PER_LAUNCH, m - row);
      ctx.launch("seqrec_gemm", Geometry.ceilDiv(n, Geometry.GEMM_TILE), Geometry.ceilDiv(rows, Geometry.GEMM_TILE),
          Geometry.GEMM_THREADS, 0,
          offset(a, (long) row * lda), new Arg.I32(lda), b, new Arg.I32(ldb), bias == null ? noBias : bias,
          offset(c, (long) row * ldc), new Arg.I32(ldc), new Arg.I32(rows), new Arg.I32(n), new Arg.I32(k),
          new Arg.I32(accumulate ? 1 : 0));
    }
  }

  static Arg.Ptr offset(Arg.Ptr p, long floats) {
    return new Arg.Ptr(p.memory(), p.byteOffset() + floats * 4);
  }
}
