package io.github.seqrec.models.ctr;

import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.DinAttentionUnit;
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
public final class Din extends AbstractSequentialModel<Din.Ws> implements TargetAttentionModel {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_CATES = CommonOptions.N_CATES;
  static final ModelOption<Integer> D_ITEM = CommonOptions.D_ITEM;
  static final ModelOption<Integer> D_CATE = CommonOptions.D_CATE;
  static final ModelOption<int[]> ATT_HIDDEN =
      ModelOption.intList("att_hidden", "hidden widths of the activation unit's MLP", 1, 1 << 14);
  static final ModelOption<int[]> MLP_HIDDEN = CommonOptions.MLP_HIDDEN;
  static final ModelOption<String> ACTIVATION = CommonOptions.activation("dice");
  static final ModelOption<Float> DICE_EPS = CommonOptions.DICE_EPS;
  static final ModelOption<Boolean> SOFTMAX = ModelOption.bool("softmax",
      "official TF form: attention weights softmax(score / sqrt(d)) over the valid actions", false);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(100);
  // The options below exist so that checkpoints of the peer libraries (FuxiCTR, DeepCTR-Torch)
  // score exactly as there; their defaults are the reference form above.
  static final ModelOption<String> ATT_ACTIVATION = ModelOption.choice("att_activation",
      "hidden-layer activation of the activation unit ('same': as option activation)", "same",
      "same", "dice", "prelu", "sigmoid", "relu");
  static final ModelOption<String> SOFTMAX_SCALE = ModelOption.choice("softmax_scale",
      "with softmax: scores divided by sqrt(d) (official TF) or not at all (FuxiCTR, DeepCTR-Torch)", "sqrt_d",
      "sqrt_d", "none");
  static final ModelOption<String> EMPTY_SOFTMAX = ModelOption.choice("empty_softmax",
      "with softmax and an empty history: u = 0, or u = the padding row [E_item[0]; E_cate[0]] (the peers "
          + "spread the weights uniformly over padding)", "zero", "zero", "padding");
  static final ModelOption<String> MLP_INPUT = ModelOption.choice("mlp_input",
      "final MLP input: [u; t; u * t] (official TF) or [t; u] (FuxiCTR, DeepCTR-Torch feature concatenation)",
      "pooled_target_product", "pooled_target_product", "target_pooled");

  /** DIN as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("din").family("ctr")
      .paper("Zhou et al., Deep Interest Network for Click-Through Rate Prediction, KDD 2018")
      .captures("the part of the history relevant to the candidate: an MLP activation unit weighs each past action "
          + "by its match with the candidate (no softmax), weighted-sum pooling, final MLP")
      .kernels("Attention (DIN activation unit, GEMM-split; optional masked softmax)", "Dense (MLP GEMMs)",
          "Activations (Dice eval / PReLU / sigmoid / ReLU / SiLU)")
      .fields(HistoryField.CATEGORY_IDS)
      .options(N_ITEMS, N_CATES, D_ITEM, D_CATE, ATT_HIDDEN, MLP_HIDDEN, ACTIVATION, DICE_EPS, SOFTMAX, MAX_LEN,
          ATT_ACTIVATION, SOFTMAX_SCALE, EMPTY_SOFTMAX, MLP_INPUT)
      .batchInputs("hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates")
      .loader(Din::load)
      .build();

  private final ItemCateEmbedding emb;
  private final DinAttentionUnit unit;
  private final Mlp mlp;
  private final boolean paddingWhenEmpty;
  private final boolean withProduct;

  private Din(ItemCateEmbedding emb, DinAttentionUnit unit, Mlp mlp, int maxLen, boolean paddingWhenEmpty,
              boolean withProduct) {
    super(SPEC, maxLen, Ws.class);
    this.emb = emb;
    this.unit = unit;
    this.mlp = mlp;
    this.paddingWhenEmpty = paddingWhenEmpty;
    this.withProduct = withProduct;
  }

  /**
   * Loads the reference's {@code state_dict}. Hyperparameters ({@code n_items, n_cates, d_item,
   * d_cate, att_hidden, mlp_hidden, activation, dice_eps, max_len}) come from the weight file's
   * metadata; option {@code softmax} (default false) selects the official TF attention form.
   * {@code att_activation}, {@code softmax_scale}, {@code empty_softmax} and {@code mlp_input}
   * select the peers' forms (see the options).
   */
  public static Din load(SafeTensors st, ModelOptions o) throws IOException {
    int[] attHidden = o.get(ATT_HIDDEN);
    String act = o.get(ACTIVATION);
    String attAct = o.get(ATT_ACTIVATION).equals("same") ? act : o.get(ATT_ACTIVATION);
    float eps = o.get(DICE_EPS);
    ItemCateEmbedding emb = ItemCateEmbedding.load(st, "emb", o.get(N_ITEMS), o.get(N_CATES), o.get(D_ITEM),
        o.get(D_CATE));
    int d = emb.dim();
    DinAttentionUnit.Builder b = DinAttentionUnit.builder(d);
    int in = 4 * d;
    for (int i = 0; i < attHidden.length; i++) {
      int out = attHidden[i];
      b.hidden(st.floats("att.hidden." + i + ".weight", out, in), st.floats("att.hidden." + i + ".bias", out), out,
          Mlp.activation(st, "att.act." + i, attAct, out, eps));
      in = out;
    }
    b.output(st.floats("att.out.weight", 1, in), st.floats("att.out.bias", 1));
    boolean softmax = o.get(SOFTMAX);
    if (softmax) {
      b.softmax(o.get(SOFTMAX_SCALE).equals("none") ? 1f : Attention.defaultScale(d));
    }
    boolean withProduct = o.get(MLP_INPUT).equals("pooled_target_product");
    Mlp mlp = Mlp.load(st, "mlp", (withProduct ? 3 : 2) * d, o.get(MLP_HIDDEN), act, 1, eps);
    boolean paddingWhenEmpty = softmax && o.get(EMPTY_SOFTMAX).equals("padding");
    return new Din(emb, b.build(), mlp, o.get(MAX_LEN), paddingWhenEmpty, withProduct);
  }

  /** Whether the attention weights are softmax-normalised (the official TF form). */
  public boolean softmax() {
    return unit.softmax();
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
    emb.embedHistory(history, first, w.hist, 0);
    emb.embedCandidates(candidates, w.cand, 0);
    if (n == 0 && paddingWhenEmpty) {
      poolPaddingRow(c, w.pooled);
    } else {
      Attention.dinAttention(unit, w.cand, 0, c, w.hist, 0, n, n, w.pooled, 0, w.attScratch, 0);
    }
    if (withProduct) {
      productInput(c, d, w);
    } else {
      targetPooledInput(c, d, w);
    }
    mlp.forward(w.x, 0, c, logits, logitsOff, w.mlpScratch);
  }

  /**
   * The peers' softmax over an all-padding history: equal weights on padding positions that all
   * hold id 0, so the pooled vector is the padding row itself, whatever the padded length.
   */
  private void poolPaddingRow(int c, float[] pooled) {
    int d = emb.dim();
    for (int t = 0; t < c; t++) {
      emb.embed(0, 0, pooled, t * d);
    }
  }

  /** Final MLP input {@code [u; t; u * t]}, one row per candidate. */
  private static void productInput(int c, int d, Ws w) {
    int in = 3 * d;
    for (int t = 0; t < c; t++) {
      int row = t * in;
      System.arraycopy(w.pooled, t * d, w.x, row, d);
      System.arraycopy(w.cand, t * d, w.x, row + d, d);
      for (int k = 0; k < d; k++) {
        w.x[row + 2 * d + k] = w.pooled[t * d + k] * w.cand[t * d + k];
      }
    }
  }

  /** Final MLP input {@code [t; u]}, one row per candidate (the peers' feature concatenation). */
  private static void targetPooledInput(int c, int d, Ws w) {
    int in = 2 * d;
    for (int t = 0; t < c; t++) {
      System.arraycopy(w.cand, t * d, w.x, t * in, d);
      System.arraycopy(w.pooled, t * d, w.x, t * in + d, d);
    }
  }

  /**
   * The activation unit's weights {@code w(e_j, e_t)} (with {@code softmax=true}, their scaled
   * softmax), from the embeddings and the kernel that {@link #score} pools with.
   */
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
      emb.embedHistory(history, first, w.hist, 0);
      emb.embedCandidates(candidates, w.cand, 0);
      Attention.dinScores(unit, w.cand, 0, c, w.hist, 0, n, n, weights, 0,
          new float[Attention.dinScoresScratchSize(unit, c, n)], 0);
    }
    return new HistoryAttention(first, n, c, weights, unit.softmax());
  }

  /** Per-thread scratch: the history block sized for max_len; candidate blocks grow (never shrink). */
  static final class Ws extends Workspace {
    final Din owner;
    final float[] hist;
    int cands = -1;
    float[] cand;
    float[] pooled;
    float[] x;
    float[] attScratch;
    float[] mlpScratch;

    Ws(Din owner) {
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
      cand = new float[c * d];
      pooled = new float[c * d];
      x = new float[c * 3 * d];
      int need = 0;
      for (int l = 1; l <= owner.maxHistoryLength(); l++) { // the kernel's blocking makes the need not monotone in l
        need = Math.max(need, Attention.dinAttentionScratchSize(owner.unit, c, l));
      }
      attScratch = new float[need];
      mlpScratch = new float[owner.mlp.scratchSize(c)];
      cands = c;
    }
  }
}
