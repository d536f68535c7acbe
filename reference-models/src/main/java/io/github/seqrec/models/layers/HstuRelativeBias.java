package io.github.seqrec.models.layers;

/**
 * HSTU's relative attention bias (research {@code RelativeBucketedTimeAndPositionBasedBias}):
 * {@code rab_ij = w_pos[N - 1 + j - i] + w_ts[bucket(t_{i+1} - t_j)]} with
 * {@code bucket(dt) = clamp(floor(ln(max(|dt|, 1)) / 0.301), 0, numBuckets)}, evaluated in double
 * precision (seqrec's definition; see {@code golden/models/hstu.py}).
 *
 * <p>The bucket of every gap is found without a logarithm: the thresholds {@code T_k} (the
 * smallest gap in bucket k) are computed once from the double-precision formula itself, and a
 * gap's bit length gives the first candidate bucket, after which at most a few comparisons remain
 * (a power of two spans about 2.3 buckets). So the per-pair cost of the bias is a table walk, and the
 * bias is produced one query row at a time, never as an {@code N x N} matrix. Immutable.
 */
public final class HstuRelativeBias {
  final int n;
  private final int numBuckets;
  private final float[] posWeights;
  private final float[] timeWeights;
  private final long[] thresholds;       // thresholds[k] = smallest |dt| >= 1 in bucket k (k >= 1)
  private final int[] firstBucketOfBitLength;

  /**
   * @param n           the padded length N the research code attends over ({@code max_len + max_output_len})
   * @param posWeights  {@code _pos_w}, {@code 2N - 1} floats
   * @param timeWeights {@code _ts_w}, {@code numBuckets + 1} floats
   */
  public HstuRelativeBias(int n, int numBuckets, float[] posWeights, float[] timeWeights) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
    if (numBuckets < 1 || numBuckets > 180) {
      throw new IllegalArgumentException("numBuckets must be in [1, 180] (gaps fit a long), got " + numBuckets);
    }
    if (posWeights == null || posWeights.length != 2 * n - 1) {
      throw new IllegalArgumentException("posWeights must have 2N - 1 = " + (2 * n - 1) + " floats, got "
          + (posWeights == null ? "null" : posWeights.length));
    }
    if (timeWeights == null || timeWeights.length != numBuckets + 1) {
      throw new IllegalArgumentException("timeWeights must have numBuckets + 1 = " + (numBuckets + 1) + " floats, got "
          + (timeWeights == null ? "null" : timeWeights.length));
    }
    this.n = n;
    this.numBuckets = numBuckets;
    this.posWeights = posWeights.clone();
    this.timeWeights = timeWeights.clone();
    this.thresholds = new long[numBuckets + 1];
    for (int k = 1; k <= numBuckets; k++) {
      long g = Math.max(1L, (long) Math.ceil(Math.exp(0.301 * k)));
      while (g > 1 && formula(g - 1) >= k) {
        g--;
      }
      while (formula(g) < k) {
        g++;
      }
      thresholds[k] = g;
    }
    this.firstBucketOfBitLength = new int[65];
    for (int bits = 1; bits <= 63; bits++) {
      firstBucketOfBitLength[bits] = slowBucket(1L << (bits - 1));
    }
  }

  /** The padded length N. */
  public int length() {
    return n;
  }

  /** The defining formula, in double: {@code floor(ln(a) / 0.301)} for {@code a >= 1}. */
  static long formula(long a) {
    return (long) Math.floor(Math.log((double) a) / 0.301);
  }

  private int slowBucket(long a) {
    return (int) Math.min(numBuckets, Math.max(0, formula(a)));
  }

  /** {@code clamp(floor(ln(max(|dt|, 1)) / 0.301), 0, numBuckets)}. */
  public int bucket(long dt) {
    long a = dt == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(dt);
    if (a <= 1) {
      return 0;
    }
    int k = firstBucketOfBitLength[64 - Long.numberOfLeadingZeros(a)];
    while (k < numBuckets && a >= thresholds[k + 1]) {
      k++;
    }
    return k;
  }

  /**
   * The bias of query row {@code i} against keys {@code j < keys}, written to
   * {@code out[outOff + j]}: {@code w_pos[N-1+j-i] + w_ts[bucket(next - t_j)]}, where {@code next}
   * is {@code t_{i+1}}. Keys past {@code i} get a value too (the caller masks them).
   */
  void row(int i, long next, long[] times, int timesOff, int keys, float[] out, int outOff) {
    int base = n - 1 - i;
    for (int j = 0; j < keys; j++) {
      int p = base + j;
      float pos = p >= 0 && p < posWeights.length ? posWeights[p] : 0f;
      out[outOff + j] = pos + timeWeights[bucket(next - times[timesOff + j])];
    }
  }
}
