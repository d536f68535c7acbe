package io.github.seqrec.kernels;

import static io.github.seqrec.kernels.TestArrays.assertClose;
import static io.github.seqrec.kernels.TestArrays.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.internal.DenseKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DenseTest {
  private static final double TOL = 1e-5;

  @Test
  void linearMatchesAHandComputedLayer() {
    // W = [[1, 2, 3], [4, 5, 6]], b = [0.5, -1]; x = [[1, 0, -1], [2, 1, 0]]
    PackedLinear layer = Dense.pack(new float[] {1, 2, 3, 4, 5, 6}, new float[] {0.5f, -1f}, 2, 3);
    float[] y = new float[4];
    Dense.linear(new float[] {1, 0, -1, 2, 1, 0}, 0, 2, layer, y, 0, false);
    assertThat(y).containsExactly(1 - 3 + 0.5f, 4 - 6 - 1f, 2 + 2 + 0.5f, 8 + 5 - 1f);
    Dense.linear(new float[] {1, 0, -1, 2, 1, 0}, 0, 2, layer, y, 0, true);
    assertThat(y).containsExactly(2 * (-1.5f), 2 * (-3f), 2 * 4.5f, 2 * 12f);
  }

  @Test
  void gemmHonoursLeadingDimensionsAndLeavesPaddingAlone() {
    // A = [[1, 2], [3, 4]] stored with lda = 3; B = [[1, 0], [0, 1]] with ldb = 2; C with ldc = 3.
    float[] a = {1, 2, 99, 3, 4, 99};
    float[] b = {1, 0, 0, 1};
    float[] c = {7, 7, 7, 7, 7, 7};
    Dense.gemm(a, 0, 3, 2, 2, b, 0, 2, 2, null, 0, c, 0, 3, false);
    assertThat(c).containsExactly(1, 2, 7, 3, 4, 7);
  }

  @Test
  void vectorGemmMatchesScalarOnAwkwardShapes() {
    DenseKernels scalar = BackendPair.SCALAR.dense();
    DenseKernels vector = BackendPair.vector().dense();
    SplittableRandom random = new SplittableRandom(1);
    for (int m : TestArrays.SMALL_AWKWARD) {
      for (int k : TestArrays.SMALL_AWKWARD) {
        for (int n : TestArrays.SMALL_AWKWARD) {
          checkGemm(scalar, vector, random, m, k, n);
        }
      }
    }
    checkGemm(scalar, vector, random, 100, 64, 192);
    checkGemm(scalar, vector, random, 3, 1000, 17);
    checkGemm(scalar, vector, random, 2, 65, 4097);
    checkGemm(scalar, vector, random, 4097, 16, 3);
  }

  static void checkGemm(DenseKernels scalar, DenseKernels vector, SplittableRandom random, int m, int k, int n) {
    int lda = k + random.nextInt(3);
    int ldb = n + random.nextInt(3);
    int ldc = n + random.nextInt(3);
    int aOff = random.nextInt(5);
    int bOff = random.nextInt(5);
    int cOff = random.nextInt(5);
    float[] a = uniform(random, aOff + m * lda);
    float[] b = uniform(random, bOff + k * ldb);
    float[] bias = random.nextBoolean() ? uniform(random, n + 2) : null;
    boolean accumulate = random.nextBoolean();
    float[] expected = uniform(random, cOff + m * ldc);
    float[] actual = expected.clone();
    scalar.gemm(a, aOff, lda, m, k, b, bOff, ldb, n, bias, 1, expected, cOff, ldc, accumulate);
    vector.gemm(a, aOff, lda, m, k, b, bOff, ldb, n, bias, 1, actual, cOff, ldc, accumulate);
    assertClose("gemm " + m + "x" + k + "x" + n, expected, actual, TOL, Math.sqrt(k) + 2);
  }

  @Test
  void vectorDotAxpyGemvTransposeMatchScalar() {
    DenseKernels scalar = BackendPair.SCALAR.dense();
    DenseKernels vector = BackendPair.vector().dense();
    SplittableRandom random = new SplittableRandom(2);
    for (int n : TestArrays.AWKWARD) {
      float[] a = uniform(random, n + 3);
      float[] b = uniform(random, n + 3);
      assertClose("dot n=" + n, scalar.dot(a, 1, b, 3, n), vector.dot(a, 1, b, 3, n), TOL, Math.sqrt(n));

      float[] ys = uniform(random, n + 2);
      float[] yv = ys.clone();
      scalar.axpy(0.37f, a, 2, ys, 1, n);
      vector.axpy(0.37f, a, 2, yv, 1, n);
      assertClose("axpy n=" + n, ys, yv, TOL, 1);

      int out = 1 + random.nextInt(9);
      float[] w = uniform(random, out * n + 1);
      float[] gs = new float[out + 1];
      float[] gv = new float[out + 1];
      scalar.gemv(w, 1, out, n, a, 0, gs, 1);
      vector.gemv(w, 1, out, n, a, 0, gv, 1);
      assertClose("gemv n=" + n, gs, gv, TOL, Math.sqrt(n));

      int rows = 1 + random.nextInt(20);
      float[] src = uniform(random, rows * n);
      float[] ts = new float[rows * n];
      float[] tv = new float[rows * n];
      scalar.transpose(src, 0, rows, n, ts, 0);
      vector.transpose(src, 0, rows, n, tv, 0);
      assertThat(tv).containsExactly(ts);
    }
  }

  @Test
  void emptyShapesAreNoOps() {
    float[] c = {5f};
    Dense.gemm(new float[0], 0, 0, 0, 0, new float[0], 0, 0, 0, null, 0, new float[0], 0, 0, false);
    Dense.gemm(new float[0], 0, 0, 1, 0, new float[0], 0, 1, 1, null, 0, c, 0, 1, true);
    assertThat(c).containsExactly(5f);
    assertThat(Dense.dot(new float[0], 0, new float[0], 0, 0)).isZero();
  }

  @Test
  void badArgumentsNameTheArgumentAndTheShapes() {
    PackedLinear layer = Dense.pack(new float[6], null, 2, 3);
    assertThatThrownBy(() -> Dense.linear(new float[5], 0, 2, layer, new float[4], 0, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x needs 6 elements").hasMessageContaining("length is 5");
    assertThatThrownBy(() -> Dense.linear(new float[6], 0, 2, layer, new float[4], 1, false))
        .hasMessageContaining("y needs 4 elements from offset 1");
    assertThatThrownBy(() -> Dense.pack(new float[5], null, 2, 3))
        .hasMessageContaining("weight must have out x in = 2 x 3 = 6 floats, got 5");
    assertThatThrownBy(() -> Dense.pack(new float[6], new float[3], 2, 3))
        .hasMessageContaining("bias must have out = 2 floats, got 3");
    assertThatThrownBy(() -> Dense.pack(new float[6], null, -2, -3)).hasMessageContaining("out must be > 0, got -2");
    assertThatThrownBy(() -> Dense.gemm(new float[4], 0, 1, 2, 2, new float[4], 0, 2, 2, null, 0, new float[4], 0, 2, false))
        .hasMessageContaining("a leading dimension must be >= its column count 2, got 1");
    assertThatThrownBy(() -> Dense.dot(new float[3], -1, new float[3], 0, 2))
        .hasMessageContaining("a offset must be >= 0, got -1");
    assertThatThrownBy(() -> Dense.axpy(1f, new float[3], 0, new float[3], 0, -1))
        .hasMessageContaining("n must be >= 0, got -1");
    float[] same = new float[6];
    assertThatThrownBy(() -> Dense.transpose(same, 0, 2, 3, same, 0)).hasMessageContaining("must not overlap");
  }
}
