package io.github.seqrec.kernels.internal;

/**
 * SimHash signatures and Hamming search (ETA, Chen et al. 2021); arguments have been validated by
 * the facade ({@code SimHash}, {@code Hamming}).
 *
 * <p>A signature of {@code m} bits (m a positive multiple of 64) is {@code m / 64} {@code long}
 * words, little-endian: bit k lives in word {@code k / 64} at bit position {@code k % 64}.
 * Row-major signatures of L candidates are {@code L x words} longs. The blocked layout
 * ({@link SignatureLayout}) stores them word-major in blocks of {@link SignatureLayout#BLOCK}
 * candidates.
 */
public interface HashingKernels {

  /** Rows of x projected at once by {@link #signatures}; its scratch is this many rows of m floats. */
  int ROW_BLOCK = 64;

  /** Queries that share one pass over a tile of candidates in {@link #topK}; its scratch holds their states. */
  int QUERY_GROUP = 16;

  /**
   * Candidates a query's top-k state can hold between compactions: {@code min(count, 3k)}. Pass 1
   * keeps fewer than 2k alive after a compaction (see {@code VectorHashing}), so 3k leaves room.
   */
  static long topKCapacity(int count, int k) {
    return Math.min(count, 3L * k);
  }

  /**
   * ints of top-k state per query: a 3-int header, m + 2 distance buckets ([0, m + 1]), then the
   * positions and distances of up to {@link #topKCapacity} admitted candidates.
   */
  static long topKStateInts(int count, int m, int k) {
    return 3L + (m + 2L) + 2 * topKCapacity(count, k);
  }

  /**
   * Sign bits of {@code n} floats (n a multiple of 64): bit b of {@code out[outOff + w]} is
   * {@code values[off + 64 w + b] > 0} (0, -0 and NaN give 0).
   */
  void packSigns(float[] values, int off, int n, long[] out, int outOff);

  /**
   * SimHash signatures of {@code rows x d} inputs x: {@code bit_k = (x R)_k > 0} with R the
   * {@code d x m} planes. The projection goes through {@code DenseKernels.gemm} in blocks of
   * {@link #ROW_BLOCK} rows into {@code scratch} ({@code min(rows, ROW_BLOCK) * m} floats).
   */
  void signatures(float[] x, int xOff, int rows, int d, float[] planes, int planesOff, int m,
                  long[] out, int outOff, float[] scratch, int scratchOff);

  /** {@code out[outOff + l] = popcount(query XOR sig_l)} for {@code l < count}, row-major signatures. */
  void distances(long[] query, int queryOff, long[] sigs, int sigsOff, int count, int m, int[] out, int outOff);

  /** As {@link #distances} on the blocked layout ({@code count} candidates, padded to whole blocks). */
  void distancesBlocked(long[] query, int queryOff, long[] blocked, int blockedOff, int count, int m,
                        int[] out, int outOff);

  /**
   * For each of {@code b} queries, the {@code k} candidates among positions {@code [0, valid)} with
   * the smallest Hamming distance, ties to the lower position, in that order: indices (and, when
   * {@code distances} is not null, distances) into the query's row of {@code k} slots; slots past
   * {@code min(k, valid)} get index -1 and distance {@code m + 1}. {@code scratch} holds
   * {@code min(b, QUERY_GROUP) * topKStateInts(count, m, k)} ints. Row-major signatures.
   */
  void topK(long[] queries, int queriesOff, int b, long[] sigs, int sigsOff, int count, int valid, int m, int k,
            int[] indices, int indicesOff, int[] distances, int distancesOff, int[] scratch, int scratchOff);

  /** As {@link #topK} on the blocked layout. */
  void topKBlocked(long[] queries, int queriesOff, int b, long[] blocked, int blockedOff, int count, int valid,
                   int m, int k, int[] indices, int indicesOff, int[] distances, int distancesOff,
                   int[] scratch, int scratchOff);
}
