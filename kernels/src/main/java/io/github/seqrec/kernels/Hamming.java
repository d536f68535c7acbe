package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.HashingKernels;
import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.kernels.internal.SignatureLayout;

/**
 * Hamming distances between {@link SimHash} signatures and the exact Hamming top-k: ETA's
 * general search unit (Chen et al., arXiv 2108.04468, §3): {@code dist_l = popcount(sig(t) XOR
 * sig(h_l))}, keep the k behaviours with the smallest distance.
 *
 * <p><b>Layouts.</b> Signatures of m bits (a positive multiple of 64) are {@code m / 64} longs,
 * little-endian (bit k in word {@code k / 64}, position {@code k % 64}). Candidates come either
 * row-major ({@code count x m/64} longs from an offset) or in the blocked layout
 * ({@link #toBlocked}, {@link SignatureBlock}), which is much faster for m >= 128.
 *
 * <p><b>Top-k rule</b> (exact and deterministic): a query's k slots hold the candidates among
 * positions {@code [0, valid)} ordered by (distance, position), i.e. smaller distance first and
 * ties to the lower position; positions {@code >= valid} (padding, to which ETA gives distance
 * m + 1) are never selected. When fewer than k are valid, the slots after the first
 * {@code min(k, valid)} get index -1 and distance m + 1. Selection counts distances in m + 1
 * buckets (FAISS's {@code HCounterState} idea): no heap, no sort, O(1) per candidate.
 *
 * <p>Stateless and thread-safe; nothing allocates except {@link #block}. Scratch comes from the
 * caller: {@link #topKScratchSize(int, int)} ints at least, {@link #topKScratchSize(int, int, int, int)}
 * for the one-pass search. Bad arguments raise {@link IllegalArgumentException} naming the
 * argument with the expected and actual value.
 */
public final class Hamming {
  private static final HashingKernels KERNELS = KernelProvider.get().hashing();

  private Hamming() {}

  // ---------------------------------------------------------------- distances

  /**
   * {@code out[outOff + l] = popcount(query XOR sig_l)} for the {@code count} row-major
   * signatures from {@code sigOff}; one query of m bits from {@code queryOff}.
   */
  public static void distances(long[] query, int queryOff, long[] signatures, int sigOff, int count, int m,
                               int[] out, int outOff) {
    SimHash.checkBits(m);
    Checks.nonNegative("count", count);
    Checks.region("query", query, queryOff, m / 64);
    Checks.region("signatures", signatures, sigOff, (long) count * (m / 64));
    Checks.region("out", out, outOff, count);
    KERNELS.distances(query, queryOff, signatures, sigOff, count, m, out, outOff);
  }

  /** As {@link #distances(long[], int, long[], int, int, int, int[], int)} for a prepared block. */
  public static void distances(long[] query, int queryOff, SignatureBlock block, int[] out, int outOff) {
    Checks.notNull("block", block);
    Checks.region("query", query, queryOff, block.words());
    Checks.region("out", out, outOff, block.count());
    KERNELS.distancesBlocked(query, queryOff, block.blocked(), 0, block.count(), block.bits(), out, outOff);
  }

  /**
   * As {@link #distances(long[], int, long[], int, int, int, int[], int)} for {@code count}
   * signatures in the blocked layout ({@link #toBlocked}) from {@code blockedOff}.
   */
  public static void distancesBlocked(long[] query, int queryOff, long[] blocked, int blockedOff, int count, int m,
                                      int[] out, int outOff) {
    SimHash.checkBits(m);
    Checks.nonNegative("count", count);
    Checks.region("query", query, queryOff, m / 64);
    Checks.region("blocked", blocked, blockedOff, SignatureLayout.blockedLength(count, m / 64));
    Checks.region("out", out, outOff, count);
    KERNELS.distancesBlocked(query, queryOff, blocked, blockedOff, count, m, out, outOff);
  }

  // ---------------------------------------------------------------- blocked layout

  /**
   * Longs the blocked layout of {@code count} signatures of m bits takes: count rounded up to a
   * multiple of 8, times {@code m / 64}.
   */
  public static int blockedLength(int count, int m) {
    Checks.nonNegative("count", count);
    SimHash.checkBits(m);
    long length = SignatureLayout.blockedLength(count, m / 64);
    if (length > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("the blocked layout of count = " + count + ", m = " + m
          + " needs " + length + " longs, more than an array holds");
    }
    return (int) length;
  }

  /**
   * Copies {@code count} row-major signatures into the blocked layout at {@code dst[dstOff]}
   * ({@link #blockedLength} longs): blocks of 8 candidates; inside block j, word w of candidate
   * {@code 8 j + i} is at {@code dstOff + j * 8 * (m/64) + w * 8 + i}. The padding of the last
   * block is zero. For per-request histories gathered into reusable arrays; {@link #block} makes
   * an immutable copy instead.
   */
  public static void toBlocked(long[] signatures, int sigOff, int count, int m, long[] dst, int dstOff) {
    int length = blockedLength(count, m);
    Checks.region("signatures", signatures, sigOff, (long) count * (m / 64));
    Checks.region("dst", dst, dstOff, length);
    if (signatures == dst) {
      SimHash.checkDisjoint("dst", dstOff, length, "signatures", sigOff, (long) count * (m / 64));
    }
    SignatureLayout.toBlocked(signatures, sigOff, count, m / 64, dst, dstOff);
  }

  /** An immutable blocked copy of {@code count} row-major signatures of m bits (allocates once). */
  public static SignatureBlock block(long[] signatures, int sigOff, int count, int m) {
    long[] blocked = new long[blockedLength(count, m)];
    toBlocked(signatures, sigOff, count, m, blocked, 0);
    return new SignatureBlock(blocked, count, m);
  }

  // ---------------------------------------------------------------- top-k

  /**
   * Ints of scratch {@code topK} needs for {@code queries} queries of m bits, whatever the count
   * and k: m + 5 per query, for up to 16 queries (0 for no query). With this much the vector
   * backend makes two passes over the candidates; {@link #topKScratchSize(int, int, int, int)}
   * lets it make one.
   */
  public static int topKScratchSize(int queries, int m) {
    Checks.nonNegative("queries", queries);
    SimHash.checkBits(m);
    long size = HashingKernels.topKMinimalScratch(queries, m);
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("top-k scratch for queries = " + queries + ", m = " + m + " needs " + size
          + " ints, more than an array holds");
    }
    return (int) size;
  }

  /**
   * Ints of scratch that let {@code topK} search {@code count} signatures of m bits for k in one
   * pass: per query (up to 16) m + 5 ints plus room for {@code 2 min(count, 3k)} admitted
   * candidates (about 2.2 KB per query for m = 256, k = 50). The results are the same with the
   * smaller {@link #topKScratchSize(int, int)}; the one-pass search reads the history once
   * instead of twice.
   */
  public static int topKScratchSize(int queries, int count, int m, int k) {
    Checks.nonNegative("queries", queries);
    Checks.nonNegative("count", count);
    SimHash.checkBits(m);
    Checks.positive("k", k);
    long size = HashingKernels.topKOnePassScratch(queries, count, m, k);
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("top-k scratch for queries = " + queries + ", count = " + count + ", m = " + m
          + ", k = " + k + " needs " + size + " ints, more than an array holds");
    }
    return (int) size;
  }

  /**
   * The exact Hamming top-k of {@code b} queries against {@code count} row-major signatures.
   *
   * <p>Query q ({@code m / 64} longs at {@code queriesOff + q * m/64}) fills row q of
   * {@code indices} and {@code distances} ({@code b x k} ints from their offsets): the positions
   * in {@code [0, valid)} of its k nearest signatures by (distance, position), then -1 / m + 1
   * past {@code min(k, valid)} (see the class comment). {@code distances} may be null.
   * {@code k >= valid} is allowed.
   *
   * @param scratch at least {@link #topKScratchSize(int, int)}{@code (b, m)} ints from
   *     {@code scratchOff}, not overlapping the outputs; when the array holds
   *     {@link #topKScratchSize(int, int, int, int)}{@code (b, count, m, k)} ints from there (not
   *     overlapping the outputs), they are all used and the search makes one pass instead of two
   * @return {@code min(k, valid)}, the number of selected candidates per query
   */
  public static int topK(long[] queries, int queriesOff, int b, long[] signatures, int sigOff, int count, int valid,
                         int m, int k, int[] indices, int indicesOff, int[] distances, int distancesOff,
                         int[] scratch, int scratchOff) {
    SimHash.checkBits(m);
    Checks.nonNegative("count", count);
    Checks.region("signatures", signatures, sigOff, (long) count * (m / 64));
    int scratchLength = checkTopK(queries, queriesOff, b, count, valid, m, k, indices, indicesOff, distances,
        distancesOff, scratch, scratchOff);
    KERNELS.topK(queries, queriesOff, b, signatures, sigOff, count, valid, m, k, indices, indicesOff,
        distances, distancesOff, scratch, scratchOff, scratchLength);
    return Math.min(k, valid);
  }

  /**
   * As {@link #topK(long[], int, int, long[], int, int, int, int, int, int[], int, int[], int, int[], int)}
   * against a prepared {@link SignatureBlock} (its count and bits); {@code valid <= block.count()}.
   */
  public static int topK(long[] queries, int queriesOff, int b, SignatureBlock block, int valid, int k,
                         int[] indices, int indicesOff, int[] distances, int distancesOff,
                         int[] scratch, int scratchOff) {
    Checks.notNull("block", block);
    int scratchLength = checkTopK(queries, queriesOff, b, block.count(), valid, block.bits(), k, indices,
        indicesOff, distances, distancesOff, scratch, scratchOff);
    KERNELS.topKBlocked(queries, queriesOff, b, block.blocked(), 0, block.count(), valid, block.bits(), k,
        indices, indicesOff, distances, distancesOff, scratch, scratchOff, scratchLength);
    return Math.min(k, valid);
  }

  /**
   * As {@link #topK(long[], int, int, long[], int, int, int, int, int, int[], int, int[], int, int[], int)}
   * against {@code count} signatures in the blocked layout ({@link #toBlocked}) from
   * {@code blockedOff}.
   */
  public static int topKBlocked(long[] queries, int queriesOff, int b, long[] blocked, int blockedOff, int count,
                                int valid, int m, int k, int[] indices, int indicesOff, int[] distances,
                                int distancesOff, int[] scratch, int scratchOff) {
    SimHash.checkBits(m);
    Checks.nonNegative("count", count);
    Checks.region("blocked", blocked, blockedOff, SignatureLayout.blockedLength(count, m / 64));
    int scratchLength = checkTopK(queries, queriesOff, b, count, valid, m, k, indices, indicesOff, distances,
        distancesOff, scratch, scratchOff);
    KERNELS.topKBlocked(queries, queriesOff, b, blocked, blockedOff, count, valid, m, k, indices, indicesOff,
        distances, distancesOff, scratch, scratchOff, scratchLength);
    return Math.min(k, valid);
  }

  /** Validates a top-k call; returns how many ints of scratch from its offset the kernel may use. */
  private static int checkTopK(long[] queries, int queriesOff, int b, int count, int valid, int m, int k,
                               int[] indices, int indicesOff, int[] distances, int distancesOff,
                               int[] scratch, int scratchOff) {
    Checks.nonNegative("b", b);
    Checks.inRange("valid", valid, 0, count);
    Checks.positive("k", k);
    Checks.region("queries", queries, queriesOff, (long) b * (m / 64));
    long slots = (long) b * k;
    Checks.region("indices", indices, indicesOff, slots);
    if (distances != null) {
      Checks.region("distances", distances, distancesOff, slots);
      if (distances == indices) {
        SimHash.checkDisjoint("distances", distancesOff, slots, "indices", indicesOff, slots);
      }
    }
    int minimal = topKScratchSize(b, m);
    Checks.region("scratch", scratch, scratchOff, minimal);
    if (scratch == indices) {
      SimHash.checkDisjoint("scratch", scratchOff, minimal, "indices", indicesOff, slots);
    }
    if (scratch == distances) {
      SimHash.checkDisjoint("scratch", scratchOff, minimal, "distances", distancesOff, slots);
    }
    long onePass = HashingKernels.topKOnePassScratch(b, count, m, k);
    boolean fits = onePass <= scratch.length - (long) scratchOff
        && (scratch != indices || disjoint(scratchOff, onePass, indicesOff, slots))
        && (scratch != distances || disjoint(scratchOff, onePass, distancesOff, slots));
    return fits ? (int) onePass : minimal;
  }

  private static boolean disjoint(long off, long length, long otherOff, long otherLength) {
    return length == 0 || otherLength == 0 || off + length <= otherOff || otherOff + otherLength <= off;
  }
}
