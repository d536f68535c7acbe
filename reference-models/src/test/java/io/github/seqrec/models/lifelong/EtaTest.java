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

import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EtaTest {

  private static Eta eta() throws IOException {
    return (Eta) load("eta", Map.of());
  }

  @ParameterizedTest
  @ValueSource(strings = {"empty", "len1", "max", "padded"})
  void signaturesDistancesAndPicksMatchGolden(String kase) throws IOException {
    Eta model = eta();
    Map<String, Tensor> t = batch("eta", "batch_" + kase + ".safetensors");
    ModelBatch b = ModelBatch.of(t);
    long[] histSig = longs(t, "expected.hist_signature");
    long[] candSig = longs(t, "expected.cand_signature");
    long[] gsu = longs(t, "expected.gsu_index");
    long[] hamming = t.containsKey("expected.hamming") ? longs(t, "expected.hamming") : null;
    int l = t.get("hist_items").shape()[1];
    int[] shape = t.get("expected.gsu_index").shape();
    int k = model.topK();
    SequentialModel.Workspace ws = model.newWorkspace();
    for (int u = 0; u < b.users(); u++) {
      EtaSignatureCache cache = model.newSignatureCache();
      cache.appendAll(b.history(u));
      for (int s = 0; s < cache.length(); s++) {
        assertEquals(histSig[u * l + s], cache.signature(s, 0), kase + " user " + u + " slot " + s);
      }
      Candidates c = b.candidates(u);
      int[] slots = new int[c.count() * k];
      long[] sigs = new long[c.count()];
      int m = model.search(cache, c, ws, slots, 0, sigs);
      assertEquals(Math.min(k, cache.length()), m);
      for (int cand = 0; cand < c.count(); cand++) {
        assertEquals(candSig[u * c.count() + cand], sigs[cand], "candidate signature " + cand);
        for (int j = 0; j < k; j++) {
          long want = j < shape[2] ? gsu[(u * shape[1] + cand) * shape[2] + j] : -1;
          assertEquals(want, slots[cand * k + j], kase + " user " + u + " candidate " + cand + " pick " + j);
        }
        if (hamming != null) {
          for (int s = 0; s < cache.length(); s++) {
            assertEquals(hamming[(u * c.count() + cand) * l + s], Long.bitCount(sigs[cand] ^ cache.signature(s, 0)),
                "hamming user " + u + " candidate " + cand + " slot " + s);
          }
        }
      }
    }
  }

  @Test
  void emptyHistoryGivesTheGoldenNoHistoryScore() throws IOException {
    Eta model = eta();
    Map<String, Tensor> t = batch("eta", "batch_empty.safetensors");
    ModelBatch b = ModelBatch.of(t);
    assertEquals(0, b.history(0).length());
    float[] expected = Arrays.copyOf(((Tensor.F32) t.get("expected.logits")).data(), b.candidates());
    UserHistory empty = UserHistory.of(new int[0], 0).categoryIds(new int[0]).build();
    float[] got = score(model, empty, b.candidates(0));
    for (int i = 0; i < got.length; i++) {
      assertEquals(expected[i], got[i], 1e-5 * Math.max(1, Math.abs(expected[i])));
    }
    float[] viaCache = new float[got.length];
    model.score(model.newSignatureCache(), b.candidates(0), model.newWorkspace(), viaCache, 0);
    assertSameBits(got, viaCache);
  }

  @Test
  void cacheBuiltPerActionScoresBitIdenticallyAndKeepsTheMostRecent() throws IOException {
    Eta model = (Eta) load("eta", Map.of("max_len", "100"));
    TwoStageTestSupport.warmUp(model);
    UserHistory h = randomHistory(7, 150);
    Candidates c = randomCandidates(8, 70);
    EtaSignatureCache cache = model.newSignatureCache();
    for (int i = 0; i < h.length(); i++) {
      cache.append(h.itemIds()[i], h.categoryIds()[i]);
    }
    EtaSignatureCache bulk = model.newSignatureCache();
    bulk.appendAll(h);
    for (int s = 0; s < h.length(); s++) {
      assertEquals(bulk.signature(s, 0), cache.signature(s, 0), "signature " + s);
    }
    SequentialModel.Workspace ws = model.newWorkspace();
    java.util.function.Supplier<float[]> cached = () -> {
      float[] out = new float[c.count()];
      model.score(cache, c, ws, out, 0);
      return out;
    };
    assertSamePathBits(cached, () -> score(model, h, c));
    assertSamePathBits(cached, () -> score(model, lastActions(h, 100), c));
    assertTrue(!Arrays.equals(score(eta(), h, c), cached.get()), "the first 50 actions must not be seen");
  }

  @Test
  void incrementalUpdatesMatchScoringTheExtendedHistory() throws IOException {
    Eta model = eta();
    TwoStageTestSupport.warmUp(model);
    UserHistory h = randomHistory(11, 400);
    Candidates c = randomCandidates(12, 25);
    EtaSignatureCache cache = model.newSignatureCache();
    cache.appendAll(h, 0, 250);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[c.count()];
    model.score(cache, c, ws, out, 0);
    for (int i = 250; i < 400; i++) {
      cache.append(h.itemIds()[i], h.categoryIds()[i]);
    }
    assertSamePathBits(() -> score(model, h, c), () -> {
      model.score(cache, c, ws, out, 0);
      return out.clone();
    });
  }

  @Test
  void badInputsAreRejectedNamingFieldPositionValueAndRange() throws IOException {
    Eta model = eta();
    UserHistory good = randomHistory(5, 20);
    Candidates c = randomCandidates(6, 4);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = {42, 42, 42, 42};

    int[] items = good.itemIds().clone();
    items[7] = 201;
    UserHistory badItem = UserHistory.of(items, 20).categoryIds(good.categoryIds()).build();
    var e = assertThrows(IllegalArgumentException.class, () -> model.score(badItem, c, ws, out, 0));
    assertTrue(e.getMessage().contains("itemIds[7] = 201") && e.getMessage().contains("[1, 200]"), e.getMessage());

    UserHistory noCates = UserHistory.of(good.itemIds(), 20).build();
    e = assertThrows(IllegalArgumentException.class, () -> model.score(noCates, c, ws, out, 0));
    assertTrue(e.getMessage().contains("CATEGORY_IDS"), e.getMessage());

    Candidates badCand = Candidates.of(new int[] {1, 2, 3, 4}, new int[] {1, 2, 21, 4});
    e = assertThrows(IllegalArgumentException.class, () -> model.score(good, badCand, ws, out, 0));
    assertTrue(e.getMessage().contains("candidate categoryIds[2] = 21") && e.getMessage().contains("[1, 20]"),
        e.getMessage());

    EtaSignatureCache cache = model.newSignatureCache();
    e = assertThrows(IllegalArgumentException.class, () -> cache.append(0, 3));
    assertTrue(e.getMessage().contains("itemIds[0] = 0"), e.getMessage());
    assertEquals(0, cache.length());

    SequentialModel.Workspace other = load("sim", Map.of()).newWorkspace();
    e = assertThrows(IllegalArgumentException.class, () -> model.score(good, c, other, out, 0));
    assertTrue(e.getMessage().contains("workspace"), e.getMessage());
    EtaSignatureCache foreign = eta().newSignatureCache();
    assertThrows(IllegalArgumentException.class, () -> model.score(foreign, c, ws, out, 0));
    assertThrows(IllegalArgumentException.class, () -> model.score(good, c, ws, out, 1));
    assertArrayEquals(new float[] {42, 42, 42, 42}, out, "nothing written on bad input");
  }

  @Test
  void scoringAllocatesNothingAfterWarmUp() throws IOException {
    Eta model = eta();
    UserHistory h = randomHistory(21, model.maxHistoryLength());
    Candidates c = randomCandidates(22, 100);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[c.count()];
    TwoStageTestSupport.assertNoAllocation("score(history)", allocatedBytes(() -> model.score(h, c, ws, out, 0), 3000, 10));
    EtaSignatureCache cache = model.newSignatureCache();
    cache.appendAll(h);
    TwoStageTestSupport.assertNoAllocation("score(cache)", allocatedBytes(() -> model.score(cache, c, ws, out, 0), 30, 10));
  }

  @Test
  void oneModelSharedByEightThreadsGivesTheSequentialResults() throws Exception {
    TwoStageTestSupport.assertThreadSafe(eta(), 600);
  }
}
