package io.github.seqrec.models.golden;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.kernels.Backends;
import io.github.seqrec.models.ModelBatch;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A model's output does not depend on how far the JIT has got: the first call of every golden
 * batch (interpreted or C1-compiled kernels) and the same call after thousands more (C2) agree bit
 * for bit, scores and catalogue top-k alike. Every kernel is written so: no lanewise transcendental
 * of the Vector API (its SVML stub and its Java fallback differ in the last bit) and no
 * {@code reduceLanes(ADD)} (its lane order is unspecified), only exact lane-wise operations in a
 * fixed order. This is what lets threads, warm-up and serving JVMs reproduce each other exactly.
 */
class JitTierDeterminismTest {
  /** Calls of every batch after the first, or as many as fit in {@link #WARM_UP_NANOS}. */
  private static final int HOT_CALLS = 400;
  private static final long WARM_UP_NANOS = 45_000_000_000L;

  private record Request(String name, SequentialModel model, ModelBatch batch) {}

  @Test
  void firstCallAndCompiledCallAgreeBitForBit() throws IOException {
    List<Request> requests = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(ModelGoldenTest.ROOT)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        String model = dir.getFileName().toString();
        if (!Models.has(model)) {
          continue;
        }
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.filter(f -> f.getFileName().toString().startsWith("batch_")).sorted().toList()) {
            requests.add(load(model, dir, file));
          }
        }
      }
    }
    assertTrue(requests.size() > 19, "golden batches found: " + requests.size());
    List<float[]> cold = new ArrayList<>();
    for (Request r : requests) {
      cold.add(outputs(r));
    }
    long start = System.nanoTime();
    int calls = 0;
    while (calls < HOT_CALLS && System.nanoTime() - start < WARM_UP_NANOS) {
      for (Request r : requests) {
        for (int rep = 0; rep < 10; rep++) {
          outputs(r);
        }
      }
      calls += 10;
    }
    List<String> different = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      float[] hot = outputs(requests.get(i));
      float[] first = cold.get(i);
      for (int j = 0; j < hot.length; j++) {
        if (Float.floatToRawIntBits(hot[j]) != Float.floatToRawIntBits(first[j])) {
          different.add(requests.get(i).name() + " output " + j + ": first call " + first[j] + ", compiled " + hot[j]);
          break;
        }
      }
    }
    assertTrue(different.isEmpty(), "[" + Backends.name() + "] " + different.size() + " of " + requests.size()
        + " golden batches changed bits after " + calls + " more calls of each:\n" + String.join("\n", different));
  }

  private static Request load(String model, Path dir, Path file) throws IOException {
    ModelGoldenTest.Golden golden = ModelGoldenTest.load(model, dir, file);
    return new Request(model + "/" + file.getFileName(), golden.model(), golden.batch());
  }

  /** Logits, then for a next-item model the top-10 ids and scores of every user. */
  private static float[] outputs(Request r) {
    float[] logits = r.batch().score(r.model());
    if (!(r.model() instanceof NextItemModel next)) {
      return logits;
    }
    int users = r.batch().users();
    int k = Math.min(10, next.catalogueSize());
    UserHistory[] histories = new UserHistory[users];
    for (int b = 0; b < users; b++) {
      histories[b] = r.batch().history(b);
    }
    int[] ids = new int[users * k];
    float[] scores = new float[users * k];
    next.recommend(histories, k, false, next.newWorkspace(), ids, scores, new int[users]);
    float[] all = new float[logits.length + 2 * ids.length];
    System.arraycopy(logits, 0, all, 0, logits.length);
    for (int i = 0; i < ids.length; i++) {
      all[logits.length + i] = ids[i];
    }
    System.arraycopy(scores, 0, all, logits.length + ids.length, scores.length);
    return all;
  }
}
