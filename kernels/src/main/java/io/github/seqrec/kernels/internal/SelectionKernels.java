package io.github.seqrec.kernels.internal;

/**
 * Selection kernels: bounded top-k by score and the category filter of SIM's hard search.
 * Arguments have been validated by the facade ({@code io.github.seqrec.kernels.TopK},
 * {@code io.github.seqrec.kernels.CategoryFilter}).
 *
 * <p>Top-k order (MODELS.md): higher score first; equal scores (under {@code ==}, so
 * {@code -0.0f == 0.0f}) keep the lower index first. {@code +-Infinity} are ordinary scores. A NaN
 * score has no place in that order: the kernels throw {@link IllegalArgumentException} naming its
 * index (and row), after which the outputs hold unspecified values.
 */
public interface SelectionKernels {

  /**
   * The {@code m = min(k, n)} best of the {@code n} scores at {@code scores[off..]}: their scores
   * go to {@code values[vOff .. vOff + m)} and their indices (relative to {@code off}) to
   * {@code indices[iOff .. iOff + m)}, best first. Returns m. {@code k >= 1}; {@code n = 0} returns
   * 0 and writes nothing. The output regions double as the heap, so no scratch is needed.
   */
  int topK(float[] scores, int off, int n, int k, float[] values, int vOff, int[] indices, int iOff);

  /**
   * {@link #topK} for each of {@code rows} contiguous rows of {@code n} scores: row r reads
   * {@code scores[off + r n ..]} and writes {@code m = min(k, n)} entries at
   * {@code values[vOff + r m ..]} and {@code indices[iOff + r m ..]} (indices within the row).
   */
  void topKRows(float[] scores, int off, int rows, int n, int k, float[] values, int vOff, int[] indices, int iOff);

  /**
   * Writes, in ascending order, every position {@code i < n} with
   * {@code categories[off + i] == target} to {@code positions[pOff ..]} and returns how many there
   * are. Only {@code positions[pOff .. pOff + count)} is written; the caller provides room for n.
   */
  int filterCategory(int[] categories, int off, int n, int target, int[] positions, int pOff);
}
