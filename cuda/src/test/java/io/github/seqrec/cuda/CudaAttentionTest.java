package io.github.seqrec.cuda;

import static io.github.seqrec.cuda.GpuAsserts.REL_TOL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.Attention;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GPU target attention against the scalar {@link Attention} (surefire forces the scalar backend):
 * awkward head widths, valid lengths 0..L, the four bias layouts, -Infinity masks, split and
 * unsplit histories (L from 1 to 10^5 on the GPU), and the gathered form with indices and counts.
 * Outputs are convex combinations of values in [-1, 1], so errors are judged against scale 1.
 */
class CudaAttentionTest {

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void sharedHistoryMatchesScalar(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(21);
    int[][] headShapes = {{1, 1, 1}, {1, 7, 3}, {2, 16, 16}, {4, 16, 17}, {3, 33, 8}, {1, 64, 64}, {2, 130, 65}};
    int[] lengths = target.large() ? new int[] {0, 1, 7, 63, 65, 1000, 4097} : new int[] {0, 1, 7, 65, 300};
    for (int[] hs : headShapes) {
      for (int l : lengths) {
        int b = 1 + random.nextInt(5);
        int valid = l == 0 ? 0 : (random.nextBoolean() ? l : random.nextInt(l + 1));
        checkShared(ctx, random, b, l, valid, hs[0], hs[1], hs[2], random.nextInt(5));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void longHistoriesAreSplitAndMerged(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(22);
    if (target.large()) {
      checkShared(ctx, random, 3, 100_000, 100_000, 4, 16, 16, 1);
      checkShared(ctx, random, 2, 100_000, 99_001, 2, 32, 32, 3);
      checkShared(ctx, random, 1000, 1000, 777, 4, 16, 16, 2);
    } else {
      // the emulated device has 2 SMs: one target over 1100 keys runs in 3 splits
      checkShared(ctx, random, 1, 1100, 1100, 1, 8, 8, 1);
      checkShared(ctx, random, 2, 1100, 1030, 2, 4, 5, 3);
    }
  }

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void maskedKeysAndFullyMaskedRowsMatchScalar(Targets.Target target) {
    CudaContext ctx = target.context();
    int b = 3;
    int l = 40;
    int heads = 2;
    int dk = 8;
    SplittableRandom random = new SplittableRandom(23);
    float[] q = GpuAsserts.uniform(random, b * heads * dk);
    float[] k = GpuAsserts.uniform(random, l * heads * dk);
    float[] v = GpuAsserts.uniform(random, l * heads * dk);
    float[] bias = new float[b * l]; // [B x L] shared by heads: strides L, 0
    for (int i = 0; i < bias.length; i++) {
      bias[i] = random.nextInt(3) == 0 ? Float.NEGATIVE_INFINITY : (float) random.nextDouble();
    }
    Arrays.fill(bias, l, 2 * l, Float.NEGATIVE_INFINITY); // target 1: every key masked -> NaN, as on the CPU
    float[] expected = new float[b * heads * dk];
    float[] scratch = new float[Attention.targetAttentionScratchSize(b, l, heads, dk)];
    Attention.targetAttention(q, 0, b, k, 0, v, 0, l, l, heads, dk, dk, 0.3f, bias, 0, l, 0, expected, 0, scratch, 0);
    try (DeviceFloats dq = ctx.upload(q); DeviceFloats dk2 = ctx.upload(k); DeviceFloats dv = ctx.upload(v);
         DeviceFloats db = ctx.upload(bias); DeviceFloats out = GpuAsserts.poisoned(ctx, expected.length)) {
      out.fill(0f);
      CudaAttention.targetAttention(dq, 0, b, dk2, 0, dv, 0, l, l, heads, dk, dk, 0.3f, db, 0, l, 0, out, 0);
      float[] actual = out.toArray();
      assertThat(expected[heads * dk]).isNaN();
      GpuAsserts.assertClose("masked attention", expected, actual, REL_TOL, 1);
    }
  }

  /**
   * A NaN score makes the CPU's softmax, and so the target's output, NaN. With a split history the
   * NaN lives in one split's partial sums while that split's running max stays -Infinity (NaN is
   * never larger): the combine must still weigh it in. Target 0 has NaN bias on every key of its
   * last split, target 1 on one key of its first, target 2 has a split whose keys are all masked
   * (-Infinity: weight 0, finite result), target 3 is clean.
   */
  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void aNanScoreInAnySplitGivesNanAsOnTheCpu(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(25);
    int b = 4;
    int l = target.large() ? 100_000 : 1100;
    int heads = 1;
    int dk = 8;
    float[] q = GpuAsserts.uniform(random, b * dk);
    float[] k = GpuAsserts.uniform(random, l * dk);
    float[] v = GpuAsserts.uniform(random, l * dk);
    float[] bias = GpuAsserts.uniform(random, b * l); // [B x L]: strides L, 0
    java.util.Arrays.fill(bias, l - l / 3, l, Float.NaN); // the emulator's last split of 3 is [734, 1100)
    bias[l + 3] = Float.NaN;
    java.util.Arrays.fill(bias, 2 * l, 2 * l + l / 2, Float.NEGATIVE_INFINITY);
    float[] expected = new float[b * dk];
    float[] scratch = new float[Attention.targetAttentionScratchSize(b, l, heads, dk)];
    Attention.targetAttention(q, 0, b, k, 0, v, 0, l, l, heads, dk, dk, 0.5f, bias, 0, l, 0, expected, 0, scratch, 0);
    assertThat(expected[0]).isNaN();
    assertThat(expected[dk]).isNaN();
    assertThat(expected[2 * dk]).isFinite();
    try (DeviceFloats dq = ctx.upload(q); DeviceFloats dk2 = ctx.upload(k); DeviceFloats dv = ctx.upload(v);
         DeviceFloats db = ctx.upload(bias); DeviceFloats out = ctx.allocFloats(expected.length)) {
      out.fill(0f);
      CudaAttention.targetAttention(dq, 0, b, dk2, 0, dv, 0, l, l, heads, dk, dk, 0.5f, db, 0, l, 0, out, 0);
      GpuAsserts.assertClose("NaN splits", expected, out.toArray(), REL_TOL, 1);
    }
  }

  private static void checkShared(CudaContext ctx, SplittableRandom random, int b, int l, int valid, int heads, int dk,
                                  int dv, int biasLayout) {
    float[] q = GpuAsserts.uniform(random, b * heads * dk);
    float[] k = GpuAsserts.uniform(random, l * heads * dk);
    float[] v = GpuAsserts.uniform(random, l * heads * dv);
    // bias layouts: none, [L], [H x L], [B x L], [B x H x L]
    int[][] strides = {{0, 0}, {0, 0}, {0, l}, {l, 0}, {heads * l, l}};
    int[] bl = {0, l, heads * l, b * l, b * heads * l};
    float[] bias = biasLayout == 0 ? null : GpuAsserts.uniform(random, bl[biasLayout] + 2);
    int biasOff = biasLayout == 0 ? 0 : 2;
    int ts = strides[biasLayout][0];
    int hs = strides[biasLayout][1];
    float scale = random.nextBoolean() ? Attention.defaultScale(dk) : 2.5f;
    float[] expected = new float[b * heads * dv];
    float[] scratch = new float[Attention.targetAttentionScratchSize(b, l, heads, dk)];
    Attention.targetAttention(q, 0, b, k, 0, v, 0, l, valid, heads, dk, dv, scale, bias, biasOff, ts, hs,
        expected, 0, scratch, 0);
    try (DeviceFloats dq = ctx.upload(q); DeviceFloats dk2 = ctx.upload(k); DeviceFloats dv2 = ctx.upload(v);
         DeviceFloats db = bias == null ? null : ctx.upload(bias);
         DeviceFloats out = GpuAsserts.poisoned(ctx, expected.length)) {
      CudaAttention.targetAttention(dq, 0, b, dk2, 0, dv2, 0, l, valid, heads, dk, dv, scale, db, biasOff, ts, hs,
          out, 0);
      GpuAsserts.assertClose("attention b=" + b + " l=" + l + " valid=" + valid + " heads=" + heads + " dk=" + dk
          + " dv=" + dv + " bias=" + biasLayout, expected, out.toArray(), REL_TOL, 1);
    }
  }

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void gatheredMatchesScalar(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(24);
    int n = target.large() ? 100_000 : 500;
    int[][] shapes = target.large()
        ? new int[][] {{1, 1, 1, 1, 1}, {7, 50, 2, 16, 16}, {1000, 100, 4, 16, 16}, {65, 17, 3, 7, 9}}
        : new int[][] {{1, 1, 1, 1, 1}, {7, 50, 2, 16, 16}, {5, 17, 3, 7, 9}};
    for (int[] s : shapes) {
      for (int mode = 0; mode < 3; mode++) { // 0: index + counts, 1: index only, 2: per-target blocks + counts
        checkGathered(ctx, random, s[0], s[1], n, s[2], s[3], s[4], mode);
      }
    }
  }

  private static void checkGathered(CudaContext ctx, SplittableRandom random, int b, int m, int n, int heads, int dk,
                                    int dv, int mode) {
    int rows = mode == 2 ? Math.max(n, b * m) : n;
    float[] q = GpuAsserts.uniform(random, b * heads * dk);
    float[] k = GpuAsserts.uniform(random, rows * heads * dk);
    float[] v = GpuAsserts.uniform(random, rows * heads * dv);
    int[] index = null;
    if (mode != 2) {
      index = new int[b * m];
      for (int i = 0; i < index.length; i++) {
        index[i] = random.nextInt(rows); // duplicates allowed
      }
    }
    int[] count = null;
    if (mode != 1) {
      count = new int[b];
      for (int t = 0; t < b; t++) {
        count[t] = t == 0 ? 0 : random.nextInt(m + 1);
      }
    }
    float[] bias = GpuAsserts.uniform(random, heads * rows); // TWIN's [H x n]: strides 0, n
    float scale = Attention.defaultScale(dk);
    float[] expected = new float[b * heads * dv];
    float[] scratch = new float[Attention.targetAttentionGatheredScratchSize(b, m, heads)];
    Attention.targetAttentionGathered(q, 0, b, k, 0, v, 0, rows, index, 0, m, count, 0, heads, dk, dv, scale,
        bias, 0, 0, rows, expected, 0, scratch, 0);
    try (DeviceFloats dq = ctx.upload(q); DeviceFloats dk2 = ctx.upload(k); DeviceFloats dv2 = ctx.upload(v);
         DeviceInts di = index == null ? null : ctx.upload(index); DeviceInts dc = count == null ? null : ctx.upload(count);
         DeviceFloats db = ctx.upload(bias); DeviceFloats out = GpuAsserts.poisoned(ctx, expected.length)) {
      CudaAttention.targetAttentionGathered(dq, 0, b, dk2, 0, dv2, 0, rows, di, 0, m, dc, 0, heads, dk, dv, scale,
          db, 0, 0, rows, out, 0);
      GpuAsserts.assertClose("gathered b=" + b + " m=" + m + " mode=" + mode, expected, out.toArray(), REL_TOL, 1);
    }
  }

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void badGatheredIndicesAreRejectedLikeTheCpu(Targets.Target target) {
    CudaContext ctx = target.context();
    int b = 3;
    int m = 4;
    int n = 10;
    float[] q = new float[b * 2];
    float[] k = new float[n * 2];
    int[] index = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0};
    int[] count = {4, 4, 3}; // target 2 never reads its entry 3 (the 10 at [2 * 4 + 2] is read: out of range)
    float[] out = new float[b * 2];
    float[] scratch = new float[Attention.targetAttentionGatheredScratchSize(b, m, 1)];
    String cpu = messageOf(() -> Attention.targetAttentionGathered(q, 0, b, k, 0, k, 0, n, index, 0, m, count, 0,
        1, 2, 2, 1f, null, 0, 0, 0, out, 0, scratch, 0));
    int[] badCount = {4, 5, 1};
    String cpuCount = messageOf(() -> Attention.targetAttentionGathered(q, 0, b, k, 0, k, 0, n, null, 0, m, badCount, 0,
        1, 2, 2, 1f, null, 0, 0, 0, out, 0, scratch, 0));
    try (DeviceFloats dq = ctx.upload(q); DeviceFloats dk = ctx.upload(k); DeviceInts di = ctx.upload(index);
         DeviceInts dc = ctx.upload(count); DeviceInts dbc = ctx.upload(badCount); DeviceFloats dout = ctx.allocFloats(b * 2)) {
      assertThatThrownBy(() -> CudaAttention.targetAttentionGathered(dq, 0, b, dk, 0, dk, 0, n, di, 0, m, dc, 0,
          1, 2, 2, 1f, null, 0, 0, 0, dout, 0)).isInstanceOf(IllegalArgumentException.class).hasMessage(cpu);
      try (DeviceFloats big = ctx.allocFloats(12 * 2)) {
        assertThatThrownBy(() -> CudaAttention.targetAttentionGathered(dq, 0, b, big, 0, big, 0, 12, null, 0, m, dbc, 0,
            1, 2, 2, 1f, null, 0, 0, 0, dout, 0)).isInstanceOf(IllegalArgumentException.class).hasMessage(cpuCount);
      }
      // the context stays usable: with target 2 reading two entries only, every index is in range
      dc.copyFrom(new int[] {4, 4, 2});
      dout.fill(Float.NaN);
      CudaAttention.targetAttentionGathered(dq, 0, b, dk, 0, dk, 0, n, di, 0, m, dc, 0, 1, 2, 2, 1f, null, 0, 0, 0,
          dout, 0);
      assertThat(dout.toArray()).doesNotContain(Float.NaN);
    }
    assertThat(cpu).isEqualTo("index[2 * m + 2] must be a row in [0, n = 10), got 10");
  }

  private static String messageOf(Runnable r) {
    try {
      r.run();
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected IllegalArgumentException");
  }
}
