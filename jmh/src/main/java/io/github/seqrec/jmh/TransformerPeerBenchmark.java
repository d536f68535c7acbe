package io.github.seqrec.jmh;

import ai.onnxruntime.OrtException;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * SASRec, BERT4Rec, HSTU, TransAct and PinnerFormer, seqrec against ONNX Runtime Java on the
 * committed exports ({@code golden/models/export_onnx_transformer.py}: {@code sasrec.onnx},
 * {@code bert4rec.onnx}, {@code hstu.onnx}; {@code golden/models/export_onnx_nextitem.py}:
 * {@code transact.onnx}, {@code pinnerformer.onnx}; golden weights baked in, opset 17; ORT fuses
 * the attention where it can). One request = one user's history of L actions and B candidates:
 * L = 199 fills the 200-slot window of SASRec, HSTU and BERT4Rec (which appends its [MASK]);
 * TransAct and PinnerFormer read a shorter window (100 and 128), so they get a full window of
 * that length. TransAct encodes the history once per candidate (early fusion), so its work grows
 * with B. ORT as in {@link PeerBenchmark}
 * (ALL_OPT, one intra-op thread, tensors made per call); seqrec on the calling thread. Setup checks
 * that both give the same logits before anything is timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms1g", "-Xmx1g"})
public class TransformerPeerBenchmark {
  @Param({"sasrec", "bert4rec", "hstu", "transact", "pinnerformer"})
  public String model;

  @Param({"100", "1000"})
  public int B;

  @Param({"199"})
  public int L;

  private static final int N_ITEMS = 300;

  /** History slots each model is given: L, or the model's whole window when that is shorter. */
  private int slots() {
    return switch (model) {
      case "transact" -> Math.min(L, 100);
      case "pinnerformer" -> Math.min(L, 128);
      default -> L;
    };
  }

  /** Action types in range for each model (TransAct masks action 0, PinnerFormer pads with it). */
  private int actionType(SplittableRandom random) {
    return model.equals("pinnerformer") ? 1 + random.nextInt(8) : 1 + random.nextInt(19);
  }

  int n;

  SequentialModel seqrec;
  SequentialModel.Workspace ws;
  UserHistory history;
  Candidates candidates;
  float[] logits;

  OrtPeer ort;
  long[] histItems;
  long[] histTimes;
  long[] histActions;
  long requestTime;
  long[] candItems;

  @Setup
  public void setup(BenchmarkParams params) throws Exception {
    SplittableRandom random = new SplittableRandom(23);
    n = slots();
    int[] items = new int[n];
    long[] times = new long[n];
    long t = 1_600_000_000L;
    for (int i = 0; i < n; i++) {
      items[i] = 1 + random.nextInt(N_ITEMS);
      t += 1 + random.nextInt(100_000);
      times[i] = t;
    }
    requestTime = t + 60;
    int[] cItems = new int[B];
    for (int i = 0; i < B; i++) {
      cItems[i] = 1 + random.nextInt(N_ITEMS);
    }
    int[] actions = new int[n];
    for (int i = 0; i < n; i++) {
      actions[i] = actionType(random);
    }
    history = UserHistory.of(items, n).timestamps(times).actionTypes(actions).requestTime(requestTime).build();
    candidates = Candidates.of(cItems);
    seqrec = Models.load(model, BenchData.resource("golden/models/" + model + "/weights.safetensors"), Map.of());
    ws = seqrec.newWorkspace();
    logits = new float[B];
    ort = new OrtPeer(model, 1);
    histItems = OrtPeer.toLongs(items);
    histTimes = times;
    histActions = OrtPeer.toLongs(actions);
    candItems = OrtPeer.toLongs(cItems);
    OrtPeer.assertAgree(model, seqrec().clone(), ort());
    BenchData.warmUp(params == null || params.getBenchmark().endsWith(".seqrec") ? this::seqrec : this::ort, 1500);
  }

  @TearDown
  public void tearDown() throws OrtException {
    ort.close();
  }

  /** Per-request FLOPs depend on each model's layers; the report shows times only. */
  public static Work workPerOp(Map<String, String> params) {
    return null;
  }

  @Benchmark
  public float[] seqrec() {
    seqrec.score(history, candidates, ws, logits, 0);
    return logits;
  }

  @Benchmark
  public float[] onnxRuntime() throws OrtException {
    return ort();
  }

  private float[] ort() throws OrtException {
    boolean actionsAndTimes = model.equals("transact") || model.equals("pinnerformer");
    OrtPeer.Inputs in = ort.inputs().longs("hist_items", histItems, n);
    if (actionsAndTimes) {
      in.longs("hist_actions", histActions, n);
    }
    if (actionsAndTimes || model.equals("hstu")) {
      in.longs("hist_times", histTimes, n);
    }
    in.longs("hist_len", new long[] {n}, 1);
    if (model.equals("hstu") || model.equals("transact")) {
      in.longs("request_time", new long[] {requestTime}, 1);
    }
    return in.longs("cand_items", candItems, B).run();
  }
}
