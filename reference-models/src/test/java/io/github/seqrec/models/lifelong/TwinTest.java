package io.github.seqrec.models.lifelong;

import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.ModelBatch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TWIN beyond the goldens: GSU selection, cache equivalence, bad input, allocation, threads. */
class TwinTest {
  static final Path DIR = Path.of("src/test/resources/golden/models/twin");
  static Twin model;
  static ItemProjectionCache cache;

  @BeforeAll
  static void load() throws IOException {
    model = (Twin) Models.load("twin", DIR.resolve("weights.safetensors"), Map.of());
    cache = model.itemCache();
    warmUp();
  }

  /**
   * The comparisons run after the kernels have been exercised, on the compiled code a server runs
   * (bit identity itself does not depend on the JIT tier: {@code JitTierDeterminismTest}).
   */
  static void warmUp() {
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[300];
    for (int i = 0; i < 300; i++) {
      UserHistory h = history(1000 + i, 1 + (i * 37) % 1000);
      Candidates c = candidates(i, 1 + (i * 13) % 300);
      model.score(cache, h, c, ws, out, 0);
      model.score(h, c, ws, out, 0);
    }
  }

  static Map<String, Tensor> batch(String name) throws IOException {
    try (SafeTensors st = SafeTensors.open(DIR.resolve("batch_" + name + ".safetensors"))) {
      return st.toTensors();
    }
  }

  /** A random history of {@code length} actions over the golden catalogue (cate = 1 + 7 item % 20). */
  static UserHistory history(long seed, int length) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] items = new int[length];
    int[] cates = new int[length];
    int[] cross = new int[2 * length];
    for (int i = 0; i < length; i++) {
      items[i] = 1 + r.nextInt(200);
      cates[i] = 1 + (items[i] * 7) % 20;
      cross[2 * i] = r.nextInt(16);
      cross[2 * i + 1] = r.nextInt(16);
    }
    return UserHistory.of(items, length).categoryIds(cates).crossBuckets(cross, 2).build();
  }

  static Candidates candidates(long seed, int count) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] items = new int[count];
    int[] cates = new int[count];
    for (int i = 0; i < count; i++) {
      items[i] = 1 + r.nextInt(200);
      cates[i] = 1 + (items[i] * 7) % 20;
    }
    return Candidates.of(items, cates);
  }

  static float[] score(UserHistory h, Candidates c, boolean cached) {
    float[] out = new float[c.count()];
    SequentialModel.Workspace ws = model.newWorkspace();
    if (cached) {
      model.score(cache, h, c, ws, out, 0);
    } else {
      model.score(h, c, ws, out, 0);
    }
    return out;
  }

  @Test
  void gsuSelectsTheGoldenSlots() throws IOException {
    for (String name : List.of("max", "padded", "len1")) {
      Map<String, Tensor> t = batch(name);
      ModelBatch b = ModelBatch.of(t);
      Tensor.I64 expected = (Tensor.I64) t.get("expected.gsu_index");
      int k = expected.shape()[2];
      for (int u = 0; u < b.users(); u++) {
        UserHistory h = b.history(u);
        Candidates c = b.candidates(u);
        TwinCore.Work w = (TwinCore.Work) model.newWorkspace();
        model.score(cache, h, c, w, new float[c.count()], 0);
        int m = Math.min(model.topK(), h.length());
        for (int cand = 0; cand < c.count(); cand++) {
          for (int j = 0; j < k; j++) {
            long want = expected.data()[(u * c.count() + cand) * k + j];
            long got = j < m ? w.topIndex[cand * m + j] : -1;
            assertEquals(want, got, name + " user " + u + " candidate " + cand + " rank " + j);
          }
        }
      }
    }
  }

  @Test
  void cachedAndUncachedAreBitIdentical() throws IOException {
    for (String name : List.of("max", "padded", "len1", "empty")) {
      ModelBatch b = ModelBatch.of(batch(name));
      for (int u = 0; u < b.users(); u++) {
        assertArrayEquals(score(b.history(u), b.candidates(u), false), score(b.history(u), b.candidates(u), true),
            name + " user " + u);
      }
    }
    for (int len : new int[] {1, 7, 99, 100, 101, 1000}) {
      UserHistory h = history(len, len);
      Candidates c = candidates(len + 1, 300);
      assertArrayEquals(score(h, c, false), score(h, c, true), "length " + len);
    }
  }

  @Test
  void emptyHistoryMatchesGolden() throws IOException {
    Map<String, Tensor> t = batch("empty");
    ModelBatch b = ModelBatch.of(t);
    float[] expected = ((Tensor.F32) t.get("expected.logits")).data();
    assertEquals(0, b.history(0).length());
    float[] got = score(UserHistory.empty(), b.candidates(0), true);
    for (int c = 0; c < got.length; c++) {
      assertEquals(expected[c], got[c], 1e-5f * Math.max(1f, Math.abs(expected[c])), "candidate " + c);
    }
    assertArrayEquals(got, score(b.history(0), b.candidates(0), false));
  }

  @Test
  void longerHistoryKeepsTheMostRecent() {
    UserHistory full = history(5, 1300);
    int keep = model.maxHistoryLength();
    int from = 1300 - keep;
    UserHistory cut = UserHistory.of(Arrays.copyOfRange(full.itemIds(), from, 1300), keep)
        .categoryIds(Arrays.copyOfRange(full.categoryIds(), from, 1300))
        .crossBuckets(Arrays.copyOfRange(full.crossBuckets(), 2 * from, 2 * 1300), 2).build();
    Candidates c = candidates(6, 20);
    assertArrayEquals(score(cut, c, true), score(full, c, true));
    assertArrayEquals(score(cut, c, false), score(full, c, false));
  }

  @Test
  void rejectsBadInput() {
    Candidates c = candidates(1, 3);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[3];
    UserHistory good = history(2, 10);

    int[] items = good.itemIds().clone();
    items[4] = 201;
    UserHistory badItem = UserHistory.of(items, 10).categoryIds(good.categoryIds()).crossBuckets(good.crossBuckets(), 2).build();
    String m = assertThrows(IllegalArgumentException.class, () -> model.score(cache, badItem, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("itemIds[4] = 201") && m.contains("[1, 200]"), m);

    int[] cates = good.categoryIds().clone();
    cates[9] = 0;
    UserHistory badCate = UserHistory.of(good.itemIds(), 10).categoryIds(cates).crossBuckets(good.crossBuckets(), 2).build();
    m = assertThrows(IllegalArgumentException.class, () -> model.score(badCate, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("categoryIds[9] = 0") && m.contains("[1, 20]"), m);

    int[] cross = good.crossBuckets().clone();
    cross[7] = 16;
    UserHistory badCross = UserHistory.of(good.itemIds(), 10).categoryIds(good.categoryIds()).crossBuckets(cross, 2).build();
    m = assertThrows(IllegalArgumentException.class, () -> model.score(badCross, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("crossBuckets[7]") && m.contains("action 3, feature 1") && m.contains("= 16")
        && m.contains("[0, 15]"), m);

    UserHistory noCross = UserHistory.of(good.itemIds(), 10).categoryIds(good.categoryIds()).build();
    m = assertThrows(IllegalArgumentException.class, () -> model.score(noCross, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("CROSS_BUCKETS"), m);

    UserHistory oneCross = UserHistory.of(good.itemIds(), 10).categoryIds(good.categoryIds())
        .crossBuckets(good.crossBuckets(), 1).build();
    m = assertThrows(IllegalArgumentException.class, () -> model.score(oneCross, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("crossDim") && m.contains("got 1"), m);

    Candidates badCand = Candidates.of(new int[] {3, 0}, new int[] {1, 1});
    m = assertThrows(IllegalArgumentException.class, () -> model.score(good, badCand, ws, out, 0)).getMessage();
    assertTrue(m.contains("candidate itemIds[1] = 0"), m);

    m = assertThrows(IllegalArgumentException.class, () -> model.score(good, c, ws, new float[2], 0)).getMessage();
    assertTrue(m.contains("logits needs 3"), m);

    SequentialModel.Workspace foreign = new SequentialModel.Workspace(null) {};
    m = assertThrows(IllegalArgumentException.class, () -> model.score(good, c, foreign, out, 0)).getMessage();
    assertTrue(m.contains("workspace must come from this twin"), m);

    m = assertThrows(IllegalArgumentException.class, () -> model.score(null, good, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("cache"), m);
  }

  @Test
  void otherInstancesWorkspaceAndCacheAreRejected() throws IOException {
    Twin other = (Twin) Models.load("twin", DIR.resolve("weights.safetensors"), Map.of());
    UserHistory h = history(3, 5);
    Candidates c = candidates(3, 2);
    float[] out = new float[2];
    String m = assertThrows(IllegalArgumentException.class,
        () -> model.score(h, c, other.newWorkspace(), out, 0)).getMessage();
    assertTrue(m.contains("workspace"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> model.score(other.itemCache(), h, c, model.newWorkspace(), out, 0)).getMessage();
    assertTrue(m.contains("another twin instance"), m);
  }

  @Test
  void scoringAllocatesNothingAfterWarmUp() {
    com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    UserHistory h = history(11, model.maxHistoryLength());
    Candidates c = candidates(12, 600);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[600];
    for (int i = 0; i < 30; i++) {
      model.score(cache, h, c, ws, out, 0);
      model.score(h, c, ws, out, 0);
    }
    long allocated = Long.MAX_VALUE;
    // at least 5 windows; in a fresh JVM (one per test class) C2 may need more: up to 30 s until one is clean
    long deadline = System.nanoTime() + 30_000_000_000L;
    for (int window = 0; window < 5 || (allocated != 0 && System.nanoTime() < deadline); window++) {
      long before = bean.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 5; i++) {
        model.score(cache, h, c, ws, out, 0);
        model.score(h, c, ws, out, 0);
      }
      allocated = Math.min(allocated, bean.getCurrentThreadAllocatedBytes() - before);
    }
    assertNoAllocation("10 warmed-up requests", allocated);
  }

  /** Zero bytes on either backend (the vector GEMM no longer boxes vectors across calls). */
  static void assertNoAllocation(String what, long bytes) {
    assertEquals(0, bytes, what + " allocated on the " + io.github.seqrec.kernels.Backends.name() + " backend");
  }

  @Test
  void eightThreadsMatchSequentialScoring() throws Exception {
    int users = 32;
    List<UserHistory> histories = new ArrayList<>();
    List<Candidates> cands = new ArrayList<>();
    float[][] sequential = new float[users][];
    for (int u = 0; u < users; u++) {
      histories.add(history(100 + u, 1 + (u * 97) % 1000));
      cands.add(candidates(200 + u, 50));
      sequential[u] = score(histories.get(u), cands.get(u), u % 2 == 0);
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<float[][]>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          SequentialModel.Workspace ws = model.newWorkspace();
          float[][] got = new float[users][];
          for (int rep = 0; rep < 3; rep++) {
            for (int u = thread; u < users; u += 2) {
              got[u] = new float[50];
              if (u % 2 == 0) {
                model.score(cache, histories.get(u), cands.get(u), ws, got[u], 0);
              } else {
                model.score(histories.get(u), cands.get(u), ws, got[u], 0);
              }
            }
          }
          return got;
        }));
      }
      for (int t = 0; t < 8; t++) {
        float[][] got = futures.get(t).get();
        for (int u = t; u < users; u += 2) {
          assertArrayEquals(sequential[u], got[u], "thread " + t + " user " + u);
        }
      }
    } finally {
      pool.shutdown();
    }
  }
}
