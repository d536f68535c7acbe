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

/** TWIN-V2 beyond the goldens: the clustering stage alone, cache equivalence, bad input, allocation, threads. */
class TwinV2Test {
  static final Path DIR = Path.of("src/test/resources/golden/models/twin_v2");
  static TwinV2 model;
  static TwinV2 rawModel;
  static ItemProjectionCache cache;

  @BeforeAll
  static void load() throws IOException {
    model = (TwinV2) Models.load("twin_v2", DIR.resolve("weights.safetensors"), Map.of());
    rawModel = (TwinV2) Models.load("twin_v2", DIR.resolve("weights.safetensors"), Map.of("input", "raw"));
    cache = model.itemCache();
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[300];
    for (int i = 0; i < 300; i++) { // JIT warm-up before bit comparisons (see TwinTest.warmUp)
      UserHistory h = clusters(1000 + i, 1 + (i * 37) % 1000);
      Candidates c = TwinTest.candidates(i, 1 + (i * 13) % 300);
      model.score(cache, h, c, ws, out, 0);
      model.score(h, c, ws, out, 0);
    }
  }

  static Map<String, Tensor> batch(String name) throws IOException {
    try (SafeTensors st = SafeTensors.open(DIR.resolve("batch_" + name + ".safetensors"))) {
      return st.toTensors();
    }
  }

  /** A random clustered history: virtual items, numeric means in [0, 1), sizes 1..20. */
  static UserHistory clusters(long seed, int length) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] items = new int[length];
    int[] cates = new int[length];
    float[] num = new float[2 * length];
    int[] sizes = new int[length];
    for (int i = 0; i < length; i++) {
      items[i] = 1 + r.nextInt(200);
      cates[i] = 1 + (items[i] * 7) % 20;
      num[2 * i] = (float) r.nextDouble();
      num[2 * i + 1] = (float) r.nextDouble();
      sizes[i] = 1 + r.nextInt(20);
    }
    return UserHistory.of(items, length).categoryIds(cates).crossNumeric(num, 2).clusterSizes(sizes).build();
  }

  static long[] longs(Tensor t) {
    return ((Tensor.I64) t).data();
  }

  @Test
  void clusteringReproducesTheGoldenClusters() throws IOException {
    for (String name : List.of("cluster_max", "cluster_small")) {
      Map<String, Tensor> t = batch(name);
      ModelBatch b = ModelBatch.of(t);
      int lc = t.get("expected.cluster_items").shape()[1];
      int l = t.get("raw_items").shape()[1];
      for (int u = 0; u < b.users(); u++) {
        TwinV2Clustering.Result r = model.clustering().clusterWithAssignment(b.history(u));
        UserHistory c = r.clusters();
        String where = name + " user " + u;
        assertEquals(longs(t.get("expected.cluster_len"))[u], c.length(), where + " cluster count");
        for (int i = 0; i < c.length(); i++) {
          assertEquals(longs(t.get("expected.cluster_items"))[u * lc + i], c.itemIds()[i], where + " item " + i);
          assertEquals(longs(t.get("expected.cluster_cates"))[u * lc + i], c.categoryIds()[i], where + " cate " + i);
          assertEquals(longs(t.get("expected.cluster_sizes"))[u * lc + i], c.clusterSizes()[i], where + " size " + i);
          for (int j = 0; j < 2; j++) {
            float want = ((Tensor.F32) t.get("expected.cluster_num")).data()[(u * lc + i) * 2 + j];
            assertEquals(want, c.crossNumeric()[i * 2 + j], 1e-6f, where + " num " + i + "," + j);
          }
        }
        int len = b.history(u).length();
        for (int s = 0; s < l; s++) {
          long want = longs(t.get("expected.cluster_assignment"))[u * l + s];
          assertEquals(want, s < len ? r.assignment()[s] : -1, where + " assignment of slot " + s);
        }
      }
    }
  }

  @Test
  void rawInputEqualsScoringTheClusters() throws IOException {
    ModelBatch b = ModelBatch.of(batch("cluster_max"));
    for (int u = 0; u < b.users(); u++) {
      Candidates c = b.candidates(u);
      float[] viaRaw = new float[c.count()];
      float[] viaClusters = new float[c.count()];
      rawModel.score(b.history(u), c, rawModel.newWorkspace(), viaRaw, 0);
      model.score(rawModel.clustering().cluster(b.history(u)), c, model.newWorkspace(), viaClusters, 0);
      assertArrayEquals(viaClusters, viaRaw, "user " + u);
    }
  }

  @Test
  void gsuSelectsTheGoldenClusters() throws IOException {
    for (String name : List.of("max", "padded", "clustered_max")) {
      Map<String, Tensor> t = batch(name);
      ModelBatch b = ModelBatch.of(t);
      long[] expected = longs(t.get("expected.gsu_index"));
      int k = t.get("expected.gsu_index").shape()[2];
      for (int u = 0; u < b.users(); u++) {
        UserHistory h = b.history(u);
        Candidates c = b.candidates(u);
        TwinCore.Work w = (TwinCore.Work) model.newWorkspace();
        model.score(cache, h, c, w, new float[c.count()], 0);
        int m = Math.min(model.topK(), h.length());
        for (int cand = 0; cand < c.count(); cand++) {
          for (int j = 0; j < k; j++) {
            long got = j < m ? w.topIndex[cand * m + j] : -1;
            assertEquals(expected[(u * c.count() + cand) * k + j], got, name + " user " + u + " cand " + cand + " rank " + j);
          }
        }
      }
    }
  }

  @Test
  void cachedAndUncachedAreBitIdentical() throws IOException {
    for (String name : List.of("max", "padded", "len1", "empty", "clustered_max")) {
      ModelBatch b = ModelBatch.of(batch(name));
      for (int u = 0; u < b.users(); u++) {
        float[] plain = new float[b.candidates()];
        float[] cached = new float[b.candidates()];
        model.score(b.history(u), b.candidates(u), model.newWorkspace(), plain, 0);
        model.score(cache, b.history(u), b.candidates(u), model.newWorkspace(), cached, 0);
        assertArrayEquals(plain, cached, name + " user " + u);
      }
    }
    for (int len : new int[] {1, 99, 100, 101, 1000}) {
      UserHistory h = clusters(len, len);
      Candidates c = TwinTest.candidates(len, 300);
      float[] plain = new float[300];
      float[] cached = new float[300];
      model.score(h, c, model.newWorkspace(), plain, 0);
      model.score(cache, h, c, model.newWorkspace(), cached, 0);
      assertArrayEquals(plain, cached, "length " + len);
    }
  }

  @Test
  void longerHistoryKeepsTheMostRecent() {
    UserHistory full = clusters(5, 1200);
    int from = 1200 - model.maxHistoryLength();
    UserHistory cut = UserHistory.of(Arrays.copyOfRange(full.itemIds(), from, 1200), 1200 - from)
        .categoryIds(Arrays.copyOfRange(full.categoryIds(), from, 1200))
        .crossNumeric(Arrays.copyOfRange(full.crossNumeric(), 2 * from, 2400), 2)
        .clusterSizes(Arrays.copyOfRange(full.clusterSizes(), from, 1200)).build();
    Candidates c = TwinTest.candidates(6, 20);
    float[] a = new float[20];
    float[] b = new float[20];
    model.score(cache, full, c, model.newWorkspace(), a, 0);
    model.score(cache, cut, c, model.newWorkspace(), b, 0);
    assertArrayEquals(b, a);
  }

  @Test
  void emptyHistoryGivesTheGoldenScore() throws IOException {
    Map<String, Tensor> t = batch("empty");
    ModelBatch b = ModelBatch.of(t);
    float[] expected = ((Tensor.F32) t.get("expected.logits")).data();
    float[] got = new float[b.candidates()];
    model.score(UserHistory.empty(), b.candidates(0), model.newWorkspace(), got, 0);
    for (int c = 0; c < got.length; c++) {
      assertEquals(expected[c], got[c], 1e-5f * Math.max(1f, Math.abs(expected[c])), "candidate " + c);
    }
    float[] raw = new float[b.candidates()];
    rawModel.score(UserHistory.empty(), b.candidates(0), rawModel.newWorkspace(), raw, 0);
    assertArrayEquals(got, raw);
  }

  @Test
  void rejectsBadInput() throws IOException {
    Candidates c = TwinTest.candidates(1, 3);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[3];
    UserHistory good = clusters(2, 10);

    int[] sizes = good.clusterSizes().clone();
    sizes[3] = 0;
    UserHistory zero = UserHistory.of(good.itemIds(), 10).categoryIds(good.categoryIds())
        .crossNumeric(good.crossNumeric(), 2).clusterSizes(sizes).build();
    String m = assertThrows(IllegalArgumentException.class, () -> model.score(zero, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("clusterSizes[3] = 0"), m);

    float[] num = good.crossNumeric().clone();
    num[5] = Float.NaN;
    UserHistory nan = UserHistory.of(good.itemIds(), 10).categoryIds(good.categoryIds())
        .crossNumeric(num, 2).clusterSizes(good.clusterSizes()).build();
    m = assertThrows(IllegalArgumentException.class, () -> model.score(cache, nan, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("crossNumeric[5] = NaN"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> rawModel.score(nan, c, rawModel.newWorkspace(), out, 0)).getMessage();
    assertTrue(m.contains("crossNumeric[5] = NaN"), m);

    UserHistory noSizes = UserHistory.of(good.itemIds(), 10).categoryIds(good.categoryIds())
        .crossNumeric(good.crossNumeric(), 2).build();
    m = assertThrows(IllegalArgumentException.class, () -> model.score(noSizes, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("CLUSTER_SIZES"), m);

    UserHistory oneNum = UserHistory.of(good.itemIds(), 5).categoryIds(good.categoryIds())
        .crossNumeric(good.crossNumeric(), 1).clusterSizes(good.clusterSizes()).build();
    m = assertThrows(IllegalArgumentException.class, () -> model.score(oneNum, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("crossDim") && m.contains("got 1"), m);

    int[] items = good.itemIds().clone();
    items[2] = 500;
    UserHistory badItem = UserHistory.of(items, 10).categoryIds(good.categoryIds())
        .crossNumeric(good.crossNumeric(), 2).clusterSizes(good.clusterSizes()).build();
    m = assertThrows(IllegalArgumentException.class, () -> model.score(badItem, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("itemIds[2] = 500") && m.contains("[1, 200]"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> rawModel.score(badItem, c, rawModel.newWorkspace(), out, 0)).getMessage();
    assertTrue(m.contains("itemIds[2] = 500"), m);

    m = assertThrows(IllegalArgumentException.class,
        () -> model.score(good, c, new SequentialModel.Workspace(null) {}, out, 0)).getMessage();
    assertTrue(m.contains("workspace must come from this twin_v2"), m);
    ItemProjectionCache foreign = rawModel.itemCache();
    m = assertThrows(IllegalArgumentException.class, () -> model.score(foreign, good, c, ws, out, 0)).getMessage();
    assertTrue(m.contains("another twin_v2 instance"), m);
    m = assertThrows(IllegalArgumentException.class, () -> Models.load("twin_v2", DIR.resolve("weights.safetensors"),
        Map.of("input", "events"))).getMessage();
    assertTrue(m.contains("input") && m.contains("events"), m);
  }

  @Test
  void clusteredScoringAllocatesNothingAfterWarmUp() {
    com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    UserHistory h = clusters(11, model.maxHistoryLength());
    Candidates c = TwinTest.candidates(12, 600);
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
    TwinTest.assertNoAllocation("10 warmed-up requests", allocated);
  }

  @Test
  void eightThreadsMatchSequentialScoring() throws Exception {
    int users = 32;
    List<UserHistory> histories = new ArrayList<>();
    List<Candidates> cands = new ArrayList<>();
    float[][] sequential = new float[users][];
    SequentialModel.Workspace ws0 = model.newWorkspace();
    for (int u = 0; u < users; u++) {
      histories.add(clusters(100 + u, 1 + (u * 97) % 1000));
      cands.add(TwinTest.candidates(200 + u, 50));
      sequential[u] = new float[50];
      model.score(cache, histories.get(u), cands.get(u), ws0, sequential[u], 0);
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
              model.score(cache, histories.get(u), cands.get(u), ws, got[u], 0);
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
