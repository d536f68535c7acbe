package io.github.seqrec.models.lifelong;

import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.ModelBatch;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.allocatedBytes;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.assertSameBits;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.assertSamePathBits;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.batch;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.lastActions;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.load;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.longs;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.randomCandidates;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.randomHistory;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.score;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.kernels.CategoryFilter;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SimTest {

  private static Sim sim(String gsu) throws IOException {
    return (Sim) load("sim", Map.of("gsu", gsu));
  }

  private static Sim sim(String gsu, int maxLen) throws IOException {
    return (Sim) load("sim", Map.of("gsu", gsu, "max_len", Integer.toString(maxLen)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"hard_empty", "hard_len1", "hard_max", "hard_padded", "soft_empty", "soft_len1", "soft_max",
      "soft_padded"})
  void searchUnitAndTimeBucketsMatchGolden(String kase) throws IOException {
    Sim model = sim(kase.substring(0, 4));
    Map<String, Tensor> t = batch("sim", "batch_" + kase + ".safetensors");
    ModelBatch b = ModelBatch.of(t);
    Tensor expected = t.get("expected.gsu_index");
    int[] shape = expected.shape();
    long[] gsu = longs(t, "expected.gsu_index");
    int k = model.topK();
    SequentialModel.Workspace ws = model.newWorkspace();
    for (int u = 0; u < b.users(); u++) {
      SimUserIndex index = model.newUserIndex();
      index.appendAll(b.history(u));
      Candidates c = b.candidates(u);
      int[] slots = new int[c.count() * k];
      int[] counts = new int[c.count()];
      model.search(index, c, ws, slots, 0, counts, 0);
      for (int cand = 0; cand < c.count(); cand++) {
        for (int j = 0; j < k; j++) {
          long want = j < shape[2] ? gsu[(u * shape[1] + cand) * shape[2] + j] : -1;
          assertEquals(want, slots[cand * k + j], kase + " user " + u + " candidate " + cand + " pick " + j);
        }
      }
    }
    if (t.containsKey("expected.time_bucket")) {
      long[] buckets = longs(t, "expected.time_bucket");
      long[] times = longs(t, "hist_times");
      long[] request = longs(t, "request_time");
      long[] len = longs(t, "hist_len");
      int l = t.get("hist_times").shape()[1];
      for (int i = 0; i < buckets.length; i++) {
        if (i % l >= len[i / l]) {
          continue; // padding
        }
        assertEquals(buckets[i], model.timeBucket(request[i / l] - times[i]), "time bucket " + i);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"hard", "soft"})
  void emptyHistoryGivesTheGoldenNoHistoryScore(String gsu) throws IOException {
    Sim model = sim(gsu);
    Map<String, Tensor> t = batch("sim", "batch_" + gsu + "_empty.safetensors");
    ModelBatch b = ModelBatch.of(t);
    assertEquals(0, b.history(0).length());
    float[] expected = Arrays.copyOf(((Tensor.F32) t.get("expected.logits")).data(), b.candidates());
    UserHistory empty = UserHistory.of(new int[0], 0).categoryIds(new int[0]).timestamps(new long[0]).build();
    float[] got = score(model, empty, b.candidates(0));
    for (int i = 0; i < got.length; i++) {
      assertEquals(expected[i], got[i], 1e-5 * Math.max(1, Math.abs(expected[i])));
    }
    float[] viaIndex = new float[got.length];
    model.score(model.newUserIndex(), 0, b.candidates(0), model.newWorkspace(), viaIndex, 0);
    assertSameBits(got, viaIndex);
  }

  @ParameterizedTest
  @ValueSource(strings = {"hard", "soft"})
  void indexBuiltPerActionScoresBitIdenticallyAndKeepsTheMostRecent(String gsu) throws IOException {
    Sim model = sim(gsu, 100);
    TwoStageTestSupport.warmUp(model);
    UserHistory h = randomHistory(7, 150);
    Candidates c = randomCandidates(8, 70);
    SimUserIndex index = model.newUserIndex();
    for (int i = 0; i < h.length(); i++) {
      index.append(h.itemIds()[i], h.categoryIds()[i], h.timestamps()[i]);
    }
    SequentialModel.Workspace ws = model.newWorkspace();
    java.util.function.Supplier<float[]> cached = () -> {
      float[] out = new float[c.count()];
      model.score(index, h.requestTime(), c, ws, out, 0);
      return out;
    };
    assertSamePathBits(cached, () -> score(model, h, c));
    assertSamePathBits(cached, () -> score(model, lastActions(h, 100), c));
    SimUserIndex bulk = model.newUserIndex();
    bulk.appendAll(h);
    assertSamePathBits(cached, () -> {
      float[] out = new float[c.count()];
      model.score(bulk, h.requestTime(), c, ws, out, 0);
      return out;
    });
    // the truncation matters: the model does not see the first 50 actions
    float[] full = score(sim(gsu, 1000), h, c);
    assertTrue(!Arrays.equals(full, cached.get()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"hard", "soft"})
  void incrementalUpdatesMatchScoringTheExtendedHistory(String gsu) throws IOException {
    Sim model = sim(gsu);
    TwoStageTestSupport.warmUp(model);
    UserHistory h = randomHistory(11, 400);
    Candidates c = randomCandidates(12, 25);
    SimUserIndex index = model.newUserIndex();
    index.appendAll(lastActions(h, 400), 0, 250);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[c.count()];
    model.score(index, h.requestTime(), c, ws, out, 0);
    for (int i = 250; i < 400; i++) {
      index.append(h.itemIds()[i], h.categoryIds()[i], h.timestamps()[i]);
    }
    assertSamePathBits(() -> score(model, h, c), () -> {
      model.score(index, h.requestTime(), c, ws, out, 0);
      return out.clone();
    });
  }

  @org.junit.jupiter.api.Test
  void hardIndexAgreesWithTheCategoryFilterKernel() throws IOException {
    Sim model = sim("hard");
    UserHistory h = randomHistory(3, 1000);
    SimUserIndex index = model.newUserIndex();
    index.appendAll(h);
    int[] positions = new int[1000];
    int[] picks = new int[60];
    for (int cate = 0; cate <= 21; cate++) {
      for (int from : new int[] {0, 400, 990, 1000}) {
        int n = CategoryFilter.filter(h.categoryIds(), from, 1000 - from, cate, positions, 0);
        int m = index.mostRecent(cate, from, 50, picks, 0);
        assertEquals(Math.min(50, n), m, "category " + cate + " from " + from);
        for (int j = 0; j < m; j++) {
          assertEquals(from + positions[n - 1 - j], picks[j], "category " + cate + " from " + from + " pick " + j);
        }
        if (from == 0) {
          assertEquals(n, index.count(cate));
        }
      }
    }
    index.clear();
    assertEquals(0, index.length());
    assertEquals(0, index.mostRecent(h.categoryIds()[999], 0, 50, picks, 0));
  }

  @org.junit.jupiter.api.Test
  void badInputsAreRejectedNamingFieldPositionValueAndRange() throws IOException {
    Sim model = sim("hard");
    UserHistory good = randomHistory(5, 20);
    Candidates c = randomCandidates(6, 4);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = {42, 42, 42, 42};

    int[] items = good.itemIds().clone();
    items[7] = 201;
    UserHistory badItem = UserHistory.of(items, 20).categoryIds(good.categoryIds()).timestamps(good.timestamps()).build();
    var e = assertThrows(IllegalArgumentException.class, () -> model.score(badItem, c, ws, out, 0));
    assertTrue(e.getMessage().contains("itemIds[7] = 201") && e.getMessage().contains("[1, 200]"), e.getMessage());

    int[] cates = good.categoryIds().clone();
    cates[3] = 0;
    UserHistory badCate = UserHistory.of(good.itemIds(), 20).categoryIds(cates).timestamps(good.timestamps()).build();
    e = assertThrows(IllegalArgumentException.class, () -> model.score(badCate, c, ws, out, 0));
    assertTrue(e.getMessage().contains("categoryIds[3] = 0") && e.getMessage().contains("[1, 20]"), e.getMessage());

    UserHistory noTimes = UserHistory.of(good.itemIds(), 20).categoryIds(good.categoryIds()).build();
    e = assertThrows(IllegalArgumentException.class, () -> model.score(noTimes, c, ws, out, 0));
    assertTrue(e.getMessage().contains("TIMESTAMPS"), e.getMessage());

    Candidates badCand = Candidates.of(new int[] {1, 2, 0, 4}, new int[] {1, 2, 3, 4});
    e = assertThrows(IllegalArgumentException.class, () -> model.score(good, badCand, ws, out, 0));
    assertTrue(e.getMessage().contains("candidate itemIds[2] = 0"), e.getMessage());
    Candidates noCates = Candidates.of(new int[] {1, 2, 3, 4});
    assertThrows(IllegalArgumentException.class, () -> model.score(good, noCates, ws, out, 0));

    SimUserIndex index = model.newUserIndex();
    e = assertThrows(IllegalArgumentException.class, () -> index.append(1, 21, 0));
    assertTrue(e.getMessage().contains("categoryIds[0] = 21"), e.getMessage());
    assertEquals(0, index.length());

    SequentialModel.Workspace other = load("eta", Map.of()).newWorkspace();
    e = assertThrows(IllegalArgumentException.class, () -> model.score(good, c, other, out, 0));
    assertTrue(e.getMessage().contains("workspace"), e.getMessage());
    SequentialModel.Workspace otherSim = sim("hard").newWorkspace();
    assertThrows(IllegalArgumentException.class, () -> model.score(good, c, otherSim, out, 0));
    SimUserIndex foreign = sim("hard").newUserIndex();
    assertThrows(IllegalArgumentException.class, () -> model.score(foreign, 0, c, ws, out, 0));
    assertThrows(IllegalArgumentException.class, () -> model.score(good, c, ws, new float[3], 0));
    assertArrayEquals(new float[] {42, 42, 42, 42}, out, "nothing written on bad input");
  }

  @ParameterizedTest
  @ValueSource(strings = {"hard", "soft"})
  void scoringAllocatesNothingAfterWarmUp(String gsu) throws IOException {
    Sim model = sim(gsu);
    UserHistory h = randomHistory(21, model.maxHistoryLength());
    Candidates c = randomCandidates(22, 100);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[c.count()];
    TwoStageTestSupport.assertNoAllocation("score(history)", allocatedBytes(() -> model.score(h, c, ws, out, 0), 100, 10));
    SimUserIndex index = model.newUserIndex();
    index.appendAll(h);
    TwoStageTestSupport.assertNoAllocation("score(index)",
        allocatedBytes(() -> model.score(index, h.requestTime(), c, ws, out, 0), 30, 10));
  }

  @ParameterizedTest
  @ValueSource(strings = {"hard", "soft"})
  void oneModelSharedByEightThreadsGivesTheSequentialResults(String gsu) throws Exception {
    TwoStageTestSupport.assertThreadSafe(sim(gsu), 600);
  }
}
