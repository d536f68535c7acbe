package io.github.seqrec.models.lifelong;

import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.allocatedBytes;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.assertNoAllocation;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.assertSameBits;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.batch;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.load;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.longs;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.randomCandidates;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.randomHistory;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.warmUp;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.golden.GoldenComparison;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exact search units alone ({@code scoreSelected} of SIM, ETA and TWIN): against the PyTorch ESU
 * graphs on given picks ({@code golden/models/esu.py}), against the whole model on the model's own
 * picks, and on bad picks.
 */
class ScoreSelectedTest {

  private static int[] ints(long[] values) {
    return Arrays.stream(values).mapToInt(v -> (int) v).toArray();
  }

  private static Candidates candidates(Map<String, Tensor> t) {
    return Candidates.of(ints(longs(t, "cand_items")), ints(longs(t, "cand_cates")));
  }

  private static void assertGolden(String model, Map<String, Tensor> t, float[] logits) {
    Tensor expected = t.get("expected.logits");
    GoldenComparison.compare(model + " esu_selected", "logits", expected,
        new Tensor.F32(expected.shape(), logits), GoldenComparison.Tolerance.DEFAULT);
  }

  @Test
  void simMatchesTheEsuGraphOnGivenPicks() throws IOException {
    Map<String, Tensor> t = batch("sim", "esu_selected.safetensors");
    int[] items = ints(longs(t, "hist_items"));
    UserHistory h = UserHistory.of(items, items.length).categoryIds(ints(longs(t, "hist_cates")))
        .timestamps(longs(t, "hist_times")).requestTime(longs(t, "request_time")[0]).build();
    Candidates c = candidates(t);
    int[] slots = ints(longs(t, "slots"));
    for (String gsu : new String[] {"soft", "hard"}) { // the search unit plays no part here
      Sim model = (Sim) load("sim", Map.of("gsu", gsu));
      SimUserIndex index = model.newUserIndex();
      index.appendAll(h);
      float[] logits = new float[c.count()];
      model.scoreSelected(index, h.requestTime(), c, slots, 0, model.newWorkspace(), logits, 0);
      assertGolden("sim gsu=" + gsu, t, logits);
    }
  }

  @Test
  void etaMatchesTheEsuGraphOnGivenPicks() throws IOException {
    Map<String, Tensor> t = batch("eta", "esu_selected.safetensors");
    int[] items = ints(longs(t, "hist_items"));
    UserHistory h = UserHistory.of(items, items.length).categoryIds(ints(longs(t, "hist_cates"))).build();
    Eta model = (Eta) load("eta", Map.of());
    EtaSignatureCache cache = model.newSignatureCache();
    cache.appendAll(h);
    Candidates c = candidates(t);
    float[] logits = new float[c.count()];
    model.scoreSelected(cache, c, ints(longs(t, "slots")), 0, model.newWorkspace(), logits, 0);
    assertGolden("eta", t, logits);
    float[] cached = new float[c.count()];
    model.scoreSelected(model.itemCache(), cache, c, ints(longs(t, "slots")), 0, model.newWorkspace(), cached, 0);
    assertGolden("eta with the item projection cache", t, cached);
  }

  @Test
  void twinMatchesTheEsuGraphOnGivenPicksWithAndWithoutTheItemCache() throws IOException {
    Map<String, Tensor> t = batch("twin", "esu_selected.safetensors");
    int[] items = ints(longs(t, "hist_items"));
    UserHistory h = UserHistory.of(items, items.length).categoryIds(ints(longs(t, "hist_cates")))
        .crossBuckets(ints(longs(t, "hist_cross")), 2).build();
    Twin model = (Twin) load("twin", Map.of());
    Candidates c = candidates(t);
    int[] slots = ints(longs(t, "slots"));
    float[] projected = new float[c.count()];
    float[] cached = new float[c.count()];
    model.scoreSelected(h, c, slots, 0, model.newWorkspace(), projected, 0);
    model.scoreSelected(model.itemCache(), h, c, slots, 0, model.newWorkspace(), cached, 0);
    assertGolden("twin", t, projected);
    assertSameBits(projected, cached);
  }

  // The allocation checks warm up for thousands of calls: run first in a fresh JVM, the exact unit's
  // Vector API code is still being compiled (and boxes) after the few hundred calls of warmUp().
  @ParameterizedTest
  @ValueSource(strings = {"soft", "hard"})
  void simOnItsOwnSearchEqualsScoreBitForBit(String gsu) throws IOException {
    Sim model = (Sim) load("sim", Map.of("gsu", gsu, "max_len", "300"));
    warmUp(model);
    UserHistory h = randomHistory(41, 420); // longer than max_len: the window starts at 120
    Candidates c = randomCandidates(42, 70);
    SimUserIndex index = model.newUserIndex();
    index.appendAll(h);
    SequentialModel.Workspace ws = model.newWorkspace();
    int[] slots = new int[c.count() * model.topK()];
    model.search(index, c, ws, slots, 0, new int[c.count()], 0);
    float[] whole = new float[c.count()];
    float[] selected = new float[c.count()];
    // the allocation check first: its thousands of calls settle the JIT, so both paths below are compiled
    assertNoAllocation("sim scoreSelected",
        allocatedBytes(() -> model.scoreSelected(index, h.requestTime(), c, slots, 0, ws, selected, 0), 3000, 10));
    for (int i = 0; i < 300; i++) {
      model.score(index, h.requestTime(), c, ws, whole, 0);
    }
    model.score(index, h.requestTime(), c, ws, whole, 0);
    model.scoreSelected(index, h.requestTime(), c, slots, 0, ws, selected, 0);
    assertSameBits(whole, selected);
  }

  @Test
  void etaOnItsOwnSearchEqualsScoreBitForBit() throws IOException {
    Eta model = (Eta) load("eta", Map.of("max_len", "300"));
    warmUp(model);
    UserHistory h = randomHistory(43, 420);
    Candidates c = randomCandidates(44, 70);
    EtaSignatureCache cache = model.newSignatureCache();
    cache.appendAll(h);
    SequentialModel.Workspace ws = model.newWorkspace();
    int[] slots = new int[c.count() * model.topK()];
    model.search(cache, c, ws, slots, 0, null);
    float[] whole = new float[c.count()];
    float[] selected = new float[c.count()];
    model.score(cache, c, ws, whole, 0);
    model.scoreSelected(cache, c, slots, 0, ws, selected, 0);
    assertSameBits(whole, selected);
    assertNoAllocation("eta scoreSelected",
        allocatedBytes(() -> model.scoreSelected(cache, c, slots, 0, ws, selected, 0), 3000, 10));

    // the item projection cache: the same logits to float rounding, whole model and exact unit alone
    ItemProjectionCache items = model.itemCache();
    float[] wholeCached = new float[c.count()];
    float[] selectedCached = new float[c.count()];
    model.score(items, cache, c, ws, wholeCached, 0);
    model.scoreSelected(items, cache, c, slots, 0, ws, selectedCached, 0);
    assertSameBits(wholeCached, selectedCached);
    GoldenComparison.compare("eta item cache", "logits", new Tensor.F32(new int[] {whole.length}, whole),
        new Tensor.F32(new int[] {wholeCached.length}, wholeCached), new GoldenComparison.Tolerance(1e-5, 0));
    assertNoAllocation("eta scoreSelected with the item cache",
        allocatedBytes(() -> model.scoreSelected(items, cache, c, slots, 0, ws, selectedCached, 0), 3000, 10));
    Eta other = (Eta) load("eta", Map.of());
    String m = assertThrows(IllegalArgumentException.class,
        () -> model.score(other.itemCache(), cache, c, ws, wholeCached, 0)).getMessage();
    assertTrue(m.contains("item cache must come from this model's itemCache()"), m);
  }

  /** With fewer behaviours than K, TWIN's GSU keeps them all: the ESU on every position is the model. */
  @Test
  void twinOnEveryBehaviourEqualsScore() throws IOException {
    Twin model = (Twin) load("twin", Map.of());
    UserHistory h = TwinTest.history(45, 73);
    Candidates c = TwinTest.candidates(46, 300); // more than one block of candidates
    int k = model.topK();
    int[] slots = new int[c.count() * k];
    for (int t = 0; t < c.count(); t++) {
      for (int j = 0; j < k; j++) {
        slots[t * k + j] = j < h.length() ? (j * 31 + t) % h.length() : -1; // every position, in any order
      }
    }
    ItemProjectionCache itemCache = model.itemCache();
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] whole = new float[c.count()];
    float[] selected = new float[c.count()];
    model.score(itemCache, h, c, ws, whole, 0);
    model.scoreSelected(itemCache, h, c, slots, 0, ws, selected, 0);
    GoldenComparison.compare("twin all picks", "logits", new Tensor.F32(new int[] {whole.length}, whole),
        new Tensor.F32(new int[] {selected.length}, selected), new GoldenComparison.Tolerance(1e-5, 0));
    assertNoAllocation("twin scoreSelected",
        allocatedBytes(() -> model.scoreSelected(itemCache, h, c, slots, 0, ws, selected, 0), 1000, 5));
  }

  @Test
  void emptyPicksAndEmptyHistoryGiveTheEmptyHistoryLogit() throws IOException {
    Twin model = (Twin) load("twin", Map.of());
    Candidates c = TwinTest.candidates(47, 5);
    int[] none = new int[c.count() * model.topK()];
    Arrays.fill(none, -1);
    float[] selected = new float[c.count()];
    float[] empty = new float[c.count()];
    SequentialModel.Workspace ws = model.newWorkspace();
    model.scoreSelected(TwinTest.history(48, 20), c, none, 0, ws, selected, 0);
    model.score(UserHistory.empty(), c, ws, empty, 0);
    assertSameBits(empty, selected);
    model.scoreSelected(UserHistory.empty(), c, none, 0, ws, selected, 0);
    assertSameBits(empty, selected);
  }

  @Test
  void badPicksAreRejectedNamingThePickAndNothingIsWritten() throws IOException {
    Sim model = (Sim) load("sim", Map.of("max_len", "100"));
    UserHistory h = randomHistory(49, 150); // kept window [50, 150)
    SimUserIndex index = model.newUserIndex();
    index.appendAll(h);
    Candidates c = randomCandidates(50, 3);
    int k = model.topK();
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] logits = new float[3];
    Arrays.fill(logits, 7f);
    int[] good = new int[3 * k];
    SplittableRandom r = new SplittableRandom(51);
    for (int i = 0; i < good.length; i++) {
      good[i] = 50 + r.nextInt(100);
    }

    int[] old = good.clone();
    old[k + 4] = 49;
    String m = assertThrows(IllegalArgumentException.class,
        () -> model.scoreSelected(index, h.requestTime(), c, old, 0, ws, logits, 0)).getMessage();
    assertTrue(m.contains("slots[" + (k + 4) + "] = 49") && m.contains("candidate 1")
        && m.contains("outside the kept history [50, 150)"), m);

    int[] gap = good.clone();
    gap[3] = -1;
    m = assertThrows(IllegalArgumentException.class,
        () -> model.scoreSelected(index, h.requestTime(), c, gap, 0, ws, logits, 0)).getMessage();
    assertTrue(m.contains("slots[4]") && m.contains("follows a -1"), m);

    m = assertThrows(IllegalArgumentException.class,
        () -> model.scoreSelected(index, h.requestTime(), c, good, 1, ws, logits, 0)).getMessage();
    assertTrue(m.contains("slots needs " + 3 * k + " ints") && m.contains("from offset 1"), m);

    m = assertThrows(IllegalArgumentException.class,
        () -> model.scoreSelected(index, h.requestTime(), c, null, 0, ws, logits, 0)).getMessage();
    assertTrue(m.contains("slots must not be null"), m);
    assertTrue(Arrays.equals(logits, new float[] {7f, 7f, 7f}), "logits were written before the check failed");

    Twin twin = (Twin) load("twin", Map.of());
    UserHistory th = TwinTest.history(52, 30);
    int[] beyond = new int[twin.topK()];
    Arrays.fill(beyond, -1);
    beyond[0] = 30;
    m = assertThrows(IllegalArgumentException.class, () -> twin.scoreSelected(th, TwinTest.candidates(53, 1),
        beyond, 0, twin.newWorkspace(), new float[1], 0)).getMessage();
    assertTrue(m.contains("twin") && m.contains("slots[0] = 30") && m.contains("[0, 30)"), m);
  }
}
