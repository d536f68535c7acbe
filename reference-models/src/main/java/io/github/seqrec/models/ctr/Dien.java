package io.github.seqrec.models.ctr;

import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.DinAttentionUnit;
import io.github.seqrec.kernels.GruWeights;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.kernels.Recurrent;
import io.github.seqrec.models.AbstractSequentialModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.TargetAttentionModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.layers.ItemCateEmbedding;
import io.github.seqrec.models.layers.Mlp;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;

/**
 * DIEN, the Deep Interest Evolution Network (Zhou et al., AAAI 2019), as {@code golden/models/dien.py}
 * defines it (paper = FuxiCTR default; PyTorch GRU gate convention; MODELS.md §8):
 * <pre>
 *   e_t   = [E_item; E_cate],   h_1 .. h_n = GRU(e_1 .. e_n)              (interest extractor, per user)
 *   a_t   = softmax_t(h_t . (W e_a))        over the valid steps          (bilinear attention)
 *   h'    = AUGRU over (h_t, a_t) from 0:   u~ = a_t u,  h = (1 - u~) h + u~ n
 *   s     = sum_t e_t
 *   logit = MLP([h'; e_a; s; e_a * s])
 * </pre>
 * Option {@code gru_type}: {@code AUGRU} (default, the paper), {@code AGRU}
 * ({@code h = (1 - a_t) h + a_t n}) or {@code AIGRU} (a GRU cell on {@code a_t h_t}). An empty
 * history gives {@code h' = 0} and {@code s = 0}.
 *
 * <p>Option {@code attention=mlp} replaces the bilinear scores by DeepCTR-Torch's DIN-style unit
 * ({@code AttentionSequencePoolingLayer}) on the interest states: {@code a_t = MLP_att([e_a; h_t;
 * e_a - h_t; e_a * h_t])} (widths {@code att_hidden}, activation {@code att_activation}; it needs
 * {@code hidden = d_item + d_cate}), then with {@code softmax=true} a masked softmax of the scores
 * (divided by {@code sqrt(d)} only with {@code softmax_scale=sqrt_d}) or the raw scores with
 * {@code softmax=false} (DeepCTR-Torch's {@code att_weight_normalization}).
 *
 * <p>Per request the extractor runs once for the user ({@link DienUserState}, which can also be
 * kept between requests and advanced one action at a time); the C candidates then share one
 * {@code C x H} by {@code H x n} attention GEMM ({@link Attention#targetScores} with softmax) and
 * evolve together as the rows of one AUGRU/AGRU scan whose input gates are computed once
 * ({@link Recurrent#augruScan} with a shared input); the final MLP is one GEMM per layer.
 *
 * <p>Immutable and thread-safe; per-thread scratch from {@link #newWorkspace()}; scoring allocates
 * nothing after warm-up. Histories longer than {@code max_len} keep their most recent actions.
 */
public final class Dien extends AbstractSequentialModel<Dien.Ws> implements TargetAttentionModel {
  /** The interest-evolution cell. */
  public enum GruType { AUGRU, AGRU, AIGRU }

  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_CATES = CommonOptions.N_CATES;
  static final ModelOption<Integer> D_ITEM = CommonOptions.D_ITEM;
  static final ModelOption<Integer> D_CATE = CommonOptions.D_CATE;
  static final ModelOption<Integer> HIDDEN = ModelOption.intOption("hidden", "GRU width H of the interest states", 1,
      1 << 12);
  static final ModelOption<int[]> MLP_HIDDEN = CommonOptions.MLP_HIDDEN;
  static final ModelOption<String> ACTIVATION = CommonOptions.activation("dice");
  static final ModelOption<Float> DICE_EPS = CommonOptions.DICE_EPS;
  static final ModelOption<String> GRU_TYPE = ModelOption.choice("gru_type",
      "interest-evolution cell: AUGRU (paper), AGRU, AIGRU (the three share the weights)", "AUGRU",
      "AUGRU", "AGRU", "AIGRU");
  static final ModelOption<String> ATTENTION = ModelOption.choice("attention",
      "interest attention: the paper's bilinear softmax(h_t W e_a), or mlp: DeepCTR-Torch's DIN activation unit on "
          + "[e_a; h_t; e_a - h_t; e_a * h_t] (needs hidden = d; the official TF MLP form has no golden here)",
      "bilinear", "bilinear", "mlp");
  // attention=mlp only (names as Din's options where they mean the same)
  static final ModelOption<int[]> ATT_HIDDEN =
      ModelOption.intList("att_hidden", "attention=mlp: hidden widths of the activation unit's MLP", 1, 1 << 14);
  static final ModelOption<String> ATT_ACTIVATION = ModelOption.choice("att_activation",
      "attention=mlp: hidden-layer activation of the activation unit ('same': as option activation)", "same",
      "same", "dice", "prelu", "sigmoid", "relu");
  static final ModelOption<Boolean> SOFTMAX = ModelOption.bool("softmax",
      "attention=mlp: weights softmax(score) over the valid steps (DeepCTR-Torch att_weight_normalization) or the "
          + "raw unit outputs", true);
  static final ModelOption<String> SOFTMAX_SCALE = ModelOption.choice("softmax_scale",
      "attention=mlp with softmax: scores not scaled (DeepCTR-Torch) or divided by sqrt(d)", "none", "none",
      "sqrt_d");
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(100);
  static final ModelOption<String> MLP_INPUT = ModelOption.choice("mlp_input",
      "final MLP input: [h'; e_a; s; e_a * s] (paper code) or [h'; e_a] (FuxiCTR's DIEN without enable_sum_pooling)",
      "evolved_target_sum_product", "evolved_target_sum_product", "evolved_target");

  /** DIEN as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("dien").family("ctr")
      .paper("Zhou et al., Deep Interest Evolution Network for Click-Through Rate Prediction, AAAI 2019")
      .captures("how interests evolve: a GRU extracts interest states from the history, an attention-gated GRU (AUGRU) "
          + "evolves them toward the candidate")
      .kernels("Recurrent (GRU scan, AUGRU/AGRU scan with shared input, GRU step)",
          "Attention (target scores with masked softmax)", "Dense (MLP GEMMs)", "Activations (Dice eval)")
      .fields(HistoryField.CATEGORY_IDS)
      .options(N_ITEMS, N_CATES, D_ITEM, D_CATE, HIDDEN, MLP_HIDDEN, ACTIVATION, DICE_EPS, GRU_TYPE, ATTENTION, MAX_LEN,
          MLP_INPUT, ATT_HIDDEN, ATT_ACTIVATION, SOFTMAX, SOFTMAX_SCALE)
      .batchInputs("hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates")
      .loader(Dien::load)
      .build();

  private final ItemCateEmbedding emb;
  private final GruWeights extractor;
  private final PackedLinear attention;
  private final DinAttentionUnit unit;
  private final GruWeights evolution;
  private final GruType gruType;
  private final Mlp mlp;
  private final int hidden;
  private final boolean withSum;

  private Dien(ItemCateEmbedding emb, GruWeights extractor, PackedLinear attention, DinAttentionUnit unit,
               GruWeights evolution, GruType gruType, Mlp mlp, int hidden, int maxLen, boolean withSum) {
    super(SPEC, maxLen, Ws.class);
    this.withSum = withSum;
    this.emb = emb;
    this.extractor = extractor;
    this.attention = attention;
    this.unit = unit;
    this.evolution = evolution;
    this.gruType = gruType;
    this.mlp = mlp;
    this.hidden = hidden;
  }

  /**
   * Loads the reference's {@code state_dict}. Hyperparameters ({@code n_items, n_cates, d_item,
   * d_cate, hidden, mlp_hidden, activation, dice_eps, max_len}) come from the metadata; options
   * {@code gru_type} (AUGRU, AGRU, AIGRU; the three share the weights) and {@code attention}
   * ({@code bilinear}, or {@code mlp} with {@code att_hidden, att_activation, softmax,
   * softmax_scale}: tensors {@code att.hidden.i.*, att.act.i.*, att.out.*} as Din's).
   */
  public static Dien load(SafeTensors st, ModelOptions o) throws IOException {
    int nItems = o.get(N_ITEMS);
    int nCates = o.get(N_CATES);
    int dItem = o.get(D_ITEM);
    int dCate = o.get(D_CATE);
    int h = o.get(HIDDEN);
    int[] mlpHidden = o.get(MLP_HIDDEN);
    String act = o.get(ACTIVATION);
    float eps = o.get(DICE_EPS);
    GruType type = GruType.valueOf(o.get(GRU_TYPE));
    boolean mlpAttention = o.get(ATTENTION).equals("mlp");
    int maxLen = o.get(MAX_LEN);
    ItemCateEmbedding emb = ItemCateEmbedding.load(st, "emb", nItems, nCates, dItem, dCate);
    int d = emb.dim();
    if (mlpAttention && h != d) {
      throw new IllegalArgumentException("dien: attention=mlp compares the target embedding with the interest "
          + "states, so hidden (" + h + ") must equal d_item + d_cate (" + d + ")");
    }
    GruWeights gru = Recurrent.packGru(st.floats("gru.weight_ih_l0", 3 * h, d), st.floats("gru.weight_hh_l0", 3 * h, h),
        st.floats("gru.bias_ih_l0", 3 * h), st.floats("gru.bias_hh_l0", 3 * h), d, h);
    PackedLinear att = null;
    DinAttentionUnit unit = null;
    if (mlpAttention) {
      int[] attHidden = o.get(ATT_HIDDEN);
      String attAct = o.get(ATT_ACTIVATION).equals("same") ? act : o.get(ATT_ACTIVATION);
      DinAttentionUnit.Builder b = DinAttentionUnit.builder(d);
      int in = 4 * d;
      for (int i = 0; i < attHidden.length; i++) {
        int out = attHidden[i];
        b.hidden(st.floats("att.hidden." + i + ".weight", out, in), st.floats("att.hidden." + i + ".bias", out), out,
            Mlp.activation(st, "att.act." + i, attAct, out, eps));
        in = out;
      }
      b.output(st.floats("att.out.weight", 1, in), st.floats("att.out.bias", 1));
      if (o.get(SOFTMAX)) {
        b.softmax(o.get(SOFTMAX_SCALE).equals("none") ? 1f : Attention.defaultScale(d));
      }
      unit = b.build();
    } else {
      att = Mlp.linearNoBias(st, "att.weight", h, d);
    }
    GruWeights evo = Recurrent.packGru(st.floats("evolution.weight_ih", 3 * h, h),
        st.floats("evolution.weight_hh", 3 * h, h), st.floats("evolution.bias_ih", 3 * h),
        st.floats("evolution.bias_hh", 3 * h), h, h);
    boolean withSum = o.get(MLP_INPUT).equals("evolved_target_sum_product");
    Mlp mlp = Mlp.load(st, "mlp", h + (withSum ? 3 : 1) * d, mlpHidden, act, 1, eps);
    return new Dien(emb, gru, att, unit, evo, type, mlp, h, maxLen, withSum);
  }

  /** The interest-evolution cell this instance uses. */
  public GruType gruType() {
    return gruType;
  }

  /** Width H of the interest states. */
  public int hiddenSize() {
    return hidden;
  }

  ItemCateEmbedding embedding() {
    return emb;
  }

  GruWeights extractor() {
    return extractor;
  }

  /** A new, empty per-user state (append actions as they arrive). */
  public DienUserState newUserState() {
    return new DienUserState(this);
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void score(UserHistory history, int first, Candidates candidates, Ws w, float[] logits, int logitsOff) {
    emb.checkHistory(history, first);
    emb.checkCandidates(candidates);
    if (candidates.count() == 0) {
      return;
    }
    w.state.reset(history);
    run(w.state, candidates, w, logits, logitsOff);
  }

  /**
   * Scores with a kept per-user state: the same logits, bit for bit, as
   * {@link #score(UserHistory, Candidates, SequentialModel.Workspace, float[], int)} on the history
   * whose actions were appended to it.
   */
  public void score(DienUserState state, Candidates candidates, SequentialModel.Workspace workspace, float[] logits,
                    int logitsOff) {
    Ws w = acquire(workspace);
    try {
      if (state == null || state.model() != this) {
        throw new IllegalArgumentException("state must come from this Dien model's newUserState()");
      }
      if (candidates == null) {
        throw new IllegalArgumentException("candidates must not be null");
      }
      emb.checkCandidates(candidates);
      HistoryChecks.output(logits, logitsOff, candidates.count());
      if (candidates.count() == 0) {
        return;
      }
      run(state, candidates, w, logits, logitsOff);
    } finally {
      release(w);
    }
  }

  /**
   * The candidates' embeddings into {@code w.cand} and their attention over the interest states
   * into {@code w.scores [c x n]} ({@code w} sized for the candidates).
   */
  private void interestAttention(DienUserState state, Candidates candidates, Ws w) {
    int c = candidates.count();
    int n = state.length();
    int d = emb.dim();
    int[] cItems = candidates.itemIds();
    int[] cCates = candidates.categoryIds();
    for (int t = 0; t < c; t++) {
      emb.embed(cItems[t], cCates[t], w.cand, t * d);
    }
    float[] states = state.statesArray();
    if (unit != null) {
      // a[t, j] = MLP_att([e_t; h_j; e_t - h_j; e_t * h_j]), softmax-normalised if the unit says so
      if (n > 0) {
        Attention.dinScores(unit, w.cand, 0, c, states, 0, n, n, w.scores, 0, w.scoreScratch, 0);
      }
    } else {
      // a[t, j] = softmax_j(h_j . (W e_t)): one C x H by H x n product
      Dense.linear(w.cand, 0, c, attention, w.query, 0, false);
      Attention.targetScores(w.query, 0, c, states, 0, n, n, 1, hidden, 1f, null, 0, 0, 0, true, w.scores, 0,
          w.scoreScratch, 0);
    }
  }

  /**
   * The weights {@code a_t} with which each candidate gates the interest evolution (AUGRU's update
   * gate, AGRU's step, AIGRU's input): one per interest state, that is per kept history action.
   */
  @Override
  public HistoryAttention attention(UserHistory history, Candidates candidates) {
    int first = checkedFirstKept(history, candidates);
    emb.checkHistory(history, first);
    emb.checkCandidates(candidates);
    int c = candidates.count();
    Ws w = createWorkspace();
    w.state.reset(history);
    int n = w.state.length();
    float[] weights = new float[c * n];
    if (c > 0 && n > 0) {
      w.ensureCandidates(c);
      interestAttention(w.state, candidates, w);
      System.arraycopy(w.scores, 0, weights, 0, c * n);
    }
    return new HistoryAttention(history.length() - n, n, c, weights, unit == null || unit.softmax());
  }

  private void run(DienUserState state, Candidates candidates, Ws w, float[] logits, int logitsOff) {
    int c = candidates.count();
    int n = state.length();
    int d = emb.dim();
    int h = hidden;
    w.ensureCandidates(c);
    interestAttention(state, candidates, w);
    float[] states = state.statesArray();
    switch (gruType) {
      case AUGRU -> Recurrent.augruScan(evolution, states, 0, true, w.scores, 0, c, n, null, 0, null, 0,
          w.evolved, 0, null, 0, w.scanScratch, 0);
      case AGRU -> Recurrent.agruScan(evolution, states, 0, true, w.scores, 0, c, n, null, 0, null, 0,
          w.evolved, 0, null, 0, w.scanScratch, 0);
      case AIGRU -> {
        // nn.GRUCell(a_t h_t, state): the input differs per candidate, so one batched step per t
        Arrays.fill(w.evolved, 0, c * h, 0f);
        for (int j = 0; j < n; j++) {
          for (int t = 0; t < c; t++) {
            float a = w.scores[t * n + j];
            int row = t * h;
            int src = j * h;
            for (int k = 0; k < h; k++) {
              w.stepInput[row + k] = a * states[src + k];
            }
          }
          Recurrent.gruStep(evolution, w.stepInput, 0, w.evolved, 0, c, w.evolved, 0, w.stepScratch, 0);
        }
      }
      default -> throw new IllegalStateException(gruType.toString());
    }
    // final MLP input [h'; e_a; s; e_a * s], or [h'; e_a] without the sum pooling
    float[] sum = state.sumArray();
    int in = h + (withSum ? 3 : 1) * d;
    for (int t = 0; t < c; t++) {
      int row = t * in;
      System.arraycopy(w.evolved, t * h, w.x, row, h);
      System.arraycopy(w.cand, t * d, w.x, row + h, d);
      if (!withSum) {
        continue;
      }
      System.arraycopy(sum, 0, w.x, row + h + d, d);
      for (int k = 0; k < d; k++) {
        w.x[row + h + 2 * d + k] = w.cand[t * d + k] * sum[k];
      }
    }
    mlp.forward(w.x, 0, c, logits, logitsOff, w.mlpScratch);
  }

  /** The activation unit's scratch for C candidates and any history length up to maxLen (not monotonic in L). */
  static int dinScratch(DinAttentionUnit unit, int c, int maxLen) {
    int most = 0;
    for (int l = 1; l <= maxLen; l++) {
      most = Math.max(most, Attention.dinScoresScratchSize(unit, c, l));
    }
    return most;
  }

  /** Per-thread scratch: a user state for the uncached path; candidate blocks grow (never shrink). */
  static final class Ws extends Workspace {
    final Dien owner;
    final DienUserState state;
    int cands = -1;
    float[] cand;
    float[] query;
    float[] scores;
    float[] scoreScratch;
    float[] evolved;
    float[] scanScratch;
    float[] stepInput;
    float[] stepScratch;
    float[] x;
    float[] mlpScratch;

    Ws(Dien owner) {
      super(owner);
      this.owner = owner;
      this.state = owner.newUserState();
      ensureCandidates(16);
    }

    void ensureCandidates(int c) {
      if (c <= cands) {
        return;
      }
      Dien m = owner;
      int d = m.emb.dim();
      int h = m.hidden;
      cand = new float[c * d];
      query = new float[c * h];
      scores = new float[c * m.maxHistoryLength()];
      scoreScratch = new float[m.unit != null ? dinScratch(m.unit, c, m.maxHistoryLength())
          : Attention.targetScoresScratchSize(c, m.maxHistoryLength(), 1, h)];
      evolved = new float[c * h];
      scanScratch = new float[Recurrent.gruScanScratchSize(c, m.maxHistoryLength(), h, true)];
      if (m.gruType == GruType.AIGRU) {
        stepInput = new float[c * h];
        stepScratch = new float[Recurrent.gruStepScratchSize(c, h)];
      }
      x = new float[c * (h + 3 * d)];
      mlpScratch = new float[m.mlp.scratchSize(c)];
      cands = c;
    }
  }
}
