package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver.Arg;
import io.github.seqrec.cuda.internal.Geometry;

/**
 * Dense GEMM on the GPU with the contract of {@code io.github.seqrec.kernels.Dense#gemm}: a
 * shared-memory tiled SGEMM (128 x 128 tiles, 8 x 8 outputs per thread, 16-byte loads where the
 * leading dimensions are multiples of 4, double-buffered panels, FP32 FMA; no cuBLAS), and an
 * opt-in TF32 tensor-core variant ({@link #gemmTf32}) with a stated tolerance.
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
    gemm(a, aOff, lda, m, k, b, bOff, ldb, n, bias, biasOff, c, cOff, ldc, accumulate, "seqrec_gemm");
  }

  private static void gemm(DeviceFloats a, long aOff, int lda, int m, int k,
                           DeviceFloats b, long bOff, int ldb, int n,
                           DeviceFloats bias, long biasOff,
                           DeviceFloats c, long cOff, int ldc, boolean accumulate, String kernel) {
    // Validated and launched holding the context: no buffer can be closed in between.
    DeviceChecks.locked(DeviceChecks.contextOf(a, b, bias, c), () -> {
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
        return null;
      }
      if (kernel.equals("seqrec_gemm_tf32")) {
        requireTf32(ctx);
      }
      ctx.run(() -> launchGemm(ctx, kernel, a.at(aOff), lda, m, k, b.at(bOff), ldb, n,
          bias == null ? null : bias.at(biasOff), c.at(cOff), ldc, accumulate));
      return null;
    });
  }

  /**
   * {@link #gemm} on the TF32 tensor cores ({@code mma.sync.m16n8k8}): same arguments, layouts and
   * checks, but A and B are rounded to TF32 (10 mantissa bits, to nearest) inside the kernel and the
   * products are summed in the tensor cores' order. <b>Tolerance:</b> every output differs from
   * the FP32 result by at most {@code (2^-10 + (k + 2) 2^-22) (sum_p |a_ip b_pj| + |bias_j| + |c_ij|)}
   * (the old C counts only when accumulating): about 1e-3 of the magnitude of what is summed, where
   * {@link #gemm} matches the scalar definition to the last bits. Runs with the sm_90 PTX build
   * (Hopper and newer); elsewhere an {@link IllegalStateException} says so before anything runs.
   */
  public static void gemmTf32(DeviceFloats a, long aOff, int lda, int m, int k,
                              DeviceFloats b, long bOff, int ldb, int n,
                              DeviceFloats bias, long biasOff,
                              DeviceFloats c, long cOff, int ldc, boolean accumulate) {
    gemm(a, aOff, lda, m, k, b, bOff, ldb, n, bias, biasOff, c, cOff, ldc, accumulate, "seqrec_gemm_tf32");
  }

  /** TF32 needs the sm_90 build: the compute_75 PTX has no tensor-core instructions. */
  static void requireTf32(CudaContext ctx) {
    if (!ctx.ptxTarget().equals("sm_90")) {
      throw new IllegalStateException("gemmTf32 needs the sm_90 PTX build (TF32 tensor cores); " + ctx.device().name()
          + " runs " + ctx.ptxTarget());
    }
  }

  /**
   * The launch behind {@link #gemm} on raw device addresses (callers hold the context and have
   * validated): rows beyond one grid's reach (65535 tiles) go in several launches.
   */
  static void launchGemm(CudaContext ctx, Arg.Ptr a, int lda, int m, int k, Arg.Ptr b, int ldb, int n,
                         Arg.Ptr bias, Arg.Ptr c, int ldc, boolean accumulate) {
    launchGemm(ctx, "seqrec_gemm", a, lda, m, k, b, ldb, n, bias, c, ldc, accumulate);
  }

  static void launchGemm(CudaContext ctx, String kernel, Arg.Ptr a, int lda, int m, int k, Arg.Ptr b, int ldb, int n,
                         Arg.Ptr bias, Arg.Ptr c, int ldc, boolean accumulate) {
    Arg.Ptr noBias = new Arg.Ptr(null, 0);
    for (int row = 0; row < m; row += Geometry.GEMM_MAX_ROWS_PER_LAUNCH) {
      int rows = Math.min(Geometry.GEMM_MAX_ROWS_PER_LAUNCH, m - row);
      ctx.launch(kernel, Geometry.ceilDiv(n, Geometry.GEMM_TILE), Geometry.ceilDiv(rows, Geometry.GEMM_TILE),
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
