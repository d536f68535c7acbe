package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;
import static io.github.seqrec.kernels.internal.vector.Species.INT;

import io.github.seqrec.kernels.internal.SelectionKernels;
import io.github.seqrec.kernels.internal.scalar.TopKHeap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector selection kernels.
 *
 * <p>Top-k keeps the scalar kernel's bounded heap ({@link TopKHeap}) and vectorizes only the
 * admission test, which is where the time goes: once the heap is full its root is a threshold
 * that rises quickly, and most scores fail it. Four vectors of scores are compared against the
 * broadcast threshold at once; when no lane passes, 4 x lanes scores are skipped with one branch.
 * The test is {@code !(s <= threshold)}, so a NaN lane also "passes" and reaches the scalar lane
 * loop, which reports it. Lanes that pass are visited in index order (bits of the mask) and
 * re-tested against the threshold, which may have risen meanwhile; the result is therefore
 * identical to the scalar kernel's, ties included.
 *
 * <p>The category filter compares a vector of ids with the broadcast target and walks the set bits
 * of the mask ({@code toLong}, trailing-zero count), which is fast for the sparse matches of a
 * category search and needs no compress instruction (absent on some 256-bit machines).
 */
public final class VectorSelection implements SelectionKernels {
  private static final int V = FLOAT_LANES;
  private static final int INT_LANES = INT.length();

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
    TopKHeap.fill(scores, off, m, values, vOff, indices, iOff, row);
    int i = m;
    for (; i + 4 * V <= n; i += 4 * V) {
      float threshold = values[vOff];
      long b0 = passingLanes(scores, off + i, threshold);
      long b1 = passingLanes(scores, off + i + V, threshold);
      long b2 = passingLanes(scores, off + i + 2 * V, threshold);
      long b3 = passingLanes(scores, off + i + 3 * V, threshold);
      if ((b0 | b1 | b2 | b3) != 0) {
        admit(scores, off, i, b0, values, vOff, indices, iOff, m, row);
        admit(scores, off, i + V, b1, values, vOff, indices, iOff, m, row);
        admit(scores, off, i + 2 * V, b2, values, vOff, indices, iOff, m, row);
        admit(scores, off, i + 3 * V, b3, values, vOff, indices, iOff, m, row);
      }
    }
    for (; i < n; i++) {
      admit(scores, off, i, 1L, values, vOff, indices, iOff, m, row);
    }
    TopKHeap.sortDescending(values, vOff, indices, iOff, m);
    return m;
  }

  /**
   * The lanes whose score is above the threshold or NaN ({@code !(s <= threshold)}), as bits. A
   * mask, unlike a {@code long}, is boxed when it crosses a call that C2 does not inline (a CI run
   * saw this helper and the {@code or} of its masks allocate 4.4 MB per TWIN request), so the mask
   * becomes bits before it leaves this method.
   */
  private static long passingLanes(float[] scores, int at, float threshold) {
    return FloatVector.fromArray(FLOAT, scores, at).compare(VectorOperators.LE, threshold).not().toLong();
  }

  /** Offers the scores at {@code base + bit} for each set bit, in index order, to the heap. */
  private static void admit(float[] scores, int off, int base, long bits, float[] values, int vOff, int[] indices,
                            int iOff, int m, int row) {
    while (bits != 0) {
      int i = base + Long.numberOfTrailingZeros(bits);
      bits &= bits - 1;
      float s = scores[off + i];
      if (s > values[vOff]) {
        TopKHeap.replaceRoot(s, i, values, vOff, indices, iOff, m);
      } else if (s != s) {
        throw TopKHeap.nan(row, i);
      }
    }
  }

  @Override
  public int filterCategory(int[] categories, int off, int n, int target, int[] positions, int pOff) {
    int count = 0;
    int i = 0;
    for (; i + INT_LANES <= n; i += INT_LANES) {
      long bits = IntVector.fromArray(INT, categories, off + i).compare(VectorOperators.EQ, target).toLong();
      count = writeSetBits(bits, i, positions, pOff, count);
    }
    if (i < n) {
      VectorMask<Integer> tail = INT.indexInRange(i, n);
      long bits = IntVector.fromArray(INT, categories, off + i, tail).compare(VectorOperators.EQ, target, tail).toLong();
      count = writeSetBits(bits, i, positions, pOff, count);
    }
    return count;
  }

  private static int writeSetBits(long bits, int base, int[] positions, int pOff, int count) {
    while (bits != 0) {
      positions[pOff + count++] = base + Long.numberOfTrailingZeros(bits);
      bits &= bits - 1;
    }
    return count;
  }
}
