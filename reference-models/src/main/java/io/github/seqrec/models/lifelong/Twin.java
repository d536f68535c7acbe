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
import io.github.seqrec.models.TargetAttentionModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * TWIN, TWo-stage Interest Network (Chang et al., Kuaishou, KDD 2023), as
 * {@code golden/models/twin.py} defines it (MODELS.md §11).
 *
 * <p>Behaviour l has inherent features {@code K_h[l] = [E_item; E_cate]} ({@code H d_k} wide) and J
 * categorical cross features (bucket ids, {@link HistoryField#CROSS_BUCKETS}, {@code J = n_cross} per
 * action) embedded as {@code K_c,j[l] = E_cross_j[bucket]}; the value input is
 * {@code K = [K_h; K_c,1; ..; K_c,J]}. For candidate q and head i:
 * <pre>
 *   alpha_i[l] = (q W_i^q) . (K_h[l] W_i^k) / sqrt(d_k) + sum_j beta_ij (K_c,j[l] . w_ij)
 *   CP-GSU:  top-k (k = topk, 100) of mean_i alpha_i[l] over the whole history (higher first, equal: lower slot)
 *   ESU:     o = W^o [softmax_{top-k}(alpha_1) K W_1^v ; ..; softmax_{top-k}(alpha_H) K W_H^v]
 *   logit  = MLP([o; q])
 * </pre>
 * The GSU and the ESU rank and attend with one set of logits (consistency-preserved GSU). The GSU only
 * needs their mean over heads, which is one dot product over the full width plus the mean bias, so it
 * is a single GEMM over the history; the ESU then computes the per-head logits of the K selected
 * behaviours ({@code 2 K H d_k} per candidate instead of keeping {@code H L}). The cross-feature bias collapses to one scalar per
 * behaviour and head, precomputed per bucket at load ({@code beta_ij (E_cross_j[b] . w_ij)}), as is each
 * bucket's value projection.
 *
 * <p>Serving: {@link #itemCache()} builds the paper's per-item cache of the inherent projections
 * {@code K_h W^k} and {@code K_h W^v} once for the whole catalogue; {@link #score(ItemProjectionCache,
 * UserHistory, Candidates, SequentialModel.Workspace, float[], int)} then costs, per behaviour, a row
 * gather plus one dot product per candidate and head. The plain {@link #score} projects the history's
 * embeddings per request with the same GEMMs and gives bit-identical logits.
 *
 * <p>Immutable and thread-safe; per-thread scratch from {@link #newWorkspace()}, sized for
 * {@code max_len} behaviours (candidates go through in blocks), so scoring allocates nothing.
 */
public final class Twin extends AbstractSequentialModel<TwinCore.Work> implements TargetAttentionModel {
  static final ModelOption<Integer> N_CROSS =
      ModelOption.intOption("n_cross", "categorical cross features per behaviour", 1, 1024).withDefault(2);
  static final ModelOption<Integer> CROSS_BUCKETS =
      ModelOption.intOption("cross_buckets", "buckets of each cross feature", 1, 1 << 20).withDefault(16);
  static final ModelOption<Integer> D_CROSS =
      ModelOption.intOption("d_cross", "cross-feature embedding width", 1, 1 << 12).withDefault(8);

  /** TWIN as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("twin").family("lifelong")
      .paper("Chang et al., TWIN: TWo-stage Interest Network for lifelong user behavior modeling, KDD 2023")
      .captures("lifelong interest: consistency-preserved GSU (top-100 by the ESU's own multi-head attention score, "
          + "per-item cached inherent projections, per-behaviour cross-feature bias) then ESU target attention")
      .kernels("Dense.gemm", "Attention.transposeKeys", "TopK.topKRows", "Attention.targetAttentionGathered",
          "Activations (MLP)")
      .fields(HistoryField.CATEGORY_IDS, HistoryField.CROSS_BUCKETS)
      .options(TwinCore.N_ITEMS, TwinCore.N_CATES, TwinCore.D_ITEM, TwinCore.D_CATE, N_CROSS, CROSS_BUCKETS, D_CROSS,
          TwinCore.HEADS, TwinCore.TOPK, TwinCore.MAX_LEN, TwinCore.MLP_HIDDEN, TwinCore.ACTIVATION)
      .batchInputs("hist_items", "hist_cates", "hist_cross", "hist_len", "cand_items", "cand_cates")
      .loader(Twin::new)
      .build();

  private final TwinCore core;
  private final int nCross;
  private final int buckets;
  /** Per feature j: {@code [buckets x H]}, {@code beta_hj (E_cross_j[b] . w_hj)}. */
  private final float[][] crossBias;
  /** Per feature j: {@code [buckets x H d_k]}, {@code E_cross_j[b] W^v[:, cross_j]ᵀ}. */
  private final float[][] crossValues;

  private Twin(SafeTensors st, ModelOptions o) throws IOException {
    super(SPEC, o.get(TwinCore.MAX_LEN), TwinCore.Work.class);
    this.nCross = o.get(N_CROSS);
    this.buckets = o.get(CROSS_BUCKETS);
    int dCross = o.get(D_CROSS);
    this.core = new TwinCore(SPEC.name(), st, o, o.get(TwinCore.D_ITEM) + o.get(TwinCore.D_CATE) + nCross * dCross);
    int heads = core.heads;
    int width = core.width;
    float[] beta = st.floats("cross_beta", heads, nCross);
    this.crossBias = new float[nCross][];
    this.crossValues = new float[nCross][];
    for (int j = 0; j < nCross; j++) {
      float[] e = st.floats("cross_emb." + j + ".weight", buckets, dCross);
      float[] wT = TwinCore.transposed(st.floats("cross_w." + j + ".weight", heads, dCross), heads, dCross);
      float[] dots = new float[buckets * heads];
      Dense.gemm(e, 0, dCross, buckets, dCross, wT, 0, heads, heads, null, 0, dots, 0, heads, false);
      for (int b = 0; b < buckets; b++) {
        for (int h = 0; h < heads; h++) {
          dots[b * heads + h] *= beta[h * nCross + j];
        }
      }
      crossBias[j] = dots;
      float[] values = new float[buckets * width];
      Dense.gemm(e, 0, dCross, buckets, dCross, core.vT, (width + j * dCross) * width, width, width, null, 0,
          values, 0, width, false);
      crossValues[j] = values;
    }
  }

  /** GSU retrieval size K (top-k behaviours per candidate). */
  public int topK() {
    return core.topk;
  }

  @Override
  protected TwinCore.Work createWorkspace() {
    return new TwinCore.Work(this, core, 0);
  }

  /**
   * Builds the per-item cache of inherent projections for the whole catalogue (every item and
   * category id): build once, share across users and threads.
   */
  public ItemProjectionCache itemCache() {
    return core.buildCache(this);
  }

  /** Scores with the inherent projections computed for this request (bit-identical to the cached path). */
  @Override
  protected void score(UserHistory history, int first, Candidates candidates, TwinCore.Work w, float[] logits,
                       int logitsOff) {
    forward(null, history, candidates, w, logits, logitsOff);
  }

  /** Scores with the inherent projections read from {@code cache} (built by this model's {@link #itemCache()}). */
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
    if (history.length() == 0) {
      // nothing to read: UserHistory.empty() (no fields at all) is the new user's history
      core.checkCandidates(candidates, logits, logitsOff);
      core.score(w, 0, candidates, logits, logitsOff);
      return;
    }
    int first = checkKept(history);
    int n = history.length() - first;
    core.checkCandidates(candidates, logits, logitsOff);

    core.inherent(cache, history.itemIds(), history.categoryIds(), first, n, w);
    crossTerms(history.crossBuckets(), first, null, n, w);
    core.score(w, n, candidates, logits, logitsOff);
  }

  /**
   * The exact search unit alone, on picks made elsewhere (the CP-GSU of another service, a recall
   * experiment): candidate c attends over the history positions {@code slots[slotsOff + c K ..]}, at
   * most K = {@link #topK()} of them, ended early by a -1. Every position must lie in the kept window
   * (the most recent {@link #maxHistoryLength()} actions); the order of a candidate's picks does not
   * matter and a candidate without picks gets the empty-history logit. The logits are those of
   * {@link #score} had its GSU picked these behaviours (same ESU, computed over the picks only:
   * {@link io.github.seqrec.kernels.Attention#targetAttentionGathered} instead of the full-history logits).
   */
  public void scoreSelected(UserHistory history, Candidates candidates, int[] slots, int slotsOff,
                            SequentialModel.Workspace workspace, float[] logits, int logitsOff) {
    runSelected(null, history, candidates, slots, slotsOff, workspace, logits, logitsOff);
  }

  /** As {@link #scoreSelected(UserHistory, Candidates, int[], int, SequentialModel.Workspace, float[], int)}, with the inherent projections read from {@code cache}. */
  public void scoreSelected(ItemProjectionCache cache, UserHistory history, Candidates candidates, int[] slots,
                            int slotsOff, SequentialModel.Workspace workspace, float[] logits, int logitsOff) {
    core.checkCache(cache, this);
    runSelected(cache, history, candidates, slots, slotsOff, workspace, logits, logitsOff);
  }

  private void runSelected(ItemProjectionCache cache, UserHistory history, Candidates candidates, int[] slots,
                           int slotsOff, SequentialModel.Workspace workspace, float[] logits, int logitsOff) {
    TwinCore.Work w = acquire(workspace);
    try {
      checkHistory(history);
      int first = history.length() == 0 ? 0 : checkKept(history);
      core.checkCandidates(candidates, logits, logitsOff);
      int count = candidates.count();
      w.ensurePicks(count);
      HistoryChecks.picks(name(), slots, slotsOff, count, core.topk, first, history.length(), w.picks, w.pickCounts);
      int rows = core.distinctPicks(w, count);
      if (rows > 0) {
        core.inherent(cache, history.itemIds(), history.categoryIds(), first, w.pickSet.slots(), rows, w);
        crossTerms(history.crossBuckets(), first, w.pickSet.slots(), rows, w);
      }
      core.scoreGathered(w, rows, candidates, logits, logitsOff);
    } finally {
      release(w);
    }
  }

  /** Checks the fields, ids and cross buckets of the kept window; returns its first action. */
  /**
   * The ESU's weights over the kept history: the rows the CP-GSU picks for a candidate share its
   * softmax weight (the mean over heads), every other action 0 (see {@code TwinCore.attention}).
   */
  @Override
  public HistoryAttention attention(UserHistory history, Candidates candidates) {
    checkedFirstKept(history, candidates);
    int count = candidates.count();
    core.checkCandidates(candidates, new float[count], 0);
    if (history.length() == 0) {
      return new HistoryAttention(0, 0, count, new float[0], true);
    }
    int first = checkKept(history);
    int n = history.length() - first;
    float[] weights = new float[count * n];
    if (count > 0) {
      TwinCore.Work w = createWorkspace();
      core.inherent(null, history.itemIds(), history.categoryIds(), first, n, w);
      crossTerms(history.crossBuckets(), first, null, n, w);
      core.attention(w, n, candidates, weights);
    }
    return new HistoryAttention(first, n, count, weights, true);
  }

  private int checkKept(UserHistory history) {
    if (history.crossDim() != nCross) {
      throw new IllegalArgumentException(name() + " needs " + nCross + " cross buckets per action (crossDim), got "
          + history.crossDim());
    }
    int first = HistoryChecks.firstKept(history, core.maxLen);
    core.checkInherent(history, first);
    int[] cross = history.crossBuckets();
    for (int i = first * nCross; i < history.length() * nCross; i++) {
      if (cross[i] < 0 || cross[i] >= buckets) {
        throw new IllegalArgumentException("history crossBuckets[" + i + "] (action " + i / nCross + ", feature "
            + i % nCross + ") = " + cross[i] + " is outside [0, " + (buckets - 1) + "]");
      }
    }
    return first;
  }

  /**
   * The cross-feature terms of {@code n} behaviour rows (row i = action {@code first + rowSlot[i]},
   * or {@code first + i} when {@code rowSlot} is null): the per-head bias {@code w.bias[h n + i]} and
   * the cross part of each value row, added to {@code w.values}.
   */
  private void crossTerms(int[] cross, int first, int[] rowSlot, int n, TwinCore.Work w) {
    int heads = core.heads;
    int width = core.width;
    for (int i = 0; i < n; i++) {
      int base = (first + (rowSlot == null ? i : rowSlot[i])) * nCross;
      for (int h = 0; h < heads; h++) {
        float s = 0f;
        for (int j = 0; j < nCross; j++) {
          s += crossBias[j][cross[base + j] * heads + h];
        }
        w.bias[h * n + i] = s;
      }
      for (int j = 0; j < nCross; j++) {
        Dense.axpy(1f, crossValues[j], cross[base + j] * width, w.values, i * width, width);
      }
    }
  }
}
