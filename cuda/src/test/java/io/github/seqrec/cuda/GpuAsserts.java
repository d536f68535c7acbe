package io.github.seqrec.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Random inputs, NaN poisoning and tolerance checks for the GPU-vs-scalar comparisons. */
final class GpuAsserts {
  private GpuAsserts() {}

  /** Relative tolerance of every float comparison against the scalar definition. */
  static final double REL_TOL = 1e-4;

  static float[] uniform(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }

  static float[] nans(int n) {
    float[] values = new float[n];
    Arrays.fill(values, Float.NaN);
    return values;
  }

  /** A device buffer of n floats, every one NaN: outputs are poisoned before each run. */
  static DeviceFloats poisoned(CudaContext ctx, long n) {
    DeviceFloats d = ctx.allocFloats(n);
    d.fill(Float.NaN);
    return d;
  }

  static DeviceInts poisonedInts(CudaContext ctx, long n) {
    DeviceInts d = ctx.allocInts(n);
    d.fill(0x7fc0_0000);
    return d;
  }

  /**
   * Each element must satisfy {@code |actual - expected| <= relTol (|expected| + scale)}; scale is
   * the magnitude of the summed terms (a cancelling sum is judged against what was added, since
   * summation order changes the last bits of every term). NaN never passes unless both are NaN.
   * Returns the largest {@code |actual - expected| / (|expected| + scale)}.
   */
  static double assertClose(String what, float[] expected, float[] actual, double relTol, double scale) {
    if (expected.length != actual.length) {
      fail(what + ": length " + actual.length + " != expected " + expected.length);
    }
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (Double.isNaN(e) && Double.isNaN(a) || e == a) {
        continue;
      }
      double err = Math.abs(a - e) / (Math.abs(e) + scale);
      if (!(err <= relTol)) {
        fail(what + "[" + i + "]: expected " + e + " but was " + a + " (relative error " + err + ", allowed " + relTol
            + ", scale " + scale + ")");
      }
      worst = Math.max(worst, err);
    }
    return worst;
  }

  static void assertEqual(String what, int[] expected, int[] actual) {
    if (!Arrays.equals(expected, actual)) {
      for (int i = 0; i < Math.min(expected.length, actual.length); i++) {
        if (expected[i] != actual[i]) {
          fail(what + "[" + i + "]: expected " + expected[i] + " but was " + actual[i]);
        }
      }
      fail(what + ": length " + actual.length + " != expected " + expected.length);
    }
  }
}
