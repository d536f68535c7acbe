package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.AttentionKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.DinUnit;

/**
 * The definition of the attention kernels, one (target, head) or (position, head) row at a time:
 * {@code s_j = scale (q_h . k_{j,h}) + bias_j} for the attended keys, {@code w = softmax(s)},
 * {@code o_h = sum_j w_j v_{j,h}}. Dot products, axpys and GEMMs go through the {@link DenseKernels}
 * and softmax and the MLP activations through the {@link ActivationKernels} this instance was built
 * with; built with the scalar ones (the scalar backend), this is the executable definition the
 * vector backend is tested against.
 *
 * <p>The same code, built with the vector dense kernels, is also what the vector backend runs for
 * the gathered kernels: there every key row belongs to one target only, so a per-key dot product
 * costs less than transposing the keys for a GEMM (which pays only when a history is shared).
 */
public final class ScalarAttention implements AttentionKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public ScalarAttention(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }

  @Override
  public void targetAttention(float[] q, int qOff, int b, float[] k, int kOff, float[] v, int vOff, int l, int valid,
                              int heads, int dk, int dv, float scale,
                              float[] bias, int biasOff, int biasTargetStride, int biasHeadStride,
                              float[] out, int outOff, float[] scratch, int scratchOff) {
    int qw = heads * dk;
    int vw = heads * dv;
    for (int t = 0; t < b; t++) {
      for (int h = 0; h < heads; h++) {
        // Logits of this (target, head) over the valid keys, then the softmax in place.
        for (int j = 0; j < valid; j++) {
          float s = scale * dense.dot(q, qOff + t * qw + h * dk, k, kOff + j * qw + h * dk, dk);
          if (bias != null) {
            s += bias[biasOff + t * biasTargetStride + h * biasHeadStride + j];
          }
          scratch[scratchOff + j] = s;
        }
        activations.softmax(scratch, scratchOff, scratch, scratchOff, valid, valid);
        weightedSum(scratch, scratchOff, 1, valid, v, vOff, vw, h * dv, dv, out, outOff + t * vw + h * dv);
      }
    }
  }

  @Override
  public void targetScores(float[] q, int qOff, int b, float[] k, int kOff, int l, int valid,
                           int heads, int dk, float scale,
                           float[] bias, int biasOff, int biasTargetStride, int biasHeadStride, boolean softmax,
                           float[] scores, int scoresOff, float[] scratch, int scratchOff) {
    int qw = heads * dk;
    for (int t = 0; t < b; t++) {
      for (int h = 0; h < heads; h++) {
        int row = scoresOff + (t * heads + h) * l;
        for (int j = 0; j < valid; j++) {
          float s = scale * dense.dot(q, qOff + t * qw + h * dk, k, kOff + j * qw + h * dk, dk);
          if (bias != null) {
            s += bias[biasOff + t * biasTargetStride + h * biasHeadStride + j];
          }
          scores[row + j] = s;
        }
        finishScoreRow(scores, row, l, valid, softmax);
      }
    }
  }

  @Override
  public void transposeKeys(float[] k, int kOff, int l, int heads, int dk, float scale, float[] kt, int ktOff) {
    int qw = heads * dk;
    for (int j = 0; j < l; j++) {
      for (int c = 0; c < qw; c++) {
        kt[ktOff + c * l + j] = scale * k[kOff + j * qw + c];
      }
    }
  }

  /** Past the valid keys: softmax weights (zeros there) or logits of -Infinity (never selected, never attended). */
  private void finishScoreRow(float[] scores, int row, int l, int valid, boolean softmax) {
    if (softmax) {
      activations.softmax(scores, row, scores, row, l, valid); // zeros past valid
    } else {
      java.util.Arrays.fill(scores, row + valid, row + l, Float.NEGATIVE_INFINITY);
    }
  }

  @Override
  public void pool(float[] weights, int weightsOff, int b, float[] v, int vOff, int l, int valid, int heads, int dv,
                   float[] out, int outOff) {
    int vw = heads * dv;
    for (int t = 0; t < b; t++) {
      for (int h = 0; h < heads; h++) {
        weightedSum(weights, weightsOff + (t * heads + h) * l, 1, valid, v, vOff, vw, h * dv, dv,
            out, outOff + t * vw + h * dv);
      }
    }
  }

  /** {@code out[0..dv) = sum_{j < n} w[wOff + j wStride] v[vOff + j vw + col ..]}: zero when n = 0. */
  private void weightedSum(float[] w, int wOff, int wStride, int n, float[] v, int vOff, int vw, int col, int dv,
                           float[] out, int at) {
    java.util.Arrays.fill(out, at, at + dv, 0f);
    for (int j = 0; j < n; j++) {
      dense.axpy(w[wOff + j * wStride], v, vOff + j * vw + col, out, at, dv);
    }
  }

  @Override
  public void targetAttentionGathered(float[] q, int qOff, int b, float[] k, int kOff, float[] v, int vOff, int n,
                                      int[] index, int indexOff, int m, int[] count, int countOff,
                                      int heads, int dk, int dv, float scale,
                                      float[] bias, int biasOff, int biasTargetStride, int biasHeadStride,
                                      float[] out, int outOff, float[] scratch, int scratchOff) {
    int qw = heads * dk;
    int vw = heads * dv;
    for (int t = 0; t < b; t++) {
      int c = count == null ? m : count[countOff + t];
      // One logit row per head, scratch[h m + j]: key row r_j is read once for all heads.
      for (int j = 0; j < c; j++) {
        int r = row(index, indexOff, m, t, j);
        for (int h = 0; h < heads; h++) {
          float s = scale * dense.dot(q, qOff + t * qw + h * dk, k, kOff + r * qw + h * dk, dk);
          if (bias != null) {
            s += bias[biasOff + t * biasTargetStride + h * biasHeadStride + r];
          }
          scratch[scratchOff + h * m + j] = s;
        }
      }
      for (int h = 0; h < heads; h++) {
        activations.softmax(scratch, scratchOff + h * m, scratch, scratchOff + h * m, c, c);
      }
      gatheredSum(scratch, scratchOff, m, c, t, index, indexOff, v, vOff, heads, dv, out, outOff + t * vw);
    }
  }

  @Override
  public void softmaxPoolGathered(float[] scores, int scoresOff, int b, int n, int heads, float[] v, int vOff, int dv,
                                  int[] index, int indexOff, int m, int[] count, int countOff,
                                  float[] out, int outOff, float[] scratch, int scratchOff) {
    int vw = heads * dv;
    for (int t = 0; t < b; t++) {
      int c = count == null ? m : count[countOff + t];
      int at = outOff + t * vw;
      java.util.Arrays.fill(out, at, at + vw, 0f);
      for (int h = 0; h < heads; h++) {
        int row = scoresOff + (t * heads + h) * n;
        for (int j = 0; j < c; j++) {
          scratch[scratchOff + j] = scores[row + row(index, indexOff, m, t, j)];
        }
        activations.softmax(scratch, scratchOff, scratch, scratchOff, c, c);
        for (int j = 0; j < c; j++) {
          dense.axpy(scratch[scratchOff + j], v, vOff + row(index, indexOff, m, t, j) * vw + h * dv, out, at + h * dv, dv);
        }
      }
    }
  }

  /** The history row of target t's j-th selected key: {@code index[t m + j]}, or {@code t m + j} without an index. */
  private static int row(int[] index, int indexOff, int m, int t, int j) {
    return index == null ? t * m + j : index[indexOff + t * m + j];
  }

  /** {@code out[h dv ..] = sum_{j < c} w[h m + j] v[r_j, h dv ..]} for every head; V rows are read once. */
  private void gatheredSum(float[] w, int wOff, int m, int c, int t, int[] index, int indexOff,
                           float[] v, int vOff, int heads, int dv, float[] out, int at) {
    int vw = heads * dv;
    java.util.Arrays.fill(out, at, at + vw, 0f);
    for (int j = 0; j < c; j++) {
      int r = row(index, indexOff, m, t, j);
      for (int h = 0; h < heads; h++) {
        dense.axpy(w[wOff + h * m + j], v, vOff + r * vw + h * dv, out, at + h * dv, dv);
      }
    }
  }

  @Override
  public void selfAttention(float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, float[] v, int vOff, int ldv,
                            int l, int valid, int heads, int dk, int dv, boolean causal, float scale,
                            float[] bias, int biasOff, int biasHeadStride,
                            float[] out, int outOff, int ldo, float[] scratch, int scratchOff) {
    for (int i = 0; i < l; i++) {
      // Position i sees keys j < valid (key padding) and, if causal, j <= i.
      int seen = causal ? Math.min(i + 1, valid) : valid;
      for (int h = 0; h < heads; h++) {
        for (int j = 0; j < seen; j++) {
          float s = scale * dense.dot(q, qOff + i * ldq + h * dk, k, kOff + j * ldk + h * dk, dk);
          if (bias != null) {
            s += bias[biasOff + h * biasHeadStride + i * l + j];
          }
          scratch[scratchOff + j] = s;
        }
        activations.softmax(scratch, scratchOff, scratch, scratchOff, seen, seen);
        weightedSum(scratch, scratchOff, 1, seen, v, vOff, ldv, h * dv, dv, out, outOff + i * ldo + h * dv);
      }
    }
  }

  /**
   * The DIN unit exactly as the code bases write it: per target, the {@code valid x 4d} block of
   * features {@code [q; k; q-k; q*k]}, then {@code Linear -> act -> ... -> Linear(1)}; weights of
   * positions {@code >= valid} are 0 (or, for the softmax variant, the masked softmax of the scaled
   * outputs).
   */
  @Override
  public void dinScores(DinUnit unit, float[] q, int qOff, int b, float[] k, int kOff, int l, int valid,
                        float[] weights, int weightsOff, float[] scratch, int scratchOff) {
    int d = unit.d;
    int features = scratchOff;
    int bufA = features + l * 4 * d;
    int bufB = bufA + l * unit.maxHidden;
    for (int t = 0; t < b; t++) {
      int qt = qOff + t * d;
      for (int j = 0; j < valid; j++) {
        int f = features + j * 4 * d;
        int kj = kOff + j * d;
        for (int c = 0; c < d; c++) {
          float qc = q[qt + c];
          float kc = k[kj + c];
          scratch[f + c] = qc;
          scratch[f + d + c] = kc;
          scratch[f + 2 * d + c] = qc - kc;
          scratch[f + 3 * d + c] = qc * kc;
        }
      }
      int in = bufA;
      int h1 = unit.hidden[0];
      dense.gemm(scratch, features, 4 * d, valid, 4 * d, unit.w1T, 0, h1, h1, unit.bias[0], 0,
          scratch, in, h1, false);
      activations.apply(unit.act[0], scratch, in, scratch, in, valid, h1);
      for (int layer = 1; layer < unit.layers(); layer++) {
        int from = unit.hidden[layer - 1];
        int to = unit.hidden[layer];
        int outBuf = in == bufA ? bufB : bufA;
        dense.gemm(scratch, in, from, valid, from, unit.wT[layer], 0, to, to, unit.bias[layer], 0,
            scratch, outBuf, to, false);
        activations.apply(unit.act[layer], scratch, outBuf, scratch, outBuf, valid, to);
        in = outBuf;
      }
      int row = weightsOff + t * l;
      int last = unit.hidden[unit.layers() - 1];
      for (int j = 0; j < valid; j++) {
        weights[row + j] = dense.dot(scratch, in + j * last, unit.wOut, 0, last) + unit.bOut;
      }
      finishDinRow(unit, activations, weights, row, l, valid);
    }
  }

  /** Zeros past valid, or the softmax variant: {@code softmax(scale * logits)} over the valid positions. */
  public static void finishDinRow(DinUnit unit, ActivationKernels activations, float[] weights, int row, int l, int valid) {
    if (unit.softmax) {
      for (int j = 0; j < valid; j++) {
        weights[row + j] *= unit.softmaxScale;
      }
      activations.softmax(weights, row, weights, row, l, valid);
    } else {
      java.util.Arrays.fill(weights, row + valid, row + l, 0f);
    }
  }
}
