package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;

import io.github.seqrec.kernels.internal.DenseKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector API dense kernels.
 *
 * <p>The GEMM is a register-tiled outer-product kernel (tinyBLAS style): C is cut into tiles of
 * 4 rows x 3 vectors, held in 12 accumulators for the whole k loop. Each k step loads 3 vectors
 * of B once and reuses them for 4 rows (4 broadcasts of A), so there are 12 independent FMAs per
 * 3 loads: enough to keep two FMA pipes busy through the 4-cycle FMA latency. Column panels are
 * the outer loop so the k x 3V panel of B stays in L1 while every row tile passes over it.
 * Ragged edges use a one-vector-wide masked tile and a one-row tile; nothing is padded.
 */
public final class VectorDense implements DenseKernels {
  private static final int ROWS = 4;
  private static final int COLS = 3 * FLOAT_LANES;

  @Override
  public void gemm(float[] a, int aOff, int lda, int m, int k,
                   float[] b, int bOff, int ldb, int n,
                   float[] bias, int biasOff,
                   float[] c, int cOff, int ldc, boolean accumulate) {
    int j = 0;
    for (; j + COLS <= n; j += COLS) {
      int i = 0;
      for (; i + ROWS <= m; i += ROWS) {
        tile4x3(a, aOff + i * lda, lda, k, b, bOff + j, ldb, bias, biasOff + j, c, cOff + i * ldc + j, ldc, accumulate);
      }
      for (; i < m; i++) {
        tile1x3(a, aOff + i * lda, k, b, bOff + j, ldb, bias, biasOff + j, c, cOff + i * ldc + j, accumulate);
      }
    }
    for (; j < n; j += FLOAT_LANES) {
      VectorMask<Float> cols = FLOAT.indexInRange(j, n);
      int i = 0;
      for (; i + ROWS <= m; i += ROWS) {
        tile4x1(a, aOff + i * lda, lda, k, b, bOff + j, ldb, bias, biasOff + j, c, cOff + i * ldc + j, ldc, accumulate, cols);
      }
      for (; i < m; i++) {
        tile1x1(a, aOff + i * lda, k, b, bOff + j, ldb, bias, biasOff + j, c, cOff + i * ldc + j, accumulate, cols);
      }
    }
  }

  private static void tile4x3(float[] a, int a0, int lda, int k, float[] b, int b0, int ldb,
                              float[] bias, int biasAt, float[] c, int c0, int ldc, boolean accumulate) {
    final int v1 = FLOAT_LANES;
    final int v2 = 2 * FLOAT_LANES;
    FloatVector c00 = FloatVector.zero(FLOAT), c01 = c00, c02 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00;
    FloatVector c20 = c00, c21 = c00, c22 = c00;
    FloatVector c30 = c00, c31 = c00, c32 = c00;
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector b0v = FloatVector.fromArray(FLOAT, b, bp);
      FloatVector b1v = FloatVector.fromArray(FLOAT, b, bp + v1);
      FloatVector b2v = FloatVector.fromArray(FLOAT, b, bp + v2);
      FloatVector x = FloatVector.broadcast(FLOAT, a[a0 + p]);
      c00 = b0v.fma(x, c00); c01 = b1v.fma(x, c01); c02 = b2v.fma(x, c02);
      x = FloatVector.broadcast(FLOAT, a[a1 + p]);
      c10 = b0v.fma(x, c10); c11 = b1v.fma(x, c11); c12 = b2v.fma(x, c12);
      x = FloatVector.broadcast(FLOAT, a[a2 + p]);
      c20 = b0v.fma(x, c20); c21 = b1v.fma(x, c21); c22 = b2v.fma(x, c22);
      x = FloatVector.broadcast(FLOAT, a[a3 + p]);
      c30 = b0v.fma(x, c30); c31 = b1v.fma(x, c31); c32 = b2v.fma(x, c32);
    }
    store3(c00, c01, c02, bias, biasAt, c, c0, accumulate);
    store3(c10, c11, c12, bias, biasAt, c, c0 + ldc, accumulate);
    store3(c20, c21, c22, bias, biasAt, c, c0 + 2 * ldc, accumulate);
    store3(c30, c31, c32, bias, biasAt, c, c0 + 3 * ldc, accumulate);
  }

  private static void tile1x3(float[] a, int a0, int k, float[] b, int b0, int ldb,
                              float[] bias, int biasAt, float[] c, int c0, boolean accumulate) {
    final int v1 = FLOAT_LANES;
    final int v2 = 2 * FLOAT_LANES;
    FloatVector c0v = FloatVector.zero(FLOAT), c1v = c0v, c2v = c0v;
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector x = FloatVector.broadcast(FLOAT, a[a0 + p]);
      c0v = FloatVector.fromArray(FLOAT, b, bp).fma(x, c0v);
      c1v = FloatVector.fromArray(FLOAT, b, bp + v1).fma(x, c1v);
      c2v = FloatVector.fromArray(FLOAT, b, bp + v2).fma(x, c2v);
    }
    store3(c0v, c1v, c2v, bias, biasAt, c, c0, accumulate);
  }

  private static void store3(FloatVector s0, FloatVector s1, FloatVector s2,
                             float[] bias, int biasAt, float[] c, int at, boolean accumulate) {
    store(s0, bias, biasAt, c, at, accumulate);
    store(s1, bias, biasAt + FLOAT_LANES, c, at + FLOAT_LANES, accumulate);
    store(s2, bias, biasAt + 2 * FLOAT_LANES, c, at + 2 * FLOAT_LANES, accumulate);
  }

  private static void store(FloatVector sum, float[] bias, int biasAt, float[] c, int at, boolean accumulate) {
    if (bias != null) {
      sum = sum.add(FloatVector.fromArray(FLOAT, bias, biasAt));
    }
    if (accumulate) {
      sum = sum.add(FloatVector.fromArray(FLOAT, c, at));
    }
    sum.intoArray(c, at);
  }

  private static void tile4x1(float[] a, int a0, int lda, int k, float[] b, int b0, int ldb,
                              float[] bias, int biasAt, float[] c, int c0, int ldc, boolean accumulate,
                              VectorMask<Float> cols) {
    FloatVector s0 = FloatVector.zero(FLOAT), s1 = s0, s2 = s0, s3 = s0;
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector bv = FloatVector.fromArray(FLOAT, b, bp, cols);
      s0 = bv.fma(FloatVector.broadcast(FLOAT, a[a0 + p]), s0);
      s1 = bv.fma(FloatVector.broadcast(FLOAT, a[a1 + p]), s1);
      s2 = bv.fma(FloatVector.broadcast(FLOAT, a[a2 + p]), s2);
      s3 = bv.fma(FloatVector.broadcast(FLOAT, a[a3 + p]), s3);
    }
    storeMasked(s0, bias, biasAt, c, c0, accumulate, cols);
    storeMasked(s1, bias, biasAt, c, c0 + ldc, accumulate, cols);
    storeMasked(s2, bias, biasAt, c, c0 + 2 * ldc, accumulate, cols);
    storeMasked(s3, bias, biasAt, c, c0 + 3 * ldc, accumulate, cols);
  }

  private static void tile1x1(float[] a, int a0, int k, float[] b, int b0, int ldb,
                              float[] bias, int biasAt, float[] c, int c0, boolean accumulate,
                              VectorMask<Float> cols) {
    FloatVector s = FloatVector.zero(FLOAT);
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      s = FloatVector.fromArray(FLOAT, b, bp, cols).fma(FloatVector.broadcast(FLOAT, a[a0 + p]), s);
    }
    storeMasked(s, bias, biasAt, c, c0, accumulate, cols);
  }

  private static void storeMasked(FloatVector sum, float[] bias, int biasAt, float[] c, int at,
                                  boolean accumulate, VectorMask<Float> cols) {
    if (bias != null) {
      sum = sum.add(FloatVector.fromArray(FLOAT, bias, biasAt, cols));
    }
    if (accumulate) {
      sum = sum.add(FloatVector.fromArray(FLOAT, c, at, cols));
    }
    sum.intoArray(c, at, cols);
  }

  @Override
  public void gemv(float[] w, int wOff, int out, int in, float[] x, int xOff, float[] y, int yOff) {
    for (int o = 0; o < out; o++) {
      y[yOff + o] = dot(w, wOff + o * in, x, xOff, in);
    }
  }

  /** Four independent accumulators hide the FMA latency; the tail is one masked step. */
  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    FloatVector s0 = FloatVector.zero(FLOAT), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i + 4 * FLOAT_LANES <= n; i += 4 * FLOAT_LANES) {
      s0 = FloatVector.fromArray(FLOAT, a, aOff + i).fma(FloatVector.fromArray(FLOAT, b, bOff + i), s0);
      s1 = FloatVector.fromArray(FLOAT, a, aOff + i + FLOAT_LANES)
          .fma(FloatVector.fromArray(FLOAT, b, bOff + i + FLOAT_LANES), s1);
      s2 = FloatVector.fromArray(FLOAT, a, aOff + i + 2 * FLOAT_LANES)
          .fma(FloatVector.fromArray(FLOAT, b, bOff + i + 2 * FLOAT_LANES), s2);
      s3 = FloatVector.fromArray(FLOAT, a, aOff + i + 3 * FLOAT_LANES)
          .fma(FloatVector.fromArray(FLOAT, b, bOff + i + 3 * FLOAT_LANES), s3);
    }
    for (; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      s0 = FloatVector.fromArray(FLOAT, a, aOff + i, m).fma(FloatVector.fromArray(FLOAT, b, bOff + i, m), s0);
    }
    return s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    FloatVector av = FloatVector.broadcast(FLOAT, alpha);
    for (int i = 0; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector.fromArray(FLOAT, x, xOff + i, m)
          .fma(av, FloatVector.fromArray(FLOAT, y, yOff + i, m))
          .intoArray(y, yOff + i, m);
    }
  }

  /** Blocked so both the reads and the writes stay within a few cache lines at a time. */
  @Override
  public void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
    final int block = 16;
    for (int r0 = 0; r0 < rows; r0 += block) {
      int r1 = Math.min(rows, r0 + block);
      for (int c0 = 0; c0 < cols; c0 += block) {
        int c1 = Math.min(cols, c0 + block);
        for (int r = r0; r < r1; r++) {
          for (int c = c0; c < c1; c++) {
            dst[dstOff + c * rows + r] = src[srcOff + r * cols + c];
          }
        }
      }
    }
  }
}
