package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.KernelProvider;

/**
 * Dense linear algebra: the small GEMM that every MLP, gate, projection and attention score in
 * seqrec routes through, plus GEMV, dot, axpy and transpose.
 *
 * <p>All matrices are row-major {@code float[]} with an explicit offset (and, for {@link #gemm},
 * leading dimensions), like BLAS. Outputs go into caller-provided arrays; nothing allocates except
 * {@link #pack}. Stateless and thread-safe. Arguments are checked here, once, and a bad one raises
 * {@link IllegalArgumentException} naming it with the expected and actual shape.
 */
public final class Dense {
  private static final DenseKernels KERNELS = KernelProvider.get().dense();

  private Dense() {}

  /**
   * Packs a PyTorch {@code nn.Linear}: {@code weight} is {@code out x in} row-major (the
   * {@code state_dict} layout), {@code bias} has {@code out} entries or is null.
   */
  public static PackedLinear pack(float[] weight, float[] bias, int out, int in) {
    Checks.positive("out", out);
    Checks.positive("in", in);
    Checks.notNull("weight", weight);
    if (weight.length != (long) out * in) {
      throw new IllegalArgumentException(
          "weight must have out x in = " + out + " x " + in + " = " + (long) out * in + " floats, got " + weight.length);
    }
    if (bias != null && bias.length != out) {
      throw new IllegalArgumentException("bias must have out = " + out + " floats, got " + bias.length);
    }
    float[] weightT = new float[out * in];
    KERNELS.transpose(weight, 0, out, in, weightT, 0);
    return new PackedLinear(in, out, weightT, bias == null ? null : bias.clone());
  }

  /**
   * {@code y[r] = (accumulate ? y[r] : 0) + x[r] Wᵀ + b} for {@code r < rows}: x is
   * {@code rows x in} at {@code xOff}, y is {@code rows x out} at {@code yOff}, both contiguous.
   */
  public static void linear(float[] x, int xOff, int rows, PackedLinear layer, float[] y, int yOff,
                            boolean accumulate) {
    Checks.notNull("layer", layer);
    Checks.nonNegative("rows", rows);
    Checks.region("x", x, xOff, (long) rows * layer.inFeatures());
    Checks.region("y", y, yOff, (long) rows * layer.outFeatures());
    KERNELS.gemm(x, xOff, layer.inFeatures(), rows, layer.inFeatures(),
        layer.weightT(), 0, layer.outFeatures(), layer.outFeatures(),
        layer.bias(), 0, y, yOff, layer.outFeatures(), accumulate);
  }

  /**
   * General matrix product {@code C = (accumulate ? C : 0) + A B + bias}: A is {@code m x k}
   * with leading dimension {@code lda}, B is {@code k x n} with {@code ldb}, C is {@code m x n}
   * with {@code ldc}; {@code bias} (nullable) holds n values added to every row of C.
   */
  public static void gemm(float[] a, int aOff, int lda, int m, int k,
                          float[] b, int bOff, int ldb, int n,
                          float[] bias, int biasOff,
                          float[] c, int cOff, int ldc, boolean accumulate) {
    Checks.nonNegative("m", m);
    Checks.nonNegative("k", k);
    Checks.nonNegative("n", n);
    Checks.matrix("a", a, aOff, m, k, lda);
    Checks.matrix("b", b, bOff, k, n, ldb);
    Checks.matrix("c", c, cOff, m, n, ldc);
    if (bias != null) {
      Checks.region("bias", bias, biasOff, n);
    }
    KERNELS.gemm(a, aOff, lda, m, k, b, bOff, ldb, n, bias, biasOff, c, cOff, ldc, accumulate);
  }

  /** {@code y = W x}: W is {@code out x in} row-major, x has {@code in} entries, y gets {@code out}. */
  public static void gemv(float[] w, int wOff, int out, int in, float[] x, int xOff, float[] y, int yOff) {
    Checks.nonNegative("out", out);
    Checks.nonNegative("in", in);
    Checks.region("w", w, wOff, (long) out * in);
    Checks.region("x", x, xOff, in);
    Checks.region("y", y, yOff, out);
    KERNELS.gemv(w, wOff, out, in, x, xOff, y, yOff);
  }

  /** {@code sum_i a[aOff + i] * b[bOff + i]} for {@code i < n}. */
  public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    Checks.nonNegative("n", n);
    Checks.region("a", a, aOff, n);
    Checks.region("b", b, bOff, n);
    return KERNELS.dot(a, aOff, b, bOff, n);
  }

  /** {@code y[yOff + i] += alpha * x[xOff + i]} for {@code i < n}. */
  public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    Checks.nonNegative("n", n);
    Checks.region("x", x, xOff, n);
    Checks.region("y", y, yOff, n);
    KERNELS.axpy(alpha, x, xOff, y, yOff, n);
  }

  /** Writes the transpose ({@code cols x rows}) of the contiguous {@code rows x cols} matrix src. */
  public static void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("cols", cols);
    Checks.region("src", src, srcOff, (long) rows * cols);
    Checks.region("dst", dst, dstOff, (long) rows * cols);
    if (src == dst && rows * cols > 0 && srcOff < dstOff + (long) rows * cols && dstOff < srcOff + (long) rows * cols) {
      throw new IllegalArgumentException("src and dst must not overlap");
    }
    KERNELS.transpose(src, srcOff, rows, cols, dst, dstOff);
  }
}
