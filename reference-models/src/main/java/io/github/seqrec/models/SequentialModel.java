package io.github.seqrec.models;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;

/**
 * One architecture with loaded weights: scores candidate items for one user's history.
 *
 * <p>Implementations are immutable after loading and safe to share between threads. Per-request
 * scratch lives in a {@link Workspace} made by {@link #newWorkspace()}: one per thread, reused across
 * requests, so scoring allocates nothing after warm-up. A workspace used by two threads at once is
 * detected and refused with an {@link IllegalStateException} (never wrong scores).
 *
 * <p>Contract shared by every model:
 * <ul>
 *   <li>scores are pre-sigmoid logits, one per candidate ({@link #probabilities} applies the sigmoid);
 *       for a {@link NextItemModel} they are the catalogue logits of the candidates;
 *   <li>a history longer than {@link #maxHistoryLength()} is cut to its most recent actions;
 *   <li>an item or category id outside the vocabulary, a missing required field, or a non-finite
 *       numeric cross feature raises {@link IllegalArgumentException} naming the field, the position and
 *       the allowed range; nothing is written to the output then;
 *   <li>the empty history is valid and gives the model's documented no-history score.
 * </ul>
 * Models extend {@link AbstractSequentialModel}, which owns these checks.
 */
public interface SequentialModel {

  /** Architecture name as the CLI knows it ({@code din}, {@code dien}, ...). */
  String name();

  /** What the model is: paper, fields, options (see {@link Models#list()}). */
  ModelInfo info();

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
   * @throws IllegalStateException when another thread is using {@code workspace} at the same time
   */
  void score(UserHistory history, Candidates candidates, Workspace workspace, float[] logits, int logitsOff);

  /** {@code sigmoid} of each logit, in place. */
  static void probabilities(float[] logits, int off, int n) {
    io.github.seqrec.kernels.Activations.sigmoid(logits, off, logits, off, n);
  }

  /**
   * Per-thread scratch of one model instance. Each model extends it with its own arrays; the base
   * records which thread is inside a call so that sharing one workspace between threads (a user
   * error that would otherwise give silently wrong scores) fails loudly at the cost of one
   * compare-and-set per request.
   */
  abstract class Workspace {
    private static final VarHandle USER;

    static {
      try {
        USER = MethodHandles.lookup().findVarHandle(Workspace.class, "user", Thread.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final SequentialModel owner;
    @SuppressWarnings("unused") // accessed through USER
    private volatile Thread user;

    protected Workspace(SequentialModel owner) {
      this.owner = owner;
    }

    /** The model instance this workspace belongs to. */
    public final SequentialModel owner() {
      return owner;
    }

    /** Marks the workspace as used by the calling thread; fails if another call holds it. */
    final void enter() {
      Thread self = Thread.currentThread();
      if (!USER.compareAndSet(this, (Thread) null, self)) {
        Thread other = (Thread) USER.getVolatile(this);
        throw new IllegalStateException(owner.name() + ": this workspace is in use by "
            + (other == self ? "this thread already (a nested call)" : "thread '" + (other == null ? "?" : other.getName()) + "'")
            + "; a workspace serves one call at a time: make one per thread with newWorkspace()");
      }
    }

    /** Releases the workspace after a call. */
    final void exit() {
      USER.setRelease(this, (Thread) null);
    }
  }
}
