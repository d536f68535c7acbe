package io.github.seqrec.models.layers;

import java.util.Arrays;

/**
 * The distinct behaviours among a two-stage model's picks. C candidates pick up to K history slots
 * each, and they overlap (the same recent behaviours win for similar candidates), so the exact unit
 * embeds and projects each distinct picked behaviour once: {@link #collect} numbers the distinct
 * slots as rows in order of first appearance and maps every pick to its row. O(picks): the
 * slot-to-row map is reset after each call. Per-thread scratch (lives in a model's workspace);
 * grows with the number of slots, never shrinks.
 */
public final class PickSet {
  private int[] rowOf = new int[0];
  private int[] slotOfRow = new int[0];

  /** Sized for picks among {@code slots} slots (a model's history bound), so that warm calls never grow it. */
  public PickSet(int slots) {
    ensure(slots);
  }

  /**
   * Collects the picks {@code picks[c k .. c k + counts[c])} of {@code candidates} candidates, each
   * a slot in {@code [0, slots)}: {@code rows[c k + j]} receives the row of pick j of candidate c,
   * {@link #slot(int)} the slot of each row. Returns the number of distinct rows.
   */
  public int collect(int[] picks, int[] counts, int candidates, int k, int slots, int[] rows) {
    ensure(slots);
    int n = 0;
    for (int c = 0; c < candidates; c++) {
      for (int j = 0, at = c * k; j < counts[c]; j++, at++) {
        int s = picks[at];
        if (rowOf[s] < 0) {
          rowOf[s] = n;
          slotOfRow[n++] = s;
        }
        rows[at] = rowOf[s];
      }
    }
    for (int r = 0; r < n; r++) {
      rowOf[slotOfRow[r]] = -1;
    }
    return n;
  }

  /** The slot of row {@code r} of the last {@link #collect}. */
  public int slot(int r) {
    return slotOfRow[r];
  }

  /** The slots of the rows of the last {@link #collect} ({@code [0, rows)} are valid): a view, not a copy. */
  public int[] slots() {
    return slotOfRow;
  }

  private void ensure(int slots) {
    if (slots > rowOf.length) {
      rowOf = new int[slots];
      Arrays.fill(rowOf, -1);
      slotOfRow = new int[slots];
    }
  }
}
