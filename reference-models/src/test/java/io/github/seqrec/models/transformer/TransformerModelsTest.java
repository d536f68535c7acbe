package io.github.seqrec.models.transformer;

import static io.github.seqrec.models.ModelTestKit.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.ModelTestKit;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The five transformer models on their golden weights (300 items): bad input is a named error
 * with nothing written, over-long histories keep their most recent actions, scoring allocates
 * nothing after warm-up, and 8 threads sharing one instance score as one thread does.
 */
class TransformerModelsTest {
  private static final int N_ITEMS = 300;

  private static SequentialModel load(String name) throws IOException {
    return ModelTestKit.load(name, Map.of());
  }

  /** Action types valid for every model here: PinnerFormer 1..8, TransAct 0..19. */
  private static UserHistory history(SplittableRandom r, int length) {
    int[] items = new int[length];
    int[] actions = new int[length];
    long[] times = new long[length];
    long t = 1_600_000_000L;
    for (int i = 0; i < length; i++) {
      items[i] = 1 + r.nextInt(N_ITEMS);
      actions[i] = 1 + r.nextInt(8);
      t += 1 + r.nextInt(90_000);
      times[i] = t;
    }
    return UserHistory.of(items, length).actionTypes(actions).timestamps(times).requestTime(t + 60).build();
  }

  private static Candidates candidates(SplittableRandom r, int count) {
    int[] items = new int[count];
    for (int i = 0; i < count; i++) {
      items[i] = 1 + r.nextInt(N_ITEMS);
    }
    return Candidates.of(items);
  }

  private static float[] score(SequentialModel m, UserHistory h, Candidates c) {
    float[] out = new float[c.count()];
    m.score(h, c, m.newWorkspace(), out, 0);
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"sasrec", "bert4rec", "hstu", "pinnerformer", "transact"})
  void badInputIsANamedErrorAndNothingIsWritten(String name) throws IOException {
    SequentialModel m = load(name);
    SplittableRandom r = new SplittableRandom(1);
    UserHistory h = history(r, 12);
    Candidates c = candidates(r, 4);
    float[] out = new float[4];
    Arrays.fill(out, 42f);
    SequentialModel.Workspace ws = m.newWorkspace();

    h.itemIds()[5] = N_ITEMS + 1;
    assertContains(assertThrows(IllegalArgumentException.class, () -> m.score(h, c, ws, out, 0)).getMessage(),
        "history itemIds[5] = 301", "[1, 300]");
    h.itemIds()[5] = 7;
    Candidates bad = Candidates.of(new int[] {1, 0});
    assertContains(assertThrows(IllegalArgumentException.class, () -> m.score(h, bad, ws, new float[2], 0))
        .getMessage(), "candidate itemIds[1] = 0");
    if (m.requiredFields().contains(io.github.seqrec.models.HistoryField.TIMESTAMPS)) {
      UserHistory itemsOnly = UserHistory.of(new int[] {1, 2, 3}, 3).build();
      assertContains(assertThrows(IllegalArgumentException.class, () -> m.score(itemsOnly, c, ws, out, 0))
          .getMessage(), "TIMESTAMPS");
    }
    if (m.requiredFields().contains(io.github.seqrec.models.HistoryField.ACTION_TYPES)) {
      h.actionTypes()[2] = 500;
      assertContains(assertThrows(IllegalArgumentException.class, () -> m.score(h, c, ws, out, 0)).getMessage(),
          "actionTypes[2] = 500");
      h.actionTypes()[2] = 1;
    }
    for (float v : out) {
      assertEquals(42f, v, "nothing may be written on bad input");
    }
    m.score(h, c, ws, out, 0);
    assertArrayEquals(score(m, h, c), out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sasrec", "bert4rec", "hstu", "pinnerformer", "transact"})
  void overLongHistoriesKeepTheMostRecentActions(String name) throws IOException {
    SequentialModel m = load(name);
    SplittableRandom r = new SplittableRandom(2);
    int max = m.maxHistoryLength();
    UserHistory longer = history(r, max + 9);
    UserHistory kept = UserHistory.of(Arrays.copyOfRange(longer.itemIds(), 9, max + 9), max)
        .actionTypes(Arrays.copyOfRange(longer.actionTypes(), 9, max + 9))
        .timestamps(Arrays.copyOfRange(longer.timestamps(), 9, max + 9)).requestTime(longer.requestTime()).build();
    Candidates c = candidates(r, 5);
    float[] expected = score(m, kept, c);
    assertArrayEquals(expected, score(m, longer, c));
    longer.itemIds()[2] = 999_999;   // a dropped action is never read
    assertArrayEquals(expected, score(m, longer, c));
  }

  /**
   * Every transformer model, in one JVM (so the shared kernels are compiled for all five): scoring,
   * catalogue top-k and the exclude-seen top-k of a max-length history (over 100 distinct seen ids)
   * allocate nothing once warmed up.
   */
  @ParameterizedTest
  @ValueSource(strings = {"sasrec", "bert4rec", "hstu", "pinnerformer", "transact"})
  void scoringAndRecommendingAllocateNothingAfterWarmUp(String name) throws IOException {
    SequentialModel m = load(name);
    SplittableRandom r = new SplittableRandom(3);
    UserHistory h = history(r, Math.min(60, m.maxHistoryLength()));
    Candidates c = candidates(r, 20);
    SequentialModel.Workspace ws = m.newWorkspace();
    float[] out = new float[20];
    assertEquals(0, ModelTestKit.allocatedBytes(() -> m.score(h, c, ws, out, 0), 10), name + " score");
    if (m instanceof NextItemModel next) {
      int[] ids = new int[10];
      float[] scores = new float[10];
      assertEquals(0, ModelTestKit.allocatedBytes(() -> next.recommend(h, 10, false, ws, ids, 0, scores, 0), 10),
          name + " recommend");
      UserHistory longest = history(r, m.maxHistoryLength());
      assertEquals(0, ModelTestKit.allocatedBytes(() -> next.recommend(longest, 10, true, ws, ids, 0, scores, 0), 10),
          name + " recommend excluding " + m.maxHistoryLength() + " seen");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sasrec", "bert4rec", "hstu", "pinnerformer", "transact"})
  void eightThreadsShareOneInstance(String name) throws Exception {
    SequentialModel m = load(name);
    SplittableRandom r = new SplittableRandom(4);
    List<UserHistory> hs = new ArrayList<>();
    List<Candidates> cs = new ArrayList<>();
    for (int u = 0; u < 16; u++) {
      hs.add(history(r, r.nextInt(Math.min(80, m.maxHistoryLength()) + 1)));
      cs.add(candidates(r, 1 + r.nextInt(6)));
    }
    for (int round = 0; round < 30; round++) {   // settle the JIT before comparing
      for (int u = 0; u < hs.size(); u++) {
        score(m, hs.get(u), cs.get(u));
      }
    }
    List<float[]> expected = new ArrayList<>();
    for (int u = 0; u < hs.size(); u++) {
      expected.add(score(m, hs.get(u), cs.get(u)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<float[]>>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        fs.add(pool.submit(() -> {
          SequentialModel.Workspace ws = m.newWorkspace();
          List<float[]> got = new ArrayList<>();
          for (int u = 0; u < hs.size(); u++) {
            float[] out = new float[cs.get(u).count()];
            m.score(hs.get(u), cs.get(u), ws, out, 0);
            got.add(out);
          }
          return got;
        }));
      }
      for (Future<List<float[]>> f : fs) {
        List<float[]> got = f.get(300, TimeUnit.SECONDS);
        for (int u = 0; u < hs.size(); u++) {
          // equal to float rounding (bit identity across JIT tiers is JitTierDeterminismTest's check)
          float[] e = expected.get(u);
          float[] g = got.get(u);
          for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], g[i], 2e-6f * Math.max(1f, Math.abs(e[i])), name + " user " + u + " candidate " + i);
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
