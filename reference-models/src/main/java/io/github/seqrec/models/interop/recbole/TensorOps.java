package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.tensors.Tensor;

/**
 * The re-layouts the RecBole mappings need beyond {@link io.github.seqrec.models.interop.CheckpointTensors}'s;
 * every result is a new tensor (inputs are not touched).
 */
final class TensorOps {
  private TensorOps() {}

  /** Rows of {@code parts} stacked in order (all of the same width): separate q, k, v into one in-projection. */
  static Tensor.F32 concatRows(Tensor.F32... parts) {
    int width = parts[0].shape().length == 1 ? 1 : parts[0].shape()[1];
    int rows = 0;
    for (Tensor.F32 p : parts) {
      rows += p.shape()[0];
    }
    float[] out = new float[rows * width];
    int at = 0;
    for (Tensor.F32 p : parts) {
      System.arraycopy(p.data(), 0, out, at, p.data().length);
      at += p.data().length;
    }
    return new Tensor.F32(parts[0].shape().length == 1 ? new int[] {rows} : new int[] {rows, width}, out);
  }

  /** {@code t [rows, d]} with a zero row in front: a table without a padding row as one with it. */
  static Tensor.F32 prependZeroRow(Tensor.F32 t) {
    int rows = t.shape()[0];
    int d = t.shape()[1];
    float[] out = new float[(rows + 1) * d];
    System.arraycopy(t.data(), 0, out, d, rows * d);
    return new Tensor.F32(new int[] {rows + 1, d}, out);
  }

  /** {@code v [n]} followed by {@code extra} zeros. */
  static Tensor.F32 padVector(Tensor.F32 v, int extra) {
    return new Tensor.F32(new int[] {v.shape()[0] + extra}, java.util.Arrays.copyOf(v.data(), v.shape()[0] + extra));
  }

  static Tensor.F32 zeros(int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    return new Tensor.F32(shape, new float[n]);
  }

  /**
   * {@code a [m, k] @ b [k, n]}, summed in double: folding a trained projection into a table
   * should not add more rounding than the float product the peer computes at serving time.
   */
  static Tensor.F32 matmul(Tensor.F32 a, Tensor.F32 b) {
    int m = a.shape()[0];
    int k = a.shape()[1];
    int n = b.shape()[1];
    float[] out = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int t = 0; t < k; t++) {
          s += (double) a.data()[i * k + t] * b.data()[t * n + j];
        }
        out[i * n + j] = (float) s;
      }
    }
    return new Tensor.F32(new int[] {m, n}, out);
  }

  /** {@code a [m, k] @ v [k]} as an {@code [m, 1]} column, summed in double. */
  static Tensor.F32 matvecColumn(Tensor.F32 a, Tensor.F32 v) {
    Tensor.F32 column = new Tensor.F32(new int[] {v.shape()[0], 1}, v.data());
    return matmul(a, column);
  }
}
