package io.github.seqrec.kernels.internal;

/**
 * Graph and clustering kernels: SURGE's cosine-similarity graph and its rank sparsifications,
 * Lloyd's k-means with k-means++ seeding, and the member nearest to each centroid (TWIN-V2's
 * virtual items). GEMM-shaped work goes through {@link DenseKernels#gemm}, top-k through
 * {@link SelectionKernels#topK}. Arguments have been
 * validated by the facade, including that outputs do not overlap inputs where the facade says so
 * and that scratch regions have the documented sizes.
 */
public interface GraphKernels {

  /** Rows of x scored against all centroids per GEMM in {@link #kMeans}. */
  int KMEANS_BLOCK_ROWS = 64;

  /** Squared-norm floor of the row normalization: {@code x / sqrt(max(sum x^2, 1e-12))}, as TF's l2_normalize. */
  float NORM_EPSILON = 1e-12f;

  /**
   * {@code s (rows x rows) = X^ X^T}, {@code X^[i] = (x_i * w) / sqrt(max(||x_i * w||^2, 1e-12))}
   * (w nullable = all ones). Scratch: {@code 2 rows width} floats (X^, then its transpose).
   */
  void cosineSimilarity(float[] x, int xOff, int rows, int width, float[] weight, int weightOff,
                        float[] s, int sOff, float[] scratch, int scratchOff);

  /**
   * Keeps the {@code r} largest entries of each row of s ({@code rows x cols}; ties: lower column
   * first, {@link SelectionKernels#topK}'s order) and zeroes the rest, into out (the same region as
   * s, or a disjoint one); {@code r = 0} zeroes, {@code r >= cols} copies. Scratch:
   * {@code min(r, cols)} floats and as many ints.
   */
  void keepTopPerRow(float[] s, int sOff, int rows, int cols, int r, float[] out, int outOff,
                     float[] scratch, int scratchOff, int[] indexScratch, int indexOff);

  /**
   * SURGE's relative-rank sparsification of the whole matrix: {@code k = ceil(ratio nnz)} (float32),
   * {@code thr} = the entry at index k of all entries sorted descending (0 when {@code k >= rows
   * cols}), {@code adjacency = 1[s > thr]} as 1f/0f (same region as s, or disjoint). Returns thr.
   * Scratch: {@code rows cols} floats.
   */
  float relativeRankAdjacency(float[] s, int sOff, int rows, int cols, float ratio, float[] adjacency, int aOff,
                              float[] scratch, int scratchOff);

  /**
   * SURGE's row min-max normalisation: per row of s ({@code rows x cols}),
   * {@code out = (s - min) / (max - min)}, a row whose entries are all equal written as 0 (the
   * official 0/0). out is the same region as s or a disjoint one. Entries are not NaN.
   */
  void minMaxRows(float[] s, int sOff, int rows, int cols, float[] out, int outOff);

  /**
   * SURGE's normalised adjacency with self-loops: {@code Ab = 1[a > 0]} with the diagonal set to 1,
   * {@code D_i = sqrt(rowsum_i Ab) + eps} (float32), {@code out_ij = Ab_ij / D_j / D_i} in that order
   * ({@code (A_bool / D) / D^T}). a is {@code n x n}; out is a's region or a disjoint one. Scratch: n floats.
   */
  void normalizedAdjacency(float[] a, int aOff, int n, float eps, float[] out, int outOff, float[] scratch,
                           int scratchOff);

  /**
   * Lloyd's k-means from the given centroids (updated in place), at most {@code maxIterations}
   * updates, stopping once an assignment repeats; returns the number of updates done. Scratch
   * layout from scratchOff: centroids transposed {@code d x k}, {@code -||c||^2 / 2} (k), scores
   * {@code min(n, KMEANS_BLOCK_ROWS) x k}, cluster sums {@code k x d}, counts (k).
   */
  int kMeans(float[] x, int xOff, int n, int d, float[] centroids, int cOff, int k, int maxIterations,
             int[] assignment, int aOff, float[] scratch, int scratchOff);

  /** k-means++ seeding with {@code java.util.SplittableRandom(seed)}. Scratch: n floats. */
  void kMeansPlusPlus(float[] x, int xOff, int n, int d, int k, long seed, float[] centroids, int cOff,
                      float[] scratch, int scratchOff);

  /**
   * For every cluster j the index of its member nearest to centroid j (squared Euclidean distance,
   * ties: lower index), -1 for an empty cluster. Assignments are in {@code [0, k)}. Scratch: k floats.
   */
  void nearestMembers(float[] x, int xOff, int n, int d, float[] centroids, int cOff, int k,
                      int[] assignment, int aOff, int[] nearest, int nOff, float[] scratch, int scratchOff);
}
