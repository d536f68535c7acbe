package io.github.seqrec.jmh;

import ai.onnxruntime.OrtException;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * seqrec against ONNX Runtime Java on the same model: the PyTorch reference exported to ONNX
 * (golden weights baked in) and the seqrec model loaded from the same weights. One request = one
 * user's history of L actions and B candidates; per-request latency. DIN, DIEN and TIM on
 * {@code golden/models/export_onnx.py}'s exports; SURGE on {@code export_onnx_nextitem.py}'s
 * {@code surge.onnx}, whose graph is built for L = 50 valid actions (the item graph, its
 * sparsification threshold and the cluster pooling computed in the graph; the per-candidate AUGRU
 * unrolled over the 50 positions, advancing at the kept ones).
 *
 * <p>Fair play: ORT gets direct buffers, {@code ALL_OPT}, tensors created and closed per call as a
 * service does, and {@code threads} intra-op threads (spinning off); seqrec scores on the calling
 * thread ({@code threads = 1}) or splits the candidates over two threads ({@code threads = 2}).
 * Setup checks that both produce the same logits (relative 1e-4) before anything is timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms1g", "-Xmx1g"})
public class PeerBenchmark {
  @Param({"din", "dien", "tim", "surge"})
  public String model;

  @Param({"100", "1000"})
  public int B;

  @Param({"50"})
  public int L;

  @Param({"1", "2"})
  public int threads;

  private static final int N_ITEMS = 200;
  private static final int N_CATES = 20;

  SequentialModel seqrec;
  SequentialModel.Workspace[] workspaces;
  UserHistory history;
  Candidates[] halves;
  float[] logits;
  ExecutorService second;

  OrtPeer ort;
  long[] histItems;
  long[] histCates;
  long[] candItems;
  long[] candCates;

  @Setup
  public void setup(BenchmarkParams params) throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    int[] items = new int[L];
    int[] cates = new int[L];
    for (int i = 0; i < L; i++) {
      items[i] = 1 + random.nextInt(N_ITEMS);
      cates[i] = 1 + (items[i] * 7) % N_CATES;
    }
    int[] cItems = new int[B];
    int[] cCates = new int[B];
    for (int i = 0; i < B; i++) {
      cItems[i] = 1 + random.nextInt(N_ITEMS);
      cCates[i] = 1 + (cItems[i] * 7) % N_CATES;
    }
    history = UserHistory.of(items, L).categoryIds(cates).build();
    seqrec = Models.load(model, BenchData.resource("golden/models/" + model + "/weights.safetensors"), Map.of());
    halves = threads == 1
        ? new Candidates[] {Candidates.of(cItems, cCates)}
        : new Candidates[] {
            Candidates.of(java.util.Arrays.copyOfRange(cItems, 0, B / 2), java.util.Arrays.copyOfRange(cCates, 0, B / 2)),
            Candidates.of(java.util.Arrays.copyOfRange(cItems, B / 2, B), java.util.Arrays.copyOfRange(cCates, B / 2, B))};
    workspaces = new SequentialModel.Workspace[halves.length];
    for (int i = 0; i < halves.length; i++) {
      workspaces[i] = seqrec.newWorkspace();
    }
    logits = new float[B];
    second = threads == 1 ? null : Executors.newSingleThreadExecutor();

    ort = new OrtPeer(model, threads);
    histItems = OrtPeer.toLongs(items);
    histCates = OrtPeer.toLongs(cates);
    candItems = OrtPeer.toLongs(cItems);
    candCates = OrtPeer.toLongs(cCates);
    OrtPeer.assertAgree(model, seqrec().clone(), ort());
    // warm up the peer this fork times (see BenchData.warmUp)
    BenchData.warmUp(params.getBenchmark().endsWith(".seqrec") ? this::seqrec : this::ort, 1500);
  }

  @TearDown
  public void tearDown() throws OrtException {
    ort.close();
    if (second != null) {
      second.shutdownNow();
    }
  }

  /** Per-request work is not a fixed FLOP count across the two peers: the report shows times only. */
  public static Work workPerOp(Map<String, String> params) {
    return null;
  }

  @Benchmark
  public float[] seqrec() throws Exception {
    if (halves.length == 1) {
      seqrec.score(history, halves[0], workspaces[0], logits, 0);
      return logits;
    }
    Future<?> other = second.submit(() -> seqrec.score(history, halves[1], workspaces[1], logits, B / 2));
    seqrec.score(history, halves[0], workspaces[0], logits, 0);
    other.get();
    return logits;
  }

  @Benchmark
  public float[] onnxRuntime() throws OrtException {
    return ort();
  }

  private float[] ort() throws OrtException {
    OrtPeer.Inputs in = ort.inputs()
        .longs("hist_items", histItems, L)
        .longs("hist_cates", histCates, L);
    if (!model.equals("surge")) {
      in.longs("hist_len", new long[] {L}, 1);
    }
    return in.longs("cand_items", candItems, B)
        .longs("cand_cates", candCates, B)
        .run();
  }
}
