package io.github.seqrec.kernels;

import static io.github.seqrec.kernels.TestArrays.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.internal.HashingKernels;
import io.github.seqrec.kernels.internal.SignatureLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashingTest {
  private static final int[] BITS = {64, 128, 192, 256};
  /** Candidate counts: the awkward sizes, 0, and both sides of the 8-candidate block. */
  private static final int[] COUNTS = {0, 1, 7, 8, 9, 15, 16, 17, 63, 65, 1000, 4097};

  // ---------------------------------------------------------------- hand-checked cases

  @Test
  void packSignsSetsABitOnlyForStrictlyPositiveValues() {
    float[] v = new float[128];
    v[0] = 1f;
    v[1] = -1f;
    v[2] = 0f;
    v[3] = -0f;
    v[4] = Float.NaN;
    v[5] = Float.MIN_VALUE;
    v[63] = 3f;            // the sign bit of word 0
    v[64 + 1] = 1e-30f;    // word 1, bit 1
    v[64 + 62] = Float.POSITIVE_INFINITY;
    long[] out = new long[3];
    SimHash.packSigns(v, 0, 128, out, 1);
    assertThat(out).containsExactly(0L, 1L | (1L << 5) | (1L << 63), (1L << 1) | (1L << 62));
  }

  @Test
  void signaturesOfHandPickedPlanes() {
    // d = 2, m = 128: plane k is (1, 0) for even k, (0, 1) for odd k, except plane 100 = (1, 1)
    int d = 2;
    int m = 128;
    float[] r = new float[d * m];
    for (int k = 0; k < m; k++) {
      r[(k % 2) * m + k] = 1f;
    }
    r[m + 100] = 1f;
    float[] x = {
        1f, -1f,   // even planes positive, odd negative, plane 100: 1 - 1 = 0 -> bit 0
        0f, 0f,    // zero projection everywhere -> all bits 0
        -2f, 5f,   // odd planes positive, plane 100: 3 -> bit 1
    };
    long[] sig = new long[3 * 2];
    SimHash.signatures(x, 0, 3, d, r, 0, m, sig, 0, new float[SimHash.signaturesScratchSize(3, m)], 0);
    long even = 0x5555555555555555L;
    long odd = 0xAAAAAAAAAAAAAAAAL;
    assertThat(sig).containsExactly(even, even & ~(1L << 36), 0L, 0L, odd, odd | (1L << 36));
  }

  @Test
  void planesAreJavaUtilRandomGaussiansPlaneByPlane() {
    float[] r = SimHash.planes(42, 3, 64);
    java.util.Random random = new java.util.Random(42);
    // the first plane is column 0: rows 0, 1, 2 take the first three Gaussians
    assertThat(r[0]).isEqualTo(1.1419053f); // new Random(42).nextGaussian() = 1.1419053154730547
    assertThat(r[0]).isEqualTo((float) random.nextGaussian());
    assertThat(r[64]).isEqualTo((float) random.nextGaussian());
    assertThat(r[128]).isEqualTo((float) random.nextGaussian());
    assertThat(r[1]).isEqualTo((float) random.nextGaussian());
    // planes for 128 bits start with the planes for 64 bits
    float[] wide = SimHash.planes(42, 3, 128);
    for (int i = 0; i < 3; i++) {
      assertThat(Arrays.copyOfRange(wide, i * 128, i * 128 + 64)).containsExactly(Arrays.copyOfRange(r, i * 64, i * 64 + 64));
    }
    assertThat(SimHash.planes(43, 3, 64)).isNotEqualTo(r);
    assertThat(SimHash.planes(1, 0, 64)).isEmpty();
  }

  @Test
  void distancesOfHandPickedSignatures() {
    for (int m : BITS) {
      int words = m / 64;
      SplittableRandom random = new SplittableRandom(m);
      long[] q = new long[words];
      long[] sigs = new long[3 * words];
      for (int w = 0; w < words; w++) {
        q[w] = random.nextLong();
        sigs[w] = q[w];                 // itself: 0
        sigs[words + w] = ~q[w];        // complement: m
        sigs[2 * words + w] = q[w] ^ (w == 0 ? 0b1011L : 1L << 63); // 3 bits in word 0, 1 in the others
      }
      int[] expected = {0, m, 3 + (words - 1)};
      int[] out = new int[3];
      Hamming.distances(q, 0, sigs, 0, 3, m, out, 0);
      assertThat(out).as("m=" + m).containsExactly(expected);
      int[] blockedOut = new int[3];
      Hamming.distances(q, 0, Hamming.block(sigs, 0, 3, m), blockedOut, 0);
      assertThat(blockedOut).as("blocked m=" + m).containsExactly(expected);
    }
  }

  @Test
  void topKBreaksTiesByLowerPositionAndPadsPastValid() {
    // query 0; distances 0, 1, 2, 1, 8, 1, 0
    long[] sigs = {0L, 1L, 3L, 1L << 40, 0xFFL, 1L << 63, 0L};
    long[] q = {0L};
    int[] idx = new int[5];
    int[] dist = new int[5];
    int[] scratch = new int[Hamming.topKScratchSize(1, 7, 64, 5)];
    assertThat(Hamming.topK(q, 0, 1, sigs, 0, 7, 7, 64, 3, idx, 0, dist, 0, scratch, 0)).isEqualTo(3);
    assertThat(Arrays.copyOf(idx, 3)).containsExactly(0, 6, 1);
    assertThat(Arrays.copyOf(dist, 3)).containsExactly(0, 0, 1);
    Hamming.topK(q, 0, 1, sigs, 0, 7, 7, 64, 5, idx, 0, dist, 0, scratch, 0);
    assertThat(idx).containsExactly(0, 6, 1, 3, 5);
    assertThat(dist).containsExactly(0, 0, 1, 1, 1);
    // only the first 4 positions are valid; k = 5 > valid leaves one padded slot
    assertThat(Hamming.topK(q, 0, 1, sigs, 0, 7, 4, 64, 5, idx, 0, dist, 0, scratch, 0)).isEqualTo(4);
    assertThat(idx).containsExactly(0, 1, 3, 2, -1);
    assertThat(dist).containsExactly(0, 1, 1, 2, 65);
    // the same through a block, with distances not wanted, and with the smallest scratch
    Arrays.fill(idx, 99);
    Hamming.topK(q, 0, 1, Hamming.block(sigs, 0, 7, 64), 4, 5, idx, 0, null, 0, scratch, 0);
    assertThat(idx).containsExactly(0, 1, 3, 2, -1);
    Arrays.fill(idx, 99);
    int[] small = new int[Hamming.topKScratchSize(1, 64)];
    assertThat(small).hasSizeLessThan(scratch.length);
    Hamming.topK(q, 0, 1, sigs, 0, 7, 4, 64, 5, idx, 0, dist, 0, small, 0);
    assertThat(idx).containsExactly(0, 1, 3, 2, -1);
    assertThat(dist).containsExactly(0, 1, 1, 2, 65);
  }

  @Test
  void emptyInputsAreDefined() {
    int[] idx = {7, 7, 7, 7};
    int[] dist = {7, 7, 7, 7};
    long[] q = new long[4];
    int[] scratch = new int[Hamming.topKScratchSize(2, 3, 128, 2)];
    // L = 0: every slot is padding
    assertThat(Hamming.topK(q, 0, 2, new long[0], 0, 0, 0, 128, 2, idx, 0, dist, 0, scratch, 0)).isZero();
    assertThat(idx).containsOnly(-1);
    assertThat(dist).containsOnly(129);
    // valid = 0 with signatures present: likewise
    Arrays.fill(idx, 7);
    Hamming.topK(q, 0, 2, new long[6], 0, 3, 0, 128, 2, idx, 0, dist, 0, scratch, 0);
    assertThat(idx).containsOnly(-1);
    // no queries: nothing written, no scratch needed
    int[] untouched = {5};
    assertThat(Hamming.topKScratchSize(0, 2, 64, 1)).isZero();
    Hamming.topK(new long[0], 0, 0, new long[2], 0, 2, 2, 64, 1, untouched, 0, null, 0, new int[0], 0);
    assertThat(untouched).containsExactly(5);
    Hamming.distances(q, 0, new long[0], 0, 0, 64, new int[0], 0);
    SimHash.signatures(new float[0], 0, 0, 4, new float[4 * 64], 0, 64, new long[0], 0, new float[0], 0);
    assertThat(Hamming.block(new long[0], 0, 0, 64).count()).isZero();
  }

  // ---------------------------------------------------------------- definition vs backends

  @Test
  void signaturesMatchTheSignOfTheProjectionOnBothBackends() {
    HashingKernels scalar = BackendPair.SCALAR.hashing();
    HashingKernels vector = BackendPair.vector().hashing();
    SplittableRandom random = new SplittableRandom(3);
    int[] rowsList = {1, 7, 17, 63, 65, 200};
    int[] dims = {1, 7, 16, 64, 65};
    for (int m : BITS) {
      for (int d : dims) {
        for (int rows : rowsList) {
          checkSignatures(scalar, vector, random, m, d, rows);
        }
      }
    }
  }

  /** Both backends' signatures of random rows carry the sign of the float64 projection. */
  static void checkSignatures(HashingKernels scalar, HashingKernels vector, SplittableRandom random, int m, int d,
                              int rows) {
    int xOff = random.nextInt(5);
    int pOff = random.nextInt(5);
    int sOff = random.nextInt(5);
    int scOff = random.nextInt(5);
    float[] x = uniform(random, xOff + rows * d);
    float[] planes = new float[pOff + d * m];
    System.arraycopy(SimHash.planes(random.nextLong(), d, m), 0, planes, pOff, d * m);
    int words = m / 64;
    long[] ss = new long[sOff + rows * words + 2];
    long[] vs = new long[sOff + rows * words + 2];
    float[] scratch = new float[scOff + SimHash.signaturesScratchSize(rows, m)];
    scalar.signatures(x, xOff, rows, d, planes, pOff, m, ss, sOff, scratch, scOff);
    vector.signatures(x, xOff, rows, d, planes, pOff, m, vs, sOff, scratch, scOff);
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < m; k++) {
        double p = 0;
        double scale = 0;
        for (int i = 0; i < d; i++) {
          double term = (double) x[xOff + r * d + i] * planes[pOff + i * m + k];
          p += term;
          scale += Math.abs(term);
        }
        int at = sOff + r * words + k / 64;
        boolean sBit = (ss[at] >>> (k & 63) & 1) != 0;
        boolean vBit = (vs[at] >>> (k & 63) & 1) != 0;
        // a float32 projection within rounding of 0 may take either sign: summation order
        if (Math.abs(p) > 1e-5 * scale) {
          String what = "m=" + m + " d=" + d + " rows=" + rows + " row " + r + " bit " + k + " projection " + p;
          assertThat(sBit).as("scalar " + what).isEqualTo(p > 0);
          assertThat(vBit).as("vector " + what).isEqualTo(p > 0);
        }
      }
    }
    assertThat(Arrays.copyOf(vs, sOff)).as("before the output").isEqualTo(new long[sOff]);
    assertThat(Arrays.copyOfRange(vs, sOff + rows * words, vs.length)).as("after the output").isEqualTo(new long[2]);
  }

  @Test
  void vectorPackSignsEqualsScalarExactly() {
    HashingKernels scalar = BackendPair.SCALAR.hashing();
    HashingKernels vector = BackendPair.vector().hashing();
    SplittableRandom random = new SplittableRandom(4);
    for (int words : new int[] {1, 2, 3, 4, 7, 17, 65}) {
      int off = random.nextInt(17);
      float[] v = uniform(random, off + 64 * words);
      for (int i = 0; i < v.length; i += 1 + random.nextInt(9)) {
        v[i] = i % 3 == 0 ? 0f : -0f;
      }
      long[] s = new long[words + 1];
      long[] t = new long[words + 1];
      scalar.packSigns(v, off, 64 * words, s, 1);
      vector.packSigns(v, off, 64 * words, t, 1);
      assertThat(t).as("words=" + words).containsExactly(s);
    }
  }

  @Test
  void distancesAgreeAcrossBackendsAndLayouts() {
    HashingKernels scalar = BackendPair.SCALAR.hashing();
    HashingKernels vector = BackendPair.vector().hashing();
    SplittableRandom random = new SplittableRandom(5);
    for (int m : BITS) {
      int words = m / 64;
      for (int count : COUNTS) {
        int qOff = random.nextInt(3);
        int sOff = random.nextInt(9);
        int bOff = random.nextInt(9);
        int oOff = random.nextInt(5);
        long[] q = randomLongs(random, qOff + words);
        long[] sigs = randomLongs(random, sOff + count * words);
        long[] blocked = new long[bOff + Hamming.blockedLength(count, m) + 3];
        Hamming.toBlocked(sigs, sOff, count, m, blocked, bOff);
        int[] naive = new int[oOff + count];
        for (int l = 0; l < count; l++) {
          for (int w = 0; w < words; w++) {
            naive[oOff + l] += Long.bitCount(q[qOff + w] ^ sigs[sOff + l * words + w]);
          }
        }
        String what = "m=" + m + " count=" + count;
        for (HashingKernels kernels : new HashingKernels[] {scalar, vector}) {
          int[] out = new int[oOff + count];
          kernels.distances(q, qOff, sigs, sOff, count, m, out, oOff);
          assertThat(out).as(what).containsExactly(naive);
          int[] outBlocked = new int[oOff + count + 1];
          outBlocked[oOff + count] = -7;
          kernels.distancesBlocked(q, qOff, blocked, bOff, count, m, outBlocked, oOff);
          assertThat(Arrays.copyOf(outBlocked, oOff + count)).as("blocked " + what).containsExactly(naive);
          assertThat(outBlocked[oOff + count]).as("past the end " + what).isEqualTo(-7);
        }
      }
    }
  }

  @Test
  void topKMatchesAStableSortOnBothBackendsAndLayouts() {
    HashingKernels scalar = BackendPair.SCALAR.hashing();
    HashingKernels vector = BackendPair.vector().hashing();
    SplittableRandom random = new SplittableRandom(6);
    for (int m : BITS) {
      for (int count : COUNTS) {
        int b = 1 + random.nextInt(count > 1000 ? 3 : 20); // up to 20 > QUERY_GROUP queries
        for (int k : new int[] {1, 5, 50, Math.max(1, count), count + 3}) {
          int valid = random.nextInt(4) == 0 ? random.nextInt(count + 1) : count;
          checkTopK(scalar, vector, random, m, count, valid, b, k, random.nextInt(4));
        }
      }
    }
  }

  /** Histories longer than the vector backend's tiles (16384 one-word, 4096 four-word candidates), groups of queries. */
  @Test
  void topKAcrossTilesAndQueryGroups() {
    HashingKernels scalar = BackendPair.SCALAR.hashing();
    HashingKernels vector = BackendPair.vector().hashing();
    SplittableRandom random = new SplittableRandom(7);
    for (int m : new int[] {64, 192, 256}) {
      for (int b : new int[] {2, 17}) {
        for (int k : new int[] {1, 50}) {
          checkTopK(scalar, vector, random, m, 20_011, 20_011 - random.nextInt(2) * 7, b, k, random.nextInt(3));
        }
      }
    }
  }

  /**
   * A later group of queries whose k-th distances lie far above the first group's (the vector
   * backend starts a group's cutoff from the previous group's and must notice when that is too low),
   * and the reverse.
   */
  @Test
  void topKWhenQueryGroupsDifferWidely() {
    HashingKernels scalar = BackendPair.SCALAR.hashing();
    HashingKernels vector = BackendPair.vector().hashing();
    SplittableRandom random = new SplittableRandom(8);
    for (int m : new int[] {64, 256}) {
      int words = m / 64;
      int count = 2000;
      long[] sigs = randomLongs(random, count * words);
      int b = 40;
      long[] near = new long[b * words];
      long[] far = new long[b * words];
      for (int i = 0; i < b; i++) {
        int copy = random.nextInt(count);
        for (int w = 0; w < words; w++) {
          // a copy of some candidate with one bit flipped: k-th distance small
          near[i * words + w] = sigs[copy * words + w] ^ (w == 0 ? 1L << random.nextInt(64) : 0L);
          // the complement of one: k-th distance close to m
          far[i * words + w] = ~sigs[copy * words + w];
        }
      }
      long[] nearThenFar = new long[b * words];
      long[] farThenNear = new long[b * words];
      int first = 16 * words; // the first group of 16 queries
      System.arraycopy(near, 0, nearThenFar, 0, first);
      System.arraycopy(far, first, nearThenFar, first, b * words - first);
      System.arraycopy(far, 0, farThenNear, 0, first);
      System.arraycopy(near, first, farThenNear, first, b * words - first);
      for (long[] queries : new long[][] {nearThenFar, farThenNear}) {
        for (int k : new int[] {1, 10, 100}) {
          compareTopK(scalar, vector, queries, 0, b, sigs, 0, count, count, m, k, "groups m=" + m + " k=" + k);
          compareTopK(scalar, vector, queries, 0, b, sigs, 0, count, 5, m, k, "groups valid=5 m=" + m + " k=" + k);
        }
      }
    }
  }

  @Test
  void topKSurvivesAdversarialOrders() {
    HashingKernels scalar = BackendPair.SCALAR.hashing();
    HashingKernels vector = BackendPair.vector().hashing();
    for (int m : new int[] {64, 256}) {
      int words = m / 64;
      int count = 3000;
      long[] q = new long[words];
      // distances falling from m to 0 along the positions, then all equal: every candidate admitted
      long[] falling = new long[count * words];
      long[] equal = new long[count * words];
      for (int l = 0; l < count; l++) {
        int bits = m - (int) ((long) l * (m + 1) / count);
        for (int j = 0; j < bits; j++) {
          falling[l * words + j / 64] |= 1L << (j % 64);
        }
        equal[l * words] = 0b111L;
      }
      for (long[] sigs : new long[][] {falling, equal}) {
        for (int k : new int[] {1, 7, 64, 2999, 3000, 3001}) {
          compareTopK(scalar, vector, q, 0, 1, sigs, 0, count, count, m, k, "adversarial m=" + m + " k=" + k);
          compareTopK(scalar, vector, q, 0, 1, sigs, 0, count, count / 2 + 1, m, k, "adversarial half m=" + m);
        }
      }
    }
  }

  /**
   * Random signatures with few differing bits (many equal distances, so ties at the cutoff are
   * the rule), or plain random ones; both backends, both layouts, against a stable sort.
   */
  private static void checkTopK(HashingKernels scalar, HashingKernels vector, SplittableRandom random,
                                int m, int count, int valid, int b, int k, int flavour) {
    int words = m / 64;
    int qOff = random.nextInt(3);
    int sOff = random.nextInt(9);
    long[] queries = new long[qOff + b * words];
    long[] sigs = new long[sOff + count * words];
    long[] base = randomLongs(random, words);
    for (int i = 0; i < b; i++) {
      for (int w = 0; w < words; w++) {
        queries[qOff + i * words + w] = base[w] ^ sparse(random, flavour);
      }
    }
    for (int l = 0; l < count; l++) {
      for (int w = 0; w < words; w++) {
        sigs[sOff + l * words + w] = base[w] ^ sparse(random, flavour);
      }
    }
    compareTopK(scalar, vector, queries, qOff, b, sigs, sOff, count, valid, m, k,
        "m=" + m + " count=" + count + " valid=" + valid + " b=" + b + " k=" + k + " flavour=" + flavour);
  }

  private static void compareTopK(HashingKernels scalar, HashingKernels vector, long[] queries, int qOff, int b,
                                  long[] sigs, int sOff, int count, int valid, int m, int k, String what) {
    int words = m / 64;
    int[] expectedIdx = new int[b * k];
    int[] expectedDist = new int[b * k];
    for (int i = 0; i < b; i++) {
      int qi = qOff + i * words;
      int[] dist = new int[valid];
      for (int l = 0; l < valid; l++) {
        for (int w = 0; w < words; w++) {
          dist[l] += Long.bitCount(queries[qi + w] ^ sigs[sOff + l * words + w]);
        }
      }
      // sorting (distance, position) pairs: smaller distance first, then the lower position
      long[] keys = new long[valid];
      for (int l = 0; l < valid; l++) {
        keys[l] = (long) dist[l] << 32 | l;
      }
      Arrays.sort(keys);
      for (int s = 0; s < k; s++) {
        expectedIdx[i * k + s] = s < valid ? (int) keys[s] : -1;
        expectedDist[i * k + s] = s < valid ? (int) (keys[s] >>> 32) : m + 1;
      }
    }
    long[] blocked = new long[5 + Hamming.blockedLength(count, m)];
    Hamming.toBlocked(sigs, sOff, count, m, blocked, 5);
    int onePass = Hamming.topKScratchSize(b, count, m, k);
    int minimal = Hamming.topKScratchSize(b, m);
    for (HashingKernels kernels : new HashingKernels[] {scalar, vector}) {
      for (boolean useBlocked : new boolean[] {false, true}) {
        // the minimal scratch: two passes; the larger one: one pass
        for (int scratchSize : kernels == scalar ? new int[] {minimal} : new int[] {minimal, onePass}) {
          int iOff = 2;
          int dOff = 3;
          int[] idx = new int[iOff + b * k + 1];
          int[] dist = new int[dOff + b * k + 1];
          Arrays.fill(idx, -9);
          Arrays.fill(dist, -9);
          int[] scratch = new int[1 + scratchSize];
          Arrays.fill(scratch, 12345); // stale scratch must not matter
          if (useBlocked) {
            kernels.topKBlocked(queries, qOff, b, blocked, 5, count, valid, m, k, idx, iOff, dist, dOff, scratch, 1,
                scratchSize);
          } else {
            kernels.topK(queries, qOff, b, sigs, sOff, count, valid, m, k, idx, iOff, dist, dOff, scratch, 1,
                scratchSize);
          }
          String label = (kernels == scalar ? "scalar " : "vector ") + (useBlocked ? "blocked " : "rows ")
              + (scratchSize == minimal ? "two-pass " : "one-pass ") + what;
          assertThat(Arrays.copyOfRange(idx, iOff, iOff + b * k)).as("indices " + label).containsExactly(expectedIdx);
          assertThat(Arrays.copyOfRange(dist, dOff, dOff + b * k)).as("distances " + label)
              .containsExactly(expectedDist);
          assertThat(idx[0]).isEqualTo(-9);
          assertThat(idx[iOff + b * k]).isEqualTo(-9);
          assertThat(dist[dOff + b * k]).isEqualTo(-9);
        }
      }
    }
  }

  private static long sparse(SplittableRandom random, int flavour) {
    return switch (flavour) {
      case 0 -> random.nextLong();                                   // plain random: distances near m/2
      case 1 -> random.nextLong() & random.nextLong() & random.nextLong(); // about 8 bits per word differ
      case 2 -> 1L << random.nextInt(64) | 1L << random.nextInt(64); // at most 2 bits: heavy ties
      default -> random.nextInt(4) == 0 ? 1L << random.nextInt(64) : 0L; // mostly identical
    };
  }

  private static long[] randomLongs(SplittableRandom random, int n) {
    long[] values = new long[n];
    for (int i = 0; i < n; i++) {
      values[i] = random.nextLong();
    }
    return values;
  }

  @Test
  void blockedLayoutPlacesWordsWordMajorPerBlockOfEight() {
    int m = 128;
    long[] sigs = new long[10 * 2];
    for (int i = 0; i < 10; i++) {
      sigs[2 * i] = 100 + i;
      sigs[2 * i + 1] = 200 + i;
    }
    assertThat(Hamming.blockedLength(10, m)).isEqualTo(32);
    long[] blocked = new long[33];
    Arrays.fill(blocked, -1);
    Hamming.toBlocked(sigs, 0, 10, m, blocked, 1);
    assertThat(blocked).containsExactly(-1,
        100, 101, 102, 103, 104, 105, 106, 107, 200, 201, 202, 203, 204, 205, 206, 207,
        108, 109, 0, 0, 0, 0, 0, 0, 208, 209, 0, 0, 0, 0, 0, 0);
    assertThat(SignatureLayout.at(1, 9, 1, 2)).isEqualTo(1 + 16 + 8 + 1);
    SignatureBlock block = Hamming.block(sigs, 0, 10, m);
    assertThat(block.count()).isEqualTo(10);
    assertThat(block.bits()).isEqualTo(128);
    assertThat(block.words()).isEqualTo(2);
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void badArgumentsNameTheArgumentAndTheValues() {
    assertThatThrownBy(() -> SimHash.planes(1, 4, 100)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("m (signature bits) must be a positive multiple of 64, got 100");
    assertThatThrownBy(() -> SimHash.words(0)).hasMessageContaining("positive multiple of 64, got 0");
    assertThatThrownBy(() -> SimHash.words(-64)).hasMessageContaining("got -64");
    assertThatThrownBy(() -> SimHash.planes(1, -1, 64)).hasMessageContaining("d must be >= 0, got -1");
    assertThatThrownBy(() -> SimHash.signatures(new float[7], 0, 2, 4, new float[256], 0, 64, new long[2], 0,
        new float[128], 0)).hasMessageContaining("x needs 8 elements").hasMessageContaining("length is 7");
    assertThatThrownBy(() -> SimHash.signatures(new float[8], 0, 2, 4, new float[255], 0, 64, new long[2], 0,
        new float[128], 0)).hasMessageContaining("planes needs 256 elements");
    assertThatThrownBy(() -> SimHash.signatures(new float[8], 0, 2, 4, new float[256], 0, 64, new long[2], 1,
        new float[128], 0)).hasMessageContaining("signatures needs 2 elements from offset 1");
    assertThatThrownBy(() -> SimHash.signatures(new float[8], 0, 2, 4, new float[256], 0, 64, new long[2], 0,
        new float[127], 0)).hasMessageContaining("scratch needs 128 elements");
    assertThatThrownBy(() -> SimHash.signatures(new float[8], 0, 2, 4, new float[256], 0, 96, new long[2], 0,
        new float[128], 0)).hasMessageContaining("got 96");
    float[] shared = new float[300];
    assertThatThrownBy(() -> SimHash.signatures(shared, 0, 2, 4, new float[256], 0, 64, new long[2], 0, shared, 4))
        .hasMessageContaining("scratch [4, 132) must not overlap x [0, 8)");
    assertThatThrownBy(() -> SimHash.packSigns(new float[64], 0, 63, new long[1], 0))
        .hasMessageContaining("n must be a multiple of 64, got 63");
    assertThatThrownBy(() -> SimHash.signaturesScratchSize(-1, 64)).hasMessageContaining("rows must be >= 0, got -1");

    long[] q = new long[4];
    long[] sigs = new long[40];
    int[] idx = new int[20];
    int[] scratch = new int[Hamming.topKScratchSize(2, 20, 128, 5)];
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 128, 0, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("k must be > 0, got 0");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 128, -3, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("k must be > 0, got -3");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, 21, 128, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("valid must be in [0, 20], got 21");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, -1, 128, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("valid must be in [0, 20], got -1");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 21, 20, 128, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("signatures needs 42 elements").hasMessageContaining("length is 40");
    assertThatThrownBy(() -> Hamming.topK(q, 1, 2, sigs, 0, 20, 20, 128, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("queries needs 4 elements from offset 1");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 128, 11, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("indices needs 22 elements");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 128, 5, idx, 0, new int[9], 0, scratch, 0))
        .hasMessageContaining("distances needs 10 elements");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 128, 5, idx, 0, idx, 5, scratch, 0))
        .hasMessageContaining("distances [5, 15) must not overlap indices [0, 10)");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 128, 5, idx, 0, null, 0, new int[10], 0))
        .hasMessageContaining("scratch needs " + Hamming.topKScratchSize(2, 128) + " elements");
    assertThat(Hamming.topKScratchSize(2, 128)).isEqualTo(2 * (128 + 5));
    int[] big = new int[400];
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 128, 5, big, 0, null, 0, big, 9))
        .hasMessageContaining("scratch [9, 275) must not overlap indices [0, 10)");
    // the one-pass room past the minimal scratch would reach the outputs: the minimal is used, no error
    int[] sharedInts = new int[400];
    int[] alone = new int[10];
    Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 128, 5, sharedInts, 280, null, 0, sharedInts, 0);
    Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 128, 5, alone, 0, null, 0, new int[400], 0);
    assertThat(Arrays.copyOfRange(sharedInts, 280, 290)).containsExactly(alone);
    assertThatThrownBy(() -> Hamming.topK(q, 0, -1, sigs, 0, 20, 20, 128, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("b must be >= 0, got -1");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, -2, 0, 128, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("count must be >= 0, got -2");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, sigs, 0, 20, 20, 130, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("positive multiple of 64, got 130");
    SignatureBlock block = Hamming.block(sigs, 0, 20, 128);
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, block, 21, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("valid must be in [0, 20], got 21");
    assertThatThrownBy(() -> Hamming.topK(q, 0, 2, null, 1, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("block must not be null");
    assertThatThrownBy(() -> Hamming.topKBlocked(q, 0, 2, new long[23], 0, 20, 20, 64, 5, idx, 0, null, 0, scratch, 0))
        .hasMessageContaining("blocked needs 24 elements");
    assertThatThrownBy(() -> Hamming.distances(q, 0, sigs, 0, 20, 128, new int[19], 0))
        .hasMessageContaining("out needs 20 elements");
    assertThatThrownBy(() -> Hamming.distances(q, 3, sigs, 0, 20, 128, new int[20], 0))
        .hasMessageContaining("query needs 2 elements from offset 3");
    assertThatThrownBy(() -> Hamming.distancesBlocked(q, 0, new long[31], 0, 10, 128, new int[10], 0))
        .hasMessageContaining("blocked needs 32 elements");
    assertThatThrownBy(() -> Hamming.toBlocked(sigs, 0, 20, 128, new long[39], 0))
        .hasMessageContaining("dst needs 48 elements");
    assertThatThrownBy(() -> Hamming.toBlocked(sigs, 0, 10, 128, sigs, 8))
        .hasMessageContaining("dst [8, 40) must not overlap signatures [0, 20)");
    assertThatThrownBy(() -> Hamming.blockedLength(-1, 64)).hasMessageContaining("count must be >= 0, got -1");
    assertThatThrownBy(() -> Hamming.topKScratchSize(1, 10, 65, 5)).hasMessageContaining("got 65");
    assertThatThrownBy(() -> Hamming.topKScratchSize(1, 65)).hasMessageContaining("got 65");
    assertThatThrownBy(() -> Hamming.topKScratchSize(-1, 64)).hasMessageContaining("queries must be >= 0, got -1");
    assertThatThrownBy(() -> Hamming.topKScratchSize(1, 10, 64, 0)).hasMessageContaining("k must be > 0, got 0");
  }
}
