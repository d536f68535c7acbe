package io.github.seqrec.models;

import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.Normalization;
import io.github.seqrec.models.layers.ItemCateEmbedding;
import io.github.seqrec.models.layers.Mlp;
import io.github.seqrec.models.layers.ModelOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
public final class Tim implements SequentialModel {
  static final String NAME = "tim";
  private static final Set<HistoryField> FIELDS = EnumSet.of(HistoryField.ITEM_IDS, HistoryField.CATEGORY_IDS);

  static final Models.Loader LOADER = new Models.Loader() {
    @Override
    public ModelInfo info() {
      return new ModelInfo(NAME, "Zhou, Pan et al., Temporal Interest Network for User Response Prediction, WWW 2024",
          "when and how relevant each action is to the candidate: target-relative position embeddings, "
              + "target attention and the target-aware product (sum_t alpha_t e~_t) * v~_a",
          List.of("Attention (single-head target attention, masked softmax)", "Normalization (batch norm eval)",
              "Dense (MLP GEMMs, axpy)", "Activations (sigmoid)"),
          FIELDS, Map.of("max_len", "100"),
          List.of("hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"));
    }

    @Override
    public SequentialModel load(SafeTensors st, Map<String, String> options) throws IOException {
      return Tim.load(st, options);
    }
  };

  private final ItemCateEmbedding emb;
  private final float[] positions;
  private final float[] bnMean;
  private final float[] bnVar;
  private final float[] bnGamma;
  private final float[] bnBeta;
  private final float bnEps;
  private final Mlp mlp;
  private final float[] itemBias;
  private final int maxLen;
  private final float scale;

  private Tim(ItemCateEmbedding emb, float[] positions, float[] bnMean, float[] bnVar, float[] bnGamma,
              float[] bnBeta, float bnEps, Mlp mlp, float[] itemBias, int maxLen) {
    this.emb = emb;
    this.positions = positions;
    this.bnMean = bnMean;
    this.bnVar = bnVar;
    this.bnGamma = bnGamma;
    this.bnBeta = bnBeta;
    this.bnEps = bnEps;
    this.mlp = mlp;
    this.itemBias = itemBias;
    this.maxLen = maxLen;
    this.scale = Attention.defaultScale(emb.dim());
  }

  /**
   * Loads the reference's {@code state_dict}. Hyperparameters ({@code n_items, n_cates, d_item,
   * d_cate, max_len, mlp_hidden, activation, bn_eps}) come from the weight file's metadata; the
   * position table has {@code max_len + 1} rows.
   */
  public static Tim load(SafeTensors st, Map<String, String> options) throws IOException {
    ModelOptions o = new ModelOptions(NAME, options);
    int nItems = o.intValue("n_items");
    int nCates = o.intValue("n_cates");
    int dItem = o.intValue("d_item");
    int dCate = o.intValue("d_cate");
    int maxLen = o.intValue("max_len", 100);
    int[] mlpHidden = o.intList("mlp_hidden");
    String act = o.choice("activation", "sigmoid", "sigmoid", "relu", "prelu", "dice");
    float bnEps = o.floatValue("bn_eps", 1e-3f);
    if (maxLen <= 0) {
      throw new IllegalArgumentException(NAME + ": max_len must be > 0, got " + maxLen);
    }
    if (!(bnEps > 0f) || !Float.isFinite(bnEps)) {
      throw new IllegalArgumentException(NAME + ": bn_eps must be a positive number, got " + bnEps);
    }
    ItemCateEmbedding emb = ItemCateEmbedding.load(st, "emb", nItems, nCates, dItem, dCate);
    int d = emb.dim();
    float[] pos = st.floats("pos_emb.weight", maxLen + 1, d);
    Mlp mlp = Mlp.load(st, "mlp", 2 * d, mlpHidden, act, 1, o.floatValue("dice_eps", 1e-8f));
    return new Tim(emb, pos, st.floats("bn.running_mean", 2 * d), st.floats("bn.running_var", 2 * d),
        st.floats("bn.weight", 2 * d), st.floats("bn.bias", 2 * d), bnEps, mlp,
        st.floats("item_bias.weight", nItems + 1, 1), maxLen);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<HistoryField> requiredFields() {
    return FIELDS;
  }

  @Override
  public int maxHistoryLength() {
    return maxLen;
  }

  @Override
  public Workspace newWorkspace() {
    return new Ws(this);
  }

  @Override
  public void score(UserHistory history, Candidates candidates, Workspace workspace, float[] logits, int logitsOff) {
    Ws w = workspace(workspace);
    if (history == null || candidates == null) {
      throw new IllegalArgumentException("history and candidates must not be null");
    }
    if (history.length() > 0 && history.categoryIds() == null) {
      HistoryChecks.requireFields(NAME, FIELDS, history);
    }
    int first = HistoryChecks.firstKept(history, maxLen);
    int end = history.length();
    HistoryChecks.ids("history itemIds", history.itemIds(), first, end, emb.itemVocabulary());
    HistoryChecks.ids("history categoryIds", history.categoryIds(), first, end, emb.cateVocabulary());
    HistoryChecks.candidates(candidates, emb.itemVocabulary(), emb.cateVocabulary());
    int c = candidates.count();
    HistoryChecks.output(logits, logitsOff, c);
    if (c == 0) {
      return;
    }
    w.ensureCandidates(c);
    int d = emb.dim();
    int n = end - first;
    int[] items = history.itemIds();
    int[] cates = history.categoryIds();
    // target-aware temporal encoding: e~_j = e_j + P[n - j] (the newest action, j = n - 1, gets P[1])
    for (int j = 0; j < n; j++) {
      emb.embed(items[first + j], cates[first + j], w.hist, j * d);
      Dense.axpy(1f, positions, (n - j) * d, w.hist, j * d, d);
    }
    int[] cItems = candidates.itemIds();
    int[] cCates = candidates.categoryIds();
    for (int t = 0; t < c; t++) {
      emb.embed(cItems[t], cCates[t], w.target, t * d);
      Dense.axpy(1f, positions, 0, w.target, t * d, d);
    }
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

  private Ws workspace(Workspace workspace) {
    if (workspace instanceof Ws w && w.owner == this) {
      return w;
    }
    throw new IllegalArgumentException("workspace must come from this Tim model's newWorkspace(), got "
        + (workspace == null ? "null" : workspace.getClass().getName()));
  }

  /** Per-thread scratch: the history block sized for max_len; candidate blocks grow (never shrink). */
  private static final class Ws implements Workspace {
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
      this.owner = owner;
      this.hist = new float[owner.maxLen * owner.emb.dim()];
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
      for (int l = 1; l <= owner.maxLen; l++) { // do not assume the scratch need is monotone in l
        need = Math.max(need, Attention.targetAttentionScratchSize(c, l, 1, d));
      }
      attScratch = new float[need];
      mlpScratch = new float[owner.mlp.scratchSize(c)];
      cands = c;
    }
  }
}
