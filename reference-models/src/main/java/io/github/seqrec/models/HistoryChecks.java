package io.github.seqrec.models;

import java.util.Set;

/**
 * The input checks every model runs before it writes anything, with messages that name the field,
 * the position, the value and the allowed range.
 */
public final class HistoryChecks {
  private HistoryChecks() {}

  private static final HistoryField[] ALL_FIELDS = HistoryField.values();

  /**
   * Fails unless the history carries every field the model needs. Allocation-free (no iterator,
   * no {@code values()} copy), so models call it on every request.
   */
  public static void requireFields(String model, Set<HistoryField> required, UserHistory history) {
    for (HistoryField field : ALL_FIELDS) {
      if (required.contains(field) && !history.has(field)) {
        throw new IllegalArgumentException(model + " needs the history field " + field + ", the history has "
            + history.fields());
      }
    }
  }

  /**
   * The index of the first action a model with maximum length {@code maxLength} reads: histories
   * longer than the maximum keep their most recent actions.
   */
  public static int firstKept(UserHistory history, int maxLength) {
    return Math.max(0, history.length() - maxLength);
  }

  /** Ids {@code ids[from .. to)} must lie in {@code [1, vocabulary)} (0 is padding, not an action). */
  public static void ids(String field, int[] ids, int from, int to, int vocabulary) {
    for (int i = from; i < to; i++) {
      int id = ids[i];
      if (id < 1 || id >= vocabulary) {
        throw new IllegalArgumentException(field + "[" + i + "] = " + id + " is outside the vocabulary [1, "
            + (vocabulary - 1) + "]");
      }
    }
  }

  /** Candidate ids must lie in {@code [1, vocabulary)}. */
  public static void candidates(Candidates candidates, int itemVocabulary, int categoryVocabulary) {
    ids("candidate itemIds", candidates.itemIds(), 0, candidates.count(), itemVocabulary);
    if (categoryVocabulary > 0) {
      if (candidates.categoryIds() == null) {
        throw new IllegalArgumentException("candidate categoryIds are required by this model");
      }
      ids("candidate categoryIds", candidates.categoryIds(), 0, candidates.count(), categoryVocabulary);
    }
  }

  /** Every cross feature of the kept actions must be finite (NaN policy: reject, never propagate). */
  public static void finite(String field, float[] values, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(field + "[" + i + "] = " + values[i] + " is not finite");
      }
    }
  }

  /**
   * Reads the picks of a two-stage model's exact search unit when they come from outside the model
   * (a retrieval service, or the model's own {@code search}): candidate c's picks are
   * {@code slots[slotsOff + c k ..]}, up to {@code k} of them, ended early by a -1 (only -1 may
   * follow). Every pick must be a history position in the kept window {@code [first, end)}.
   * Writes the picks relative to {@code first} into {@code relative[c k ..]} and their number into
   * {@code counts[c]}; throws before writing anything if any pick is out of place.
   */
  public static void picks(String model, int[] slots, int slotsOff, int candidates, int k, int first, int end,
                           int[] relative, int[] counts) {
    if (slots == null) {
      throw new IllegalArgumentException(model + ": slots must not be null");
    }
    long need = (long) candidates * k;
    if (slotsOff < 0 || slotsOff + need > slots.length) {
      throw new IllegalArgumentException(model + ": slots needs " + need + " ints (" + candidates + " candidates x "
          + k + " picks) from offset " + slotsOff + ", its length is " + slots.length);
    }
    for (int c = 0; c < candidates; c++) {
      boolean ended = false;
      for (int j = 0; j < k; j++) {
        int at = slotsOff + c * k + j;
        int s = slots[at];
        if (s == -1) {
          ended = true;
        } else if (ended) {
          throw new IllegalArgumentException(model + ": slots[" + at + "] = " + s + " follows a -1 in candidate "
              + c + "'s picks (a -1 ends them)");
        } else if (s < first || s >= end) {
          throw new IllegalArgumentException(model + ": slots[" + at + "] = " + s + " (candidate " + c
              + ") is outside the kept history [" + first + ", " + end + ")");
        }
      }
    }
    for (int c = 0; c < candidates; c++) {
      int n = 0;
      while (n < k && slots[slotsOff + c * k + n] != -1) {
        relative[c * k + n] = slots[slotsOff + c * k + n] - first;
        n++;
      }
      counts[c] = n;
    }
  }

  /** The output region must hold {@code count} floats. */
  public static void output(float[] logits, int off, int count) {
    if (logits == null) {
      throw new IllegalArgumentException("logits must not be null");
    }
    if (off < 0 || (long) off + count > logits.length) {
      throw new IllegalArgumentException("logits needs " + count + " floats from offset " + off + ", its length is "
          + logits.length);
    }
  }
}
