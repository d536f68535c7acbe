package io.github.seqrec.models.transformer;

import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.layers.TransformerBlock;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * SASRec (Kang and McAuley, ICDM 2018) as {@code golden/models/sasrec.py} defines it (pmixer's
 * PyTorch port; MODELS.md section 14): item embeddings times {@code sqrt(d)} plus learned positions,
 * {@code num_blocks} causal self-attention blocks with a point-wise feed-forward (post-LN, or
 * pre-LN with {@code norm_first}), a final layer norm; the user vector is the most recent
 * position's output and an item's score is its dot product with the item table.
 *
 * <p>Positions are anchored at the oldest kept action ({@code pos_anchor=oldest}, seqrec's default:
 * appending an action changes no earlier position, so a per-user KV cache is exact) or, as pmixer
 * pads on the left, at the most recent one ({@code latest}). The forward pass is {@link SasRecCore}
 * over the shared {@code layers.TransformerBlock}. Histories longer than {@code max_len} keep their
 * most recent actions; the empty history has the zero user vector. Immutable and thread-safe.
 *
 * <p><b>RecBole's form.</b> {@code emb_scale=none emb_norm=true final_norm=false ffn=<inner_size>
 * ffn_act=gelu ln_eps=<layer_norm_eps>} is RecBole's SASRec: {@code x_0 = LN_emb(E[s] + P[pos])},
 * the same post-LN blocks with a GELU feed-forward of its own width, no final norm. {@code seqrec
 * import --from recbole} writes these options.
 *
 * <p><b>Serving from a per-user state.</b> A {@link UserState} keeps the kept window's ids and
 * every layer's keys and values (the KV cache, {@code num_blocks x max_len x 2d} floats).
 * {@link #append} costs one incremental step while the window is not full and
 * {@code pos_anchor=oldest}: one new row per block attending the cached keys and values,
 * {@code O(num_blocks (d^2 + L d))}, against {@code O(num_blocks (L d^2 + L^2 d))} for rescoring the
 * history. The result equals {@link #userEmbedding(io.github.seqrec.models.UserHistory,
 * SequentialModel.Workspace, float[], int) userEmbedding} of the full history (to float rounding:
 * a one-row GEMM sums in the same order per element, the attention reads the same keys). Two cases
 * recompute the kept window by a full pass so that the state still equals rescoring: once
 * {@code max_len} actions are kept, every append slides the window (the oldest action leaves,
 * every kept action moves one position), and with {@code pos_anchor=latest} every append moves
 * every position; an append then costs a full pass over {@code max_len} (resp. the kept) actions.
 * Candidates and the catalogue are scored from the stored user vector, without touching the history.
 */
public final class SasRec extends AbstractNextItemModel<SasRec.Ws> {
  static final ModelOption<Integer> HIDDEN = ModelOption.intOption("hidden", "model width d", 1, 1 << 14);
  static final ModelOption<Integer> NUM_BLOCKS = ModelOption.intOption("num_blocks", "transformer blocks", 1, 64);
  static final ModelOption<Integer> NUM_HEADS = ModelOption.intOption("num_heads", "attention heads (divide d)", 1, 256);
  static final ModelOption<Boolean> NORM_FIRST = ModelOption.bool("norm_first",
      "pre-LN blocks instead of pmixer's post-LN", false);
  static final ModelOption<String> POS_ANCHOR = ModelOption.choice("pos_anchor",
      "position 1 at the oldest kept action (KV-cache exact) or at the most recent (pmixer's left padding)",
      "oldest", "oldest", "latest");
  static final ModelOption<Float> LN_EPS = ModelOption.floatOption("ln_eps", "layer-norm epsilon", 0f, 1f)
      .withDefault(1e-8f);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(200);
  // RecBole's SASRec (recbole/model/sequential_recommender/sasrec.py) differs from pmixer's in its
  // input and its feed-forward; these options say how, each defaulting to pmixer's form.
  static final ModelOption<String> EMB_SCALE = ModelOption.choice("emb_scale",
      "item rows times sqrt(d) before the positions are added (pmixer) or as they are (RecBole)",
      "sqrt_d", "sqrt_d", "none");
  static final ModelOption<Boolean> EMB_NORM = ModelOption.bool("emb_norm",
      "a layer norm (emb_norm.*) on item + position before the first block (RecBole)", false);
  static final ModelOption<Boolean> FINAL_NORM = ModelOption.bool("final_norm",
      "pmixer's last_layernorm after the last block (RecBole has none)", true);
  static final ModelOption<Integer> FFN = ModelOption.intOption("ffn",
      "feed-forward width (RecBole's inner_size; 0: the model width d, as pmixer)", 0, 1 << 16).withDefault(0);
  static final ModelOption<String> FFN_ACT = ModelOption.choice("ffn_act",
      "feed-forward activation: ReLU (pmixer) or exact erf GELU (RecBole's hidden_act=gelu)", "relu", "relu", "gelu");

  /** SASRec as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("sasrec").family("transformer")
      .paper("Kang and McAuley, Self-Attentive Sequential Recommendation, ICDM 2018")
      .captures("which earlier actions matter for the next one: causal self-attention over the item sequence "
          + "with learned positions, the most recent position scored against the item table")
      .kernels("Attention (causal self-attention)", "Dense (QKV, output and feed-forward GEMMs)",
          "Normalization (layer norm)", "Activations (ReLU)", "Catalogue (dot-product top-k)")
      .options(CommonOptions.N_ITEMS, HIDDEN, NUM_BLOCKS, NUM_HEADS, NORM_FIRST, POS_ANCHOR, LN_EPS, MAX_LEN,
          EMB_SCALE, EMB_NORM, FINAL_NORM, FFN, FFN_ACT)
      .batchInputs("hist_items", "hist_len", "cand_items")
      .nextItem()
      .loader(SasRec::load)
      .build();

  private final SasRecCore core;

  private SasRec(SasRecCore core) {
    super(SPEC, core.maxLen, Ws.class, Catalogue.of(core.itemTable, core.nItems + 1, core.d, null));
    this.core = core;
  }

  /** Loads pmixer's {@code state_dict} names; hyperparameters from the metadata or {@code options}. */
  public static SasRec load(SafeTensors st, ModelOptions o) throws IOException {
    int d = o.get(HIDDEN);
    SasRecCore.Variant variant = new SasRecCore.Variant(o.get(EMB_SCALE).equals("sqrt_d"), o.get(EMB_NORM),
        o.get(FINAL_NORM), o.get(FFN) == 0 ? d : o.get(FFN),
        o.get(FFN_ACT).equals("gelu") ? TransformerBlock.FeedForward.GELU : TransformerBlock.FeedForward.RELU);
    return new SasRec(SasRecCore.load(st, o.get(CommonOptions.N_ITEMS), d, o.get(NUM_BLOCKS),
        o.get(NUM_HEADS), o.get(MAX_LEN), o.get(NORM_FIRST), o.get(POS_ANCHOR).equals("latest"), o.get(LN_EPS),
        variant));
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void embed(UserHistory history, int first, Ws w, float[] out, int outOff) {
    int end = history.length();
    HistoryChecks.ids("history itemIds", history.itemIds(), first, end, core.nItems + 1);
    core.encode(history.itemIds(), first, end - first, w.scratch.cache, w.scratch, out, outOff);
  }

  // ------------------------------------------------------------------------------------------
  // Incremental serving

  /** A fresh per-user state: the empty history (the zero user vector). */
  public UserState newUserState() {
    return new UserState(this);
  }

  /**
   * Appends one action to {@code state}: one incremental step per block while the window has room
   * (see the class comment for when the kept window is recomputed instead).
   *
   * @throws IllegalArgumentException for an item outside {@code [1, n_items]} or a state of another
   *                                  model instance; the state is then unchanged
   */
  public void append(UserState state, int item, SequentialModel.Workspace workspace) {
    checkState(state);
    if (item < 1 || item > core.nItems) {
      throw new IllegalArgumentException("sasrec: item " + item + " is outside the vocabulary [1, " + core.nItems + "]");
    }
    Ws w = acquire(workspace);
    try {
      core.append(state.state, item, w.scratch);
      state.actions++;
    } finally {
      release(w);
    }
  }

  /** The state's user vector ({@link #embeddingDim()} floats), as the full history's embedding. */
  public void userEmbedding(UserState state, float[] out, int outOff) {
    checkState(state);
    if (out == null || outOff < 0 || outOff + (long) core.d > out.length) {
      throw new IllegalArgumentException("sasrec: out needs " + core.d + " floats from offset " + outOff
          + ", its length is " + (out == null ? "null" : out.length));
    }
    System.arraycopy(state.state.user, 0, out, outOff, core.d);
  }

  /** Scores {@code candidates} against the state's user vector (the history is not reread). */
  public void score(UserState state, Candidates candidates, SequentialModel.Workspace workspace, float[] logits,
                    int logitsOff) {
    checkState(state);
    if (candidates == null) {
      throw new IllegalArgumentException("sasrec: candidates must not be null");
    }
    HistoryChecks.ids("candidate itemIds", candidates.itemIds(), 0, candidates.count(), catalogue().size());
    HistoryChecks.output(logits, logitsOff, candidates.count());
    Ws w = acquire(workspace);
    try {
      catalogue().score(state.state.user, 0, candidates.itemIds(), candidates.count(), logits, logitsOff,
          w.stateCatalogue);
    } finally {
      release(w);
    }
  }

  /**
   * Catalogue top-k from the state's user vector, excluding the items of {@code seen} when it is
   * not null; returns how many were written (as {@code recommend} of the full history).
   */
  public int recommend(UserState state, UserHistory seen, int k, SequentialModel.Workspace workspace, int[] ids,
                       int idsOff, float[] scores, int scoresOff) {
    checkState(state);
    if (k < 1 || k > MAX_K) {
      throw new IllegalArgumentException("sasrec: k must be in [1, " + MAX_K + "], got " + k);
    }
    if (ids == null || scores == null || idsOff < 0 || scoresOff < 0 || idsOff + (long) k > ids.length
        || scoresOff + (long) k > scores.length) {
      throw new IllegalArgumentException("sasrec: ids and scores need " + k + " entries from their offsets");
    }
    Ws w = acquire(workspace);
    try {
      w.seen[0] = seen;
      catalogue().topK(state.state.user, 0, 1, k, seen == null ? null : w.seen, 0, ids, idsOff, scores, scoresOff,
          w.counts, 0, w.stateCatalogue);
      w.seen[0] = null;
      return w.counts[0];
    } finally {
      release(w);
    }
  }

  private void checkState(UserState state) {
    if (state == null || state.owner != this) {
      throw new IllegalArgumentException("sasrec: the user state must come from this model's newUserState(), got "
          + (state == null ? "null" : "one of another instance"));
    }
  }

  /**
   * One user's serving state: the kept window (at most {@code max_len} ids), every block's keys and
   * values, the user vector. Mutable, not thread-safe: one per user, advanced by {@link SasRec#append}.
   */
  public static final class UserState {
    private final SasRec owner;
    private final SasRecCore.State state;
    private long actions;

    private UserState(SasRec owner) {
      this.owner = owner;
      this.state = new SasRecCore.State(owner.core);
    }

    /** Actions appended since creation or {@link #reset()} (the window keeps the last {@code max_len}). */
    public long actions() {
      return actions;
    }

    /** Actions in the kept window. */
    public int length() {
      return state.length;
    }

    /** Bytes of the per-user arrays (ids, KV cache, user vector). */
    public long bytes() {
      return 4L * (state.items.length + state.cache.floats() + state.user.length);
    }

    /** Back to the empty history. */
    public void reset() {
      state.length = 0;
      state.cache.clear();
      java.util.Arrays.fill(state.user, 0f);
      actions = 0;
    }
  }

  /** Per-thread scratch: one full pass's rows, block scratch and KV cache; the state paths' catalogue scratch. */
  public static final class Ws extends RetrievalWorkspace {
    final SasRecCore.Scratch scratch;
    final Catalogue.Scratch stateCatalogue = new Catalogue.Scratch();
    final int[] counts = new int[1];
    final UserHistory[] seen = new UserHistory[1];

    Ws(SasRec owner) {
      super(owner);
      this.scratch = owner.core.new Scratch();
    }

    /** Floats of forward-pass scratch (rows, block scratch, the full pass's KV cache). */
    public long scratchFloats() {
      return scratch.x.length + (long) scratch.block.length + scratch.cache.floats();
    }
  }
}
