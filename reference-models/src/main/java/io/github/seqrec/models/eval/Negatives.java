package io.github.seqrec.models.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * The sampled negatives of a CTR evaluation: per user the items its held-out action is ranked
 * against. Either read from a file ({@code user,neg_1,...,neg_n}, one line per user, optional
 * header; gzip when the name ends in {@code .gz}), so that another tool (the PyTorch trainer of the
 * demo) ranks against the very same items, or drawn here from a seed.
 */
public final class Negatives {
  private final Map<Integer, int[]> byUser;
  private final int count;
  private final String description;

  private Negatives(Map<Integer, int[]> byUser, int count, String description) {
    this.byUser = byUser;
    this.count = count;
    this.description = description;
  }

  /** Negatives per user. */
  public int count() {
    return count;
  }

  /** Where they came from, for the report. */
  public String description() {
    return description;
  }

  /** The negatives of user {@code userId}, or null if the list has none for it. */
  public int[] of(int userId) {
    return byUser.get(userId);
  }

  /** Reads a negatives file. */
  public static Negatives read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in,
          file.toString());
    }
  }

  /**
   * Reads {@code user,neg_1,...,neg_n} lines; every line must have the same n, ids are integers
   * {@code >= 1}, a user appears once.
   */
  public static Negatives read(InputStream in, String source) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    Map<Integer, int[]> byUser = new HashMap<>();
    int width = -1;
    int lineNo = 0;
    String line;
    while ((line = reader.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (lineNo == 1 && !cells[0].trim().matches("[0-9]+")) {
        continue; // header
      }
      if (width < 0) {
        width = cells.length;
        if (width < 2) {
          throw new IllegalArgumentException(source + " line " + lineNo + ": expected user,neg_1,...,neg_n, got "
              + cells.length + " column");
        }
      } else if (cells.length != width) {
        throw new IllegalArgumentException(source + " line " + lineNo + ": expected " + width
            + " columns (as the first data line), got " + cells.length);
      }
      int[] negs = new int[width - 1];
      int user = cell(cells[0], source, lineNo, 1, 0);
      for (int c = 1; c < width; c++) {
        negs[c - 1] = cell(cells[c], source, lineNo, c + 1, 1);
      }
      if (byUser.put(user, negs) != null) {
        throw new IllegalArgumentException(source + " line " + lineNo + ", column 1: user " + user + " appears twice");
      }
    }
    if (byUser.isEmpty()) {
      throw new IllegalArgumentException(source + ": no negatives (the file is empty or holds only a header)");
    }
    return new Negatives(byUser, width - 1, (width - 1) + " negatives per user from " + source);
  }

  private static int cell(String s, String source, int lineNo, int column, int min) {
    String t = s.trim();
    long v;
    try {
      v = Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(source + " line " + lineNo + ", column " + column + ": '" + t
          + "' is not an integer");
    }
    if (v < min || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(source + " line " + lineNo + ", column " + column + ": " + v
          + " must be in [" + min + ", " + Integer.MAX_VALUE + "]");
    }
    return (int) v;
  }

  /**
   * Draws {@code count} distinct negatives per user, uniformly from {@code pool} minus the items the
   * user touched, with a generator seeded from {@code seed} and the user id (so a user's negatives
   * do not depend on the other users, the file order or the number of threads).
   *
   * @throws IllegalArgumentException if a user touched so many items that fewer than {@code count}
   *     remain
   */
  public static Negatives sample(Interactions data, int[] pool, int count, long seed) {
    if (count < 1) {
      throw new IllegalArgumentException("negatives must be >= 1, got " + count);
    }
    int[] sortedPool = pool.clone();
    Arrays.sort(sortedPool);
    Map<Integer, int[]> byUser = new HashMap<>();
    java.util.BitSet seen = new java.util.BitSet();
    for (int u = 0; u < data.users(); u++) {
      seen.clear();
      int touched = 0;
      for (int r = data.start(u); r < data.end(u); r++) {
        int item = data.items()[r];
        if (!seen.get(item)) {
          seen.set(item);
          if (Arrays.binarySearch(sortedPool, item) >= 0) {
            touched++;
          }
        }
      }
      if (sortedPool.length - touched < count) {
        throw new IllegalArgumentException("user " + data.userId(u) + " touched " + touched + " of the "
            + sortedPool.length + " items: fewer than negatives = " + count + " remain to sample from");
      }
      SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + data.userId(u));
      int[] negs = new int[count];
      java.util.BitSet taken = (java.util.BitSet) seen.clone();
      for (int i = 0; i < count; i++) {
        int item;
        do {
          item = sortedPool[random.nextInt(sortedPool.length)];
        } while (taken.get(item));
        taken.set(item);
        negs[i] = item;
      }
      byUser.put(data.userId(u), negs);
    }
    return new Negatives(byUser, count, count + " negatives per user sampled with seed " + seed
        + " from the " + sortedPool.length + " known items the user never touched");
  }
}
