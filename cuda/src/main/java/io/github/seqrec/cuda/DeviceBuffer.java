package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver;

/**
 * A block of device memory of {@link #length()} elements, owned by this object: {@link #close()}
 * frees it (closing twice is harmless; closing the {@link CudaContext} frees every buffer still
 * open). Kernels take buffers plus element offsets, like the CPU facades take arrays plus
 * offsets. Not thread-safe by itself; the context serialises the driver calls.
 */
public abstract sealed class DeviceBuffer implements AutoCloseable permits DeviceFloats, DeviceInts, DeviceLongs {
  private final CudaContext context;
  private final Driver.Memory memory;
  private final long length;
  private final int elementBytes;
  private boolean closed;

  DeviceBuffer(CudaContext context, long length, int elementBytes) {
    this.context = context;
    this.length = length;
    this.elementBytes = elementBytes;
    this.memory = context.allocate(this, length * elementBytes);
  }

  /** Number of elements. */
  public final long length() {
    return length;
  }

  /** The context that owns the memory. */
  public final CudaContext context() {
    return context;
  }

  public final boolean isClosed() {
    return context.isClosed(this);
  }

  /** Frees the device memory (under the context's lock: never while a call that validated this buffer runs). */
  @Override
  public final void close() {
    context.release(this, memory);
  }

  /** Called by the context, holding its lock, when it closes or releases this buffer. */
  final void markClosed() {
    closed = true;
  }

  /** The flag itself; read by the context holding its lock. */
  final boolean closedFlag() {
    return closed;
  }

  final Driver.Memory memory() {
    if (isClosed()) {
      throw new IllegalStateException(getClass().getSimpleName() + " of " + length + " elements is closed");
    }
    return memory;
  }

  /** The memory even when closed (the context frees it on close). */
  final Driver.Memory memoryUnchecked() {
    return memory;
  }

  /** The device address of element {@code offset}, as a kernel argument. */
  final Driver.Arg.Ptr at(long offset) {
    return new Driver.Arg.Ptr(memory(), offset * elementBytes);
  }

  final int elementBytes() {
    return elementBytes;
  }

  /** {@code [offset, offset + count)} must lie inside this buffer. */
  final void checkRegion(String name, long offset, long count) {
    if (offset < 0) {
      throw new IllegalArgumentException(name + " offset must be >= 0, got " + offset);
    }
    if (count < 0) {
      throw new IllegalArgumentException(name + " length must be >= 0, got " + count);
    }
    if (offset + count > length) {
      throw new IllegalArgumentException(name + " needs " + count + " elements from offset " + offset
          + " (up to index " + (offset + count) + "), but its length is " + length);
    }
  }

  static void checkHost(String name, int arrayLength, int offset, long count) {
    if (offset < 0) {
      throw new IllegalArgumentException(name + " offset must be >= 0, got " + offset);
    }
    if (count < 0) {
      throw new IllegalArgumentException(name + " count must be >= 0, got " + count);
    }
    if (offset + count > arrayLength) {
      throw new IllegalArgumentException(name + " needs " + count + " elements from offset " + offset
          + ", but its length is " + arrayLength);
    }
  }

  final void copyIn(Object host, int hostLength, int srcOff, long dstOff, int count) {
    checkHost("source", hostLength, srcOff, count);
    checkRegion("destination", dstOff, count);
    context.copyToDevice(memory(), dstOff * elementBytes, host, (long) srcOff * elementBytes, (long) count * elementBytes);
  }

  final void copyOut(long srcOff, Object host, int hostLength, int dstOff, int count) {
    checkRegion("source", srcOff, count);
    checkHost("destination", hostLength, dstOff, count);
    context.copyToHost(host, (long) dstOff * elementBytes, memory(), srcOff * elementBytes, (long) count * elementBytes);
  }

  final void copyWithin(DeviceBuffer src, long srcOff, long dstOff, long count) {
    if (src.context != context) {
      throw new IllegalArgumentException("source belongs to another CudaContext");
    }
    src.checkRegion("source", srcOff, count);
    checkRegion("destination", dstOff, count);
    context.copyDeviceToDevice(memory(), dstOff * elementBytes, src.memory(), srcOff * elementBytes,
        count * elementBytes);
  }

  final void fillBits(int bits32) {
    context.fill32(memory(), 0, bits32, length * elementBytes / 4);
  }

  final int hostLength() {
    if (length > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("buffer of " + length + " elements does not fit one Java array");
    }
    return (int) length;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + length + (isClosed() ? ", closed]" : "]");
  }
}
