package io.github.seqrec.models;

import io.github.seqrec.kernels.Dense;
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
  private int length;
  private int capacity;
  private int[] items;
  private int[] categories;
  private long[] timestamps;
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
    this.capacity = Math.max(1, initialCapacity);
    this.items = new int[capacity];
    this.categories = new int[capacity];
    this.timestamps = new long[capacity];
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
    return length;
  }

  /** Forgets every action (capacity is kept). */
  public void clear() {
    for (int s = 0; s < length; s++) {
      lastOfCategory[categories[s]] = -1;
      countOfCategory[categories[s]] = 0;
    }
    length = 0;
  }

  /**
   * Appends one action (the newest). Ids are checked against the model's vocabularies.
   *
   * @throws IllegalArgumentException for an item or category id outside the vocabulary
   */
  public void append(int item, int category, long timestamp) {
    checkId("itemIds", length, item, model.embedding().itemVocabulary());
    checkId("categoryIds", length, category, model.embedding().cateVocabulary());
    ensureCapacity(length + 1);
    put(item, category, timestamp);
    if (keysT != null) {
      project(length - 1, 1);
    }
  }

  /**
   * Appends the actions {@code [from, to)} of a history (oldest first): the same index as appending
   * them one by one. All ids are checked before anything is appended.
   *
   * @throws IllegalArgumentException for a missing field or an id outside the vocabulary
   */
  public void appendAll(UserHistory history, int from, int to) {
    if (history.categoryIds() == null || history.timestamps() == null) {
      HistoryChecks.requireFields(model.name(), model.requiredFields(), history);
    }
    if (from < 0 || to > history.length() || from > to) {
      throw new IllegalArgumentException("range [" + from + ", " + to + ") must lie in [0, " + history.length() + "]");
    }
    HistoryChecks.ids("history itemIds", history.itemIds(), from, to, model.embedding().itemVocabulary());
    HistoryChecks.ids("history categoryIds", history.categoryIds(), from, to, model.embedding().cateVocabulary());
    ensureCapacity(length + (to - from));
    int start = length;
    for (int i = from; i < to; i++) {
      put(history.itemIds()[i], history.categoryIds()[i], history.timestamps()[i]);
    }
    if (keysT != null) {
      for (int s = start; s < length; s += BLOCK) {
        project(s, Math.min(BLOCK, length - s));
      }
    }
  }

  /** Appends a whole history. */
  public void appendAll(UserHistory history) {
    appendAll(history, 0, history.length());
  }

  /** Item id of action {@code slot}. */
  public int item(int slot) {
    return items[checkSlot(slot)];
  }

  /** Category id of action {@code slot}. */
  public int category(int slot) {
    return categories[checkSlot(slot)];
  }

  /** Timestamp of action {@code slot}. */
  public long timestamp(int slot) {
    return timestamps[checkSlot(slot)];
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
  int[] itemsArray() { return items; }
  int[] categoriesArray() { return categories; }
  long[] timestampsArray() { return timestamps; }
  /** {@code dk x capacity} transposed search keys, leading dimension {@link #keysStride()}. */
  float[] keysT() { return keysT; }
  int keysStride() { return capacity; }

  private void put(int item, int category, long timestamp) {
    int s = length++;
    items[s] = item;
    categories[s] = category;
    timestamps[s] = timestamp;
    previousSameCategory[s] = lastOfCategory[category];
    lastOfCategory[category] = s;
    countOfCategory[category]++;
  }

  /** Search keys of slots {@code [s, s + rows)}: one GEMM, scattered into the transposed store. */
  private void project(int s, int rows) {
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
    if (needed <= capacity) {
      return;
    }
    int grown = Math.max(needed, 2 * capacity);
    items = Arrays.copyOf(items, grown);
    categories = Arrays.copyOf(categories, grown);
    timestamps = Arrays.copyOf(timestamps, grown);
    previousSameCategory = Arrays.copyOf(previousSameCategory, grown);
    if (keysT != null) {
      float[] wider = new float[dk * grown];
      for (int j = 0; j < dk; j++) {
        System.arraycopy(keysT, j * capacity, wider, j * grown, length);
      }
      keysT = wider;
    }
    capacity = grown;
  }

  private int checkSlot(int slot) {
    if (slot < 0 || slot >= length) {
      throw new IllegalArgumentException("slot must be in [0, " + length + "), got " + slot);
    }
    return slot;
  }

  private static void checkId(String field, int slot, int id, int vocabulary) {
    if (id < 1 || id >= vocabulary) {
      throw new IllegalArgumentException("history " + field + "[" + slot + "] = " + id
          + " is outside the vocabulary [1, " + (vocabulary - 1) + "]");
    }
  }
}
