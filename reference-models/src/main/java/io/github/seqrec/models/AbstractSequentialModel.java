package io.github.seqrec.models;

import java.util.Set;

/**
 * The base every model extends: it owns what all of them would otherwise repeat — the name, the
 * declared {@link ModelSpec}, the maximum history length, the request checks that do not depend on
 * the architecture (nulls, required fields, the output region) and the workspace's type and
 * single-thread ownership — so that a model class holds only its forward pass.
 *
 * <p>A model implements {@link #createWorkspace()} and
 * {@link #score(UserHistory, int, Candidates, Workspace, float[], int)}; other entry points of a
 * model (a two-stage model's {@code search}, a next-item model's {@code recommend}) bracket their
 * work with {@link #acquire} and {@link #release} the same way {@link #score} does.
 *
 * @param <W> the model's workspace type
 */
public abstract class AbstractSequentialModel<W extends SequentialModel.Workspace> implements SequentialModel {
  private final ModelSpec spec;
  private final int maxHistoryLength;
  private final Class<W> workspaceType;

  /**
   * @param spec the model's declaration (name, fields, options)
   * @param maxHistoryLength histories longer than this keep their most recent actions ({@code > 0})
   * @param workspaceType the class {@link #createWorkspace()} returns
   */
  protected AbstractSequentialModel(ModelSpec spec, int maxHistoryLength, Class<W> workspaceType) {
    if (maxHistoryLength <= 0) {
      throw new IllegalArgumentException(spec.name() + ": max_len must be > 0, got " + maxHistoryLength);
    }
    this.spec = spec;
    this.maxHistoryLength = maxHistoryLength;
    this.workspaceType = workspaceType;
  }

  @Override
  public final String name() {
    return spec.name();
  }

  @Override
  public final ModelInfo info() {
    return spec.info();
  }

  @Override
  public Set<HistoryField> requiredFields() {
    return spec.fields();
  }

  @Override
  public final int maxHistoryLength() {
    return maxHistoryLength;
  }

  @Override
  public final W newWorkspace() {
    return createWorkspace();
  }

  /** A fresh workspace for this instance (its constructor passes {@code this} to {@code Workspace}). */
  protected abstract W createWorkspace();

  @Override
  public final void score(UserHistory history, Candidates candidates, Workspace workspace, float[] logits,
                          int logitsOff) {
    W w = acquire(workspace);
    try {
      checkHistory(history);
      if (candidates == null) {
        throw new IllegalArgumentException(name() + ": candidates must not be null");
      }
      HistoryChecks.output(logits, logitsOff, candidates.count());
      score(history, HistoryChecks.firstKept(history, maxHistoryLength), candidates, w, logits, logitsOff);
    } finally {
      release(w);
    }
  }

  /**
   * The forward pass: {@code candidates.count()} logits into {@code logits[logitsOff ..]}. The base
   * has checked that neither argument is null, that a non-empty history carries every required
   * field, and that the output region exists; {@code first} is the first kept action. Check ids
   * and values before writing anything.
   */
  protected abstract void score(UserHistory history, int first, Candidates candidates, W workspace, float[] logits,
                                int logitsOff);

  /**
   * The checks {@link #score} makes before the forward pass, for the partial passes that read out
   * intermediate values ({@link TargetAttentionModel#attention}); returns the first kept action.
   */
  protected final int checkedFirstKept(UserHistory history, Candidates candidates) {
    checkHistory(history);
    if (candidates == null) {
      throw new IllegalArgumentException(name() + ": candidates must not be null");
    }
    return HistoryChecks.firstKept(history, maxHistoryLength);
  }

  /** Fails unless {@code history} is non-null and, when non-empty, carries every required field. */
  protected final void checkHistory(UserHistory history) {
    if (history == null) {
      throw new IllegalArgumentException(name() + ": history must not be null");
    }
    if (history.length() > 0) {
      HistoryChecks.requireFields(name(), requiredFields(), history);
    }
  }

  /**
   * Checks that {@code workspace} was made by this instance and marks it used by the calling
   * thread until {@link #release}.
   *
   * @throws IllegalArgumentException for a workspace of another model or instance
   * @throws IllegalStateException when another call is using it
   */
  protected final W acquire(Workspace workspace) {
    if (!workspaceType.isInstance(workspace) || workspace.owner() != this) {
      throw new IllegalArgumentException("workspace must come from this " + name() + " model's newWorkspace(), got "
          + (workspace == null ? "null" : workspace.getClass().getName() + " of "
          + (workspace.owner() == null ? "no model" : "another " + workspace.owner().name() + " instance")));
    }
    workspace.enter();
    return workspaceType.cast(workspace);
  }

  /** Ends the call that {@link #acquire} began. */
  protected final void release(W workspace) {
    workspace.exit();
  }
}
