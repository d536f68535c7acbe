package io.github.seqrec.jmh;

import ai.onnxruntime.OrtException;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.lifelong.Eta;
import io.github.seqrec.models.lifelong.EtaSignatureCache;
import io.github.seqrec.models.lifelong.ItemProjectionCache;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.lifelong.Sim;
import io.github.seqrec.models.lifelong.SimUserIndex;
import io.github.seqrec.models.lifelong.Twin;
import io.github.seqrec.models.UserHistory;
import java.util.Arrays;
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
 * The exact search units of the two-stage models (SIM, ETA: K = 50; TWIN: K = 100) against ONNX
 * Runtime Java on the same ESU graph ({@code onnx/<model>_esu.onnx}, exported from the PyTorch
 * reference with the golden weights): one user with a history of L actions, B candidates, and the
 * K picks of each candidate given. The picks are the model's own search for SIM (soft search) and
 * ETA (Hamming top-k), K random distinct positions for TWIN; both peers get the same ones.
 *
 * <p>seqrec runs {@code scoreSelected} with the state kept between requests (SIM's user index, ETA's
 * signature cache, and for ETA and TWIN the per-item projection cache) and handles each distinct
 * picked behaviour once; ORT receives the picks gathered per candidate ({@code [B, K]} ids, SIM's time
 * buckets, TWIN's cross buckets, a mask), which is how the exported graph takes them, and projects
 * every pick. Both run single-threaded ({@code threads = 1}) or on both cores; setup checks that
 * the logits agree (relative 1e-4) before anything is timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms2g", "-Xmx2g"})
public class EsuPeerBenchmark {
  @Param({"sim", "eta", "twin"})
  public String model;

  @Param({"100", "1000"})
  public int B;

  /** History length: the kept window the picks come from. */
  @Param({"1000"})
  public int L;

  @Param({"1", "2"})
  public int threads;

  private static final int N_ITEMS = 200;
  private static final int N_CATES = 20;
  private static final int N_CROSS = 2;
  private static final int CROSS_BUCKETS = 16;

  /** Scores candidates [from, from + count) with their picks; one per model. */
  private interface Esu {
    void score(int half, float[] logits, int logitsOff);
  }

  Esu seqrec;
  Candidates[] halves;
  float[] logits;
  ExecutorService second;
  int k;

  OrtPeer ort;
  long[] candItems;
  long[] candCates;
  long[] selItems;
  long[] selCates;
  long[] selExtra;
  float[] selMask;

  @Setup
  public void setup(BenchmarkParams params) throws Exception {
    SplittableRandom random = new SplittableRandom(11);
    int[] items = new int[L];
    int[] cates = new int[L];
    long[] times = new long[L];
    int[] cross = new int[N_CROSS * L];
    long t = 1_600_000_000L;
    for (int i = 0; i < L; i++) {
      items[i] = 1 + random.nextInt(N_ITEMS);
      cates[i] = 1 + (items[i] * 7) % N_CATES;
      t += 1 + random.nextInt(100_000);
      times[i] = t;
      for (int j = 0; j < N_CROSS; j++) {
        cross[N_CROSS * i + j] = random.nextInt(CROSS_BUCKETS);
      }
    }
    long requestTime = t + 600;
    int[] cItems = new int[B];
    int[] cCates = new int[B];
    for (int i = 0; i < B; i++) {
      cItems[i] = 1 + random.nextInt(N_ITEMS);
      cCates[i] = 1 + (cItems[i] * 7) % N_CATES;
    }
    Candidates all = Candidates.of(cItems, cCates);
    halves = threads == 1
        ? new Candidates[] {all}
        : new Candidates[] {
            Candidates.of(Arrays.copyOfRange(cItems, 0, B / 2), Arrays.copyOfRange(cCates, 0, B / 2)),
            Candidates.of(Arrays.copyOfRange(cItems, B / 2, B), Arrays.copyOfRange(cCates, B / 2, B))};
    UserHistory history = UserHistory.of(items, L).categoryIds(cates).timestamps(times).requestTime(requestTime)
        .crossBuckets(cross, N_CROSS).build();
    SequentialModel loaded = Models.load(model, BenchData.resource("golden/models/" + model + "/weights.safetensors"),
        Map.of("max_len", Integer.toString(L)));
    int[] slots;
    long[] extra;  // SIM: time bucket per pick; TWIN: cross buckets per pick; ETA: none
    switch (loaded) {
      case Sim sim -> {
        k = sim.topK();
        SimUserIndex index = sim.newUserIndex();
        index.appendAll(history);
        slots = new int[B * k];
        sim.search(index, all, sim.newWorkspace(), slots, 0, new int[B], 0);
        extra = new long[B * k];
        for (int i = 0; i < slots.length; i++) {
          extra[i] = slots[i] < 0 ? 0 : sim.timeBucket(requestTime - times[slots[i]]);
        }
        SequentialModel.Workspace[] ws = {sim.newWorkspace(), sim.newWorkspace()};
        seqrec = (half, out, off) -> sim.scoreSelected(index, requestTime, halves[half], slots, half * (B / 2) * k,
            ws[half], out, off);
      }
      case Eta eta -> {
        k = eta.topK();
        EtaSignatureCache cache = eta.newSignatureCache();
        cache.appendAll(history);
        slots = new int[B * k];
        eta.search(cache, all, eta.newWorkspace(), slots, 0, null);
        extra = null;
        ItemProjectionCache projections = eta.itemCache();
        SequentialModel.Workspace[] ws = {eta.newWorkspace(), eta.newWorkspace()};
        seqrec = (half, out, off) -> eta.scoreSelected(projections, cache, halves[half], slots, half * (B / 2) * k,
            ws[half], out, off);
      }
      case Twin twin -> {
        k = twin.topK();
        slots = new int[B * k];
        int[] positions = new int[L];
        Arrays.setAll(positions, i -> i);
        for (int c = 0; c < B; c++) {
          for (int j = 0; j < k; j++) { // a partial Fisher-Yates shuffle: K distinct positions
            int pick = j + random.nextInt(L - j);
            int tmp = positions[j];
            positions[j] = positions[pick];
            positions[pick] = tmp;
            slots[c * k + j] = positions[j];
          }
        }
        extra = new long[B * k * N_CROSS];
        for (int i = 0; i < slots.length; i++) {
          for (int j = 0; j < N_CROSS; j++) {
            extra[i * N_CROSS + j] = cross[slots[i] * N_CROSS + j];
          }
        }
        ItemProjectionCache cache = twin.itemCache();
        SequentialModel.Workspace[] ws = {twin.newWorkspace(), twin.newWorkspace()};
        seqrec = (half, out, off) -> twin.scoreSelected(cache, history, halves[half], slots, half * (B / 2) * k,
            ws[half], out, off);
      }
      default -> throw new IllegalArgumentException("no ESU peer for model " + model);
    }
    selItems = new long[B * k];
    selCates = new long[B * k];
    selMask = new float[B * k];
    for (int i = 0; i < slots.length; i++) {
      if (slots[i] >= 0) {
        selItems[i] = items[slots[i]];
        selCates[i] = cates[slots[i]];
        selMask[i] = 1f;
      }
    }
    selExtra = extra;
    candItems = OrtPeer.toLongs(cItems);
    candCates = OrtPeer.toLongs(cCates);
    logits = new float[B];
    second = threads == 1 ? null : Executors.newSingleThreadExecutor();
    ort = new OrtPeer(model + "_esu", threads);
    OrtPeer.assertAgree(model + " ESU", seqrec().clone(), ort());
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

  /** Per-request work differs between the peers (seqrec projects each distinct pick once): times only. */
  public static Work workPerOp(Map<String, String> params) {
    return null;
  }

  @Benchmark
  public float[] seqrec() throws Exception {
    if (halves.length == 1) {
      seqrec.score(0, logits, 0);
      return logits;
    }
    Future<?> other = second.submit(() -> seqrec.score(1, logits, B / 2));
    seqrec.score(0, logits, 0);
    other.get();
    return logits;
  }

  @Benchmark
  public float[] onnxRuntime() throws OrtException {
    return ort();
  }

  private float[] ort() throws OrtException {
    OrtPeer.Inputs in = ort.inputs()
        .longs("cand_items", candItems, B)
        .longs("cand_cates", candCates, B)
        .longs("sel_items", selItems, B, k)
        .longs("sel_cates", selCates, B, k);
    switch (model) {
      case "sim" -> in.longs("sel_buckets", selExtra, B, k);
      case "twin" -> in.longs("sel_cross", selExtra, B, k, N_CROSS);
      default -> { }
    }
    return in.floats("sel_mask", selMask, B, k).run();
  }
}
