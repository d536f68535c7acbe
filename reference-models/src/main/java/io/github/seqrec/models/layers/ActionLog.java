package io.github.seqrec.models.layers;

import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.UserHistory;
import java.util.Arrays;
import java.util.Set;

/**
 * A user's actions kept between requests, appended one at a time as they arrive: item, category
 * and (optionally) timestamp columns, oldest first. The per-user caches of the lifelong models
 * (SIM's category index, ETA's signatures) are an action log plus columns of their own, grown to
 * {@link #capacity()} whenever {@link #ensureCapacity} reports growth. Growth doubles (amortised
 * O(1) per action; nothing is allocated while capacity suffices). Not thread-safe while appending.
 */
public final class ActionLog {
  private final boolean withTimestamps;
  private int length;
  private int capacity;
  private int[] items;
  private int[] categories;
  private long[] timestamps;

  public ActionLog(int initialCapacity, boolean withTimestamps) {
    this.withTimestamps = withTimestamps;
    this.capacity = Math.max(1, initialCapacity);
    this.items = new int[capacity];
    this.categories = new int[capacity];
    this.timestamps = withTimestamps ? new long[capacity] : null;
  }

  /** Number of actions held. */
  public int length() {
    return length;
  }

  /** Actions that fit before the next growth. */
  public int capacity() {
    return capacity;
  }

  /** Forgets every action (capacity is kept). */
  public void clear() {
    length = 0;
  }

  /**
   * Makes room for {@code needed} actions in all; returns true when the arrays grew (the owner then
   * grows its own columns to {@link #capacity()}, keeping the first {@link #length()} entries).
   */
  public boolean ensureCapacity(int needed) {
    if (needed <= capacity) {
      return false;
    }
    int grown = Math.max(needed, 2 * capacity);
    items = Arrays.copyOf(items, grown);
    categories = Arrays.copyOf(categories, grown);
    if (withTimestamps) {
      timestamps = Arrays.copyOf(timestamps, grown);
    }
    capacity = grown;
    return true;
  }

  /** Appends one action after {@link #ensureCapacity}; returns its slot. */
  public int put(int item, int category, long timestamp) {
    int s = length++;
    items[s] = item;
    categories[s] = category;
    if (withTimestamps) {
      timestamps[s] = timestamp;
    }
    return s;
  }

  /** Item id of action {@code slot}. */
  public int item(int slot) {
    return items[checkSlot(slot)];
  }

  /** Category id of action {@code slot}. */
  public int category(int slot) {
    return categories[checkSlot(slot)];
  }

  /** Timestamp of action {@code slot} (0 when the log keeps none). */
  public long timestamp(int slot) {
    checkSlot(slot);
    return withTimestamps ? timestamps[slot] : 0L;
  }

  /** The item column (the first {@link #length()} entries are actions): a view, not a copy. */
  public int[] items() { return items; }
  /** The category column: a view. */
  public int[] categories() { return categories; }
  /** The timestamp column, or null: a view. */
  public long[] timestamps() { return timestamps; }

  private int checkSlot(int slot) {
    if (slot < 0 || slot >= length) {
      throw new IllegalArgumentException("slot must be in [0, " + length + "), got " + slot);
    }
    return slot;
  }

  /**
   * The checks before appending one action: ids in the vocabularies ({@code slot} is the position
   * the action would take, for the message).
   */
  public static void checkAction(int slot, int item, int category, int itemVocabulary, int categoryVocabulary) {
    checkId("itemIds", slot, item, itemVocabulary);
    checkId("categoryIds", slot, category, categoryVocabulary);
  }

  /**
   * The checks before appending actions {@code [from, to)} of {@code history}: the model's fields,
   * the range, and every id, all before anything is appended.
   */
  public static void checkAppend(String model, Set<HistoryField> fields, UserHistory history, int from, int to,
                                 int itemVocabulary, int categoryVocabulary) {
    if (to > from) {
      HistoryChecks.requireFields(model, fields, history);
    }
    if (from < 0 || to > history.length() || from > to) {
      throw new IllegalArgumentException("range [" + from + ", " + to + ") must lie in [0, " + history.length() + "]");
    }
    HistoryChecks.ids("history itemIds", history.itemIds(), from, to, itemVocabulary);
    HistoryChecks.ids("history categoryIds", history.categoryIds(), from, to, categoryVocabulary);
  }

  private static void checkId(String field, int slot, int id, int vocabulary) {
    if (id < 1 || id >= vocabulary) {
      throw new IllegalArgumentException("history " + field + "[" + slot + "] = " + id
          + " is outside the vocabulary [1, " + (vocabulary - 1) + "]");
    }
  }
}
