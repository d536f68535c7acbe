package io.github.seqrec.kernels.internal.scalar;

/**
 * The bounded heap both top-k backends share. It lives in the caller's output regions
 * ({@code values[vOff .. vOff + size)}, {@code indices[iOff .. iOff + size)}), so top-k needs no
 * scratch. The root is the worst kept entry: the lowest score and, among equal scores, the
 * highest index. Scores are visited in increasing index order, so a later score ties with the root
 * only when it is worse than it, and the admission test is a strict {@code score > root}.
 * {@link #sortDescending} turns the heap into the final order in place (heapsort).
 */
public final class TopKHeap {
  private TopKHeap() {}

  /** True when entry (sa, ia) ranks below (sb, ib): lower score, or equal score and higher index. */
  static boolean worse(float sa, int ia, float sb, int ib) {
    return sa < sb || (sa == sb && ia > ib);
  }

  /**
   * Copies the first {@code size} scores of the row with their indices into the heap and heapifies
   * it. Throws on a NaN among them.
   */
  public static void fill(float[] scores, int off, int size, float[] values, int vOff, int[] indices, int iOff, int row) {
    for (int i = 0; i < size; i++) {
      float s = scores[off + i];
      if (s != s) {
        throw nan(row, i);
      }
      values[vOff + i] = s;
      indices[iOff + i] = i;
    }
    for (int p = size / 2 - 1; p >= 0; p--) {
      siftDown(values, vOff, indices, iOff, size, p);
    }
  }

  /** Replaces the root with (score, index), which must rank above it, and restores the heap. */
  public static void replaceRoot(float score, int index, float[] values, int vOff, int[] indices, int iOff, int size) {
    values[vOff] = score;
    indices[iOff] = index;
    siftDown(values, vOff, indices, iOff, size, 0);
  }

  /** Heapsort: afterwards the region holds the entries best first. */
  public static void sortDescending(float[] values, int vOff, int[] indices, int iOff, int size) {
    for (int end = size - 1; end > 0; end--) {
      float s = values[vOff];
      int id = indices[iOff];
      values[vOff] = values[vOff + end];
      indices[iOff] = indices[iOff + end];
      values[vOff + end] = s;
      indices[iOff + end] = id;
      siftDown(values, vOff, indices, iOff, end, 0);
    }
  }

  private static void siftDown(float[] values, int vOff, int[] indices, int iOff, int size, int pos) {
    float s = values[vOff + pos];
    int id = indices[iOff + pos];
    while (true) {
      int child = 2 * pos + 1;
      if (child >= size) {
        break;
      }
      float cs = values[vOff + child];
      int ci = indices[iOff + child];
      int right = child + 1;
      if (right < size && worse(values[vOff + right], indices[iOff + right], cs, ci)) {
        child = right;
        cs = values[vOff + right];
        ci = indices[iOff + right];
      }
      if (!worse(cs, ci, s, id)) {
        break;
      }
      values[vOff + pos] = cs;
      indices[iOff + pos] = ci;
      pos = child;
    }
    values[vOff + pos] = s;
    indices[iOff + pos] = id;
  }

  /** The exception for a NaN score: names the index within the row, and the row when batched. */
  public static IllegalArgumentException nan(int row, int index) {
    return new IllegalArgumentException((row < 0 ? "scores[" + index + "]" : "scores row " + row + " [" + index + "]")
        + " is NaN; top-k needs ordered scores (replace NaN, e.g. by -Infinity, before selecting)");
  }
}
