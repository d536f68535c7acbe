package io.github.seqrec.models;

/**
 * A model that pools the history with weights each candidate chooses (target attention: DIN's
 * activation unit, TIM's target-aware softmax, DIEN's interest attention): {@link #attention}
 * returns those weights, so a user can see which past actions a candidate's score rests on.
 *
 * <p>The weights are the ones the forward pass uses, computed by the same kernels from the same
 * embeddings; reading them costs one more partial forward pass and allocates, so it is for
 * explanation and debugging, not for the scoring path.
 */
public interface TargetAttentionModel extends SequentialModel {

  /**
   * The weight each candidate puts on each kept history action.
   *
   * @throws IllegalArgumentException for the inputs {@link #score} refuses, with the same messages
   */
  HistoryAttention attention(UserHistory history, Candidates candidates);

  /**
   * Attention weights over the kept history: {@code weight(c, j)} for candidate {@code c} and the
   * history action at position {@code first + j} ({@code 0 <= j < length}, oldest first).
   *
   * @param first the first history position kept (longer histories keep their most recent actions)
   * @param length the number of kept actions
   * @param candidates the number of candidates
   * @param weights {@code candidates x length}, row-major
   * @param normalised true when each row is a softmax (sums to 1), false for DIN's unnormalised
   *     activation-unit weights
   */
  record HistoryAttention(int first, int length, int candidates, float[] weights, boolean normalised) {
    public HistoryAttention {
      if (first < 0 || length < 0 || candidates < 0 || weights.length != (long) candidates * length) {
        throw new IllegalArgumentException("attention of " + candidates + " candidates over " + length
            + " actions needs " + (long) candidates * length + " weights, got " + weights.length);
      }
    }

    /** The weight candidate {@code c} puts on kept action {@code j} (history position {@code first + j}). */
    public float weight(int c, int j) {
      if (c < 0 || c >= candidates || j < 0 || j >= length) {
        throw new IndexOutOfBoundsException("weight(" + c + ", " + j + ") of " + candidates + " x " + length);
      }
      return weights[c * length + j];
    }
  }
}
