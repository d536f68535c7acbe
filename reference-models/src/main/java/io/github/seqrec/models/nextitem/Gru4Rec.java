package io.github.seqrec.models.nextitem;

import io.github.seqrec.kernels.GruWeights;
import io.github.seqrec.kernels.Recurrent;
import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;

/**
 * GRU4Rec (Hidasi et al., ICLR 2016), as {@code golden/models/gru4rec.py} defines it after the
 * official PyTorch port ({@code GRU4RecModel}, MODELS.md §3):
 * <pre>
 *   x_t   = Wy[i_t]   (constrained embedding, the default)   or   E[i_t]   (separate input table)
 *   h^0_t = GRUCell_0(x_t, h^0_{t-1}),   h^l_t = GRUCell_l(h^{l-1}_t, h^l_{t-1})
 *   u     = h^{last}_T,   score(j) = u . Wy[j] + By[j]
 * </pre>
 * The one-hot input of the port (embedding = 0 and unconstrained) is not supported (the loader
 * says so). The empty history leaves every state at 0, so its scores are the biases {@code By}.
 * Histories longer than {@code max_len} keep their most recent actions.
 *
 * <p>Per request: one {@link Recurrent#gruScan} per layer over the kept history, then the catalogue
 * (the user state against {@code Wy}, packed once). For serving, a {@link UserState} holds every
 * layer's hidden state and {@link #append} advances it by one action with one
 * {@link Recurrent#gruStep} per layer; it equals rescoring the whole history to float tolerance.
 *
 * <p>Immutable and thread-safe; per-thread scratch from {@link #newWorkspace()}; scoring, retrieval
 * and {@code append} allocate nothing after warm-up.
 */
public final class Gru4Rec extends AbstractNextItemModel<Gru4Rec.Ws> {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<int[]> LAYERS =
      ModelOption.intList("layers", "widths of the stacked GRU layers, lowest first", 1, 1 << 14);
  static final ModelOption<Integer> EMBEDDING = ModelOption.intOption("embedding",
      "width of the separate input table E (0: inputs are rows of the output table Wy)", 0, 1 << 14).withDefault(0);
  static final ModelOption<Boolean> CONSTRAINED = ModelOption.bool("constrained_embedding",
      "the input table is the output item table Wy (the port's constrained_embedding)", true);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(100);

  /** GRU4Rec as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("gru4rec").family("nextitem").nextItem()
      .paper("Hidasi et al., Session-based Recommendations with Recurrent Neural Networks, ICLR 2016 "
          + "(official PyTorch port GRU4Rec_PyTorch_Official)")
      .captures("the order of the session: stacked GRU cells over the item sequence, the last layer's state "
          + "scored against the item table")
      .kernels("Recurrent (gruScan over the history, gruStep per appended action)",
          "Dense (dot products with the item table)", "TopK (catalogue)")
      .options(N_ITEMS, LAYERS, EMBEDDING, CONSTRAINED, MAX_LEN)
      .batchInputs("hist_items", "hist_len", "cand_items")
      .loader(Gru4Rec::load)
      .build();

  private final GruStack stack;
  private final int nItems;

  private Gru4Rec(GruStack stack, Catalogue catalogue, int nItems, int maxLen) {
    super(SPEC, maxLen, Ws.class, catalogue);
    this.stack = stack;
    this.nItems = nItems;
  }

  /**
   * Loads the reference's {@code state_dict}: {@code G.<i>.{weight,bias}_{ih,hh}} (nn.GRUCell rows
   * r, z, n), {@code Wy.weight [n_items+1, H_last]}, {@code By.weight [n_items+1, 1]} and, unconstrained,
   * {@code E.weight [n_items+1, embedding]}. Hyperparameters from the metadata.
   */
  public static Gru4Rec load(SafeTensors st, ModelOptions o) throws IOException {
    int n = o.get(N_ITEMS);
    int[] widths = o.get(LAYERS);
    boolean constrained = o.get(CONSTRAINED);
    int embedding = o.get(EMBEDDING);
    if (!constrained && embedding <= 0) {
      throw new IllegalArgumentException("gru4rec: the one-hot input (embedding = 0 with constrained_embedding = false)"
          + " is not supported; set embedding > 0 or constrained_embedding = true");
    }
    int last = widths[widths.length - 1];
    int inputDim = constrained ? last : embedding;
    GruWeights[] layers = new GruWeights[widths.length];
    int in = inputDim;
    for (int i = 0; i < widths.length; i++) {
      int h = widths[i];
      String p = "G." + i + ".";
      layers[i] = Recurrent.packGru(st.floats(p + "weight_ih", 3 * h, in), st.floats(p + "weight_hh", 3 * h, h),
          st.floats(p + "bias_ih", 3 * h), st.floats(p + "bias_hh", 3 * h), in, h);
      in = h;
    }
    float[] wy = st.floats("Wy.weight", n + 1, last);
    float[] by = st.floats("By.weight", n + 1, 1);
    float[] input = constrained ? wy : st.floats("E.weight", n + 1, embedding);
    return new Gru4Rec(new GruStack(layers, input, inputDim), Catalogue.of(wy, n + 1, last, by), n, o.get(MAX_LEN));
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void embed(UserHistory history, int first, Ws w, float[] out, int outOff) {
    int end = history.length();
    HistoryChecks.ids("history itemIds", history.itemIds(), first, end, nItems + 1);
    stack.run(history.itemIds(), first, end - first, w.state, 0, w.runScratch);
    System.arraycopy(w.state, stack.lastLayerOffset(), out, outOff, stack.lastWidth());
  }

  // ------------------------------------------------------------------------------------------
  // Incremental serving

  /** A fresh per-user state: no action seen (every layer's hidden state 0). */
  public UserState newUserState() {
    return new UserState(this);
  }

  /**
   * Advances {@code state} by one action: one {@code gruStep} per layer, in place.
   *
   * @throws IllegalArgumentException for an item outside {@code [1, n_items]} or a state of another model
   */
  public void append(UserState state, int item, SequentialModel.Workspace workspace) {
    checkState(state);
    Ws w = acquire(workspace);
    try {
      if (item < 1 || item > nItems) {
        throw new IllegalArgumentException("gru4rec: item " + item + " is outside the vocabulary [1, " + nItems + "]");
      }
      stack.step(item, state.hidden, 0, w.stepScratch);
      state.actions++;
    } finally {
      release(w);
    }
  }

  /** The state's user embedding (the last layer's hidden state), {@link #embeddingDim()} floats. */
  public void userEmbedding(UserState state, float[] out, int outOff) {
    checkState(state);
    HistoryChecks.output(out, outOff, embeddingDim());
    System.arraycopy(state.hidden, stack.lastLayerOffset(), out, outOff, stack.lastWidth());
  }

  /**
   * Catalogue top-k from a stored state (no rescoring): as {@link #recommend(UserHistory, int, boolean,
   * SequentialModel.Workspace, int[], int, float[], int)}, excluding the items of {@code seen} when it
   * is not null.
   */
  public int recommend(UserState state, UserHistory seen, int k, SequentialModel.Workspace workspace, int[] ids,
                       int idsOff, float[] scores, int scoresOff) {
    checkState(state);
    Ws w = acquire(workspace);
    try {
      if (ids == null || scores == null || idsOff < 0 || scoresOff < 0 || idsOff + (long) k > ids.length
          || scoresOff + (long) k > scores.length) {
        throw new IllegalArgumentException("gru4rec: ids and scores need " + k + " entries from their offsets");
      }
      w.seen[0] = seen;
      catalogue().topK(state.hidden, stack.lastLayerOffset(), 1, k, seen == null ? null : w.seen, 0, ids, idsOff,
          scores, scoresOff, w.counts, 0, w.stateScratch);
      w.seen[0] = null;
      return w.counts[0];
    } finally {
      release(w);
    }
  }

  private void checkState(UserState state) {
    if (state == null || state.owner != this) {
      throw new IllegalArgumentException("gru4rec: the user state must come from this model's newUserState(), got "
          + (state == null ? "null" : "one of another instance"));
    }
  }

  /**
   * One user's serving state: every layer's hidden state (layer 0 first, {@code sum_l H_l} floats)
   * and the number of actions appended. Mutable, not thread-safe: one per user, advanced by
   * {@link Gru4Rec#append}.
   */
  public static final class UserState {
    private final Gru4Rec owner;
    private final float[] hidden;
    private long actions;

    private UserState(Gru4Rec owner) {
      this.owner = owner;
      this.hidden = new float[owner.stack.stateSize()];
    }

    /** Actions appended since creation or {@link #reset()}. */
    public long actions() {
      return actions;
    }

    /** Back to the empty history. */
    public void reset() {
      Arrays.fill(hidden, 0f);
      actions = 0;
    }

    /** A copy of the per-layer hidden states, layer 0 first. */
    public float[] hiddenStates() {
      return hidden.clone();
    }
  }

  /** Per-thread scratch: the stack's scan and step scratch sized for max_len. */
  static final class Ws extends RetrievalWorkspace {
    final float[] state;
    final float[] runScratch;
    final float[] stepScratch;
    final UserHistory[] seen = new UserHistory[1];
    final int[] counts = new int[1];
    final Catalogue.Scratch stateScratch = new Catalogue.Scratch();

    Ws(Gru4Rec owner) {
      super(owner);
      this.state = new float[owner.stack.stateSize()];
      this.runScratch = new float[owner.stack.runScratchSize(owner.maxHistoryLength())];
      this.stepScratch = new float[owner.stack.stepScratchSize()];
    }
  }
}
