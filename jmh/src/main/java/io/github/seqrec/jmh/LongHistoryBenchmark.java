package io.github.seqrec.jmh;

import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.lifelong.Eta;
import io.github.seqrec.models.lifelong.EtaSignatureCache;
import io.github.seqrec.models.lifelong.LongHistory;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.lifelong.Sim;
import io.github.seqrec.models.lifelong.SimUserIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The long-history curve (issue 4): per-request cost of scoring B candidates against one user's
 * history of L behaviours, L from 100 to 100 000.
 * <ul>
 *   <li>{@code full*}: the baseline, DIN-style multi-head dot-product target attention over all L
 *       behaviours ({@code q = W_q t} for the B candidates, then {@link Attention#targetAttention}
 *       with 2 heads of 32 over the user's cached {@code K, V}, L x 64 each): O(B L d);</li>
 *   <li>{@code simHard*}: SIM, hard search in the per-user category index (O(K) per candidate),
 *       ESU over K = 50;</li>
 *   <li>{@code simSoft*}: SIM, exact inner-product soft search over all L (one GEMM of the
 *       candidates against the cached keys, O(B L d) like the baseline), ESU over K = 50;</li>
 *   <li>{@code eta*}: ETA, Hamming top-k over the cached 32-bit signatures (O(B L) popcounts),
 *       ESU over K = 50.</li>
 * </ul>
 * The data is the golden generator's long synthetic user ({@link LongHistory}, seed 2024, 20 000
 * items, 500 categories; user 0 with L actions and B candidates); the weights are the golden SIM/ETA
 * weights with the long catalogue's embedding tables (the golden files are packed into the benchmark
 * jar). Per-user
 * state (index, signatures, K/V) is built in the setup, as a server keeps it between requests.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LongHistoryBenchmark {
  @Param({"1000"})
  public int b;

  @Param({"100", "1000", "10000", "100000"})
  public int l;

  static final int D = 64;
  static final int HEADS = 2;

  Sim simHard;
  Sim simSoft;
  Eta eta;
  SimUserIndex hardIndex;
  SimUserIndex softIndex;
  EtaSignatureCache signatures;
  SequentialModel.Workspace hardWs;
  SequentialModel.Workspace softWs;
  SequentialModel.Workspace etaWs;
  Candidates candidates;
  long requestTime;
  float[] logits;

  // full-attention baseline
  PackedLinear wq;
  float[] candE;
  float[] q;
  float[] keys;
  float[] values;
  float[] attended;
  float[] scratch;

  @Setup
  public void setup() throws IOException {

    Path dir = Files.createTempDirectory("seqrec-longhist");
    Path simW = dir.resolve("sim.safetensors");
    Path etaW = dir.resolve("eta.safetensors");
    LongHistory.writeWeights(BenchData.resource("golden/models/sim/weights.safetensors"), simW, LongHistory.EMB_SEED,
        LongHistory.N_ITEMS, LongHistory.N_CATES, l, Map.of());
    LongHistory.writeWeights(BenchData.resource("golden/models/eta/weights.safetensors"), etaW, LongHistory.EMB_SEED,
        LongHistory.N_ITEMS, LongHistory.N_CATES, l, Map.of());
    simHard = (Sim) Models.load("sim", simW, Map.of("gsu", "hard"));
    simSoft = (Sim) Models.load("sim", simW, Map.of("gsu", "soft"));
    eta = (Eta) Models.load("eta", etaW, Map.of());
    Files.delete(simW);
    Files.delete(etaW);
    Files.delete(dir);

    LongHistory.User user = LongHistory.user(LongHistory.SEED, 0, l, b, LongHistory.N_ITEMS, LongHistory.N_CATES);
    candidates = user.candidates();
    requestTime = user.requestTime();
    hardIndex = simHard.newUserIndex();
    hardIndex.appendAll(user.history());
    softIndex = simSoft.newUserIndex();
    softIndex.appendAll(user.history());
    signatures = eta.newSignatureCache();
    signatures.appendAll(user.history());
    hardWs = simHard.newWorkspace();
    softWs = simSoft.newWorkspace();
    etaWs = eta.newWorkspace();
    logits = new float[b];

    SplittableRandom random = new SplittableRandom(42);
    wq = Dense.pack(BenchData.uniform(random, D * D), null, D, D);
    candE = BenchData.uniform(random, b * D);
    keys = BenchData.uniform(random, l * D);
    values = BenchData.uniform(random, l * D);
    q = new float[b * D];
    attended = new float[b * D];
    scratch = new float[Attention.targetAttentionScratchSize(b, l, HEADS, D / HEADS)];
  }

  /**
   * FLOPs of the full-attention baseline (query projection plus {@code QKᵀ} and {@code PV} over all
   * L); the two-stage methods do less by design, so no rate is reported for them (the report
   * compares their times with the baseline's).
   */
  public static Work workPerOp(Map<String, String> p) {
    if (!p.getOrDefault("method", "full").startsWith("full")) {
      return null;
    }
    double bb = Work.intParam(p, "b");
    double ll = Work.intParam(p, "l");
    return Work.flops(2.0 * bb * D * D + 4.0 * bb * ll * D);
  }

  private float[] full() {
    Dense.linear(candE, 0, b, wq, q, 0, false);
    Attention.targetAttention(q, 0, b, keys, 0, values, 0, l, l, HEADS, D / HEADS, D / HEADS, attended, 0, scratch, 0);
    return attended;
  }

  private float[] simHard() {
    simHard.score(hardIndex, requestTime, candidates, hardWs, logits, 0);
    return logits;
  }

  private float[] simSoft() {
    simSoft.score(softIndex, requestTime, candidates, softWs, logits, 0);
    return logits;
  }

  private float[] eta() {
    eta.score(signatures, candidates, etaWs, logits, 0);
    return logits;
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] fullScalar() {
    return full();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] fullVector() {
    return full();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] simHardScalar() {
    return simHard();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] simHardVector() {
    return simHard();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] simSoftScalar() {
    return simSoft();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] simSoftVector() {
    return simSoft();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.SCALAR})
  public float[] etaScalar() {
    return eta();
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR})
  public float[] etaVector() {
    return eta();
  }
}
