package io.github.seqrec.cuda;

/**
 * Argument validation for the GPU facades, in the wording of the CPU facades' checks
 * ({@code io.github.seqrec.kernels.internal.Checks}): each failure is an
 * {@link IllegalArgumentException} naming the argument with the expected and the actual value.
 * Everything is checked before any driver call.
 */
final class DeviceChecks {
  private DeviceChecks() {}

  static void notNull(String name, Object value) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
  }

  static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }

  static void nonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
  }

  static void inRange(String name, long value, long minInclusive, long maxInclusive) {
    if (value < minInclusive || value > maxInclusive) {
      throw new IllegalArgumentException(name + " must be in [" + minInclusive + ", " + maxInclusive + "], got " + value);
    }
  }

  /** A limit of the GPU implementation that the CPU kernels do not have. */
  static void gpuLimit(String name, long value, long max, String why) {
    if (value > max) {
      throw new IllegalArgumentException(name + " must be <= " + max + " on the GPU (" + why + "), got " + value);
    }
  }

  static void finite(String name, float value) {
    if (!Float.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be finite, got " + value);
    }
  }

  /** {@code buffer[offset .. offset + length)} must exist, in an open buffer. */
  static void region(String name, DeviceBuffer buffer, long offset, long length) {
    notNull(name, buffer);
    if (buffer.isClosed()) {
      throw new IllegalArgumentException(name + " is closed");
    }
    buffer.checkRegion(name, offset, length);
  }

  /** A row-major {@code rows x cols} matrix with leading dimension {@code ld} at {@code offset}. */
  static void matrix(String name, DeviceBuffer buffer, long offset, long rows, long cols, long ld) {
    nonNegative(name + " rows", rows);
    nonNegative(name + " cols", cols);
    if (ld < cols) {
      throw new IllegalArgumentException(name + " leading dimension must be >= its column count " + cols + ", got " + ld);
    }
    long needed = rows == 0 ? 0 : (rows - 1) * ld + cols;
    region(name, buffer, offset, needed);
  }

  /** The context of the first non-null buffer (not validated: the checks that follow do that), or null. */
  static CudaContext contextOf(DeviceBuffer... buffers) {
    for (DeviceBuffer b : buffers) {
      if (b != null) {
        return b.context();
      }
    }
    return null;
  }

  /**
   * Runs a call's validation and launch holding {@code ctx}'s lock, so that no buffer it checked
   * can be closed (and its memory freed) before the kernel that reads it has finished; without a
   * context (every buffer null) the validation alone runs and rejects the call.
   */
  static <T> T locked(CudaContext ctx, java.util.function.Supplier<T> body) {
    return ctx == null ? body.get() : ctx.locked(body);
  }

  /** Every buffer must belong to one context; returns it. */
  static CudaContext sameContext(DeviceBuffer first, DeviceBuffer... others) {
    CudaContext ctx = first.context();
    for (DeviceBuffer b : others) {
      if (b != null && b.context() != ctx) {
        throw new IllegalArgumentException("all buffers of one call must belong to the same CudaContext");
      }
    }
    return ctx;
  }

  /** Two regions of one buffer must not overlap (an output read while written). */
  static void disjoint(String a, DeviceBuffer bufA, long offA, long lenA, String b, DeviceBuffer bufB, long offB,
                       long lenB) {
    if (bufA != null && bufA == bufB && lenA > 0 && lenB > 0 && offA < offB + lenB && offB < offA + lenA) {
      throw new IllegalArgumentException(a + " must not overlap " + b);
    }
  }
}
