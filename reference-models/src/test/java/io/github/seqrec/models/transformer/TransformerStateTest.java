package io.github.seqrec.models.transformer;

import static io.github.seqrec.models.ModelTestKit.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.ModelTestKit;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The per-user states of SASRec and HSTU on their golden weights (300 items, max_len 200): 500
 * appended actions (so the window slides 300 times) give, after every action, the user vector,
 * candidate scores and top-k of rescoring the full history; bad input leaves the state unchanged;
 * appending and scoring from the state allocate nothing after warm-up.
 */
class TransformerStateTest {
  private static final int N_ITEMS = 300;
  private static final int APPENDS = 500;
  private static final float TOLERANCE = 1e-4f;

  private static SasRec sasrec(String anchor) throws IOException {
    return (SasRec) ModelTestKit.load("sasrec", Map.of("pos_anchor", anchor));
  }

  private static Hstu hstu() throws IOException {
    return (Hstu) ModelTestKit.load("hstu", Map.of());
  }

  private static UserHistory prefix(int[] items, long[] times, int n, long requestTime) {
    return UserHistory.of(Arrays.copyOf(items, n), n).timestamps(Arrays.copyOf(times, n)).requestTime(requestTime)
        .build();
  }

  private static float maxAbsDiff(float[] a, float[] b) {
    float worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }

  private static void assertSameTopK(int[] ids, float[] scores, int n, int[] ids2, float[] scores2, int n2,
                                     String what) {
    assertEquals(n, n2, what + " count");
    for (int i = 0; i < n; i++) {
      // ties within rounding may swap order; the scores of each rank must agree
      assertEquals(scores[i], scores2[i], TOLERANCE, what + " score at rank " + i);
      if (ids[i] != ids2[i]) {
        assertTrue(Math.abs(scores[i] - scores2[i]) < TOLERANCE, what + " id at rank " + i);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"oldest", "latest"})
  void sasrecStateEqualsRescoringOver500Appends(String anchor) throws IOException {
    SasRec m = sasrec(anchor);
    SplittableRandom r = new SplittableRandom(21);
    int[] items = new int[APPENDS];
    long[] times = new long[APPENDS];
    SasRec.UserState st = m.newUserState();
    SequentialModel.Workspace ws = m.newWorkspace();
    int d = m.embeddingDim();
    float[] fromState = new float[d];
    float[] full = new float[d];
    float worst = 0;
    Candidates c = Candidates.of(new int[] {1, 7, 42, 150, 299, 300});
    float[] ls = new float[6];
    float[] lf = new float[6];
    int[] ids = new int[10];
    int[] ids2 = new int[10];
    float[] sc = new float[10];
    float[] sc2 = new float[10];
    for (int n = 1; n <= APPENDS; n++) {
      items[n - 1] = 1 + r.nextInt(N_ITEMS);
      times[n - 1] = n;
      m.append(st, items[n - 1], ws);
      UserHistory h = prefix(items, times, n, n + 1);
      m.userEmbedding(st, fromState, 0);
      m.userEmbedding(h, ws, full, 0);
      worst = Math.max(worst, maxAbsDiff(fromState, full));
      assertEquals(Math.min(n, m.maxHistoryLength()), st.length());
      if (n % 25 == 0 || n == 1) {
        m.score(st, c, ws, ls, 0);
        m.score(h, c, ws, lf, 0);
        assertTrue(maxAbsDiff(ls, lf) < TOLERANCE, "scores at " + n + ": " + Arrays.toString(ls) + " vs "
            + Arrays.toString(lf));
        int k1 = m.recommend(st, h, 10, ws, ids, 0, sc, 0);
        int k2 = m.recommend(h, 10, true, ws, ids2, 0, sc2, 0);
        assertSameTopK(ids, sc, k1, ids2, sc2, k2, "top-k at " + n);
      }
    }
    System.out.println("sasrec pos_anchor=" + anchor + ": worst |state - full| over " + APPENDS + " appends = "
        + worst);
    assertTrue(worst < TOLERANCE, "worst " + worst);
    assertEquals(APPENDS, st.actions());
  }

  @Test
  void hstuStateEqualsRescoringOver500Appends() throws IOException {
    Hstu m = hstu();
    SplittableRandom r = new SplittableRandom(22);
    int[] items = new int[APPENDS];
    long[] times = new long[APPENDS];
    Hstu.UserState st = m.newUserState();
    SequentialModel.Workspace ws = m.newWorkspace();
    int d = m.embeddingDim();
    float[] fromState = new float[d];
    float[] full = new float[d];
    float worst = 0;
    Candidates c = Candidates.of(new int[] {1, 7, 42, 150, 299, 300});
    float[] ls = new float[6];
    float[] lf = new float[6];
    int[] ids = new int[10];
    int[] ids2 = new int[10];
    float[] sc = new float[10];
    float[] sc2 = new float[10];
    long t = 1_600_000_000L;
    for (int n = 1; n <= APPENDS; n++) {
      t += 1 + r.nextInt(90_000);
      items[n - 1] = 1 + r.nextInt(N_ITEMS);
      times[n - 1] = t;
      m.append(st, items[n - 1], t, ws);
      long request = t + 1 + r.nextInt(5_000);
      UserHistory h = prefix(items, times, n, request);
      m.userEmbedding(st, request, ws, fromState, 0);
      m.userEmbedding(h, ws, full, 0);
      worst = Math.max(worst, maxAbsDiff(fromState, full));
      assertEquals(Math.min(n, m.maxHistoryLength()), st.length());
      if (n % 25 == 0 || n == 1) {
        m.score(st, request, c, ws, ls, 0);
        m.score(h, c, ws, lf, 0);
        assertTrue(maxAbsDiff(ls, lf) < TOLERANCE, "scores at " + n);
        int k1 = m.recommend(st, request, h, 10, ws, ids, 0, sc, 0);
        int k2 = m.recommend(h, 10, true, ws, ids2, 0, sc2, 0);
        assertSameTopK(ids, sc, k1, ids2, sc2, k2, "top-k at " + n);
      }
    }
    System.out.println("hstu: worst |state - full| over " + APPENDS + " appends = " + worst);
    assertTrue(worst < TOLERANCE, "worst " + worst);
  }

  @Test
  void emptyStateIsTheEmptyHistory() throws IOException {
    SasRec s = sasrec("oldest");
    float[] out = new float[s.embeddingDim()];
    Arrays.fill(out, 3f);
    s.userEmbedding(s.newUserState(), out, 0);
    assertArrayEquals(new float[s.embeddingDim()], out);
    Hstu h = hstu();
    float[] out2 = new float[h.embeddingDim()];
    Arrays.fill(out2, 3f);
    h.userEmbedding(h.newUserState(), 5L, h.newWorkspace(), out2, 0);
    assertArrayEquals(new float[h.embeddingDim()], out2);
  }

  @Test
  void badInputIsANamedErrorAndTheStateIsUnchanged() throws IOException {
    SasRec s = sasrec("oldest");
    SequentialModel.Workspace ws = s.newWorkspace();
    SasRec.UserState st = s.newUserState();
    s.append(st, 5, ws);
    s.append(st, 9, ws);
    float[] before = new float[s.embeddingDim()];
    s.userEmbedding(st, before, 0);
    assertContains(assertThrows(IllegalArgumentException.class, () -> s.append(st, 301, ws)).getMessage(),
        "item 301", "[1, 300]");
    assertContains(assertThrows(IllegalArgumentException.class, () -> s.append(st, 0, ws)).getMessage(), "item 0");
    SasRec other = sasrec("oldest");
    assertContains(assertThrows(IllegalArgumentException.class,
        () -> other.append(st, 5, other.newWorkspace())).getMessage(), "another instance");
    assertContains(assertThrows(IllegalArgumentException.class,
        () -> s.score(st, Candidates.of(new int[] {301}), ws, new float[1], 0)).getMessage(), "candidate itemIds");
    assertEquals(2, st.length());
    assertEquals(2, st.actions());
    float[] after = new float[s.embeddingDim()];
    s.userEmbedding(st, after, 0);
    assertArrayEquals(before, after);
    s.append(st, 11, ws);          // still advances as a fresh state would
    SasRec.UserState fresh = s.newUserState();
    for (int item : new int[] {5, 9, 11}) {
      s.append(fresh, item, ws);
    }
    float[] a = new float[s.embeddingDim()];
    float[] b = new float[s.embeddingDim()];
    s.userEmbedding(st, a, 0);
    s.userEmbedding(fresh, b, 0);
    assertArrayEquals(b, a);

    Hstu h = hstu();
    SequentialModel.Workspace hws = h.newWorkspace();
    Hstu.UserState hs = h.newUserState();
    h.append(hs, 5, 100L, hws);
    h.append(hs, 9, 200L, hws);
    float[] hb = new float[h.embeddingDim()];
    h.userEmbedding(hs, 300L, hws, hb, 0);
    assertContains(assertThrows(IllegalArgumentException.class, () -> h.append(hs, 301, 250L, hws)).getMessage(),
        "item 301", "[1, 300]");
    Hstu hother = hstu();
    assertContains(assertThrows(IllegalArgumentException.class,
        () -> hother.userEmbedding(hs, 300L, hother.newWorkspace(), new float[h.embeddingDim()], 0)).getMessage(),
        "another instance");
    assertEquals(2, hs.length());
    float[] ha = new float[h.embeddingDim()];
    h.userEmbedding(hs, 300L, hws, ha, 0);
    assertArrayEquals(hb, ha);
  }

  @Test
  void servingFromTheStateAllocatesNothingAfterWarmUp() throws IOException {
    SasRec s = sasrec("oldest");
    SequentialModel.Workspace ws = s.newWorkspace();
    SasRec.UserState st = s.newUserState();
    for (int i = 0; i < 150; i++) {
      s.append(st, 1 + i % N_ITEMS, ws);
    }
    UserHistory seen = prefix(new int[] {3, 1, 2}, new long[3], 3, 0);
    Candidates c = Candidates.of(new int[] {1, 2, 3, 4, 5});
    float[] logits = new float[5];
    int[] ids = new int[10];
    float[] scores = new float[10];
    // reset every 40 appends so the measured appends are incremental steps (the window never fills)
    int[] next = {0};
    assertEquals(0, ModelTestKit.allocatedBytes(() -> {
      if (st.length() > 190) {
        st.reset();
      }
      s.append(st, 1 + next[0]++ % N_ITEMS, ws);
      s.score(st, c, ws, logits, 0);
      s.recommend(st, seen, 10, ws, ids, 0, scores, 0);
    }, 10), "sasrec append + score + recommend");

    Hstu h = hstu();
    SequentialModel.Workspace hws = h.newWorkspace();
    Hstu.UserState hs = h.newUserState();
    long[] time = {1_000L};
    assertEquals(0, ModelTestKit.allocatedBytes(() -> {
      if (hs.length() > 190) {
        hs.reset();
      }
      time[0] += 17;
      h.append(hs, 1 + (int) (time[0] % N_ITEMS), time[0], hws);
      h.score(hs, time[0] + 5, c, hws, logits, 0);
      h.recommend(hs, time[0] + 5, seen, 10, hws, ids, 0, scores, 0);
    }, 10), "hstu append + score + recommend");
  }
}
