package io.github.seqrec.kernels;

import static io.github.seqrec.kernels.TestArrays.assertClose;
import static io.github.seqrec.kernels.TestArrays.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.internal.AttentionKernels;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AttentionTest {
  /** Outputs are convex combinations of values in [-1, 1]: absolute scale 1. */
  private static final double TOL = 1e-5;
  private static final int[] LENGTHS = {0, 1, 7, 15, 16, 17, 63, 65, 1000, 4097};

  // ---------------------------------------------------------------------------------------------
  // Hand-checked cases

  @Test
  void targetAttentionOneHeadTwoKeysByHand() {
    // q = [1, 0]; k = [[1, 0], [0, 1]]; v = [[1, 2], [3, 4]]; scale 1/sqrt(2).
    // logits [1/sqrt 2, 0] -> w0 = e^(1/sqrt 2) / (e^(1/sqrt 2) + 1), out = w0 v0 + (1 - w0) v1.
    float[] q = {1, 0};
    float[] k = {1, 0, 0, 1};
    float[] v = {1, 2, 3, 4};
    double e = Math.exp(1 / Math.sqrt(2));
    double w0 = e / (e + 1);
    float[] expected = {(float) (w0 * 1 + (1 - w0) * 3), (float) (w0 * 2 + (1 - w0) * 4)};
    for (AttentionKernels kernels : backends()) {
      float[] out = new float[2];
      kernels.targetAttention(q, 0, 1, k, 0, v, 0, 2, 2, 1, 2, 2, Attention.defaultScale(2), null, 0, 0, 0,
          out, 0, new float[Attention.targetAttentionScratchSize(1, 2, 1, 2)], 0);
      assertClose("out", expected, out, 1e-6, 1);
    }
    float[] out = new float[2];
    Attention.targetAttention(q, 0, 1, k, 0, v, 0, 2, 2, 1, 2, 2, out, 0,
        new float[Attention.targetAttentionScratchSize(1, 2, 1, 2)], 0);
    assertClose("facade out", expected, out, 1e-6, 1);
  }

  @Test
  void biasIsAddedAfterTheScale() {
    // scale 1: logits [1, 0] + bias [0, 1] = [1, 1] -> equal weights, out = (v0 + v1) / 2 = [2, 3].
    float[] q = {1, 0};
    float[] k = {1, 0, 0, 1};
    float[] v = {1, 2, 3, 4};
    for (AttentionKernels kernels : backends()) {
      float[] out = new float[2];
      kernels.targetAttention(q, 0, 1, k, 0, v, 0, 2, 2, 1, 2, 2, 1f, new float[] {9, 0, 1}, 1, 0, 0,
          out, 0, new float[Attention.targetAttentionScratchSize(1, 2, 1, 2)], 0);
      assertClose("out", new float[] {2, 3}, out, 1e-6, 1);
    }
  }

  @Test
  void emptyHistoryGivesZeroRowsNeverNaN() {
    float[] q = {1, 2, 3, 4};
    float[] k = {5, 6, 7, 8};
    float[] v = {1, 1, 1, 1};
    for (AttentionKernels kernels : backends()) {
      float[] out = TestArrays.filled(4, Float.NaN);
      kernels.targetAttention(q, 0, 2, k, 0, v, 0, 2, 0, 1, 2, 2, 1f, null, 0, 0, 0, out, 0,
          new float[Attention.targetAttentionScratchSize(2, 2, 1, 2)], 0);
      assertThat(out).containsOnly(0f);
      // valid = 1: the one key gets weight 1, whatever its logit.
      kernels.targetAttention(q, 0, 2, k, 0, new float[] {7, -7, 99, 99}, 0, 2, 1, 1, 2, 2, 1f, null, 0, 0, 0, out, 0,
          new float[Attention.targetAttentionScratchSize(2, 2, 1, 2)], 0);
      assertThat(out).containsExactly(7, -7, 7, -7);

      float[] raw = TestArrays.filled(4, Float.NaN);
      kernels.targetScores(q, 0, 2, k, 0, 2, 0, 1, 2, 1f, null, 0, 0, 0, false, raw, 0, new float[4], 0);
      assertThat(raw).containsOnly(Float.NEGATIVE_INFINITY);
      float[] weights = TestArrays.filled(4, Float.NaN);
      kernels.targetScores(q, 0, 2, k, 0, 2, 0, 1, 2, 1f, null, 0, 0, 0, true, weights, 0, new float[4], 0);
      assertThat(weights).containsOnly(0f);

      float[] self = TestArrays.filled(4, Float.NaN);
      kernels.selfAttention(q, 0, 2, k, 0, 2, v, 0, 2, 2, 0, 1, 2, 2, true, 1f, null, 0, 0, self, 0, 2,
          new float[Attention.selfAttentionScratchSize(2, 1, 2)], 0);
      assertThat(self).containsOnly(0f);
    }
    // L = 0 and B = 0 are no-ops that accept empty arrays and no scratch.
    Attention.targetAttention(new float[0], 0, 0, new float[0], 0, new float[0], 0, 0, 0, 2, 4, 4, new float[0], 0, null, 0);
    float[] out = TestArrays.filled(8, Float.NaN);
    Attention.targetAttention(new float[8], 0, 1, new float[0], 0, new float[0], 0, 0, 0, 2, 4, 4, out, 0, null, 0);
    assertThat(out).containsOnly(0f);
  }

  @Test
  void scoresRawAndSoftmaxByHand() {
    // 2 heads of dk = 1: q = [1, 2]; keys [[1, 1], [2, -1], [5, 5]] with valid = 2; scale 1.
    // head 0 logits [1, 2], head 1 logits [2, -2]; position 2 is past valid.
    float[] q = {1, 2};
    float[] k = {1, 1, 2, -1, 5, 5};
    for (AttentionKernels kernels : backends()) {
      float[] raw = new float[6];
      kernels.targetScores(q, 0, 1, k, 0, 3, 2, 2, 1, 1f, null, 0, 0, 0, false, raw, 0, new float[6], 0);
      assertThat(raw).containsExactly(1, 2, Float.NEGATIVE_INFINITY, 2, -2, Float.NEGATIVE_INFINITY);
      float[] w = new float[6];
      kernels.targetScores(q, 0, 1, k, 0, 3, 2, 2, 1, 1f, null, 0, 0, 0, true, w, 0, new float[6], 0);
      double a = 1 / (1 + Math.exp(1));
      double c = 1 / (1 + Math.exp(-4));
      assertClose("weights", new float[] {(float) a, (float) (1 - a), 0, (float) c, (float) (1 - c), 0}, w, 1e-6, 1);

      // Pooling with those weights over values [[1, 10], [2, 20], [99, 99]] (dv = 1 per head).
      float[] out = new float[2];
      kernels.pool(w, 0, 1, new float[] {1, 10, 2, 20, 99, 99}, 0, 3, 2, 2, 1, out, 0);
      assertClose("pooled", new float[] {(float) (a + 2 * (1 - a)), (float) (10 * c + 20 * (1 - c))}, out, 1e-6, 1);
    }
  }

  @Test
  void selfAttentionCausalByHand() {
    // One head, dk = dv = 1, scale 1: q = k = [1, 2], v = [10, 20].
    // Causal: row 0 sees key 0 only -> 10; row 1 sees logits [2, 4] -> 10 w + 20 (1 - w).
    // Bidirectional: row 0 sees logits [1, 2].
    float[] x = {1, 2};
    float[] v = {10, 20};
    double w1 = 1 / (1 + Math.exp(2));
    double w0 = 1 / (1 + Math.exp(1));
    for (AttentionKernels kernels : backends()) {
      float[] out = new float[2];
      float[] scratch = new float[Attention.selfAttentionScratchSize(2, 1, 1)];
      kernels.selfAttention(x, 0, 1, x, 0, 1, v, 0, 1, 2, 2, 1, 1, 1, true, 1f, null, 0, 0, out, 0, 1, scratch, 0);
      assertClose("causal", new float[] {10, (float) (10 * w1 + 20 * (1 - w1))}, out, 1e-6, 1);
      kernels.selfAttention(x, 0, 1, x, 0, 1, v, 0, 1, 2, 2, 1, 1, 1, false, 1f, null, 0, 0, out, 0, 1, scratch, 0);
      assertClose("bidirectional", new float[] {(float) (10 * w0 + 20 * (1 - w0)), (float) (10 * w1 + 20 * (1 - w1))},
          out, 1e-6, 1);
      // Key padding valid = 1: both rows see key 0 only (padded row 1 included, as nn.MultiheadAttention).
      kernels.selfAttention(x, 0, 1, x, 0, 1, v, 0, 1, 2, 1, 1, 1, 1, false, 1f, null, 0, 0, out, 0, 1, scratch, 0);
      assertThat(out).containsExactly(10, 10);
      // A bias of -10000 on key 1 (BERT's additive mask) moves row 0 to key 0.
      kernels.selfAttention(x, 0, 1, x, 0, 1, v, 0, 1, 2, 2, 1, 1, 1, false, 1f, new float[] {0, -10000, 0, 0}, 0, 0,
          out, 0, 1, scratch, 0);
      assertClose("masked row 0", 10, out[0], 1e-6, 1);
    }
  }

  @Test
  void dinUnitByHand() {
    // d = 1, one hidden layer of width 1: h = a q + b k + c (q - k) + e q k + b1, then identity
    // (or sigmoid), weight = wo h + bo. No softmax: positions >= valid get 0.
    float a = 0.5f, b = -1f, c = 2f, e = 0.25f, b1 = 0.1f, wo = 3f, bo = -0.5f;
    float[] q = {2f, -1f};
    float[] k = {1f, 4f, 7f};
    for (boolean sigmoid : new boolean[] {false, true}) {
      DinAttentionUnit unit = DinAttentionUnit.builder(1)
          .hidden(new float[] {a, b, c, e}, new float[] {b1}, 1,
              sigmoid ? Activation.sigmoid() : Activation.identity())
          .output(new float[] {wo}, new float[] {bo})
          .build();
      float[] expected = new float[6];
      for (int t = 0; t < 2; t++) {
        for (int j = 0; j < 2; j++) {
          double h = a * q[t] + b * k[j] + c * (q[t] - k[j]) + e * q[t] * k[j] + b1;
          if (sigmoid) {
            h = 1 / (1 + Math.exp(-h));
          }
          expected[t * 3 + j] = (float) (wo * h + bo);
        }
      }
      for (AttentionKernels kernels : backends()) {
        float[] w = TestArrays.filled(6, Float.NaN);
        kernels.dinScores(unit.unit(), q, 0, 2, k, 0, 3, 2, w, 0,
            new float[Attention.dinScoresScratchSize(unit, 2, 3)], 0);
        assertClose("din weights sigmoid=" + sigmoid, expected, w, 1e-6, 1);
      }
      float[] pooled = new float[2];
      Attention.dinAttention(unit, q, 0, 2, k, 0, 3, 2, pooled, 0, new float[Attention.dinAttentionScratchSize(unit, 2, 3)], 0);
      assertClose("din pooled", new float[] {expected[0] * 1 + expected[1] * 4, expected[3] * 1 + expected[4] * 4},
          pooled, 1e-6, 1);
    }
  }

  @Test
  void dinSoftmaxVariantNormalisesTheScaledLogits() {
    DinAttentionUnit unit = DinAttentionUnit.builder(1)
        .hidden(new float[] {1, 0, 0, 0}, null, 1, Activation.identity())
        .output(new float[] {1}, null)
        .softmax(0.5f)
        .build();
    // weight logits = q = 2 for every behaviour -> uniform over the valid 2 of 3.
    float[] w = new float[3];
    Attention.dinScores(unit, new float[] {2}, 0, 1, new float[] {1, 2, 3}, 0, 3, 2, w, 0,
        new float[Attention.dinScoresScratchSize(unit, 1, 3)], 0);
    assertClose("softmax", new float[] {0.5f, 0.5f, 0f}, w, 1e-6, 1);
    assertThat(unit.softmax()).isTrue();
    assertThat(unit.hiddenWidths()).containsExactly(1);
    assertThat(unit.embeddingWidth()).isEqualTo(1);
  }

  @Test
  void gatheredFormsAgreeWithAttentionOverTheGatheredRows() {
    SplittableRandom random = new SplittableRandom(11);
    int b = 5, n = 50, m = 9, heads = 2, dk = 3, dv = 4;
    float[] q = uniform(random, b * heads * dk);
    float[] k = uniform(random, n * heads * dk);
    float[] v = uniform(random, n * heads * dv);
    float[] bias = uniform(random, heads * n); // TWIN: per (head, behaviour)
    int[] index = new int[b * m];
    int[] count = {9, 0, 3, 9, 1};
    for (int i = 0; i < index.length; i++) {
      index[i] = random.nextInt(n);
    }
    float scale = 0.7f;
    float[] gathered = new float[b * heads * dv];
    Attention.targetAttentionGathered(q, 0, b, k, 0, v, 0, n, index, 0, m, count, 0, heads, dk, dv, scale,
        bias, 0, 0, n, gathered, 0, new float[Attention.targetAttentionGatheredScratchSize(b, m, heads)], 0);

    // Reference: per target, copy its rows and bias, and run the shared-history kernel.
    float[] expected = new float[b * heads * dv];
    for (int t = 0; t < b; t++) {
      int c = count[t];
      float[] kt = new float[c * heads * dk];
      float[] vt = new float[c * heads * dv];
      float[] bt = new float[heads * c];
      for (int j = 0; j < c; j++) {
        int r = index[t * m + j];
        System.arraycopy(k, r * heads * dk, kt, j * heads * dk, heads * dk);
        System.arraycopy(v, r * heads * dv, vt, j * heads * dv, heads * dv);
        for (int h = 0; h < heads; h++) {
          bt[h * c + j] = bias[h * n + r];
        }
      }
      Attention.targetAttention(q, t * heads * dk, 1, kt, 0, vt, 0, c, c, heads, dk, dv, scale, bt, 0, 0, c,
          expected, t * heads * dv, new float[Attention.targetAttentionScratchSize(1, c, heads, dk)], 0);
    }
    assertClose("gathered", expected, gathered, TOL, 1);

    // Scoring the whole history once and softmax-pooling the selected logits gives the same.
    float[] scores = new float[b * heads * n];
    Attention.targetScores(q, 0, b, k, 0, n, n, heads, dk, scale, bias, 0, 0, n, false, scores, 0,
        new float[Attention.targetScoresScratchSize(b, n, heads, dk)], 0);
    float[] reused = new float[b * heads * dv];
    Attention.softmaxPoolGathered(scores, 0, b, n, heads, v, 0, dv, index, 0, m, count, 0, reused, 0,
        new float[Attention.softmaxPoolGatheredScratchSize(b, m)], 0);
    assertClose("reused scores", expected, reused, TOL, 1);

    // Without an index, target t's rows are t m .. t m + m - 1.
    int[] identity = new int[b * m];
    for (int i = 0; i < identity.length; i++) {
      identity[i] = i;
    }
    float[] byIndex = new float[b * heads * dv];
    float[] contiguous = new float[b * heads * dv];
    float[] scratch = new float[Attention.targetAttentionGatheredScratchSize(b, m, heads)];
    Attention.targetAttentionGathered(q, 0, b, k, 0, v, 0, n, identity, 0, m, null, 0, heads, dk, dv, scale,
        null, 0, 0, 0, byIndex, 0, scratch, 0);
    Attention.targetAttentionGathered(q, 0, b, k, 0, v, 0, n, null, 0, m, null, 0, heads, dk, dv, scale,
        null, 0, 0, 0, contiguous, 0, scratch, 0);
    assertThat(contiguous).containsExactly(byIndex);
  }

  @Test
  void identicalKeysGetBitIdenticalLogitsWhereverTheySit() {
    // A top-k over the logits breaks ties by position, so a repeated behaviour must score exactly
    // the same in every slot, whichever GEMM tile (full, masked tail, 4-row or 1-row) it falls in.
    SplittableRandom random = new SplittableRandom(13);
    int b = 7, l = 101, heads = 2, dk = 24;
    float[] q = uniform(random, b * heads * dk);
    float[] k = uniform(random, l * heads * dk);
    float[] bias = TestArrays.filled(heads * l, 0.25f);
    int[] copies = {0, 1, 15, 16, 47, 48, 49, 95, 100};
    for (int slot : copies) {
      System.arraycopy(k, 3 * heads * dk, k, slot * heads * dk, heads * dk);
    }
    for (AttentionKernels kernels : backends()) {
      float[] scores = new float[b * heads * l];
      kernels.targetScores(q, 0, b, k, 0, l, l, heads, dk, 0.2f, bias, 0, 0, l, false, scores, 0,
          new float[Attention.targetScoresScratchSize(b, l, heads, dk)], 0);
      for (int row = 0; row < b * heads; row++) {
        for (int slot : copies) {
          assertThat(scores[row * l + slot]).as("row %d slot %d", row, slot).isEqualTo(scores[row * l + 3]);
        }
      }
    }
  }

  @Test
  void targetAttentionEqualsScoresThenPool() {
    SplittableRandom random = new SplittableRandom(12);
    int b = 70, l = 33, valid = 30, heads = 4, dk = 5, dv = 3;
    float[] q = uniform(random, b * heads * dk);
    float[] k = uniform(random, l * heads * dk);
    float[] v = uniform(random, l * heads * dv);
    float[] bias = uniform(random, b * heads * l);
    float[] out = new float[b * heads * dv];
    Attention.targetAttention(q, 0, b, k, 0, v, 0, l, valid, heads, dk, dv, 0.3f, bias, 0, heads * l, l, out, 0,
        new float[Attention.targetAttentionScratchSize(b, l, heads, dk)], 0);
    float[] w = new float[b * heads * l];
    Attention.targetScores(q, 0, b, k, 0, l, valid, heads, dk, 0.3f, bias, 0, heads * l, l, true, w, 0,
        new float[Attention.targetScoresScratchSize(b, l, heads, dk)], 0);
    float[] pooled = new float[b * heads * dv];
    Attention.pool(w, 0, b, v, 0, l, valid, heads, dv, pooled, 0);
    assertClose("scores + pool", out, pooled, TOL, 1);
  }

  // ---------------------------------------------------------------------------------------------
  // Vector against scalar

  @Test
  void vectorTargetAttentionMatchesScalarOnAwkwardShapes() {
    AttentionKernels scalar = BackendPair.SCALAR.attention();
    AttentionKernels vector = BackendPair.vector().attention();
    SplittableRandom random = new SplittableRandom(3);
    int[] heads = {1, 2, 4};
    int[] dims = {1, 7, 16, 17};
    int i = 0;
    for (int l : LENGTHS) {
      for (int b : TestArrays.SMALL_AWKWARD) {
        if ((long) b * l > 70_000) {
          continue;
        }
        i++;
        checkTarget(scalar, vector, random, b, l, heads[i % 3], dims[i % 4], dims[(i / 4) % 4]);
      }
    }
    checkTarget(scalar, vector, random, 100, 50, 4, 16, 16);
    checkTarget(scalar, vector, random, 130, 1000, 1, 64, 64);
    checkTarget(scalar, vector, random, 3, 4097, 2, 32, 32);
  }

  static void checkTarget(AttentionKernels scalar, AttentionKernels vector, SplittableRandom random,
                                  int b, int l, int heads, int dk, int dv) {
    int valid = l == 0 ? 0 : (random.nextInt(4) == 0 ? random.nextInt(l + 1) : l);
    float scale = (float) (random.nextDouble() * 2 / Math.sqrt(dk));
    int qOff = random.nextInt(5), kOff = random.nextInt(5), vOff = random.nextInt(5), outOff = random.nextInt(5);
    int biasOff = random.nextInt(5), scratchOff = random.nextInt(5);
    float[] q = uniform(random, qOff + b * heads * dk);
    float[] k = uniform(random, kOff + l * heads * dk);
    float[] v = uniform(random, vOff + l * heads * dv);
    int[] strides = biasStrides(random, b, heads, l);
    float[] bias = strides == null ? null
        : uniform(random, biasOff + Math.max(0, (b - 1) * strides[0] + (heads - 1) * strides[1] + l));
    int ts = strides == null ? 0 : strides[0];
    int hs = strides == null ? 0 : strides[1];
    String what = "target b=" + b + " l=" + l + " valid=" + valid + " heads=" + heads + " dk=" + dk + " dv=" + dv
        + " bias=" + Arrays.toString(strides);

    int scratchLen = scratchOff + Attention.targetAttentionScratchSize(b, l, heads, dk);
    float[] expected = TestArrays.filled(outOff + b * heads * dv, Float.NaN);
    float[] actual = expected.clone();
    scalar.targetAttention(q, qOff, b, k, kOff, v, vOff, l, valid, heads, dk, dv, scale, bias, biasOff, ts, hs,
        expected, outOff, TestArrays.filled(scratchLen, Float.NaN), scratchOff);
    vector.targetAttention(q, qOff, b, k, kOff, v, vOff, l, valid, heads, dk, dv, scale, bias, biasOff, ts, hs,
        actual, outOff, TestArrays.filled(scratchLen, Float.NaN), scratchOff);
    assertWritten(what, expected, outOff);
    assertClose(what, expected, actual, TOL, 1);

    int scoresLen = outOff + b * heads * l;
    int scoresScratch = scratchOff + Attention.targetScoresScratchSize(b, l, heads, dk);
    for (boolean softmax : new boolean[] {false, true}) {
      float[] se = TestArrays.filled(scoresLen, Float.NaN);
      float[] sa = se.clone();
      scalar.targetScores(q, qOff, b, k, kOff, l, valid, heads, dk, scale, bias, biasOff, ts, hs, softmax,
          se, outOff, TestArrays.filled(scoresScratch, Float.NaN), scratchOff);
      vector.targetScores(q, qOff, b, k, kOff, l, valid, heads, dk, scale, bias, biasOff, ts, hs, softmax,
          sa, outOff, TestArrays.filled(scoresScratch, Float.NaN), scratchOff);
      assertWritten(what + " scores", se, outOff);
      assertClose(what + " scores softmax=" + softmax, se, sa, TOL, softmax ? 1 : Math.sqrt(dk) * scale + 1);
      if (softmax) {
        float[] pe = TestArrays.filled(outOff + b * heads * dv, Float.NaN);
        float[] pa = pe.clone();
        scalar.pool(se, outOff, b, v, vOff, l, valid, heads, dv, pe, outOff);
        vector.pool(se, outOff, b, v, vOff, l, valid, heads, dv, pa, outOff);
        assertWritten(what + " pool", pe, outOff);
        assertClose(what + " pool", pe, pa, TOL, 1);
      }
    }
  }

  /** No bias, or one of the documented layouts: [L], [H x L], [B x L], [B x H x L]. */
  private static int[] biasStrides(SplittableRandom random, int b, int heads, int l) {
    return switch (random.nextInt(5)) {
      case 0 -> null;
      case 1 -> new int[] {0, 0};
      case 2 -> new int[] {0, l};
      case 3 -> new int[] {l, 0};
      default -> new int[] {heads * l, l};
    };
  }

  @Test
  void vectorSelfAttentionMatchesScalarOnAwkwardShapes() {
    AttentionKernels scalar = BackendPair.SCALAR.attention();
    AttentionKernels vector = BackendPair.vector().attention();
    SplittableRandom random = new SplittableRandom(4);
    int[] heads = {1, 2, 3};
    int[] dims = {1, 7, 16, 17};
    int i = 0;
    for (int l : new int[] {0, 1, 7, 15, 16, 17, 63, 64, 65, 129, 1000}) {
      for (boolean causal : new boolean[] {false, true}) {
        i++;
        checkSelf(scalar, vector, random, l, causal, heads[i % 3], dims[i % 4], dims[(i / 4) % 4]);
      }
    }
    checkSelf(scalar, vector, random, 200, true, 2, 32, 32);
  }

  static void checkSelf(AttentionKernels scalar, AttentionKernels vector, SplittableRandom random,
                                int l, boolean causal, int heads, int dk, int dv) {
    int valid = l == 0 ? 0 : (random.nextBoolean() ? random.nextInt(l + 1) : l);
    float scale = (float) (random.nextDouble() * 2 / Math.sqrt(dk));
    int qw = heads * dk;
    int vw = heads * dv;
    // Q, K, V as three column blocks of one fused projection output, rows ld apart.
    int ld = 2 * qw + vw + random.nextInt(3);
    int off = random.nextInt(5);
    float[] qkv = uniform(random, off + l * ld);
    int ldo = vw + random.nextInt(3);
    int outOff = random.nextInt(5);
    int biasMode = random.nextInt(3);
    int hs = biasMode == 2 ? l * l : 0;
    float[] bias = biasMode == 0 ? null : uniform(random, 1 + (heads - 1) * hs + l * l);
    String what = "self l=" + l + " valid=" + valid + " causal=" + causal + " heads=" + heads + " dk=" + dk + " dv=" + dv
        + " bias=" + biasMode;
    int scratchOff = random.nextInt(5);
    int scratchLen = scratchOff + Attention.selfAttentionScratchSize(l, heads, dk);
    float[] expected = TestArrays.filled(outOff + Math.max(0, (l - 1) * ldo + vw), Float.NaN);
    float[] actual = expected.clone();
    scalar.selfAttention(qkv, off, ld, qkv, off + qw, ld, qkv, off + 2 * qw, ld, l, valid, heads, dk, dv, causal, scale,
        bias, 1, hs, expected, outOff, ldo, TestArrays.filled(scratchLen, Float.NaN), scratchOff);
    vector.selfAttention(qkv, off, ld, qkv, off + qw, ld, qkv, off + 2 * qw, ld, l, valid, heads, dk, dv, causal, scale,
        bias, 1, hs, actual, outOff, ldo, TestArrays.filled(scratchLen, Float.NaN), scratchOff);
    for (int i = 0; i < l; i++) {
      for (int c = 0; c < vw; c++) {
        assertThat(expected[outOff + i * ldo + c]).as(what + " writes out[%d, %d]", i, c).isNotNaN();
      }
    }
    assertClose(what, expected, actual, TOL, 1);
  }

  @Test
  void vectorDinUnitMatchesScalarOnAwkwardShapes() {
    AttentionKernels scalar = BackendPair.SCALAR.attention();
    AttentionKernels vector = BackendPair.vector().attention();
    SplittableRandom random = new SplittableRandom(5);
    int i = 0;
    for (int d : new int[] {1, 7, 16, 17}) {
      for (int l : new int[] {0, 1, 7, 16, 17, 63, 65, 300}) {
        int b = TestArrays.SMALL_AWKWARD[i++ % TestArrays.SMALL_AWKWARD.length];
        checkDin(scalar, vector, random, randomUnit(random, d, i), b, l);
      }
    }
    checkDin(scalar, vector, random, randomUnit(random, 64, 0), 100, 50);
    checkDin(scalar, vector, random, randomUnit(random, 32, 3), 1000, 7);
  }

  /** A unit with 1 to 3 hidden layers and every activation kind. */
  static DinAttentionUnit randomUnit(SplittableRandom random, int d, int variant) {
    int[][] shapes = {{80, 40}, {7}, {17, 5, 16}, {1}};
    int[] hidden = shapes[variant % shapes.length];
    DinAttentionUnit.Builder builder = DinAttentionUnit.builder(d);
    int in = 4 * d;
    for (int layer = 0; layer < hidden.length; layer++) {
      int out = hidden[layer];
      Activation act = switch ((variant + layer) % 6) {
        case 0 -> Activation.sigmoid();
        case 1 -> Activation.prelu(0.25f);
        case 2 -> Activation.dice(uniform(random, out), positive(random, out), uniform(random, out),
            uniform(random, out), uniform(random, out), 1e-8f);
        case 3 -> Activation.relu();
        case 4 -> Activation.prelu(uniform(random, out));
        default -> Activation.tanh();
      };
      builder.hidden(uniform(random, out * in), random.nextBoolean() ? uniform(random, out) : null, out, act);
      in = out;
    }
    builder.output(uniform(random, in), new float[] {0.3f});
    if (variant % 5 == 4) {
      builder.softmax((float) (1 / Math.sqrt(d)));
    }
    return builder.build();
  }

  private static float[] positive(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (0.5 + random.nextDouble());
    }
    return values;
  }

  static void checkDin(AttentionKernels scalar, AttentionKernels vector, SplittableRandom random,
                               DinAttentionUnit unit, int b, int l) {
    int d = unit.embeddingWidth();
    int valid = l == 0 ? 0 : (random.nextBoolean() ? random.nextInt(l + 1) : l);
    int qOff = random.nextInt(5), kOff = random.nextInt(5), wOff = random.nextInt(5), scratchOff = random.nextInt(5);
    float[] q = uniform(random, qOff + b * d);
    float[] k = uniform(random, kOff + l * d);
    int scratchLen = scratchOff + Attention.dinScoresScratchSize(unit, b, l);
    float[] expected = TestArrays.filled(wOff + b * l, Float.NaN);
    float[] actual = expected.clone();
    String what = "din d=" + d + " hidden=" + Arrays.toString(unit.hiddenWidths()) + " b=" + b + " l=" + l
        + " valid=" + valid + " softmax=" + unit.softmax();
    scalar.dinScores(unit.unit(), q, qOff, b, k, kOff, l, valid, expected, wOff,
        TestArrays.filled(scratchLen, Float.NaN), scratchOff);
    vector.dinScores(unit.unit(), q, qOff, b, k, kOff, l, valid, actual, wOff,
        TestArrays.filled(scratchLen, Float.NaN), scratchOff);
    assertWritten(what, expected, wOff);
    // The first layer sums its 4d inputs in another order in the vector backend (the split adds
    // three d-term products), so near-zero weights are judged against the typical weight size.
    assertClose(what, expected, actual, TOL, 1 + rms(expected, wOff));
  }

  private static double rms(float[] values, int from) {
    double sum = 0;
    for (int i = from; i < values.length; i++) {
      sum += (double) values[i] * values[i];
    }
    return values.length == from ? 0 : Math.sqrt(sum / (values.length - from));
  }

  /**
   * transposeKeys writes the scaled transpose (both backends, exactly), and a GEMM of queries
   * against it with a row bias gives targetScores' logits (H = 1): TWIN's CP-GSU relevance, scored
   * block by block against keys transposed once.
   */
  @Test
  void transposedKeysAreTheGemmOperandOfTargetScores() {
    assertThatThrownBy(() -> Attention.transposeKeys(new float[40], 0, 10, 1, 4, 1f, new float[39], 0))
        .hasMessageContaining("kt needs 40 elements");
    SplittableRandom random = new SplittableRandom(8);
    for (int l : new int[] {1, 17, 100, 301}) {
      int b = 1 + random.nextInt(70);
      int heads = 1 + random.nextInt(4);
      int dk = 1 + random.nextInt(20);
      int width = heads * dk;
      float scale = 0.3f;
      float[] k = uniform(random, l * width);
      float[] kt = new float[l * width];
      Attention.transposeKeys(k, 0, l, heads, dk, scale, kt, 0);
      for (int j = 0; j < l; j++) {
        for (int c = 0; c < width; c++) {
          assertThat(kt[c * l + j]).isEqualTo(scale * k[j * width + c]);
        }
      }
      float[] q = uniform(random, b * width);
      float[] bias = uniform(random, l);
      float[] direct = new float[b * l];
      Attention.targetScores(q, 0, b, k, 0, l, l, 1, width, scale, bias, 0, 0, 0, false, direct, 0,
          new float[Attention.targetScoresScratchSize(b, l, 1, width)], 0);
      float[] viaGemm = new float[b * l];
      Dense.gemm(q, 0, width, b, width, kt, 0, l, l, bias, 0, viaGemm, 0, l, false);
      assertClose("Q kt + bias, l=" + l, direct, viaGemm, TOL, 1);
    }
  }

  @Test
  void vectorGatheredMatchesScalar() {
    AttentionKernels scalar = BackendPair.SCALAR.attention();
    AttentionKernels vector = BackendPair.vector().attention();
    SplittableRandom random = new SplittableRandom(6);
    for (int m : new int[] {0, 1, 7, 16, 17, 100}) {
      for (int n : new int[] {1, 65, 1000}) {
        int b = 1 + random.nextInt(20);
        int heads = 1 + random.nextInt(4);
        int dk = 1 + random.nextInt(20);
        int dv = 1 + random.nextInt(20);
        float[] q = uniform(random, b * heads * dk);
        float[] k = uniform(random, n * heads * dk);
        float[] v = uniform(random, n * heads * dv);
        int[] index = new int[b * m];
        int[] count = new int[b];
        for (int t = 0; t < b; t++) {
          count[t] = random.nextInt(m + 1);
          for (int j = 0; j < m; j++) {
            index[t * m + j] = random.nextInt(n);
          }
        }
        float[] bias = uniform(random, heads * n);
        float[] scratch = new float[Attention.targetAttentionGatheredScratchSize(b, m, heads)];
        float[] expected = new float[b * heads * dv];
        float[] actual = new float[b * heads * dv];
        scalar.targetAttentionGathered(q, 0, b, k, 0, v, 0, n, index, 0, m, count, 0, heads, dk, dv, 0.4f,
            bias, 0, 0, n, expected, 0, scratch, 0);
        vector.targetAttentionGathered(q, 0, b, k, 0, v, 0, n, index, 0, m, count, 0, heads, dk, dv, 0.4f,
            bias, 0, 0, n, actual, 0, scratch, 0);
        assertClose("gathered m=" + m + " n=" + n, expected, actual, TOL, 1);

        float[] scores = uniform(random, b * heads * n);
        float[] ps = new float[b * heads * dv];
        float[] pv = new float[b * heads * dv];
        scalar.softmaxPoolGathered(scores, 0, b, n, heads, v, 0, dv, index, 0, m, count, 0, ps, 0, new float[m], 0);
        vector.softmaxPoolGathered(scores, 0, b, n, heads, v, 0, dv, index, 0, m, count, 0, pv, 0, new float[m], 0);
        assertClose("softmaxPoolGathered m=" + m + " n=" + n, ps, pv, TOL, 1);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Bad input

  @Test
  void badArgumentsNameTheArgumentAndTheShapes() {
    float[] s = new float[1000];
    assertThatThrownBy(() -> Attention.targetAttention(new float[7], 0, 2, new float[12], 0, new float[12], 0,
        3, 3, 1, 4, 4, new float[8], 0, s, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("q needs 8 elements").hasMessageContaining("length is 7");
    assertThatThrownBy(() -> Attention.targetAttention(new float[8], 0, 2, new float[12], 0, new float[12], 0,
        3, 4, 1, 4, 4, new float[8], 0, s, 0))
        .hasMessageContaining("valid must be in [0, 3], got 4");
    assertThatThrownBy(() -> Attention.targetAttention(new float[8], 0, 2, new float[12], 0, new float[12], 0,
        3, 3, 1, 0, 4, new float[8], 0, s, 0))
        .hasMessageContaining("dk must be > 0, got 0");
    assertThatThrownBy(() -> Attention.targetAttention(new float[8], 0, 2, new float[12], 0, new float[12], 0,
        3, 3, 0, 4, 4, 1f, null, 0, 0, 0, new float[8], 0, s, 0))
        .hasMessageContaining("heads must be > 0, got 0");
    assertThatThrownBy(() -> Attention.targetAttention(new float[8], 0, 2, new float[12], 0, new float[12], 0,
        -3, 0, 1, 4, 4, new float[8], 0, s, 0))
        .hasMessageContaining("l must be >= 0, got -3");
    assertThatThrownBy(() -> Attention.targetAttention(new float[8], 0, 2, new float[12], 0, new float[12], 2,
        3, 3, 1, 4, 4, new float[8], 0, s, 0))
        .hasMessageContaining("v needs 12 elements from offset 2");
    assertThatThrownBy(() -> Attention.targetAttention(new float[8], 0, 2, new float[12], 0, new float[12], 0,
        3, 3, 1, 4, 4, new float[8], 0, new float[10], 0))
        .hasMessageContaining("scratch needs 18 floats").hasMessageContaining("targetAttentionScratchSize");
    assertThatThrownBy(() -> Attention.targetAttention(new float[8], 0, 2, new float[12], 0, new float[12], 0,
        3, 3, 1, 4, 4, Float.NaN, null, 0, 0, 0, new float[8], 0, s, 0))
        .hasMessageContaining("scale must be finite");
    // bias [H x L] = 2 x 3 needs 6 floats from its offset
    assertThatThrownBy(() -> Attention.targetAttention(new float[16], 0, 2, new float[24], 0, new float[24], 0,
        3, 3, 2, 4, 4, 1f, new float[6], 1, 0, 3, new float[16], 0, s, 0))
        .hasMessageContaining("bias needs 6 elements from offset 1");
    assertThatThrownBy(() -> Attention.targetAttention(new float[16], 0, 2, new float[24], 0, new float[24], 0,
        3, 3, 2, 4, 4, 1f, new float[6], 0, -1, 3, new float[16], 0, s, 0))
        .hasMessageContaining("biasTargetStride must be >= 0, got -1");
    float[] shared = new float[100];
    assertThatThrownBy(() -> Attention.targetAttention(shared, 0, 2, new float[12], 0, new float[12], 0,
        3, 3, 1, 4, 4, shared, 4, s, 0))
        .hasMessageContaining("out [4, 12) and q [0, 8) are the same array and must not overlap");
    assertThatThrownBy(() -> Attention.targetAttention(new float[8], 0, 2, new float[12], 0, new float[12], 0,
        3, 3, 1, 4, 4, s, 0, s, 4))
        .hasMessageContaining("out [0, 8) and scratch [4, 22)");

    assertThatThrownBy(() -> Attention.targetScores(new float[8], 0, 2, new float[12], 0, 3, 3, 1, 4, 1f,
        null, 0, 0, 0, true, new float[5], 0, s, 0))
        .hasMessageContaining("scores needs 6 elements");
    assertThatThrownBy(() -> Attention.pool(new float[6], 0, 2, new float[12], 0, 3, 3, 1, 4, new float[7], 0))
        .hasMessageContaining("out needs 8 elements");

    int[] index = {0, 1, 5, 2};
    assertThatThrownBy(() -> Attention.targetAttentionGathered(new float[8], 0, 2, new float[20], 0, new float[20], 0,
        5, index, 0, 2, null, 0, 1, 4, 4, 1f, null, 0, 0, 0, new float[8], 0, s, 0))
        .hasMessageContaining("index[1 * m + 0] must be a row in [0, n = 5), got 5");
    assertThatThrownBy(() -> Attention.targetAttentionGathered(new float[8], 0, 2, new float[20], 0, new float[20], 0,
        5, index, 0, 2, new int[] {2, 3}, 0, 1, 4, 4, 1f, null, 0, 0, 0, new float[8], 0, s, 0))
        .hasMessageContaining("count[1] must be in [0, m = 2], got 3");
    assertThatThrownBy(() -> Attention.targetAttentionGathered(new float[8], 0, 2, new float[20], 0, new float[20], 0,
        5, null, 0, 3, null, 0, 1, 4, 4, 1f, null, 0, 0, 0, new float[8], 0, s, 0))
        .hasMessageContaining("n must be >= b m = 6, got 5");
    assertThatThrownBy(() -> Attention.targetAttentionGathered(new float[8], 0, 2, new float[20], 0, new float[20], 0,
        5, new int[3], 0, 2, null, 0, 1, 4, 4, 1f, null, 0, 0, 0, new float[8], 0, s, 0))
        .hasMessageContaining("index needs 4 elements");
    assertThatThrownBy(() -> Attention.softmaxPoolGathered(new float[9], 0, 2, 5, 1, new float[20], 0, 4,
        index, 0, 2, null, 0, new float[8], 0, new float[1], 0))
        .hasMessageContaining("scores needs 10 elements").isInstanceOf(IllegalArgumentException.class);

    assertThatThrownBy(() -> Attention.selfAttention(new float[12], 0, 3, new float[12], 0, 4, new float[12], 0, 4,
        3, 3, 1, 4, 4, true, 1f, null, 0, 0, new float[12], 0, 4, s, 0))
        .hasMessageContaining("q leading dimension must be >= its column count 4, got 3");
    assertThatThrownBy(() -> Attention.selfAttention(new float[12], 0, 4, new float[12], 0, 4, new float[12], 0, 4,
        3, 3, 1, 4, 4, true, 1f, new float[8], 0, 0, new float[12], 0, 4, s, 0))
        .hasMessageContaining("bias needs 9 elements");
  }

  @Test
  void badDinUnitsAreRejectedWhenBuilt() {
    assertThatThrownBy(() -> DinAttentionUnit.builder(0)).hasMessageContaining("d must be > 0, got 0");
    assertThatThrownBy(() -> DinAttentionUnit.builder(2).hidden(new float[7], null, 1, Activation.relu()))
        .hasMessageContaining("hidden layer 0 weight must have out x in = 1 x 8 = 8 floats, got 7");
    assertThatThrownBy(() -> DinAttentionUnit.builder(2).hidden(new float[16], new float[3], 2,
        Activation.relu()))
        .hasMessageContaining("hidden layer 0 bias must have out = 2 floats, got 3");
    assertThatThrownBy(() -> DinAttentionUnit.builder(2).hidden(new float[16], null, 2,
        Activation.prelu(1, 2, 3)))
        .hasMessageContaining("PReLU alpha must have 1 or 2 values, got 3");
    assertThatThrownBy(() -> DinAttentionUnit.builder(2).hidden(new float[16], null, 2,
        Activation.dice(new float[3], new float[3], null, null, new float[3], 1e-8f)))
        .hasMessageContaining("Dice statistics must have 2 channels, got 3");
    assertThatThrownBy(() -> Activation.dice(new float[2], new float[] {1, -1}, null, null,
        new float[2], 1e-8f))
        .hasMessageContaining("var[1] + eps must be > 0");
    assertThatThrownBy(() -> DinAttentionUnit.builder(2).hidden(new float[16], null, 2,
        Activation.sigmoid()).build())
        .hasMessageContaining("the output layer Linear(2, 1) is missing");
    assertThatThrownBy(() -> DinAttentionUnit.builder(2).hidden(new float[16], null, 2,
        Activation.sigmoid()).output(new float[3], null))
        .hasMessageContaining("output layer weight must have out x in = 1 x 2 = 2 floats, got 3");
    assertThatThrownBy(() -> DinAttentionUnit.builder(2).build())
        .hasMessageContaining("at least one hidden layer");

    DinAttentionUnit unit = DinAttentionUnit.builder(2)
        .hidden(new float[16], null, 2, Activation.sigmoid()).output(new float[2], null).build();
    assertThatThrownBy(() -> Attention.dinScores(unit, new float[4], 0, 2, new float[5], 0, 3, 3, new float[6], 0,
        new float[1000], 0))
        .hasMessageContaining("k needs 6 elements");
    assertThatThrownBy(() -> Attention.dinScores(unit, new float[4], 0, 2, new float[6], 0, 3, 3, new float[6], 0,
        new float[1], 0))
        .hasMessageContaining("scratch needs").hasMessageContaining("dinScoresScratchSize");
    assertThatThrownBy(() -> Attention.dinScores(null, new float[4], 0, 2, new float[6], 0, 3, 3, new float[6], 0,
        new float[1], 0))
        .hasMessageContaining("unit must not be null");
  }

  @Test
  void scratchSizesAreExactlyDocumented() {
    assertThat(Attention.targetAttentionScratchSize(1000, 50, 4, 16)).isEqualTo(64 * 50 + 64 * 50);
    assertThat(Attention.targetAttentionScratchSize(10, 50, 4, 16)).isEqualTo(64 * 50 + 10 * 50);
    assertThat(Attention.targetAttentionScratchSize(0, 50, 4, 16)).isZero();
    assertThat(Attention.targetScoresScratchSize(3, 50, 4, 16)).isEqualTo(64 * 50);
    assertThat(Attention.selfAttentionScratchSize(200, 2, 32)).isEqualTo(64 * 200 + 64 * 200);
    assertThat(Attention.targetAttentionGatheredScratchSize(5, 100, 4)).isEqualTo(400);
    assertThat(Attention.softmaxPoolGatheredScratchSize(5, 100)).isEqualTo(100);
    assertThatThrownBy(() -> Attention.targetAttentionScratchSize(10, 100_000, 4096, 4096))
        .hasMessageContaining("does not fit a Java array");
  }

  // ---------------------------------------------------------------------------------------------

  private static AttentionKernels[] backends() {
    var vector = io.github.seqrec.kernels.internal.KernelProvider.vectorIfAvailable();
    return vector.isPresent()
        ? new AttentionKernels[] {BackendPair.SCALAR.attention(), vector.get().attention()}
        : new AttentionKernels[] {BackendPair.SCALAR.attention()};
  }

  /** The reference wrote every output element (the arrays were NaN-poisoned). */
  private static void assertWritten(String what, float[] expected, int off) {
    for (int i = off; i < expected.length; i++) {
      assertThat(expected[i]).as(what + " writes element %d", i - off).isNotNaN();
    }
  }
}
