package io.github.seqrec.models.cli;

import java.util.Arrays;

/**
 * Overflow-checked shape arithmetic and named allocations for the kernel adapters: a product of
 * dimensions that does not fit a Java array is a {@link BadInputException} naming the tensor and its
 * dimensions (never a wrapped-around negative size), and an allocation the heap cannot hold is an
 * {@link OutOfMemoryError} naming the tensor and its bytes, which the CLI reports on one line.
 */
final class Shapes {
  /** The longest array the JVM allocates on every collector (a few header words below 2^31). */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private Shapes() {}

  /** The number of elements of {@code dims}, which must fit a Java array. */
  static int elements(String tensor, int... dims) {
    long n = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new BadInputException("tensor '" + tensor + "' would have a negative dimension " + Arrays.toString(dims));
      }
      n = multiply(tensor, dims, n, d);
    }
    if (n > MAX_ELEMENTS) {
      throw tooMany(tensor, dims, Long.toString(n));
    }
    return (int) n;
  }

  /** {@code a * b} as an int dimension (a width such as {@code heads * dv}), or a named error. */
  static int product(String what, int a, int b) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw new BadInputException(what + " = " + a + " x " + b + " overflows a 32-bit size");
    }
  }

  static float[] floats(String tensor, int... dims) {
    int n = elements(tensor, dims);
    try {
      return new float[n];
    } catch (OutOfMemoryError e) {
      throw tooLarge(tensor, "F32", dims, 4L * n, e);
    }
  }

  static int[] ints(String tensor, int... dims) {
    int n = elements(tensor, dims);
    try {
      return new int[n];
    } catch (OutOfMemoryError e) {
      throw tooLarge(tensor, "I32", dims, 4L * n, e);
    }
  }

  static long[] longs(String tensor, int... dims) {
    int n = elements(tensor, dims);
    try {
      return new long[n];
    } catch (OutOfMemoryError e) {
      throw tooLarge(tensor, "I64", dims, 8L * n, e);
    }
  }

  /** A kernel's float scratch of {@code size} elements (sizes come from the kernels' checked *ScratchSize). */
  static float[] scratch(String kernel, int size) {
    return floats(kernel + " scratch", size);
  }

  /** A kernel's int scratch. */
  static int[] intScratch(String kernel, int size) {
    return ints(kernel + " scratch", size);
  }

  private static long multiply(String tensor, int[] dims, long n, int d) {
    try {
      return Math.multiplyExact(n, d);
    } catch (ArithmeticException e) {
      throw tooMany(tensor, dims, "more than 2^63");
    }
  }

  private static BadInputException tooMany(String tensor, int[] dims, String count) {
    return new BadInputException("tensor '" + tensor + "' of shape " + Arrays.toString(dims) + " would hold " + count
        + " elements, more than a Java array holds (" + MAX_ELEMENTS + ")");
  }

  private static OutOfMemoryError tooLarge(String tensor, String dtype, int[] dims, long bytes, OutOfMemoryError cause) {
    OutOfMemoryError e = new OutOfMemoryError("tensor '" + tensor + "' " + dtype + Arrays.toString(dims) + " needs "
        + bytes + " bytes, more than the heap has free (max heap " + Runtime.getRuntime().maxMemory() + " bytes)");
    e.initCause(cause);
    return e;
  }
}
