package io.github.seqrec.models.eval;

import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.UserHistory;
import java.util.Arrays;
import java.util.Set;

/**
 * History features derived from an interaction log the same way the demo's PyTorch trainer
 * ({@code reference-models/demo/train.py}) derives them, for models that read more than ids and
 * timestamps.
 *
 * <p>TWIN's two categorical cross features per behaviour: {@code [action type, min(15,
 * bit_length(gap_hours))]} where {@code gap_hours = max(0, requestTime - t) / 3600} (integer
 * division), so 0 hours gives bucket 0, 1 hour 1, 2..3 hours 2, ..., 2^14 hours and more 15.
 */
public final class WorldFeatures {
  private WorldFeatures() {}

  /** Cross features per behaviour. */
  public static final int CROSS_DIM = 2;

  /** Buckets of each cross feature (the action type must be below it too). */
  public static final int CROSS_BUCKETS = 16;

  /**
   * Writes {@code (to - from) x 2} cross buckets of rows {@code from .. to} into {@code out[0 ..]}.
   *
   * @throws IllegalArgumentException if an action type is {@code >= 16}
   */
  public static void crossBuckets(int[] actions, long[] timestamps, int from, int to, long requestTime, int[] out) {
    for (int r = from; r < to; r++) {
      int action = actions[r];
      if (action < 0 || action >= CROSS_BUCKETS) {
        throw new IllegalArgumentException("action type " + action + " cannot be a cross bucket: must be in [0, "
            + (CROSS_BUCKETS - 1) + "]");
      }
      long gapHours = Math.max(0L, requestTime - timestamps[r]) / 3600L;
      int bits = 64 - Long.numberOfLeadingZeros(gapHours);
      out[2 * (r - from)] = action;
      out[2 * (r - from) + 1] = Math.min(CROSS_BUCKETS - 1, bits);
    }
  }

  /**
   * The history of rows {@code from .. to} of a log (oldest first) with every field {@code required}
   * needs: item ids, timestamps, request time and user id always; category ids from {@code
   * categoryOf[item]}; action types; TWIN's cross buckets (above) when required.
   *
   * @throws IllegalArgumentException if a required field cannot be derived (named)
   */
  public static UserHistory history(Set<HistoryField> required, int[] items, long[] timestamps, int[] actions,
                                    int[] categoryOf, int from, int to, long requestTime, int userId) {
    int n = to - from;
    UserHistory.Builder b = UserHistory.of(Arrays.copyOfRange(items, from, to), n)
        .timestamps(Arrays.copyOfRange(timestamps, from, to))
        .requestTime(requestTime);
    if (userId >= 0) {
      b.userId(userId);
    }
    if (required.contains(HistoryField.CATEGORY_IDS)) {
      int[] cates = new int[n];
      for (int i = 0; i < n; i++) {
        int item = items[from + i];
        cates[i] = item < categoryOf.length ? categoryOf[item] : 0;
      }
      b.categoryIds(cates);
    }
    if (actions != null) {
      b.actionTypes(Arrays.copyOfRange(actions, from, to));
    }
    if (required.contains(HistoryField.CROSS_BUCKETS)) {
      if (actions == null) {
        throw new IllegalArgumentException("crossBuckets need action types");
      }
      int[] buckets = new int[n * CROSS_DIM];
      crossBuckets(actions, timestamps, from, to, requestTime, buckets);
      b.crossBuckets(buckets, CROSS_DIM);
    }
    return b.build();
  }
}
