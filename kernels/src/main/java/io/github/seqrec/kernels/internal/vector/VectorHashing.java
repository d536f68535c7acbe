package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;
import static io.github.seqrec.kernels.internal.vector.Species.INT;
import static io.github.seqrec.kernels.internal.vector.Species.LONG;
import static io.github.seqrec.kernels.internal.vector.Species.LONG_LANES;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.HashingKernels;
import io.github.seqrec.kernels.internal.SignatureLayout;
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
 * (VPOPCNTQ on AVX-512): one vector of {@code LONG_LANES} candidates per step for 64-bit
 * signatures; for the blocked layout one vector per (block half, word), accumulated lane-wise, so
 * wide signatures never need a horizontal reduction. Row-major signatures wider than 64 bits are
 * summed word by word with {@link Long#bitCount} (the blocked layout is the fast path for them).
 *
 * <p><b>Top-k.</b> Exact, no heap, after FAISS's {@code HCounterState}: distances are integers in
 * [0, m], so each query keeps m + 1 counters and a cutoff. Pass 1 streams the candidates and admits
 * only those strictly below the cutoff (a vector compare; the admitted few update the counters in
 * scalar code); whenever k admitted candidates lie strictly below the cutoff, it drops by one,
 * so after a short warm-up almost nothing is admitted. At the end the cutoff is the k-th smallest
 * distance t, and the counters hold, per distance below t, how many candidates have it. Pass 2
 * streams the candidates again and places those with distance below t, and the first ones at t,
 * into their output slots (counting sort), in position order: ties go to the lower position.
 * Both passes run over tiles of about 16 KB of signatures with a group of {@link #QUERY_GROUP}
 * queries per tile, so a history larger than the caches is read from memory once per group.
 */
public final class VectorHashing implements HashingKernels {
  private static final int BLOCK = SignatureLayout.BLOCK;
  /** A block is a whole number of long vectors (true up to 512-bit vectors). */
  private static final boolean BLOCK_FITS = LONG_LANES <= BLOCK && BLOCK % LONG_LANES == 0;
  /** Bytes of signatures per tile: fits L1 beside the queries' states. */
  private static final int TILE_BYTES = 16 << 10;

  // per-query top-k state in the caller's scratch: a header, then m + 1 distance buckets
  private static final int CUT = 0;      // pass 1: current cutoff; pass 2: the k-th smallest distance t
  private static final int COUNT = 1;    // pass 1: admitted candidates below the cutoff; pass 2: slots left
  private static final int TAKE = 2;     // pass 2: candidates at distance t still to place
  private static final int BUCKETS = 3;  // pass 1: counts per distance; pass 2: next output slot per distance

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
    } else {
      for (int l = 0; l < count; l++) {
        out[outOff + l] = rowDistance(query, queryOff, words, sigs, sigsOff + l * words);
      }
    }
  }

  private static void distances64(long q, long[] sigs, int sigsOff, int count, int[] out, int outOff) {
    LongVector qv = LongVector.broadcast(LONG, q);
    VectorMask<Integer> low = INT.indexInRange(0, LONG_LANES);
    int i = 0;
    for (; i + LONG_LANES <= count; i += LONG_LANES) {
      LongVector c = LongVector.fromArray(LONG, sigs, sigsOff + i).lanewise(VectorOperators.XOR, qv)
          .lanewise(VectorOperators.BIT_COUNT);
      toInts(c).intoArray(out, outOff + i, low);
    }
    for (; i < count; i++) {
      out[outOff + i] = Long.bitCount(q ^ sigs[sigsOff + i]);
    }
  }

  /** The LONG_LANES distances of a vector as the low lanes of an int vector. */
  private static IntVector toInts(LongVector c) {
    return (IntVector) c.convertShape(VectorOperators.L2I, INT, 0);
  }

  private static int rowDistance(long[] q, int qAt, int words, long[] sigs, int at) {
    int dist = 0;
    for (int w = 0; w < words; w++) {
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

  /** Distances of the LONG_LANES candidates whose word 0 is at {@code blocked[at]}. */
  private static LongVector blockDistances(long[] q, int qAt, int words, long[] blocked, int at) {
    LongVector acc = LongVector.fromArray(LONG, blocked, at).lanewise(VectorOperators.XOR, q[qAt])
        .lanewise(VectorOperators.BIT_COUNT);
    for (int w = 1; w < words; w++) {
      acc = acc.add(LongVector.fromArray(LONG, blocked, at + w * BLOCK).lanewise(VectorOperators.XOR, q[qAt + w])
          .lanewise(VectorOperators.BIT_COUNT));
    }
    return acc;
  }

  @Override
  public void distancesBlocked(long[] query, int queryOff, long[] blocked, int blockedOff, int count, int m,
                               int[] out, int outOff) {
    int words = m / 64;
    if (!BLOCK_FITS) {
      for (int l = 0; l < count; l++) {
        out[outOff + l] = blockedDistance(query, queryOff, words, blocked, SignatureLayout.at(blockedOff, l, 0, words));
      }
      return;
    }
    VectorMask<Integer> low = INT.indexInRange(0, LONG_LANES);
    for (int pos = 0; pos < count; pos += BLOCK) {
      int at = blockedOff + pos * words;
      for (int h = 0; h < BLOCK; h += LONG_LANES) {
        int left = count - pos - h;
        if (left <= 0) {
          break;
        }
        IntVector d = toInts(blockDistances(query, queryOff, words, blocked, at + h));
        d.intoArray(out, outOff + pos + h, left >= LONG_LANES ? low : INT.indexInRange(0, left));
      }
    }
  }

  // ---------------------------------------------------------------- top-k

  @Override
  public void topK(long[] queries, int queriesOff, int b, long[] sigs, int sigsOff, int count, int valid, int m, int k,
                   int[] indices, int indicesOff, int[] distances, int distancesOff, int[] scratch, int scratchOff) {
    topKAny(queries, queriesOff, b, sigs, sigsOff, false, valid, m, k, indices, indicesOff, distances, distancesOff,
        scratch, scratchOff);
  }

  @Override
  public void topKBlocked(long[] queries, int queriesOff, int b, long[] blocked, int blockedOff, int count, int valid,
                          int m, int k, int[] indices, int indicesOff, int[] distances, int distancesOff,
                          int[] scratch, int scratchOff) {
    topKAny(queries, queriesOff, b, blocked, blockedOff, true, valid, m, k, indices, indicesOff, distances,
        distancesOff, scratch, scratchOff);
  }

  private static int tileCandidates(int words) {
    int perTile = TILE_BYTES / (8 * words);
    return Math.max(BLOCK, perTile / BLOCK * BLOCK);
  }

  private static void topKAny(long[] queries, int qOff, int b, long[] sigs, int sOff, boolean blocked, int valid,
                              int m, int k, int[] idx, int iOff, int[] dist, int dOff, int[] st, int stOff) {
    int words = m / 64;
    int stride = HashingKernels.topKStateInts(m);
    int tile = tileCandidates(words);
    int selected = Math.min(k, valid);
    for (int g = 0; g < b; g += QUERY_GROUP) {
      int group = Math.min(QUERY_GROUP, b - g);
      for (int qi = 0; qi < group; qi++) {
        int base = stOff + qi * stride;
        st[base + CUT] = m;
        st[base + COUNT] = 0;
        java.util.Arrays.fill(st, base + BUCKETS, base + BUCKETS + m + 1, 0);
      }
      for (int from = 0; from < valid; from += Math.min(tile, valid - from)) {
        int to = from + Math.min(tile, valid - from);
        for (int qi = 0; qi < group; qi++) {
          pass1(queries, qOff + (g + qi) * words, words, sigs, sOff, blocked, from, to, k, st, stOff + qi * stride);
        }
      }
      for (int qi = 0; qi < group; qi++) {
        finishPass1(st, stOff + qi * stride, selected);
      }
      boolean pending = selected > 0;
      for (int from = 0; from < valid && pending; from += Math.min(tile, valid - from)) {
        int to = from + Math.min(tile, valid - from);
        pending = false;
        for (int qi = 0; qi < group; qi++) {
          int base = stOff + qi * stride;
          if (st[base + COUNT] > 0) {
            int row = (g + qi) * k;
            pass2(queries, qOff + (g + qi) * words, words, sigs, sOff, blocked, from, to, st, base,
                idx, iOff + row, dist, dOff + row);
            pending |= st[base + COUNT] > 0;
          }
        }
      }
      for (int qi = 0; qi < group; qi++) {
        int row = (g + qi) * k;
        java.util.Arrays.fill(idx, iOff + row + selected, iOff + row + k, -1);
        if (dist != null) {
          java.util.Arrays.fill(dist, dOff + row + selected, dOff + row + k, m + 1);
        }
      }
    }
  }

  /**
   * Turns pass 1's counts into pass 2's output slots: the cutoff t is now the k-th smallest
   * distance (or m when fewer than k are valid); below t every candidate is placed, at t only
   * {@code selected - below} of them, the first in position order.
   */
  private static void finishPass1(int[] st, int base, int selected) {
    int cut = st[base + CUT];
    int slot = 0;
    for (int d = 0; d < cut; d++) {
      int c = st[base + BUCKETS + d];
      st[base + BUCKETS + d] = slot;
      slot += c;
    }
    st[base + BUCKETS + cut] = slot; // slot == the count below the cutoff
    st[base + TAKE] = selected - slot;
    st[base + COUNT] = selected;
  }

  /**
   * Pass-1 admission of one candidate at distance d: counted only if strictly below the cutoff
   * (candidates at the cutoff are never needed to decide it). While k counted candidates lie
   * strictly below the cutoff, nothing at or above it can be selected, so the cutoff drops and the
   * bucket it leaves stops counting. Returns the new cutoff.
   */
  private static int admit(int d, int cut, int k, int[] st, int base) {
    if (d >= cut) {
      return cut;
    }
    st[base + BUCKETS + d]++;
    int below = st[base + COUNT] + 1;
    while (below >= k) {
      cut--;
      below -= st[base + BUCKETS + cut];
    }
    st[base + COUNT] = below;
    return cut;
  }

  /** Pass-2 placement of the candidate at {@code pos} with distance {@code d}, if selected. */
  private static void place(int d, int pos, int[] st, int base, int[] idx, int iOff, int[] dist, int dOff) {
    int cut = st[base + CUT];
    if (d > cut || st[base + COUNT] == 0) {
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
    st[base + COUNT]--;
  }

  private static void pass1(long[] q, int qAt, int words, long[] sigs, int sOff, boolean blocked, int from, int to,
                            int k, int[] st, int base) {
    int cut = st[base + CUT];
    if (blocked && BLOCK_FITS) {
      cut = pass1Blocked(q, qAt, words, sigs, sOff, from, to, k, cut, st, base);
    } else if (blocked) {
      for (int l = from; l < to; l++) {
        cut = admit(blockedDistance(q, qAt, words, sigs, SignatureLayout.at(sOff, l, 0, words)), cut, k, st, base);
      }
    } else if (words == 1) {
      cut = pass1Row64(q[qAt], sigs, sOff, from, to, k, cut, st, base);
    } else {
      for (int l = from; l < to; l++) {
        int d = rowDistance(q, qAt, words, sigs, sOff + l * words);
        if (d < cut) {
          cut = admit(d, cut, k, st, base);
        }
      }
    }
    st[base + CUT] = cut;
  }

  private static int pass1Row64(long q, long[] sigs, int sOff, int from, int to, int k, int cut, int[] st, int base) {
    LongVector qv = LongVector.broadcast(LONG, q);
    int i = from;
    for (; i + LONG_LANES <= to; i += LONG_LANES) {
      VectorMask<Long> hit = LongVector.fromArray(LONG, sigs, sOff + i).lanewise(VectorOperators.XOR, qv)
          .lanewise(VectorOperators.BIT_COUNT).compare(VectorOperators.LT, cut);
      if (hit.anyTrue()) {
        cut = admit64(hit.toLong(), q, sigs, sOff + i, k, cut, st, base);
      }
    }
    for (; i < to; i++) {
      cut = admit(Long.bitCount(q ^ sigs[sOff + i]), cut, k, st, base);
    }
    return cut;
  }

  private static int admit64(long lanes, long q, long[] sigs, int at, int k, int cut, int[] st, int base) {
    for (; lanes != 0; lanes &= lanes - 1) {
      cut = admit(Long.bitCount(q ^ sigs[at + Long.numberOfTrailingZeros(lanes)]), cut, k, st, base);
    }
    return cut;
  }

  private static int pass1Blocked(long[] q, int qAt, int words, long[] blocked, int bOff, int from, int to, int k,
                                  int cut, int[] st, int base) {
    for (int pos = from; pos < to; pos += BLOCK) {
      int at = bOff + pos * words;
      for (int h = 0; h < BLOCK; h += LONG_LANES) {
        VectorMask<Long> hit = blockDistances(q, qAt, words, blocked, at + h).compare(VectorOperators.LT, cut);
        if (pos + BLOCK > to) {
          hit = hit.and(LONG.indexInRange(pos + h, to));
        }
        if (hit.anyTrue()) {
          cut = admitBlocked(hit.toLong(), q, qAt, words, blocked, at + h, k, cut, st, base);
        }
      }
    }
    return cut;
  }

  private static int admitBlocked(long lanes, long[] q, int qAt, int words, long[] blocked, int at, int k, int cut,
                                  int[] st, int base) {
    for (; lanes != 0; lanes &= lanes - 1) {
      int d = blockedDistance(q, qAt, words, blocked, at + Long.numberOfTrailingZeros(lanes));
      cut = admit(d, cut, k, st, base);
    }
    return cut;
  }

  private static void pass2(long[] q, int qAt, int words, long[] sigs, int sOff, boolean blocked, int from, int to,
                            int[] st, int base, int[] idx, int iOff, int[] dist, int dOff) {
    if (blocked && BLOCK_FITS) {
      pass2Blocked(q, qAt, words, sigs, sOff, from, to, st, base, idx, iOff, dist, dOff);
    } else if (blocked) {
      for (int l = from; l < to && st[base + COUNT] > 0; l++) {
        place(blockedDistance(q, qAt, words, sigs, SignatureLayout.at(sOff, l, 0, words)), l, st, base,
            idx, iOff, dist, dOff);
      }
    } else if (words == 1) {
      pass2Row64(q[qAt], sigs, sOff, from, to, st, base, idx, iOff, dist, dOff);
    } else {
      int cut = st[base + CUT];
      for (int l = from; l < to && st[base + COUNT] > 0; l++) {
        int d = rowDistance(q, qAt, words, sigs, sOff + l * words);
        if (d <= cut) {
          place(d, l, st, base, idx, iOff, dist, dOff);
        }
      }
    }
  }

  private static void pass2Row64(long q, long[] sigs, int sOff, int from, int to, int[] st, int base,
                                 int[] idx, int iOff, int[] dist, int dOff) {
    LongVector qv = LongVector.broadcast(LONG, q);
    int cut = st[base + CUT];
    int i = from;
    for (; i + LONG_LANES <= to; i += LONG_LANES) {
      VectorMask<Long> hit = LongVector.fromArray(LONG, sigs, sOff + i).lanewise(VectorOperators.XOR, qv)
          .lanewise(VectorOperators.BIT_COUNT).compare(VectorOperators.LE, cut);
      if (hit.anyTrue()) {
        for (long lanes = hit.toLong(); lanes != 0; lanes &= lanes - 1) {
          int l = i + Long.numberOfTrailingZeros(lanes);
          place(Long.bitCount(q ^ sigs[sOff + l]), l, st, base, idx, iOff, dist, dOff);
        }
        if (st[base + COUNT] == 0) {
          return;
        }
      }
    }
    for (; i < to; i++) {
      place(Long.bitCount(q ^ sigs[sOff + i]), i, st, base, idx, iOff, dist, dOff);
    }
  }

  private static void pass2Blocked(long[] q, int qAt, int words, long[] blocked, int bOff, int from, int to,
                                   int[] st, int base, int[] idx, int iOff, int[] dist, int dOff) {
    int cut = st[base + CUT];
    for (int pos = from; pos < to; pos += BLOCK) {
      int at = bOff + pos * words;
      for (int h = 0; h < BLOCK; h += LONG_LANES) {
        VectorMask<Long> hit = blockDistances(q, qAt, words, blocked, at + h).compare(VectorOperators.LE, cut);
        if (pos + BLOCK > to) {
          hit = hit.and(LONG.indexInRange(pos + h, to));
        }
        if (hit.anyTrue()) {
          for (long lanes = hit.toLong(); lanes != 0; lanes &= lanes - 1) {
            int j = Long.numberOfTrailingZeros(lanes);
            place(blockedDistance(q, qAt, words, blocked, at + h + j), pos + h + j, st, base, idx, iOff, dist, dOff);
          }
          if (st[base + COUNT] == 0) {
            return;
          }
        }
      }
    }
  }
}
