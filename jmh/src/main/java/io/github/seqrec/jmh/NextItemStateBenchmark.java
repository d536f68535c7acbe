package io.github.seqrec.jmh;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.nextitem.MarkovChain;
import io.github.seqrec.models.nextitem.Rrn;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One appended action against rescoring the whole history, for the two stateful next-item models
 * without a benchmark of their own (GRU4Rec: {@link Gru4RecBenchmark}; NextItNet:
 * {@link NextItNetStateBenchmark}), golden weights, history length L (one action a day):
 * <ul>
 *   <li>{@code rrn}: {@code append} is one {@code lstmStep} from the state before the current
 *       week, then the user embedding; {@code rescore} is the user embedding of the whole
 *       history (an LSTM scan over its L / 7 weekly steps). The golden RRN keeps 100 actions, so
 *       it is loaded here with {@code max_len = L};</li>
 *   <li>{@code markov}: the state is the last item; {@code append} stores it and scores B
 *       candidates from it, {@code rescore} scores them from the history.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms1g", "-Xmx1g"})
public class NextItemStateBenchmark {
  @Param({"rrn", "markov"})
  public String model;

  @Param({"50", "200", "1000"})
  public int L;

  @Param({"100"})
  public int B;

  private static final int STREAM = 4096;

  Rrn rrn;
  Rrn.UserState rrnState;
  MarkovChain markov;
  MarkovChain.UserState markovState;
  SequentialModel.Workspace ws;
  UserHistory history;
  Candidates candidates;
  float[] out;
  int[] nextItems;
  int[] nextRatings;
  long time;
  int cursor;

  @Setup
  public void setup(BenchmarkParams params) throws Exception {
    SplittableRandom random = new SplittableRandom(17);
    int nItems = NextItemBenchData.goldenItems(model);
    history = NextItemBenchData.history(L, nItems, random);
    int[] cands = new int[B];
    for (int i = 0; i < B; i++) {
      cands[i] = 1 + random.nextInt(nItems);
    }
    candidates = Candidates.of(cands);
    nextItems = new int[STREAM];
    nextRatings = new int[STREAM];
    for (int i = 0; i < STREAM; i++) {
      nextItems[i] = 1 + random.nextInt(nItems);
      nextRatings[i] = 1 + random.nextInt(5);
    }
    int[] items = history.itemIds();
    if (model.equals("rrn")) {
      rrn = (Rrn) io.github.seqrec.models.Models.load("rrn",
          BenchData.resource("golden/models/rrn/weights.safetensors"), Map.of("max_len", String.valueOf(L)));
      ws = rrn.newWorkspace();
      rrnState = rrn.newUserState(NextItemBenchData.USER);
      for (int i = 0; i < L; i++) {
        rrn.append(rrnState, items[i], history.actionTypes()[i], history.timestamps()[i], ws);
      }
      time = history.timestamps()[L - 1];
      out = new float[rrn.embeddingDim()];
    } else {
      markov = (MarkovChain) NextItemBenchData.golden("markov");
      ws = markov.newWorkspace();
      markovState = markov.newUserState();
      markov.append(markovState, items[L - 1]);
      out = new float[B];
    }
    String method = params.getBenchmark();
    BenchData.warmUp(method.endsWith(".append") ? this::append : this::rescore, 1500);
  }

  /** Per-operation work differs between the paths: the report shows times only. */
  public static Work workPerOp(Map<String, String> params) {
    return null;
  }

  /** One new action on the stored state, then what a request reads from it. */
  @Benchmark
  public float[] append() {
    int i = cursor++ & (STREAM - 1);
    if (rrn != null) {
      // an action every 3 hours: most join the current week's step, one in 56 opens the next
      time += 3 * 3600;
      rrn.append(rrnState, nextItems[i], nextRatings[i], time, ws);
      rrn.userEmbedding(rrnState, out, 0);
    } else {
      markov.append(markovState, nextItems[i]);
      markov.score(markovState, candidates, out, 0);
    }
    return out;
  }

  /** The same from the whole L-action history, recomputed. */
  @Benchmark
  public float[] rescore() {
    if (rrn != null) {
      rrn.userEmbedding(history, ws, out, 0);
    } else {
      markov.score(history, candidates, ws, out, 0);
    }
    return out;
  }
}
