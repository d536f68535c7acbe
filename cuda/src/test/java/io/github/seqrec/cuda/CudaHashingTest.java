package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.kernels.Hamming;
import io.github.seqrec.kernels.SimHash;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GPU SimHash and Hamming top-k against the scalar {@link SimHash} and {@link Hamming}: integer
 * outputs, so exact equality, including ties (many equal distances with few bits; ties go to the
 * lower position) and slots past {@code valid} (-1 / m + 1).
 */
class CudaHashingTest {

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void signaturesAreBitExact(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(51);
    int[][] shapes = target.large()
        ? new int[][] {{1, 1, 64}, {7, 16, 64}, {65, 64, 128}, {1000, 64, 256}, {100_000, 64, 64}, {3, 4097, 192}}
        : new int[][] {{1, 1, 64}, {7, 16, 64}, {9, 33, 192}};
    for (int[] s : shapes) {
      int rows = s[0];
      int d = s[1];
      int m = s[2];
      float[] x = GpuAsserts.uniform(random, rows * d + 3);
      float[] planes = SimHash.planes(random.nextLong(), d, m);
      long[] expected = new long[rows * (m / 64)];
      float[] scratch = new float[SimHash.signaturesScratchSize(rows, m)];
      SimHash.signatures(x, 3, rows, d, planes, 0, m, expected, 0, scratch, 0);
      try (DeviceFloats dx = ctx.upload(x); DeviceFloats dp = ctx.upload(planes);
           DeviceLongs sig = ctx.allocLongs(expected.length)) {
        sig.copyFrom(poison(expected.length));
        CudaHashing.signatures(dx, 3, rows, d, dp, 0, m, sig, 0);
        assertThat(sig.toArray()).as("signatures rows=%d d=%d m=%d", rows, d, m).isEqualTo(expected);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void topKMatchesScalarIncludingTies(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(52);
    // queries, count, valid, m, k
    int[][] shapes = target.large()
        ? new int[][] {{1, 1, 1, 64, 1}, {5, 100, 100, 64, 10}, {3, 1000, 999, 64, 50}, {1000, 100_000, 100_000, 64, 50},
            {7, 4097, 4000, 256, 100}, {2, 30, 20, 128, 1024}, {4, 5000, 5000, 64, 1024}, {3, 10, 0, 64, 3}}
        : new int[][] {{1, 1, 1, 64, 1}, {5, 100, 100, 64, 10}, {3, 300, 299, 64, 50}, {2, 90, 80, 256, 17},
            {2, 30, 20, 128, 40}, {3, 10, 0, 64, 3}};
    for (int[] s : shapes) {
      int b = s[0];
      int count = s[1];
      int valid = s[2];
      int m = s[3];
      int k = s[4];
      int words = m / 64;
      long[] queries = randomSignatures(random, b * words);
      long[] sigs = randomSignatures(random, count * words);
      int[] expIdx = new int[b * k];
      int[] expDist = new int[b * k];
      int[] scratch = new int[Hamming.topKScratchSize(b, m)];
      Hamming.topK(queries, 0, b, sigs, 0, count, valid, m, k, expIdx, 0, expDist, 0, scratch, 0);
      try (DeviceLongs dq = ctx.upload(queries); DeviceLongs ds = ctx.upload(sigs);
           DeviceInts idx = GpuAsserts.poisonedInts(ctx, b * k); DeviceInts dist = GpuAsserts.poisonedInts(ctx, b * k)) {
        int selected = CudaHashing.topK(dq, 0, b, ds, 0, count, valid, m, k, idx, 0, dist, 0);
        assertThat(selected).isEqualTo(Math.min(k, valid));
        String what = "hamming top-k " + java.util.Arrays.toString(s);
        GpuAsserts.assertEqual(what + " indices", expIdx, idx.toArray());
        GpuAsserts.assertEqual(what + " distances", expDist, dist.toArray());
      }
    }
  }

  /** Signatures with few distinct distances: bits mostly shared, so ties at the k-th place are the rule. */
  private static long[] randomSignatures(SplittableRandom random, int n) {
    long[] out = new long[n];
    long base = random.nextLong();
    for (int i = 0; i < n; i++) {
      out[i] = base ^ (1L << random.nextInt(64)) ^ (random.nextInt(4) == 0 ? random.nextLong() : 0L);
    }
    return out;
  }

  private static long[] poison(int n) {
    long[] p = new long[n];
    java.util.Arrays.fill(p, 0x7ff8_dead_beef_0000L);
    return p;
  }
}
