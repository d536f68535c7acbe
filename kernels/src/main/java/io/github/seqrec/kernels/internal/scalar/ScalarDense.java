package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.DenseKernels;

/** Scalar definition of the dense kernels: the loops say exactly what is computed. */
public final class ScalarDense implements DenseKernels {

  @Override
  public void gemm(float[] a, int aOff, int lda, int m, int k,
                   float[] b, int bOff, int ldb, int n,
                   float[] bias, int biasOff,
                   float[] c, int cOff, int ldc, boolean accumulate) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0f;
        for (int p = 0; p < k; p++) {
          sum += a[aOff + i * lda + p] * b[bOff + p * ldb + j];
        }
        if (bias != null) {
          sum += bias[biasOff + j];
        }
        int at = cOff + i * ldc + j;
        c[at] = accumulate ? c[at] + sum : sum;
      }
    }
  }

  @Override
  public void gemv(float[] w, int wOff, int out, int in, float[] x, int xOff, float[] y, int yOff) {
    for (int o = 0; o < out; o++) {
      y[yOff + o] = dot(w, wOff + o * in, x, xOff, in);
    }
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    float sum = 0f;
    for (int i = 0; i < n; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  @Override
  public void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        dst[dstOff + c * rows + r] = src[srcOff + r * cols + c];
      }
    }
  }
}
