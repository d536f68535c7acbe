package io.github.seqrec.models;

import java.util.Set;

/**
 * One architecture with loaded weights: scores candidate items for one user's history.
 *
 * <p>Implementations are immutable after loading and safe to share between threads. Per-request
 * scratch lives in a {@link Workspace} made by {@link #newWorkspace()}: one per thread, reused across
 * requests, so scoring allocates nothing after warm-up.
 *
 * <p>Contract shared by every model:
 * <ul>
 *   <li>scores are pre-sigmoid logits, one per candidate ({@link #probabilities} applies the sigmoid);
 *   <li>a history longer than {@link #maxHistoryLength()} is cut to its most recent actions;
 *   <li>an item or category id outside the vocabulary, a missing required field, or a non-finite
 *       numeric cross feature raises {@link IllegalArgumentException} naming the field, the position and
 *       the allowed range; nothing is written to the output then;
 *   <li>the empty history is valid and gives the model's documented no-history score.
 * </ul>
 */
public interface SequentialModel {

  /** Architecture name as the CLI knows it ({@code din}, {@code dien}, ...). */
  String name();

  /** The history fields this model reads. */
  Set<HistoryField> requiredFields();

  /** Histories longer than this keep their most recent {@code maxHistoryLength()} actions. */
  int maxHistoryLength();

  /** Fresh per-thread scratch for {@link #score}. */
  Workspace newWorkspace();

  /**
   * Writes {@code candidates.count()} logits into {@code logits[logitsOff ..]}.
   *
   * @throws IllegalArgumentException on bad input (see the class contract)
   */
  void score(UserHistory history, Candidates candidates, Workspace workspace, float[] logits, int logitsOff);

  /** {@code sigmoid} of each logit, in place. */
  static void probabilities(float[] logits, int off, int n) {
    io.github.seqrec.kernels.Activations.sigmoid(logits, off, logits, off, n);
  }

  /** Per-thread scratch of one model; each model has its own implementation. */
  interface Workspace {}
}
