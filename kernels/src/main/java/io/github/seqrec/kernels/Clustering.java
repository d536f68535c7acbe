package io.github.seqrec.kernels;

import static io.github.seqrec.kernels.Graph.disjoint;
import static io.github.seqrec.kernels.Graph.intSize;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.GraphKernels;
import io.github.seqrec.kernels.internal.KernelProvider;

/**
 * Deterministic k-means for compressing long behaviour sequences into clusters (TWIN-V2, Si et al.
 * CIKM 2024: offline hierarchical clustering, one virtual item per cluster): Lloyd's algorithm
 * from given centroids, k-means++ seeding from a seed, and the member nearest to each centroid.
 *
 * <p>Points are the rows of an {@code n x d} row-major {@code float[]}, centroids a {@code k x d}
 * one, assignments {@code int[]} cluster indices. Outputs go into caller-provided arrays; scratch
 * space is a caller-provided {@code float[]} region of the size the matching
 * {@code ...ScratchSize} method returns (any content on entry). Nothing allocates except the one
 * {@code SplittableRandom} of {@link #kMeansPlusPlus}. Stateless and thread-safe. Arguments are
 * checked here, once, and a bad one raises {@link IllegalArgumentException} naming it.
 */
public final class Clustering {
  private static final GraphKernels KERNELS = KernelProvider.get().graph();

  /** Most points {@link #kMeans} accepts: cluster sizes are counted exactly in float. */
  public static final int MAX_POINTS = 1 << 24;

  private Clustering() {}

  /**
   * Scratch floats {@link #kMeans} needs: {@code 2 d k + 2 k + min(n, 64) k} (centroids
   * transposed, their half squared norms, one block of scores, cluster sums, cluster sizes).
   */
  public static int kMeansScratchSize(int n, int d, int k) {
    Checks.nonNegative("n", n);
    Checks.positive("d", d);
    Checks.positive("k", k);
    return intSize("k-means scratch", 2L * d * k + 2L * k + (long) Math.min(n, GraphKernels.KMEANS_BLOCK_ROWS) * k);
  }

  /**
   * Lloyd's k-means. x is {@code n x d} at xOff; centroids ({@code k x d} at cOff) hold the initial
   * centroids on entry and the final ones on return; assignment gets n cluster indices at aOff.
   * <ol>
   *   <li>Assign every row to its nearest centroid, {@code argmin_j ||x - c_j||^2}, ties to the lower
   *       j, computed as {@code argmax_j (x . c_j - ||c_j||^2 / 2)} with one GEMM per block of
   *       rows ({@code ||x||^2} is common to all j).
   *   <li>Repeat at most {@code maxIterations} times: set each centroid to the mean of its members
   *       (a cluster left empty <b>keeps its previous centroid</b>), then reassign; stop as soon as
   *       no assignment changed.
   * </ol>
   * Returns the number of update steps done (0 when {@code maxIterations = 0} or n = 0). On return
   * the assignment is always the nearest-centroid assignment for the returned centroids. Fully
   * deterministic: same inputs, same result (initialize with {@link #kMeansPlusPlus} for a seeded
   * start, or copy the first k rows for "first-k"). {@code n <= }{@link #MAX_POINTS}. x, centroids,
   * assignment and scratch must not overlap.
   */
  public static int kMeans(float[] x, int xOff, int n, int d, float[] centroids, int cOff, int k, int maxIterations,
                           int[] assignment, int aOff, float[] scratch, int scratchOff) {
    int size = kMeansScratchSize(n, d, k);
    Checks.inRange("n", n, 0, MAX_POINTS);
    Checks.nonNegative("maxIterations", maxIterations);
    long xLength = (long) n * d;
    long cLength = (long) k * d;
    Checks.region("x", x, xOff, xLength);
    Checks.region("centroids", centroids, cOff, cLength);
    Checks.region("assignment", assignment, aOff, n);
    Checks.region("scratch", scratch, scratchOff, size);
    disjoint("centroids", centroids, cOff, cLength, "x", x, xOff, xLength);
    disjoint("scratch", scratch, scratchOff, size, "x", x, xOff, xLength);
    disjoint("scratch", scratch, scratchOff, size, "centroids", centroids, cOff, cLength);
    return KERNELS.kMeans(x, xOff, n, d, centroids, cOff, k, maxIterations, assignment, aOff, scratch, scratchOff);
  }

  /** Scratch floats {@link #kMeansPlusPlus} needs: n. */
  public static int kMeansPlusPlusScratchSize(int n) {
    Checks.nonNegative("n", n);
    return n;
  }

  /**
   * k-means++ seeding (Arthur and Vassilvitskii, SODA 2007), deterministic for a given seed: with
   * {@code random = new java.util.SplittableRandom(seed)}, centroid 0 is row
   * {@code random.nextInt(n)}; centroid j is row i with probability {@code D(i) / sum D}, where D
   * is the squared distance to the nearest centroid so far, drawn as the first i whose running
   * sum of D (row order, double) exceeds {@code random.nextDouble() * sum D}; when every D is 0 it
   * is row {@code random.nextInt(n)}. Writes {@code k x d} centroids at cOff.
   * {@code 1 <= k <= n}. centroids and scratch must not overlap x or each other.
   */
  public static void kMeansPlusPlus(float[] x, int xOff, int n, int d, int k, long seed, float[] centroids, int cOff,
                                    float[] scratch, int scratchOff) {
    Checks.positive("n", n);
    Checks.positive("d", d);
    Checks.inRange("k", k, 1, n);
    long xLength = (long) n * d;
    long cLength = (long) k * d;
    Checks.region("x", x, xOff, xLength);
    Checks.region("centroids", centroids, cOff, cLength);
    Checks.region("scratch", scratch, scratchOff, n);
    disjoint("centroids", centroids, cOff, cLength, "x", x, xOff, xLength);
    disjoint("scratch", scratch, scratchOff, n, "x", x, xOff, xLength);
    disjoint("scratch", scratch, scratchOff, n, "centroids", centroids, cOff, cLength);
    KERNELS.kMeansPlusPlus(x, xOff, n, d, k, seed, centroids, cOff, scratch, scratchOff);
  }

  /** Scratch floats {@link #nearestMembers} needs: k. */
  public static int nearestMembersScratchSize(int k) {
    Checks.positive("k", k);
    return k;
  }

  /**
   * For every cluster j, the row index of its member nearest to centroid j: TWIN-V2's virtual item
   * takes its categorical features from that member. {@code nearest[nOff + j] = argmin_{i: a_i = j}
   * sum_t (x_i[t] - c_j[t])^2} (computed from the differences, ties to the lower i), or -1 when
   * cluster j has no member. Every assignment must be in {@code [0, k)}.
   */
  public static void nearestMembers(float[] x, int xOff, int n, int d, float[] centroids, int cOff, int k,
                                    int[] assignment, int aOff, int[] nearest, int nOff,
                                    float[] scratch, int scratchOff) {
    Checks.nonNegative("n", n);
    Checks.positive("d", d);
    int size = nearestMembersScratchSize(k);
    Checks.region("x", x, xOff, (long) n * d);
    Checks.region("centroids", centroids, cOff, (long) k * d);
    Checks.region("assignment", assignment, aOff, n);
    Checks.region("nearest", nearest, nOff, k);
    Checks.region("scratch", scratch, scratchOff, size);
    disjoint("nearest", nearest, nOff, k, "assignment", assignment, aOff, n);
    disjoint("scratch", scratch, scratchOff, size, "x", x, xOff, (long) n * d);
    disjoint("scratch", scratch, scratchOff, size, "centroids", centroids, cOff, (long) k * d);
    for (int i = 0; i < n; i++) {
      int j = assignment[aOff + i];
      if (j < 0 || j >= k) {
        throw new IllegalArgumentException("assignment[" + i + "] must be in [0, " + k + "), got " + j);
      }
    }
    KERNELS.nearestMembers(x, xOff, n, d, centroids, cOff, k, assignment, aOff, nearest, nOff, scratch, scratchOff);
  }
}
