package io.github.seqrec.jmh;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.ctr.Dien;
import io.github.seqrec.models.ctr.DienUserState;
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
 * One DIEN request (Zhou et al., AAAI 2019): B candidates against a history of L = 50 actions,
 * golden weights (d = 36, H = 36, AUGRU, MLP 200 -> 80 Dice). {@code uncached*} runs the interest
 * extractor per request; {@code cached*} scores from a kept {@link DienUserState} (the paper's
 * serving path: only attention, AUGRU and MLP per request).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DienBenchmark {
  @Param({"100", "1000"})
  public int B;

  @Param({"50"})
  public int L;

  Dien model;
  DienUserState state;
  UserHistory history;
  Candidates candidates;
  SequentialModel.Workspace workspace;
  float[] logits;

  @Setup
  public void setup() throws IOException {
    model = (Dien) CtrBenchData.load("dien", Map.of());
    history = CtrBenchData.history(L, 7);
    candidates = CtrBenchData.candidates(B, 8);
    workspace = model.newWorkspace();
    state = model.newUserState().reset(history);
    logits = new float[B];
  }

  public static Work workPerOp(Map<String, String> p) {
    return Work.flops(flops(Work.intParam(p, "B"), Work.intParam(p, "L")));
  }

  /**
   * FLOPs of one uncached request (d = H = 36): the extractor {@code 2 L (d 3H + H 3H)}, the
   * attention query {@code 2 B d H} and scores {@code 2 B L H}, the shared AUGRU input gates
   * {@code 2 L H 3H}, its hidden gates {@code 2 B L H 3H}, the MLP {@code 2 B ((H + 3d) 200 + 200 80 + 80)}.
   */
  public static double flops(int b, int l) {
    int d = 36;
    int h = 36;
    return 2.0 * l * (d * 3 * h + h * 3 * h) + 2.0 * b * d * h + 2.0 * b * l * h + 2.0 * l * h * 3 * h
        + 2.0 * b * l * h * 3 * h + 2.0 * b * ((h + 3 * d) * 200 + 200 * 80 + 80);
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] uncachedScalar() {
    model.score(history, candidates, workspace, logits, 0);
    return logits;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] uncachedVector() {
    model.score(history, candidates, workspace, logits, 0);
    return logits;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] cachedScalar() {
    model.score(state, candidates, workspace, logits, 0);
    return logits;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] cachedVector() {
    model.score(state, candidates, workspace, logits, 0);
    return logits;
  }
}
