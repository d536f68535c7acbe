package io.github.seqrec.models.layers;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.TopK;
import io.github.seqrec.models.UserHistory;

/**
 * The item table of a next-item model, packed once, and the two questions asked of it: the scores
 * of given items for a user embedding, and the top-k of the whole catalogue.
 *
 * <p>{@code score(u, i) = u . E[i] + b[i]} for item ids {@code 1 .. size() - 1} (row 0 is padding
 * and never recommended). The table is stored transposed ({@code dim x size}) so that a block of
 * users against a block of items is one {@link Dense#gemm}: the catalogue is streamed once per block
 * of up to {@link #USER_BLOCK} users, which is what bounds a batched top-k (the table of 10^6 x 64
 * floats is 256 MB, read from memory once per block of users instead of once per user).
 *
 * <p><b>Top-k order</b>: higher score first; equal scores: lower id first (items are scanned in
 * blocks of increasing id; each block's best are merged with the running best placed first, and
 * {@link TopK} keeps the lower position on ties). Excluded items (padding, and the items of the
 * user's history when asked) never appear; a user with fewer eligible items than k gets all of them.
 * Immutable and thread-safe; per-call scratch lives in a {@link Scratch}.
 */
public final class Catalogue {
  /** Users scored together against each block of items. */
  public static final int USER_BLOCK = 32;
  /** Items per block: {@code USER_BLOCK x ITEM_BLOCK} scores stay in L2. */
  static final int ITEM_BLOCK = 4096;
  /** The largest k a top-k may ask for. */
  public static final int MAX_K = 1000;

  private final int size;
  private final int dim;
  private final float[] tableT;
  private final float[] bias;

  private Catalogue(int size, int dim, float[] tableT, float[] bias) {
    this.size = size;
    this.dim = dim;
    this.tableT = tableT;
    this.bias = bias;
  }

  /**
   * Packs {@code table} ({@code rows x dim} row-major, row = item id, row 0 padding) and the optional
   * per-item {@code bias} ({@code rows} values, or null).
   *
   * @throws IllegalArgumentException for shapes that do not match or a table over 2^31 - 1 floats
   */
  public static Catalogue of(float[] table, int rows, int dim, float[] bias) {
    if (rows < 2 || dim < 1) {
      throw new IllegalArgumentException("a catalogue needs rows >= 2 (padding + one item) and dim >= 1, got " + rows
          + " x " + dim);
    }
    long n = (long) rows * dim;
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("catalogue of " + rows + " x " + dim + " floats exceeds one Java array");
    }
    if (table == null || table.length != n) {
      throw new IllegalArgumentException("table must hold " + rows + " x " + dim + " = " + n + " floats, got "
          + (table == null ? "null" : table.length));
    }
    if (bias != null && bias.length != rows) {
      throw new IllegalArgumentException("bias must hold " + rows + " floats, got " + bias.length);
    }
    float[] tableT = new float[(int) n];
    Dense.transpose(table, 0, rows, dim, tableT, 0);
    return new Catalogue(rows, dim, tableT, bias == null ? null : bias.clone());
  }

  /** Rows of the table: item ids are {@code 1 .. size() - 1}. */
  public int size() {
    return size;
  }

  public int dim() {
    return dim;
  }

  /**
   * {@code out[outOff + j] = u . E[ids[j]] + b[ids[j]]} for {@code j < n}, {@code u = user[userOff ..]}
   * ({@link Dense#dot} on each item's row, gathered into {@code s}).
   *
   * @throws IllegalArgumentException for an id outside {@code [1, size())}, naming its position
   */
  public void score(float[] user, int userOff, int[] ids, int n, float[] out, int outOff, Scratch s) {
    for (int j = 0; j < n; j++) {
      if (ids[j] < 1 || ids[j] >= size) {
        throw new IllegalArgumentException("candidate itemIds[" + j + "] = " + ids[j] + " is outside the catalogue [1, "
            + (size - 1) + "]");
      }
    }
    float[] row = s.row(dim);
    for (int j = 0; j < n; j++) {
      int id = ids[j];
      for (int c = 0; c < dim; c++) {
        row[c] = tableT[c * size + id];
      }
      float dot = Dense.dot(user, userOff, row, 0, dim);
      out[outOff + j] = bias == null ? dot : dot + bias[id];
    }
  }

  /**
   * Top-k of the catalogue for {@code nUsers} user embeddings ({@code users[usersOff ..]}, one row of
   * {@link #dim()} each): user u's best go to {@code ids[idsOff + u k ..]} and
   * {@code scores[scoresOff + u k ..]}, their number to {@code counts[countsOff + u]}; entries past
   * the count are left as they were. When {@code seen} is not null, user u's history
   * {@code seen[seenOff + u]} (all its actions) is excluded.
   */
  public void topK(float[] users, int usersOff, int nUsers, int k, UserHistory[] seen, int seenOff, int[] ids,
                   int idsOff, float[] scores, int scoresOff, int[] counts, int countsOff, Scratch s) {
    if (k < 1 || k > MAX_K) {
      throw new IllegalArgumentException("k must be in [1, " + MAX_K + "], got " + k);
    }
    s.ensure(k, dim);
    for (int u0 = 0; u0 < nUsers; u0 += USER_BLOCK) {
      int nu = Math.min(USER_BLOCK, nUsers - u0);
      topKBlock(users, usersOff + u0 * dim, nu, k, seen, seen == null ? 0 : seenOff + u0, ids, idsOff + u0 * k,
          scores, scoresOff + u0 * k, counts, countsOff + u0, s);
    }
  }

  private void topKBlock(float[] users, int usersOff, int nu, int k, UserHistory[] seen, int seenOff, int[] ids,
                         int idsOff, float[] scores, int scoresOff, int[] counts, int countsOff, Scratch s) {
    int[] eligible = s.eligible;
    for (int u = 0; u < nu; u++) {
      s.curCount[u] = 0;
      eligible[u] = size - 1;
      if (seen != null) {
        eligible[u] -= sortSeen(seen[seenOff + u], u, s);
      }
    }
    for (int b0 = 0; b0 < size; b0 += ITEM_BLOCK) {
      int bn = Math.min(ITEM_BLOCK, size - b0);
      Dense.gemm(users, usersOff, dim, nu, dim, tableT, b0, size, bn, bias, b0, s.block, 0, bn, false);
      for (int u = 0; u < nu; u++) {
        if (b0 == 0) {
          s.block[u * bn] = Float.NEGATIVE_INFINITY; // padding row
        }
        if (seen != null) {
          maskSeen(u, b0, bn, s);
        }
      }
      int m = TopK.topKRows(s.block, 0, nu, bn, k, s.blockValues, 0, s.blockIndices, 0);
      for (int u = 0; u < nu; u++) {
        merge(u, k, m, b0, s);
      }
    }
    for (int u = 0; u < nu; u++) {
      int n = Math.min(s.curCount[u], eligible[u]);
      System.arraycopy(s.curIds, u * k, ids, idsOff + u * k, n);
      System.arraycopy(s.curValues, u * k, scores, scoresOff + u * k, n);
      counts[countsOff + u] = n;
    }
  }

  /** Running best of user u (placed first, so it wins ties) merged with block b0's best m. */
  private void merge(int u, int k, int m, int b0, Scratch s) {
    int cur = s.curCount[u];
    System.arraycopy(s.curValues, u * k, s.mergeValues, 0, cur);
    System.arraycopy(s.curIds, u * k, s.mergeIds, 0, cur);
    for (int j = 0; j < m; j++) {
      s.mergeValues[cur + j] = s.blockValues[u * m + j];
      s.mergeIds[cur + j] = b0 + s.blockIndices[u * m + j];
    }
    int kept = TopK.topK(s.mergeValues, 0, cur + m, k, s.curValues, u * k, s.mergeOrder, 0);
    for (int j = 0; j < kept; j++) {
      s.curIds[u * k + j] = s.mergeIds[s.mergeOrder[j]];
    }
    s.curCount[u] = kept;
  }

  /**
   * Sorts {@code a[0 .. n)} ascending in place. Heapsort rather than {@code Arrays.sort}: the JDK's
   * dual-pivot sort allocates a merge buffer for inputs made of long ascending runs (a history often
   * is one), and the exclude-seen top-k must allocate nothing per request.
   */
  static void heapSort(int[] a, int n) {
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(a, i, n);
    }
    for (int end = n - 1; end > 0; end--) {
      int t = a[0];
      a[0] = a[end];
      a[end] = t;
      siftDown(a, 0, end);
    }
  }

  private static void siftDown(int[] a, int i, int n) {
    int v = a[i];
    while (true) {
      int c = 2 * i + 1;
      if (c >= n) {
        break;
      }
      if (c + 1 < n && a[c + 1] > a[c]) {
        c++;
      }
      if (a[c] <= v) {
        break;
      }
      a[i] = a[c];
      i = c;
    }
    a[i] = v;
  }

  /** Sorts user u's distinct in-catalogue history ids into the scratch; returns how many. */
  private int sortSeen(UserHistory h, int u, Scratch s) {
    int n = h.length();
    int[] sorted = s.seen(u, n);
    int[] items = h.itemIds();
    int m = 0;
    for (int i = 0; i < n; i++) {
      if (items[i] >= 1 && items[i] < size) {
        sorted[m++] = items[i];
      }
    }
    heapSort(sorted, m);
    int distinct = 0;
    for (int i = 0; i < m; i++) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        sorted[distinct++] = sorted[i];
      }
    }
    s.seenCount[u] = distinct;
    s.seenNext[u] = 0;
    return distinct;
  }

  private void maskSeen(int u, int b0, int bn, Scratch s) {
    int[] sorted = s.seenIds[u];
    int i = s.seenNext[u];
    int end = s.seenCount[u];
    while (i < end && sorted[i] < b0 + bn) {
      s.block[u * bn + sorted[i] - b0] = Float.NEGATIVE_INFINITY;
      i++;
    }
    s.seenNext[u] = i;
  }

  /** Per-thread scratch of {@link #topK}; grows with k and the history lengths, never shrinks. */
  public static final class Scratch {
    int k = -1;
    float[] block;
    float[] blockValues;
    int[] blockIndices;
    float[] curValues;
    int[] curIds;
    final int[] curCount = new int[USER_BLOCK];
    float[] mergeValues;
    int[] mergeIds;
    int[] mergeOrder;
    final int[] eligible = new int[USER_BLOCK];
    final int[][] seenIds = new int[USER_BLOCK][];
    final int[] seenCount = new int[USER_BLOCK];
    final int[] seenNext = new int[USER_BLOCK];

    public Scratch() {
      for (int u = 0; u < USER_BLOCK; u++) {
        seenIds[u] = new int[16];
      }
    }

    void ensure(int k, int dim) {
      if (block == null) {
        block = new float[USER_BLOCK * ITEM_BLOCK];
      }
      if (k <= this.k) {
        return;
      }
      int m = Math.min(k, ITEM_BLOCK);
      blockValues = new float[USER_BLOCK * m];
      blockIndices = new int[USER_BLOCK * m];
      curValues = new float[USER_BLOCK * k];
      curIds = new int[USER_BLOCK * k];
      mergeValues = new float[k + m];
      mergeIds = new int[k + m];
      mergeOrder = new int[k + m];
      this.k = k;
    }

    float[] row = new float[0];

    float[] row(int dim) {
      if (row.length < dim) {
        row = new float[dim];
      }
      return row;
    }

    int[] seen(int u, int n) {
      if (seenIds[u].length < n) {
        seenIds[u] = new int[Math.max(n, 2 * seenIds[u].length)];
      }
      return seenIds[u];
    }
  }
}
