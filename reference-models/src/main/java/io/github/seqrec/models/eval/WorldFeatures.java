package io.github.seqrec.models.eval;

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
}
