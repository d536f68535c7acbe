package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;
import static io.github.seqrec.kernels.internal.vector.Species.INT;
import static io.github.seqrec.kernels.internal.vector.Species.LONG;
import static io.github.seqrec.kernels.internal.vector.Species.LONG_LANES;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.HashingKernels;
import io.github.seqrec.kernels.internal.SignatureLayout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector API hashing kernels.
 *
 * <p><b>Signatures.</b> The projection is {@link DenseKernels#gemm}; each 64-bit word is then
 * {@code 64 / FLOAT_LANES} compares {@code > 0}, whose masks ({@code toLong()}, one bit per lane)
 * are shifted into place.
 *
 * <p><b>Distances.</b> XOR with the broadcast query word and a lane-wise {@code BIT_COUNT}
 * (VPOPCNTQ on AVX-512) over {@code LONG_LANES} candidates at once: for 64-bit signatures one
 * vector per step; for the blocked layout one vector per (block, word), accumulated lane-wise, so
 * wide signatures need no horizontal reduction. Row-major signatures wider than 64 bits are
 * summed word by word with {@link Long#bitCount} (the blocked layout is their fast path). When all
 * distances are wanted as ints, 64-bit signatures use the plain {@code Long.bitCount} loop, which
 * C2 vectorizes itself and which beats a LongVector-to-IntVector conversion.
 *
 * <p><b>Top-k</b>, exact, in one pass, no heap (after FAISS's {@code HCounterState}): distances
 * are integers in [0, m], so each query keeps m + 2 counters, a cutoff and a short list. The scan
 * admits only candidates strictly below the cutoff (a vector compare; the admitted few are
 * counted and appended to the list in scalar code); whenever k admitted candidates lie strictly
 * below the cutoff, nothing at or above it can be selected any more, so it drops. At the end the
 * cutoff t is the k-th smallest distance, the counters below t are exact, and the list (in
 * position order) holds every candidate below t and the earliest ones at t: a counting sort of
 * the list gives the k slots, ties to the lower position. The list is compacted to the candidates
 * at or below the cutoff when full; fewer than 2k survive a compaction (fewer than k lie below
 * the cutoff, and at most k were admitted at it), so a capacity of 3k (or the count) bounds it.
 * When the caller's scratch has no room for the lists ({@code Hamming.topKScratchSize(b, m)}),
 * the first pass only counts, and a second pass with the final cutoff places the selected
 * candidates (the same hit searches, the same result).
 *
 * <p>Admissions cost a mispredicted branch each, and a query starting with no cutoff makes about
 * k (1 + ln(L / k)) of them. So queries run in groups of {@link #QUERY_GROUP}, and each group
 * starts its cutoff just above the previous group's largest k-th distance (the targets of one
 * request share a history, so their k-th distances are alike); a query whose k-th distance is
 * not below that start is detected (its cutoff never dropped) and rescanned from the top, so the
 * result stays exact. With several queries the history is cut into tiles of about 128 KB that
 * the whole group scans while the tile sits in L2. Where hits are rare the scan searches for the
 * next hit in a loop without calls (C2 keeps it in registers) and admits outside it.
 */
public final class VectorHashing implements HashingKernels {
  private static final int BLOCK = SignatureLayout.BLOCK;
  /** A block is a whole number of long vectors (true up to 512-bit vectors). */
  private static final boolean BLOCK_FITS = LONG_LANES <= BLOCK && BLOCK % LONG_LANES == 0;
  /**
   * Bytes of signatures per tile when several queries share it: well inside L2, and large enough
   * that the per-tile cost (a call, the query words, a mispredicted loop exit) stays small.
   */
  private static final int TILE_BYTES = 128 << 10;

  // per-query top-k state in the caller's scratch (HashingKernels.topKStateInts)
  private static final int CUT = 0;      // only distances below it are admitted; ends as the k-th smallest
  private static final int BELOW = 1;    // admitted candidates strictly below the cutoff
  private static final int SIZE = 2;     // one pass: entries in the admitted list
  private static final int LEFT = 1;     // two passes, second pass: slots still to fill
  private static final int TAKE = 2;     // two passes, second pass: candidates at the cutoff still to place
  private static final int BUCKETS = 3;  // m + 2 counts per distance; one pass: then the list (positions, distances)

  private final DenseKernels dense;

  public VectorHashing(DenseKernels dense) {
    this.dense = dense;
  }

  // ---------------------------------------------------------------- signatures

  @Override
  public void packSigns(float[] values, int off, int n, long[] out, int outOff) {
    for (int w = 0; w < n / 64; w++) {
      out[outOff + w] = signWord(values, off + 64 * w);
    }
  }

  private static long signWord(float[] values, int at) {
    long word = 0L;
    for (int j = 0; j < 64; j += FLOAT_LANES) {
      word |= FloatVector.fromArray(FLOAT, values, at + j).compare(VectorOperators.GT, 0f).toLong() << j;
    }
    return word;
  }

  @Override
  public void signatures(float[] x, int xOff, int rows, int d, float[] planes, int planesOff, int m,
                         long[] out, int outOff, float[] scratch, int scratchOff) {
    int words = m / 64;
    for (int r = 0; r < rows; r += ROW_BLOCK) {
      int n = Math.min(ROW_BLOCK, rows - r);
      dense.gemm(x, xOff + r * d, d, n, d, planes, planesOff, m, m, null, 0, scratch, scratchOff, m, false);
      packSigns(scratch, scratchOff, n * m, out, outOff + r * words);
    }
  }

  // ---------------------------------------------------------------- distances

  @Override
  public void distances(long[] query, int queryOff, long[] sigs, int sigsOff, int count, int m, int[] out, int outOff) {
    int words = m / 64;
    if (words == 1) {
      distances64(query[queryOff], sigs, sigsOff, count, out, outOff);
    } else if (words == 2) {
      long q0 = query[queryOff];
      long q1 = query[queryOff + 1];
      for (int l = 0; l < count; l++) {
        int at = sigsOff + 2 * l;
        out[outOff + l] = Long.bitCount(q0 ^ sigs[at]) + Long.bitCount(q1 ^ sigs[at + 1]);
      }
    } else if (words == 4) {
      long q0 = query[queryOff];
      long q1 = query[queryOff + 1];
      long q2 = query[queryOff + 2];
      long q3 = query[queryOff + 3];
      for (int l = 0; l < count; l++) {
        int at = sigsOff + 4 * l;
        out[outOff + l] = Long.bitCount(q0 ^ sigs[at]) + Long.bitCount(q1 ^ sigs[at + 1])
            + Long.bitCount(q2 ^ sigs[at + 2]) + Long.bitCount(q3 ^ sigs[at + 3]);
      }
    } else {
      for (int l = 0; l < count; l++) {
        out[outOff + l] = rowDistance(query, queryOff, words, sigs, sigsOff + l * words);
      }
    }
  }

  /** The loop C2 auto-vectorizes (VPXORQ, VPOPCNTQ, VPMOVQD). */
  private static void distances64(long q, long[] sigs, int sigsOff, int count, int[] out, int outOff) {
    for (int i = 0; i < count; i++) {
      out[outOff + i] = Long.bitCount(q ^ sigs[sigsOff + i]);
    }
  }

  @Override
  public void distancesBlocked(long[] query, int queryOff, long[] blocked, int blockedOff, int count, int m,
                               int[] out, int outOff) {
    int words = m / 64;
    if (words == 1) { // one word: the blocked layout is the row-major one
      distances64(query[queryOff], blocked, blockedOff, count, out, outOff);
      return;
    }
    if (!BLOCK_FITS) {
      for (int l = 0; l < count; l++) {
        out[outOff + l] = blockedDistance(query, queryOff, words, blocked, SignatureLayout.at(blockedOff, l, 0, words));
      }
      return;
    }
    if (words == 2) {
      distancesBlocked2(query, queryOff, blocked, blockedOff, count, out, outOff);
    } else if (words == 4) {
      distancesBlocked4(query, queryOff, blocked, blockedOff, count, out, outOff);
    } else {
      for (int pos = 0; pos < count; pos += BLOCK) {
        int at = blockedOff + pos * words;
        for (int h = 0; h < BLOCK && pos + h < count; h += LONG_LANES) {
          blockDistances(query, queryOff, words, blocked, at + h, 0, out, outOff + pos + h, count - pos - h);
        }
      }
    }
  }

  // The 128- and 256-bit loops below keep the query words broadcast in registers for the whole scan
  // and write the popcounts out: the generic word loop re-broadcasts per word and vector and ran
  // 1.35x (distances) to 1.8x (top-k) slower at m = 256 (HashingBenchmark, AVX2).

  private static void distancesBlocked2(long[] q, int qAt, long[] bl, int bOff, int count, int[] out, int outOff) {
    VectorMask<Integer> low = INT.indexInRange(0, LONG_LANES);
    LongVector q0 = LongVector.broadcast(LONG, q[qAt]);
    LongVector q1 = LongVector.broadcast(LONG, q[qAt + 1]);
    for (int pos = 0; pos < count; pos += BLOCK) {
      int at = bOff + pos * 2;
      for (int h = 0; h < BLOCK && pos + h < count; h += LONG_LANES) {
        LongVector d = LongVector.fromArray(LONG, bl, at + h).lanewise(VectorOperators.XOR, q0)
            .lanewise(VectorOperators.BIT_COUNT)
            .add(LongVector.fromArray(LONG, bl, at + BLOCK + h).lanewise(VectorOperators.XOR, q1)
                .lanewise(VectorOperators.BIT_COUNT));
        int left = count - pos - h;
        ((IntVector) d.convertShape(VectorOperators.L2I, INT, 0))
            .intoArray(out, outOff + pos + h, left >= LONG_LANES ? low : INT.indexInRange(0, left));
      }
    }
  }

  private static void distancesBlocked4(long[] q, int qAt, long[] bl, int bOff, int count, int[] out, int outOff) {
    VectorMask<Integer> low = INT.indexInRange(0, LONG_LANES);
    LongVector q0 = LongVector.broadcast(LONG, q[qAt]);
    LongVector q1 = LongVector.broadcast(LONG, q[qAt + 1]);
    LongVector q2 = LongVector.broadcast(LONG, q[qAt + 2]);
    LongVector q3 = LongVector.broadcast(LONG, q[qAt + 3]);
    for (int pos = 0; pos < count; pos += BLOCK) {
      int at = bOff + pos * 4;
      for (int h = 0; h < BLOCK && pos + h < count; h += LONG_LANES) {
        LongVector d01 = LongVector.fromArray(LONG, bl, at + h).lanewise(VectorOperators.XOR, q0)
            .lanewise(VectorOperators.BIT_COUNT)
            .add(LongVector.fromArray(LONG, bl, at + BLOCK + h).lanewise(VectorOperators.XOR, q1)
                .lanewise(VectorOperators.BIT_COUNT));
        LongVector d23 = LongVector.fromArray(LONG, bl, at + 2 * BLOCK + h).lanewise(VectorOperators.XOR, q2)
            .lanewise(VectorOperators.BIT_COUNT)
            .add(LongVector.fromArray(LONG, bl, at + 3 * BLOCK + h).lanewise(VectorOperators.XOR, q3)
                .lanewise(VectorOperators.BIT_COUNT));
        int left = count - pos - h;
        ((IntVector) d01.add(d23).convertShape(VectorOperators.L2I, INT, 0))
            .intoArray(out, outOff + pos + h, left >= LONG_LANES ? low : INT.indexInRange(0, left));
      }
    }
  }

  /**
   * The Hamming distances of the LONG_LANES candidates whose word 0 is at {@code blocked[at]}: stored
   * into {@code out} (its first {@code min(left, LONG_LANES)} entries) when {@code out} is not null;
   * returns the lanes below {@code cut} as bits. Vectors stay inside this method: one passed to or
   * returned from a helper that C2 does not inline is boxed on every call.
   */
  private static long blockDistances(long[] q, int qAt, int words, long[] blocked, int at, int cut, int[] out,
                                     int outOff, int left) {
    LongVector acc = LongVector.fromArray(LONG, blocked, at)
        .lanewise(VectorOperators.XOR, q[qAt]).lanewise(VectorOperators.BIT_COUNT);
    for (int w = 1; w < words; w++) {
      acc = acc.add(LongVector.fromArray(LONG, blocked, at + w * BLOCK)
          .lanewise(VectorOperators.XOR, q[qAt + w]).lanewise(VectorOperators.BIT_COUNT));
    }
    if (out != null) {
      IntVector d = (IntVector) acc.convertShape(VectorOperators.L2I, INT, 0);
      d.intoArray(out, outOff, INT.indexInRange(0, Math.min(left, LONG_LANES)));
    }
    return acc.compare(VectorOperators.LT, cut).toLong();
  }

  private static int rowDistance(long[] q, int qAt, int words, long[] sigs, int at) {
    int dist = 0;
    int w = 0;
    for (; w + 4 <= words; w += 4) { // unrolled: C2 leaves the short word loop rolled otherwise
      dist += Long.bitCount(q[qAt + w] ^ sigs[at + w]) + Long.bitCount(q[qAt + w + 1] ^ sigs[at + w + 1])
          + Long.bitCount(q[qAt + w + 2] ^ sigs[at + w + 2]) + Long.bitCount(q[qAt + w + 3] ^ sigs[at + w + 3]);
    }
    for (; w < words; w++) {
      dist += Long.bitCount(q[qAt + w] ^ sigs[at + w]);
    }
    return dist;
  }

  private static int blockedDistance(long[] q, int qAt, int words, long[] blocked, int at) {
    int dist = 0;
    for (int w = 0; w < words; w++) {
      dist += Long.bitCount(q[qAt + w] ^ blocked[at + w * BLOCK]);
    }
    return dist;
  }

  // ---------------------------------------------------------------- top-k

  @Override
  public void topK(long[] queries, int queriesOff, int b, long[] sigs, int sigsOff, int count, int valid, int m, int k,
                   int[] indices, int indicesOff, int[] distances, int distancesOff, int[] scratch, int scratchOff,
                   int scratchLength) {
    topKAny(queries, queriesOff, b, sigs, sigsOff, false, count, valid, m, k, indices, indicesOff,
        distances, distancesOff, scratch, scratchOff, scratchLength);
  }

  @Override
  public void topKBlocked(long[] queries, int queriesOff, int b, long[] blocked, int blockedOff, int count, int valid,
                          int m, int k, int[] indices, int indicesOff, int[] distances, int distancesOff,
                          int[] scratch, int scratchOff, int scratchLength) {
    topKAny(queries, queriesOff, b, blocked, blockedOff, true, count, valid, m, k, indices, indicesOff,
        distances, distancesOff, scratch, scratchOff, scratchLength);
  }

  private static int tileCandidates(int words) {
    return Math.max(BLOCK, TILE_BYTES / (8 * words) / BLOCK * BLOCK);
  }

  private static void topKAny(long[] queries, int qOff, int b, long[] sigs, int sOff, boolean blocked, int count,
                              int valid, int m, int k, int[] idx, int iOff, int[] dist, int dOff,
                              int[] st, int stOff, int stLength) {
    int words = m / 64;
    // one pass (admitted candidates kept in a list) when the scratch holds the lists, else two
    // (the first only counts, the second places the selected candidates)
    boolean onePass = stLength >= HashingKernels.topKOnePassScratch(b, count, m, k);
    int cap = onePass ? (int) HashingKernels.topKCapacity(count, k) : 0;
    int stride = onePass ? (int) HashingKernels.topKStateInts(count, m, k) : HashingKernels.topKMinimalStateInts(m);
    int selected = Math.min(k, valid);
    int start = m + 1; // the first group admits every distance (at most m) until k lie below the cutoff
    for (int g = 0; g < b; g += QUERY_GROUP) {
      int group = Math.min(QUERY_GROUP, b - g);
      int tile = group == 1 ? Math.max(1, valid) : tileCandidates(words); // one query: nothing to share
      for (int qi = 0; qi < group; qi++) {
        reset(st, stOff + qi * stride, m, start);
      }
      for (int from = 0; from < valid; from += Math.min(tile, valid - from)) {
        int to = from + Math.min(tile, valid - from);
        for (int qi = 0; qi < group; qi++) {
          scan(queries, qOff + (g + qi) * words, words, sigs, sOff, blocked, from, to, k, m, cap, st,
              stOff + qi * stride);
        }
      }
      int next = 0;
      for (int qi = 0; qi < group; qi++) {
        int base = stOff + qi * stride;
        if (start <= m && st[base + CUT] == start) {
          // the cutoff never dropped below the start: fewer than k candidates lie below it, and
          // those at or above it were never admitted. Scan this query again from the top.
          reset(st, base, m, m + 1);
          scan(queries, qOff + (g + qi) * words, words, sigs, sOff, blocked, 0, valid, k, m, cap, st, base);
        }
        next = Math.max(next, st[base + CUT]);
        int row = (g + qi) * k;
        if (onePass) {
          finish(st, base, m, cap, selected, k, idx, iOff + row, dist, dOff + row);
        } else {
          slots(st, base, selected);
        }
      }
      if (!onePass) {
        boolean pending = selected > 0;
        for (int from = 0; from < valid && pending; from += Math.min(tile, valid - from)) {
          int to = from + Math.min(tile, valid - from);
          pending = false;
          for (int qi = 0; qi < group; qi++) {
            int base = stOff + qi * stride;
            if (st[base + LEFT] > 0) {
              int row = (g + qi) * k;
              placeScan(queries, qOff + (g + qi) * words, words, sigs, sOff, blocked, from, to, st, base,
                  idx, iOff + row, dist, dOff + row);
              pending |= st[base + LEFT] > 0;
            }
          }
        }
        for (int qi = 0; qi < group; qi++) {
          pad(m, selected, k, idx, iOff + (g + qi) * k, dist, dOff + (g + qi) * k);
        }
      }
      // The next group starts just above this group's largest k-th distance: the targets of one
      // request are scored against the same history, so their k-th distances are alike, and
      // the early admissions (about k ln(L / k) per query, each a mispredicted branch) mostly
      // vanish. A query whose k-th distance lies higher is detected and rescanned.
      start = Math.min(m + 1, next + 1);
    }
  }

  /** Slots past the selected ones: index -1, distance m + 1. */
  private static void pad(int m, int selected, int k, int[] idx, int iOff, int[] dist, int dOff) {
    Arrays.fill(idx, iOff + selected, iOff + k, -1);
    if (dist != null) {
      Arrays.fill(dist, dOff + selected, dOff + k, m + 1);
    }
  }

  /**
   * Two-pass mode, between the passes: the cutoff t is the k-th smallest distance; the buckets
   * below it become output offsets (an exclusive prefix sum of the exact counts), {@code TAKE}
   * says how many candidates at t fit, {@code LEFT} how many slots remain.
   */
  private static void slots(int[] st, int base, int selected) {
    int cut = st[base + CUT];
    int slot = 0;
    for (int d = 0; d < cut; d++) {
      int c = st[base + BUCKETS + d];
      st[base + BUCKETS + d] = slot;
      slot += c;
    }
    st[base + BUCKETS + cut] = slot;
    st[base + TAKE] = selected - slot;
    st[base + LEFT] = selected;
  }

  /**
   * Two-pass mode, second pass over [from, to): finds the candidates at distance at most t with
   * the same hit searches as the first pass and places them.
   */
  private static void placeScan(long[] q, int qAt, int words, long[] sigs, int sOff, boolean blocked, int from,
                                int to, int[] st, int base, int[] idx, int iOff, int[] dist, int dOff) {
    int limit = st[base + CUT] + 1; // hits: distance below t + 1
    if (words == 1) {
      long q0 = q[qAt];
      int step = 4 * LONG_LANES;
      int end = from + (to - from) / step * step;
      int i = from;
      while (st[base + LEFT] > 0 && (i = nextHit64(q0, sigs, sOff, i, end, limit)) < end) {
        for (int l = i; l < i + step; l++) {
          place(Long.bitCount(q0 ^ sigs[sOff + l]), l, st, base, idx, iOff, dist, dOff);
        }
        i += step;
      }
      for (i = end; i < to && st[base + LEFT] > 0; i++) {
        place(Long.bitCount(q0 ^ sigs[sOff + i]), i, st, base, idx, iOff, dist, dOff);
      }
    } else if (!blocked || !BLOCK_FITS) {
      for (int l = from; l < to && st[base + LEFT] > 0; l++) {
        place(distance(q, qAt, words, sigs, sOff, blocked, l), l, st, base, idx, iOff, dist, dOff);
      }
    } else {
      int pos = from;
      while (pos < to && st[base + LEFT] > 0) {
        pos = nextHitBlocked(q, qAt, words, sigs, sOff, pos, to, limit);
        for (int l = pos; l < Math.min(to, pos + BLOCK); l++) {
          place(distance(q, qAt, words, sigs, sOff, true, l), l, st, base, idx, iOff, dist, dOff);
        }
        pos += BLOCK;
      }
    }
  }

  private static int distance(long[] q, int qAt, int words, long[] sigs, int sOff, boolean blocked, int l) {
    return blocked
        ? blockedDistance(q, qAt, words, sigs, SignatureLayout.at(sOff, l, 0, words))
        : rowDistance(q, qAt, words, sigs, sOff + l * words);
  }

  /** Two-pass mode: places the candidate at {@code pos} with distance d if it is selected. */
  private static void place(int d, int pos, int[] st, int base, int[] idx, int iOff, int[] dist, int dOff) {
    int cut = st[base + CUT];
    if (d > cut || st[base + LEFT] == 0) {
      return;
    }
    if (d == cut) {
      if (st[base + TAKE] == 0) {
        return;
      }
      st[base + TAKE]--;
    }
    int slot = st[base + BUCKETS + d]++;
    idx[iOff + slot] = pos;
    if (dist != null) {
      dist[dOff + slot] = d;
    }
    st[base + LEFT]--;
  }

  private static void reset(int[] st, int base, int m, int cut) {
    st[base + CUT] = cut;
    st[base + BELOW] = 0;
    st[base + SIZE] = 0;
    Arrays.fill(st, base + BUCKETS, base + BUCKETS + m + 2, 0);
  }

  private static void scan(long[] q, int qAt, int words, long[] sigs, int sOff, boolean blocked, int from, int to,
                           int k, int m, int cap, int[] st, int base) {
    int cut = st[base + CUT];
    if (cut == 0) {
      return; // k candidates at distance 0: nothing can be admitted any more
    }
    if (words == 1) { // the blocked layout of one-word signatures is the row-major one
      cut = scan64(q[qAt], sigs, sOff, from, to, k, m, cap, cut, st, base);
    } else if (!blocked) {
      cut = scanRows(q, qAt, words, sigs, sOff, from, to, k, m, cap, cut, st, base);
    } else if (!BLOCK_FITS) {
      for (int l = from; l < to; l++) {
        cut = admit(blockedDistance(q, qAt, words, sigs, SignatureLayout.at(sOff, l, 0, words)), l, cut, k, m, cap,
            st, base);
      }
    } else {
      cut = scanBlocked(q, qAt, words, sigs, sOff, from, to, k, m, cap, cut, st, base);
    }
    st[base + CUT] = cut;
  }

  /** Row-major signatures of 2 or more words: scalar popcounts, the query words held in registers for 2 and 4. */
  private static int scanRows(long[] q, int qAt, int words, long[] sigs, int sOff, int from, int to, int k, int m,
                              int cap, int cut, int[] st, int base) {
    if (words == 2) {
      long q0 = q[qAt];
      long q1 = q[qAt + 1];
      for (int l = from; l < to; l++) {
        int at = sOff + 2 * l;
        int d = Long.bitCount(q0 ^ sigs[at]) + Long.bitCount(q1 ^ sigs[at + 1]);
        if (d < cut) {
          cut = admit(d, l, cut, k, m, cap, st, base);
        }
      }
    } else if (words == 4) {
      long q0 = q[qAt];
      long q1 = q[qAt + 1];
      long q2 = q[qAt + 2];
      long q3 = q[qAt + 3];
      for (int l = from; l < to; l++) {
        int at = sOff + 4 * l;
        int d = Long.bitCount(q0 ^ sigs[at]) + Long.bitCount(q1 ^ sigs[at + 1])
            + Long.bitCount(q2 ^ sigs[at + 2]) + Long.bitCount(q3 ^ sigs[at + 3]);
        if (d < cut) {
          cut = admit(d, l, cut, k, m, cap, st, base);
        }
      }
    } else {
      for (int l = from; l < to; l++) {
        int d = rowDistance(q, qAt, words, sigs, sOff + l * words);
        if (d < cut) {
          cut = admit(d, l, cut, k, m, cap, st, base);
        }
      }
    }
    return cut;
  }

  /**
   * A query that starts with no cutoff (the first group) admits often below position 32k, so
   * there candidates are admitted as each group is computed; past it, or with a cutoff carried over
   * from the previous group, hits are rare and the scans look for the next hit in a loop without
   * calls, which C2 keeps entirely in registers.
   */
  private static int denseEnd(int k, int m, int cut, int from, int to) {
    if (cut <= m) {
      return from;
    }
    long end = 32L * k / (4 * BLOCK) * (4 * BLOCK);
    return (int) Math.max(from, Math.min(to, end));
  }

  /** One-word signatures, 4 vectors per step; the step's minimum distance decides whether to look closer. */
  private static int scan64(long q, long[] sigs, int sOff, int from, int to, int k, int m, int cap, int cut,
                            int[] st, int base) {
    int step = 4 * LONG_LANES;
    int end = from + (to - from) / step * step;
    int dense = Math.min(end, denseEnd(k, m, cut, from, to));
    // One call site per vector method: C2 inlines the whole scan into this method, and a second
    // copy of the group admission can push the inline tree past its size limit, leaving some
    // Vector API calls un-intrinsified (they then allocate on every call).
    for (int i = from; i < end; i += step) {
      if (i >= dense && (i = nextHit64(q, sigs, sOff, i, end, cut)) >= end) {
        break;
      }
      cut = admitGroup64(q, sigs, sOff, i, k, m, cap, cut, st, base);
    }
    for (int i = end; i < to; i++) {
      cut = admit(Long.bitCount(q ^ sigs[sOff + i]), i, cut, k, m, cap, st, base);
    }
    return cut;
  }

  /** The first i in [from, end), in steps of 4 vectors, whose candidates hold a distance below cut; else end. */
  private static int nextHit64(long q, long[] sigs, int sOff, int from, int end, int cut) {
    LongVector qv = LongVector.broadcast(LONG, q);
    LongVector cv = LongVector.broadcast(LONG, cut);
    for (int i = from; i < end; i += 4 * LONG_LANES) {
      int at = sOff + i;
      // popcount(word XOR query), written out: a helper taking vectors is boxed where not inlined
      LongVector c0 = LongVector.fromArray(LONG, sigs, at).lanewise(VectorOperators.XOR, qv);
      LongVector c1 = LongVector.fromArray(LONG, sigs, at + LONG_LANES).lanewise(VectorOperators.XOR, qv);
      LongVector c2 = LongVector.fromArray(LONG, sigs, at + 2 * LONG_LANES).lanewise(VectorOperators.XOR, qv);
      LongVector c3 = LongVector.fromArray(LONG, sigs, at + 3 * LONG_LANES).lanewise(VectorOperators.XOR, qv);
      LongVector c = c0.lanewise(VectorOperators.BIT_COUNT).min(c1.lanewise(VectorOperators.BIT_COUNT))
          .min(c2.lanewise(VectorOperators.BIT_COUNT).min(c3.lanewise(VectorOperators.BIT_COUNT)));
      if (c.compare(VectorOperators.LT, cv).anyTrue()) {
        return i;
      }
    }
    return end;
  }

  /** Admits the candidates of the 4 vectors at position i that lie below the cutoff. */
  private static int admitGroup64(long q, long[] sigs, int sOff, int i, int k, int m, int cap, int cut,
                                  int[] st, int base) {
    LongVector qv = LongVector.broadcast(LONG, q);
    int at = sOff + i; // popcount(word XOR query), written out as in nextHit64
    LongVector c0 = LongVector.fromArray(LONG, sigs, at).lanewise(VectorOperators.XOR, qv)
        .lanewise(VectorOperators.BIT_COUNT);
    LongVector c1 = LongVector.fromArray(LONG, sigs, at + LONG_LANES).lanewise(VectorOperators.XOR, qv)
        .lanewise(VectorOperators.BIT_COUNT);
    LongVector c2 = LongVector.fromArray(LONG, sigs, at + 2 * LONG_LANES).lanewise(VectorOperators.XOR, qv)
        .lanewise(VectorOperators.BIT_COUNT);
    LongVector c3 = LongVector.fromArray(LONG, sigs, at + 3 * LONG_LANES).lanewise(VectorOperators.XOR, qv)
        .lanewise(VectorOperators.BIT_COUNT);
    if (!c0.min(c1).min(c2.min(c3)).compare(VectorOperators.LT, cut).anyTrue()) {
      return cut;
    }
    // All four masks are taken before any admission, so no vector is live across a call (C2 would
    // box it whenever admit64 is not inlined). They hold the lanes below the cutoff at entry: a
    // superset of those below the cutoff as it drops, and admit() skips the ones no longer below.
    return admitLanes(c0.compare(VectorOperators.LT, cut).toLong(), c1.compare(VectorOperators.LT, cut).toLong(),
        c2.compare(VectorOperators.LT, cut).toLong(), c3.compare(VectorOperators.LT, cut).toLong(),
        q, sigs, sOff, i, k, m, cap, cut, st, base);
  }

  /** Admits the lanes set in the masks of the 4 vectors at position i (scalar code: no vector crosses the call). */
  private static int admitLanes(long m0, long m1, long m2, long m3, long q, long[] sigs, int sOff, int i, int k,
                                int m, int cap, int cut, int[] st, int base) {
    cut = admit64(m0, q, sigs, sOff, i, k, m, cap, cut, st, base);
    cut = admit64(m1, q, sigs, sOff, i + LONG_LANES, k, m, cap, cut, st, base);
    cut = admit64(m2, q, sigs, sOff, i + 2 * LONG_LANES, k, m, cap, cut, st, base);
    return admit64(m3, q, sigs, sOff, i + 3 * LONG_LANES, k, m, cap, cut, st, base);
  }

  private static int admit64(long lanes, long q, long[] sigs, int sOff, int pos, int k, int m, int cap, int cut,
                             int[] st, int base) {
    for (; lanes != 0; lanes &= lanes - 1) {
      int l = pos + Long.numberOfTrailingZeros(lanes);
      cut = admit(Long.bitCount(q ^ sigs[sOff + l]), l, cut, k, m, cap, st, base);
    }
    return cut;
  }

  /** Blocked signatures of 2 or more words: blocks of 8 candidates, a vector per (block part, word). */
  private static int scanBlocked(long[] q, int qAt, int words, long[] bl, int bOff, int from, int to, int k, int m,
                                 int cap, int cut, int[] st, int base) {
    int dense = denseEnd(k, m, cut, from, to);
    for (int pos = from; pos < to; pos += BLOCK) { // one admitBlock call site, as in scan64
      if (pos >= dense) {
        pos = nextHitBlocked(q, qAt, words, bl, bOff, pos, to, cut);
        if (pos >= to) {
          break;
        }
      }
      cut = admitBlock(q, qAt, words, bl, bOff, pos, to, k, m, cap, cut, st, base);
    }
    return cut;
  }

  /** Admits the candidates of the block at {@code pos} that lie below the cutoff. */
  private static int admitBlock(long[] q, int qAt, int words, long[] bl, int bOff, int pos, int to, int k, int m,
                                int cap, int cut, int[] st, int base) {
    int at = bOff + pos * words;
    for (int h = 0; h < BLOCK; h += LONG_LANES) {
      long hit = blockDistances(q, qAt, words, bl, at + h, cut, null, 0, 0);
      if (hit != 0) {
        cut = admitBlocked(hit, q, qAt, words, bl, at + h, pos + h, to, k, m, cap, cut, st, base);
      }
    }
    return cut;
  }

  /** The first block position in [pos, to) holding a distance below cut (padding lanes included); else to. */
  private static int nextHitBlocked(long[] q, int qAt, int words, long[] bl, int bOff, int pos, int to, int cut) {
    if (words == 2) {
      return nextHitBlocked2(q, qAt, bl, bOff, pos, to, cut);
    }
    if (words == 4) {
      return nextHitBlocked4(q, qAt, bl, bOff, pos, to, cut);
    }
    for (; pos < to; pos += BLOCK) {
      int at = bOff + pos * words;
      for (int h = 0; h < BLOCK; h += LONG_LANES) {
        if (blockDistances(q, qAt, words, bl, at + h, cut, null, 0, 0) != 0) {
          return pos;
        }
      }
    }
    return to;
  }

  private static int nextHitBlocked2(long[] q, int qAt, long[] bl, int bOff, int pos, int to, int cut) {
    LongVector q0 = LongVector.broadcast(LONG, q[qAt]);
    LongVector q1 = LongVector.broadcast(LONG, q[qAt + 1]);
    LongVector cv = LongVector.broadcast(LONG, cut);
    for (; pos < to; pos += BLOCK) {
      int at = bOff + pos * 2;
      for (int h = 0; h < BLOCK; h += LONG_LANES) {
        LongVector d = LongVector.fromArray(LONG, bl, at + h).lanewise(VectorOperators.XOR, q0)
            .lanewise(VectorOperators.BIT_COUNT)
            .add(LongVector.fromArray(LONG, bl, at + BLOCK + h).lanewise(VectorOperators.XOR, q1)
                .lanewise(VectorOperators.BIT_COUNT));
        if (d.compare(VectorOperators.LT, cv).anyTrue()) {
          return pos;
        }
      }
    }
    return to;
  }

  private static int nextHitBlocked4(long[] q, int qAt, long[] bl, int bOff, int pos, int to, int cut) {
    LongVector q0 = LongVector.broadcast(LONG, q[qAt]);
    LongVector q1 = LongVector.broadcast(LONG, q[qAt + 1]);
    LongVector q2 = LongVector.broadcast(LONG, q[qAt + 2]);
    LongVector q3 = LongVector.broadcast(LONG, q[qAt + 3]);
    LongVector cv = LongVector.broadcast(LONG, cut);
    for (; pos < to; pos += BLOCK) {
      int at = bOff + pos * 4;
      for (int h = 0; h < BLOCK; h += LONG_LANES) {
        LongVector d01 = LongVector.fromArray(LONG, bl, at + h).lanewise(VectorOperators.XOR, q0)
            .lanewise(VectorOperators.BIT_COUNT)
            .add(LongVector.fromArray(LONG, bl, at + BLOCK + h).lanewise(VectorOperators.XOR, q1)
                .lanewise(VectorOperators.BIT_COUNT));
        LongVector d23 = LongVector.fromArray(LONG, bl, at + 2 * BLOCK + h).lanewise(VectorOperators.XOR, q2)
            .lanewise(VectorOperators.BIT_COUNT)
            .add(LongVector.fromArray(LONG, bl, at + 3 * BLOCK + h).lanewise(VectorOperators.XOR, q3)
                .lanewise(VectorOperators.BIT_COUNT));
        if (d01.add(d23).compare(VectorOperators.LT, cv).anyTrue()) {
          return pos;
        }
      }
    }
    return to;
  }

  /**
   * Admits the hit lanes of the vector whose candidates start at position {@code pos} (word 0 at
   * {@code blocked[at]}); lanes at or past {@code to} (the last block's padding, or positions past
   * valid) are dropped here, off the hot path.
   */
  private static int admitBlocked(long lanes, long[] q, int qAt, int words, long[] blocked, int at, int pos, int to,
                                  int k, int m, int cap, int cut, int[] st, int base) {
    int left = to - pos;
    if (left < LONG_LANES) {
      lanes &= left <= 0 ? 0L : (1L << left) - 1;
    }
    for (; lanes != 0; lanes &= lanes - 1) {
      int j = Long.numberOfTrailingZeros(lanes);
      cut = admit(blockedDistance(q, qAt, words, blocked, at + j), pos + j, cut, k, m, cap, st, base);
    }
    return cut;
  }

  /**
   * Admission of the candidate at {@code pos} with distance d: only if strictly below the cutoff
   * (candidates at the cutoff are never needed: the earliest ones there were admitted before it
   * dropped to them). It is counted and appended to the list; while k counted candidates lie
   * strictly below the cutoff, nothing at or above it can be selected, so the cutoff drops and
   * the bucket it leaves stops counting. Returns the new cutoff.
   */
  private static int admit(int d, int pos, int cut, int k, int m, int cap, int[] st, int base) {
    if (d >= cut) {
      return cut;
    }
    int buckets = base + BUCKETS;
    if (cap > 0) { // one pass: keep the candidate
      int positions = buckets + m + 2;
      int size = st[base + SIZE];
      if (size == cap) {
        size = compact(st, positions, cap, size, cut);
      }
      st[positions + size] = pos;
      st[positions + cap + size] = d;
      st[base + SIZE] = size + 1;
    }
    st[buckets + d]++;
    int below = st[base + BELOW] + 1;
    while (below >= k) {
      cut--;
      below -= st[buckets + cut];
    }
    st[base + BELOW] = below;
    return cut;
  }

  /** Drops the list entries above the cutoff, keeping the others in position order; returns the new size. */
  private static int compact(int[] st, int positions, int cap, int size, int cut) {
    int kept = 0;
    for (int e = 0; e < size; e++) {
      int d = st[positions + cap + e];
      if (d <= cut) {
        st[positions + kept] = st[positions + e];
        st[positions + cap + kept] = d;
        kept++;
      }
    }
    return kept;
  }

  /**
   * The query's k slots from its list: output offsets per distance below the cutoff t (an
   * exclusive prefix sum of the exact counts), then a counting sort of the list in position order,
   * taking at t only the first {@code selected - below} candidates. Slots past selected are
   * padding (-1, m + 1).
   */
  private static void finish(int[] st, int base, int m, int cap, int selected, int k,
                             int[] idx, int iOff, int[] dist, int dOff) {
    int buckets = base + BUCKETS;
    int positions = buckets + m + 2;
    int cut = st[base + CUT];
    int slot = 0;
    for (int d = 0; d < cut; d++) {
      int c = st[buckets + d];
      st[buckets + d] = slot;
      slot += c;
    }
    st[buckets + cut] = slot; // slot == the count below the cutoff
    int takeAtCut = selected - slot;
    int size = st[base + SIZE];
    for (int e = 0; e < size; e++) {
      int d = st[positions + cap + e];
      if (d < cut || (d == cut && takeAtCut > 0)) {
        if (d == cut) {
          takeAtCut--;
        }
        int s = st[buckets + d]++;
        idx[iOff + s] = st[positions + e];
        if (dist != null) {
          dist[dOff + s] = d;
        }
      }
    }
    pad(m, selected, k, idx, iOff, dist, dOff);
  }
}
