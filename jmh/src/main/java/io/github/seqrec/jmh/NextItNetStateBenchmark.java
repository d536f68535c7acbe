package io.github.seqrec.jmh;

import ai.onnxruntime.OrtException;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.nextitem.NextItNet;
import io.github.seqrec.models.nextitem.NextItNetState;
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
 * NextItNet after one new action, at history length L, three ways: {@code append} (the stored
 * state advanced by one action: one output row per convolution, then the user embedding),
 * {@code rescore} (seqrec recomputing the user embedding of the whole history; it computes only
 * the newest row's receptive-field cone, at most 55 rows per layer for the golden dilations, so
 * its cost stops growing at L = 55) and {@code rescoreOnnxRuntime} (the exported graph on the
 * whole history, every position through every layer as a framework computes it, scoring one
 * candidate). Golden weights: C = 32, k = 3, dilations 1,2,1,2,1,2.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms1g", "-Xmx1g"})
public class NextItNetStateBenchmark {
  @Param({"50", "200", "1000"})
  public int L;

  NextItNet model;
  SequentialModel.Workspace ws;
  NextItNetState state;
  UserHistory history;
  int[] next;
  int cursor;
  float[] out;
  OrtPeer ort;
  long[] histItems;

  @Setup
  public void setup(BenchmarkParams params) throws Exception {
    model = (NextItNet) Models.load("nextitnet", BenchData.resource("golden/models/nextitnet/weights.safetensors"),
        Map.of());
    ws = model.newWorkspace();
    SplittableRandom random = new SplittableRandom(3);
    int[] items = new int[L];
    for (int i = 0; i < L; i++) {
      items[i] = 1 + random.nextInt(200);
    }
    history = UserHistory.of(items, L).build();
    state = model.newState();
    for (int item : items) {
      model.append(state, item);
    }
    next = new int[4096];
    for (int i = 0; i < next.length; i++) {
      next[i] = 1 + random.nextInt(200);
    }
    out = new float[model.embeddingDim()];
    ort = new OrtPeer("nextitnet", 1);
    histItems = new long[L];
    for (int i = 0; i < L; i++) {
      histItems[i] = items[i];
    }
    // the Vector API code runs ~100x slower until C2 has compiled it: warm the timed method up
    String method = params.getBenchmark();
    BenchData.warmUp(method.endsWith(".append") ? this::append
        : method.endsWith(".rescore") ? this::rescore : this::rescoreOnnxRuntime, 1500);
  }

  @TearDown
  public void tearDown() throws OrtException {
    ort.close();
  }

  /** One new action on the stored state, then its user embedding. */
  @Benchmark
  public float[] append() {
    model.append(state, next[cursor++ & 4095]);
    model.userEmbedding(state, out, 0);
    return out;
  }

  /** The user embedding of the whole L-action history, recomputed from scratch. */
  @Benchmark
  public float[] rescore() {
    model.userEmbedding(history, ws, out, 0);
    return out;
  }

  /** The whole L-action history through ONNX Runtime (every position of every layer), one candidate. */
  @Benchmark
  public float[] rescoreOnnxRuntime() throws OrtException {
    return ort.inputs().longs("hist_items", histItems, L).longs("cand_items", new long[] {1}, 1).run();
  }
}
