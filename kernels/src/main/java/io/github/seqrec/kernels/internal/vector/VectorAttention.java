package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.AttentionKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.DinUnit;
import io.github.seqrec.kernels.internal.scalar.ScalarAttention;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector attention kernels, GEMM-shaped (PRIOR-ART D3): no horizontal reduction per key.
 *
 * <p>A shared history is transposed once per call into scratch as {@code scale * Kᵀ}, an
 * {@code (H dk) x valid} matrix, so head h's logits for a block of up to {@link #ROW_BLOCK}
 * targets are one {@link DenseKernels#gemm} {@code Q_h (rows x dk, lda = H dk) . Kᵀ_h (dk x valid)}
 * whose micro-kernel computes a vector of consecutive keys per FMA with the query value broadcast.
 * The bias is the GEMM's row bias when it is the same for every target, else it is copied into the
 * panel and the GEMM accumulates onto it. Each panel row is softmaxed by {@link ActivationKernels},
 * and pooling is a second GEMM {@code W (rows x valid) . V_h (valid x dv, ldb = H dv)} written
 * straight into the output columns of head h. Only the first {@code valid} keys are ever read.
 *
 * <p>The DIN unit uses the split of the first layer ({@link DinUnit}): {@code K Wkᵀ} once per call,
 * {@code Q Wqᵀ + b1} once per block of targets, and one GEMM of the {@code (targets x behaviours) x d}
 * block of products {@code q * k} against {@code Wdᵀ}, accumulated onto the sum of the two.
 *
 * <p>The gathered kernels follow the scalar definition's order (every gathered key belongs to one
 * target, so a dot product per key and head is cheaper than the transpose a GEMM would need), with
 * the per-head dot products and value updates written out here over whole vectors plus a scalar
 * tail: heads are narrow (d_k = 16 or 32), and a call into a general dot or axpy per head and key
 * cost more than its arithmetic.
 */
public final class VectorAttention implements AttentionKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public VectorAttention(DenseKernels dense, ActivationKernels activations) {
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
    if (valid == 0) {
      Arrays.fill(out, outOff, outOff + b * vw, 0f); // empty history: zero vectors
      return;
    }
    int kt = scratchOff;
    int panel = kt + qw * l;
    transposeScaled(k, kOff, qw, valid, qw, scale, scratch, kt);
    for (int t0 = 0; t0 < b; t0 += ROW_BLOCK) {
      int rows = Math.min(ROW_BLOCK, b - t0);
      for (int h = 0; h < heads; h++) {
        logits(q, qOff + t0 * qw + h * dk, qw, rows, dk, scratch, kt + h * dk * valid, valid, valid,
            bias, biasOff + t0 * biasTargetStride + h * biasHeadStride, biasTargetStride, scratch, panel, valid);
        for (int r = 0; r < rows; r++) {
          activations.softmax(scratch, panel + r * valid, scratch, panel + r * valid, valid, valid);
        }
        dense.gemm(scratch, panel, valid, rows, valid, v, vOff + h * dv, vw, dv, null, 0,
            out, outOff + t0 * vw + h * dv, vw, false);
      }
    }
  }

  /**
   * {@code C (rows x n, ldc) = A (rows x dk, lda) . Bt (dk x n of a Kᵀ with leading dimension ldb) + bias},
   * where bias row r starts at {@code biasAt + r * biasRowStride}: with stride 0 (one row shared by
   * all rows) it is the GEMM's own row bias, else it is copied into C and the GEMM accumulates.
   */
  private void logits(float[] a, int aOff, int lda, int rows, int dk, float[] bt, int btOff, int ldb, int n,
                      float[] bias, int biasAt, int biasRowStride, float[] c, int cOff, int ldc) {
    if (bias == null || biasRowStride == 0) {
      dense.gemm(a, aOff, lda, rows, dk, bt, btOff, ldb, n, bias, biasAt, c, cOff, ldc, false);
      return;
    }
    for (int r = 0; r < rows; r++) {
      System.arraycopy(bias, biasAt + r * biasRowStride, c, cOff + r * ldc, n);
    }
    dense.gemm(a, aOff, lda, rows, dk, bt, btOff, ldb, n, null, 0, c, cOff, ldc, true);
  }

  @Override
  public void targetScores(float[] q, int qOff, int b, float[] k, int kOff, int l, int valid,
                           int heads, int dk, float scale,
                           float[] bias, int biasOff, int biasTargetStride, int biasHeadStride, boolean softmax,
                           float[] scores, int scoresOff, float[] scratch, int scratchOff) {
    if (valid > 0) {
      transposeScaled(k, kOff, heads * dk, valid, heads * dk, scale, scratch, scratchOff);
    }
    targetScoresTransposed(q, qOff, b, scratch, scratchOff, valid, l, valid, heads, dk,
        bias, biasOff, biasTargetStride, biasHeadStride, softmax, scores, scoresOff);
  }

  @Override
  public void transposeKeys(float[] k, int kOff, int l, int heads, int dk, float scale, float[] kt, int ktOff) {
    if (l > 0) {
      transposeScaled(k, kOff, heads * dk, l, heads * dk, scale, kt, ktOff);
    }
  }

  /** {@link #targetScores} on keys already transposed and scaled into {@code kt} (row stride {@code ldk}). */
  private void targetScoresTransposed(float[] q, int qOff, int b, float[] kt, int ktOff, int ldk, int l, int valid,
                                     int heads, int dk,
                                     float[] bias, int biasOff, int biasTargetStride, int biasHeadStride,
                                     boolean softmax, float[] scores, int scoresOff) {
    int qw = heads * dk;
    int ldc = heads * l;
    for (int t0 = 0; t0 < b; t0 += ROW_BLOCK) {
      int rows = Math.min(ROW_BLOCK, b - t0);
      for (int h = 0; h < heads; h++) {
        int c0 = scoresOff + t0 * ldc + h * l;
        if (valid > 0) {
          logits(q, qOff + t0 * qw + h * dk, qw, rows, dk, kt, ktOff + h * dk * ldk, ldk, valid,
              bias, biasOff + t0 * biasTargetStride + h * biasHeadStride, biasTargetStride, scores, c0, ldc);
        }
        for (int r = 0; r < rows; r++) {
          int row = c0 + r * ldc;
          if (softmax) {
            activations.softmax(scores, row, scores, row, l, valid);
          } else {
            Arrays.fill(scores, row + valid, row + l, Float.NEGATIVE_INFINITY);
          }
        }
      }
    }
  }

  @Override
  public void pool(float[] weights, int weightsOff, int b, float[] v, int vOff, int l, int valid, int heads, int dv,
                   float[] out, int outOff) {
    int vw = heads * dv;
    for (int h = 0; h < heads; h++) {
      // W_h (b x valid, rows heads*l apart) . V_h (valid x dv, rows H dv apart); valid = 0 writes zeros.
      dense.gemm(weights, weightsOff + h * l, heads * l, b, valid, v, vOff + h * dv, vw, dv, null, 0,
          out, outOff + h * dv, vw, false);
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
      int qt = qOff + t * qw;
      for (int j = 0; j < c; j++) {
        int r = row(index, indexOff, m, t, j);
        for (int h = 0; h < heads; h++) {
          float s = scale * headDot(q, qt + h * dk, k, kOff + r * qw + h * dk, dk);
          if (bias != null) {
            s += bias[biasOff + t * biasTargetStride + h * biasHeadStride + r];
          }
          scratch[scratchOff + h * m + j] = s;
        }
      }
      for (int h = 0; h < heads; h++) {
        activations.softmax(scratch, scratchOff + h * m, scratch, scratchOff + h * m, c, c);
      }
      int at = outOff + t * vw;
      Arrays.fill(out, at, at + vw, 0f);
      for (int j = 0; j < c; j++) {
        int vr = vOff + row(index, indexOff, m, t, j) * vw;
        for (int h = 0; h < heads; h++) {
          headAxpy(scratch[scratchOff + h * m + j], v, vr + h * dv, out, at + h * dv, dv);
        }
      }
    }
  }

  /** The target row of target t's j-th selected key: {@code index[t m + j]}, or {@code t m + j} without an index. */
  private static int row(int[] index, int indexOff, int m, int t, int j) {
    return index == null ? t * m + j : index[indexOff + t * m + j];
  }

  /** {@code a . b} over {@code n} floats: whole vectors, then a scalar tail. */
  private static float headDot(float[] a, int aOff, float[] b, int bOff, int n) {
    float sum = 0f;
    int i = 0;
    if (n >= FLOAT_LANES) {
      FloatVector acc = FloatVector.fromArray(FLOAT, a, aOff).mul(FloatVector.fromArray(FLOAT, b, bOff));
      for (i = FLOAT_LANES; i + FLOAT_LANES <= n; i += FLOAT_LANES) {
        acc = FloatVector.fromArray(FLOAT, a, aOff + i).fma(FloatVector.fromArray(FLOAT, b, bOff + i), acc);
      }
      FloatVector h = acc; // lanes summed in a fixed order, see Lanes
      h = Lanes.FOLD8 ? h.add(h.rearrange(Lanes.XOR8)) : h;
      h = Lanes.FOLD4 ? h.add(h.rearrange(Lanes.XOR4)) : h;
      h = Lanes.FOLD2 ? h.add(h.rearrange(Lanes.XOR2)) : h;
      sum = h.add(h.rearrange(Lanes.XOR1)).lane(0);
    }
    for (; i < n; i++) {
      sum = Math.fma(a[aOff + i], b[bOff + i], sum);
    }
    return sum;
  }

  /** {@code y += alpha x} over {@code n} floats: whole vectors, then a scalar tail. */
  private static void headAxpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    FloatVector av = FloatVector.broadcast(FLOAT, alpha);
    int i = 0;
    for (; i + FLOAT_LANES <= n; i += FLOAT_LANES) {
      FloatVector.fromArray(FLOAT, x, xOff + i).fma(av, FloatVector.fromArray(FLOAT, y, yOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
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
      Arrays.fill(out, at, at + vw, 0f);
      for (int h = 0; h < heads; h++) {
        int scoreRow = scoresOff + (t * heads + h) * n;
        for (int j = 0; j < c; j++) {
          scratch[scratchOff + j] = scores[scoreRow + row(index, indexOff, m, t, j)];
        }
        activations.softmax(scratch, scratchOff, scratch, scratchOff, c, c);
        for (int j = 0; j < c; j++) {
          headAxpy(scratch[scratchOff + j], v, vOff + row(index, indexOff, m, t, j) * vw + h * dv, out, at + h * dv, dv);
        }
      }
    }
  }

  @Override
  public void selfAttention(float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, float[] v, int vOff, int ldv,
                            int l, int valid, int heads, int dk, int dv, boolean causal, float scale,
                            float[] bias, int biasOff, int biasHeadStride,
                            float[] out, int outOff, int ldo, float[] scratch, int scratchOff) {
    int vw = heads * dv;
    if (valid == 0) {
      for (int i = 0; i < l; i++) {
        Arrays.fill(out, outOff + i * ldo, outOff + i * ldo + vw, 0f);
      }
      return;
    }
    int qw = heads * dk;
    int kt = scratchOff;
    int panel = kt + qw * l;
    transposeScaled(k, kOff, ldk, valid, qw, scale, scratch, kt);
    for (int i0 = 0; i0 < l; i0 += ROW_BLOCK) {
      int rows = Math.min(ROW_BLOCK, l - i0);
      // Keys any row of this block may see: the causal triangle ends at the block's last row.
      int n = causal ? Math.min(i0 + rows, valid) : valid;
      for (int h = 0; h < heads; h++) {
        logits(q, qOff + i0 * ldq + h * dk, ldq, rows, dk, scratch, kt + h * dk * valid, valid, n,
            bias, biasOff + h * biasHeadStride + i0 * l, l, scratch, panel, n);
        for (int r = 0; r < rows; r++) {
          int seen = causal ? Math.min(i0 + r + 1, valid) : valid;
          activations.softmax(scratch, panel + r * n, scratch, panel + r * n, n, seen);
        }
        dense.gemm(scratch, panel, n, rows, n, v, vOff + h * dv, ldv, dv, null, 0,
            out, outOff + i0 * ldo + h * dv, ldo, false);
      }
    }
  }

  @Override
  public void dinScores(DinUnit unit, float[] q, int qOff, int b, float[] k, int kOff, int l, int valid,
                        float[] weights, int weightsOff, float[] scratch, int scratchOff) {
    if (valid == 0) {
      for (int t = 0; t < b; t++) {
        ScalarAttention.finishDinRow(unit, activations, weights, weightsOff + t * l, l, 0);
      }
      return;
    }
    int d = unit.d;
    int h1 = unit.hidden[0];
    int blockTargets = AttentionKernels.dinBlockTargets(b, l);
    int kp = scratchOff;                       // valid x h1: K Wkᵀ, once per call
    int qp = kp + l * h1;                      // targets x h1: Q Wqᵀ + b1, per block
    int x = qp + blockTargets * h1;            // (targets valid) x d: q * k
    int bufA = x + blockTargets * l * d;       // (targets valid) x widest hidden layer
    int bufB = bufA + blockTargets * l * unit.maxHidden;
    dense.gemm(k, kOff, d, valid, d, unit.wkT, 0, h1, h1, null, 0, scratch, kp, h1, false);
    for (int t0 = 0; t0 < b; t0 += blockTargets) {
      int tb = Math.min(blockTargets, b - t0);
      int rows = tb * valid;
      dense.gemm(q, qOff + t0 * d, d, tb, d, unit.wqT, 0, h1, h1, unit.bias[0], 0, scratch, qp, h1, false);
      for (int t = 0; t < tb; t++) {
        int r = t * valid;
        products(q, qOff + (t0 + t) * d, k, kOff, valid, d, scratch, x + r * d);
        sums(scratch, kp, valid, h1, scratch, qp + t * h1, scratch, bufA + r * h1);
      }
      dense.gemm(scratch, x, d, rows, d, unit.wpT, 0, h1, h1, null, 0, scratch, bufA, h1, true);
      activations.apply(unit.act[0], scratch, bufA, scratch, bufA, rows, h1);
      int in = bufA;
      for (int layer = 1; layer < unit.layers(); layer++) {
        int from = unit.hidden[layer - 1];
        int to = unit.hidden[layer];
        int outBuf = in == bufA ? bufB : bufA;
        dense.gemm(scratch, in, from, rows, from, unit.wT[layer], 0, to, to, unit.bias[layer], 0,
            scratch, outBuf, to, false);
        activations.apply(unit.act[layer], scratch, outBuf, scratch, outBuf, rows, to);
        in = outBuf;
      }
      int last = unit.hidden[unit.layers() - 1];
      for (int t = 0; t < tb; t++) {
        int row = weightsOff + (t0 + t) * l;
        dense.gemv(scratch, in + t * valid * last, valid, last, unit.wOut, 0, weights, row);
        addScalar(weights, row, valid, unit.bOut);
        ScalarAttention.finishDinRow(unit, activations, weights, row, l, valid);
      }
    }
  }

  /**
   * {@code dst[c rows + r] = scale * src[srcOff + r ld + c]}: the first {@code rows} rows of a
   * row-major matrix, transposed and scaled, in 16 x 16 blocks so reads and writes stay within a
   * few cache lines.
   */
  static void transposeScaled(float[] src, int srcOff, int ld, int rows, int cols, float scale,
                              float[] dst, int dstOff) {
    final int block = 16;
    for (int r0 = 0; r0 < rows; r0 += block) {
      int r1 = Math.min(rows, r0 + block);
      for (int c0 = 0; c0 < cols; c0 += block) {
        transposeBlock(src, srcOff, ld, rows, scale, dst, dstOff, r0, r1, c0, Math.min(cols, c0 + block));
      }
    }
  }

  private static void transposeBlock(float[] src, int srcOff, int ld, int rows, float scale, float[] dst, int dstOff,
                                     int r0, int r1, int c0, int c1) {
    for (int r = r0; r < r1; r++) {
      int s = srcOff + r * ld;
      for (int c = c0; c < c1; c++) {
        dst[dstOff + c * rows + r] = scale * src[s + c];
      }
    }
  }

  /**
   * {@code z[j d + i] = q[qOff + i] * k[kOff + j d + i]}: one target times each of {@code rows}
   * behaviours, with the target's vectors loaded once per vector of columns.
   */
  static void products(float[] q, int qOff, float[] k, int kOff, int rows, int d, float[] z, int zOff) {
    int i = 0;
    for (; i + FLOAT_LANES <= d; i += FLOAT_LANES) {
      FloatVector qv = FloatVector.fromArray(FLOAT, q, qOff + i);
      for (int j = 0, o = i; j < rows; j++, o += d) {
        qv.mul(FloatVector.fromArray(FLOAT, k, kOff + o)).intoArray(z, zOff + o);
      }
    }
    if (i < d) {
      VectorMask<Float> m = FLOAT.indexInRange(i, d);
      FloatVector qv = FloatVector.fromArray(FLOAT, q, qOff + i, m);
      for (int j = 0, o = i; j < rows; j++, o += d) {
        qv.mul(FloatVector.fromArray(FLOAT, k, kOff + o, m)).intoArray(z, zOff + o, m);
      }
    }
  }

  /** {@code z[j n + i] = x[xOff + j n + i] + y[yOff + i]}: one row added to each of {@code rows} rows. */
  static void sums(float[] x, int xOff, int rows, int n, float[] y, int yOff, float[] z, int zOff) {
    int i = 0;
    for (; i + FLOAT_LANES <= n; i += FLOAT_LANES) {
      FloatVector yv = FloatVector.fromArray(FLOAT, y, yOff + i);
      for (int j = 0, o = i; j < rows; j++, o += n) {
        FloatVector.fromArray(FLOAT, x, xOff + o).add(yv).intoArray(z, zOff + o);
      }
    }
    if (i < n) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector yv = FloatVector.fromArray(FLOAT, y, yOff + i, m);
      for (int j = 0, o = i; j < rows; j++, o += n) {
        FloatVector.fromArray(FLOAT, x, xOff + o, m).add(yv).intoArray(z, zOff + o, m);
      }
    }
  }

  /** {@code x[i] += c} for {@code i < n}. */
  static void addScalar(float[] x, int xOff, int n, float c) {
    FloatVector cv = FloatVector.broadcast(FLOAT, c);
    int i = 0;
    for (; i + FLOAT_LANES <= n; i += FLOAT_LANES) {
      FloatVector.fromArray(FLOAT, x, xOff + i).add(cv).intoArray(x, xOff + i);
    }
    if (i < n) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector.fromArray(FLOAT, x, xOff + i, m).add(cv).intoArray(x, xOff + i, m);
    }
  }
}
