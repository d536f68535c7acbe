package io.github.seqrec.kernels;

import static io.github.seqrec.kernels.TestArrays.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.seqrec.kernels.internal.NormalizationKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Normalization: hand-checked values, vector against scalar, bad arguments.
 *
 * <p>Layer norm and batch norm outputs are {@code (x - mean) * scale}, a difference: the vector
 * backend's float row mean (lane-parallel sum) differs from the scalar double mean in the last
 * bits, which moves every output by about 1e-7 absolutely. They are therefore compared with
 * relative tolerance 1e-5 against {@code |expected| + 1} (the outputs are of order 1). L2
 * normalization has no difference and is compared purely relatively.
 */
class NormalizationTest {
  private static final double TOL = 1e-5;
  private static final int[] ROWS = {0, 1, 3, 33};

  @Test
  void layerNormByHand() {
    // mean 2.5, biased var 1.25
    float[] x = {1, 2, 3, 4};
    float[] y = new float[4];
    Normalization.layerNorm(x, 0, y, 0, 1, 4, null, null, 1e-5f);
    double s = Math.sqrt(1.25 + 1e-5);
    for (int j = 0; j < 4; j++) {
      assertThat((double) y[j]).isCloseTo((x[j] - 2.5) / s, within(1e-6));
    }
    float[] gamma = {2f, 1f, 0.5f, -1f};
    float[] beta = {0f, 1f, 2f, 3f};
    Normalization.layerNorm(x, 0, y, 0, 1, 4, gamma, beta, 1e-5f);
    for (int j = 0; j < 4; j++) {
      assertThat((double) y[j]).isCloseTo((x[j] - 2.5) / s * gamma[j] + beta[j], within(1e-6));
    }
    // A constant row normalizes to beta (zero deviation), d = 1 too.
    Normalization.layerNorm(new float[] {7, 7, 7, 7}, 0, y, 0, 1, 4, null, beta, 1e-5f);
    assertThat(y).containsExactly(beta);
    float[] one = new float[1];
    Normalization.layerNorm(new float[] {42f}, 0, one, 0, 1, 1, null, null, 1e-6f);
    assertThat(one).containsExactly(0f);
  }

  @Test
  void batchNormByHand() {
    // 2 rows x 2 channels
    float[] x = {1f, 2f, 3f, -4f};
    float[] mean = {1f, -1f};
    float[] var = {4f, 0.25f};
    float[] gamma = {2f, 3f};
    float[] beta = {0.5f, -0.5f};
    float[] y = new float[4];
    Normalization.batchNorm(x, 0, y, 0, 2, 2, mean, var, gamma, beta, 1e-5f);
    double e = 1e-5;
    assertThat((double) y[0]).isCloseTo(0.5, within(1e-6));
    assertThat((double) y[1]).isCloseTo(3 * 3 / Math.sqrt(0.25 + e) - 0.5, within(1e-5));
    assertThat((double) y[2]).isCloseTo(2 * 2 / Math.sqrt(4 + e) + 0.5, within(1e-6));
    assertThat((double) y[3]).isCloseTo(3 * -3 / Math.sqrt(0.25 + e) - 0.5, within(1e-5));
    Normalization.batchNorm(x, 0, y, 0, 2, 2, mean, var, null, null, 1e-5f);
    assertThat((double) y[1]).isCloseTo(3 / Math.sqrt(0.25 + e), within(1e-5));
  }

  @Test
  void l2NormalizeByHand() {
    float[] y = new float[6];
    Normalization.l2Normalize(new float[] {3, 4, 0, 0, 0, 0}, 0, y, 0, 3, 2, 1e-12f);
    assertThat(y[0]).isCloseTo(0.6f, within(1e-7f));
    assertThat(y[1]).isCloseTo(0.8f, within(1e-7f));
    assertThat(new float[] {y[2], y[3], y[4], y[5]}).containsOnly(0f); // zero rows stay zero, no NaN
    // A norm below eps divides by eps: F.normalize's clamp_min.
    Normalization.l2Normalize(new float[] {3e-7f, 4e-7f}, 0, y, 0, 1, 2, 1e-6f);
    assertThat(y[0]).isCloseTo(0.3f, within(1e-6f));
  }

  @Test
  void emptyBlocksAreNoOps() {
    float[] y = {5f};
    Normalization.layerNorm(new float[0], 0, y, 0, 0, 8, null, null, 1e-5f);
    Normalization.batchNorm(new float[0], 0, y, 0, 0, 1, new float[1], new float[1], null, null, 1e-5f);
    Normalization.l2Normalize(new float[0], 0, y, 0, 0, 3, 1e-12f);
    assertThat(y).containsExactly(5f);
  }

  @Test
  void vectorMatchesScalar() {
    NormalizationKernels scalar = BackendPair.SCALAR.normalization();
    NormalizationKernels vector = BackendPair.vector().normalization();
    SplittableRandom random = new SplittableRandom(21);
    for (int rows : ROWS) {
      for (int d : TestArrays.AWKWARD) {
        int xOff = random.nextInt(4);
        int yOff = random.nextInt(4);
        float[] x = TestArrays.uniform(random, xOff + rows * d);
        for (int i = 0; i < x.length; i++) {
          x[i] = x[i] * 3 + 0.5f; // a mean away from zero, as real activations have
        }
        float[] gamma = TestArrays.uniform(random, d);
        float[] beta = TestArrays.uniform(random, d);
        float[] mean = TestArrays.uniform(random, d);
        float[] var = new float[d];
        for (int j = 0; j < d; j++) {
          var[j] = (float) (0.01 + 3 * random.nextDouble());
        }
        boolean affine = random.nextBoolean();
        String what = " rows=" + rows + " d=" + d + " affine=" + affine;

        float[] expected = TestArrays.filled(yOff + rows * d + 2, -5f);
        float[] actual = expected.clone();
        scalar.layerNorm(x, xOff, expected, yOff, rows, d, affine ? gamma : null, affine ? beta : null, 1e-5f);
        vector.layerNorm(x, xOff, actual, yOff, rows, d, affine ? gamma : null, affine ? beta : null, 1e-5f);
        assertClose("layerNorm" + what, expected, actual, TOL, 1);
        float[] inPlace = x.clone();
        vector.layerNorm(inPlace, xOff, inPlace, xOff, rows, d, affine ? gamma : null, affine ? beta : null, 1e-5f);
        assertClose("layerNorm in place" + what, java.util.Arrays.copyOfRange(actual, yOff, yOff + rows * d),
            java.util.Arrays.copyOfRange(inPlace, xOff, xOff + rows * d), 0, 0);

        scalar.batchNorm(x, xOff, expected, yOff, rows, d, mean, var, affine ? gamma : null, affine ? beta : null, 1e-3f);
        vector.batchNorm(x, xOff, actual, yOff, rows, d, mean, var, affine ? gamma : null, affine ? beta : null, 1e-3f);
        assertClose("batchNorm" + what, expected, actual, TOL, 1);

        scalar.l2Normalize(x, xOff, expected, yOff, rows, d, 1e-12f);
        vector.l2Normalize(x, xOff, actual, yOff, rows, d, 1e-12f);
        assertClose("l2Normalize" + what, expected, actual, TOL, 1e-30);
      }
    }
  }

  @Test
  void layerNormOfRowsWhoseMeanDwarfsTheirSpread() {
    NormalizationKernels scalar = BackendPair.SCALAR.normalization();
    var vector = io.github.seqrec.kernels.internal.KernelProvider.vectorIfAvailable();
    SplittableRandom random = new SplittableRandom(22);
    for (double[] meanStd : new double[][] {{1000, 0.01}, {1e4, 1e-2}, {-3e4, 0.5}, {5, 1e-4}, {10, 0.01}}) {
      int d = 65;
      float[] x = new float[3 * d];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (meanStd[0] + meanStd[1] * random.nextGaussian());
      }
      float[] expected = new float[x.length];
      scalar.layerNorm(x, 0, expected, 0, 3, d, null, null, 1e-12f);
      double rms = 0;
      for (float e : expected) {
        rms += e * e;
      }
      assertThat(Math.sqrt(rms / expected.length)).as("scalar output is normalized").isCloseTo(1.0, within(1e-3));
      if (vector.isPresent()) {
        float[] actual = new float[x.length];
        vector.get().normalization().layerNorm(x, 0, actual, 0, 3, d, null, null, 1e-12f);
        assertClose("layerNorm mean " + meanStd[0] + " std " + meanStd[1], expected, actual, TOL, 1);
      }
    }
  }

  @Test
  void badArgumentsAreNamed() {
    float[] x = new float[12];
    assertThatThrownBy(() -> Normalization.layerNorm(x, 0, new float[12], 0, 3, 0, null, null, 1e-5f))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("d must be > 0, got 0");
    assertThatThrownBy(() -> Normalization.layerNorm(x, 0, new float[12], 0, -1, 4, null, null, 1e-5f))
        .hasMessageContaining("rows must be >= 0, got -1");
    assertThatThrownBy(() -> Normalization.layerNorm(x, 1, new float[12], 0, 3, 4, null, null, 1e-5f))
        .hasMessageContaining("x needs 12 elements from offset 1");
    assertThatThrownBy(() -> Normalization.layerNorm(x, 0, new float[12], 0, 3, 4, new float[3], null, 1e-5f))
        .hasMessageContaining("gamma must have one value per channel (4), got 3");
    assertThatThrownBy(() -> Normalization.layerNorm(x, 0, new float[12], 0, 3, 4, null, null, -1f))
        .hasMessageContaining("eps must be finite and > 0, got -1.0");
    assertThatThrownBy(() -> Normalization.layerNorm(x, 0, x, 4, 2, 4, null, null, 1e-5f))
        .hasMessageContaining("must be x at the same offset");
    assertThatThrownBy(() -> Normalization.batchNorm(x, 0, new float[12], 0, 3, 4, null, new float[4], null, null, 1e-5f))
        .hasMessageContaining("mean must not be null");
    assertThatThrownBy(() -> Normalization.batchNorm(x, 0, new float[12], 0, 3, 4, new float[4], new float[4], null,
        new float[2], 1e-5f)).hasMessageContaining("beta must have one value per channel (4), got 2");
    assertThatThrownBy(() -> Normalization.l2Normalize(x, 0, new float[11], 0, 3, 4, Float.POSITIVE_INFINITY))
        .hasMessageContaining("y needs 12 elements");
    assertThatThrownBy(() -> Normalization.l2Normalize(x, 0, new float[12], 0, 3, 4, Float.NaN))
        .hasMessageContaining("eps must be finite and > 0, got NaN");
  }
}
