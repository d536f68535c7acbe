package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.TopK;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GPU top-k by score against the scalar {@link TopK#topKRows}: exact equality of indices and
 * values, with heavy ties (equal scores go to the lower index), -0.0 == 0.0, infinities, k >= n,
 * and NaN rejected with the CPU's message.
 */
class CudaTopKTest {

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void rowsMatchScalarWithTies(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(61);
    // rows, n, k
    int[][] shapes = target.large()
        ? new int[][] {{1, 1, 1}, {3, 7, 10}, {17, 65, 16}, {5, 1000, 100}, {300, 100_000, 100}, {2, 4097, 1024},
            {3, 100_000, 1}}
        : new int[][] {{1, 1, 1}, {3, 7, 10}, {17, 65, 16}, {3, 600, 100}, {2, 300, 300}};
    for (int[] s : shapes) {
      for (int kind = 0; kind < 3; kind++) {
        check(ctx, random, s[0], s[1], s[2], kind);
      }
    }
  }

  private static void check(CudaContext ctx, SplittableRandom random, int rows, int n, int k, int kind) {
    float[] scores = new float[rows * n];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = switch (kind) {
        case 0 -> (float) random.nextGaussian();
        case 1 -> random.nextInt(5) - 2f; // heavy ties, zeros of both signs below
        default -> new float[] {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, 1f, -1f}[random.nextInt(6)];
      };
      if (scores[i] == 0f && random.nextBoolean()) {
        scores[i] = -0f;
      }
    }
    int m = TopK.resultSize(n, k);
    float[] expVal = new float[rows * m];
    int[] expIdx = new int[rows * m];
    TopK.topKRows(scores, 0, rows, n, k, expVal, 0, expIdx, 0);
    try (DeviceFloats ds = ctx.upload(scores); DeviceFloats val = GpuAsserts.poisoned(ctx, Math.max(1, rows * m));
         DeviceInts idx = GpuAsserts.poisonedInts(ctx, Math.max(1, rows * m))) {
      int got = CudaTopK.topKRows(ds, 0, rows, n, k, val, 0, idx, 0);
      assertThat(got).isEqualTo(m);
      String what = "top-k rows=" + rows + " n=" + n + " k=" + k + " kind=" + kind;
      int[] actualIdx = new int[rows * m];
      float[] actualVal = new float[rows * m];
      idx.copyTo(0, actualIdx, 0, actualIdx.length);
      val.copyTo(0, actualVal, 0, actualVal.length);
      GpuAsserts.assertEqual(what + " indices", expIdx, actualIdx);
      for (int i = 0; i < expVal.length; i++) {
        assertThat(Float.floatToRawIntBits(actualVal[i])).as(what + " value " + i)
            .isEqualTo(Float.floatToRawIntBits(expVal[i]));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void nanIsRejectedLikeTheCpu(Targets.Target target) {
    CudaContext ctx = target.context();
    float[] scores = new float[3 * 20];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = i % 7;
    }
    scores[1 * 20 + 13] = Float.NaN;
    scores[1 * 20 + 15] = Float.NaN;
    scores[2 * 20 + 2] = Float.NaN;
    String cpu;
    try {
      TopK.topKRows(scores, 0, 3, 20, 4, new float[12], 0, new int[12], 0);
      throw new AssertionError("the CPU accepted NaN");
    } catch (IllegalArgumentException e) {
      cpu = e.getMessage();
    }
    try (DeviceFloats ds = ctx.upload(scores); DeviceFloats val = ctx.allocFloats(12); DeviceInts idx = ctx.allocInts(12)) {
      assertThatThrownBy(() -> CudaTopK.topKRows(ds, 0, 3, 20, 4, val, 0, idx, 0)).hasMessage(cpu);
      // without the NaN rows the same buffers work again
      assertThat(CudaTopK.topKRows(ds, 0, 1, 20, 4, val, 0, idx, 0)).isEqualTo(4);
    }
  }
}
