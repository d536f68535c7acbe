package io.github.seqrec.jmh;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.io.IOException;
import java.util.Map;
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
 * One DIN request (Zhou et al., KDD 2018): B candidates against a history of L = 50 actions (the
 * paper's scale), golden weights (d = 128, activation unit 80 -> 40 Dice, MLP 200 -> 80 Dice).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DinBenchmark {
  @Param({"100", "1000"})
  public int B;

  @Param({"50"})
  public int L;

  SequentialModel model;
  UserHistory history;
  Candidates candidates;
  SequentialModel.Workspace workspace;
  float[] logits;

  @Setup
  public void setup() throws IOException {
    model = CtrBenchData.load("din", Map.of());
    history = CtrBenchData.history(L, 7);
    candidates = CtrBenchData.candidates(B, 8);
    workspace = model.newWorkspace();
    logits = new float[B];
  }

  public static Work workPerOp(Map<String, String> p) {
    return Work.flops(flops(Work.intParam(p, "B"), Work.intParam(p, "L")));
  }

  /**
   * FLOPs of one request (d = 128, h = 80, 40): the activation unit per (candidate, action) pair
   * {@code 2 (d 80 + 80 40 + 40)} (the first layer's split: only the {@code (q * k)} block is per
   * pair), its target part {@code 2 B d 80} and history part {@code 2 L d 80}, the pooling
   * {@code 2 B L d} and the MLP {@code 2 B (3d 200 + 200 80 + 80)}.
   */
  public static double flops(int b, int l) {
    int d = 128;
    return 2.0 * b * l * (d * 80 + 80 * 40 + 40) + 2.0 * (b + l) * d * 80 + 2.0 * b * l * d
        + 2.0 * b * (3 * d * 200 + 200 * 80 + 80);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] scalar() {
    model.score(history, candidates, workspace, logits, 0);
    return logits;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] vector() {
    model.score(history, candidates, workspace, logits, 0);
    return logits;
  }
}
