package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.kernels.internal.SelectionKernels;

/**
 * Top-k by score: the selection step of every two-stage model (SIM soft search, TWIN's GSU, ETA)
 * and of retrieval over a catalogue.
 *
 * <p><b>Order.</b> Higher score first; equal scores keep the lower index first (a stable order:
 * the same as sorting by {@code (-score, index)}, which {@code torch.topk} does not promise).
 * {@code -0.0f} and {@code 0.0f} are equal; infinities are ordinary scores. <b>NaN</b> scores have
 * no place in that order and are rejected: an {@link IllegalArgumentException} names the first
 * NaN's index (and its row for {@link #topKRows}); the outputs then hold unspecified values.
 *
 * <p><b>Cost.</b> No full sort: a min-heap of k entries with a threshold test, O(n + c log k) for
 * c admissions (about k ln(n/k) on shuffled scores), then a heapsort of the k survivors. The vector
 * backend tests whole vectors of scores against the threshold at once. The heap lives in the
 * caller's output arrays, so nothing is allocated.
 *
 * <p>{@code k} must be {@code >= 1}; {@code k >= n} is allowed and returns all n entries sorted.
 * Every method returns (or uses) {@code m = min(k, n)}, the number of entries written, and writes
 * nothing else. Stateless and thread-safe. {@code values} may not overlap {@code scores}.
 */
public final class TopK {
  private static final SelectionKernels KERNELS = KernelProvider.get().selection();

  private TopK() {}

  /** {@code min(k, n)}: how many entries a top-k of n scores returns (the output row length). */
  public static int resultSize(int n, int k) {
    Checks.nonNegative("n", n);
    Checks.positive("k", k);
    return Math.min(k, n);
  }

  /**
   * The {@code m = min(k, n)} best of the n scores at {@code scores[scoresOff..]}: scores to
   * {@code values[valuesOff .. +m)}, their indices (0-based within the n) to
   * {@code indices[indicesOff .. +m)}, best first. Returns m.
   *
   * @throws IllegalArgumentException for bad shapes, {@code k <= 0}, or a NaN score (naming its index)
   */
  public static int topK(float[] scores, int scoresOff, int n, int k,
                         float[] values, int valuesOff, int[] indices, int indicesOff) {
    int m = resultSize(n, k);
    checkOutputs(scores, scoresOff, n, values, valuesOff, indices, indicesOff, m);
    return KERNELS.topK(scores, scoresOff, n, k, values, valuesOff, indices, indicesOff);
  }

  /**
   * Top-k over only the first {@code valid} of n scores (a padded history whose tail is padding):
   * {@link #topK} of {@code scores[scoresOff .. scoresOff + valid)}. Returns {@code min(k, valid)};
   * {@code valid = 0} returns 0. The region of all n scores must exist.
   */
  public static int topKValid(float[] scores, int scoresOff, int n, int valid, int k,
                              float[] values, int valuesOff, int[] indices, int indicesOff) {
    Checks.nonNegative("n", n);
    Checks.region("scores", scores, scoresOff, n);
    Checks.inRange("valid", valid, 0, n);
    return topK(scores, scoresOff, valid, k, values, valuesOff, indices, indicesOff);
  }

  /**
   * One top-k per row of a contiguous {@code rows x n} block of scores (B users or B queries):
   * row r's {@code m = min(k, n)} best go to {@code values[valuesOff + r m ..]} and
   * {@code indices[indicesOff + r m ..]} (indices within the row), so both outputs are
   * {@code rows x m} row-major. Returns m.
   */
  public static int topKRows(float[] scores, int scoresOff, int rows, int n, int k,
                             float[] values, int valuesOff, int[] indices, int indicesOff) {
    Checks.nonNegative("rows", rows);
    int m = resultSize(n, k);
    checkOutputs(scores, scoresOff, (long) rows * n, values, valuesOff, indices, indicesOff, (long) rows * m);
    KERNELS.topKRows(scores, scoresOff, rows, n, k, values, valuesOff, indices, indicesOff);
    return m;
  }

  private static void checkOutputs(float[] scores, int scoresOff, long n, float[] values, int valuesOff,
                                   int[] indices, int indicesOff, long m) {
    Checks.region("scores", scores, scoresOff, n);
    Checks.region("values", values, valuesOff, m);
    Checks.region("indices", indices, indicesOff, m);
    if (scores == values && m > 0 && n > 0 && scoresOff < valuesOff + m && valuesOff < scoresOff + n) {
      throw new IllegalArgumentException("values must not overlap scores (values is written while scores is read)");
    }
  }
}
