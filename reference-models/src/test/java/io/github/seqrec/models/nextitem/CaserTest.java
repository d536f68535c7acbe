package io.github.seqrec.models.nextitem;

import static io.github.seqrec.models.ModelTestKit.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.ModelInfo;
import io.github.seqrec.models.ModelTestKit;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Caser on the platform: user ids, the window, bad input, allocation, threads. */
class CaserTest {
  static final Path WEIGHTS = Path.of("src/test/resources/golden/models/caser/weights.safetensors");
  static final int N_ITEMS = 200;
  static final int N_USERS = 30;
  static final int D = 50;

  static Caser model() throws IOException {
    return (Caser) ModelTestKit.load("caser", Map.of());
  }

  static UserHistory history(SplittableRandom r, int n, int user) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 1 + r.nextInt(N_ITEMS);
    }
    return UserHistory.of(ids, n).userId(user).build();
  }

  static Candidates cands(SplittableRandom r, int n) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 1 + r.nextInt(N_ITEMS);
    }
    return Candidates.of(ids);
  }

  static float[] score(SequentialModel m, UserHistory h, Candidates c) {
    float[] out = new float[c.count()];
    m.score(h, c, m.newWorkspace(), out, 0);
    return out;
  }

  @Test
  void registeredWithUserIdInput() throws IOException {
    ModelInfo info = Models.list().stream().filter(i -> i.name().equals("caser")).findFirst().orElseThrow();
    assertTrue(info.nextItem());
    assertTrue(info.batchInputs().contains("user_id"));
    Caser m = model();
    assertEquals(5, m.maxHistoryLength());
    assertEquals(5, m.window());
    assertEquals(30, m.users());
    assertEquals(2 * D, m.embeddingDim());
    var e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("caser", Map.of("ac_fc", "gelu")));
    assertContains(e.getMessage(), "ac_fc", "gelu");
  }

  @Test
  void userIdIsRequiredAndBounded() throws IOException {
    Caser m = model();
    SequentialModel.Workspace ws = m.newWorkspace();
    Candidates c = Candidates.of(new int[] {1, 2});
    float[] out = {42f, 42f};
    UserHistory noId = UserHistory.of(new int[] {1, 2, 3}, 3).build();
    var e = assertThrows(IllegalArgumentException.class, () -> m.score(noId, c, ws, out, 0));
    assertContains(e.getMessage(), "user id", "1 .. 30");
    e = assertThrows(IllegalArgumentException.class, () -> m.score(UserHistory.empty(), c, ws, out, 0));
    assertContains(e.getMessage(), "user id");
    UserHistory tooLarge = UserHistory.of(new int[] {1}, 1).userId(31).build();
    e = assertThrows(IllegalArgumentException.class, () -> m.score(tooLarge, c, ws, out, 0));
    assertContains(e.getMessage(), "user id must be in [0, 30]", "got 31");
    assertArrayEquals(new float[] {42f, 42f}, out, "nothing may be written on bad input");
    // the largest id is a user
    m.score(UserHistory.of(new int[] {1}, 1).userId(30).build(), c, ws, out, 0);
  }

  /** Id 0, the unknown user: P_u = 0, the sequence part z is the same as for any known user. */
  @Test
  void unknownUserUsesTheSequencePartAlone() throws IOException {
    Caser m = model();
    SequentialModel.Workspace ws = m.newWorkspace();
    int[] items = {4, 8, 15, 16, 23};
    float[] unknown = new float[2 * D];
    float[] known = new float[2 * D];
    m.userEmbedding(UserHistory.of(items, 5).userId(0).build(), ws, unknown, 0);
    m.userEmbedding(UserHistory.of(items, 5).userId(7).build(), ws, known, 0);
    assertArrayEquals(Arrays.copyOf(known, D), Arrays.copyOf(unknown, D), "z does not depend on the user");
    assertArrayEquals(new float[D], Arrays.copyOfRange(unknown, D, 2 * D), "the unknown user has P_u = 0");
    float[] pu7;
    try (SafeTensors st = SafeTensors.open(WEIGHTS)) {
      pu7 = Arrays.copyOfRange(st.floats("user_embeddings.weight", N_USERS + 1, D), 7 * D, 8 * D);
    }
    assertArrayEquals(pu7, Arrays.copyOfRange(known, D, 2 * D));
  }

  /** Only the last L = 5 actions enter the window; shorter histories are left-padded with id 0. */
  @Test
  void windowKeepsTheMostRecentActions() throws IOException {
    Caser m = model();
    SplittableRandom r = new SplittableRandom(8);
    UserHistory longer = history(r, 12, 3);
    UserHistory last5 = UserHistory.of(Arrays.copyOfRange(longer.itemIds(), 7, 12), 5).userId(3).build();
    Candidates c = cands(r, 7);
    float[] expected = score(m, last5, c);
    assertArrayEquals(expected, score(m, longer, c));
    longer.itemIds()[2] = 999_999;   // a dropped action is never read
    assertArrayEquals(expected, score(m, longer, c));
    UserHistory shorter = UserHistory.of(Arrays.copyOfRange(longer.itemIds(), 9, 12), 3).userId(3).build();
    assertNotEquals(expected[0], score(m, shorter, c)[0], "the padding row is part of the window");
  }

  @Test
  void outOfVocabularyIdsAreNamed() throws IOException {
    Caser m = model();
    SequentialModel.Workspace ws = m.newWorkspace();
    UserHistory h = history(new SplittableRandom(9), 4, 2);
    float[] out = new float[3];
    Arrays.fill(out, 42f);
    h.itemIds()[1] = 201;
    Candidates c = Candidates.of(new int[] {1, 2, 3});
    var e = assertThrows(IllegalArgumentException.class, () -> m.score(h, c, ws, out, 0));
    assertContains(e.getMessage(), "history itemIds[1] = 201", "[1, 200]");
    h.itemIds()[1] = 0;
    e = assertThrows(IllegalArgumentException.class, () -> m.score(h, c, ws, out, 0));
    assertContains(e.getMessage(), "history itemIds[1] = 0");
    h.itemIds()[1] = 9;
    e = assertThrows(IllegalArgumentException.class, () -> m.score(h, Candidates.of(new int[] {1, 0, 3}), ws, out, 0));
    assertContains(e.getMessage(), "candidate itemIds[1] = 0");
    int[] ids = new int[5];
    e = assertThrows(IllegalArgumentException.class, () -> m.recommend(h, 5, false, ws, ids, 0, new float[4], 0));
    assertContains(e.getMessage(), "scores needs 5");
    for (float v : out) {
      assertEquals(42f, v, "nothing may be written on bad input");
    }
  }

  @Test
  void allocationFreeAfterWarmUp() throws IOException {
    Caser m = model();
    SequentialModel.Workspace ws = m.newWorkspace();
    SplittableRandom r = new SplittableRandom(10);
    UserHistory h = history(r, 5, 11);
    Candidates c = cands(r, 100);
    float[] out = new float[100];
    int[] ids = new int[100];
    float[] scores = new float[100];
    assertEquals(0, ModelTestKit.allocatedBytes(() -> m.score(h, c, ws, out, 0), 200),
        "bytes allocated by 200 warmed-up score calls");
    assertEquals(0, ModelTestKit.allocatedBytes(() -> m.recommend(h, 100, true, ws, ids, 0, scores, 0), 200),
        "bytes allocated by 200 warmed-up top-100 calls");
  }

  @Test
  void eightThreadsShareOneModel() throws Exception {
    Caser m = model();
    SplittableRandom r = new SplittableRandom(14);
    int users = 16;
    List<UserHistory> hs = new ArrayList<>();
    List<Candidates> cs = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      hs.add(history(r, r.nextInt(9), r.nextInt(N_USERS + 1)));
      cs.add(cands(r, 1 + r.nextInt(12)));
    }
    for (int round = 0; round < 300; round++) {   // warm up: compare compiled code with compiled code
      score(m, hs.get(round % users), cs.get(round % users));
    }
    for (int u = 0; u < users; u++) {
      expected.add(score(m, hs.get(u), cs.get(u)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<float[][]>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t;
        futures.add(pool.submit(() -> {
          SequentialModel.Workspace ws = m.newWorkspace();
          float[][] got = new float[users][];
          for (int round = 0; round < 3; round++) {
            for (int i = 0; i < users; i++) {
              int u = (i + offset * 5) % users;
              float[] out = new float[cs.get(u).count()];
              m.score(hs.get(u), cs.get(u), ws, out, 0);
              got[u] = out;
            }
          }
          return got;
        }));
      }
      for (Future<float[][]> f : futures) {
        float[][] got = f.get();
        for (int u = 0; u < users; u++) {
          assertArrayEquals(expected.get(u), got[u], "user " + u);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void missingOrMisshapedTensorIsNamed(@TempDir Path dir) throws IOException {
    Map<String, Tensor> tensors;
    Map<String, String> meta;
    try (SafeTensors st = SafeTensors.open(WEIGHTS)) {
      tensors = new HashMap<>(st.toTensors());
      meta = st.metadata();
    }
    Map<String, Tensor> missing = new HashMap<>(tensors);
    missing.remove("conv_h.3.weight");
    Path f1 = dir.resolve("missing.safetensors");
    SafeTensors.write(f1, missing, meta);
    Exception e = assertThrows(Exception.class, () -> Models.load("caser", f1, Map.of()));
    assertContains(e.getMessage(), "conv_h.3.weight");
    Map<String, Tensor> misshaped = new HashMap<>(tensors);
    misshaped.put("user_embeddings.weight", new Tensor.F32(new int[] {30, 50}, new float[30 * 50]));
    Path f2 = dir.resolve("misshaped.safetensors");
    SafeTensors.write(f2, misshaped, meta);
    e = assertThrows(Exception.class, () -> Models.load("caser", f2, Map.of()));
    assertContains(e.getMessage(), "user_embeddings.weight", "31", "30");
  }
}
