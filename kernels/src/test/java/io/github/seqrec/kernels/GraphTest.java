package io.github.seqrec.kernels;

import static io.github.seqrec.kernels.TestArrays.assertClose;
import static io.github.seqrec.kernels.TestArrays.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.internal.GraphKernels;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GraphTest {
  private static final double TOL = 1e-5;

  // ------------------------------------------------------------------ cosine similarity

  @Test
  void cosineSimilarityMatchesAHandComputedGraph() {
    float[] x = {3, 4, 0, 0, 1, 0}; // rows: (3, 4), a zero row, (1, 0)
    float[] s = new float[9];
    float[] scratch = new float[Graph.cosineSimilarityScratchSize(3, 2)];
    Graph.cosineSimilarity(x, 0, 3, 2, null, 0, s, 0, scratch, 0);
    assertClose("S", new float[] {1, 0, 0.6f, 0, 0, 0, 0.6f, 0, 1}, s, 1e-6, 1);
    Graph.cosineSimilarity(x, 0, 3, 2, new float[] {9, 1, 0}, 1, s, 0, scratch, 0); // w = (1, 0)
    assertClose("S weighted", new float[] {1, 0, 1, 0, 0, 0, 1, 0, 1}, s, 1e-6, 1);
  }

  @Test
  void cosineSimilarityMatchesTheDefinitionAndVectorMatchesScalar() {
    GraphKernels scalar = BackendPair.SCALAR.graph();
    GraphKernels vector = BackendPair.vector().graph();
    SplittableRandom random = new SplittableRandom(11);
    for (int rows : new int[] {0, 1, 7, 16, 17, 50, 63, 65, 250}) {
      for (int width : new int[] {1, 7, 16, 17, 40, 65}) {
        float[] x = uniform(random, 2 + rows * width);
        if (rows > 2) {
          Arrays.fill(x, 2 + width, 2 + 2 * width, 0f); // a zero row (a padded node without embedding)
        }
        float[] w = random.nextBoolean() ? uniform(random, width) : null;
        int size = Graph.cosineSimilarityScratchSize(rows, width);
        float[] expected = new float[rows * rows];
        float[] actual = new float[rows * rows];
        scalar.cosineSimilarity(x, 2, rows, width, w, 0, expected, 0, uniform(random, size), 0);
        vector.cosineSimilarity(x, 2, rows, width, w, 0, actual, 0, uniform(random, size + 3), 3);
        assertClose("cosine rows=" + rows + " width=" + width, expected, actual, TOL, 1);
        float[] facade = new float[rows * rows];
        Graph.cosineSimilarity(x, 2, rows, width, w, 0, facade, 0, new float[size], 0);
        assertClose("cosine definition", cosineReference(x, 2, rows, width, w), facade, TOL, 1);
      }
    }
  }

  static float[] cosineReference(float[] x, int off, int rows, int width, float[] w) {
    double[][] n = new double[rows][width];
    for (int i = 0; i < rows; i++) {
      double ss = 0;
      for (int c = 0; c < width; c++) {
        n[i][c] = x[off + i * width + c] * (w == null ? 1.0 : w[c]);
        ss += n[i][c] * n[i][c];
      }
      double inv = 1 / Math.sqrt(Math.max(ss, 1e-12));
      for (int c = 0; c < width; c++) {
        n[i][c] *= inv;
      }
    }
    float[] s = new float[rows * rows];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < rows; j++) {
        double dot = 0;
        for (int c = 0; c < width; c++) {
          dot += n[i][c] * n[j][c];
        }
        s[i * rows + j] = (float) dot;
      }
    }
    return s;
  }

  // ------------------------------------------------------------------ per-row top-r

  @Test
  void keepTopPerRowBreaksTiesByLowerColumn() {
    float[] row = {3, 1, 3, 2, 3};
    float[] scratch = new float[5];
    int[] indices = new int[5];
    float[][] expected = {{0, 0, 0, 0, 0}, {3, 0, 0, 0, 0}, {3, 0, 3, 0, 0}, {3, 0, 3, 0, 3}, {3, 0, 3, 2, 3},
        {3, 1, 3, 2, 3}, {3, 1, 3, 2, 3}};
    for (int r = 0; r < expected.length; r++) {
      float[] out = new float[5];
      Graph.keepTopPerRow(row, 0, 1, 5, r, out, 0, scratch, 0, indices, 0);
      assertThat(out).as("r=" + r).containsExactly(expected[r]);
    }
    float[] negative = {-1, -5, -1, -0.5f};
    Graph.keepTopPerRow(negative, 0, 2, 2, 1, negative, 0, scratch, 0, indices, 0); // two rows, in place
    assertThat(negative).containsExactly(-1, 0, 0, -0.5f);
  }

  @Test
  void keepTopPerRowMatchesAStableSortAndVectorMatchesScalarExactly() {
    GraphKernels scalar = BackendPair.SCALAR.graph();
    GraphKernels vector = BackendPair.vector().graph();
    SplittableRandom random = new SplittableRandom(12);
    for (int cols : new int[] {1, 7, 15, 16, 17, 63, 65, 1000, 4097}) {
      int rows = cols > 100 ? 3 : 1 + random.nextInt(20);
      for (int r : new int[] {0, 1, 2, cols / 2, cols - 1, cols, cols + 3}) {
        float[] s = quantized(random, rows * cols, 1 + random.nextInt(6)); // many ties
        float[] expected = new float[rows * cols];
        float[] actual = new float[rows * cols];
        int size = Graph.keepTopPerRowScratchSize(cols, r);
        scalar.keepTopPerRow(s, 0, rows, cols, r, expected, 0, uniform(random, size), 0, new int[size + 1], 1);
        vector.keepTopPerRow(s, 0, rows, cols, r, actual, 0, uniform(random, size + 2), 2, new int[size], 0);
        assertThat(actual).as("cols=" + cols + " r=" + r).containsExactly(expected);
        assertThat(expected).as("definition cols=" + cols + " r=" + r).containsExactly(topReference(s, rows, cols, r));
        float[] inPlace = s.clone();
        Graph.keepTopPerRow(inPlace, 0, rows, cols, r, inPlace, 0, new float[size], 0, new int[size], 0);
        assertThat(inPlace).containsExactly(expected);
      }
    }
  }

  /** Values in {-levels..levels} / levels: few distinct values, so ties are everywhere. */
  private static float[] quantized(SplittableRandom random, int n, int levels) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (random.nextInt(2 * levels + 1) - levels) / (float) levels;
    }
    return v;
  }

  /** A stable descending sort of the column indices; the first r keep their value. */
  static float[] topReference(float[] s, int rows, int cols, int r) {
    float[] out = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      int row = i * cols;
      Integer[] order = IntStream.range(0, cols).boxed().toArray(Integer[]::new);
      Arrays.sort(order, Comparator.comparingDouble((Integer j) -> s[row + j]).reversed()); // stable
      for (int q = 0; q < Math.min(r, cols); q++) {
        out[row + order[q]] = s[row + order[q]];
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ relative rank

  @Test
  void relativeRankFollowsSurgesThresholdRule() {
    float[] s = {0, 0.5f, 0.2f, 0.5f, 0, 0.9f, 0.2f, 0.9f, 0};
    float[] a = new float[9];
    float[] scratch = new float[9];
    // nnz = 6, k = ceil(0.5 * 6) = 3, sorted desc: .9 .9 .5 .5 ..., index 3 is 0.5, keep s > 0.5
    assertThat(Graph.relativeRankAdjacency(s, 0, 3, 3, 0.5f, a, 0, scratch, 0)).isEqualTo(0.5f);
    assertThat(a).containsExactly(0, 0, 0, 0, 0, 1, 0, 1, 0);
    // ratio 1: k = 6, index 6 of the sorted entries is 0, every nonzero entry survives
    assertThat(Graph.relativeRankAdjacency(s, 0, 3, 3, 1f, a, 0, scratch, 0)).isEqualTo(0f);
    assertThat(a).containsExactly(0, 1, 1, 1, 0, 1, 1, 1, 0);
    // every entry nonzero and ratio 1: k = n is out of range, threshold 0 (TF's GPU gather)
    float[] full = {0.3f, -0.2f, 0.1f, 0.4f};
    assertThat(Graph.relativeRankAdjacency(full, 0, 2, 2, 1f, full, 0, scratch, 0)).isEqualTo(0f);
    assertThat(full).containsExactly(1, 0, 1, 1);
    // 1 x 1 (SURGE with L = 1): k = 1 = n, threshold 0
    float[] one = {0.7f};
    assertThat(Graph.relativeRankAdjacency(one, 0, 1, 1, 0.5f, one, 0, scratch, 0)).isEqualTo(0f);
    assertThat(one).containsExactly(1);
    // ratio 0: k = 0, the threshold is the maximum and nothing is strictly above it
    float[] z = {0.3f, 0.1f, 0.3f, 0.2f};
    assertThat(Graph.relativeRankAdjacency(z, 0, 2, 2, 0f, a, 0, scratch, 0)).isEqualTo(0.3f);
    assertThat(Arrays.copyOf(a, 4)).containsExactly(0, 0, 0, 0);
    // empty graph
    assertThat(Graph.relativeRankAdjacency(new float[0], 0, 0, 0, 0.5f, new float[0], 0, new float[0], 0)).isEqualTo(0f);
  }

  // ------------------------------------------------------------------ min-max rows, normalised adjacency

  @Test
  void minMaxRowsNormalisesEachRowAndZeroesConstantRows() {
    float[] s = {1, 0.5f, -1, 0.25f, 0.25f, 0.25f, 2, 4, 3};
    float[] out = new float[9];
    Graph.minMaxRows(s, 0, 3, 3, out, 0);
    assertThat(out).containsExactly(1f, 0.75f, 0f, 0f, 0f, 0f, 0f, 1f, 0.5f);
    Graph.minMaxRows(s, 0, 3, 3, s, 0); // in place
    assertThat(s).containsExactly(out);
    float[] one = {0.7f};
    Graph.minMaxRows(one, 0, 1, 1, one, 0);
    assertThat(one).containsExactly(0f);
    Graph.minMaxRows(new float[0], 0, 0, 5, new float[0], 0);
    assertThatThrownBy(() -> Graph.minMaxRows(new float[9], 0, 3, 3, new float[8], 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out");
    float[] shared = new float[12];
    assertThatThrownBy(() -> Graph.minMaxRows(shared, 0, 3, 3, shared, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("in place");
  }

  @Test
  void minMaxRowsVectorMatchesScalarExactly() {
    GraphKernels scalar = BackendPair.SCALAR.graph();
    GraphKernels vector = BackendPair.vector().graph();
    SplittableRandom random = new SplittableRandom(17);
    for (int rows : new int[] {0, 1, 3, 17, 50}) {
      for (int cols : new int[] {1, 2, 7, 16, 17, 33, 50, 65}) {
        float[] s = random.nextBoolean() ? quantized(random, 1 + rows * cols, 3) : uniform(random, 1 + rows * cols);
        float[] expected = new float[rows * cols];
        float[] actual = new float[rows * cols + 2];
        scalar.minMaxRows(s, 1, rows, cols, expected, 0);
        vector.minMaxRows(s, 1, rows, cols, actual, 2);
        assertThat(Arrays.copyOfRange(actual, 2, actual.length)).as("rows=" + rows + " cols=" + cols)
            .containsExactly(expected);
        for (int r = 0; r < rows; r++) {
          double lo = Double.POSITIVE_INFINITY;
          double hi = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < cols; j++) {
            lo = Math.min(lo, s[1 + r * cols + j]);
            hi = Math.max(hi, s[1 + r * cols + j]);
          }
          for (int j = 0; j < cols; j++) {
            double e = hi > lo ? (s[1 + r * cols + j] - lo) / (hi - lo) : 0;
            assertThat((double) expected[r * cols + j]).isCloseTo(e, org.assertj.core.data.Offset.offset(1e-6));
          }
        }
      }
    }
  }

  @Test
  void normalizedAdjacencyAddsSelfLoopsAndScalesBySquareRootDegrees() {
    // a 3-node graph: 0 -> 1 only; the diagonal of a is ignored (forced to 1)
    float[] a = {0, 1, 0, 0, 0, 0, 0, 0, 1};
    float[] out = new float[9];
    float eps = 1e-7f;
    Graph.normalizedAdjacency(a, 0, 3, eps, out, 0, new float[3], 0);
    float d0 = (float) Math.sqrt(2) + eps;
    float d1 = 1f + eps;
    float d2 = 1f + eps;
    assertThat(out).containsExactly((1f / d0) / d0, (1f / d1) / d0, 0f, 0f, (1f / d1) / d1, 0f, 0f, 0f,
        (1f / d2) / d2);
    Graph.normalizedAdjacency(a, 0, 3, eps, a, 0, new float[3], 0); // in place
    assertThat(a).containsExactly(out);
    Graph.normalizedAdjacency(new float[0], 0, 0, eps, new float[0], 0, new float[0], 0);
    assertThatThrownBy(() -> Graph.normalizedAdjacency(new float[4], 0, 2, -1f, new float[4], 0, new float[2], 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eps");
    assertThatThrownBy(() -> Graph.normalizedAdjacency(new float[4], 0, 2, eps, new float[4], 0, new float[1], 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scratch");
  }

  @Test
  void normalizedAdjacencyVectorMatchesScalarExactly() {
    GraphKernels scalar = BackendPair.SCALAR.graph();
    GraphKernels vector = BackendPair.vector().graph();
    SplittableRandom random = new SplittableRandom(19);
    for (int n : new int[] {0, 1, 2, 7, 16, 17, 31, 50, 65}) {
      float[] a = new float[n * n + 1];
      for (int i = 1; i < a.length; i++) {
        a[i] = random.nextInt(3) == 0 ? 1f : 0f;
      }
      float[] expected = new float[n * n];
      float[] actual = new float[n * n];
      scalar.normalizedAdjacency(a, 1, n, 1e-7f, expected, 0, uniform(random, n), 0);
      vector.normalizedAdjacency(a, 1, n, 1e-7f, actual, 0, uniform(random, n + 1), 1);
      assertThat(actual).as("n=" + n).containsExactly(expected);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          assertThat(expected[i * n + j] > 0f).isEqualTo(i == j || a[1 + i * n + j] > 0f);
        }
      }
    }
  }

  @Test
  void relativeRankMatchesASortAndVectorMatchesScalarExactly() {
    GraphKernels scalar = BackendPair.SCALAR.graph();
    GraphKernels vector = BackendPair.vector().graph();
    SplittableRandom random = new SplittableRandom(13);
    for (int rows : new int[] {1, 7, 16, 17, 50, 65, 250}) {
      for (float ratio : new float[] {0f, 0.3f, 0.5f, 0.99f, 1f}) {
        int cols = rows == 250 ? 250 : 1 + random.nextInt(70);
        float[] s = random.nextBoolean() ? quantized(random, rows * cols, 4) : uniform(random, rows * cols);
        for (int i = 0; i < s.length; i += 3) {
          s[i] = 0f; // masked entries
        }
        float[] expected = new float[rows * cols];
        float[] actual = new float[rows * cols];
        float te = scalar.relativeRankAdjacency(s, 0, rows, cols, ratio, expected, 0, new float[rows * cols], 0);
        float ta = vector.relativeRankAdjacency(s, 0, rows, cols, ratio, actual, 0, new float[rows * cols], 0);
        assertThat(ta).isEqualTo(te);
        assertThat(actual).containsExactly(expected);
        float[] sorted = s.clone();
        Arrays.sort(sorted);
        long nnz = IntStream.range(0, s.length).filter(i -> s[i] != 0f).count();
        int k = (int) Math.ceil((float) nnz * ratio);
        float thr = k >= s.length ? 0f : sorted[s.length - 1 - k];
        assertThat(te).as("threshold rows=" + rows + " ratio=" + ratio).isEqualTo(thr);
        for (int i = 0; i < s.length; i++) {
          assertThat(expected[i]).isEqualTo(s[i] > thr ? 1f : 0f);
        }
      }
    }
  }

  // ------------------------------------------------------------------ k-means

  @Test
  void kMeansRunsLloydByHand() {
    float[] x = {0, 1, 10, 11};
    float[] c = {0, 1};
    int[] a = new int[4];
    float[] scratch = new float[Clustering.kMeansScratchSize(4, 1, 2)];
    // assign 0,1,1,1 -> c = (0, 22/3) -> assign 0,0,1,1 -> c = (0.5, 10.5) -> assign unchanged: 2 updates
    assertThat(Clustering.kMeans(x, 0, 4, 1, c, 0, 2, 10, a, 0, scratch, 0)).isEqualTo(2);
    assertThat(c).containsExactly(0.5f, 10.5f);
    assertThat(a).containsExactly(0, 0, 1, 1);

    // an empty cluster keeps its centroid; an equidistant point goes to the lower centroid
    float[] c2 = {0, 100};
    assertThat(Clustering.kMeans(new float[] {0, 1}, 0, 2, 1, c2, 0, 2, 10, a, 0, scratch, 0)).isEqualTo(1);
    assertThat(c2).containsExactly(0.5f, 100);
    float[] c3 = {0, 1};
    assertThat(Clustering.kMeans(new float[] {0.5f}, 0, 1, 1, c3, 0, 2, 0, a, 0, scratch, 0)).isZero();
    assertThat(a[0]).isZero();
    assertThat(c3).containsExactly(0, 1);

    // the iteration cap: stops after one update even though assignments still change
    float[] c4 = {0, 1};
    assertThat(Clustering.kMeans(x, 0, 4, 1, c4, 0, 2, 1, a, 0, scratch, 0)).isEqualTo(1);
    assertThat(c4[1]).isCloseTo(22f / 3, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(a).containsExactly(0, 0, 1, 1); // nearest for the returned centroids

    // no points: nothing to do
    float[] c5 = {4, 5};
    assertThat(Clustering.kMeans(new float[0], 0, 0, 1, c5, 0, 2, 5, new int[0], 0, scratch, 0)).isZero();
    assertThat(c5).containsExactly(4, 5);
  }

  @Test
  void kMeansMatchesADoubleReferenceAndVectorMatchesScalar() {
    GraphKernels scalar = BackendPair.SCALAR.graph();
    GraphKernels vector = BackendPair.vector().graph();
    SplittableRandom random = new SplittableRandom(14);
    int[][] shapes = {{1, 1, 1}, {7, 3, 2}, {63, 16, 3}, {65, 17, 16}, {1000, 64, 17}, {1000, 7, 5}, {200, 1, 4},
        {4097, 16, 8}, {130, 65, 63}};
    for (int[] shape : shapes) {
      int n = shape[0], d = shape[1], k = shape[2];
      float[] x = blobs(random, n, d, k);
      float[] init = new float[k * d];
      System.arraycopy(x, 0, init, 0, k * d); // first-k
      int maxIterations = 1 + random.nextInt(8);
      int size = Clustering.kMeansScratchSize(n, d, k);
      float[] cs = init.clone();
      float[] cv = init.clone();
      int[] as = new int[n + 1];
      int[] av = new int[n + 1];
      int is = scalar.kMeans(x, 0, n, d, cs, 0, k, maxIterations, as, 1, uniform(random, size), 0);
      int iv = vector.kMeans(x, 0, n, d, cv, 0, k, maxIterations, av, 1, uniform(random, size + 2), 2);
      String what = "k-means " + Arrays.toString(shape);
      assertThat(iv).as(what).isEqualTo(is);
      assertThat(av).as(what).containsExactly(as);
      assertClose(what, cs, cv, TOL, 1);

      float[] cr = init.clone();
      int[] ar = new int[n];
      int ir = kMeansReference(x, n, d, cr, k, maxIterations, ar);
      float[] cf = init.clone();
      int[] af = new int[n];
      assertThat(Clustering.kMeans(x, 0, n, d, cf, 0, k, maxIterations, af, 0, new float[size], 0)).isEqualTo(ir);
      assertThat(af).as(what + " vs reference").containsExactly(ar);
      assertClose(what + " vs reference", cr, cf, 1e-4, 1);
    }
  }

  /** Points around k centres far apart (so no point is near a tie between two centroids). */
  static float[] blobs(SplittableRandom random, int n, int d, int k) {
    float[][] centres = new float[k][];
    for (int j = 0; j < k; j++) {
      centres[j] = uniform(random, d);
      for (int t = 0; t < d; t++) {
        centres[j][t] *= 10;
      }
    }
    float[] x = new float[n * d];
    for (int i = 0; i < n; i++) {
      float[] centre = centres[random.nextInt(k)];
      for (int t = 0; t < d; t++) {
        x[i * d + t] = centre[t] + (float) (random.nextGaussian() * 0.5);
      }
    }
    return x;
  }

  /** Lloyd's algorithm in double with explicit distances, the same stopping rule. */
  static int kMeansReference(float[] x, int n, int d, float[] c, int k, int maxIterations, int[] a) {
    referenceAssign(x, n, d, c, k, a);
    int it = 0;
    while (it < maxIterations) {
      double[] sums = new double[k * d];
      int[] counts = new int[k];
      for (int i = 0; i < n; i++) {
        counts[a[i]]++;
        for (int t = 0; t < d; t++) {
          sums[a[i] * d + t] += x[i * d + t];
        }
      }
      for (int j = 0; j < k; j++) {
        if (counts[j] > 0) {
          for (int t = 0; t < d; t++) {
            c[j * d + t] = (float) (sums[j * d + t] / counts[j]);
          }
        }
      }
      it++;
      if (!referenceAssign(x, n, d, c, k, a)) {
        break;
      }
    }
    return it;
  }

  private static boolean referenceAssign(float[] x, int n, int d, float[] c, int k, int[] a) {
    boolean changed = false;
    for (int i = 0; i < n; i++) {
      int best = 0;
      double bestDist = Double.POSITIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        double dist = 0;
        for (int t = 0; t < d; t++) {
          double diff = x[i * d + t] - c[j * d + t];
          dist += diff * diff;
        }
        if (dist < bestDist) {
          bestDist = dist;
          best = j;
        }
      }
      changed |= a[i] != best;
      a[i] = best;
    }
    return changed;
  }

  @Test
  void kMeansPlusPlusIsDeterministicAndPicksDistinctRows() {
    GraphKernels scalar = BackendPair.SCALAR.graph();
    GraphKernels vector = BackendPair.vector().graph();
    SplittableRandom random = new SplittableRandom(15);
    for (int[] shape : new int[][] {{1, 1, 1}, {7, 3, 7}, {65, 17, 16}, {1000, 64, 17}, {4097, 7, 63}}) {
      int n = shape[0], d = shape[1], k = shape[2];
      float[] x = blobs(random, n, d, Math.max(1, k / 2));
      float[] cs = new float[k * d];
      float[] cv = new float[k * d + 1];
      scalar.kMeansPlusPlus(x, 0, n, d, k, 42, cs, 0, new float[n], 0);
      vector.kMeansPlusPlus(x, 0, n, d, k, 42, cv, 1, new float[n + 1], 1);
      assertThat(Arrays.copyOfRange(cv, 1, cv.length)).as("vector vs scalar " + Arrays.toString(shape))
          .containsExactly(cs);
      float[] again = new float[k * d];
      Clustering.kMeansPlusPlus(x, 0, n, d, k, 42, again, 0, new float[n], 0);
      assertThat(again).containsExactly(cs);
      int first = new SplittableRandom(42).nextInt(n);
      assertThat(Arrays.copyOf(cs, d)).containsExactly(Arrays.copyOfRange(x, first * d, (first + 1) * d));
      int[] rows = new int[k];
      for (int j = 0; j < k; j++) {
        rows[j] = rowOf(x, n, d, cs, j);
        assertThat(rows[j]).as("centroid " + j + " is a row of x").isNotNegative();
      }
      assertThat(Arrays.stream(rows).distinct().count()).as("distinct rows").isEqualTo(k);
    }
    // fewer distinct rows than k: every D is 0 after the first pick, no failure
    float[] same = {2, 3, 2, 3, 2, 3};
    float[] c = new float[6];
    Clustering.kMeansPlusPlus(same, 0, 3, 2, 3, 7, c, 0, new float[3], 0);
    assertThat(c).containsExactly(2, 3, 2, 3, 2, 3);
  }

  private static int rowOf(float[] x, int n, int d, float[] c, int j) {
    for (int i = 0; i < n; i++) {
      if (Arrays.equals(x, i * d, (i + 1) * d, c, j * d, (j + 1) * d)) {
        return i;
      }
    }
    return -1;
  }

  // ------------------------------------------------------------------ nearest members

  @Test
  void nearestMembersByHand() {
    float[] x = {0, 2, 3, 10};
    int[] nearest = new int[3];
    float[] scratch = new float[3];
    Clustering.nearestMembers(x, 0, 4, 1, new float[] {1.9f, 0, 5}, 0, 3, new int[] {0, 0, 0, 1}, 0, nearest, 0,
        scratch, 0);
    assertThat(nearest).containsExactly(1, 3, -1);
    Clustering.nearestMembers(new float[] {1, 3}, 0, 2, 1, new float[] {2}, 0, 1, new int[] {0, 0}, 0, nearest, 0,
        scratch, 0);
    assertThat(nearest[0]).as("tie goes to the lower index").isZero();
    Clustering.nearestMembers(new float[0], 0, 0, 1, new float[] {2, 3}, 0, 2, new int[0], 0, nearest, 0, scratch, 0);
    assertThat(Arrays.copyOf(nearest, 2)).containsExactly(-1, -1);
  }

  @Test
  void vectorNearestMembersMatchesScalar() {
    GraphKernels scalar = BackendPair.SCALAR.graph();
    GraphKernels vector = BackendPair.vector().graph();
    SplittableRandom random = new SplittableRandom(16);
    for (int n : new int[] {1, 7, 16, 17, 65, 1000, 4097}) {
      for (int d : new int[] {1, 7, 16, 17, 64}) {
        int k = 1 + random.nextInt(20);
        float[] x = uniform(random, n * d);
        float[] c = uniform(random, k * d);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
          a[i] = random.nextInt(k);
        }
        int[] expected = new int[k];
        int[] actual = new int[k];
        scalar.nearestMembers(x, 0, n, d, c, 0, k, a, 0, expected, 0, new float[k], 0);
        vector.nearestMembers(x, 0, n, d, c, 0, k, a, 0, actual, 0, new float[k], 0);
        assertThat(actual).as("n=" + n + " d=" + d).containsExactly(expected);
        for (int j = 0; j < k; j++) {
          int best = -1;
          double bestDist = Double.POSITIVE_INFINITY;
          for (int i = 0; i < n; i++) {
            if (a[i] != j) {
              continue;
            }
            double dist = 0;
            for (int t = 0; t < d; t++) {
              double diff = x[i * d + t] - c[j * d + t];
              dist += diff * diff;
            }
            if (dist < bestDist) {
              bestDist = dist;
              best = i;
            }
          }
          assertThat(expected[j]).as("definition, cluster " + j).isEqualTo(best);
        }
      }
    }
  }

  // ------------------------------------------------------------------ bad input

  @Test
  void badArgumentsNameTheArgumentAndTheShapes() {
    assertThatThrownBy(() -> Graph.cosineSimilarity(new float[5], 0, 3, 2, null, 0, new float[9], 0, new float[12], 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x needs 6 elements");
    assertThatThrownBy(() -> Graph.cosineSimilarity(new float[6], 0, 3, 2, null, 0, new float[9], 0, new float[11], 0))
        .hasMessageContaining("scratch needs 12 elements");
    assertThatThrownBy(() -> Graph.cosineSimilarity(new float[6], 0, 3, 2, new float[1], 0, new float[9], 0,
        new float[12], 0)).hasMessageContaining("featureWeight needs 2 elements");
    float[] big = new float[40];
    assertThatThrownBy(() -> Graph.cosineSimilarity(big, 0, 3, 2, null, 0, big, 4, new float[12], 0))
        .hasMessageContaining("must not overlap");
    assertThatThrownBy(() -> Graph.keepTopPerRow(new float[6], 0, 2, 3, -1, new float[6], 0, new float[3], 0,
        new int[3], 0)).hasMessageContaining("r must be >= 0, got -1");
    assertThatThrownBy(() -> Graph.keepTopPerRow(big, 0, 2, 3, 1, big, 2, new float[3], 0, new int[3], 0))
        .hasMessageContaining("out must be exactly s (in place, offset 0) or not overlap it, got offset 2");
    assertThatThrownBy(() -> Graph.keepTopPerRow(new float[6], 0, 2, 3, 2, new float[6], 0, new float[1], 0,
        new int[2], 0)).hasMessageContaining("scratch needs 2 elements");
    assertThatThrownBy(() -> Graph.keepTopPerRow(new float[6], 0, 2, 3, 2, new float[6], 0, new float[2], 0,
        new int[2], 1)).hasMessageContaining("indexScratch needs 2 elements from offset 1");
    assertThatThrownBy(() -> Graph.keepTopPerRow(new float[] {1, 2, 3, 4, Float.NaN, 6}, 0, 2, 3, 2, new float[6], 0,
        new float[2], 0, new int[2], 0)).hasMessageContaining("scores[1] is NaN");
    assertThatThrownBy(() -> Graph.relativeRankAdjacency(new float[4], 0, 2, 2, 1.5f, new float[4], 0, new float[4], 0))
        .hasMessageContaining("ratio must be in [0, 1], got 1.5");
    assertThatThrownBy(() -> Graph.relativeRankAdjacency(new float[4], 0, 2, 2, Float.NaN, new float[4], 0,
        new float[4], 0)).hasMessageContaining("ratio must be in [0, 1], got NaN");
    assertThatThrownBy(() -> Graph.relativeRankAdjacency(new float[4], 0, 2, 2, 0.5f, new float[4], 0, new float[3], 0))
        .hasMessageContaining("scratch needs 4 elements");

    float[] scratch = new float[100];
    assertThatThrownBy(() -> Clustering.kMeans(new float[4], 0, 2, 2, new float[3], 0, 2, 5, new int[2], 0, scratch, 0))
        .hasMessageContaining("centroids needs 4 elements");
    assertThatThrownBy(() -> Clustering.kMeans(new float[4], 0, 2, 2, new float[4], 0, 2, -1, new int[2], 0, scratch, 0))
        .hasMessageContaining("maxIterations must be >= 0, got -1");
    assertThatThrownBy(() -> Clustering.kMeans(new float[4], 0, 2, 2, new float[4], 0, 0, 5, new int[2], 0, scratch, 0))
        .hasMessageContaining("k must be > 0, got 0");
    assertThatThrownBy(() -> Clustering.kMeans(new float[4], 0, 2, 2, new float[4], 0, 2, 5, new int[1], 0, scratch, 0))
        .hasMessageContaining("assignment needs 2 elements");
    assertThatThrownBy(() -> Clustering.kMeans(new float[4], 0, 2, 2, new float[4], 0, 2, 5, new int[2], 0,
        new float[15], 0)).hasMessageContaining("scratch needs 16 elements");
    assertThatThrownBy(() -> Clustering.kMeansPlusPlus(new float[4], 0, 2, 2, 3, 1, new float[6], 0, new float[2], 0))
        .hasMessageContaining("k must be in [1, 2], got 3");
    assertThatThrownBy(() -> Clustering.kMeansPlusPlus(new float[0], 0, 0, 2, 1, 1, new float[2], 0, new float[0], 0))
        .hasMessageContaining("n must be > 0, got 0");
    assertThatThrownBy(() -> Clustering.nearestMembers(new float[4], 0, 2, 2, new float[4], 0, 2, new int[] {0, 2}, 0,
        new int[2], 0, new float[2], 0)).hasMessageContaining("assignment[1] must be in [0, 2), got 2");
    assertThatThrownBy(() -> Clustering.nearestMembers(new float[4], 0, 2, 2, new float[4], 0, 2, new int[] {0, -1}, 0,
        new int[2], 0, new float[2], 0)).hasMessageContaining("assignment[1] must be in [0, 2), got -1");
    assertThatThrownBy(() -> Clustering.nearestMembers(new float[4], 0, 2, 2, new float[4], 0, 2, new int[2], 0,
        new int[1], 0, new float[2], 0)).hasMessageContaining("nearest needs 2 elements");
  }
}
