package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.SelectionKernels;

/**
 * Scalar selection kernels: the definition of top-k (a bounded min-heap of size k, O(n log k), no
 * full sort) and of the category filter.
 */
public final class ScalarSelection implements SelectionKernels {

  @Override
  public int topK(float[] scores, int off, int n, int k, float[] values, int vOff, int[] indices, int iOff) {
    return topKRow(scores, off, n, k, values, vOff, indices, iOff, -1);
  }

  @Override
  public void topKRows(float[] scores, int off, int rows, int n, int k, float[] values, int vOff, int[] indices, int iOff) {
    int m = Math.min(k, n);
    for (int r = 0; r < rows; r++) {
      topKRow(scores, off + r * n, n, k, values, vOff + r * m, indices, iOff + r * m, r);
    }
  }

  private static int topKRow(float[] scores, int off, int n, int k, float[] values, int vOff, int[] indices, int iOff,
                             int row) {
    int m = Math.min(k, n);
    if (m == 0) {
      return 0;
    }
    // The first m scores fill the heap; each later one enters only if it beats the worst kept.
    TopKHeap.fill(scores, off, m, values, vOff, indices, iOff, row);
    float threshold = values[vOff];
    for (int i = m; i < n; i++) {
      float s = scores[off + i];
      if (s > threshold) {
        TopKHeap.replaceRoot(s, i, values, vOff, indices, iOff, m);
        threshold = values[vOff];
      } else if (s != s) {
        throw TopKHeap.nan(row, i);
      }
    }
    TopKHeap.sortDescending(values, vOff, indices, iOff, m);
    return m;
  }

  @Override
  public int filterCategory(int[] categories, int off, int n, int target, int[] positions, int pOff) {
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (categories[off + i] == target) {
        positions[pOff + count++] = i;
      }
    }
    return count;
  }
}
