package io.github.seqrec.models;

import static io.github.seqrec.models.ModelTestKit.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The model base: typed options, workspace ownership, the next-item base over a catalogue. */
class PlatformTest {

  // --- options ---------------------------------------------------------------------------------

  @Test
  void unknownOptionsAreRejectedWithTheClosestName() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ModelTestKit.load("din", Map.of("softmx", "true")));
    assertContains(e.getMessage(), "din", "unknown option 'softmx'", "did you mean 'softmax'");
    e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("din", Map.of("max_len", "0")));
    assertContains(e.getMessage(), "max_len", "[1, " + CommonOptions.MAX_HISTORY_BOUND + "]", "'0'");
    e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("din", Map.of("max_len", "2000000000")));
    assertContains(e.getMessage(), "max_len", "2000000000");
    e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("sim", Map.of("n_cates", "-1")));
    assertContains(e.getMessage(), "n_cates", "'-1'");
    e = assertThrows(IllegalArgumentException.class, () -> Models.spec("dien2"));
    assertContains(e.getMessage(), "unknown model 'dien2'", "did you mean 'dien'");
  }

  @Test
  void optionsParseOnceWithTypesDefaultsAndRanges() {
    ModelOption<Integer> width = ModelOption.intOption("width", "a width", 1, 64).withDefault(8);
    ModelOption<Integer> required = ModelOption.intOption("n", "a count", 1, 10);
    ModelOption<int[]> list = ModelOption.intList("sizes", "sizes", 1, 100);
    ModelOption<String> kind = ModelOption.choice("kind", "a kind", "a", "a", "b");
    ModelOption<Float> eps = ModelOption.floatOption("eps", "eps", 0f, 1f).withDefault(0.5f);
    ModelOption<Boolean> flag = ModelOption.bool("flag", "a flag", false);
    ModelOptions o = ModelOptions.resolve("m", List.of(width, required, list, kind, eps, flag),
        Map.of("n", "3", "sizes", "4, 5", "source", "ignored metadata"), Map.of("kind", "b", "flag", "1"));
    assertEquals(8, o.get(width));
    assertEquals(3, o.get(required));
    assertArrayEquals(new int[] {4, 5}, o.get(list));
    assertEquals("b", o.get(kind));
    assertEquals(0.5f, o.get(eps));
    assertTrue(o.get(flag));
    o.get(list)[0] = 99;
    assertEquals(4, o.get(list)[0], "lists are copied");
    var e = assertThrows(IllegalArgumentException.class,
        () -> ModelOptions.resolve("m", List.of(required), Map.of(), Map.of()).get(required));
    assertContains(e.getMessage(), "missing hyperparameter 'n'", "a count");
    e = assertThrows(IllegalArgumentException.class,
        () -> ModelOptions.resolve("m", List.of(list), Map.of("sizes", "4,x"), Map.of()));
    assertContains(e.getMessage(), "'sizes'", "comma-separated integers", "4,x");
    e = assertThrows(IllegalArgumentException.class,
        () -> ModelOptions.resolve("m", List.of(eps), Map.of("eps", "NaN"), Map.of()));
    assertContains(e.getMessage(), "'eps'", "NaN");
    assertThrows(IllegalStateException.class, () -> o.get(ModelOption.bool("other", "undeclared", true)));
    assertEquals("width (int, [1, 64]) = 8: a width", width.toString());
  }

  @Test
  void everyModelDeclaresItsOptionsOnce() {
    for (ModelInfo info : Models.list()) {
      assertFalse(info.options().isEmpty(), info.name());
      assertEquals(info.options().size(), info.options().stream().map(ModelOption::name).distinct().count(),
          info.name() + " declares an option twice");
      assertTrue(info.fields().contains(HistoryField.ITEM_IDS), info.name());
      assertFalse(info.family().isEmpty(), info.name());
    }
  }

  // --- workspace ownership --------------------------------------------------------------------

  /** A model whose forward pass waits inside the call, so that a second thread arrives while it runs. */
  static final class Gate extends AbstractSequentialModel<Gate.Ws> {
    static final ModelSpec SPEC = ModelSpec.builder("gate").family("test").options(CommonOptions.maxLen(10))
        .loader((st, o) -> new Gate()).build();
    final CountDownLatch inside = new CountDownLatch(1);
    final CountDownLatch leave = new CountDownLatch(1);

    Gate() {
      super(SPEC, 10, Ws.class);
    }

    @Override
    protected Ws createWorkspace() {
      return new Ws(this);
    }

    @Override
    protected void score(UserHistory history, int first, Candidates candidates, Ws w, float[] logits, int off) {
      inside.countDown();
      try {
        leave.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      logits[off] = 1f;
    }

    static final class Ws extends SequentialModel.Workspace {
      Ws(Gate owner) {
        super(owner);
      }
    }
  }

  @Test
  void aWorkspaceUsedByTwoThreadsAtOnceFailsLoudly() throws Exception {
    Gate gate = new Gate();
    SequentialModel.Workspace ws = gate.newWorkspace();
    UserHistory h = UserHistory.of(new int[] {1}, 1).build();
    Candidates c = Candidates.of(new int[] {1});
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "scorer-1"));
    try {
      Future<?> first = pool.submit(() -> gate.score(h, c, ws, new float[1], 0));
      assertTrue(gate.inside.await(10, TimeUnit.SECONDS));
      float[] out = {42f};
      var e = assertThrows(IllegalStateException.class, () -> gate.score(h, c, ws, out, 0));
      assertContains(e.getMessage(), "gate", "in use by thread 'scorer-1'", "one per thread");
      assertEquals(42f, out[0], "nothing written by the refused call");
      gate.leave.countDown();
      first.get(10, TimeUnit.SECONDS);
      gate.score(h, c, ws, out, 0); // released: usable again
      assertEquals(1f, out[0]);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSharedWorkspaceNeverGivesWrongScores() throws Exception {
    SequentialModel din = ModelTestKit.load("din", Map.of());
    SequentialModel.Workspace shared = din.newWorkspace();
    SplittableRandom r = new SplittableRandom(5);
    // small requests: many collisions per second even on the scalar backend of a loaded 2-core machine
    int users = 120;
    List<UserHistory> hs = new ArrayList<>();
    List<Candidates> cs = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      hs.add(ModelTestKit.history(r, 1 + r.nextInt(30)));
      cs.add(ModelTestKit.candidates(r, 20));
      expected.add(ModelTestKit.score(din, hs.get(u), cs.get(u)));
    }
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger wrong = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        fs.add(pool.submit(() -> {
          float[] out = new float[20];
          for (int round = 0; round < 3; round++) {
            for (int u = 0; u < users; u++) {
              try {
                din.score(hs.get(u), cs.get(u), shared, out, 0);
                if (!close(out, expected.get(u))) {
                  wrong.incrementAndGet();
                }
              } catch (IllegalStateException e) {
                refused.incrementAndGet();
              }
            }
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get(600, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, wrong.get(), "scores computed through a shared workspace must be right or refused");
    assertTrue(refused.get() > 0, "4 threads on one workspace should have collided at least once");
  }

  /** Equal to 1e-5 relative (the workspace misuse it detects changes results by far more). */
  private static boolean close(float[] a, float[] b) {
    for (int i = 0; i < a.length; i++) {
      if (!(Math.abs(a[i] - b[i]) <= 1e-5f * Math.max(1f, Math.abs(b[i])))) {
        return false;
      }
    }
    return true;
  }

  // --- next-item base --------------------------------------------------------------------------

  /** The mean of the kept items' embeddings, scored against the same table (the simplest next-item model). */
  static final class MeanPool extends AbstractNextItemModel<MeanPool.Ws> {
    static final ModelSpec SPEC = ModelSpec.builder("mean_pool").family("test").nextItem()
        .options(CommonOptions.maxLen(50)).loader((st, o) -> null).build();
    final float[] table;
    final int dim;

    MeanPool(float[] table, int rows, int dim) {
      super(SPEC, 50, Ws.class, Catalogue.of(table, rows, dim, null));
      this.table = table;
      this.dim = dim;
    }

    @Override
    protected Ws createWorkspace() {
      return new Ws(this);
    }

    @Override
    protected void embed(UserHistory h, int first, Ws w, float[] out, int off) {
      HistoryChecks.ids("history itemIds", h.itemIds(), first, h.length(), catalogueSize());
      java.util.Arrays.fill(out, off, off + dim, 0f);
      int n = h.length() - first;
      for (int i = first; i < h.length(); i++) {
        Dense.axpy(1f / n, table, h.itemIds()[i] * dim, out, off, dim);
      }
    }

    static final class Ws extends AbstractNextItemModel.RetrievalWorkspace {
      Ws(MeanPool owner) {
        super(owner);
      }
    }
  }

  @Test
  void nextItemBaseScoresRecommendsAndBatchesConsistently() {
    SplittableRandom r = new SplittableRandom(9);
    int rows = 3000;
    int dim = 8;
    float[] table = new float[rows * dim];
    for (int i = 0; i < table.length; i++) {
      table[i] = (float) r.nextGaussian();
    }
    MeanPool model = new MeanPool(table, rows, dim);
    SequentialModel.Workspace ws = model.newWorkspace();
    int users = 40;
    int k = 25;
    UserHistory[] hs = new UserHistory[users];
    for (int u = 0; u < users; u++) {
      int len = u % 7 == 0 ? 0 : 1 + r.nextInt(80);
      int[] items = new int[len];
      for (int j = 0; j < len; j++) {
        items[j] = 1 + r.nextInt(rows - 1);
      }
      hs[u] = UserHistory.of(items, len).build();
    }
    int[] ids = new int[users * k];
    float[] scores = new float[users * k];
    int[] counts = new int[users];
    model.recommend(hs, k, true, ws, ids, scores, counts);
    for (int u = 0; u < users; u++) {
      int[] one = new int[k];
      float[] oneScores = new float[k];
      assertEquals(counts[u], model.recommend(hs[u], k, true, ws, one, 0, oneScores, 0));
      assertArrayEquals(one, java.util.Arrays.copyOfRange(ids, u * k, u * k + k), "user " + u);
      // the recommended items' candidate scores are the recommended scores
      float[] cand = new float[k];
      model.score(hs[u], Candidates.of(one), ws, cand, 0);
      for (int j = 0; j < k; j++) {
        assertEquals(oneScores[j], cand[j], 1e-5f, "user " + u + " rank " + j);
      }
      float[] emb = new float[dim];
      model.userEmbedding(hs[u], ws, emb, 0);
    }
    var e = assertThrows(IllegalArgumentException.class,
        () -> model.recommend(hs[1], 0, false, ws, new int[1], 0, new float[1], 0));
    assertContains(e.getMessage(), "k must be in [1, 1000]");
    UserHistory bad = UserHistory.of(new int[] {rows}, 1).build();
    e = assertThrows(IllegalArgumentException.class,
        () -> model.recommend(new UserHistory[] {hs[1], bad}, 5, false, ws, new int[10], new float[10], new int[2]));
    assertContains(e.getMessage(), "users[1]", "itemIds[0] = " + rows);
    e = assertThrows(IllegalArgumentException.class,
        () -> model.score(hs[1], Candidates.of(new int[] {0}), ws, new float[1], 0));
    assertContains(e.getMessage(), "candidate itemIds[0] = 0");
  }

  @Test
  void userIdsTravelFromABatchAndAreCheckedOnTheWay() {
    assertFalse(UserHistory.of(new int[] {1}, 1).build().hasUserId());
    assertEquals(UserHistory.NO_USER_ID, UserHistory.empty().userId());
    assertEquals(0, UserHistory.of(new int[] {1}, 1).userId(0).build().userId());
    assertContains(assertThrows(IllegalArgumentException.class, () -> UserHistory.of(new int[] {1}, 1).userId(-2)).getMessage(),
        "userId must be >= 0", "-2");

    Map<String, io.github.seqrec.models.tensors.Tensor> tensors = new java.util.HashMap<>(Map.of(
        "hist_items", new io.github.seqrec.models.tensors.Tensor.I64(new int[] {2, 2}, new long[] {1, 2, 3, 0}),
        "hist_len", new io.github.seqrec.models.tensors.Tensor.I64(new int[] {2}, new long[] {2, 1}),
        "cand_items", new io.github.seqrec.models.tensors.Tensor.I64(new int[] {2, 1}, new long[] {4, 5}),
        "user_id", new io.github.seqrec.models.tensors.Tensor.I64(new int[] {2}, new long[] {7, 0})));
    ModelBatch batch = ModelBatch.of(tensors);
    assertEquals(7, batch.history(0).userId());
    assertEquals(0, batch.history(1).userId());
    assertFalse(ModelBatch.of(Map.of("hist_items", tensors.get("hist_items"), "hist_len", tensors.get("hist_len"),
        "cand_items", tensors.get("cand_items"))).history(0).hasUserId());

    tensors.put("user_id", new io.github.seqrec.models.tensors.Tensor.I64(new int[] {2}, new long[] {3, -1}));
    assertContains(assertThrows(IllegalArgumentException.class, () -> ModelBatch.of(tensors)).getMessage(), "user_id[1] = -1");
    tensors.put("user_id", new io.github.seqrec.models.tensors.Tensor.I64(new int[] {3}, new long[] {3, 1, 1}));
    assertContains(assertThrows(IllegalArgumentException.class, () -> ModelBatch.of(tensors)).getMessage(), "user_id", "[2]", "[3]");
  }
}
