package io.github.seqrec.models.transformer;

import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * HSTU (Zhai et al., ICML 2024) as {@code golden/models/hstu.py} defines it (the research code
 * {@code generative-recommenders/research/modeling/sequential/hstu.py}; MODELS.md section 15): per
 * block one fused projection to U, V, Q, K with SiLU, pointwise aggregated attention
 * {@code SiLU(Q K^T + rab) / N} (N the fixed maximum length, rab the relative position and
 * log-bucketed time bias) instead of softmax, layer norm without affine parameters, the U gate and
 * the output projection with a residual; the user vector is the L2-normalised most recent output
 * and items are scored against the L2-normalised item table.
 *
 * <p>Timestamps are required: the most recent action's time bias reads the request time. The
 * forward pass is {@link HstuCore} over the shared {@code layers.TransformerBlock} (row-blocked
 * attention, no L x L matrix per head). Immutable and thread-safe.
 *
 * <p><b>Serving from a per-user state.</b> A {@link UserState} keeps the kept window (ids and
 * times) and every layer's keys and values ({@code num_blocks x max_len x (2 H dqk + H dv)}
 * floats: HSTU's score GEMM also reads the keys transposed). The bias of the most recent action
 * reads the time after it - the request time - so that row's outputs are provisional: the state
 * keeps rows {@code 0 .. len-2} final. {@link #append} finalises the previous most recent row with
 * the new action's time (one row per block against the cached keys and values,
 * {@code O(num_blocks (d^2 + L d))}), and {@link #userEmbedding(UserState, long,
 * SequentialModel.Workspace, float[], int) userEmbedding} computes the most recent row for the request
 * time (one row per block again); both equal rescoring the full history (to float rounding). Once
 * {@code max_len} actions are kept, an append slides the window: every kept action moves one slot
 * (the position embedding is per slot), so the kept rows are recomputed by a full pass over
 * {@code max_len - 1} rows, the cost of rescoring. Candidates and the catalogue are scored against the
 * state's user vector (HSTU here is a retrieval model: candidates do not attend the history, so
 * scoring B candidates is B dot products, the history untouched). Timestamps are {@code long}
 * seconds; any value is accepted, as the full-history path accepts it (the time bias buckets
 * {@code |dt|}).
 */
public final class Hstu extends AbstractNextItemModel<Hstu.Ws> {
  static final ModelOption<Integer> EMBEDDING_DIM = ModelOption.intOption("embedding_dim", "model width d", 1, 1 << 14);
  static final ModelOption<Integer> NUM_BLOCKS = ModelOption.intOption("num_blocks", "HSTU blocks", 1, 64);
  static final ModelOption<Integer> NUM_HEADS = ModelOption.intOption("num_heads", "attention heads", 1, 256);
  static final ModelOption<Integer> ATTENTION_DIM = ModelOption.intOption("attention_dim", "Q/K width per head", 1, 1 << 12);
  static final ModelOption<Integer> LINEAR_DIM = ModelOption.intOption("linear_dim", "U/V width per head", 1, 1 << 12);
  static final ModelOption<Integer> MAX_OUTPUT_LEN = ModelOption.intOption("max_output_len",
      "extra positions the research code reserves (N = max_len + max_output_len)", 0, 1 << 16).withDefault(11);
  static final ModelOption<Integer> NUM_BUCKETS = ModelOption.intOption("num_buckets", "time-gap buckets", 1, 1 << 12)
      .withDefault(128);
  static final ModelOption<Float> LN_EPS = ModelOption.floatOption("ln_eps", "layer-norm epsilon", 0f, 1f)
      .withDefault(1e-6f);
  static final ModelOption<Float> L2_EPS = ModelOption.floatOption("l2_eps", "L2-normalisation epsilon", 0f, 1f)
      .withDefault(1e-6f);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(200);

  /** HSTU as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("hstu").family("transformer")
      .paper("Zhai et al., Actions Speak Louder than Words: Trillion-Parameter Sequential Transducers for Generative "
          + "Recommendations, ICML 2024")
      .captures("the action sequence as a generative sequence: pointwise (SiLU) aggregated attention with relative "
          + "position and time bias, U gating, L2-normalised retrieval")
      .kernels("Attention (pointwise SiLU attention, row-blocked Toeplitz + log-bucket bias)",
          "Dense (fused UVQK and output GEMMs)", "Normalization (layer norm without affine, L2)",
          "Activations (SiLU)", "Catalogue (dot-product top-k)")
      .fields(HistoryField.TIMESTAMPS)
      .options(CommonOptions.N_ITEMS, EMBEDDING_DIM, NUM_BLOCKS, NUM_HEADS, ATTENTION_DIM, LINEAR_DIM, MAX_OUTPUT_LEN,
          NUM_BUCKETS, LN_EPS, L2_EPS, MAX_LEN)
      .batchInputs("hist_items", "hist_times", "hist_len", "request_time", "cand_items")
      .nextItem()
      .loader(Hstu::load)
      .build();

  private final HstuCore core;

  private Hstu(HstuCore core) {
    super(SPEC, core.maxLen, Ws.class, Catalogue.of(core.catalogue, core.nItems + 1, core.d, null));
    this.core = core;
  }

  /** Loads the research code's {@code state_dict} names; hyperparameters from the metadata or {@code options}. */
  public static Hstu load(SafeTensors st, ModelOptions o) throws IOException {
    return new Hstu(HstuCore.load(st, o.get(CommonOptions.N_ITEMS), o.get(EMBEDDING_DIM), o.get(NUM_BLOCKS),
        o.get(NUM_HEADS), o.get(ATTENTION_DIM), o.get(LINEAR_DIM), o.get(MAX_LEN), o.get(MAX_OUTPUT_LEN),
        o.get(NUM_BUCKETS), o.get(LN_EPS), o.get(L2_EPS)));
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void embed(UserHistory history, int first, Ws w, float[] out, int outOff) {
    int end = history.length();
    HistoryChecks.ids("history itemIds", history.itemIds(), first, end, core.nItems + 1);
    core.encode(history.itemIds(), history.timestamps(), first, end - first, history.requestTime(), w.scratch, out,
        outOff);
  }

  // ------------------------------------------------------------------------------------------
  // Incremental serving

  /** A fresh per-user state: the empty history. */
  public UserState newUserState() {
    return new UserState(this);
  }

  /**
   * Appends one action at {@code time}: one row per block (see the class comment for the sliding window).
   *
   * @throws IllegalArgumentException for an item outside {@code [1, n_items]} or a state of another
   *                                  model instance; the state is then unchanged
   */
  public void append(UserState state, int item, long time, SequentialModel.Workspace workspace) {
    checkState(state);
    if (item < 1 || item > core.nItems) {
      throw new IllegalArgumentException("hstu: item " + item + " is outside the vocabulary [1, " + core.nItems + "]");
    }
    Ws w = acquire(workspace);
    try {
      core.append(state.state, item, time, w.scratch);
      state.actions++;
    } finally {
      release(w);
    }
  }

  /** The user vector at {@code requestTime} ({@link #embeddingDim()} floats): one row per block against the cache. */
  public void userEmbedding(UserState state, long requestTime, SequentialModel.Workspace workspace, float[] out,
                            int outOff) {
    checkState(state);
    HistoryChecks.output(out, outOff, core.d);
    Ws w = acquire(workspace);
    try {
      core.userEmbedding(state.state, requestTime, w.scratch, out, outOff);
    } finally {
      release(w);
    }
  }

  /** Scores {@code candidates} at {@code requestTime} from the state (the cached history is not recomputed). */
  public void score(UserState state, long requestTime, Candidates candidates, SequentialModel.Workspace workspace,
                    float[] logits, int logitsOff) {
    checkState(state);
    if (candidates == null) {
      throw new IllegalArgumentException("hstu: candidates must not be null");
    }
    HistoryChecks.ids("candidate itemIds", candidates.itemIds(), 0, candidates.count(), catalogue().size());
    HistoryChecks.output(logits, logitsOff, candidates.count());
    Ws w = acquire(workspace);
    try {
      core.userEmbedding(state.state, requestTime, w.scratch, w.user, 0);
      catalogue().score(w.user, 0, candidates.itemIds(), candidates.count(), logits, logitsOff, w.stateCatalogue);
    } finally {
      release(w);
    }
  }

  /**
   * Catalogue top-k at {@code requestTime} from the state, excluding the items of {@code seen} when
   * it is not null; returns how many were written (as {@code recommend} of the full history).
   */
  public int recommend(UserState state, long requestTime, UserHistory seen, int k,
                       SequentialModel.Workspace workspace, int[] ids, int idsOff, float[] scores, int scoresOff) {
    checkState(state);
    if (k < 1 || k > MAX_K) {
      throw new IllegalArgumentException("hstu: k must be in [1, " + MAX_K + "], got " + k);
    }
    if (ids == null || scores == null || idsOff < 0 || scoresOff < 0 || idsOff + (long) k > ids.length
        || scoresOff + (long) k > scores.length) {
      throw new IllegalArgumentException("hstu: ids and scores need " + k + " entries from their offsets");
    }
    Ws w = acquire(workspace);
    try {
      core.userEmbedding(state.state, requestTime, w.scratch, w.user, 0);
      w.seen[0] = seen;
      catalogue().topK(w.user, 0, 1, k, seen == null ? null : w.seen, 0, ids, idsOff, scores, scoresOff, w.counts,
          0, w.stateCatalogue);
      w.seen[0] = null;
      return w.counts[0];
    } finally {
      release(w);
    }
  }

  private void checkState(UserState state) {
    if (state == null || state.owner != this) {
      throw new IllegalArgumentException("hstu: the user state must come from this model's newUserState(), got "
          + (state == null ? "null" : "one of another instance"));
    }
  }

  /**
   * One user's serving state: the kept window (ids and times, at most {@code max_len}) and every
   * block's keys and values. Mutable, not thread-safe: one per user, advanced by {@link Hstu#append}.
   */
  public static final class UserState {
    private final Hstu owner;
    private final HstuCore.State state;
    private long actions;

    private UserState(Hstu owner) {
      this.owner = owner;
      this.state = new HstuCore.State(owner.core);
    }

    /** Actions appended since creation or {@link #reset()} (the window keeps the last {@code max_len}). */
    public long actions() {
      return actions;
    }

    /** Actions in the kept window. */
    public int length() {
      return state.length;
    }

    /** Bytes of the per-user arrays (ids, times, KV cache). */
    public long bytes() {
      return 4L * state.items.length + 8L * state.times.length + 4L * state.cache.floats();
    }

    /** Back to the empty history. */
    public void reset() {
      state.length = 0;
      state.cache.clear();
      actions = 0;
    }
  }

  /** Per-thread scratch of one full pass; the state paths' user vector and catalogue scratch. */
  public static final class Ws extends RetrievalWorkspace {
    final HstuCore.Scratch scratch;
    final float[] user;
    final Catalogue.Scratch stateCatalogue = new Catalogue.Scratch();
    final int[] counts = new int[1];
    final UserHistory[] seen = new UserHistory[1];

    Ws(Hstu owner) {
      super(owner);
      this.scratch = owner.core.new Scratch();
      this.user = new float[owner.core.d];
    }

    /** Floats of forward-pass scratch (rows, block scratch, the full pass's KV cache); times not counted. */
    public long scratchFloats() {
      return scratch.x.length + (long) scratch.block.length + scratch.cache.floats();
    }
  }
}
