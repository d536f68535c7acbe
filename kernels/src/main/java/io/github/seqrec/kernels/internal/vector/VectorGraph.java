package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.GraphKernels;
import io.github.seqrec.kernels.internal.SelectionKernels;
import io.github.seqrec.kernels.internal.scalar.ScalarGraph;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector graph and clustering kernels. The similarity matrix and the k-means assignment are GEMMs
 * through the vector {@link DenseKernels}; this class vectorizes what surrounds them (row scaling,
 * the per-row argmax over k centroid scores, squared distances, the nonzero count and the
 * threshold compare). The per-row top-r runs the vector {@link SelectionKernels#topK}; SURGE's
 * global order statistic is the quickselect shared with {@link ScalarGraph}.
 */
public final class VectorGraph implements GraphKernels {
  private final DenseKernels dense;
  private final SelectionKernels selection;

  public VectorGraph(DenseKernels dense, SelectionKernels selection) {
    this.dense = dense;
    this.selection = selection;
  }

  @Override
  public void cosineSimilarity(float[] x, int xOff, int rows, int width, float[] weight, int weightOff,
                               float[] s, int sOff, float[] scratch, int scratchOff) {
    int xn = scratchOff;
    int xt = scratchOff + rows * width;
    for (int i = 0; i < rows; i++) {
      int row = xn + i * width;
      if (weight == null) {
        System.arraycopy(x, xOff + i * width, scratch, row, width);
      } else {
        multiply(x, xOff + i * width, weight, weightOff, scratch, row, width);
      }
      scale(scratch, row, width, ScalarGraph.inverseNorm(dense.dot(scratch, row, scratch, row, width)));
    }
    dense.transpose(scratch, xn, rows, width, scratch, xt);
    dense.gemm(scratch, xn, width, rows, width, scratch, xt, rows, rows, null, 0, s, sOff, rows, false);
  }

  @Override
  public void minMaxRows(float[] s, int sOff, int rows, int cols, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      int in = sOff + r * cols;
      int o = outOff + r * cols;
      FloatVector lo = FloatVector.broadcast(FLOAT, Float.POSITIVE_INFINITY);
      FloatVector hi = FloatVector.broadcast(FLOAT, Float.NEGATIVE_INFINITY);
      for (int j = 0; j < cols; j += FLOAT_LANES) {
        VectorMask<Float> m = FLOAT.indexInRange(j, cols);
        FloatVector v = FloatVector.fromArray(FLOAT, s, in + j, m);
        lo = lo.blend(lo.min(v), m);
        hi = hi.blend(hi.max(v), m);
      }
      float min = lo.reduceLanes(VectorOperators.MIN);
      float span = hi.reduceLanes(VectorOperators.MAX) - min;
      if (!(span > 0f)) {
        Arrays.fill(out, o, o + cols, 0f);
        continue;
      }
      FloatVector minV = FloatVector.broadcast(FLOAT, min);
      FloatVector spanV = FloatVector.broadcast(FLOAT, span);
      for (int j = 0; j < cols; j += FLOAT_LANES) {
        VectorMask<Float> m = FLOAT.indexInRange(j, cols);
        FloatVector.fromArray(FLOAT, s, in + j, m).sub(minV).div(spanV).intoArray(out, o + j, m);
      }
    }
  }

  @Override
  public void normalizedAdjacency(float[] a, int aOff, int n, float eps, float[] out, int outOff, float[] scratch,
                                  int scratchOff) {
    FloatVector zero = FloatVector.zero(FLOAT);
    for (int i = 0; i < n; i++) {
      int row = aOff + i * n;
      int edges = a[row + i] > 0f ? 0 : 1; // the self-loop, counted below when a_ii > 0 already
      for (int j = 0; j < n; j += FLOAT_LANES) {
        VectorMask<Float> m = FLOAT.indexInRange(j, n);
        edges += FloatVector.fromArray(FLOAT, a, row + j, m).compare(VectorOperators.GT, zero, m).trueCount();
      }
      scratch[scratchOff + i] = (float) Math.sqrt(edges) + eps;
    }
    FloatVector one = FloatVector.broadcast(FLOAT, 1f);
    for (int i = 0; i < n; i++) {
      int row = aOff + i * n;
      int o = outOff + i * n;
      FloatVector di = FloatVector.broadcast(FLOAT, scratch[scratchOff + i]);
      for (int j = 0; j < n; j += FLOAT_LANES) {
        VectorMask<Float> m = FLOAT.indexInRange(j, n);
        VectorMask<Float> edge = FloatVector.fromArray(FLOAT, a, row + j, m).compare(VectorOperators.GT, zero, m);
        FloatVector value = one.div(FloatVector.fromArray(FLOAT, scratch, scratchOff + j, m)).div(di);
        zero.blend(value, edge).intoArray(out, o + j, m);
      }
      out[o + i] = (1f / scratch[scratchOff + i]) / scratch[scratchOff + i]; // the forced self-loop
    }
  }

  private static void multiply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
    for (int i = 0; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector.fromArray(FLOAT, a, aOff + i, m).mul(FloatVector.fromArray(FLOAT, b, bOff + i, m))
          .intoArray(out, outOff + i, m);
    }
  }

  private static void scale(float[] v, int off, int n, float factor) {
    FloatVector f = FloatVector.broadcast(FLOAT, factor);
    for (int i = 0; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector.fromArray(FLOAT, v, off + i, m).mul(f).intoArray(v, off + i, m);
    }
  }

  @Override
  public void keepTopPerRow(float[] s, int sOff, int rows, int cols, int r, float[] out, int outOff,
                            float[] scratch, int scratchOff, int[] indexScratch, int indexOff) {
    ScalarGraph.keepTopPerRow(selection, s, sOff, rows, cols, r, out, outOff, scratch, scratchOff,
        indexScratch, indexOff);
  }

  @Override
  public float relativeRankAdjacency(float[] s, int sOff, int rows, int cols, float ratio, float[] adjacency, int aOff,
                                     float[] scratch, int scratchOff) {
    int n = rows * cols;
    float threshold = ScalarGraph.relativeRankThreshold(s, sOff, n, countNonZero(s, sOff, n), ratio, scratch, scratchOff);
    FloatVector thr = FloatVector.broadcast(FLOAT, threshold);
    FloatVector zero = FloatVector.zero(FLOAT);
    FloatVector one = FloatVector.broadcast(FLOAT, 1f);
    for (int i = 0; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      VectorMask<Float> above = FloatVector.fromArray(FLOAT, s, sOff + i, m).compare(VectorOperators.GT, thr, m);
      zero.blend(one, above).intoArray(adjacency, aOff + i, m);
    }
    return threshold;
  }

  private static int countNonZero(float[] s, int off, int n) {
    int count = 0;
    for (int i = 0; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      count += FloatVector.fromArray(FLOAT, s, off + i, m).compare(VectorOperators.NE, 0f, m).trueCount();
    }
    return count;
  }

  @Override
  public int kMeans(float[] x, int xOff, int n, int d, float[] centroids, int cOff, int k, int maxIterations,
                    int[] assignment, int aOff, float[] scratch, int scratchOff) {
    if (n == 0) {
      return 0;
    }
    assign(x, xOff, n, d, centroids, cOff, k, assignment, aOff, scratch, scratchOff);
    int iterations = 0;
    while (iterations < maxIterations) {
      update(x, xOff, n, d, centroids, cOff, k, assignment, aOff, scratch, scratchOff);
      iterations++;
      if (!assign(x, xOff, n, d, centroids, cOff, k, assignment, aOff, scratch, scratchOff)) {
        break;
      }
    }
    return iterations;
  }

  /** As {@link ScalarGraph}: one GEMM per block of rows with {@code -||c||^2/2} as bias, then argmax. */
  private boolean assign(float[] x, int xOff, int n, int d, float[] centroids, int cOff, int k,
                         int[] assignment, int aOff, float[] scratch, int scratchOff) {
    int centroidsT = scratchOff;
    int halfNorms = centroidsT + d * k;
    int scores = halfNorms + k;
    dense.transpose(centroids, cOff, k, d, scratch, centroidsT);
    for (int j = 0; j < k; j++) {
      scratch[halfNorms + j] = -0.5f * dense.dot(centroids, cOff + j * d, centroids, cOff + j * d, d);
    }
    boolean changed = false;
    for (int i0 = 0; i0 < n; i0 += KMEANS_BLOCK_ROWS) {
      int m = Math.min(KMEANS_BLOCK_ROWS, n - i0);
      dense.gemm(x, xOff + i0 * d, d, m, d, scratch, centroidsT, k, k, scratch, halfNorms, scratch, scores, k, false);
      for (int r = 0; r < m; r++) {
        int best = argmax(scratch, scores + r * k, k);
        int at = aOff + i0 + r;
        if (assignment[at] != best) {
          assignment[at] = best;
          changed = true;
        }
      }
    }
    return changed;
  }

  /**
   * First index of the maximum: a lane-wise max pass, then the first lane equal to it. Same result
   * as {@link ScalarGraph#argmax}; a row holding NaN (no lane equals a NaN maximum) takes the
   * scalar definition.
   */
  static int argmax(float[] v, int off, int n) {
    FloatVector max = FloatVector.broadcast(FLOAT, Float.NEGATIVE_INFINITY);
    for (int i = 0; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      max = max.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOAT, v, off + i, m), m);
    }
    float best = max.reduceLanes(VectorOperators.MAX);
    for (int i = 0; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      VectorMask<Float> eq = FloatVector.fromArray(FLOAT, v, off + i, m).compare(VectorOperators.EQ, best, m);
      if (eq.anyTrue()) {
        return i + eq.firstTrue();
      }
    }
    return ScalarGraph.argmax(v, off, n);
  }

  private void update(float[] x, int xOff, int n, int d, float[] centroids, int cOff, int k,
                      int[] assignment, int aOff, float[] scratch, int scratchOff) {
    int sums = scratchOff + d * k + k + Math.min(n, KMEANS_BLOCK_ROWS) * k;
    int counts = sums + k * d;
    Arrays.fill(scratch, sums, counts + k, 0f);
    for (int i = 0; i < n; i++) {
      int j = assignment[aOff + i];
      dense.axpy(1f, x, xOff + i * d, scratch, sums + j * d, d);
      scratch[counts + j] += 1f;
    }
    for (int j = 0; j < k; j++) {
      float count = scratch[counts + j];
      if (count > 0f) {
        divide(scratch, sums + j * d, count, centroids, cOff + j * d, d);
      }
    }
  }

  /** {@code out = v / divisor} element-wise (a true division, as the scalar definition). */
  private static void divide(float[] v, int off, float divisor, float[] out, int outOff, int n) {
    FloatVector by = FloatVector.broadcast(FLOAT, divisor);
    for (int i = 0; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector.fromArray(FLOAT, v, off + i, m).div(by).intoArray(out, outOff + i, m);
    }
  }

  @Override
  public void kMeansPlusPlus(float[] x, int xOff, int n, int d, int k, long seed, float[] centroids, int cOff,
                             float[] scratch, int scratchOff) {
    SplittableRandom random = new SplittableRandom(seed);
    int first = random.nextInt(n);
    System.arraycopy(x, xOff + first * d, centroids, cOff, d);
    for (int i = 0; i < n; i++) {
      scratch[scratchOff + i] = squaredDistance(x, xOff + i * d, centroids, cOff, d);
    }
    for (int j = 1; j < k; j++) {
      int pick = ScalarGraph.pickProportional(scratch, scratchOff, n, random);
      int c = cOff + j * d;
      System.arraycopy(x, xOff + pick * d, centroids, c, d);
      for (int i = 0; i < n; i++) {
        float dist = squaredDistance(x, xOff + i * d, centroids, c, d);
        if (dist < scratch[scratchOff + i]) {
          scratch[scratchOff + i] = dist;
        }
      }
    }
  }

  /**
   * {@code sum_t (a[t] - b[t])^2} from the differences, two accumulators and a masked tail. The
   * accumulators start from {@code FloatVector.zero}, not from a static final vector constant: a
   * loop phi fed by a constant box keeps C2 from scalarizing it, which boxes every iteration.
   */
  static float squaredDistance(float[] a, int aOff, float[] b, int bOff, int d) {
    FloatVector s0 = FloatVector.zero(FLOAT);
    FloatVector s1 = FloatVector.zero(FLOAT);
    int i = 0;
    for (; i + 2 * FLOAT_LANES <= d; i += 2 * FLOAT_LANES) {
      FloatVector d0 = FloatVector.fromArray(FLOAT, a, aOff + i).sub(FloatVector.fromArray(FLOAT, b, bOff + i));
      FloatVector d1 = FloatVector.fromArray(FLOAT, a, aOff + i + FLOAT_LANES)
          .sub(FloatVector.fromArray(FLOAT, b, bOff + i + FLOAT_LANES));
      s0 = d0.fma(d0, s0);
      s1 = d1.fma(d1, s1);
    }
    for (; i < d; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, d);
      FloatVector diff = FloatVector.fromArray(FLOAT, a, aOff + i, m).sub(FloatVector.fromArray(FLOAT, b, bOff + i, m));
      s0 = diff.fma(diff, s0);
    }
    FloatVector h = s0.add(s1); // lanes summed in a fixed order, see Lanes
    h = Lanes.FOLD8 ? h.add(h.rearrange(Lanes.XOR8)) : h;
    h = Lanes.FOLD4 ? h.add(h.rearrange(Lanes.XOR4)) : h;
    h = Lanes.FOLD2 ? h.add(h.rearrange(Lanes.XOR2)) : h;
    return h.add(h.rearrange(Lanes.XOR1)).lane(0);
  }

  @Override
  public void nearestMembers(float[] x, int xOff, int n, int d, float[] centroids, int cOff, int k,
                             int[] assignment, int aOff, int[] nearest, int nOff, float[] scratch, int scratchOff) {
    Arrays.fill(nearest, nOff, nOff + k, -1);
    Arrays.fill(scratch, scratchOff, scratchOff + k, Float.POSITIVE_INFINITY);
    for (int i = 0; i < n; i++) {
      int j = assignment[aOff + i];
      float dist = squaredDistance(x, xOff + i * d, centroids, cOff + j * d, d);
      if (dist < scratch[scratchOff + j] || nearest[nOff + j] < 0) {
        scratch[scratchOff + j] = dist;
        nearest[nOff + j] = i;
      }
    }
  }
}
