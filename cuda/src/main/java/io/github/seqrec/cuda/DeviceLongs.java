package io.github.seqrec.cuda;

/** A device array of {@code long}, owned by this object (see {@link DeviceBuffer}). */
public final class DeviceLongs extends DeviceBuffer {

  DeviceLongs(CudaContext context, long length) {
    super(context, length, 8);
  }

  /** Copies {@code src[srcOff .. srcOff + count)} to elements {@code [dstOff, dstOff + count)}. */
  public void copyFrom(long[] src, int srcOff, long dstOff, int count) {
    copyIn(src, src.length, srcOff, dstOff, count);
  }

  /** Copies all of {@code src} to the start of this buffer. */
  public void copyFrom(long[] src) {
    copyIn(src, src.length, 0, 0, src.length);
  }

  /** Copies elements {@code [srcOff, srcOff + count)} to {@code dst[dstOff ..]}. */
  public void copyTo(long srcOff, long[] dst, int dstOff, int count) {
    copyOut(srcOff, dst, dst.length, dstOff, count);
  }

  /** The whole buffer as a new host array. */
  public long[] toArray() {
    long[] out = new long[hostLength()];
    copyOut(0, out, out.length, 0, out.length);
    return out;
  }

  /** Copies {@code count} elements of another buffer of the same context, device to device. */
  public void copyFrom(DeviceLongs src, long srcOff, long dstOff, long count) {
    copyWithin(src, srcOff, dstOff, count);
  }

  /** Sets every element to zero. */
  public void zero() {
    fillBits(0);
  }
}
