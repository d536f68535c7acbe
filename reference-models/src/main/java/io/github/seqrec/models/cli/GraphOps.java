package io.github.seqrec.models.cli;

import static io.github.seqrec.models.cli.KernelOp.TensorSpec.optional;
import static io.github.seqrec.models.cli.KernelOp.TensorSpec.required;

import io.github.seqrec.kernels.Clustering;
import io.github.seqrec.kernels.Graph;
import io.github.seqrec.models.tensors.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** CLI / golden adapters for the graph / clustering family (SURGE's item graph, TWIN-V2's k-means). */
final class GraphOps {
  private GraphOps() {}

  static List<KernelOp> ops() {
    return List.of(new CosineSimilarity(), new TopPerRow(), new RelativeRank(), new KMeans(), new NearestMembers());
  }

  /** SURGE's weighted cosine-similarity graph. */
  static final class CosineSimilarity implements KernelOp {
    @Override public String name() { return "cosine_similarity"; }

    @Override
    public String summary() {
      return "S = X^ X^T, X^ = (x * w) / sqrt(max(||x * w||^2, 1e-12)) row-wise (SURGE metric graph)";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("x", "F32", "[L, F]", "node features"),
          optional("feature_weight", "F32", "[F]", "learned per-feature weight w (SURGE's weighted_tensor)"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("s", "F32", "[L, L]", "cosine similarities"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] xs = in.shape("x", 2);
      int rows = xs[0];
      int width = xs[1];
      float[] w = null;
      if (in.has("feature_weight")) {
        in.expectShape("feature_weight", width);
        w = in.f32("feature_weight").data();
      }
      float[] s = Shapes.floats("s", rows, rows);
      Graph.cosineSimilarity(in.f32("x").data(), 0, rows, width, w, 0, s, 0,
          Shapes.scratch(name(), Graph.cosineSimilarityScratchSize(rows, width)), 0);
      return Map.of("s", new Tensor.F32(new int[] {rows, rows}, s));
    }
  }

  /** Per-row rank sparsification: keep each row's r largest entries (ties: lower column). */
  static final class TopPerRow implements KernelOp {
    @Override public String name() { return "top_per_row"; }
    @Override public String summary() { return "keep the r largest entries of each row (ties: lower column first), zero the rest"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("s", "F32", "[R, C]", "matrix, e.g. a similarity graph"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("out", "F32", "[R, C]", "s with all but each row's top r zeroed"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("r", "int", null, "entries kept per row"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] ss = in.shape("s", 2);
      float[] out = Shapes.floats("out", ss);
      int r = in.intParam("r", null);
      int size = Graph.keepTopPerRowScratchSize(ss[1], r);
      Graph.keepTopPerRow(in.f32("s").data(), 0, ss[0], ss[1], r, out, 0, Shapes.scratch(name(), size), 0, Shapes.intScratch(name(), size), 0);
      return Map.of("out", new Tensor.F32(ss.clone(), out));
    }
  }

  /** SURGE's global relative-rank sparsification. */
  static final class RelativeRank implements KernelOp {
    @Override public String name() { return "relative_rank_adjacency"; }

    @Override
    public String summary() {
      return "SURGE: k = ceil(nnz ratio), thr = k-th (0-based) of all entries sorted desc (0 if out of range), A = 1[S > thr]";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("s", "F32", "[R, C]", "similarity graph after min-max and node mask"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(
          required("adjacency", "F32", "[R, C]", "1 where s > threshold, else 0"),
          required("threshold", "F32", "[]", "the threshold"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("ratio", "float", "0.5", "kept fraction of the nonzero entries (SURGE's relative_threshold)"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] ss = in.shape("s", 2);
      float[] adjacency = Shapes.floats("adjacency", ss);
      float thr = Graph.relativeRankAdjacency(in.f32("s").data(), 0, ss[0], ss[1], in.floatParam("ratio", 0.5f),
          adjacency, 0, Shapes.scratch(name(), Graph.relativeRankScratchSize(ss[0], ss[1])), 0);
      return Map.of(
          "adjacency", new Tensor.F32(ss.clone(), adjacency),
          "threshold", new Tensor.F32(new int[0], new float[] {thr}));
    }
  }

  /** Lloyd's k-means from given centroids, or from k-means++ with a seed. */
  static final class KMeans implements KernelOp {
    @Override public String name() { return "kmeans"; }

    @Override
    public String summary() {
      return "Lloyd's k-means: nearest centroid (ties lower), mean update (empty clusters keep theirs), "
          + "at most max_iterations updates, stop when assignments repeat";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("x", "F32", "[N, d]", "points"),
          optional("init_centroids", "F32", "[k, d]", "initial centroids (else k-means++ with params k and seed)"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(
          required("centroids", "F32", "[k, d]", "final centroids"),
          required("assignment", "I64", "[N]", "nearest-centroid index of each point"),
          required("iterations", "I64", "[]", "update steps done"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(
          new ParamSpec("max_iterations", "int", "100", "most update steps"),
          new ParamSpec("k", "int", null, "clusters, when init_centroids is absent"),
          new ParamSpec("seed", "int", "0", "k-means++ seed (java.util.SplittableRandom), when init_centroids is absent"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] xs = in.shape("x", 2);
      int n = xs[0];
      int d = xs[1];
      float[] x = in.f32("x").data();
      float[] centroids;
      int k;
      if (in.has("init_centroids")) {
        k = in.shape("init_centroids", 2)[0];
        in.expectShape("init_centroids", k, d);
        centroids = in.f32("init_centroids").data().clone();
      } else {
        k = in.intParam("k", null);
        if (k < 1 || k > n) {
          throw new BadInputException("parameter 'k' must be in [1, N = " + n + "] for k-means++, got " + k);
        }
        centroids = Shapes.floats("centroids", k, d);
        Clustering.kMeansPlusPlus(x, 0, n, d, k, in.intParam("seed", 0), centroids, 0,
            Shapes.scratch(name(), Clustering.kMeansPlusPlusScratchSize(n)), 0);
      }
      int[] assignment = Shapes.ints("assignment", n);
      int iterations = Clustering.kMeans(x, 0, n, d, centroids, 0, k, in.intParam("max_iterations", 100),
          assignment, 0, Shapes.scratch(name(), Clustering.kMeansScratchSize(n, d, k)), 0);
      return Map.of(
          "centroids", new Tensor.F32(new int[] {k, d}, centroids),
          "assignment", new Tensor.I64(new int[] {n}, Arrays.stream(assignment).asLongStream().toArray()),
          "iterations", new Tensor.I64(new int[0], new long[] {iterations}));
    }
  }

  /** For each cluster, its member nearest to the centroid (TWIN-V2's virtual item features). */
  static final class NearestMembers implements KernelOp {
    @Override public String name() { return "nearest_members"; }

    @Override
    public String summary() {
      return "nearest[j] = argmin over members i of cluster j of ||x_i - c_j||^2 (ties lower i), -1 if empty";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("x", "F32", "[N, d]", "points"),
          required("centroids", "F32", "[k, d]", "centroids"),
          required("assignment", "I64", "[N]", "cluster of each point, in [0, k)"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("nearest", "I64", "[k]", "row index of each cluster's nearest member, -1 if empty"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] xs = in.shape("x", 2);
      int n = xs[0];
      int d = xs[1];
      int k = in.shape("centroids", 2)[0];
      in.expectShape("centroids", k, d);
      in.expectShape("assignment", n);
      int[] assignment = in.ints("assignment");
      for (int i = 0; i < n; i++) {
        if (assignment[i] < 0 || assignment[i] >= k) {
          throw new BadInputException("tensor 'assignment' value " + assignment[i] + " at index " + i
              + " is not a cluster in [0, " + k + ")");
        }
      }
      int[] nearest = Shapes.ints("nearest", k);
      Clustering.nearestMembers(in.f32("x").data(), 0, n, d, in.f32("centroids").data(), 0, k, assignment, 0,
          nearest, 0, Shapes.scratch(name(), Clustering.nearestMembersScratchSize(k)), 0);
      return Map.of("nearest", new Tensor.I64(new int[] {k}, Arrays.stream(nearest).asLongStream().toArray()));
    }
  }
}
