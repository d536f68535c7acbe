package io.github.seqrec.models.golden;

import io.github.seqrec.models.tensors.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * How a computed output is judged against a PyTorch golden {@code expected.<name>} tensor.
 *
 * <p>float32: element {@code i} passes when {@code |a_i - e_i| <= rtol * (|e_i| + s) + atol} with
 * {@code s = max(0.1 * rms(e), 1e-6)}. The scale {@code s} is there because float32 sums cancel:
 * an output that is near zero while its summands are of order one carries an absolute error of
 * the summands' size, so near-zero elements are judged relative to the tensor's typical
 * magnitude (a tenth of its root mean square) instead of to themselves. {@code rtol} defaults to
 * {@value #DEFAULT_RTOL} (DESIGN.md); a golden file may set {@code rtol} (e.g. 1e-3 for long
 * recurrences) and {@code atol} (default 0) in its metadata. NaN never passes; an infinite
 * expected value passes only when matched exactly. The reported error of an element is {@code
 * |a_i - e_i| / (|e_i| + s)}.
 *
 * <p>Integers (I64 and I32 interchangeably) and booleans must match exactly. Shapes must be equal.
 */
public final class GoldenComparison {
  /** Default relative tolerance per element. */
  public static final double DEFAULT_RTOL = 1e-4;

  /** Fraction of the expected tensor's root mean square used as the scale of near-zero elements. */
  public static final double RMS_FRACTION = 0.1;

  /** Smallest scale, for tensors that are (nearly) all zero. */
  public static final double SCALE_FLOOR = 1e-6;

  private GoldenComparison() {}

  /** Per-file tolerance: {@code rtol} and {@code atol} from the metadata, else the defaults. */
  public record Tolerance(double rtol, double atol) {
    public static final Tolerance DEFAULT = new Tolerance(DEFAULT_RTOL, 0);

    public static Tolerance from(Map<String, String> metadata) {
      return new Tolerance(number(metadata, "rtol", DEFAULT_RTOL), number(metadata, "atol", 0));
    }

    private static double number(Map<String, String> metadata, String key, double fallback) {
      String raw = metadata.get(key);
      if (raw == null) {
        return fallback;
      }
      try {
        double v = Double.parseDouble(raw.trim());
        if (!(v >= 0) || Double.isInfinite(v)) {
          throw new NumberFormatException();
        }
        return v;
      } catch (NumberFormatException e) {
        throw new AssertionError("metadata '" + key + "' must be a finite number >= 0, got '" + raw + "'");
      }
    }
  }

  /** Outcome for one output: its worst error (0 for integer outputs) and where. */
  public record Result(String output, long elements, double worstError, long worstIndex) {}

  /**
   * Compares one output; throws an {@link AssertionError} naming {@code where}, the output, how
   * many elements are off, and the worst one (index, coordinates, values, error).
   */
  public static Result compare(String where, String output, Tensor expected, Tensor actual, Tolerance tol) {
    String label = where + ": output '" + output + "'";
    if (actual == null) {
      throw new AssertionError(label + " was not produced");
    }
    if (!Arrays.equals(expected.shape(), actual.shape())) {
      throw new AssertionError(label + " has shape " + Arrays.toString(actual.shape()) + ", expected "
          + Arrays.toString(expected.shape()));
    }
    return switch (expected) {
      case Tensor.F32 e -> {
        if (!(actual instanceof Tensor.F32 a)) {
          throw new AssertionError(label + " is " + actual.describe() + ", expected " + expected.describe());
        }
        yield compareFloats(label, output, e, a, tol);
      }
      case Tensor.I64 e -> compareIntegers(label, output, e.shape(), toLongs(e), integersOf(label, actual, expected));
      case Tensor.I32 e -> compareIntegers(label, output, e.shape(), toLongs(e), integersOf(label, actual, expected));
      case Tensor.Bool e -> {
        if (!(actual instanceof Tensor.Bool a)) {
          throw new AssertionError(label + " is " + actual.describe() + ", expected " + expected.describe());
        }
        long[] ev = new long[e.data().length];
        long[] av = new long[ev.length];
        for (int i = 0; i < ev.length; i++) {
          ev[i] = e.data()[i] ? 1 : 0;
          av[i] = a.data()[i] ? 1 : 0;
        }
        yield compareIntegers(label, output, e.shape(), ev, av);
      }
    };
  }

  /** The scale {@code s} of near-zero elements for an expected tensor. */
  public static double scale(float[] expected) {
    double sum = 0;
    long n = 0;
    for (float v : expected) {
      if (Float.isFinite(v)) {
        sum += (double) v * v;
        n++;
      }
    }
    double rms = n == 0 ? 0 : Math.sqrt(sum / n);
    return Math.max(RMS_FRACTION * rms, SCALE_FLOOR);
  }

  private static Result compareFloats(String label, String output, Tensor.F32 expected, Tensor.F32 actual,
      Tolerance tol) {
    float[] e = expected.data();
    float[] a = actual.data();
    double s = scale(e);
    double worst = 0;
    long worstIndex = -1;
    long failures = 0;
    long firstFailure = -1;
    double failureError = 0;
    for (int i = 0; i < e.length; i++) {
      double ev = e[i];
      double av = a[i];
      double err;
      boolean pass;
      if (Double.isNaN(ev) || Double.isNaN(av)) {
        err = Double.NaN;
        pass = false;
      } else if (Double.isInfinite(ev) || Double.isInfinite(av)) {
        pass = ev == av;
        err = pass ? 0 : Double.POSITIVE_INFINITY;
      } else {
        double diff = Math.abs(av - ev);
        err = diff / (Math.abs(ev) + s);
        pass = diff <= tol.rtol() * (Math.abs(ev) + s) + tol.atol();
      }
      if (!pass) {
        failures++;
        double severity = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
        if (firstFailure < 0 || severity > failureError) {
          firstFailure = i;
          failureError = severity;
        }
      } else if (err > worst) {
        worst = err;
        worstIndex = i;
      }
    }
    if (failures > 0) {
      int i = (int) firstFailure;
      String error = Float.isNaN(a[i]) || Float.isNaN(e[i]) ? "NaN" : String.format("%.3g", failureError);
      throw new AssertionError(String.format(
          "%s: %d of %d elements off; worst at index %d %s: got %s, expected %s, error %s > rtol %.3g"
              + " (scale %.3g, atol %.3g)%s",
          label, failures, e.length, i, coordinates(expected.shape(), i), a[i], e[i], error, tol.rtol(), s,
          tol.atol(), Float.isNaN(e[i]) ? " [a golden must not hold NaN]" : ""));
    }
    return new Result(output, e.length, worst, worstIndex);
  }

  private static Result compareIntegers(String label, String output, int[] shape, long[] e, long[] a) {
    long failures = 0;
    int first = -1;
    for (int i = 0; i < e.length; i++) {
      if (e[i] != a[i]) {
        failures++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (failures > 0) {
      throw new AssertionError(label + ": " + failures + " of " + e.length + " values differ; first at index " + first
          + " " + coordinates(shape, first) + ": got " + a[first] + ", expected " + e[first]);
    }
    return new Result(output, e.length, 0, -1);
  }

  private static long[] integersOf(String label, Tensor actual, Tensor expected) {
    return switch (actual) {
      case Tensor.I64 l -> l.data().clone();
      case Tensor.I32 i -> toLongs(i);
      default -> throw new AssertionError(label + " is " + actual.describe() + ", expected " + expected.describe());
    };
  }

  private static long[] toLongs(Tensor t) {
    return switch (t) {
      case Tensor.I64 l -> l.data();
      case Tensor.I32 i -> {
        long[] out = new long[i.data().length];
        for (int k = 0; k < out.length; k++) {
          out[k] = i.data()[k];
        }
        yield out;
      }
      default -> throw new IllegalArgumentException(t.describe());
    };
  }

  /** Row-major coordinates of a flat index, e.g. {@code [3, 17]}. */
  static String coordinates(int[] shape, long flat) {
    long[] coords = new long[shape.length];
    long rest = flat;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] > 0) {
        coords[d] = rest % shape[d];
        rest /= shape[d];
      }
    }
    return Arrays.toString(coords);
  }
}
