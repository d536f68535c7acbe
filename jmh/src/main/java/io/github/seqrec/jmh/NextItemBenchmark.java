package io.github.seqrec.jmh;

import io.github.seqrec.models.Candidates;
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
 * Per-request latency of the next-item models that have no ONNX peer here: the Markov chain,
 * FPMC (basket = last item) and RRN, golden weights, one user with an L = 50 history (one action
 * a day: RRN's 8 weekly steps) and B candidates. GRU4Rec, Caser and NextItNet are timed against
 * ONNX Runtime in {@link Gru4RecBenchmark} and {@link NextItemPeerBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms1g", "-Xmx1g"})
public class NextItemBenchmark {
  @Param({"markov", "fpmc", "rrn"})
  public String model;

  @Param({"100", "1000"})
  public int B;

  @Param({"50"})
  public int L;

  SequentialModel seqrec;
  SequentialModel.Workspace ws;
  UserHistory history;
  Candidates candidates;
  float[] logits;

  @Setup
  public void setup() throws Exception {
    SplittableRandom random = new SplittableRandom(19);
    int nItems = NextItemBenchData.goldenItems(model);
    seqrec = NextItemBenchData.golden(model);
    ws = seqrec.newWorkspace();
    history = NextItemBenchData.history(L, nItems, random);
    int[] cands = new int[B];
    for (int i = 0; i < B; i++) {
      cands[i] = 1 + random.nextInt(nItems);
    }
    candidates = Candidates.of(cands);
    logits = new float[B];
    BenchData.warmUp(this::score, 1500);
  }

  /** These models do a few thousand multiply-adds per request: the report shows times only. */
  public static Work workPerOp(Map<String, String> params) {
    return null;
  }

  @Benchmark
  public float[] score() {
    seqrec.score(history, candidates, ws, logits, 0);
    return logits;
  }
}
