package io.github.seqrec.models;

import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.DinAttentionUnit;
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
 * DIN, the Deep Interest Network (Zhou et al., KDD 2018), as {@code golden/models/din.py} defines it
 * (paper + DeepCTR-Torch / FuxiCTR; MODELS.md §7):
 * <pre>
 *   e_l   = [E_item[i_l]; E_cate[c_l]],   t = [E_item[i_a]; E_cate[c_a]]          (d = d_item + d_cate)
 *   w_l   = MLP_att([t; e_l; t - e_l; t * e_l])     (activation unit, Dice eval, no softmax)
 *   u     = sum_{l valid} w_l e_l
 *   logit = MLP([u; t; u * t])
 * </pre>
 * With {@code softmax=true} the weights are the official TensorFlow form
 * {@code w = softmax_l(score_l / sqrt(d))} over the valid actions.
 *
 * <p>Per request: the history is embedded once ({@code L x d}); the C candidates go through the
 * activation unit together ({@link Attention#dinAttention}: the unit's first layer split into a
 * target part, a behaviour part and a {@code (t * e)} GEMM, MODELS.md §0.5) and through the final
 * MLP as one GEMM per layer. An empty history gives {@code u = 0} (the MLP still sees the target).
 * Histories longer than {@code max_len} keep their most recent actions.
 *
 * <p>Immutable and thread-safe; per-thread scratch from {@link #newWorkspace()} (sized for
 * {@code max_len}, grown for larger candidate counts, never shrunk); scoring allocates nothing
 * after warm-up.
 */
public final class Din implements SequentialModel {
  static final String NAME = "din";
  private static final Set<HistoryField> FIELDS = EnumSet.of(HistoryField.ITEM_IDS, HistoryField.CATEGORY_IDS);

  static final Models.Loader LOADER = new Models.Loader() {
    @Override
    public ModelInfo info() {
      return new ModelInfo(NAME, "Zhou et al., Deep Interest Network for Click-Through Rate Prediction, KDD 2018",
          "the part of the history relevant to the candidate: an MLP activation unit weighs each past action "
              + "by its match with the candidate (no softmax), weighted-sum pooling, final MLP",
          List.of("Attention (DIN activation unit, GEMM-split; optional masked softmax)", "Dense (MLP GEMMs)",
              "Activations (Dice eval / PReLU / sigmoid / ReLU)"),
          FIELDS, Map.of("softmax", "false", "max_len", "100"),
          List.of("hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates"));
    }

    @Override
    public SequentialModel load(SafeTensors st, Map<String, String> options) throws IOException {
      return Din.load(st, options);
    }
  };

  private final ItemCateEmbedding emb;
  private final DinAttentionUnit unit;
  private final Mlp mlp;
  private final int maxLen;

  private Din(ItemCateEmbedding emb, DinAttentionUnit unit, Mlp mlp, int maxLen) {
    this.emb = emb;
    this.unit = unit;
    this.mlp = mlp;
    this.maxLen = maxLen;
  }

  /**
   * Loads the reference's {@code state_dict}. Hyperparameters ({@code n_items, n_cates, d_item,
   * d_cate, att_hidden, mlp_hidden, activation, dice_eps, max_len}) come from the weight file's
   * metadata; option {@code softmax} (default false) selects the official TF attention form.
   */
  public static Din load(SafeTensors st, Map<String, String> options) throws IOException {
    ModelOptions o = new ModelOptions(NAME, options);
    int nItems = o.intValue("n_items");
    int nCates = o.intValue("n_cates");
    int dItem = o.intValue("d_item");
    int dCate = o.intValue("d_cate");
    int[] attHidden = o.intList("att_hidden");
    int[] mlpHidden = o.intList("mlp_hidden");
    String act = o.choice("activation", "dice", "dice", "prelu", "sigmoid", "relu");
    float eps = o.floatValue("dice_eps", 1e-8f);
    boolean softmax = o.boolValue("softmax", false);
    int maxLen = o.intValue("max_len", 100);
    if (maxLen <= 0) {
      throw new IllegalArgumentException(NAME + ": max_len must be > 0, got " + maxLen);
    }
    if (attHidden.length == 0) {
      throw new IllegalArgumentException(NAME + ": att_hidden must name at least one layer");
    }
    ItemCateEmbedding emb = ItemCateEmbedding.load(st, "emb", nItems, nCates, dItem, dCate);
    int d = emb.dim();
    DinAttentionUnit.Builder b = DinAttentionUnit.builder(d);
    int in = 4 * d;
    for (int i = 0; i < attHidden.length; i++) {
      int out = attHidden[i];
      b.hidden(st.floats("att.hidden." + i + ".weight", out, in), st.floats("att.hidden." + i + ".bias", out), out,
          Mlp.activation(st, "att.act." + i, act, out, eps));
      in = out;
    }
    b.output(st.floats("att.out.weight", 1, in), st.floats("att.out.bias", 1));
    if (softmax) {
      b.softmax(Attention.defaultScale(d));
    }
    Mlp mlp = Mlp.load(st, "mlp", 3 * d, mlpHidden, act, 1, eps);
    return new Din(emb, b.build(), mlp, maxLen);
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

  /** Whether the attention weights are softmax-normalised (the official TF form). */
  public boolean softmax() {
    return unit.softmax();
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
      HistoryChecks.requireFields(NAME, FIELDS, history); // throws, naming the missing field
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
    for (int j = 0; j < n; j++) {
      emb.embed(items[first + j], cates[first + j], w.hist, j * d);
    }
    int[] cItems = candidates.itemIds();
    int[] cCates = candidates.categoryIds();
    for (int t = 0; t < c; t++) {
      emb.embed(cItems[t], cCates[t], w.cand, t * d);
    }
    Attention.dinAttention(unit, w.cand, 0, c, w.hist, 0, n, n, w.pooled, 0, w.attScratch, 0);
    // final MLP input [u; t; u * t], one row per candidate
    int in = 3 * d;
    for (int t = 0; t < c; t++) {
      int row = t * in;
      System.arraycopy(w.pooled, t * d, w.x, row, d);
      System.arraycopy(w.cand, t * d, w.x, row + d, d);
      for (int k = 0; k < d; k++) {
        w.x[row + 2 * d + k] = w.pooled[t * d + k] * w.cand[t * d + k];
      }
    }
    mlp.forward(w.x, 0, c, logits, logitsOff, w.mlpScratch);
  }

  private Ws workspace(Workspace workspace) {
    if (workspace instanceof Ws w && w.owner == this) {
      return w;
    }
    throw new IllegalArgumentException("workspace must come from this Din model's newWorkspace(), got "
        + (workspace == null ? "null" : workspace.getClass().getName()));
  }

  /** Per-thread scratch: the history block sized for max_len; candidate blocks grow (never shrink). */
  private static final class Ws implements Workspace {
    final Din owner;
    final float[] hist;
    int cands = -1;
    float[] cand;
    float[] pooled;
    float[] x;
    float[] attScratch;
    float[] mlpScratch;

    Ws(Din owner) {
      this.owner = owner;
      this.hist = new float[owner.maxLen * owner.emb.dim()];
      ensureCandidates(16);
    }

    void ensureCandidates(int c) {
      if (c <= cands) {
        return;
      }
      int d = owner.emb.dim();
      cand = new float[c * d];
      pooled = new float[c * d];
      x = new float[c * 3 * d];
      int need = 0;
      for (int l = 1; l <= owner.maxLen; l++) { // the kernel's blocking makes the need not monotone in l
        need = Math.max(need, Attention.dinAttentionScratchSize(owner.unit, c, l));
      }
      attScratch = new float[need];
      mlpScratch = new float[owner.mlp.scratchSize(c)];
      cands = c;
    }
  }
}
