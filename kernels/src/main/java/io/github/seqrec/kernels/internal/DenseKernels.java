package io.github.seqrec.kernels.internal;

/**
 * Dense linear algebra on row-major {@code float[]} matrices with explicit offsets and leading
 * dimensions. Arguments have been validated by the facade.
 */
public interface DenseKernels {

  /**
   * {@code C = (accumulate ? C : 0) + A B + bias}: A is {@code m x k} (leading dimension lda),
   * B is {@code k x n} (ldb), C is {@code m x n} (ldc), bias (nullable) has n entries added to
   * every row. This is the one GEMM every GEMM-shaped kernel routes through.
   */
  void gemm(float[] a, int aOff, int lda, int m, int k,
            float[] b, int bOff, int ldb, int n,
            float[] bias, int biasOff,
            float[] c, int cOff, int ldc, boolean accumulate);

  /** {@code y = W x}, W is {@code out x in} row-major (an unpacked PyTorch Linear weight). */
  void gemv(float[] w, int wOff, int out, int in, float[] x, int xOff, float[] y, int yOff);

  /** {@code sum_i a[i] b[i]}. */
  float dot(float[] a, int aOff, float[] b, int bOff, int n);

  /** {@code y += alpha x}. */
  void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code dst (cols x rows) = src (rows x cols)ᵀ}, both contiguous. */
  void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff);
}
