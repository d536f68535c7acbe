package io.github.seqrec.models.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.ModelTestKit;
import io.github.seqrec.models.UserHistory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Catalogue}: blocked top-k against a sort of every item's score, ties, exclusions, batches. */
class CatalogueTest {

  private static float[] randomTable(SplittableRandom r, int rows, int dim, boolean quantized) {
    float[] t = new float[rows * dim];
    for (int i = 0; i < t.length; i++) {
      // quantized values make exact ties between different items likely
      t[i] = quantized ? (r.nextInt(5) - 2) * 0.25f : (float) r.nextGaussian();
    }
    return t;
  }

  /** The definition: every eligible item's score (the catalogue's own candidate scoring), sorted by (-score, id). */
  private static List<int[]> expected(Catalogue cat, float[] user, int k, Set<Integer> excluded, float[] scoresOut) {
    int n = cat.size();
    int[] all = new int[n - 1];
    for (int i = 1; i < n; i++) {
      all[i - 1] = i;
    }
    float[] s = new float[n - 1];
    cat.score(user, 0, all, n - 1, s, 0, new Catalogue.Scratch());
    List<Integer> ids = new ArrayList<>();
    for (int i = 1; i < n; i++) {
      if (!excluded.contains(i)) {
        ids.add(i);
      }
    }
    ids.sort(Comparator.<Integer>comparingDouble(i -> -s[i - 1]).thenComparingInt(i -> i));
    List<int[]> out = new ArrayList<>();
    for (int j = 0; j < Math.min(k, ids.size()); j++) {
      out.add(new int[] {ids.get(j)});
      scoresOut[j] = s[ids.get(j) - 1];
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource({"2, 1, 1", "9, 3, 20", "4097, 7, 100", "10000, 17, 10", "9000, 64, 1000", "300, 5, 1000"})
  void topKEqualsTheSortedScores(int rows, int dim, int k) {
    SplittableRandom r = new SplittableRandom(rows * 31L + dim);
    for (boolean quantized : new boolean[] {false, true}) {
      Catalogue cat = Catalogue.of(randomTable(r, rows, dim, quantized), rows, dim,
          quantized ? null : randomTable(r, rows, 1, false));
      float[] user = randomTable(r, 1, dim, quantized);
      int[] ids = new int[k];
      float[] scores = new float[k];
      int[] counts = new int[1];
      cat.topK(user, 0, 1, k, null, 0, ids, 0, scores, 0, counts, 0, new Catalogue.Scratch());
      float[] want = new float[k];
      List<int[]> exp = expected(cat, user, k, Set.of(), want);
      assertEquals(exp.size(), counts[0]);
      for (int j = 0; j < exp.size(); j++) {
        assertEquals(exp.get(j)[0], ids[j], "rank " + j + " (quantized=" + quantized + ")");
        assertEquals(want[j], scores[j], 1e-5f * Math.max(1f, Math.abs(want[j])));
      }
    }
  }

  @Test
  void excludesPaddingAndSeenItemsAndReturnsFewerWhenFewAreEligible() {
    SplittableRandom r = new SplittableRandom(7);
    int rows = 6;
    Catalogue cat = Catalogue.of(randomTable(r, rows, 4, false), rows, 4, null);
    float[] user = randomTable(r, 1, 4, false);
    UserHistory h = UserHistory.of(new int[] {3, 5, 3, 9999, 0}, 4).build(); // 9999: outside, ignored
    int[] ids = new int[10];
    float[] scores = new float[10];
    int[] counts = new int[1];
    cat.topK(user, 0, 1, 10, new UserHistory[] {h}, 0, ids, 0, scores, 0, counts, 0, new Catalogue.Scratch());
    assertEquals(3, counts[0], "items 1, 2, 4 remain");
    Set<Integer> got = new HashSet<>();
    for (int j = 0; j < 3; j++) {
      got.add(ids[j]);
    }
    assertEquals(Set.of(1, 2, 4), got);
    float[] want = new float[10];
    List<int[]> exp = expected(cat, user, 10, Set.of(3, 5), want);
    for (int j = 0; j < 3; j++) {
      assertEquals(exp.get(j)[0], ids[j]);
    }
  }

  @Test
  void batchEqualsOneByOneAcrossUserBlocks() {
    SplittableRandom r = new SplittableRandom(11);
    int rows = 5000;
    int dim = 16;
    int users = Catalogue.USER_BLOCK + 5;
    int k = 50;
    Catalogue cat = Catalogue.of(randomTable(r, rows, dim, false), rows, dim, null);
    float[] u = randomTable(r, users, dim, false);
    UserHistory[] seen = new UserHistory[users];
    for (int i = 0; i < users; i++) {
      int len = r.nextInt(200);
      int[] items = new int[len];
      for (int j = 0; j < len; j++) {
        items[j] = 1 + r.nextInt(rows - 1);
      }
      seen[i] = UserHistory.of(items, len).build();
    }
    int[] ids = new int[users * k];
    float[] scores = new float[users * k];
    int[] counts = new int[users];
    Catalogue.Scratch s = new Catalogue.Scratch();
    cat.topK(u, 0, users, k, seen, 0, ids, 0, scores, 0, counts, 0, s);
    for (int i = 0; i < users; i++) {
      int[] one = new int[k];
      float[] oneScores = new float[k];
      int[] c = new int[1];
      float[] row = java.util.Arrays.copyOfRange(u, i * dim, (i + 1) * dim);
      cat.topK(row, 0, 1, k, new UserHistory[] {seen[i]}, 0, one, 0, oneScores, 0, c, 0, s);
      assertEquals(c[0], counts[i]);
      assertArrayEquals(one, java.util.Arrays.copyOfRange(ids, i * k, (i + 1) * k), "user " + i);
      for (int j = 0; j < k; j++) {
        assertTrue(!seenContains(seen[i], one[j]), "user " + i + " got a seen item");
      }
    }
  }

  private static boolean seenContains(UserHistory h, int id) {
    for (int i = 0; i < h.length(); i++) {
      if (h.itemIds()[i] == id) {
        return true;
      }
    }
    return false;
  }

  @Test
  void allocatesNothingAfterWarmUp() {
    SplittableRandom r = new SplittableRandom(3);
    int rows = 20000;
    Catalogue cat = Catalogue.of(randomTable(r, rows, 32, false), rows, 32, null);
    float[] u = randomTable(r, 8, 32, false);
    int[] ids = new int[800];
    float[] scores = new float[800];
    int[] counts = new int[8];
    UserHistory[] seen = new UserHistory[8];
    java.util.Arrays.fill(seen, UserHistory.of(new int[] {5, 6, 7}, 3).build());
    Catalogue.Scratch s = new Catalogue.Scratch();
    long bytes = ModelTestKit.allocatedBytes(() -> cat.topK(u, 0, 8, 100, seen, 0, ids, 0, scores, 0, counts, 0, s),
        50);
    assertEquals(0, bytes, "catalogue top-k allocated " + bytes + " bytes per call");
  }

  @Test
  void rejectsBadShapesAndIds() {
    var e = assertThrows(IllegalArgumentException.class, () -> Catalogue.of(new float[10], 3, 4, null));
    assertTrue(e.getMessage().contains("3 x 4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Catalogue.of(new float[12], 3, 4, new float[2]));
    assertTrue(e.getMessage().contains("bias"), e.getMessage());
    Catalogue cat = Catalogue.of(new float[12], 3, 4, null);
    float[] out = new float[2];
    e = assertThrows(IllegalArgumentException.class,
        () -> cat.score(new float[4], 0, new int[] {1, 3}, 2, out, 0, new Catalogue.Scratch()));
    assertTrue(e.getMessage().contains("itemIds[1] = 3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> cat.topK(new float[4], 0, 1, 1001, null, 0, new int[1001],
        0, new float[1001], 0, new int[1], 0, new Catalogue.Scratch()));
    assertTrue(e.getMessage().contains("k must be in [1, 1000]"), e.getMessage());
  }
}
