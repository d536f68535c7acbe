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
 * Caser, NextItNet, FPMC and RRN, seqrec against ONNX Runtime Java on the committed exports
 * ({@code caser.onnx}: the L = 5 window, a user id and C candidates; {@code nextitnet.onnx}: L
 * valid actions and C candidates; {@code fpmc.onnx}: user id, L actions, their count and C
 * candidates; {@code rrn.onnx}: user id, L = 50 actions with ratings and timestamps, C candidates,
 * the weekly steps grouped inside the graph and the LSTM unrolled over the 50 actions, advancing at
 * each step's last action), all with the golden weights. One request = one user and B
 * candidates. ORT is set up as in {@link PeerBenchmark} (ALL_OPT, one intra-op thread, tensors
 * made and closed per call); seqrec scores on the calling thread. NextItNet at L = 50 is inside
 * its receptive field (55), so both peers do the whole network; ORT has no way to skip the
 * positions a longer history's newest row does not see. Setup checks that both give the same
 * logits before anything is timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms1g", "-Xmx1g"})
public class NextItemPeerBenchmark {
  @Param({"caser", "nextitnet", "fpmc", "rrn"})
  public String model;

  @Param({"100", "1000"})
  public int B;

  /** History length (Caser reads its last L = 5). */
  @Param({"50"})
  public int L;

  private static final int CASER_WINDOW = 5;

  SequentialModel seqrec;
  SequentialModel.Workspace ws;
  UserHistory history;
  Candidates candidates;
  float[] logits;

  OrtPeer ort;
  long[] histItems;
  long[] window;
  long[] candItems;
  long[] ratings;
  long[] times;

  @Setup
  public void setup(BenchmarkParams params) throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    int nItems = NextItemBenchData.goldenItems(model);
    int[] items = new int[L];
    for (int i = 0; i < L; i++) {
      items[i] = 1 + random.nextInt(nItems);
    }
    int[] cItems = new int[B];
    for (int i = 0; i < B; i++) {
      cItems[i] = 1 + random.nextInt(nItems);
    }
    // RRN reads ratings 1..5 as action types and groups one action a day into weekly steps
    int[] actionTypes = new int[L];
    times = new long[L];
    for (int i = 0; i < L; i++) {
      actionTypes[i] = 1 + (items[i] + i) % 5;
      times[i] = NextItemBenchData.FIRST_TIME + NextItemBenchData.DAY * i;
    }
    ratings = OrtPeer.toLongs(actionTypes);
    history = UserHistory.of(items, L).actionTypes(actionTypes).timestamps(times).userId(NextItemBenchData.USER)
        .build();
    candidates = Candidates.of(cItems);
    seqrec = Models.load(model, BenchData.resource("golden/models/" + model + "/weights.safetensors"), Map.of());
    ws = seqrec.newWorkspace();
    logits = new float[B];
    ort = new OrtPeer(model, 1);
    histItems = OrtPeer.toLongs(items);
    window = OrtPeer.toLongs(java.util.Arrays.copyOfRange(items, L - CASER_WINDOW, L));
    candItems = OrtPeer.toLongs(cItems);
    OrtPeer.assertAgree(model, seqrec().clone(), ort());
    BenchData.warmUp(params.getBenchmark().endsWith(".seqrec") ? this::seqrec : this::ort, 1500);
  }

  @TearDown
  public void tearDown() throws OrtException {
    ort.close();
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
    long[] user = {NextItemBenchData.USER};
    return switch (model) {
      case "caser" -> ort.inputs()
          .longs("window", window, CASER_WINDOW)
          .longs("user_id", user, 1)
          .longs("cand_items", candItems, B)
          .run();
      case "fpmc" -> ort.inputs()
          .longs("user_id", user, 1)
          .longs("hist_items", histItems, L)
          .longs("hist_len", new long[] {L}, 1)
          .longs("cand_items", candItems, B)
          .run();
      case "rrn" -> ort.inputs()
          .longs("user_id", user, 1)
          .longs("hist_items", histItems, L)
          .longs("hist_actions", ratings, L)
          .longs("hist_times", times, L)
          .longs("cand_items", candItems, B)
          .run();
      default -> ort.inputs()
          .longs("hist_items", histItems, L)
          .longs("cand_items", candItems, B)
          .run();
    };
  }
}
