package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.HashingKernels;
import io.github.seqrec.kernels.internal.SignatureLayout;

/**
 * Scalar definition of the hashing kernels: SimHash signatures (a GEMM, then one bit per sign),
 * Hamming distances (XOR + popcount per word) and the exact Hamming top-k by counting sort.
 */
public final class ScalarHashing implements HashingKernels {
  private final DenseKernels dense;

  public ScalarHashing(DenseKernels dense) {
    this.dense = dense;
  }

  @Override
  public void packSigns(float[] values, int off, int n, long[] out, int outOff) {
    for (int w = 0; w < n / 64; w++) {
      long word = 0L;
      for (int bit = 0; bit < 64; bit++) {
        // strictly positive: 0, -0 and NaN give bit 0 (FuxiCTR's argmax([-xR, xR]) picks index 0 on a tie)
        if (values[off + 64 * w + bit] > 0f) {
          word |= 1L << bit;
        }
      }
      out[outOff + w] = word;
    }
  }

  @Override
  public void signatures(float[] x, int xOff, int rows, int d, float[] planes, int planesOff, int m,
                         long[] out, int outOff, float[] scratch, int scratchOff) {
    int words = m / 64;
    for (int r = 0; r < rows; r += ROW_BLOCK) {
      int n = Math.min(ROW_BLOCK, rows - r);
      // projection of n rows: (n x d) (d x m) -> scratch (n x m)
      dense.gemm(x, xOff + r * d, d, n, d, planes, planesOff, m, m, null, 0, scratch, scratchOff, m, false);
      // the n rows of m projections are n * m contiguous floats: their signs are n * words words
      packSigns(scratch, scratchOff, n * m, out, outOff + r * words);
    }
  }

  @Override
  public void distances(long[] query, int queryOff, long[] sigs, int sigsOff, int count, int m, int[] out, int outOff) {
    int words = m / 64;
    for (int l = 0; l < count; l++) {
      out[outOff + l] = distance(query, queryOff, sigs, sigsOff + l * words, 1, words);
    }
  }

  @Override
  public void distancesBlocked(long[] query, int queryOff, long[] blocked, int blockedOff, int count, int m,
                               int[] out, int outOff) {
    int words = m / 64;
    for (int l = 0; l < count; l++) {
      out[outOff + l] = distance(query, queryOff, blocked, SignatureLayout.at(blockedOff, l, 0, words),
          SignatureLayout.BLOCK, words);
    }
  }

  /** {@code sum_w popcount(q[w] XOR s[at + w * stride])}: stride 1 row-major, BLOCK blocked. */
  private static int distance(long[] q, int qOff, long[] s, int at, int stride, int words) {
    int dist = 0;
    for (int w = 0; w < words; w++) {
      dist += Long.bitCount(q[qOff + w] ^ s[at + w * stride]);
    }
    return dist;
  }

  @Override
  public void topK(long[] queries, int queriesOff, int b, long[] sigs, int sigsOff, int count, int valid, int m, int k,
                   int[] indices, int indicesOff, int[] distances, int distancesOff, int[] scratch, int scratchOff,
                   int scratchLength) {
    // the definition needs only m + 1 ints of scratch (a histogram), whatever scratchLength offers
    for (int q = 0; q < b; q++) {
      topKOne(queries, queriesOff + q * (m / 64), sigs, sigsOff, false, valid, m, k,
          indices, indicesOff + q * k, distances, distancesOff + q * k, scratch, scratchOff);
    }
  }

  @Override
  public void topKBlocked(long[] queries, int queriesOff, int b, long[] blocked, int blockedOff, int count, int valid,
                          int m, int k, int[] indices, int indicesOff, int[] distances, int distancesOff,
                          int[] scratch, int scratchOff, int scratchLength) {
    for (int q = 0; q < b; q++) {
      topKOne(queries, queriesOff + q * (m / 64), blocked, blockedOff, true, valid, m, k,
          indices, indicesOff + q * k, distances, distancesOff + q * k, scratch, scratchOff);
    }
  }

  /**
   * One query, by counting sort (distances are integers in [0, m]): histogram every valid
   * distance, find the cutoff t (the distance of the last selected candidate), turn the counts
   * into output offsets, then place candidates in position order. Candidates at distance t are
   * taken in position order until k are placed, so ties go to the lower position and the k slots
   * come out sorted by (distance, position).
   */
  private static void topKOne(long[] query, int qOff, long[] sigs, int sigsOff, boolean blocked, int valid,
                              int m, int k, int[] indices, int iOff, int[] distances, int dOff,
                              int[] hist, int hOff) {
    int words = m / 64;
    int selected = Math.min(k, valid);
    java.util.Arrays.fill(hist, hOff, hOff + m + 1, 0);
    for (int l = 0; l < valid; l++) {
      hist[hOff + distance(query, qOff, sigs, sigsOff, blocked, l, words)]++;
    }
    // cutoff t: the smallest distance whose cumulative count reaches `selected`; hist[d] becomes
    // the first output slot of distance d (an exclusive prefix sum) for d <= t
    int t = 0;
    int before = 0;
    if (selected > 0) {
      while (before + hist[hOff + t] < selected) {
        int c = hist[hOff + t];
        hist[hOff + t] = before;
        before += c;
        t++;
      }
      hist[hOff + t] = before;
    }
    int takeAtT = selected - before; // how many of the candidates at distance t fit
    int placed = 0;
    for (int l = 0; l < valid && placed < selected; l++) {
      int d = distance(query, qOff, sigs, sigsOff, blocked, l, words);
      if (d < t || (d == t && takeAtT > 0)) {
        if (d == t) {
          takeAtT--;
        }
        int slot = hist[hOff + d]++;
        indices[iOff + slot] = l;
        if (distances != null) {
          distances[dOff + slot] = d;
        }
        placed++;
      }
    }
    for (int slot = selected; slot < k; slot++) {
      indices[iOff + slot] = -1;
      if (distances != null) {
        distances[dOff + slot] = m + 1;
      }
    }
  }

  private static int distance(long[] query, int qOff, long[] sigs, int sigsOff, boolean blocked, int l, int words) {
    return blocked
        ? distance(query, qOff, sigs, SignatureLayout.at(sigsOff, l, 0, words), SignatureLayout.BLOCK, words)
        : distance(query, qOff, sigs, sigsOff + l * words, 1, words);
  }
}
