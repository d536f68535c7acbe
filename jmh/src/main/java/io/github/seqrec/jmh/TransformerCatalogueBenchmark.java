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
 * Catalogue retrieval per request for the transformer family: top-100 of a 10^6-item catalogue for
 * one user whose history fills the model's window (SASRec and HSTU 200, BERT4Rec 199 plus its
 * mask position, PinnerFormer 128), through {@link NextItemModel#recommend} from the history: the
 * encoder pass and then the catalogue scan. The golden layers stay; every item-indexed table is
 * redrawn at the catalogue size ({@link NextItemBenchData#withCatalogue}).
 * {@link TransformerStateBenchmark} measures the same request from a stored state.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms4g", "-Xmx4g"})
public class TransformerCatalogueBenchmark {
  @Param({"sasrec", "bert4rec", "pinnerformer", "hstu"})
  public String model;

  @Param({"1000000"})
  public int items;

  @Param({"100"})
  public int k;

  NextItemModel next;
  SequentialModel.Workspace ws;
  UserHistory history;
  int[] ids;
  float[] scores;

  @Setup
  public void setup() throws Exception {
    SplittableRandom random = new SplittableRandom(17);
    next = (NextItemModel) NextItemBenchData.withCatalogue(model, items, random);
    ws = next.newWorkspace();
    history = NextItemBenchData.history(next.maxHistoryLength(), items, random);
    ids = new int[k];
    scores = new float[k];
    BenchData.warmUp(this::recommend, 200);
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
