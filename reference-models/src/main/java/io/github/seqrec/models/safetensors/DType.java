package io.github.seqrec.models.safetensors;

import java.util.Optional;

/**
 * The safetensors element types seqrec reads. All data is little-endian. {@link
 * SafeTensors#toTensor(String)} widens F16, BF16 and F64 to float32 and U8 to int32.
 */
public enum DType {
  /** IEEE 754 binary32. */
  F32(4, true),
  /** IEEE 754 binary16 (half precision). */
  F16(2, true),
  /** bfloat16: the upper 16 bits of a binary32. */
  BF16(2, true),
  /** IEEE 754 binary64. */
  F64(8, true),
  /** Signed 64-bit integer. */
  I64(8, false),
  /** Signed 32-bit integer. */
  I32(4, false),
  /** Unsigned 8-bit integer. */
  U8(1, false),
  /** One byte per element, 0 false and anything else true (as NumPy and PyTorch read it). */
  BOOL(1, false);

  private final int byteSize;
  private final boolean floatingPoint;

  DType(int byteSize, boolean floatingPoint) {
    this.byteSize = byteSize;
    this.floatingPoint = floatingPoint;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** True for F32, F16, BF16 and F64. */
  public boolean isFloatingPoint() {
    return floatingPoint;
  }

  /** The dtype spelled exactly as in a safetensors header ({@code "F32"}), or empty. */
  public static Optional<DType> fromHeaderName(String name) {
    for (DType t : values()) {
      if (t.name().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
