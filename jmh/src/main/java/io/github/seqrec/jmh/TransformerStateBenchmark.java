package io.github.seqrec.jmh;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import io.github.seqrec.models.transformer.Hstu;
import io.github.seqrec.models.transformer.SasRec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SASRec and HSTU at history length L (= max_len) with random weights (d = 64, 2 blocks, 2 heads;
 * HSTU attention_dim = linear_dim = 32; 10 000 items, B = 100 candidates), four ways:
 * <ul>
 *   <li>{@code *AppendBatch}: {@value #BATCH} appended actions on a per-user state that holds
 *       {@code L - BATCH} actions before the batch (refilled before every iteration, untimed), so
 *       each append is the incremental step at about L kept actions - one new row per block
 *       (HSTU: the previous row finalised; the user vector is then one more row per block, timed
 *       in {@code hstuStateRequest}). Single-shot over the batch: divide the score by
 *       {@value #BATCH} for one action.</li>
 *   <li>{@code *Rescore}: the user vector of the whole L-action history by a full pass.</li>
 *   <li>{@code *StateRequest}: a request served from the state (B candidate scores; HSTU computes
 *       the most recent row for the request time first).</li>
 *   <li>{@code *FullRequest}: the request scored from the history ({@code score}, B candidates).</li>
 * </ul>
 * {@link #workPerOp} counts the FLOPs of a full request (see {@link #fullRequestFlops}), so the
 * report states {@code *FullRequest} as a share of the FMA ceiling; the other methods' rates
 * there are not meaningful.
 */
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xms2g", "-Xmx2g"})
public class TransformerStateBenchmark {
  static final int D = 64;
  static final int BLOCKS = 2;
  static final int HEADS = 2;
  static final int HSTU_DIM = 32;
  static final int ITEMS = 10_000;
  static final int B = 100;
  static final int BATCH = 64;

  @Param({"200", "1000", "4096"})
  public int L;

  SasRec sasrec;
  Hstu hstu;
  SequentialModel.Workspace sasrecWs;
  SequentialModel.Workspace hstuWs;
  SasRec.UserState sasrecState;
  Hstu.UserState hstuState;
  SasRec.UserState sasrecAppendState;
  Hstu.UserState hstuAppendState;
  UserHistory history;
  Candidates candidates;
  int[] items;
  long[] times;
  float[] user;
  float[] logits;
  long requestTime;

  @Setup
  public void setup() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    sasrec = (SasRec) loadWith("sasrec", sasrecWeights(random), Map.of("model", "sasrec", "n_items",
        String.valueOf(ITEMS), "hidden", String.valueOf(D), "num_blocks", String.valueOf(BLOCKS), "num_heads",
        String.valueOf(HEADS), "max_len", String.valueOf(L)));
    hstu = (Hstu) loadWith("hstu", hstuWeights(random), Map.of("model", "hstu", "n_items", String.valueOf(ITEMS),
        "embedding_dim", String.valueOf(D), "num_blocks", String.valueOf(BLOCKS), "num_heads", String.valueOf(HEADS),
        "attention_dim", String.valueOf(HSTU_DIM), "linear_dim", String.valueOf(HSTU_DIM), "max_len",
        String.valueOf(L)));
    items = new int[L];
    times = new long[L];
    long t = 1_700_000_000L;
    for (int i = 0; i < L; i++) {
      items[i] = 1 + random.nextInt(ITEMS);
      t += 1 + random.nextInt(3_600);
      times[i] = t;
    }
    requestTime = t + 30;
    history = UserHistory.of(items, L).timestamps(times).requestTime(requestTime).build();
    int[] c = new int[B];
    for (int i = 0; i < B; i++) {
      c[i] = 1 + random.nextInt(ITEMS);
    }
    candidates = Candidates.of(c);
    sasrecWs = sasrec.newWorkspace();
    hstuWs = hstu.newWorkspace();
    sasrecState = sasrec.newUserState();
    hstuState = hstu.newUserState();
    sasrecAppendState = sasrec.newUserState();
    hstuAppendState = hstu.newUserState();
    for (int i = 0; i < L; i++) {
      sasrec.append(sasrecState, items[i], sasrecWs);
      hstu.append(hstuState, items[i], times[i], hstuWs);
    }
    user = new float[D];
    logits = new float[B];
    System.out.println("L = " + L + ": workspace bytes sasrec " + 4 * ((SasRec.Ws) sasrecWs).scratchFloats()
        + ", hstu " + 4 * ((Hstu.Ws) hstuWs).scratchFloats() + "; per-user state bytes sasrec "
        + sasrecState.bytes() + ", hstu " + hstuState.bytes());
    // the Vector API code runs ~100x slower until C2 has compiled it
    BenchData.warmUp(() -> {
      sasrecStateRequest();
      hstuStateRequest();
      if (sasrecAppendState.length() >= L - 1) {   // incremental steps only: restart before the window is full
        sasrecAppendState.reset();
        hstuAppendState.reset();
      }
      sasrecAppendBatch();
      hstuAppendBatch();
    }, 1500);
    BenchData.warmUp(() -> {
      sasrecRescore();
      hstuRescore();
    }, 1500);
  }

  /** Before every iteration (untimed): the append states hold {@code L - BATCH} actions. */
  @Setup(Level.Iteration)
  public void fillForAppend() {
    sasrecAppendState.reset();
    hstuAppendState.reset();
    for (int i = 0; i < L - BATCH; i++) {
      sasrec.append(sasrecAppendState, items[i], sasrecWs);
      hstu.append(hstuAppendState, items[i], times[i], hstuWs);
    }
  }

  private static SequentialModel loadWith(String name, Map<String, Tensor> tensors, Map<String, String> meta)
      throws IOException {
    Path file = Files.createTempFile(name, ".safetensors");
    try {
      SafeTensors.write(file, tensors, meta);
      return Models.load(name, file, Map.of());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Tensor.F32 t(SplittableRandom r, float scale, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    float[] v = BenchData.uniform(r, n);
    for (int i = 0; i < n; i++) {
      v[i] *= scale;
    }
    return new Tensor.F32(shape, v);
  }

  private Map<String, Tensor> sasrecWeights(SplittableRandom r) {
    Map<String, Tensor> w = new LinkedHashMap<>();
    float s = (float) (1 / Math.sqrt(D));
    w.put("item_emb.weight", t(r, 0.1f, ITEMS + 1, D));
    w.put("pos_emb.weight", t(r, 0.1f, L + 1, D));
    for (int i = 0; i < BLOCKS; i++) {
      w.put("attention_layers." + i + ".in_proj_weight", t(r, s, 3 * D, D));
      w.put("attention_layers." + i + ".in_proj_bias", t(r, s, 3 * D));
      w.put("attention_layers." + i + ".out_proj.weight", t(r, s, D, D));
      w.put("attention_layers." + i + ".out_proj.bias", t(r, s, D));
      w.put("attention_layernorms." + i + ".weight", t(r, 1f, D));
      w.put("attention_layernorms." + i + ".bias", t(r, 0.1f, D));
      w.put("forward_layernorms." + i + ".weight", t(r, 1f, D));
      w.put("forward_layernorms." + i + ".bias", t(r, 0.1f, D));
      w.put("forward_layers." + i + ".conv1.weight", t(r, s, D, D, 1));
      w.put("forward_layers." + i + ".conv1.bias", t(r, s, D));
      w.put("forward_layers." + i + ".conv2.weight", t(r, s, D, D, 1));
      w.put("forward_layers." + i + ".conv2.bias", t(r, s, D));
    }
    w.put("last_layernorm.weight", t(r, 1f, D));
    w.put("last_layernorm.bias", t(r, 0.1f, D));
    return w;
  }

  private Map<String, Tensor> hstuWeights(SplittableRandom r) {
    Map<String, Tensor> w = new LinkedHashMap<>();
    int n = L + 11;                      // max_len + the default max_output_len
    float s = (float) (1 / Math.sqrt(D));
    w.put("_embedding_module._item_emb.weight", t(r, 0.1f, ITEMS + 1, D));
    w.put("_input_features_preproc._pos_emb.weight", t(r, 0.1f, n, D));
    for (int i = 0; i < BLOCKS; i++) {
      String p = "_hstu._attention_layers." + i;
      w.put(p + "._uvqk", t(r, s, D, 4 * HEADS * HSTU_DIM));
      w.put(p + "._o.weight", t(r, s, D, HEADS * HSTU_DIM));
      w.put(p + "._o.bias", t(r, s, D));
      w.put(p + "._rel_attn_bias._pos_w", t(r, 0.1f, 2 * n - 1));
      w.put(p + "._rel_attn_bias._ts_w", t(r, 0.1f, 129));
    }
    return w;
  }

  /**
   * FLOPs of one SASRec full request at L (multiply-add = 2): per block the QKV projection of every
   * row, causal attention {@code QK^T} and {@code AV} over the {@code L (L + 1) / 2} pairs, the
   * output projection and the two feed-forward GEMMs; the last block attends, projects and feeds
   * forward its last row only; then B dot products. HSTU's full request is of the same order (its
   * UVQK GEMM is 4 x 64 wide, attention over the pairs at width 2 x 32 for both products).
   */
  static double fullRequestFlops(int l) {
    double perRowProjections = 2.0 * 3 * D * D;
    double perRowTail = 2.0 * D * D * 3;               // out projection + 2 feed-forward GEMMs
    double pairs = (double) l * (l + 1) / 2;
    double first = l * (perRowProjections + perRowTail) + pairs * 4.0 * D;
    double last = l * perRowProjections + l * 4.0 * D + perRowTail;
    return (BLOCKS - 1) * first + last + 2.0 * B * D;
  }

  /** The FLOPs of a SASRec full request (see {@link #fullRequestFlops}). */
  public static Work workPerOp(Map<String, String> params) {
    return Work.flops(fullRequestFlops(Work.intParam(params, "L")));
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(batchSize = BATCH)
  @Measurement(batchSize = BATCH)
  public float[] sasrecAppendBatch() {
    int n = sasrecAppendState.length();
    sasrec.append(sasrecAppendState, items[n % L], sasrecWs);
    sasrec.userEmbedding(sasrecAppendState, user, 0);
    return user;
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(batchSize = BATCH)
  @Measurement(batchSize = BATCH)
  public int hstuAppendBatch() {
    int n = hstuAppendState.length();
    hstu.append(hstuAppendState, items[n % L], times[n % L], hstuWs);
    return hstuAppendState.length();
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float[] sasrecRescore() {
    sasrec.userEmbedding(history, sasrecWs, user, 0);
    return user;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float[] hstuRescore() {
    hstu.userEmbedding(history, hstuWs, user, 0);
    return user;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float[] sasrecStateRequest() {
    sasrec.score(sasrecState, candidates, sasrecWs, logits, 0);
    return logits;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float[] hstuStateRequest() {
    hstu.score(hstuState, requestTime, candidates, hstuWs, logits, 0);
    return logits;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float[] sasrecFullRequest() {
    sasrec.score(history, candidates, sasrecWs, logits, 0);
    return logits;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float[] hstuFullRequest() {
    hstu.score(history, candidates, hstuWs, logits, 0);
    return logits;
  }
}
