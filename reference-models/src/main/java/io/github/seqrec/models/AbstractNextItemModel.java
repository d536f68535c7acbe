package io.github.seqrec.models;

import io.github.seqrec.models.layers.Catalogue;

/**
 * The base of the next-item models whose score is a dot product with an item table
 * ({@code u . E[i] + b[i]}, {@link Catalogue}): it implements candidate scoring and catalogue
 * top-k from the user embedding, so that a model implements only
 * {@link #embed(UserHistory, int, RetrievalWorkspace, float[], int)} — its forward pass up to
 * the user embedding — and its workspace.
 *
 * @param <W> the model's workspace type
 */
public abstract class AbstractNextItemModel<W extends AbstractNextItemModel.RetrievalWorkspace>
    extends AbstractSequentialModel<W> implements NextItemModel {
  private final Catalogue catalogue;

  protected AbstractNextItemModel(ModelSpec spec, int maxHistoryLength, Class<W> workspaceType, Catalogue catalogue) {
    super(spec, maxHistoryLength, workspaceType);
    this.catalogue = catalogue;
  }

  /** The item table this model scores against. */
  public final Catalogue catalogue() {
    return catalogue;
  }

  @Override
  public final int embeddingDim() {
    return catalogue.dim();
  }

  @Override
  public final int catalogueSize() {
    return catalogue.size();
  }

  /**
   * The forward pass up to the user embedding: writes {@link #embeddingDim()} floats to
   * {@code out[outOff ..]}. The base has checked the history's presence and fields; {@code first}
   * is the first kept action. Check ids before writing anything.
   */
  protected abstract void embed(UserHistory history, int first, W workspace, float[] out, int outOff);

  @Override
  public final void userEmbedding(UserHistory history, Workspace workspace, float[] out, int outOff) {
    W w = acquire(workspace);
    try {
      checkHistory(history);
      HistoryChecks.output(out, outOff, embeddingDim());
      embed(history, HistoryChecks.firstKept(history, maxHistoryLength()), w, out, outOff);
    } finally {
      release(w);
    }
  }

  @Override
  protected void score(UserHistory history, int first, Candidates candidates, W w, float[] logits, int logitsOff) {
    HistoryChecks.ids("candidate itemIds", candidates.itemIds(), 0, candidates.count(), catalogue.size());
    embed(history, first, w, w.users, 0);
    catalogue.score(w.users, 0, candidates.itemIds(), candidates.count(), logits, logitsOff, w.catalogueScratch);
  }

  @Override
  public int recommend(UserHistory history, int k, boolean excludeSeen, Workspace workspace, int[] ids, int idsOff,
                       float[] scores, int scoresOff) {
    W w = acquire(workspace);
    try {
      checkK(k);
      checkHistory(history);
      checkOutputs(ids, idsOff, scores, scoresOff, k);
      embed(history, HistoryChecks.firstKept(history, maxHistoryLength()), w, w.users, 0);
      w.one[0] = history;
      catalogue.topK(w.users, 0, 1, k, excludeSeen ? w.one : null, 0, ids, idsOff, scores, scoresOff, w.counts, 0,
          w.catalogueScratch);
      w.one[0] = null;
      return w.counts[0];
    } finally {
      release(w);
    }
  }

  @Override
  public void recommend(UserHistory[] users, int k, boolean excludeSeen, Workspace workspace, int[] ids,
                        float[] scores, int[] counts) {
    W w = acquire(workspace);
    try {
      checkK(k);
      if (users == null) {
        throw new IllegalArgumentException(name() + ": users must not be null");
      }
      for (int u = 0; u < users.length; u++) {
        try {
          checkHistory(users[u]);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("users[" + u + "]: " + e.getMessage(), e);
        }
      }
      checkOutputs(ids, 0, scores, 0, (long) users.length * k);
      if (counts == null || counts.length < users.length) {
        throw new IllegalArgumentException("counts needs " + users.length + " ints, got "
            + (counts == null ? "null" : counts.length));
      }
      int d = embeddingDim();
      for (int u0 = 0; u0 < users.length; u0 += Catalogue.USER_BLOCK) {
        int nu = Math.min(Catalogue.USER_BLOCK, users.length - u0);
        for (int u = 0; u < nu; u++) {
          UserHistory h = users[u0 + u];
          try {
            embed(h, HistoryChecks.firstKept(h, maxHistoryLength()), w, w.users, u * d);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("users[" + (u0 + u) + "]: " + e.getMessage(), e);
          }
        }
        catalogue.topK(w.users, 0, nu, k, excludeSeen ? users : null, u0, ids, u0 * k, scores, u0 * k, counts, u0,
            w.catalogueScratch);
      }
    } finally {
      release(w);
    }
  }

  private void checkK(int k) {
    if (k < 1 || k > MAX_K) {
      throw new IllegalArgumentException(name() + ": k must be in [1, " + MAX_K + "], got " + k);
    }
  }

  private static void checkOutputs(int[] ids, int idsOff, float[] scores, int scoresOff, long n) {
    if (ids == null || idsOff < 0 || idsOff + n > ids.length) {
      throw new IllegalArgumentException("ids needs " + n + " ints from offset " + idsOff + ", its length is "
          + (ids == null ? "null" : ids.length));
    }
    if (scores == null || scoresOff < 0 || scoresOff + n > scores.length) {
      throw new IllegalArgumentException("scores needs " + n + " floats from offset " + scoresOff + ", its length is "
          + (scores == null ? "null" : scores.length));
    }
  }

  /**
   * The workspace of a next-item model: a block of user embeddings and the catalogue's scratch.
   * A model's workspace extends it with the scratch of its own forward pass.
   */
  public abstract static class RetrievalWorkspace extends Workspace {
    final float[] users;
    final int[] counts = new int[Catalogue.USER_BLOCK];
    final UserHistory[] one = new UserHistory[1];
    final Catalogue.Scratch catalogueScratch = new Catalogue.Scratch();

    protected RetrievalWorkspace(AbstractNextItemModel<?> owner) {
      super(owner);
      this.users = new float[Catalogue.USER_BLOCK * owner.embeddingDim()];
    }
  }
}
