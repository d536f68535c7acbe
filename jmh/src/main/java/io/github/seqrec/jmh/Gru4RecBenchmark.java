package io.github.seqrec.jmh;

import ai.onnxruntime.OrtException;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.nextitem.Gru4Rec;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * GRU4Rec served two ways, and against ONNX Runtime Java on the same model ({@code onnx/gru4rec.onnx},
 * the golden weights: 100 items, GRU layers 24 and 32, constrained embedding):
 * <ul>
 *   <li>{@code appendOne}: one new action advances a stored {@link Gru4Rec.UserState} (one gruStep
 *       per layer) — the serving path;</li>
 *   <li>{@code rescore}: the user embedding recomputed from the whole history of L actions (one
 *       gruScan per layer);</li>
 *   <li>{@code seqrecScore} / {@code onnxRuntime}: a full request, L actions and B candidates to
 *       logits, by each peer (setup checks they agree to 1e-4).</li>
 * </ul>
 * ORT runs on the calling thread (one intra-op thread, spinning off), as does seqrec.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms1g", "-Xmx1g"})
public class Gru4RecBenchmark {
  @Param({"50", "200", "1000"})
  public int L;

  /** Candidates per request (the append and rescore paths compute the user embedding only). */
  @Param({"100", "1000"})
  public int B;

  private static final int N_ITEMS = 100;

  Gru4Rec model;
  SequentialModel.Workspace ws;
  Gru4Rec.UserState state;
  UserHistory history;
  Candidates candidates;
  float[] logits;
  float[] embedding;
  int next;
  int[] stream;

  OrtPeer ort;
  long[] histItems;
  long[] candItems;

  @Setup
  public void setup(BenchmarkParams params) throws Exception {
    SplittableRandom random = new SplittableRandom(11);
    int[] items = new int[L];
    for (int i = 0; i < L; i++) {
      items[i] = 1 + random.nextInt(N_ITEMS);
    }
    int[] cands = new int[B];
    for (int i = 0; i < B; i++) {
      cands[i] = 1 + random.nextInt(N_ITEMS);
    }
    stream = new int[4096];
    for (int i = 0; i < stream.length; i++) {
      stream[i] = 1 + random.nextInt(N_ITEMS);
    }
    history = UserHistory.of(items, L).build();
    candidates = Candidates.of(cands);
    model = (Gru4Rec) Models.load("gru4rec", BenchData.resource("golden/models/gru4rec/weights.safetensors"),
        Map.of("max_len", String.valueOf(Math.max(L, 100))));
    ws = model.newWorkspace();
    state = model.newUserState();
    for (int item : items) {
      model.append(state, item, ws);
    }
    logits = new float[B];
    embedding = new float[model.embeddingDim()];
    ort = new OrtPeer("gru4rec", 1);
    histItems = OrtPeer.toLongs(items);
    candItems = OrtPeer.toLongs(cands);
    OrtPeer.assertAgree("gru4rec L=" + L, seqrecScore().clone(), ort());
    String bench = params.getBenchmark();
    BenchData.warmUp(bench.endsWith(".onnxRuntime") ? this::ort
        : bench.endsWith(".appendOne") ? this::appendOne
        : bench.endsWith(".rescore") ? this::rescore : this::seqrecScore, 1500);
  }

  @TearDown
  public void tearDown() throws OrtException {
    ort.close();
  }

  /** Per-request work differs between the paths: the report shows times only. */
  public static Work workPerOp(Map<String, String> params) {
    return null;
  }

  @Benchmark
  public float appendOne() {
    model.append(state, stream[next++ & (stream.length - 1)], ws);
    model.userEmbedding(state, embedding, 0);
    return embedding[0];
  }

  @Benchmark
  public float[] rescore() {
    model.userEmbedding(history, ws, embedding, 0);
    return embedding;
  }

  @Benchmark
  public float[] seqrecScore() {
    model.score(history, candidates, ws, logits, 0);
    return logits;
  }

  @Benchmark
  public float[] onnxRuntime() throws OrtException {
    return ort();
  }

  private float[] ort() throws OrtException {
    return ort.inputs()
        .longs("hist_items", histItems, L)
        .longs("hist_len", new long[] {L}, 1)
        .longs("cand_items", candItems, B)
        .run();
  }
}
