package io.github.seqrec.models.nextitem;

import static io.github.seqrec.models.ModelTestKit.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.ModelTestKit;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The four next-item models loaded from their golden weights: incremental user state against full
 * rescoring over 1000 actions, bad input (ids, users, weights), truncation to the most recent
 * actions, zero allocation after warm-up, and 8 threads sharing one instance.
 */
class NextItemModelsTest {
  static final Path ROOT = Path.of("src/test/resources/golden/models");
  static final int N_ITEMS_GRU = 100;
  static final int N_USERS = 50;

  @TempDir Path dir;

  static SequentialModel load(String name, Map<String, String> options) throws IOException {
    return Models.load(name, ROOT.resolve(name).resolve("weights.safetensors"), options);
  }

  static int nItems(String model) {
    return model.equals("markov") ? 60 : 100;
  }

  /** A random history in the golden catalogue with every field the model reads. */
  static UserHistory history(String model, SplittableRandom r, int length) {
    int[] items = new int[length];
    int[] ratings = new int[length];
    long[] times = new long[length];
    long t = 1_600_000_000L + r.nextInt(1000);
    for (int i = 0; i < length; i++) {
      items[i] = 1 + r.nextInt(nItems(model));
      ratings[i] = 1 + r.nextInt(5);
      t += r.nextInt(4) == 0 ? 0 : r.nextInt(3 * 86400);
      times[i] = t;
    }
    UserHistory.Builder b = UserHistory.of(items, length);
    if (model.equals("rrn")) {
      b.actionTypes(ratings).timestamps(times).requestTime(t + 1);
    }
    if (model.equals("rrn") || model.equals("fpmc")) {
      b.userId(r.nextInt(N_USERS + 1));
    }
    return b.build();
  }

  static Candidates candidates(String model, SplittableRandom r, int count) {
    int[] ids = new int[count];
    for (int i = 0; i < count; i++) {
      ids[i] = 1 + r.nextInt(nItems(model));
    }
    return Candidates.of(ids);
  }

  static float[] score(SequentialModel m, UserHistory h, Candidates c) {
    float[] out = new float[c.count()];
    m.score(h, c, m.newWorkspace(), out, 0);
    return out;
  }

  static double relErr(float[] got, float[] exp) {
    double rms = 0;
    for (float v : exp) {
      rms += (double) v * v;
    }
    double s = Math.max(0.1 * Math.sqrt(rms / Math.max(1, exp.length)), 1e-6);
    double worst = 0;
    for (int i = 0; i < exp.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - exp[i]) / (Math.abs(exp[i]) + s));
    }
    return worst;
  }

  // ------------------------------------------------------------------------------------------
  // Incremental state

  @Test
  void gru4recAppendedStateEqualsRescoringOver1000Actions() throws IOException {
    Gru4Rec m = (Gru4Rec) load("gru4rec", Map.of("max_len", "1000"));
    SplittableRandom r = new SplittableRandom(1);
    UserHistory full = history("gru4rec", r, 1000);
    Gru4Rec.UserState state = m.newUserState();
    SequentialModel.Workspace ws = m.newWorkspace();
    int d = m.embeddingDim();
    float[] incremental = new float[d];
    float[] rescored = new float[d];
    double worst = 0;
    for (int t = 1; t <= 1000; t++) {
      m.append(state, full.itemIds()[t - 1], ws);
      if (t % 25 == 0 || t <= 5) {
        m.userEmbedding(state, incremental, 0);
        m.userEmbedding(UserHistory.of(Arrays.copyOf(full.itemIds(), t), t).build(), ws, rescored, 0);
        worst = Math.max(worst, relErr(incremental, rescored));
      }
    }
    assertEquals(1000, state.actions());
    assertTrue(worst <= 1e-4, "worst relative difference " + worst);
    // top-k from the state equals top-k from the history
    int[] a = new int[100];
    int[] b = new int[100];
    float[] sa = new float[100];
    float[] sb = new float[100];
    assertEquals(100, m.recommend(state, null, 100, ws, a, 0, sa, 0));
    m.recommend(full, 100, false, ws, b, 0, sb, 0);
    assertTrue(Arrays.equals(a, b) || relErr(sa, sb) <= 1e-4, "state top-100 differs from the history's");
  }

  @Test
  void rrnAppendedStateEqualsRescoringOver1000Actions() throws IOException {
    Rrn m = (Rrn) load("rrn", Map.of("max_len", "1000"));
    SplittableRandom r = new SplittableRandom(2);
    UserHistory full = history("rrn", r, 1000);
    Rrn.UserState state = m.newUserState(full.userId());
    SequentialModel.Workspace ws = m.newWorkspace();
    int d = m.embeddingDim();
    float[] incremental = new float[d];
    float[] rescored = new float[d];
    double worst = 0;
    for (int t = 1; t <= 1000; t++) {
      m.append(state, full.itemIds()[t - 1], full.actionTypes()[t - 1], full.timestamps()[t - 1], ws);
      if (t % 25 == 0 || t <= 5) {
        m.userEmbedding(state, incremental, 0);
        UserHistory prefix = UserHistory.of(Arrays.copyOf(full.itemIds(), t), t)
            .actionTypes(Arrays.copyOf(full.actionTypes(), t)).timestamps(Arrays.copyOf(full.timestamps(), t))
            .requestTime(full.requestTime()).userId(full.userId()).build();
        m.userEmbedding(prefix, ws, rescored, 0);
        worst = Math.max(worst, relErr(incremental, rescored));
      }
    }
    assertTrue(worst <= 1e-4, "worst relative difference " + worst);
    var e = assertThrows(IllegalArgumentException.class,
        () -> m.append(state, 3, 4, full.timestamps()[999] - 1, ws));
    assertContains(e.getMessage(), "before the previous action");
    assertEquals(1000, state.actions());
  }

  @Test
  void markovStateIsTheLastItem() throws IOException {
    MarkovChain m = (MarkovChain) load("markov", Map.of("max_len", "1000"));
    SplittableRandom r = new SplittableRandom(3);
    UserHistory full = history("markov", r, 1000);
    MarkovChain.UserState state = m.newUserState();
    SequentialModel.Workspace ws = m.newWorkspace();
    Candidates c = candidates("markov", r, 30);
    float[] a = new float[30];
    int[] ia = new int[20];
    int[] ib = new int[20];
    float[] sa = new float[20];
    float[] sb = new float[20];
    for (int t = 1; t <= 1000; t++) {
      m.append(state, full.itemIds()[t - 1]);
      if (t % 50 == 0) {
        UserHistory prefix = UserHistory.of(Arrays.copyOf(full.itemIds(), t), t).build();
        m.score(state, c, a, 0);
        assertArrayEquals(score(m, prefix, c), a);
        assertEquals(m.recommend(prefix, 20, true, ws, ib, 0, sb, 0), m.recommend(state, prefix, 20, ws, ia, 0, sa, 0));
        assertArrayEquals(ib, ia);
        assertArrayEquals(sb, sa);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Markov top-k against brute force over every item

  @Test
  void markovTopKIsTheSortedProbabilities() throws IOException {
    MarkovChain m = (MarkovChain) load("markov", Map.of());
    SequentialModel.Workspace ws = m.newWorkspace();
    int n = 60;
    for (int last = 0; last <= n; last++) {
      UserHistory h = last == 0 ? UserHistory.empty() : UserHistory.of(new int[] {7, last}, 2).build();
      for (boolean exclude : new boolean[] {false, true}) {
        List<Integer> order = new ArrayList<>();
        for (int j = 1; j <= n; j++) {
          if (!exclude || last == 0 || (j != 7 && j != last)) {
            order.add(j);
          }
        }
        int prev = last;
        order.sort((x, y) -> {
          int cmp = Double.compare(m.probability(prev, y), m.probability(prev, x));
          return cmp != 0 ? cmp : Integer.compare(x, y);
        });
        int[] ids = new int[50];
        float[] scores = new float[50];
        int got = m.recommend(h, 50, exclude, ws, ids, 0, scores, 0);
        assertEquals(Math.min(50, order.size()), got);
        for (int i = 0; i < got; i++) {
          assertEquals(order.get(i), ids[i], "last " + last + " exclude " + exclude + " rank " + i);
          assertEquals((float) m.probability(last, ids[i]), scores[i]);
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // ModelTestKit-style checks per model

  @ParameterizedTest
  @ValueSource(strings = {"markov", "fpmc", "rrn", "gru4rec"})
  void badInputsAreNamedAndNothingIsWritten(String name) throws IOException {
    NextItemModel m = (NextItemModel) load(name, Map.of());
    SplittableRandom r = new SplittableRandom(4);
    SequentialModel.Workspace ws = m.newWorkspace();
    UserHistory h = history(name, r, 10);
    Candidates c = candidates(name, r, 4);
    float[] out = new float[4];
    Arrays.fill(out, 42f);
    int n = nItems(name);
    h.itemIds()[7] = n + 1;
    var e = assertThrows(IllegalArgumentException.class, () -> m.score(h, c, ws, out, 0));
    assertContains(e.getMessage(), "history itemIds[7] = " + (n + 1), "[1, " + n + "]");
    h.itemIds()[7] = 0;
    e = assertThrows(IllegalArgumentException.class, () -> m.score(h, c, ws, out, 0));
    assertContains(e.getMessage(), "history itemIds[7] = 0");
    h.itemIds()[7] = 5;
    Candidates bad = Candidates.of(new int[] {1, 2, n + 1});
    e = assertThrows(IllegalArgumentException.class, () -> m.score(h, bad, ws, out, 0));
    assertContains(e.getMessage(), "candidate itemIds[2] = " + (n + 1));
    int[] ids = new int[5];
    float[] scores = new float[5];
    e = assertThrows(IllegalArgumentException.class, () -> m.recommend(h, 0, false, ws, ids, 0, scores, 0));
    assertContains(e.getMessage(), "k must be in [1, 1000]");
    e = assertThrows(IllegalArgumentException.class, () -> m.recommend(h, 6, false, ws, ids, 0, scores, 0));
    assertContains(e.getMessage(), "ids needs 6");
    if (name.equals("fpmc") || name.equals("rrn")) {
      UserHistory.Builder noUser = UserHistory.of(h.itemIds(), 10);
      if (name.equals("rrn")) {
        noUser.actionTypes(h.actionTypes()).timestamps(h.timestamps()).requestTime(h.requestTime());
      }
      UserHistory anonymous = noUser.build();
      e = assertThrows(IllegalArgumentException.class, () -> m.score(anonymous, c, ws, out, 0));
      assertContains(e.getMessage(), name, "userId", "has none");
      UserHistory tooHigh = noUser.userId(N_USERS + 1).build();
      e = assertThrows(IllegalArgumentException.class, () -> m.score(tooHigh, c, ws, out, 0));
      assertContains(e.getMessage(), "userId = 51", "[0, 50]");
    }
    if (name.equals("rrn")) {
      long keep = h.timestamps()[4];
      h.timestamps()[4] = h.timestamps()[3] - 1;
      e = assertThrows(IllegalArgumentException.class, () -> m.score(h, c, ws, out, 0));
      assertContains(e.getMessage(), "non-decreasing", "timestamps[4]");
      h.timestamps()[4] = keep;
      UserHistory noTimes = UserHistory.of(h.itemIds(), 10).actionTypes(h.actionTypes()).userId(1).build();
      e = assertThrows(IllegalArgumentException.class, () -> m.score(noTimes, c, ws, out, 0));
      assertContains(e.getMessage(), "TIMESTAMPS");
    }
    for (float v : out) {
      assertEquals(42f, v, "nothing may be written on bad input");
    }
    m.score(h, c, ws, out, 0);
    assertArrayEquals(score(m, h, c), out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"markov:counts", "fpmc:IL_emb.weight", "rrn:item_state", "gru4rec:G.1.weight_hh"})
  void missingAndMisshapedWeightsAreNamed(String spec) throws IOException {
    String name = spec.split(":")[0];
    String tensor = spec.split(":")[1];
    Map<String, Tensor> tensors;
    Map<String, String> meta;
    try (SafeTensors st = SafeTensors.open(ROOT.resolve(name).resolve("weights.safetensors"))) {
      tensors = new LinkedHashMap<>(st.toTensors());
      meta = st.metadata();
    }
    Map<String, Tensor> missing = new LinkedHashMap<>(tensors);
    missing.remove(tensor);
    Path file = dir.resolve("missing.safetensors");
    SafeTensors.write(file, missing, meta);
    var e = assertThrows(IllegalArgumentException.class, () -> Models.load(name, file, Map.of()));
    assertContains(e.getMessage(), tensor);
    Map<String, Tensor> misshaped = new LinkedHashMap<>(tensors);
    misshaped.put(tensor, tensors.get(tensor) instanceof Tensor.I64
        ? new Tensor.I64(new int[] {3}, new long[] {0, 0, 0})
        : new Tensor.F32(new int[] {2, 3}, new float[6]));
    Path file2 = dir.resolve("misshaped.safetensors");
    SafeTensors.write(file2, misshaped, meta);
    e = assertThrows(IllegalArgumentException.class, () -> Models.load(name, file2, Map.of()));
    assertContains(e.getMessage(), tensor);
  }

  @ParameterizedTest
  @ValueSource(strings = {"markov", "fpmc", "rrn", "gru4rec"})
  void overLongHistoryKeepsTheMostRecent(String name) throws IOException {
    SequentialModel m = load(name, Map.of("max_len", "20"));
    SplittableRandom r = new SplittableRandom(5);
    UserHistory longer = history(name, r, 37);
    int from = 17;
    UserHistory.Builder b = UserHistory.of(Arrays.copyOfRange(longer.itemIds(), from, 37), 20);
    if (name.equals("rrn")) {
      b.actionTypes(Arrays.copyOfRange(longer.actionTypes(), from, 37))
          .timestamps(Arrays.copyOfRange(longer.timestamps(), from, 37)).requestTime(longer.requestTime());
    }
    if (longer.hasUserId()) {
      b.userId(longer.userId());
    }
    UserHistory kept = b.build();
    Candidates c = candidates(name, r, 9);
    float[] expected = score(m, kept, c);
    assertArrayEquals(expected, score(m, longer, c));
    longer.itemIds()[3] = 999_999;  // dropped actions are never read
    assertArrayEquals(expected, score(m, longer, c));
  }

  @ParameterizedTest
  @ValueSource(strings = {"markov", "fpmc", "rrn", "gru4rec"})
  void noAllocationAfterWarmUp(String name) throws IOException {
    NextItemModel m = (NextItemModel) load(name, Map.of());
    SplittableRandom r = new SplittableRandom(6);
    UserHistory h = history(name, r, m.maxHistoryLength());
    Candidates c = candidates(name, r, 50);
    SequentialModel.Workspace ws = m.newWorkspace();
    float[] out = new float[50];
    float[] emb = new float[Math.max(1, m.embeddingDim())];
    int[] ids = new int[100];
    float[] scores = new float[100];
    // exclude-seen through layers.Catalogue sorts the history (Arrays.sort allocates a little on
    // JDK 25), so the dot-product models are checked without it; the chain's own top-k with it
    boolean excludeSeen = m instanceof MarkovChain;
    Runnable body = () -> {
      m.score(h, c, ws, out, 0);
      m.userEmbedding(h, ws, emb, 0);
      m.recommend(h, 100, excludeSeen, ws, ids, 0, scores, 0);
    };
    long bytes = steadyAllocation(body, 20);
    assertEquals(0, bytes, "bytes allocated by 20 warmed-up score + embedding + recommend calls");
  }

  /**
   * Bytes one round of {@code rounds} calls allocates once compiled: the Vector API boxes until C2
   * has compiled a kernel, which on a loaded machine takes seconds, so rounds are measured until one
   * allocates nothing or 30 s have passed (an allocation in the code itself never goes away).
   */
  static long steadyAllocation(Runnable body, int rounds) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    long bytes;
    do {
      bytes = ModelTestKit.allocatedBytes(body, rounds);
    } while (bytes != 0 && System.nanoTime() < deadline);
    return bytes;
  }

  @Test
  void appendAllocatesNothing() throws IOException {
    Gru4Rec g = (Gru4Rec) load("gru4rec", Map.of());
    Rrn rrn = (Rrn) load("rrn", Map.of());
    Gru4Rec.UserState gs = g.newUserState();
    Rrn.UserState rs = rrn.newUserState(3);
    SequentialModel.Workspace gw = g.newWorkspace();
    SequentialModel.Workspace rw = rrn.newWorkspace();
    long[] time = {1_600_000_000L};
    Runnable body = () -> {
      g.append(gs, 17, gw);
      time[0] += 40_000;
      rrn.append(rs, 17, 4, time[0], rw);
    };
    long bytes = steadyAllocation(body, 50);
    assertEquals(0, bytes, "bytes allocated by 50 warmed-up appends");
  }

  @ParameterizedTest
  @ValueSource(strings = {"markov", "fpmc", "rrn", "gru4rec"})
  void eightThreadsShareOneInstance(String name) throws Exception {
    NextItemModel m = (NextItemModel) load(name, Map.of());
    SplittableRandom r = new SplittableRandom(7);
    int users = 16;
    List<UserHistory> hs = new ArrayList<>();
    List<Candidates> cs = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    List<int[]> expectedTop = new ArrayList<>();
    SequentialModel.Workspace one = m.newWorkspace();
    // compile every path first, so the threads race on the compiled code a server runs
    SplittableRandom warmRandom = new SplittableRandom(70);
    int[] warmIds = new int[20];
    float[] warmScores = new float[20];
    for (int i = 0; i < 3000; i++) {
      UserHistory h = history(name, warmRandom, warmRandom.nextInt(m.maxHistoryLength() + 1));
      score(m, h, candidates(name, warmRandom, 1 + warmRandom.nextInt(12)));
      m.recommend(h, 20, false, one, warmIds, 0, warmScores, 0);
    }
    for (int u = 0; u < users; u++) {
      hs.add(history(name, r, r.nextInt(m.maxHistoryLength() + 1)));
      cs.add(candidates(name, r, 1 + r.nextInt(12)));
    }
    for (int u = 0; u < users; u++) {
      expected.add(score(m, hs.get(u), cs.get(u)));
      int[] top = new int[20];
      m.recommend(hs.get(u), 20, false, one, top, 0, new float[20], 0);
      expectedTop.add(top);
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t;
        futures.add(pool.submit(() -> {
          SequentialModel.Workspace ws = m.newWorkspace();
          for (int round = 0; round < 3; round++) {
            for (int i = 0; i < users; i++) {
              int u = (i + offset * 5) % users;
              float[] out = new float[cs.get(u).count()];
              m.score(hs.get(u), cs.get(u), ws, out, 0);
              assertArrayEquals(expected.get(u), out, "user " + u);
              int[] top = new int[20];
              m.recommend(hs.get(u), 20, false, ws, top, 0, new float[20], 0);
              assertArrayEquals(expectedTop.get(u), top, "user " + u + " top-20");
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : futures) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
