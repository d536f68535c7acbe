package io.github.seqrec.models.ctr;

import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.Normalization;
import io.github.seqrec.models.AbstractSequentialModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.TargetAttentionModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.layers.ItemCateEmbedding;
import io.github.seqrec.models.layers.Mlp;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * TIM, the Temporal Interest Module (TIN; Zhou, Pan et al., Tencent, WWW 2024, arXiv 2308.08487), as
 * {@code golden/models/tim.py} defines it (paper TTE + TA + TR; head and sizes of the official
 * zhouxy1003/TIN code; MODELS.md §13):
 * <pre>
 *   f(l)  = n - l for kept action l = 0 .. n-1 (the most recent has 1), 0 for the target
 *   e~_l  = e_l + P[f(l)],   v~ = v_a + P[0]                          (target-aware temporal encoding)
 *   alpha = softmax_l(e~_l . v~ / sqrt(d))                            (target-aware attention)
 *   u     = (sum_l alpha_l e~_l) * v~  = sum_l alpha_l (e~_l * v~)     (target-aware representation)
 *   logit = MLP(BN([u; v~])) + b_item[a]                              (BN eval, 80 -> 40 sigmoid -> 1)
 * </pre>
 * An empty history gives {@code u = 0}. Because the positions count back from the newest action,
 * the embedded history changes with every new action (no per-user cache beyond the embeddings).
 *
 * <p>Per request: the history is embedded and encoded once ({@code n x d}); the C candidates attend
 * over it together ({@link Attention#targetAttention}: one {@code C x d} by {@code d x n} score GEMM,
 * masked softmax, one pooling GEMM), then batch norm ({@link Normalization#batchNorm}) and the MLP
 * as one GEMM per layer.
 *
 * <p>Immutable and thread-safe; per-thread scratch from {@link #newWorkspace()}; scoring allocates
 * nothing after warm-up. Histories longer than {@code max_len} keep their most recent actions.
 */
public final class Tim extends AbstractSequentialModel<Tim.Ws> implements TargetAttentionModel {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_CATES = CommonOptions.N_CATES;
  static final ModelOption<Integer> D_ITEM = CommonOptions.D_ITEM;
  static final ModelOption<Integer> D_CATE = CommonOptions.D_CATE;
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(100);
  static final ModelOption<int[]> MLP_HIDDEN = CommonOptions.MLP_HIDDEN;
  static final ModelOption<String> ACTIVATION = CommonOptions.activation("sigmoid");
  static final ModelOption<Float> BN_EPS =
      ModelOption.floatOption("bn_eps", "batch-norm epsilon before the MLP", Float.MIN_VALUE, 1f).withDefault(1e-3f);
  static final ModelOption<Float> DICE_EPS = CommonOptions.DICE_EPS;

  /** TIM as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("tim").family("ctr")
      .paper("Zhou, Pan et al., Temporal Interest Network for User Response Prediction, WWW 2024")
      .captures("when and how relevant each action is to the candidate: target-relative position embeddings, "
          + "target attention and the target-aware product (sum_t alpha_t e~_t) * v~_a")
      .kernels("Attention (single-head target attention, masked softmax)", "Normalization (batch norm eval)",
          "Dense (MLP GEMMs, axpy)", "Activations (sigmoid)")
      .fields(HistoryField.CATEGORY_IDS)
      .options(N_ITEMS, N_CATES, D_ITEM, D_CATE, MAX_LEN, MLP_HIDDEN, ACTIVATION, BN_EPS, DICE_EPS)
      .batchInputs("hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates")
      .loader(Tim::load)
      .build();

  private final ItemCateEmbedding emb;
  private final float[] positions;
  private final float[] bnMean;
  private final float[] bnVar;
  private final float[] bnGamma;
  private final float[] bnBeta;
  private final float bnEps;
  private final Mlp mlp;
  private final float[] itemBias;
  private final float scale;

  private Tim(ItemCateEmbedding emb, float[] positions, float[] bnMean, float[] bnVar, float[] bnGamma,
              float[] bnBeta, float bnEps, Mlp mlp, float[] itemBias, int maxLen) {
    super(SPEC, maxLen, Ws.class);
    this.emb = emb;
    this.positions = positions;
    this.bnMean = bnMean;
    this.bnVar = bnVar;
    this.bnGamma = bnGamma;
    this.bnBeta = bnBeta;
    this.bnEps = bnEps;
    this.mlp = mlp;
    this.itemBias = itemBias;
    this.scale = Attention.defaultScale(emb.dim());
  }

  /**
   * Loads the reference's {@code state_dict}. Hyperparameters ({@code n_items, n_cates, d_item,
   * d_cate, max_len, mlp_hidden, activation, bn_eps}) come from the weight file's metadata; the
   * position table has {@code max_len + 1} rows.
   */
  public static Tim load(SafeTensors st, ModelOptions o) throws IOException {
    int nItems = o.get(N_ITEMS);
    int maxLen = o.get(MAX_LEN);
    float bnEps = o.get(BN_EPS);
    String act = o.get(ACTIVATION);
    int[] mlpHidden = o.get(MLP_HIDDEN);
    int nCates = o.get(N_CATES);
    int dItem = o.get(D_ITEM);
    int dCate = o.get(D_CATE);
    ItemCateEmbedding emb = ItemCateEmbedding.load(st, "emb", nItems, nCates, dItem, dCate);
    int d = emb.dim();
    float[] pos = st.floats("pos_emb.weight", maxLen + 1, d);
    Mlp mlp = Mlp.load(st, "mlp", 2 * d, mlpHidden, act, 1, o.get(DICE_EPS));
    return new Tim(emb, pos, st.floats("bn.running_mean", 2 * d), st.floats("bn.running_var", 2 * d),
        st.floats("bn.weight", 2 * d), st.floats("bn.bias", 2 * d), bnEps, mlp,
        st.floats("item_bias.weight", nItems + 1, 1), maxLen);
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void score(UserHistory history, int first, Candidates candidates, Ws w, float[] logits, int logitsOff) {
    int end = history.length();
    emb.checkHistory(history, first);
    emb.checkCandidates(candidates);
    int c = candidates.count();
    if (c == 0) {
      return;
    }
    w.ensureCandidates(c);
    int d = emb.dim();
    int n = end - first;
    encode(history, first, n, candidates, w);
    int[] cItems = candidates.itemIds();
    Attention.targetAttention(w.target, 0, c, w.hist, 0, w.hist, 0, n, n, 1, d, d, scale, null, 0, 0, 0,
        w.pooled, 0, w.attScratch, 0);
    // [u; v~] with u = pooled * v~, then batch norm (eval) and the MLP
    int in = 2 * d;
    for (int t = 0; t < c; t++) {
      int row = t * in;
      for (int k = 0; k < d; k++) {
        w.x[row + k] = w.pooled[t * d + k] * w.target[t * d + k];
      }
      System.arraycopy(w.target, t * d, w.x, row + d, d);
    }
    Normalization.batchNorm(w.x, 0, w.normed, 0, c, in, bnMean, bnVar, bnGamma, bnBeta, bnEps);
    mlp.forward(w.normed, 0, c, logits, logitsOff, w.mlpScratch);
    for (int t = 0; t < c; t++) {
      logits[logitsOff + t] += itemBias[cItems[t]];
    }
  }

  /**
   * The target-aware temporal encoding of the kept history and the candidates, into {@code w.hist}
   * and {@code w.target}: {@code e~_j = e_j + P[n - j]} (the newest action, {@code j = n - 1}, gets
   * {@code P[1]}) and {@code v~ = v + P[0]}.
   */
  private void encode(UserHistory history, int first, int n, Candidates candidates, Ws w) {
    int d = emb.dim();
    int[] items = history.itemIds();
    int[] cates = history.categoryIds();
    for (int j = 0; j < n; j++) {
      emb.embed(items[first + j], cates[first + j], w.hist, j * d);
      Dense.axpy(1f, positions, (n - j) * d, w.hist, j * d, d);
    }
    int[] cItems = candidates.itemIds();
    int[] cCates = candidates.categoryIds();
    for (int t = 0; t < candidates.count(); t++) {
      emb.embed(cItems[t], cCates[t], w.target, t * d);
      Dense.axpy(1f, positions, 0, w.target, t * d, d);
    }
  }

  /** {@code alpha = softmax_j(e~_j . v~ / sqrt(d))}, the weights {@link #score} pools with. */
  @Override
  public HistoryAttention attention(UserHistory history, Candidates candidates) {
    int first = checkedFirstKept(history, candidates);
    emb.checkHistory(history, first);
    emb.checkCandidates(candidates);
    int c = candidates.count();
    int n = history.length() - first;
    float[] weights = new float[c * n];
    if (c > 0 && n > 0) {
      Ws w = createWorkspace();
      w.ensureCandidates(c);
      int d = emb.dim();
      encode(history, first, n, candidates, w);
      Attention.targetScores(w.target, 0, c, w.hist, 0, n, n, 1, d, scale, null, 0, 0, 0, true, weights, 0,
          new float[Attention.targetScoresScratchSize(c, n, 1, d)], 0);
    }
    return new HistoryAttention(first, n, c, weights, true);
  }

  /** Per-thread scratch: the history block sized for max_len; candidate blocks grow (never shrink). */
  static final class Ws extends Workspace {
    final Tim owner;
    final float[] hist;
    int cands = -1;
    float[] target;
    float[] pooled;
    float[] x;
    float[] normed;
    float[] attScratch;
    float[] mlpScratch;

    Ws(Tim owner) {
      super(owner);
      this.owner = owner;
      this.hist = new float[owner.maxHistoryLength() * owner.emb.dim()];
      ensureCandidates(16);
    }

    void ensureCandidates(int c) {
      if (c <= cands) {
        return;
      }
      int d = owner.emb.dim();
      target = new float[c * d];
      pooled = new float[c * d];
      x = new float[c * 2 * d];
      normed = new float[c * 2 * d];
      int need = 0;
      for (int l = 1; l <= owner.maxHistoryLength(); l++) { // do not assume the scratch need is monotone in l
        need = Math.max(need, Attention.targetAttentionScratchSize(c, l, 1, d));
      }
      attScratch = new float[need];
      mlpScratch = new float[owner.mlp.scratchSize(c)];
      cands = c;
    }
  }
}
