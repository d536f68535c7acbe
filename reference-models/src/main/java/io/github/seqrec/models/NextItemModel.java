package io.github.seqrec.models;

/**
 * A next-item model: from a history it makes a user embedding, and the user's score for item i is
 * its catalogue logit (for the dot-product models {@code u . E[i] + b[i]}). Besides
 * {@link SequentialModel#score} over given candidates it answers the retrieval question: the top-k
 * of the whole catalogue, for one user or a batch of users.
 *
 * <p>Catalogue top-k: k in {@code [1, 1000]}; higher score first, equal scores lower id first;
 * padding (id 0) is never returned, nor, with {@code excludeSeen}, any item of the history (all of
 * its actions, not only the kept window); when fewer items are eligible than k, all of them are
 * returned. Same thread-safety and workspace rules as {@link SequentialModel}.
 */
public interface NextItemModel extends SequentialModel {
  /** The largest k of a catalogue top-k. */
  int MAX_K = 1000;

  /** Width of the user embedding. */
  int embeddingDim();

  /** Rows of the item table: item ids are {@code 1 .. catalogueSize() - 1}. */
  int catalogueSize();

  /**
   * Writes the user embedding of {@code history} to {@code out[outOff .. + embeddingDim())}.
   *
   * @throws IllegalArgumentException on bad input (see {@link SequentialModel})
   */
  void userEmbedding(UserHistory history, Workspace workspace, float[] out, int outOff);

  /**
   * The top-k of the catalogue for one user: ids to {@code ids[idsOff ..]}, scores to
   * {@code scores[scoresOff ..]}, best first. Returns how many were written ({@code <= k}).
   */
  int recommend(UserHistory history, int k, boolean excludeSeen, Workspace workspace, int[] ids, int idsOff,
                float[] scores, int scoresOff);

  /**
   * The top-k of the catalogue for a batch of users: user u's best go to {@code ids[u k ..]} and
   * {@code scores[u k ..]}, their number to {@code counts[u]}. Users are embedded one by one and
   * scored against the catalogue in blocks (the table is read once per block of users).
   */
  void recommend(UserHistory[] users, int k, boolean excludeSeen, Workspace workspace, int[] ids, float[] scores,
                 int[] counts);
}
