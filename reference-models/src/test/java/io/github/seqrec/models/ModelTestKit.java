package io.github.seqrec.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * Shared checks for the item + category CTR models (DIN, DIEN, TIM) loaded from their golden
 * weights: random histories in the golden catalogue ({@code cate = 1 + (item * 7) % 20}), truncation,
 * bad input, allocation after warm-up and 8-thread sharing.
 */
public final class ModelTestKit {
  public static final int N_ITEMS = 200;
  public static final int N_CATES = 20;

  private ModelTestKit() {}

  public static SequentialModel load(String model, Map<String, String> options) throws IOException {
    return Models.load(model, Path.of("src/test/resources/golden/models", model, "weights.safetensors"), options);
  }

  public static int cate(int item) {
    return 1 + (item * 7) % N_CATES;
  }

  public static UserHistory history(SplittableRandom random, int length) {
    int[] items = new int[length];
    int[] cates = new int[length];
    for (int i = 0; i < length; i++) {
      items[i] = 1 + random.nextInt(N_ITEMS);
      cates[i] = cate(items[i]);
    }
    return UserHistory.of(items, length).categoryIds(cates).build();
  }

  public static Candidates candidates(SplittableRandom random, int count) {
    int[] items = new int[count];
    int[] cates = new int[count];
    for (int i = 0; i < count; i++) {
      items[i] = 1 + random.nextInt(N_ITEMS);
      cates[i] = cate(items[i]);
    }
    return Candidates.of(items, cates);
  }

  /**
   * Runs the model over many shapes so the JIT has compiled every kernel path before a test
   * measures or compares: results no longer depend on the JIT tier ({@code JitTierDeterminismTest}),
   * but allocation checks and same-path comparisons are about the compiled code a server runs.
   */
  public static void warmUp(SequentialModel model) {
    SplittableRandom random = new SplittableRandom(99);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[300];
    for (int i = 0; i < 200; i++) {
      int count = i % 50 == 0 ? 300 : 1 + random.nextInt(8);
      model.score(history(random, random.nextInt(model.maxHistoryLength() + 1)), candidates(random, count), ws, out, 0);
    }
  }

  public static float[] score(SequentialModel model, UserHistory h, Candidates c) {
    float[] out = new float[c.count()];
    model.score(h, c, model.newWorkspace(), out, 0);
    return out;
  }

  /** A history longer than the maximum scores as its most recent maxHistoryLength actions. */
  public static void truncationKeepsMostRecent(SequentialModel model) {
    warmUp(model);
    SplittableRandom random = new SplittableRandom(11);
    int max = model.maxHistoryLength();
    UserHistory longer = history(random, max + 17);
    int[] items = Arrays.copyOfRange(longer.itemIds(), 17, max + 17);
    int[] cates = Arrays.copyOfRange(longer.categoryIds(), 17, max + 17);
    UserHistory kept = UserHistory.of(items, max).categoryIds(cates).build();
    Candidates c = candidates(random, 9);
    float[] expected = score(model, kept, c);
    assertArrayEquals(expected, score(model, longer, c));
    // the dropped actions are never read: an out-of-vocabulary id among them is ignored
    longer.itemIds()[3] = 999_999;
    assertArrayEquals(expected, score(model, longer, c));
  }

  /** Id checks, missing fields, output region, workspace type; nothing is written on failure. */
  public static void badInputs(SequentialModel model) {
    SplittableRandom random = new SplittableRandom(12);
    SequentialModel.Workspace ws = model.newWorkspace();
    UserHistory h = history(random, 10);
    Candidates c = candidates(random, 4);
    float[] out = new float[4];
    Arrays.fill(out, 42f);

    h.itemIds()[7] = N_ITEMS + 50;
    var e = assertThrows(IllegalArgumentException.class, () -> model.score(h, c, ws, out, 0));
    assertContains(e.getMessage(), "history itemIds[7] = 250", "[1, 200]");
    h.itemIds()[7] = 0;
    e = assertThrows(IllegalArgumentException.class, () -> model.score(h, c, ws, out, 0));
    assertContains(e.getMessage(), "history itemIds[7] = 0");
    h.itemIds()[7] = 5;
    h.categoryIds()[2] = -1;
    e = assertThrows(IllegalArgumentException.class, () -> model.score(h, c, ws, out, 0));
    assertContains(e.getMessage(), "history categoryIds[2] = -1", "[1, 20]");
    h.categoryIds()[2] = 3;

    Candidates badCand = Candidates.of(new int[] {1, 2, 201}, new int[] {1, 2, 3});
    e = assertThrows(IllegalArgumentException.class, () -> model.score(h, badCand, ws, out, 0));
    assertContains(e.getMessage(), "candidate itemIds[2] = 201");
    Candidates noCates = Candidates.of(new int[] {1, 2});
    e = assertThrows(IllegalArgumentException.class, () -> model.score(h, noCates, ws, out, 0));
    assertContains(e.getMessage(), "categoryIds");

    UserHistory itemsOnly = UserHistory.of(new int[] {1, 2, 3}, 3).build();
    e = assertThrows(IllegalArgumentException.class, () -> model.score(itemsOnly, c, ws, out, 0));
    assertContains(e.getMessage(), "CATEGORY_IDS");

    e = assertThrows(IllegalArgumentException.class, () -> model.score(h, c, ws, new float[3], 0));
    assertContains(e.getMessage(), "logits needs 4");
    e = assertThrows(IllegalArgumentException.class, () -> model.score(h, c, ws, out, 1));
    assertContains(e.getMessage(), "logits needs 4");

    SequentialModel.Workspace foreign = new SequentialModel.Workspace(null) {};
    e = assertThrows(IllegalArgumentException.class, () -> model.score(h, c, foreign, out, 0));
    assertContains(e.getMessage(), "workspace");
    e = assertThrows(IllegalArgumentException.class, () -> model.score(h, c, null, out, 0));
    assertContains(e.getMessage(), "workspace");
    for (float v : out) {
      assertEquals(42f, v, "nothing may be written on bad input");
    }
    // the workspace still works after the failures
    model.score(h, c, ws, out, 0);
    assertArrayEquals(score(model, h, c), out);
  }

  public static void assertContains(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message != null && message.contains(p), "message '" + message + "' should contain '" + p + "'");
    }
  }

  /**
   * Bytes this thread allocates over {@code rounds} runs of {@code body} once warmed up: the Vector
   * API boxes its vectors until C2 compiles the kernels, so rounds are repeated (at least 60 times,
   * for at least 30 s) until one allocates nothing; the last round's count is returned.
   */
  public static long allocatedBytes(Runnable body, int rounds) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    long bytes = -1;
    JitWatch jit = new JitWatch();
    for (int attempt = 0; bytes != 0 && (attempt < 60 || jit.mayStillBeWarmingUp()); attempt++) {
      long before = mx.getThreadAllocatedBytes(id);
      for (int i = 0; i < rounds; i++) {
        body.run();
      }
      bytes = mx.getThreadAllocatedBytes(id) - before;
    }
    return bytes;
  }

  /**
   * When an allocation check may stop waiting for the JIT. In a fresh JVM (one per test class) C2
   * usually settles within seconds, but on a loaded machine its queue can hold a deoptimised kernel
   * for longer, and until it is recompiled it runs in a tier that boxes every vector (a CI run on
   * 2 busy cores saw 4.4 MB per request after 30 s). So the check waits 30 s, and beyond that for
   * as long as the JIT is still compiling (up to 3 min): a path that allocates once the JIT has
   * gone quiet allocates in the code a server runs, and fails.
   */
  public static final class JitWatch {
    private static final long MIN_NANOS = 30_000_000_000L;
    private static final long MAX_NANOS = 180_000_000_000L;
    private final java.lang.management.CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    private final long start = System.nanoTime();
    private long lastCompileMillis = compileMillis();

    /** Whether to measure again: under 30 s, or under 3 min while the JIT compiled since the last call. */
    public boolean mayStillBeWarmingUp() {
      long elapsed = System.nanoTime() - start;
      long now = compileMillis();
      boolean compiling = now != lastCompileMillis;
      lastCompileMillis = now;
      return elapsed < MIN_NANOS || (compiling && elapsed < MAX_NANOS);
    }

    private long compileMillis() {
      return compiler != null && compiler.isCompilationTimeMonitoringSupported() ? compiler.getTotalCompilationTime() : 0;
    }
  }

  /** Scoring a max-length history with a warmed-up workspace allocates nothing. */
  public static void allocationFree(SequentialModel model, int candidates) {
    SplittableRandom random = new SplittableRandom(13);
    UserHistory h = history(random, model.maxHistoryLength());
    Candidates c = candidates(random, candidates);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[candidates];
    long bytes = allocatedBytes(() -> model.score(h, c, ws, out, 0), 20);
    assertEquals(0, bytes, "bytes allocated by 20 warmed-up score calls");
  }

  /** One model shared by 8 threads scoring different users: bit-identical to one-by-one scoring. */
  public static void concurrentIdentical(SequentialModel model) throws Exception {
    warmUp(model);
    SplittableRandom random = new SplittableRandom(14);
    int users = 16;
    List<UserHistory> hs = new ArrayList<>();
    List<Candidates> cs = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      hs.add(history(random, random.nextInt(model.maxHistoryLength() + 1)));
      cs.add(candidates(random, 1 + random.nextInt(12)));
    }
    // the exact requests, many times, before the reference, so the threads race on compiled code
    for (int round = 0; round < 100; round++) {
      for (int u = 0; u < users; u++) {
        score(model, hs.get(u), cs.get(u));
      }
    }
    for (int u = 0; u < users; u++) {
      expected.add(score(model, hs.get(u), cs.get(u)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<float[][]>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t;
        futures.add(pool.submit(() -> {
          SequentialModel.Workspace ws = model.newWorkspace();
          float[][] got = new float[users][];
          for (int round = 0; round < 3; round++) {
            for (int i = 0; i < users; i++) {
              int u = (i + offset * 5) % users;
              float[] out = new float[cs.get(u).count()];
              model.score(hs.get(u), cs.get(u), ws, out, 0);
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

  /** The empty history scores like the golden's empty case and never gives NaN; the workspace grows with C. */
  public static void emptyAndGrowing(SequentialModel model) {
    warmUp(model);
    SplittableRandom random = new SplittableRandom(15);
    SequentialModel.Workspace ws = model.newWorkspace();
    for (int count : new int[] {0, 1, 17, 300, 5}) {
      Candidates c = candidates(random, count);
      float[] out = new float[count + 2];
      model.score(UserHistory.empty(), c, ws, out, 1);
      for (int i = 1; i <= count; i++) {
        assertTrue(Float.isFinite(out[i]), "empty history logit " + i + " = " + out[i]);
      }
      assertEquals(0f, out[0]);
      assertEquals(0f, out[count + 1]);
      UserHistory h = history(random, 1 + random.nextInt(model.maxHistoryLength()));
      model.score(h, c, ws, out, 1);
      // same logits as a fresh workspace; not compared bit for bit because a kernel the JIT compiles
      // between the two calls may sum its vector lanes in another order (last-bit differences)
      assertArrayEquals(score(model, h, c), Arrays.copyOfRange(out, 1, count + 1), 1e-5f);
    }
  }
}
