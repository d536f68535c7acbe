package io.github.seqrec.jmh;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.HashMap;
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

/**
 * seqrec against ONNX Runtime Java on the same model: the PyTorch reference exported to ONNX
 * (golden weights baked in) and the seqrec model loaded from the same weights. One request = one
 * user's history of L actions and B candidates; per-request latency.
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
  @Param({"din", "dien"})
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

  OrtEnvironment env;
  OrtSession session;
  long[] histItems;
  long[] histCates;
  long[] candItems;
  long[] candCates;

  @Setup
  public void setup() throws Exception {
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

    env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    options.setIntraOpNumThreads(threads);
    options.setInterOpNumThreads(1);
    options.addConfigEntry("session.intra_op.allow_spinning", "0");
    session = env.createSession(BenchData.resource("onnx/" + model + ".onnx").toString(), options);
    histItems = toLongs(items);
    histCates = toLongs(cates);
    candItems = toLongs(cItems);
    candCates = toLongs(cCates);

    float[] ours = seqrec().clone();
    float[] theirs = ort();
    double scale = 0;
    for (float v : theirs) {
      scale += v * v;
    }
    scale = 0.1 * Math.sqrt(scale / theirs.length);
    for (int i = 0; i < B; i++) {
      double err = Math.abs(ours[i] - theirs[i]);
      if (err > 1e-4 * (Math.abs(theirs[i]) + scale)) {
        throw new IllegalStateException(model + ": seqrec and ONNX Runtime disagree at candidate " + i + ": "
            + ours[i] + " vs " + theirs[i]);
      }
    }
  }

  @TearDown
  public void tearDown() throws OrtException {
    session.close();
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
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("hist_items", tensor(histItems, L));
      inputs.put("hist_cates", tensor(histCates, L));
      inputs.put("hist_len", tensor(new long[] {L}, 1));
      inputs.put("cand_items", tensor(candItems, B));
      inputs.put("cand_cates", tensor(candCates, B));
      try (OrtSession.Result result = session.run(inputs)) {
        var out = ((OnnxTensor) result.get(0)).getFloatBuffer();
        float[] values = new float[out.remaining()];
        out.get(values);
        return values;
      }
    } finally {
      for (OnnxTensor t : inputs.values()) {
        t.close();
      }
    }
  }

  private OnnxTensor tensor(long[] values, int n) throws OrtException {
    LongBuffer buffer = ByteBuffer.allocateDirect(8 * n).order(ByteOrder.nativeOrder()).asLongBuffer();
    buffer.put(values, 0, n).flip();
    return OnnxTensor.createTensor(env, buffer, new long[] {n});
  }

  private static long[] toLongs(int[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
