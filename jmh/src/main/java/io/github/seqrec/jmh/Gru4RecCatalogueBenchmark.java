package io.github.seqrec.jmh;

import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.nextitem.Gru4Rec;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
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
 * GRU4Rec retrieval requests against a large catalogue: top-100 of 10^5 and 10^6 items for one
 * user, from the history (L = 50 actions through the GRU, then the catalogue) and from a stored
 * state (the catalogue alone). Random weights (one GRU layer of 64, constrained embedding, the
 * table 64 wide as in {@code CatalogueBenchmark}) written to a temporary weight file and loaded
 * through {@code Models.load}, as a service would.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms3g", "-Xmx3g"})
public class Gru4RecCatalogueBenchmark {
  @Param({"100000", "1000000"})
  public int items;

  @Param({"50"})
  public int L;

  @Param({"100"})
  public int k;

  private static final int H = 64;

  Gru4Rec model;
  SequentialModel.Workspace ws;
  Gru4Rec.UserState state;
  UserHistory history;
  int[] ids;
  float[] scores;

  @Setup
  public void setup() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    float scale = (float) (1 / Math.sqrt(H));
    tensors.put("G.0.weight_ih", new Tensor.F32(new int[] {3 * H, H}, scaled(random, 3 * H * H, scale)));
    tensors.put("G.0.weight_hh", new Tensor.F32(new int[] {3 * H, H}, scaled(random, 3 * H * H, scale)));
    tensors.put("G.0.bias_ih", new Tensor.F32(new int[] {3 * H}, scaled(random, 3 * H, scale)));
    tensors.put("G.0.bias_hh", new Tensor.F32(new int[] {3 * H}, scaled(random, 3 * H, scale)));
    tensors.put("Wy.weight", new Tensor.F32(new int[] {items + 1, H}, scaled(random, (items + 1) * H, 0.1f)));
    tensors.put("By.weight", new Tensor.F32(new int[] {items + 1, 1}, scaled(random, items + 1, 0.1f)));
    Path file = Files.createTempFile("gru4rec-" + items, ".safetensors");
    try {
      SafeTensors.write(file, tensors, Map.of("model", "gru4rec", "n_items", String.valueOf(items), "layers",
          String.valueOf(H), "embedding", "0", "constrained_embedding", "true", "max_len", String.valueOf(L)));
      tensors.clear();
      model = (Gru4Rec) Models.load("gru4rec", file, Map.of());
    } finally {
      Files.deleteIfExists(file);
    }
    int[] h = new int[L];
    for (int i = 0; i < L; i++) {
      h[i] = 1 + random.nextInt(items);
    }
    history = UserHistory.of(h, L).build();
    ws = model.newWorkspace();
    state = model.newUserState();
    for (int item : h) {
      model.append(state, item, ws);
    }
    ids = new int[k];
    scores = new float[k];
    BenchData.warmUp(() -> {
      fromHistory();
      fromState();
    }, 1500);
  }

  private static float[] scaled(SplittableRandom random, int n, float scale) {
    float[] v = BenchData.uniform(random, n);
    for (int i = 0; i < n; i++) {
      v[i] *= scale;
    }
    return v;
  }

  /** Per-request work: the catalogue's items x d dot products dominate; the report shows times only. */
  public static Work workPerOp(Map<String, String> params) {
    return null;
  }

  @Benchmark
  public int fromHistory() {
    return model.recommend(history, k, false, ws, ids, 0, scores, 0);
  }

  @Benchmark
  public int fromState() {
    return model.recommend(state, null, k, ws, ids, 0, scores, 0);
  }
}
