package io.github.seqrec.models.lifelong;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.models.AbstractSequentialModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * TWIN-V2 (Si et al., Kuaishou, CIKM 2024, arXiv 2407.16357), as {@code golden/models/twin_v2.py}
 * defines it (MODELS.md §12): TWIN over a life-cycle history compressed offline into clusters.
 *
 * <p>Each history action is a virtual item (a cluster, see {@link TwinV2Clustering}): item and
 * category ids, J numeric features ({@link HistoryField#CROSS_NUMERIC}, the members' means) and its size
 * n ({@link HistoryField#CLUSTER_SIZES}). With {@code K_h = [E_item; E_cate]} and {@code K = [K_h; num]}:
 * <pre>
 *   alpha_i[c]  = (q W_i^q) . (K_h[c] W_i^k) / sqrt(d_k) + sum_j beta_ij w_ij num[c, j]
 *   alpha'_i[c] = alpha_i[c] + ln n_c                    (cluster-size-aware attention)
 *   GSU: top-k (topk = 100) clusters by mean_i alpha'_i (higher first, equal: lower slot)
 *   ESU: o = W^o [softmax_{top-k}(alpha'_i) K W_i^v]_i;   logit = MLP([o; q])
 * </pre>
 * so a cluster weighs as its n members ({@code softmax(alpha + ln n) ∝ n exp(alpha)}).
 *
 * <p>Option {@code input}: {@code clusters} (default) reads a clustered history; {@code raw} reads the
 * raw actions (items, categories, numeric features, no sizes) and clusters them per request with
 * {@link #clustering()} (allocates; the clustering is the paper's offline step, so serving systems
 * should cluster once and score the clusters). The per-item cache and its bit-identical equivalence
 * are as in {@link Twin}. Immutable and thread-safe; the clustered path allocates nothing after warm-up.
 */
public final class TwinV2 extends AbstractSequentialModel<TwinCore.Work> {
  static final ModelOption<Integer> N_NUM =
      ModelOption.intOption("n_num", "numeric cross features per behaviour", 1, 1024).withDefault(2);
  static final ModelOption<String> INPUT = ModelOption.choice("input",
      "clusters: a clustered history with sizes; raw: raw actions, clustered here per request", "clusters",
      "clusters", "raw");
  static final ModelOption<Integer> GROUPS =
      ModelOption.intOption("groups", "completion-ratio groups of the clustering", 1, 1024).withDefault(4);
  static final ModelOption<Integer> MAX_CLUSTER_SIZE =
      ModelOption.intOption("max_cluster_size", "largest cluster of the hierarchical k-means", 1, 1 << 20).withDefault(20);
  static final ModelOption<Integer> KMEANS_ITERATIONS =
      ModelOption.intOption("kmeans_iterations", "Lloyd iterations per k-means split", 1, 1000).withDefault(10);

  /** TWIN-V2 as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("twin_v2").family("lifelong")
      .paper("Si et al., TWIN V2: Scaling Ultra-Long User Behavior Sequence Modeling, CIKM 2024")
      .captures("life-cycle interest: hierarchical clustering into virtual items, cluster-size-aware attention "
          + "(alpha + ln n) in TWIN's consistency-preserved GSU (top-100 clusters) and ESU")
      .kernels("Clustering.kMeans", "Clustering.nearestMembers", "Dense.gemm", "Attention.transposeKeys",
          "TopK.topKRows", "Attention.targetAttentionGathered", "Activations (MLP)")
      .fields(HistoryField.CATEGORY_IDS, HistoryField.CROSS_NUMERIC, HistoryField.CLUSTER_SIZES)
      .options(TwinCore.N_ITEMS, TwinCore.N_CATES, TwinCore.D_ITEM, TwinCore.D_CATE, N_NUM, INPUT, TwinCore.HEADS,
          TwinCore.TOPK, GROUPS, MAX_CLUSTER_SIZE, KMEANS_ITERATIONS, TwinCore.MAX_LEN, TwinCore.MLP_HIDDEN,
          TwinCore.ACTIVATION)
      .batchInputs("hist_items", "hist_cates", "hist_num", "hist_sizes", "hist_len", "cand_items", "cand_cates",
          "(input=raw: raw_items, raw_cates, raw_num, raw_len)")
      .loader(TwinV2::new)
      .build();

  private final TwinCore core;
  private final int nNum;
  private final boolean raw;
  /** {@code [H x J]}: {@code w_jh beta_hj}, the bias per unit of numeric feature j. */
  private final float[] coef;
  private final TwinV2Clustering clustering;

  private TwinV2(SafeTensors st, ModelOptions o) throws IOException {
    super(SPEC, o.get(TwinCore.MAX_LEN), TwinCore.Work.class);
    this.nNum = o.get(N_NUM);
    this.raw = o.get(INPUT).equals("raw");
    this.core = new TwinCore(SPEC.name(), st, o, o.get(TwinCore.D_ITEM) + o.get(TwinCore.D_CATE) + nNum);
    int heads = core.heads;
    float[] beta = st.floats("cross_beta", heads, nNum);
    this.coef = new float[heads * nNum];
    for (int j = 0; j < nNum; j++) {
      float[] w = st.floats("cross_w." + j + ".weight", heads, 1);
      for (int h = 0; h < heads; h++) {
        coef[h * nNum + j] = w[h] * beta[h * nNum + j];
      }
    }
    this.clustering = new TwinV2Clustering(core.emb, o.get(GROUPS), o.get(MAX_CLUSTER_SIZE),
        o.get(KMEANS_ITERATIONS), nNum);
  }

  @Override
  public Set<HistoryField> requiredFields() {
    return raw ? TwinV2Clustering.RAW_FIELDS : SPEC.fields();
  }

  /** True when {@link #score} takes raw actions and clusters them ({@code input=raw}). */
  public boolean rawInput() {
    return raw;
  }

  /** GSU retrieval size K (clusters per candidate). */
  public int topK() {
    return core.topk;
  }

  /** The offline clustering with this model's embeddings and parameters. */
  public TwinV2Clustering clustering() {
    return clustering;
  }

  @Override
  protected TwinCore.Work createWorkspace() {
    return new TwinCore.Work(this, core, nNum);
  }

  /** The per-item inherent projection cache (see {@link ItemProjectionCache}): build once, share. */
  public ItemProjectionCache itemCache() {
    return core.buildCache(this);
  }

  /**
   * Scores a clustered history ({@code input=clusters}) or a raw one ({@code input=raw}, clustered
   * here first, keeping the most recent {@code max_len} actions), projecting inherent features per request.
   */
  @Override
  protected void score(UserHistory history, int first, Candidates candidates, TwinCore.Work w, float[] logits,
                       int logitsOff) {
    forward(null, history, candidates, w, logits, logitsOff);
  }

  /** As {@link #score}, with the inherent projections read from this model's {@link #itemCache()}. */
  public void score(ItemProjectionCache cache, UserHistory history, Candidates candidates,
                    SequentialModel.Workspace workspace, float[] logits, int logitsOff) {
    core.checkCache(cache, this);
    TwinCore.Work w = acquire(workspace);
    try {
      checkHistory(history);
      forward(cache, history, candidates, w, logits, logitsOff);
    } finally {
      release(w);
    }
  }

  private void forward(ItemProjectionCache cache, UserHistory history, Candidates candidates, TwinCore.Work w,
                       float[] logits, int logitsOff) {
    if (raw && history.length() > 0) {
      int first = HistoryChecks.firstKept(history, core.maxLen);
      clustering.checkRaw(history, first);
      core.checkCandidates(candidates, logits, logitsOff);
      scoreClusters(cache, clustering.cluster(recent(history, first)), candidates, w, logits, logitsOff);
    } else {
      scoreClusters(cache, history, candidates, w, logits, logitsOff);
    }
  }

  /** The actions {@code first ..} of a raw history. */
  private UserHistory recent(UserHistory h, int first) {
    if (first == 0) {
      return h;
    }
    int n = h.length() - first;
    return UserHistory.of(Arrays.copyOfRange(h.itemIds(), first, h.length()), n)
        .categoryIds(Arrays.copyOfRange(h.categoryIds(), first, h.length()))
        .crossNumeric(Arrays.copyOfRange(h.crossNumeric(), first * nNum, h.length() * nNum), nNum).build();
  }

  private void scoreClusters(ItemProjectionCache cache, UserHistory history, Candidates candidates, TwinCore.Work w,
                             float[] logits, int logitsOff) {
    if (history.length() == 0) {
      core.checkCandidates(candidates, logits, logitsOff);
      core.score(w, 0, candidates, logits, logitsOff);
      return;
    }
    HistoryChecks.requireFields(name(), SPEC.fields(), history);
    if (history.crossDim() != nNum) {
      throw new IllegalArgumentException(name() + " needs " + nNum + " numeric features per action (crossDim), got "
          + history.crossDim());
    }
    int first = HistoryChecks.firstKept(history, core.maxLen);
    int n = history.length() - first;
    core.checkInherent(history, first);
    float[] num = history.crossNumeric();
    HistoryChecks.finite("history crossNumeric", num, first * nNum, history.length() * nNum);
    int[] sizes = history.clusterSizes();
    for (int i = first; i < history.length(); i++) {
      if (sizes[i] < 1) {
        throw new IllegalArgumentException("history clusterSizes[" + i + "] = " + sizes[i] + " must be >= 1");
      }
    }
    core.checkCandidates(candidates, logits, logitsOff);

    int width = core.width;
    int heads = core.heads;
    core.inherent(cache, history.itemIds(), history.categoryIds(), first, n, w);
    // values += num W^v[:, numeric]ᵀ
    Dense.gemm(num, first * nNum, nNum, n, nNum, core.vT, (width) * width, width, width, null, 0, w.values, 0, width,
        true);
    // bias [H x n] = coef [H x J] numᵀ [J x n] + ln n
    Dense.transpose(num, first * nNum, n, nNum, w.extraT, 0);
    Dense.gemm(coef, 0, nNum, heads, nNum, w.extraT, 0, n, n, null, 0, w.bias, 0, n, false);
    for (int i = 0; i < n; i++) {
      w.extra[i] = (float) Math.log(sizes[first + i]);
    }
    for (int h = 0; h < heads; h++) {
      Dense.axpy(1f, w.extra, 0, w.bias, h * n, n);
    }
    core.score(w, n, candidates, logits, logitsOff);
  }
}
