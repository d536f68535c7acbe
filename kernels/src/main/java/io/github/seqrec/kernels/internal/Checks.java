package io.github.seqrec.kernels.internal;

/**
 * Argument validation shared by every facade. Each failure is an {@link IllegalArgumentException}
 * naming the argument and saying what was expected and what came. Kernels themselves do not
 * re-check: the facade validates once at the boundary.
 */
public final class Checks {
  private Checks() {}

  public static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }

  public static void nonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
  }

  public static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
    }
  }

  public static void inRange(String name, int value, int minInclusive, int maxInclusive) {
    if (value < minInclusive || value > maxInclusive) {
      throw new IllegalArgumentException(
          name + " must be in [" + minInclusive + ", " + maxInclusive + "], got " + value);
    }
  }

  public static void finite(String name, float value) {
    if (!Float.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be finite, got " + value);
    }
  }

  public static void notNull(String name, Object value) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
  }

  /** {@code array[offset .. offset + length)} must lie inside the array. */
  public static void region(String name, float[] array, int offset, long length) {
    notNull(name, array);
    region(name, array.length, offset, length);
  }

  public static void region(String name, int[] array, int offset, long length) {
    notNull(name, array);
    region(name, array.length, offset, length);
  }

  public static void region(String name, long[] array, int offset, long length) {
    notNull(name, array);
    region(name, array.length, offset, length);
  }

  public static void region(String name, boolean[] array, int offset, long length) {
    notNull(name, array);
    region(name, array.length, offset, length);
  }

  /**
   * A row-major matrix of {@code rows x cols} with leading dimension {@code ld} (distance between
   * row starts) must lie inside the array.
   */
  public static void matrix(String name, float[] array, int offset, int rows, int cols, int ld) {
    if (rows < 0 || cols < 0) { // names built only on failure: the good path must not allocate
      nonNegative(name + " rows", rows);
      nonNegative(name + " cols", cols);
    }
    if (ld < cols) {
      throw new IllegalArgumentException(
          name + " leading dimension must be >= its column count " + cols + ", got " + ld);
    }
    long needed = rows == 0 ? 0 : (long) (rows - 1) * ld + cols;
    region(name, array, offset, needed);
  }

  private static void region(String name, int arrayLength, int offset, long length) {
    if (offset < 0) {
      throw new IllegalArgumentException(name + " offset must be >= 0, got " + offset);
    }
    if (length < 0) {
      throw new IllegalArgumentException(name + " length must be >= 0, got " + length);
    }
    if (offset + length > arrayLength) {
      throw new IllegalArgumentException(name + " needs " + length + " elements from offset " + offset
          + " (up to index " + (offset + length) + "), but its length is " + arrayLength);
    }
  }
}
