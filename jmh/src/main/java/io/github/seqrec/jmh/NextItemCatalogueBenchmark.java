package io.github.seqrec.jmh;

import io.github.seqrec.models.NextItemModel;
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
 * Catalogue retrieval per request for the next-item models of the first half of the survey:
 * top-100 of a 10^5- and a 10^6-item catalogue for one user with an L = 50 history (Caser reads
 * its last 5), through {@link NextItemModel#recommend}. The models keep their golden layers; their
 * item tables are redrawn at the catalogue size ({@link NextItemBenchData#withCatalogue}); the
 * Markov chain is fitted on 2 * 10^6 random transitions, so its row for the last item holds ~2
 * counted successors and the rest of the top-100 comes from the popularity fallback. GRU4Rec has
 * its own {@link Gru4RecCatalogueBenchmark} (also from a stored state).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms4g", "-Xmx4g"})
public class NextItemCatalogueBenchmark {
  @Param({"markov", "fpmc", "rrn", "caser", "nextitnet"})
  public String model;

  @Param({"100000", "1000000"})
  public int items;

  @Param({"50"})
  public int L;

  @Param({"100"})
  public int k;

  NextItemModel next;
  SequentialModel.Workspace ws;
  UserHistory history;
  int[] ids;
  float[] scores;

  @Setup
  public void setup() throws Exception {
    SplittableRandom random = new SplittableRandom(13);
    next = (NextItemModel) NextItemBenchData.withCatalogue(model, items, random);
    ws = next.newWorkspace();
    history = NextItemBenchData.history(L, items, random);
    ids = new int[k];
    scores = new float[k];
    BenchData.warmUp(this::recommend, 1500);
  }

  /** The catalogue scan (items x d multiply-adds) dominates; the report shows times only. */
  public static Work workPerOp(Map<String, String> params) {
    return null;
  }

  @Benchmark
  public int recommend() {
    return next.recommend(history, k, false, ws, ids, 0, scores, 0);
  }
}
