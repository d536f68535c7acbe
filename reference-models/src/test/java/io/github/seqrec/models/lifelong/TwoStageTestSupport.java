package io.github.seqrec.models.lifelong;

import io.github.seqrec.models.ModelTestKit;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.Models;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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

/** Shared helpers of the SIM and ETA tests: golden files, random requests, allocation and threads. */
public final class TwoStageTestSupport {
  public static final Path GOLDEN = Path.of("src/test/resources/golden/models");

  private TwoStageTestSupport() {}

  public static SequentialModel load(String model, Map<String, String> options) throws IOException {
    return Models.load(model, GOLDEN.resolve(model).resolve("weights.safetensors"), options);
  }

  public static Map<String, Tensor> batch(String model, String file) throws IOException {
    try (SafeTensors st = SafeTensors.open(GOLDEN.resolve(model).resolve(file))) {
      return st.toTensors();
    }
  }

  public static long[] longs(Map<String, Tensor> tensors, String name) {
    return ((Tensor.I64) tensors.get(name)).data();
  }

  /** A random history on the golden catalogue (200 items, 20 categories), times increasing. */
  public static UserHistory randomHistory(long seed, int length) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] items = new int[length];
    int[] cates = new int[length];
    long[] times = new long[length];
    long t = 1_600_000_000L;
    for (int i = 0; i < length; i++) {
      items[i] = 1 + r.nextInt(200);
      cates[i] = 1 + r.nextInt(20);
      t += 1 + r.nextInt(100_000);
      times[i] = t;
    }
    return UserHistory.of(items, length).categoryIds(cates).timestamps(times).requestTime(t + 500).build();
  }

  public static Candidates randomCandidates(long seed, int count) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] items = new int[count];
    int[] cates = new int[count];
    for (int i = 0; i < count; i++) {
      items[i] = 1 + r.nextInt(200);
      cates[i] = 1 + r.nextInt(20);
    }
    return Candidates.of(items, cates);
  }

  public static float[] score(SequentialModel model, UserHistory h, Candidates c) {
    float[] out = new float[c.count()];
    model.score(h, c, model.newWorkspace(), out, 0);
    return out;
  }

  /**
   * Fewest bytes the current thread allocated over one of 5 windows of {@code calls} runs of
   * {@code task} (after {@code warmUp} runs). A path that allocates per call allocates in every
   * window; taking the least window keeps one-off JIT and class-loading work out of the count.
   */
  public static long allocatedBytes(Runnable task, int warmUp, int calls) {
    com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (int i = 0; i < warmUp; i++) {
      task.run();
    }
    long id = Thread.currentThread().threadId();
    long least = Long.MAX_VALUE;
    // at least 5 windows, then as long as ModelTestKit.JitWatch says C2 may still be warming up
    ModelTestKit.JitWatch jit = new ModelTestKit.JitWatch();
    for (int window = 0; window < 5 || (least != 0 && jit.mayStillBeWarmingUp()); window++) {
      long before = bean.getThreadAllocatedBytes(id);
      for (int i = 0; i < calls; i++) {
        task.run();
      }
      least = Math.min(least, bean.getThreadAllocatedBytes(id) - before);
    }
    return least;
  }

  /**
   * Runs the model's hot paths until the JIT has compiled them, so that allocation checks and path
   * comparisons see the compiled code a server runs (results themselves do not depend on the JIT
   * tier: {@code JitTierDeterminismTest}).
   */
  public static void warmUp(SequentialModel model) {
    UserHistory h = randomHistory(999, Math.min(300, model.maxHistoryLength()));
    Candidates c = randomCandidates(998, 40);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[c.count()];
    for (int i = 0; i < 400; i++) {
      model.score(h, c, ws, out, 0);
    }
  }

  /**
   * 8 threads sharing {@code model}, each scoring other users with its own workspace, agree bit for
   * bit with one thread. An attempt counts when the single-threaded reference gives the same bits
   * before and after the threads ran (see {@link #warmUp}: a JIT transition in between can change a
   * lane sum's order on the vector backend).
   */
  public static void assertThreadSafe(SequentialModel model, int length) throws Exception {
    warmUp(model);
    int users = 16;
    List<UserHistory> histories = new ArrayList<>();
    List<Candidates> cands = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      histories.add(randomHistory(100 + u, length - 13 * u));
      cands.add(randomCandidates(200 + u, 30 + u));
    }
    for (int attempt = 0; attempt < 5; attempt++) {
      List<float[]> before = new ArrayList<>();
      for (int u = 0; u < users; u++) {
        before.add(score(model, histories.get(u), cands.get(u)));
      }
      float[][][] got = new float[8][users][];
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int th = 0; th < 8; th++) {
          int thread = th;
          done.add(pool.submit(() -> {
            SequentialModel.Workspace ws = model.newWorkspace();
            for (int i = 0; i < users; i++) {
              int u = (thread + i) % users;
              float[] out = new float[cands.get(u).count()];
              model.score(histories.get(u), cands.get(u), ws, out, 0);
              got[thread][u] = out;
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      boolean stable = true;
      for (int u = 0; u < users; u++) {
        stable &= Arrays.equals(before.get(u), score(model, histories.get(u), cands.get(u)));
      }
      if (!stable) {
        continue;
      }
      for (int th = 0; th < 8; th++) {
        for (int u = 0; u < users; u++) {
          assertArrayEquals(before.get(u), got[th][u], "thread " + th + " user " + u);
        }
      }
      return;
    }
    throw new AssertionError("the single-threaded reference never gave the same bits twice");
  }

  /** The first {@code keep} most recent actions of h, as a new history. */
  public static UserHistory lastActions(UserHistory h, int keep) {
    int from = h.length() - keep;
    int[] items = Arrays.copyOfRange(h.itemIds(), from, h.length());
    UserHistory.Builder b = UserHistory.of(items, keep)
        .categoryIds(Arrays.copyOfRange(h.categoryIds(), from, h.length()));
    if (h.timestamps() != null) {
      b.timestamps(Arrays.copyOfRange(h.timestamps(), from, h.length())).requestTime(h.requestTime());
    }
    return b.build();
  }

  /**
   * Bit equality of two scoring paths, robust to the JIT (see {@link #warmUp}): each try computes
   * the reference, the other path, then the reference again; a try whose two reference runs agree
   * (no compilation changed the kernels' lane sums in between) decides. A genuine difference
   * between the paths fails every such try.
   */
  public static void assertSamePathBits(java.util.function.Supplier<float[]> reference,
                                 java.util.function.Supplier<float[]> other) {
    // Both paths warm first, so the comparison is between compiled paths as a server runs them.
    for (int i = 0; i < 200; i++) {
      reference.get();
      other.get();
    }
    float[] stable = null;
    float[] stableOther = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      float[] before = reference.get();
      float[] got = other.get();
      float[] after = reference.get();
      if (Arrays.equals(before, after)) {
        if (Arrays.equals(before, got)) {
          return;
        }
        stable = before;
        stableOther = got;
      }
    }
    if (stable == null) {
      throw new AssertionError("the reference path never gave the same bits twice in a row");
    }
    assertSameBits(stable, stableOther);
  }

  /** Allocation per scoring call: 0 on either backend. */
  public static void assertNoAllocation(String what, long bytes) {
    assertEquals(0, bytes, what + " allocated on the " + io.github.seqrec.kernels.Backends.name() + " backend");
  }

  public static void assertSameBits(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
          "logit " + i + ": " + expected[i] + " vs " + actual[i]);
    }
  }
}
