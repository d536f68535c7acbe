package io.github.seqrec.models.ctr;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.Recurrent;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.UserHistory;
import java.util.Arrays;

/**
 * DIEN's per-user cache (Zhou et al., AAAI 2019; MODELS.md §8 "Serving"): the interest extractor's
 * states {@code h_1 .. h_n = GRU(e_1 .. e_n)} and the behaviour sum {@code s = sum_t e_t} of one
 * user's most recent actions. Neither depends on the candidate, so they are computed once per user
 * and advanced one action at a time by {@link #append}: one GRU step ({@link Recurrent#gruScan}
 * over one step from the previous state) and one vector add, instead of re-running the extractor
 * over the whole history for every request.
 *
 * <p>{@link Dien#score(DienUserState, Candidates, SequentialModel.Workspace, float[], int)} with a
 * state built by appending a history's actions gives the same logits, bit for bit, as
 * {@link Dien#score(UserHistory, Candidates, SequentialModel.Workspace, float[], int)} on that
 * history (same kernels, same operation order).
 *
 * <p>The state keeps at most the model's {@link Dien#maxHistoryLength()} actions, like the uncached
 * path, which cuts longer histories to their most recent actions. The GRU starts from zero at the
 * oldest kept action, so once the state is full an append drops the oldest action and re-runs the
 * extractor over the kept window ({@code O(max_len)} for that append; {@code O(1)} before).
 *
 * <p>Mutable and not thread-safe: one state per user, updated by one thread at a time (it may be
 * read by concurrent {@code score} calls only while no thread appends).
 */
public final class DienUserState {
  private final Dien model;
  private final int capacity;
  private final int d;
  private final int hidden;
  private final int[] items;
  private final int[] cates;
  private final float[] embeddings;
  private final float[] states;
  private final float[] sum;
  private final float[] last;
  private final float[] scratch;
  private int length;

  DienUserState(Dien model) {
    this.model = model;
    this.capacity = model.maxHistoryLength();
    this.d = model.embedding().dim();
    this.hidden = model.hiddenSize();
    this.items = new int[capacity];
    this.cates = new int[capacity];
    this.embeddings = new float[capacity * d];
    this.states = new float[capacity * hidden];
    this.sum = new float[d];
    this.last = new float[hidden];
    this.scratch = new float[Recurrent.gruScanScratchSize(1, capacity, hidden, false)];
  }

  /** The model this state belongs to. */
  public Dien model() {
    return model;
  }

  /** Number of actions held (at most the model's maximum history length). */
  public int length() {
    return length;
  }

  /** Forgets every action (a new user). */
  public DienUserState clear() {
    length = 0;
    Arrays.fill(sum, 0f);
    return this;
  }

  /**
   * Appends the user's newest action: embeds it, advances the extractor by one GRU step and adds
   * the embedding to the behaviour sum. When the state already holds {@code max_len} actions the
   * oldest is dropped and the extractor re-runs over the kept window.
   *
   * @throws IllegalArgumentException if an id is outside the vocabulary (the state is unchanged)
   */
  public DienUserState append(int item, int category) {
    checkId("item", item, model.embedding().itemVocabulary());
    checkId("category", category, model.embedding().cateVocabulary());
    if (length == capacity) {
      System.arraycopy(items, 1, items, 0, capacity - 1);
      System.arraycopy(cates, 1, cates, 0, capacity - 1);
      items[capacity - 1] = item;
      cates[capacity - 1] = category;
      rebuild();
      return this;
    }
    items[length] = item;
    cates[length] = category;
    model.embedding().embed(item, category, embeddings, length * d);
    // one extractor step from the previous state (none for the first action: zeros)
    Recurrent.gruScan(model.extractor(), embeddings, length * d, false, 1, 1, null, 0,
        length == 0 ? null : states, (length - 1) * hidden, states, length * hidden, null, 0, scratch, 0);
    Dense.axpy(1f, embeddings, length * d, sum, 0, d);
    length++;
    return this;
  }

  /** Replaces the content with the most recent {@code max_len} actions of {@code history} (ids checked). */
  public DienUserState reset(UserHistory history) {
    if (history.length() > 0 && history.categoryIds() == null) {
      HistoryChecks.requireFields(model.name(), model.requiredFields(), history);
    }
    int first = HistoryChecks.firstKept(history, capacity);
    int end = history.length();
    model.embedding().checkHistory(history, first);
    length = end - first;
    if (length > 0) {
      System.arraycopy(history.itemIds(), first, items, 0, length);
      System.arraycopy(history.categoryIds(), first, cates, 0, length);
    }
    rebuild();
    return this;
  }

  /**
   * Copies the extractor states {@code h_1 .. h_n} ({@code n x H}, oldest first) to
   * {@code out[off ..]}: the interest states the golden files call {@code interest_states}.
   */
  public void interestStates(float[] out, int off) {
    if (out == null || off < 0 || (long) off + (long) length * hidden > out.length) {
      throw new IllegalArgumentException("out needs " + (long) length * hidden + " floats from offset " + off);
    }
    System.arraycopy(states, 0, out, off, length * hidden);
  }

  /** Embeds the held actions and runs the extractor over all of them (one input GEMM, then the steps). */
  private void rebuild() {
    Arrays.fill(sum, 0f);
    for (int j = 0; j < length; j++) {
      model.embedding().embed(items[j], cates[j], embeddings, j * d);
    }
    if (length > 0) {
      Recurrent.gruScan(model.extractor(), embeddings, 0, false, 1, length, null, 0, null, 0, last, 0,
          states, 0, scratch, 0);
    }
    for (int j = 0; j < length; j++) {
      Dense.axpy(1f, embeddings, j * d, sum, 0, d);
    }
  }

  private static void checkId(String field, int id, int vocabulary) {
    if (id < 1 || id >= vocabulary) {
      throw new IllegalArgumentException(field + " id " + id + " is outside the vocabulary [1, " + (vocabulary - 1) + "]");
    }
  }

  float[] statesArray() {
    return states;
  }

  float[] sumArray() {
    return sum;
  }
}
