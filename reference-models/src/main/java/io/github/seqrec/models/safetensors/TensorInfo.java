package io.github.seqrec.models.safetensors;

import java.util.Arrays;

/**
 * One tensor's header entry, validated: its name, dtype, shape (outermost first, {@code []} for a
 * scalar), and where its bytes lie relative to the start of the data section.
 *
 * @param name the tensor's name (for PyTorch weights, the {@code state_dict} key)
 * @param dtype the element type
 * @param shape dimensions, each {@code >= 0}; the record copies it in and out
 * @param dataOffset byte offset of the first element from the start of the data section
 * @param byteSize bytes the tensor occupies: elements times {@link DType#byteSize()}
 */
public record TensorInfo(String name, DType dtype, int[] shape, long dataOffset, long byteSize) {
  public TensorInfo {
    shape = shape.clone();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Number of elements: the product of the shape (1 for a scalar). */
  public long elementCount() {
    return byteSize / dtype.byteSize();
  }

  /** {@code "F32[2, 3]"}, for messages. */
  public String describe() {
    return dtype + Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
        && dataOffset == t.dataOffset && byteSize == t.byteSize;
  }

  @Override
  public int hashCode() {
    return (name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + ": " + describe() + " @" + dataOffset + "+" + byteSize;
  }
}
