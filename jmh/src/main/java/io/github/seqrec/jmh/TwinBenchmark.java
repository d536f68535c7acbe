package io.github.seqrec.jmh;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.lifelong.ItemProjectionCache;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.lifelong.Twin;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
 * One TWIN request (Chang et al., KDD 2023): B candidates against a lifelong history of L behaviours,
 * with the per-item inherent projection cache (the paper's serving path). The two-stage cost curve:
 * the CP-GSU scores every behaviour for every candidate ({@code 2 B L H d_k} FLOPs, the whole-history
 * part) and the ESU only the top-100 ({@code B}-proportional, independent of L).
 * Weights random with the golden shapes ({@code d = 64}, 4 heads, 2 cross features) over a
 * 100 000-item catalogue; random ids from fixed seeds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TwinBenchmark {
  static final int ITEMS = 100_000;
  static final int CATES = 1_000;

  @Param({"100", "1000"})
  public int candidates;

  @Param({"1000", "100000"})
  public int length;

  Twin model;
  ItemProjectionCache cache;
  UserHistory history;
  Candidates cands;
  SequentialModel.Workspace workspace;
  float[] logits;

  @Setup
  public void setup() throws IOException {
    Path weights = Files.createTempFile("seqrec-twin-bench", ".safetensors");
    try {
      writeWeights(weights, new SplittableRandom(2023));
      model = (Twin) Models.load("twin", weights, Map.of("max_len", Integer.toString(length)));
    } finally {
      Files.deleteIfExists(weights);
    }
    cache = model.itemCache();
    SplittableRandom random = new SplittableRandom(7);
    int[] items = new int[length];
    int[] cates = new int[length];
    int[] cross = new int[2 * length];
    for (int i = 0; i < length; i++) {
      items[i] = 1 + random.nextInt(ITEMS);
      cates[i] = 1 + items[i] % CATES;
      cross[2 * i] = random.nextInt(16);
      cross[2 * i + 1] = random.nextInt(16);
    }
    history = UserHistory.of(items, length).categoryIds(cates).crossBuckets(cross, 2).build();
    int[] ci = new int[candidates];
    int[] cc = new int[candidates];
    for (int i = 0; i < candidates; i++) {
      ci[i] = 1 + random.nextInt(ITEMS);
      cc[i] = 1 + ci[i] % CATES;
    }
    cands = Candidates.of(ci, cc);
    workspace = model.newWorkspace();
    logits = new float[candidates];
  }

  /** Random weights under TWIN's tensor names and shapes (twin.py), hyperparameters in the metadata. */
  static void writeWeights(Path path, SplittableRandom random) throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("emb.item.weight", f32(random, 0.5, ITEMS + 1, 32));
    t.put("emb.cate.weight", f32(random, 0.5, CATES + 1, 32));
    for (int j = 0; j < 2; j++) {
      t.put("cross_emb." + j + ".weight", f32(random, 0.5, 16, 8));
      t.put("cross_w." + j + ".weight", f32(random, Math.sqrt(6.0 / 8), 4, 8));
    }
    t.put("cross_beta", f32(random, 0.1, 4, 2));
    t.put("mha.q_proj_weight", f32(random, Math.sqrt(6.0 / 64), 64, 64));
    t.put("mha.k_proj_weight", f32(random, Math.sqrt(6.0 / 64), 64, 64));
    t.put("mha.v_proj_weight", f32(random, Math.sqrt(6.0 / 80), 64, 80));
    t.put("mha.out_proj.weight", f32(random, Math.sqrt(6.0 / 64), 64, 64));
    t.put("mlp.hidden.0.weight", f32(random, Math.sqrt(6.0 / 128), 64, 128));
    t.put("mlp.hidden.0.bias", f32(random, 0.1, 64));
    t.put("mlp.hidden.1.weight", f32(random, Math.sqrt(6.0 / 64), 32, 64));
    t.put("mlp.hidden.1.bias", f32(random, 0.1, 32));
    t.put("mlp.out.weight", f32(random, Math.sqrt(6.0 / 32), 1, 32));
    t.put("mlp.out.bias", f32(random, 0.1, 1));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("model", "twin");
    meta.put("n_items", Integer.toString(ITEMS));
    meta.put("n_cates", Integer.toString(CATES));
    meta.put("d_item", "32");
    meta.put("d_cate", "32");
    meta.put("n_cross", "2");
    meta.put("cross_buckets", "16");
    meta.put("d_cross", "8");
    meta.put("topk", "100");
    meta.put("heads", "4");
    meta.put("mlp_hidden", "64,32");
    meta.put("activation", "relu");
    SafeTensors.write(path, t, meta);
  }

  private static Tensor.F32 f32(SplittableRandom random, double bound, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    return new Tensor.F32(shape, v);
  }

  /** FLOPs of one request (see {@link #flops}). */
  public static Work workPerOp(Map<String, String> p) {
    return Work.flops(flops(Work.intParam(p, "candidates"), Work.intParam(p, "length")));
  }

  /**
   * FLOPs of one request with B candidates and L behaviours: the CP-GSU relevance {@code 2 B L 64}
   * (one GEMM over the full width) and the head-mean bias {@code 2 L 4}; per candidate the query and
   * output projections {@code 2 (2 64 64)}, the ESU's logits and pooling over {@code K = min(100, L)}
   * picks ({@code 2 (2 K 64)}) and the MLP {@code 2 (128 64 + 64 32 + 32)}. Building the history's
   * keys and values from the cache ({@code L} row adds) and transposing the keys are not counted.
   */
  public static double flops(int b, int l) {
    double k = Math.min(100, l);
    return 2.0 * b * l * 64 + 2.0 * l * 4 + b * (4.0 * 64 * 64 + 4.0 * k * 64 + 2.0 * (128 * 64 + 64 * 32 + 32));
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR, "-Xmx8g"})
  public float[] cachedScalar() {
    model.score(cache, history, cands, workspace, logits, 0);
    return logits;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xmx8g"})
  public float[] cachedVector() {
    model.score(cache, history, cands, workspace, logits, 0);
    return logits;
  }
}
