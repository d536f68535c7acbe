package io.github.seqrec.models.golden;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.seqrec.kernels.Backends;
import io.github.seqrec.models.ModelBatch;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every model golden ({@code golden/models/<model>/batch_*.safetensors}, made by the PyTorch
 * reference modules) scored by the Java model loaded from {@code weights.safetensors}: logits and
 * probabilities within the file's tolerance ({@code rtol} metadata, default 1e-4 relative), on the
 * backend this surefire run uses (vector, then scalar). Batch metadata that names an option
 * ({@code softmax}, {@code gru_type}, {@code gsu}, {@code input}) is passed to the loader.
 */
class ModelGoldenTest {
  static final Path ROOT = Path.of("src/test/resources/golden/models");
  private static final Set<String> NOT_OPTIONS = Set.of("model", "case", "source", "rtol", "atol");
  private static final Map<String, Double> WORST = new TreeMap<>();

  @TestFactory
  Stream<DynamicNode> everyModelGolden() throws IOException {
    List<DynamicNode> models = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(ROOT)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        String model = dir.getFileName().toString();
        List<DynamicTest> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
          for (Path batch : files.filter(f -> f.getFileName().toString().startsWith("batch_")).sorted().toList()) {
            cases.add(DynamicTest.dynamicTest(batch.getFileName().toString(), () -> check(model, dir, batch)));
          }
        }
        models.add(DynamicContainer.dynamicContainer(model, cases));
      }
    }
    assertTrue(!models.isEmpty(), "no model goldens under " + ROOT.toAbsolutePath());
    return models.stream();
  }

  /** A golden batch file with its model loaded as the file's metadata says. */
  record Golden(SequentialModel model, ModelBatch batch, Map<String, Tensor> tensors, Map<String, String> metadata) {}

  /**
   * Reads {@code batchFile} and loads {@code model} from the weights it names ({@code weights}
   * metadata, default {@code weights.safetensors} beside it) with the options its metadata sets.
   */
  static Golden load(String model, Path dir, Path batchFile) throws IOException {
    Map<String, Tensor> tensors;
    Map<String, String> metadata;
    try (SafeTensors st = SafeTensors.open(batchFile)) {
      tensors = st.toTensors();
      metadata = st.metadata();
    }
    // the batch's variant keys (softmax, gru_type, gsu, input ...) are options of the model; other
    // metadata (sources, tolerances, generator notes) is not
    Map<String, String> options = new HashMap<>();
    for (ModelOption<?> option : Models.spec(model).info().options()) {
      if (metadata.containsKey(option.name()) && !NOT_OPTIONS.contains(option.name())) {
        options.put(option.name(), metadata.get(option.name()));
      }
    }
    String weights = metadata.getOrDefault("weights", "weights") + ".safetensors";
    return new Golden(Models.load(model, dir.resolve(weights), options), ModelBatch.of(tensors), tensors, metadata);
  }

  private static void check(String model, Path dir, Path batchFile) throws IOException {
    assumeTrue(Models.has(model), "no Java model '" + model + "' registered yet (issue 4 in progress)");
    Golden golden = load(model, dir, batchFile);
    SequentialModel loaded = golden.model();
    ModelBatch batch = golden.batch();
    Map<String, Tensor> tensors = golden.tensors();
    Map<String, String> metadata = golden.metadata();
    float[] logits = batch.score(loaded);
    int[] shape = {batch.users(), batch.candidates()};
    float[] probs = logits.clone();
    SequentialModel.probabilities(probs, 0, probs.length);
    GoldenComparison.Tolerance tol = GoldenComparison.Tolerance.from(metadata);
    String where = model + "/" + batchFile.getFileName() + " [" + Backends.name() + "]";
    var r1 = GoldenComparison.compare(where, "logits", tensors.get("expected.logits"), new Tensor.F32(shape, logits), tol);
    double worst = r1.worstError();
    if (tensors.containsKey("expected.probs")) { // next-item goldens score logits (or the chain's probabilities) only
      worst = Math.max(worst, GoldenComparison.compare(where, "probs", tensors.get("expected.probs"),
          new Tensor.F32(shape, probs), tol).worstError());
    }
    if (loaded instanceof NextItemModel next) {
      worst = Math.max(worst, checkNextItem(where, next, batch, tensors, metadata, tol));
    }
    synchronized (WORST) {
      WORST.merge(model, worst, Math::max);
    }
  }

  /**
   * A next-item model's golden also holds the user embeddings ({@code expected.user_embedding [B, d]})
   * and the catalogue top-k ({@code expected.topk_ids / topk_scores [B, k]}, and the same with
   * {@code _exclude_seen}; k in the {@code topk_k} metadata): ids must match exactly (the generator
   * keeps near-ties out of the top-k), scores within the tolerance. A user with fewer eligible items
   * than k has -1 ids and NaN scores past them.
   */
  private static double checkNextItem(String where, NextItemModel next, ModelBatch batch, Map<String, Tensor> tensors,
                                      Map<String, String> metadata, GoldenComparison.Tolerance tol) {
    double worst = 0;
    int users = batch.users();
    SequentialModel.Workspace ws = next.newWorkspace();
    if (tensors.containsKey("expected.user_embedding")) {
      int d = next.embeddingDim();
      float[] emb = new float[users * d];
      for (int b = 0; b < users; b++) {
        next.userEmbedding(batch.history(b), ws, emb, b * d);
      }
      worst = Math.max(worst, GoldenComparison.compare(where, "user_embedding", tensors.get("expected.user_embedding"),
          new Tensor.F32(new int[] {users, d}, emb), tol).worstError());
    }
    for (String suffix : new String[] {"", "_exclude_seen"}) {
      Tensor expectedIds = tensors.get("expected.topk_ids" + suffix);
      if (expectedIds == null) {
        continue;
      }
      int k = Integer.parseInt(metadata.getOrDefault("topk_k", String.valueOf(expectedIds.shape()[1])));
      UserHistory[] histories = new UserHistory[users];
      for (int b = 0; b < users; b++) {
        histories[b] = batch.history(b);
      }
      int[] ids = new int[users * k];
      float[] scores = new float[users * k];
      int[] counts = new int[users];
      java.util.Arrays.fill(ids, -1);
      java.util.Arrays.fill(scores, Float.NaN);
      next.recommend(histories, k, !suffix.isEmpty(), ws, ids, scores, counts);
      long[] asLong = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        asLong[i] = ids[i];
      }
      int[] shape = {users, k};
      GoldenComparison.compare(where, "topk_ids" + suffix, expectedIds, new Tensor.I64(shape, asLong), tol);
      worst = Math.max(worst, GoldenComparison.compare(where, "topk_scores" + suffix,
          tensors.get("expected.topk_scores" + suffix), new Tensor.F32(shape, scores), tol).worstError());
    }
    return worst;
  }

  @AfterAll
  static void printWorst() {
    StringBuilder sb = new StringBuilder("model golden worst relative error [" + Backends.name() + "]:\n");
    WORST.forEach((m, e) -> sb.append(String.format("  %-10s %.2e%n", m, e)));
    System.out.print(sb);
  }
}
