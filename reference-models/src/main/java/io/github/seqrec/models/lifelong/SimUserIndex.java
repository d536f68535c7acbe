package io.github.seqrec.models.lifelong;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.ActionLog;
import java.util.Arrays;

/**
 * SIM's per-user index (Pi et al., CIKM 2020, §4.1 "hard search": the user behaviour tree keyed by
 * category), built and updated incrementally as actions arrive: one {@link #append} per action,
 * O(1) for the category index.
 *
 * <p>It holds the user's actions (item, category, timestamp, oldest first) and
 * <ul>
 *   <li>the <b>category index</b>: for each category, its actions chained newest to oldest
 *       ({@code lastOfCategory[c]} and {@code previousSameCategory[slot]}), so the hard search's
 *       "K most recent behaviours of the candidate's category" is a walk of at most K links,
 *       independent of the history length;</li>
 *   <li>for a soft-search model, the <b>search keys</b> {@code W_b e_l} of every action (the GSU's
 *       behaviour side, a per-user cache), stored transposed ({@code attention_dim x capacity}) so
 *       that scoring a block of candidates against the whole history is one {@link Dense#gemm}.</li>
 * </ul>
 *
 * <p>Made by {@link Sim#newUserIndex()} and tied to that model (its embeddings and {@code W_b}).
 * The projection of one appended action goes through the same GEMM as a bulk
 * {@link #appendAll}, and a GEMM computes each entry independently of the rows around it, so an
 * index built action by action equals one built at once, bit for bit. Growth doubles the arrays
 * (amortised; no allocation while capacity suffices). Not thread-safe: one index per user, mutated
 * by one thread at a time; a model may score with it from any thread while nobody appends.
 */
public final class SimUserIndex {
  private static final int BLOCK = 64;

  private final Sim model;
  private final int d;
  private final int dk;
  private final ActionLog log;
  private int[] previousSameCategory;
  private final int[] lastOfCategory;
  private final int[] countOfCategory;
  private float[] keysT;               // dk x capacity (soft search only)
  private final float[] embedded;      // BLOCK x d
  private final float[] projected;     // BLOCK x dk

  SimUserIndex(Sim model, int initialCapacity) {
    this.model = model;
    this.d = model.embedding().dim();
    this.dk = model.searchKeyWidth();
    this.log = new ActionLog(initialCapacity, true);
    int capacity = log.capacity();
    this.previousSameCategory = new int[capacity];
    this.lastOfCategory = new int[model.embedding().cateVocabulary()];
    this.countOfCategory = new int[model.embedding().cateVocabulary()];
    Arrays.fill(lastOfCategory, -1);
    this.keysT = model.softSearch() ? new float[dk * capacity] : null;
    this.embedded = model.softSearch() ? new float[BLOCK * d] : null;
    this.projected = model.softSearch() ? new float[BLOCK * dk] : null;
  }

  /** The model this index belongs to. */
  public Sim model() {
    return model;
  }

  /** Number of actions appended since creation or the last {@link #clear()}. */
  public int length() {
    return log.length();
  }

  /** Forgets every action (capacity is kept). */
  public void clear() {
    int[] categories = log.categories();
    for (int s = 0; s < log.length(); s++) {
      lastOfCategory[categories[s]] = -1;
      countOfCategory[categories[s]] = 0;
    }
    log.clear();
  }

  /**
   * Appends one action (the newest). Ids are checked against the model's vocabularies.
   *
   * @throws IllegalArgumentException for an item or category id outside the vocabulary
   */
  public void append(int item, int category, long timestamp) {
    ActionLog.checkAction(log.length(), item, category, model.embedding().itemVocabulary(),
        model.embedding().cateVocabulary());
    ensureCapacity(log.length() + 1);
    int s = put(item, category, timestamp);
    if (keysT != null) {
      project(s, 1);
    }
  }

  /**
   * Appends the actions {@code [from, to)} of a history (oldest first): the same index as appending
   * them one by one. All ids are checked before anything is appended.
   *
   * @throws IllegalArgumentException for a missing field or an id outside the vocabulary
   */
  public void appendAll(UserHistory history, int from, int to) {
    ActionLog.checkAppend(model.name(), model.requiredFields(), history, from, to, model.embedding().itemVocabulary(),
        model.embedding().cateVocabulary());
    ensureCapacity(log.length() + (to - from));
    int start = log.length();
    for (int i = from; i < to; i++) {
      put(history.itemIds()[i], history.categoryIds()[i], history.timestamps()[i]);
    }
    if (keysT != null) {
      for (int s = start; s < log.length(); s += BLOCK) {
        project(s, Math.min(BLOCK, log.length() - s));
      }
    }
  }

  /** Appends a whole history. */
  public void appendAll(UserHistory history) {
    appendAll(history, 0, history.length());
  }

  /** Item id of action {@code slot}. */
  public int item(int slot) {
    return log.item(slot);
  }

  /** Category id of action {@code slot}. */
  public int category(int slot) {
    return log.category(slot);
  }

  /** Timestamp of action {@code slot}. */
  public long timestamp(int slot) {
    return log.timestamp(slot);
  }

  /** How many appended actions have category {@code category} (0 for an unknown category). */
  public int count(int category) {
    return category < 0 || category >= countOfCategory.length ? 0 : countOfCategory[category];
  }

  /**
   * Hard search: the at most {@code k} most recent actions of {@code category} at slots
   * {@code >= from}, newest first, written to {@code out[outOff ..]}; returns how many. O(k).
   */
  public int mostRecent(int category, int from, int k, int[] out, int outOff) {
    if (category < 0 || category >= lastOfCategory.length) {
      return 0;
    }
    int n = 0;
    for (int s = lastOfCategory[category]; s >= from && n < k; s = previousSameCategory[s]) {
      out[outOff + n++] = s;
    }
    return n;
  }

  // package-private views for Sim
  int[] itemsArray() { return log.items(); }
  int[] categoriesArray() { return log.categories(); }
  long[] timestampsArray() { return log.timestamps(); }
  /** {@code dk x capacity} transposed search keys, leading dimension {@link #keysStride()}. */
  float[] keysT() { return keysT; }
  int keysStride() { return log.capacity(); }

  private int put(int item, int category, long timestamp) {
    int s = log.put(item, category, timestamp);
    previousSameCategory[s] = lastOfCategory[category];
    lastOfCategory[category] = s;
    countOfCategory[category]++;
    return s;
  }

  /** Search keys of slots {@code [s, s + rows)}: one GEMM, scattered into the transposed store. */
  private void project(int s, int rows) {
    int[] items = log.items();
    int[] categories = log.categories();
    int capacity = log.capacity();
    for (int r = 0; r < rows; r++) {
      model.embedding().embed(items[s + r], categories[s + r], embedded, r * d);
    }
    Dense.linear(embedded, 0, rows, model.searchKeyLayer(), projected, 0, false);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < dk; j++) {
        keysT[j * capacity + s + r] = projected[r * dk + j];
      }
    }
  }

  private void ensureCapacity(int needed) {
    int old = log.capacity();
    if (!log.ensureCapacity(needed)) {
      return;
    }
    int grown = log.capacity();
    previousSameCategory = Arrays.copyOf(previousSameCategory, grown);
    if (keysT != null) {
      float[] wider = new float[dk * grown];
      for (int j = 0; j < dk; j++) {
        System.arraycopy(keysT, j * old, wider, j * grown, log.length());
      }
      keysT = wider;
    }
  }
}
