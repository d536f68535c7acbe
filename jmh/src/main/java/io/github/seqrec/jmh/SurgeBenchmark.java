package io.github.seqrec.jmh;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
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
 * SURGE per-request latency: one user's history of L = 50 actions (the golden max_len; the graph,
 * L x L, is built once per request) and B candidates (fusion, pooling to 30 nodes and the AUGRU per
 * candidate). Golden weights: node width 40, attention MLPs 80-40, output MLP 100-64. No ONNX
 * peer: the graph's data-dependent sparsification and pooling have no clean ONNX export.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms1g", "-Xmx1g"})
public class SurgeBenchmark {
  @Param({"100", "1000"})
  public int B;

  @Param({"50"})
  public int L;

  SequentialModel model;
  SequentialModel.Workspace ws;
  UserHistory history;
  Candidates candidates;
  float[] logits;

  @Setup
  public void setup() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    int[] items = new int[L];
    int[] cates = new int[L];
    for (int i = 0; i < L; i++) {
      items[i] = 1 + random.nextInt(200);
      cates[i] = 1 + (items[i] * 7) % 20;
    }
    int[] cItems = new int[B];
    int[] cCates = new int[B];
    for (int i = 0; i < B; i++) {
      cItems[i] = 1 + random.nextInt(200);
      cCates[i] = 1 + (cItems[i] * 7) % 20;
    }
    history = UserHistory.of(items, L).categoryIds(cates).build();
    candidates = Candidates.of(cItems, cCates);
    model = Models.load("surge", BenchData.resource("golden/models/surge/weights.safetensors"), Map.of());
    ws = model.newWorkspace();
    logits = new float[B];
    BenchData.warmUp(this::score, 1500);
  }

  @Benchmark
  public float[] score() {
    model.score(history, candidates, ws, logits, 0);
    return logits;
  }
}
