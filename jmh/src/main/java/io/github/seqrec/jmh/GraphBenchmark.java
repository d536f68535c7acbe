package io.github.seqrec.jmh;

import io.github.seqrec.kernels.Clustering;
import io.github.seqrec.kernels.Graph;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Graph construction and clustering:
 * <ul>
 *   <li>{@code surgeGraph}: SURGE's item graph for one history of L nodes (Taobao L = 50, Kuaishou
 *       L = 250, F = 40 features): weighted cosine similarity, then the relative-rank
 *       sparsification (ratio 0.5). Work counts the GEMM's {@code 2 L^2 F} FLOPs only (the
 *       normalization and the selection add O(L F) and O(L^2) non-FLOP work).
 *   <li>{@code kMeans}: TWIN-V2-style offline clustering, N = 10,000 points of d = 64 into
 *       k = 100 clusters, 3 Lloyd updates from fixed centroids (uniform data does not converge in 3);
 *       FLOPs = 4 assignment GEMMs x {@code 2 N d k}.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GraphBenchmark {
  static final int ITERATIONS = 3;

  @State(Scope.Thread)
  public static class Surge {
    @Param({"50", "250"})
    public int nodes;

    @Param({"40"})
    public int features;

    float[] x;
    float[] w;
    float[] s;
    float[] cosineScratch;
    float[] rankScratch;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(45);
      x = BenchData.uniform(random, nodes * features);
      w = BenchData.uniform(random, features);
      s = new float[nodes * nodes];
      cosineScratch = new float[Graph.cosineSimilarityScratchSize(nodes, features)];
      rankScratch = new float[Graph.relativeRankScratchSize(nodes, nodes)];
    }
  }

  @State(Scope.Thread)
  public static class Points {
    @Param({"10000"})
    public int points;

    @Param({"64"})
    public int dim;

    @Param({"100"})
    public int clusters;

    float[] x;
    float[] init;
    float[] centroids;
    int[] assignment;
    float[] scratch;

    @Setup
    public void setup() {
      SplittableRandom random = new SplittableRandom(46);
      x = BenchData.uniform(random, points * dim);
      init = new float[clusters * dim];
      Clustering.kMeansPlusPlus(x, 0, points, dim, clusters, 7, init, 0, new float[points], 0);
      centroids = new float[clusters * dim];
      assignment = new int[points];
      scratch = new float[Clustering.kMeansScratchSize(points, dim, clusters)];
    }
  }

  /** FLOPs of one op: the benchmark is recognised by its parameter names. */
  public static Work workPerOp(Map<String, String> p) {
    if (p.containsKey("points")) {
      return Work.flops((ITERATIONS + 1) * 2.0 * Work.intParam(p, "points") * Work.intParam(p, "dim")
          * Work.intParam(p, "clusters"));
    }
    double nodes = Work.intParam(p, "nodes");
    return Work.flops(2.0 * nodes * nodes * Work.intParam(p, "features"));
  }

  static float runSurge(Surge s) {
    Graph.cosineSimilarity(s.x, 0, s.nodes, s.features, s.w, 0, s.s, 0, s.cosineScratch, 0);
    return Graph.relativeRankAdjacency(s.s, 0, s.nodes, s.nodes, 0.5f, s.s, 0, s.rankScratch, 0);
  }

  static int runKMeans(Points s) {
    System.arraycopy(s.init, 0, s.centroids, 0, s.init.length);
    return Clustering.kMeans(s.x, 0, s.points, s.dim, s.centroids, 0, s.clusters, ITERATIONS, s.assignment, 0,
        s.scratch, 0);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float surgeGraphScalar(Surge s) {
    return runSurge(s);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float surgeGraphVector(Surge s) {
    return runSurge(s);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public int kMeansScalar(Points s) {
    return runKMeans(s);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public int kMeansVector(Points s) {
    return runKMeans(s);
  }
}
