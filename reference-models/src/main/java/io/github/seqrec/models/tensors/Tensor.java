package io.github.seqrec.models.tensors;

import java.util.Arrays;

/**
 * An in-memory tensor: a dtype, a shape and a row-major Java array. The value type the safetensors
 * reader and writer, the CLI and the golden tests exchange. Arrays are not copied: treat a tensor
 * as owned by whoever made it.
 */
public sealed interface Tensor permits Tensor.F32, Tensor.I64, Tensor.I32, Tensor.Bool {

  /** Dimensions, outermost first; {@code []} is a scalar. */
  int[] shape();

  /** The safetensors dtype name: F32, I64, I32 or BOOL. */
  String dtype();

  /** Number of elements: the product of the shape. */
  default long size() {
    long n = 1;
    for (int d : shape()) {
      n *= d;
    }
    return n;
  }

  /** {@code "F32[2, 3]"}, for messages. */
  default String describe() {
    return dtype() + Arrays.toString(shape());
  }

  record F32(int[] shape, float[] data) implements Tensor {
    public F32 {
      check(shape, data.length);
    }

    @Override
    public String dtype() {
      return "F32";
    }
  }

  record I64(int[] shape, long[] data) implements Tensor {
    public I64 {
      check(shape, data.length);
    }

    @Override
    public String dtype() {
      return "I64";
    }
  }

  record I32(int[] shape, int[] data) implements Tensor {
    public I32 {
      check(shape, data.length);
    }

    @Override
    public String dtype() {
      return "I32";
    }
  }

  record Bool(int[] shape, boolean[] data) implements Tensor {
    public Bool {
      check(shape, data.length);
    }

    @Override
    public String dtype() {
      return "BOOL";
    }
  }

  private static void check(int[] shape, int length) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n != length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + n + " elements but the data has " + length);
    }
  }
}
