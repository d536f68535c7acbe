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
   * ints of the smallest top-k state per query: a 3-int header and m + 2 distance buckets
   * ([0, m + 1]). With only this much the vector backend makes two passes over the candidates.
   */
  static int topKMinimalStateInts(int m) {
    return m + 5;
  }

  /** Smallest top-k scratch for b queries: {@code min(b, QUERY_GROUP) * topKMinimalStateInts(m)}. */
  static long topKMinimalScratch(int b, int m) {
    return (long) Math.min(b, QUERY_GROUP) * topKMinimalStateInts(m);
  }

  /**
   * Candidates a query's one-pass top-k state can hold between compactions: {@code min(count, 3k)}.
   * Fewer than 2k stay alive after a compaction (see {@code VectorHashing}), so 3k leaves room.
   */
  static long topKCapacity(int count, int k) {
    return Math.min(count, 3L * k);
  }

  /**
   * ints of one-pass top-k state per query: the minimal state, then the positions and distances of
   * up to {@link #topKCapacity} admitted candidates.
   */
  static long topKStateInts(int count, int m, int k) {
    return topKMinimalStateInts(m) + 2 * topKCapacity(count, k);
  }

  /** One-pass top-k scratch for b queries: {@code min(b, QUERY_GROUP) * topKStateInts(count, m, k)}. */
  static long topKOnePassScratch(int b, int count, int m, int k) {
    return Math.min(b, QUERY_GROUP) * topKStateInts(count, m, k);
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
   * {@code min(k, valid)} get index -1 and distance {@code m + 1}. Row-major signatures.
   * {@code scratch} holds {@code scratchLength} ints from {@code scratchOff}, at least
   * {@link #topKMinimalScratch}; with {@link #topKOnePassScratch} or more the vector backend
   * makes one pass over the candidates instead of two.
   */
  void topK(long[] queries, int queriesOff, int b, long[] sigs, int sigsOff, int count, int valid, int m, int k,
            int[] indices, int indicesOff, int[] distances, int distancesOff, int[] scratch, int scratchOff,
            int scratchLength);

  /** {@link #topK} with the minimal scratch. */
  default void topK(long[] queries, int queriesOff, int b, long[] sigs, int sigsOff, int count, int valid, int m,
                    int k, int[] indices, int indicesOff, int[] distances, int distancesOff, int[] scratch,
                    int scratchOff) {
    topK(queries, queriesOff, b, sigs, sigsOff, count, valid, m, k, indices, indicesOff, distances, distancesOff,
        scratch, scratchOff, (int) topKMinimalScratch(b, m));
  }

  /** As {@link #topK} on the blocked layout. */
  void topKBlocked(long[] queries, int queriesOff, int b, long[] blocked, int blockedOff, int count, int valid,
                   int m, int k, int[] indices, int indicesOff, int[] distances, int distancesOff,
                   int[] scratch, int scratchOff, int scratchLength);

  /** {@link #topKBlocked} with the minimal scratch. */
  default void topKBlocked(long[] queries, int queriesOff, int b, long[] blocked, int blockedOff, int count,
                           int valid, int m, int k, int[] indices, int indicesOff, int[] distances,
                           int distancesOff, int[] scratch, int scratchOff) {
    topKBlocked(queries, queriesOff, b, blocked, blockedOff, count, valid, m, k, indices, indicesOff, distances,
        distancesOff, scratch, scratchOff, (int) topKMinimalScratch(b, m));
  }
}
