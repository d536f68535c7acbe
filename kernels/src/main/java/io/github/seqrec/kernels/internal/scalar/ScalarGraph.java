package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.GraphKernels;
import io.github.seqrec.kernels.internal.SelectionKernels;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Scalar graph and clustering kernels: the definitions. The similarity matrix and the k-means
 * assignment step are GEMMs through the scalar {@link DenseKernels}, the per-row top-r is
 * {@link SelectionKernels#topK}; the rest is plain loops. SURGE's global threshold is an order
 * statistic (the (k+1)-th largest of all entries, k about half of them), found by quickselect
 * ({@link #largest}), public static so the vector backend runs the very same code.
 */
public final class ScalarGraph implements GraphKernels {
  private final DenseKernels dense;
  private final SelectionKernels selection;

  public ScalarGraph(DenseKernels dense, SelectionKernels selection) {
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
      for (int c = 0; c < width; c++) {
        float v = x[xOff + i * width + c];
        scratch[row + c] = weight == null ? v : v * weight[weightOff + c];
      }
      float inv = inverseNorm(dense.dot(scratch, row, scratch, row, width));
      for (int c = 0; c < width; c++) {
        scratch[row + c] *= inv;
      }
    }
    dense.transpose(scratch, xn, rows, width, scratch, xt);
    dense.gemm(scratch, xn, width, rows, width, scratch, xt, rows, rows, null, 0, s, sOff, rows, false);
  }

  /** {@code 1 / sqrt(max(sumOfSquares, 1e-12))}: TensorFlow's {@code l2_normalize}, as SURGE calls it. */
  public static float inverseNorm(float sumOfSquares) {
    return (float) (1.0 / Math.sqrt(Math.max(sumOfSquares, NORM_EPSILON)));
  }

  @Override
  public void keepTopPerRow(float[] s, int sOff, int rows, int cols, int r, float[] out, int outOff,
                            float[] scratch, int scratchOff, int[] indexScratch, int indexOff) {
    keepTopPerRow(selection, s, sOff, rows, cols, r, out, outOff, scratch, scratchOff, indexScratch, indexOff);
  }

  /**
   * Per row: the top r (values and columns) into the scratch, then the output row is zeroed and
   * the r values are put back at their columns. The values are saved before the row is written,
   * so out may be s itself. Shared by both backends (the selection kernel is the backend's own).
   */
  public static void keepTopPerRow(SelectionKernels selection, float[] s, int sOff, int rows, int cols, int r,
                                   float[] out, int outOff, float[] scratch, int scratchOff,
                                   int[] indexScratch, int indexOff) {
    if (r >= cols) {
      if (s != out || sOff != outOff) {
        System.arraycopy(s, sOff, out, outOff, rows * cols);
      }
      return;
    }
    if (r == 0) {
      Arrays.fill(out, outOff, outOff + rows * cols, 0f);
      return;
    }
    for (int i = 0; i < rows; i++) {
      int m = selection.topK(s, sOff + i * cols, cols, r, scratch, scratchOff, indexScratch, indexOff);
      int row = outOff + i * cols;
      Arrays.fill(out, row, row + cols, 0f);
      for (int q = 0; q < m; q++) {
        out[row + indexScratch[indexOff + q]] = scratch[scratchOff + q];
      }
    }
  }

  /**
   * The value at index {@code rank} (0-based) of {@code a[off .. off+n)} sorted in descending
   * order, found by quickselect (Hoare partition around a median-of-three pivot, expected O(n)).
   * Reorders that region; allocates nothing. Values must not be NaN.
   */
  public static float largest(float[] a, int off, int n, int rank) {
    int target = off + (n - 1 - rank); // the same element in ascending order
    int lo = off;
    int hi = off + n - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      float pivot = median(a[lo], a[mid], a[hi]);
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] < pivot) {
          i++;
        }
        while (a[j] > pivot) {
          j--;
        }
        if (i <= j) {
          float t = a[i];
          a[i] = a[j];
          a[j] = t;
          i++;
          j--;
        }
      }
      // now a[lo..j] <= pivot <= a[i..hi], and every element strictly between j and i equals pivot
      if (target <= j) {
        hi = j;
      } else if (target >= i) {
        lo = i;
      } else {
        return a[target];
      }
    }
    return a[target];
  }

  private static float median(float a, float b, float c) {
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }

  @Override
  public float relativeRankAdjacency(float[] s, int sOff, int rows, int cols, float ratio, float[] adjacency, int aOff,
                                     float[] scratch, int scratchOff) {
    int n = rows * cols;
    int nonZero = 0;
    for (int i = 0; i < n; i++) {
      if (s[sOff + i] != 0f) {
        nonZero++;
      }
    }
    float threshold = relativeRankThreshold(s, sOff, n, nonZero, ratio, scratch, scratchOff);
    for (int i = 0; i < n; i++) {
      adjacency[aOff + i] = s[sOff + i] > threshold ? 1f : 0f;
    }
    return threshold;
  }

  /**
   * SURGE's threshold: {@code k = ceil(nnz ratio)} computed in float32 as the TF code does
   * ({@code tf.cast(count_nonzero, float32) * 0.5}), then the entry at index k of the entries sorted
   * descending. {@code k >= n} (every entry nonzero and a ratio near 1, or a 1 x 1 graph) is an
   * out-of-range gather in the official code, which TF's GPU kernel answers with 0: so 0 here.
   */
  public static float relativeRankThreshold(float[] s, int sOff, int n, int nonZero, float ratio,
                                            float[] scratch, int scratchOff) {
    int k = (int) Math.ceil((float) nonZero * ratio);
    if (k >= n) {
      return 0f;
    }
    System.arraycopy(s, sOff, scratch, scratchOff, n);
    return largest(scratch, scratchOff, n, k);
  }

  @Override
  public void minMaxRows(float[] s, int sOff, int rows, int cols, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      int in = sOff + r * cols;
      int o = outOff + r * cols;
      float lo = Float.POSITIVE_INFINITY;
      float hi = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < cols; j++) {
        lo = Math.min(lo, s[in + j]);
        hi = Math.max(hi, s[in + j]);
      }
      float span = hi - lo;
      for (int j = 0; j < cols; j++) {
        out[o + j] = span > 0f ? (s[in + j] - lo) / span : 0f;
      }
    }
  }

  @Override
  public void normalizedAdjacency(float[] a, int aOff, int n, float eps, float[] out, int outOff, float[] scratch,
                                  int scratchOff) {
    for (int i = 0; i < n; i++) {
      int edges = 0;
      for (int j = 0; j < n; j++) {
        if (j == i || a[aOff + i * n + j] > 0f) {
          edges++;
        }
      }
      scratch[scratchOff + i] = (float) Math.sqrt(edges) + eps;
    }
    for (int i = 0; i < n; i++) {
      float di = scratch[scratchOff + i];
      for (int j = 0; j < n; j++) {
        boolean edge = j == i || a[aOff + i * n + j] > 0f;
        out[outOff + i * n + j] = edge ? (1f / scratch[scratchOff + j]) / di : 0f;
      }
    }
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

  /**
   * Assignment step: {@code argmin_j ||x - c_j||^2 = argmax_j (x . c_j - ||c_j||^2 / 2)} (the
   * {@code ||x||^2} term is the same for every j). One GEMM per block of rows scores them against
   * all centroids, with {@code -||c_j||^2 / 2} as the GEMM's column bias; ties go to the lower j.
   * Returns whether any assignment changed.
   */
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

  /** Index of the largest of n values (first one on ties; NaN never wins unless all are NaN: then 0). */
  public static int argmax(float[] v, int off, int n) {
    int best = 0;
    float bestValue = v[off];
    for (int j = 1; j < n; j++) {
      if (v[off + j] > bestValue) {
        bestValue = v[off + j];
        best = j;
      }
    }
    return best;
  }

  /**
   * Update step: each centroid becomes the mean of its members (sums accumulated in row order);
   * a cluster with no member keeps its previous centroid.
   */
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
        for (int t = 0; t < d; t++) {
          centroids[cOff + j * d + t] = scratch[sums + j * d + t] / count;
        }
      }
    }
  }

  /**
   * k-means++ (Arthur and Vassilvitskii 2007): the first centroid is row
   * {@code random.nextInt(n)}; each next one is row i with probability {@code D(i) / sum D}, D the
   * squared distance to the nearest centroid chosen so far, drawn as the first i whose running sum
   * of D (in row order, in double) exceeds {@code random.nextDouble() * sum D}. If every D is 0
   * (fewer distinct rows than k) the row is {@code random.nextInt(n)}.
   */
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
      int pick = pickProportional(scratch, scratchOff, n, random);
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

  /** The D^2-weighted draw of {@link #kMeansPlusPlus}, shared by both backends. */
  public static int pickProportional(float[] dist, int off, int n, SplittableRandom random) {
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += dist[off + i];
    }
    if (!(total > 0)) {
      return random.nextInt(n);
    }
    double target = random.nextDouble() * total;
    double running = 0;
    int lastPositive = 0;
    for (int i = 0; i < n; i++) {
      float di = dist[off + i];
      if (di > 0f) {
        running += di;
        lastPositive = i;
        if (running > target) {
          return i;
        }
      }
    }
    return lastPositive; // rounding left target at the very top of the range
  }

  /** {@code sum_t (a[t] - b[t])^2}, computed from the differences (no cancellation). */
  private static float squaredDistance(float[] a, int aOff, float[] b, int bOff, int d) {
    float sum = 0f;
    for (int t = 0; t < d; t++) {
      float diff = a[aOff + t] - b[bOff + t];
      sum += diff * diff;
    }
    return sum;
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
