package io.github.seqrec.models.nextitem;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;

/**
 * First-order transition counts {@code C[i][j]} (how often item j immediately follows item i
 * inside one sequence), fitted by counting and stored sparse: a CSR table whose rows are the
 * previous item {@code 0 .. nItems} (row 0 is always empty) and whose entries are the distinct
 * next items in ascending order with their counts.
 *
 * <p><b>Memory.</b> 8 bytes per distinct transition (an {@code int} next item and an {@code int}
 * count) plus 28 bytes per catalogue item (row offsets, row totals, incoming totals and the
 * popularity order): 10^6 items and 10^8 distinct transitions take about 0.83 GB. Fitting holds
 * the distinct transitions seen so far as sorted {@code (i, j)} keys with counts (12 bytes each,
 * capacity grown by half when needed) plus a fixed buffer of raw pairs, sorted and merged into
 * them whenever it fills ({@link Builder}); nothing is proportional to the number of counted
 * transitions or to {@code nItems^2}.
 *
 * <p>Immutable and thread-safe once built.
 */
public final class TransitionCounts {
  private final int nItems;
  private final int[] rowOffsets;   // [nItems + 2]: row i is [rowOffsets[i], rowOffsets[i + 1])
  private final int[] nextItems;    // ascending within a row
  private final int[] counts;       // >= 1
  private final long[] rowTotals;   // R[i] = sum_j C[i][j]
  private final long[] incoming;    // T[j] = sum_i C[i][j]
  private final long total;         // T = sum_j T[j]
  private final int[] popularity;   // ids 1..nItems by T[j] descending, then id ascending
  private final int maxRowLength;

  private TransitionCounts(int nItems, int[] rowOffsets, int[] nextItems, int[] counts) {
    this.nItems = nItems;
    this.rowOffsets = rowOffsets;
    this.nextItems = nextItems;
    this.counts = counts;
    this.rowTotals = new long[nItems + 1];
    this.incoming = new long[nItems + 1];
    long sum = 0;
    int longest = 0;
    for (int i = 0; i <= nItems; i++) {
      long r = 0;
      for (int e = rowOffsets[i]; e < rowOffsets[i + 1]; e++) {
        r += counts[e];
        incoming[nextItems[e]] += counts[e];
      }
      rowTotals[i] = r;
      sum += r;
      longest = Math.max(longest, rowOffsets[i + 1] - rowOffsets[i]);
    }
    this.total = sum;
    this.maxRowLength = longest;
    this.popularity = popularityOrder(incoming, nItems);
  }

  /** Ids 1..n sorted by {@code incoming} descending, ties by lower id (a stable sort of packed keys). */
  private static int[] popularityOrder(long[] incoming, int n) {
    long[] keys = new long[n];
    long maxCount = 0;
    for (int j = 1; j <= n; j++) {
      maxCount = Math.max(maxCount, incoming[j]);
    }
    int[] order = new int[n];
    if (n < (1 << 21) && maxCount < (1L << 42)) {
      // key = (maxCount - T[j]) << 21 | j sorts by T descending, then id ascending
      for (int j = 1; j <= n; j++) {
        keys[j - 1] = ((maxCount - incoming[j]) << 21) | j;
      }
      Arrays.sort(keys);
      for (int r = 0; r < n; r++) {
        order[r] = (int) (keys[r] & ((1 << 21) - 1));
      }
      return order;
    }
    Integer[] boxed = new Integer[n];
    for (int j = 1; j <= n; j++) {
      boxed[j - 1] = j;
    }
    Arrays.sort(boxed, (a, b) -> incoming[a] != incoming[b] ? Long.compare(incoming[b], incoming[a])
        : Integer.compare(a, b));
    for (int r = 0; r < n; r++) {
      order[r] = boxed[r];
    }
    return order;
  }

  // ------------------------------------------------------------------------------------------
  // Construction

  /** A builder for a catalogue of item ids {@code 1 .. nItems}. */
  public static Builder builder(int nItems) {
    return new Builder(nItems, Builder.DEFAULT_BUFFER_PAIRS);
  }

  /** A builder whose raw-pair buffer holds {@code bufferPairs} transitions before it is merged. */
  public static Builder builder(int nItems, int bufferPairs) {
    return new Builder(nItems, bufferPairs);
  }

  /** Counts every sequence of the iterator (each array one sequence, oldest first). */
  public static TransitionCounts fit(Iterator<int[]> sequences, int nItems) {
    Builder b = builder(nItems);
    long n = 0;
    while (sequences.hasNext()) {
      int[] s = sequences.next();
      if (s == null) {
        throw new IllegalArgumentException("sequence " + n + " is null");
      }
      b.addSequence(s, 0, s.length);
      n++;
    }
    return b.build();
  }

  /**
   * Counts a sequence file: one sequence per line, oldest first, item ids separated by commas
   * (spaces around them allowed); blank lines and lines starting with {@code #} are skipped.
   * An id outside {@code 1 .. nItems} or a token that is not an integer raises
   * {@link IllegalArgumentException} naming the line and the token.
   */
  public static TransitionCounts fitCsv(Path csv, int nItems) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      return fitCsv(r, nItems, csv.toString());
    }
  }

  /** {@link #fitCsv(Path, int)} on a reader; {@code name} labels error messages. */
  public static TransitionCounts fitCsv(Reader in, int nItems, String name) throws IOException {
    Builder b = builder(nItems);
    BufferedReader r = in instanceof BufferedReader br ? br : new BufferedReader(in);
    long lineNo = 0;
    for (String line = r.readLine(); line != null; line = r.readLine()) {
      lineNo++;
      int p = 0;
      int n = line.length();
      while (p < n && Character.isWhitespace(line.charAt(p))) {
        p++;
      }
      if (p == n || line.charAt(p) == '#') {
        continue;
      }
      int prev = -1;
      while (p <= n) {
        int end = line.indexOf(',', p);
        if (end < 0) {
          end = n;
        }
        int id = parseId(line, p, end, nItems, name, lineNo);
        if (prev >= 0) {
          b.add(prev, id);
        }
        prev = id;
        p = end + 1;
      }
    }
    return b.build();
  }

  private static int parseId(String line, int from, int to, int nItems, String name, long lineNo) {
    int a = from;
    int z = to;
    while (a < z && Character.isWhitespace(line.charAt(a))) {
      a++;
    }
    while (z > a && Character.isWhitespace(line.charAt(z - 1))) {
      z--;
    }
    long v = 0;
    boolean ok = a < z && z - a <= 10;
    for (int q = a; ok && q < z; q++) {
      char c = line.charAt(q);
      ok = c >= '0' && c <= '9';
      v = v * 10 + (c - '0');
    }
    if (!ok) {
      throw new IllegalArgumentException(name + " line " + lineNo + ": item id must be an integer in [1, " + nItems
          + "], got '" + line.substring(from, to) + "'");
    }
    if (v < 1 || v > nItems) {
      throw new IllegalArgumentException(name + " line " + lineNo + ": item id must be in [1, " + nItems
          + "], got " + v);
    }
    return (int) v;
  }

  /**
   * A fitted table read back from its CSR arrays (the {@code weights.safetensors} of a Markov
   * chain: {@code row_offsets [nItems + 2]}, {@code next_items}, {@code counts}). Every invariant
   * is checked (offsets non-decreasing from 0 to nnz, row 0 empty, next items in
   * {@code 1 .. nItems} and strictly ascending within a row, counts {@code >= 1}); a violation
   * raises {@link IllegalArgumentException} naming the array and the position.
   */
  public static TransitionCounts fromCsr(int nItems, long[] rowOffsets, long[] nextItems, long[] counts) {
    checkCatalogue(nItems);
    if (rowOffsets == null || nextItems == null || counts == null) {
      throw new IllegalArgumentException("row_offsets, next_items and counts are required");
    }
    if (rowOffsets.length != nItems + 2) {
      throw new IllegalArgumentException("row_offsets must have n_items + 2 = " + (nItems + 2) + " entries, got "
          + rowOffsets.length);
    }
    if (nextItems.length != counts.length) {
      throw new IllegalArgumentException("next_items and counts must have the same length, got "
          + nextItems.length + " and " + counts.length);
    }
    int nnz = nextItems.length;
    if (rowOffsets[0] != 0 || rowOffsets[nItems + 1] != nnz || rowOffsets[1] != 0) {
      throw new IllegalArgumentException("row_offsets must start at 0, keep row 0 empty and end at nnz = " + nnz
          + ", got [" + rowOffsets[0] + ", " + rowOffsets[1] + ", ..., " + rowOffsets[nItems + 1] + "]");
    }
    int[] off = new int[nItems + 2];
    int[] next = new int[nnz];
    int[] cnt = new int[nnz];
    for (int i = 0; i <= nItems; i++) {
      long a = rowOffsets[i];
      long z = rowOffsets[i + 1];
      if (z < a) {
        throw new IllegalArgumentException("row_offsets must be non-decreasing, got " + a + " then " + z
            + " at row " + i);
      }
      off[i] = (int) a;
      for (long e = a; e < z; e++) {
        long j = nextItems[(int) e];
        if (j < 1 || j > nItems || (e > a && j <= nextItems[(int) e - 1])) {
          throw new IllegalArgumentException("next_items[" + e + "] (row " + i + ") must be in [1, " + nItems
              + "] and above the previous entry of its row, got " + j);
        }
        long c = counts[(int) e];
        if (c < 1 || c > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("counts[" + e + "] must be in [1, " + Integer.MAX_VALUE + "], got " + c);
        }
        next[(int) e] = (int) j;
        cnt[(int) e] = (int) c;
      }
    }
    off[nItems + 1] = nnz;
    return new TransitionCounts(nItems, off, next, cnt);
  }

  private static void checkCatalogue(int nItems) {
    if (nItems < 1 || nItems >= (1 << 30)) {
      throw new IllegalArgumentException("n_items must be in [1, 2^30), got " + nItems);
    }
  }

  /**
   * Counts transitions from sequences: each sequence's consecutive pairs are buffered as packed
   * {@code i << 32 | j} keys; a full buffer is sorted, run-length counted and merged (in place,
   * from the back) into the sorted distinct keys seen so far. Not thread-safe.
   */
  public static final class Builder {
    static final int DEFAULT_BUFFER_PAIRS = 1 << 22;
    private final int nItems;
    private final long[] buffer;
    private final int[] runCounts;
    private int buffered;
    private long[] keys = new long[16];
    private int[] keyCounts = new int[16];
    private int distinct;

    private Builder(int nItems, int bufferPairs) {
      checkCatalogue(nItems);
      if (bufferPairs < 1) {
        throw new IllegalArgumentException("bufferPairs must be >= 1, got " + bufferPairs);
      }
      this.nItems = nItems;
      this.buffer = new long[bufferPairs];
      this.runCounts = new int[bufferPairs];
    }

    /** One transition {@code previous -> next} (both in {@code 1 .. nItems}). */
    public Builder add(int previous, int next) {
      checkId("previous", previous);
      checkId("next", next);
      if (buffered == buffer.length) {
        flush();
      }
      buffer[buffered++] = ((long) previous << 32) | next;
      return this;
    }

    /** The transitions of one sequence {@code ids[off .. off + len)}, oldest first. */
    public Builder addSequence(int[] ids, int off, int len) {
      if (ids == null) {
        throw new IllegalArgumentException("ids is null");
      }
      if (off < 0 || len < 0 || off > ids.length - len) {
        throw new IllegalArgumentException("sequence region [" + off + ", " + off + " + " + len
            + ") outside an array of " + ids.length);
      }
      for (int p = 0; p < len; p++) {
        checkId("ids[" + (off + p) + "]", ids[off + p]);
      }
      for (int p = 1; p < len; p++) {
        add(ids[off + p - 1], ids[off + p]);
      }
      return this;
    }

    private void checkId(String what, int id) {
      if (id < 1 || id > nItems) {
        throw new IllegalArgumentException(what + " must be an item id in [1, " + nItems + "], got " + id);
      }
    }

    private void flush() {
      if (buffered == 0) {
        return;
      }
      Arrays.sort(buffer, 0, buffered);
      // run-length count the sorted pairs into the buffer's front: distinct keys, multiplicities
      int runs = 0;
      for (int p = 0; p < buffered; p++) {
        if (runs > 0 && buffer[runs - 1] == buffer[p]) {
          runCounts[runs - 1]++;
        } else {
          buffer[runs] = buffer[p];
          runCounts[runs] = 1;
          runs++;
        }
      }
      long need = (long) distinct + runs;
      if (need > keys.length) {
        long cap = Math.min(Integer.MAX_VALUE - 8, Math.max(need, keys.length + (keys.length >> 1)));
        if (cap < need) {
          throw new IllegalStateException("more than " + (Integer.MAX_VALUE - 8) + " distinct transitions");
        }
        keys = Arrays.copyOf(keys, (int) cap);
        keyCounts = Arrays.copyOf(keyCounts, (int) cap);
      }
      mergeRuns(runs);
      buffered = 0;
    }

    /**
     * Merges the {@code runs} sorted distinct keys at the buffer's front (multiplicities in
     * {@code runCounts}) into {@code keys[0 .. distinct)}, writing from the back so that no old
     * key is overwritten before it is read (the write position stays above the old-key cursor);
     * combined duplicates leave a gap, closed by one shift at the end.
     */
    private void mergeRuns(int runs) {
      int a = distinct - 1;
      int b = runs - 1;
      int w = distinct + runs - 1;
      while (b >= 0) {
        long kb = buffer[b];
        if (a >= 0 && keys[a] > kb) {
          keys[w] = keys[a];
          keyCounts[w] = keyCounts[a];
          a--;
        } else if (a >= 0 && keys[a] == kb) {
          keys[w] = kb;
          keyCounts[w] = addCounts(keyCounts[a], runCounts[b]);
          a--;
          b--;
        } else {
          keys[w] = kb;
          keyCounts[w] = runCounts[b];
          b--;
        }
        w--;
      }
      int gap = w - a;
      int written = distinct + runs - 1 - w;
      if (gap > 0) {
        System.arraycopy(keys, w + 1, keys, a + 1, written);
        System.arraycopy(keyCounts, w + 1, keyCounts, a + 1, written);
      }
      distinct = distinct + runs - gap;
    }

    private static int addCounts(int x, int y) {
      long s = (long) x + y;
      if (s > Integer.MAX_VALUE) {
        throw new IllegalStateException("a transition was counted more than " + Integer.MAX_VALUE + " times");
      }
      return (int) s;
    }

    /** The fitted table (the builder can keep counting afterwards and build again). */
    public TransitionCounts build() {
      flush();
      int[] off = new int[nItems + 2];
      int[] next = new int[distinct];
      for (int e = 0; e < distinct; e++) {
        off[(int) (keys[e] >>> 32) + 1]++;
        next[e] = (int) keys[e];
      }
      for (int i = 0; i <= nItems; i++) {
        off[i + 1] += off[i];
      }
      return new TransitionCounts(nItems, off, next, Arrays.copyOf(keyCounts, distinct));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  /** Catalogue size N: item ids are {@code 1 .. N}. */
  public int nItems() {
    return nItems;
  }

  /** Number of distinct transitions (stored entries). */
  public int distinctTransitions() {
    return nextItems.length;
  }

  /** Number of counted transitions {@code T}. */
  public long totalTransitions() {
    return total;
  }

  /** The longest row (distinct next items of one previous item). */
  public int maxRowLength() {
    return maxRowLength;
  }

  /** {@code R[i]}: transitions out of item i (0 for an item never followed by another). */
  public long rowTotal(int previous) {
    return rowTotals[previous];
  }

  /** {@code T[j]}: transitions into item j. */
  public long incoming(int next) {
    return incoming[next];
  }

  /** First entry of row i; the row is {@code [rowStart(i), rowEnd(i))} of {@link #nextItem}/{@link #count}. */
  public int rowStart(int previous) {
    return rowOffsets[previous];
  }

  /** End (exclusive) of row i. */
  public int rowEnd(int previous) {
    return rowOffsets[previous + 1];
  }

  /** The next item of entry e. */
  public int nextItem(int entry) {
    return nextItems[entry];
  }

  /** The count of entry e. */
  public int count(int entry) {
    return counts[entry];
  }

  /** {@code C[i][j]} by binary search in row i (0 when j never followed i). */
  public int count(int previous, int next) {
    int e = Arrays.binarySearch(nextItems, rowOffsets[previous], rowOffsets[previous + 1], next);
    return e >= 0 ? counts[e] : 0;
  }

  /** The r-th most frequent next item overall (r = 0 is the most frequent; ties by lower id). */
  public int popular(int rank) {
    return popularity[rank];
  }

  // ------------------------------------------------------------------------------------------
  // Smoothed probabilities

  /**
   * Whether {@code previous} has its own row of probabilities: false for 0 (no history) and for an
   * item never followed by another ({@code R[i] = 0}), which fall back to next-item popularity.
   */
  public boolean hasRow(int previous) {
    return previous > 0 && rowTotals[previous] > 0;
  }

  /**
   * {@code P(next | previous)} with additive smoothing {@code lambda} over the N items:
   * {@code (C[i][j] + lambda) / (R[i] + lambda N)}, or the fallback
   * {@code (T[j] + lambda) / (T + lambda N)} when {@code previous} has no row (see {@link #hasRow}).
   */
  public double probability(int previous, int next, double lambda) {
    if (hasRow(previous)) {
      return (count(previous, next) + lambda) / (rowTotals[previous] + lambda * nItems);
    }
    return (incoming[next] + lambda) / (total + lambda * nItems);
  }

  public long[][] toCsr() {
    long[][] out = {new long[rowOffsets.length], new long[nextItems.length], new long[counts.length]};
    for (int i = 0; i < rowOffsets.length; i++) {
      out[0][i] = rowOffsets[i];
    }
    for (int e = 0; e < nextItems.length; e++) {
      out[1][e] = nextItems[e];
      out[2][e] = counts[e];
    }
    return out;
  }

  /** Bytes held by the table's arrays. */
  public long bytes() {
    return 4L * (rowOffsets.length + nextItems.length + counts.length + popularity.length)
        + 8L * (rowTotals.length + incoming.length);
  }
}
