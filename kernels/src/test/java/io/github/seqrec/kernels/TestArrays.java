package io.github.seqrec.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Random inputs and tolerance checks shared by the kernel tests. */
final class TestArrays {
  /** The awkward sizes every differential test walks through. */
  static final int[] AWKWARD = {1, 7, 15, 16, 17, 63, 65, 1000, 4097};
  /** Awkward sizes small enough to be combined three at a time (GEMM m, k, n). */
  static final int[] SMALL_AWKWARD = {1, 7, 15, 16, 17, 63, 65};

  private TestArrays() {}

  static float[] uniform(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }

  static float[] filled(int n, float value) {
    float[] values = new float[n];
    java.util.Arrays.fill(values, value);
    return values;
  }

  /**
   * Each element must satisfy {@code |actual - expected| <= relTol * (|expected| + scale)}.
   * {@code scale} is the magnitude of the terms that were summed (for a k-term dot product of
   * values in [-1, 1], about sqrt(k)): a cancelling sum is judged against the size of what was
   * added, because summation order (FMA, lane-parallel partial sums) changes the last bits of
   * every term, not of the result. NaN never passes unless both are NaN.
   */
  static void assertClose(String what, float[] expected, float[] actual, double relTol, double scale) {
    if (expected.length != actual.length) {
      fail(what + ": length " + actual.length + " != expected " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      assertClose(what + "[" + i + "]", expected[i], actual[i], relTol, scale);
    }
  }

  static void assertClose(String what, double expected, double actual, double relTol, double scale) {
    if (Double.isNaN(expected) && Double.isNaN(actual)) {
      return;
    }
    if (expected == actual) {
      return;
    }
    double err = Math.abs(actual - expected);
    if (!(err <= relTol * (Math.abs(expected) + scale))) {
      fail(what + ": expected " + expected + " but was " + actual + " (error " + err + ", allowed "
          + relTol * (Math.abs(expected) + scale) + ")");
    }
  }
}
