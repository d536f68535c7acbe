package io.github.seqrec.models.layers;

/**
 * Keys and values of one sequence, per transformer layer: what a causal encoder (SASRec, HSTU,
 * PinnerFormer) keeps per user so that an appended action costs one incremental step instead of a
 * full recompute (the decoder's KV cache). Row {@code i} of layer {@code l} holds the key and
 * value that {@link TransformerBlock} computed for position {@code i}; a block pass over rows
 * {@code [from, to)} reads rows {@code < from} and writes rows {@code [from, to)}.
 *
 * <p>Memory is linear in the capacity: per layer {@code capacity x (H dk + H dv)} floats, plus,
 * where the owner asks for it, the keys once more transposed per head ({@code H x dk x capacity}),
 * which the score GEMM reads as they are: HSTU's pointwise attention keeps them as computed, a
 * softmax block (SASRec's per-user state) keeps them scaled by its {@code 1 / sqrt(dk)}. A cache is mutable and belongs to one sequence; it is not
 * thread-safe (one user's requests are serialised by the caller, as for any per-user state).
 */
public final class KvCache {
  final int layers;
  final int capacity;
  final int keyWidth;
  final int valueWidth;
  final float[][] keys;
  final float[][] values;
  final float[][] keysTransposed;
  private int rows;

  /**
   * @param layers        transformer layers
   * @param capacity      the most positions the cache holds (the model's maximum length)
   * @param keyWidth      {@code H dk}
   * @param valueWidth    {@code H dv}
   * @param transposedKeys whether to keep the transposed key copy the incremental attention reads
   */
  public KvCache(int layers, int capacity, int keyWidth, int valueWidth, boolean transposedKeys) {
    if (layers < 1 || capacity < 1 || keyWidth < 1 || valueWidth < 1) {
      throw new IllegalArgumentException("KvCache needs layers, capacity, keyWidth, valueWidth >= 1, got "
          + layers + ", " + capacity + ", " + keyWidth + ", " + valueWidth);
    }
    long floats = (long) layers * capacity * (keyWidth * (transposedKeys ? 2L : 1L) + valueWidth);
    if (floats > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("KvCache of " + floats + " floats is too large");
    }
    this.layers = layers;
    this.capacity = capacity;
    this.keyWidth = keyWidth;
    this.valueWidth = valueWidth;
    this.keys = new float[layers][capacity * keyWidth];
    this.values = new float[layers][capacity * valueWidth];
    this.keysTransposed = transposedKeys ? new float[layers][capacity * keyWidth] : null;
  }

  public int capacity() {
    return capacity;
  }

  /** Positions whose keys and values are final (the model's bookkeeping: see {@link #setRows}). */
  public int rows() {
    return rows;
  }

  /** Records how many leading positions are final; the model calls this after a pass. */
  public void setRows(int rows) {
    if (rows < 0 || rows > capacity) {
      throw new IllegalArgumentException("rows must be in [0, " + capacity + "], got " + rows);
    }
    this.rows = rows;
  }

  /** Forgets every position (the arrays are reused). */
  public void clear() {
    rows = 0;
  }

  /** Floats held, for bytes-per-user accounting. */
  public long floats() {
    return (long) layers * capacity * (keyWidth * (keysTransposed != null ? 2L : 1L) + valueWidth);
  }
}
