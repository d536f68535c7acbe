package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.GraphKernels;
import io.github.seqrec.kernels.internal.KernelProvider;

/**
 * Item-graph construction for graph-based sequential recommenders (SURGE, Chang et al. SIGIR 2021):
 * the cosine-similarity graph of a history, its row min-max normalisation, its two rank
 * sparsifications and the self-looped symmetric normalisation of the result.
 *
 * <p>Matrices are row-major {@code float[]} with explicit offsets and dimensions. Outputs go into
 * caller-provided arrays; scratch space is a caller-provided {@code float[]} (and, for the top-r,
 * {@code int[]}) region whose size the matching {@code ...ScratchSize} method returns (its content
 * on entry does not matter). Nothing
 * allocates. Stateless and thread-safe. Arguments are checked here, once, and a bad one raises
 * {@link IllegalArgumentException} naming it with the expected and actual shape.
 */
public final class Graph {
  private static final GraphKernels KERNELS = KernelProvider.get().graph();

  private Graph() {}

  /** Scratch floats {@link #cosineSimilarity} needs: {@code 2 rows width}. */
  public static int cosineSimilarityScratchSize(int rows, int width) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("width", width);
    return intSize("cosine-similarity scratch", 2L * rows * width);
  }

  /**
   * SURGE's weighted cosine similarity (§3.2.1, official {@code surge.py}): x is
   * {@code rows x width} at xOff, {@code featureWeight} (nullable: all ones) has {@code width}
   * entries, s gets {@code rows x rows} at sOff:
   * <pre>  x^_i = (x_i * w) / sqrt(max(||x_i * w||^2, 1e-12))     S = X^ X^T</pre>
   * The normalization is TensorFlow's {@code l2_normalize} as SURGE calls it (= PyTorch
   * {@code F.normalize(eps=1e-6)}); an all-zero row gives a zero row and column, never NaN. The
   * product is one GEMM. s must not overlap x, featureWeight or scratch.
   */
  public static void cosineSimilarity(float[] x, int xOff, int rows, int width, float[] featureWeight, int weightOff,
                                      float[] s, int sOff, float[] scratch, int scratchOff) {
    int size = cosineSimilarityScratchSize(rows, width);
    long xLength = (long) rows * width;
    long sLength = (long) rows * rows;
    Checks.region("x", x, xOff, xLength);
    if (featureWeight != null) {
      Checks.region("featureWeight", featureWeight, weightOff, width);
      disjoint("s", s, sOff, sLength, "featureWeight", featureWeight, weightOff, width);
      disjoint("scratch", scratch, scratchOff, size, "featureWeight", featureWeight, weightOff, width);
    }
    Checks.region("s", s, sOff, sLength);
    Checks.region("scratch", scratch, scratchOff, size);
    disjoint("s", s, sOff, sLength, "x", x, xOff, xLength);
    disjoint("s", s, sOff, sLength, "scratch", scratch, scratchOff, size);
    disjoint("scratch", scratch, scratchOff, size, "x", x, xOff, xLength);
    KERNELS.cosineSimilarity(x, xOff, rows, width, featureWeight, weightOff, s, sOff, scratch, scratchOff);
  }

  /**
   * Scratch {@link #keepTopPerRow} needs: {@code min(r, cols)} floats in {@code scratch} and as
   * many ints in {@code indexScratch}.
   */
  public static int keepTopPerRowScratchSize(int cols, int r) {
    Checks.nonNegative("cols", cols);
    Checks.nonNegative("r", r);
    return Math.min(r, cols);
  }

  /**
   * Per-row rank sparsification (a kNN graph): in each row of s ({@code rows x cols} at sOff) keeps
   * the {@code r} largest entries and sets every other entry to 0, into out ({@code rows x cols}
   * at outOff). The ranking is {@link TopK}'s, and runs through its kernel: by value, descending;
   * <b>equal values rank by column, lower first</b> ({@code -0.0 == 0.0}), so exactly
   * {@code min(r, cols)} entries per row keep their value (a kept entry that is itself 0 stays 0).
   * {@code r = 0} zeroes everything, {@code r >= cols} copies s. out may be exactly s (in place)
   * or a disjoint region. A NaN entry raises {@link IllegalArgumentException} (naming its column),
   * after which out holds unspecified values. Scratch: {@link #keepTopPerRowScratchSize} floats
   * and ints, any content.
   */
  public static void keepTopPerRow(float[] s, int sOff, int rows, int cols, int r, float[] out, int outOff,
                                   float[] scratch, int scratchOff, int[] indexScratch, int indexOff) {
    Checks.nonNegative("rows", rows);
    int size = keepTopPerRowScratchSize(cols, r);
    long length = (long) rows * cols;
    Checks.region("s", s, sOff, length);
    Checks.region("out", out, outOff, length);
    Checks.region("scratch", scratch, scratchOff, size);
    Checks.region("indexScratch", indexScratch, indexOff, size);
    sameOrDisjoint("out", out, outOff, "s", s, sOff, length);
    disjoint("scratch", scratch, scratchOff, size, "s", s, sOff, length);
    disjoint("scratch", scratch, scratchOff, size, "out", out, outOff, length);
    KERNELS.keepTopPerRow(s, sOff, rows, cols, r, out, outOff, scratch, scratchOff, indexScratch, indexOff);
  }

  /** Scratch floats {@link #relativeRankAdjacency} needs: {@code rows cols}. */
  public static int relativeRankScratchSize(int rows, int cols) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("cols", cols);
    return intSize("relative-rank scratch", (long) rows * cols);
  }

  /**
   * SURGE's global relative-rank sparsification (§3.2.2; {@code surge.py}, "relative ranking
   * strategy of the entire graph"), on s ({@code rows x cols} at sOff), exactly as the official
   * code computes it:
   * <ol>
   *   <li>{@code nnz} = number of nonzero entries of s;
   *   <li>{@code k = ceil(nnz * ratio)}, the product taken in float32 (SURGE: ratio 0.5);
   *   <li>{@code thr} = the entry at 0-based index k of all {@code rows cols} entries sorted in
   *       descending order, i.e. the (k+1)-th largest; when {@code k >= rows cols} (the official
   *       gather is out of range: every entry nonzero with ratio 1, or a 1 x 1 graph) {@code thr = 0},
   *       what TensorFlow's GPU gather returns;
   *   <li>{@code adjacency = 1[s > thr]} (strict: entries equal to thr, ties included, are dropped),
   *       written as 1f / 0f.
   * </ol>
   * So at most k edges survive, fewer when values tie at the threshold. Returns thr. adjacency may
   * be exactly s (in place) or a disjoint region. Entries must not be NaN. {@code 0 <= ratio <= 1}.
   */
  public static float relativeRankAdjacency(float[] s, int sOff, int rows, int cols, float ratio,
                                            float[] adjacency, int adjacencyOff, float[] scratch, int scratchOff) {
    int size = relativeRankScratchSize(rows, cols);
    if (!(ratio >= 0f && ratio <= 1f)) {
      throw new IllegalArgumentException("ratio must be in [0, 1], got " + ratio);
    }
    Checks.region("s", s, sOff, size);
    Checks.region("adjacency", adjacency, adjacencyOff, size);
    Checks.region("scratch", scratch, scratchOff, size);
    sameOrDisjoint("adjacency", adjacency, adjacencyOff, "s", s, sOff, size);
    disjoint("scratch", scratch, scratchOff, size, "s", s, sOff, size);
    disjoint("scratch", scratch, scratchOff, size, "adjacency", adjacency, adjacencyOff, size);
    return KERNELS.relativeRankAdjacency(s, sOff, rows, cols, ratio, adjacency, adjacencyOff, scratch, scratchOff);
  }

  /**
   * SURGE's row-wise min-max normalisation of the similarity graph (§3.2.1; official {@code surge.py}
   * {@code (S - S_min) / (S_max - S_min)} with min and max over each row): s is
   * {@code rows x cols} at sOff, out gets the same shape,
   * <pre>  out_ij = (s_ij - min_j s_i.) / (max_j s_i. - min_j s_i.)</pre>
   * A row whose entries are all equal (a one-node graph, or every node the same item) is 0/0 in the
   * official code, NaN; here it is written as 0, so such a row has no edges. out may be exactly s
   * (in place) or a disjoint region. Entries must not be NaN (then out is unspecified). Exact: the
   * vector backend gives the scalar backend's bits.
   */
  public static void minMaxRows(float[] s, int sOff, int rows, int cols, float[] out, int outOff) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("cols", cols);
    long length = (long) rows * cols;
    Checks.region("s", s, sOff, length);
    Checks.region("out", out, outOff, length);
    sameOrDisjoint("out", out, outOff, "s", s, sOff, length);
    KERNELS.minMaxRows(s, sOff, rows, cols, out, outOff);
  }

  /** Scratch floats {@link #normalizedAdjacency} needs: n. */
  public static int normalizedAdjacencyScratchSize(int n) {
    Checks.nonNegative("n", n);
    return n;
  }

  /**
   * SURGE's symmetric normalisation of the sparsified graph with self-loops (interest fusion,
   * official {@code _interest_fusion_extraction}): a is {@code n x n} at aOff (an adjacency, 1 for
   * an edge; any entry {@code > 0} counts as one), out gets {@code n x n}:
   * <pre>  Ab_ij = 1[a_ij > 0] for i != j,  Ab_ii = 1
   *  D_i   = sqrt(sum_j Ab_ij) + eps          (official: K.epsilon() = 1e-7)
   *  out_ij = Ab_ij / D_j / D_i               ((A_bool / D) / D^T, in this order)</pre>
   * so {@code out_ij > 0} exactly where {@code Ab_ij = 1} (the edge mask of the graph attention).
   * out may be exactly a (in place) or a disjoint region. {@code eps >= 0} and finite. Entries must
   * not be NaN. Exact: the vector backend gives the scalar backend's bits. Scratch:
   * {@link #normalizedAdjacencyScratchSize} floats, any content.
   */
  public static void normalizedAdjacency(float[] a, int aOff, int n, float eps, float[] out, int outOff,
                                         float[] scratch, int scratchOff) {
    int size = normalizedAdjacencyScratchSize(n);
    if (!(eps >= 0f) || Float.isInfinite(eps)) {
      throw new IllegalArgumentException("eps must be finite and >= 0, got " + eps);
    }
    long length = (long) n * n;
    Checks.region("a", a, aOff, length);
    Checks.region("out", out, outOff, length);
    Checks.region("scratch", scratch, scratchOff, size);
    sameOrDisjoint("out", out, outOff, "a", a, aOff, length);
    disjoint("scratch", scratch, scratchOff, size, "a", a, aOff, length);
    disjoint("scratch", scratch, scratchOff, size, "out", out, outOff, length);
    KERNELS.normalizedAdjacency(a, aOff, n, eps, out, outOff, scratch, scratchOff);
  }

  // ---------------------------------------------------------------- helpers (also used by Clustering)

  static int intSize(String what, long size) {
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(what + " would need " + size + " elements, more than a Java array holds");
    }
    return (int) size;
  }

  /** Two regions of the same array must not share an element (empty regions never do). */
  static void disjoint(String aName, Object a, int aOff, long aLength, String bName, Object b, int bOff, long bLength) {
    if (a == b && aLength > 0 && bLength > 0 && aOff < bOff + bLength && bOff < aOff + aLength) {
      throw new IllegalArgumentException(aName + " [" + aOff + ", " + (aOff + aLength) + ") and " + bName + " ["
          + bOff + ", " + (bOff + bLength) + ") must not overlap");
    }
  }

  /** An output that may alias its input exactly (in place) but not partially. */
  private static void sameOrDisjoint(String outName, float[] out, int outOff, String inName, float[] in, int inOff,
                                     long length) {
    if (out == in && outOff == inOff) {
      return;
    }
    if (out == in && length > 0 && outOff < inOff + length && inOff < outOff + length) {
      throw new IllegalArgumentException(outName + " must be exactly " + inName + " (in place, offset " + inOff
          + ") or not overlap it, got offset " + outOff);
    }
  }
}
