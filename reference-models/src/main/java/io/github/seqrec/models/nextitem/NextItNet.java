package io.github.seqrec.models.nextitem;

import io.github.seqrec.kernels.Activations;
import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * NextItNet (Yuan et al., WSDM 2019) as {@code golden/models/nextitnet.py} defines it (official
 * {@code nextitnet_residual_block}, block (b); MODELS.md section 5):
 * <pre>
 *   X_0 = E_item[history]                                      n x C, causal zeros before the first action
 *   per block of dilation d:  A = ReLU(LN_1(causalconv_d(X))),  X = X + ReLU(LN_2(causalconv_2d(A)))
 *   u   = ReLU(X_top[n - 1])                                   the user embedding (C)
 *   y_j = u . W_o[j] + b_o[j]                                  candidate and catalogue scores
 * </pre>
 * The newest row depends on the last {@link #receptiveField()} actions only ({@code 1 + (k-1) sum 3d},
 * 55 for the default dilations 1,2,1,2,1,2 and k = 3), and only that cone is computed
 * ({@link NextItNetStack}), so a request costs the same at any history length. Histories longer
 * than {@code max_len} keep their most recent actions (with {@code max_len >= receptiveField()} the
 * score does not change). The empty history has {@code u = 0}: its scores are the output bias.
 *
 * <p><b>RecBole's form</b> ({@code recbole/model/sequential_recommender/nextitnet.py}): the same
 * residual block (b); {@code out_relu=false} (RecBole puts a Linear, not a ReLU, after the top row;
 * the importer folds it into {@code output.*}) and {@code read_at=window_end}: RecBole reads the top
 * row at the last slot of its right-padded {@code max_len} window, so a short history is followed by
 * zero rows that the causal convolutions see.
 *
 * <p><b>Incremental user state</b> (how a server keeps a user warm): {@link #newState()} makes a
 * {@link NextItNetState} holding, per causal convolution, its last {@code (k-1) * dilation} input
 * rows; {@link #append(NextItNetState, int)} adds one action at the cost of one output row per
 * convolution ({@code causal_conv1d_last}); {@link #userEmbedding(NextItNetState, float[], int)},
 * {@link #score(NextItNetState, Candidates, Workspace, float[], int)} and
 * {@link #recommend(NextItNetState, int, Workspace, int[], int, float[], int)} then serve the user
 * without rereading the history. The state equals rescoring the whole history (to float rounding;
 * NextItNetTest checks 1000 appended actions).
 *
 * <p>Immutable and thread-safe; per-thread scratch from {@link #newWorkspace()}; scoring, retrieval
 * and appending allocate nothing after warm-up.
 */
public final class NextItNet extends AbstractNextItemModel<NextItNet.Ws> {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> CHANNELS = ModelOption.intOption("channels",
      "residual channels C (item embedding width)", 1, 1 << 14);
  static final ModelOption<Integer> KERNEL_SIZE = ModelOption.intOption("kernel_size",
      "causal convolution width k", 1, 64).withDefault(3);
  static final ModelOption<int[]> DILATIONS = ModelOption.intList("dilations",
      "dilation d of each residual block (its second convolution uses 2d)", 1, 1 << 16);
  static final ModelOption<Float> LN_EPS = ModelOption.floatOption("ln_eps", "layer-norm epsilon", 0f, 1f)
      .withDefault(1e-8f);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(1000);
  static final ModelOption<Boolean> OUT_RELU = ModelOption.bool("out_relu",
      "u = ReLU(X_top[last]) (official) or X_top[last] as it is (RecBole, whose final Linear is folded into output.*)",
      true);
  static final ModelOption<String> READ_AT = ModelOption.choice("read_at",
      "read the top row at the most recent action (official) or at the end of the max_len window, the history"
          + " right-padded with id 0 (RecBole reads slot max_len - 1 whatever the length; no incremental state)",
      "last_action", "last_action", "window_end");

  /** NextItNet as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("nextitnet").family("nextitem")
      .paper("Yuan et al., A Simple Convolutional Generative Network for Next Item Recommendation, WSDM 2019")
      .captures("long-range order with a growing receptive field: residual blocks of dilated causal 1-D convolutions "
          + "(d, 2d) with layer norm; the newest position predicts the next item")
      .kernels("Convolution (causal_conv1d rows of the receptive-field cone, causal_conv1d_last for the state)",
          "Normalization (layer norm)", "Activations (ReLU)", "Dense (residual add)", "Catalogue (dot-product top-k)")
      .options(N_ITEMS, CHANNELS, KERNEL_SIZE, DILATIONS, LN_EPS, MAX_LEN, OUT_RELU, READ_AT)
      .batchInputs("hist_items", "hist_len", "cand_items")
      .nextItem()
      .loader(NextItNet::load)
      .build();

  private final NextItNetStack stack;
  private final float[] itemTable;   // [n_items + 1, C]
  private final int nItems;
  private final boolean outRelu;
  private final boolean readAtWindowEnd;

  private NextItNet(NextItNetStack stack, float[] itemTable, int nItems, Catalogue catalogue, int maxLen,
                    boolean outRelu, boolean readAtWindowEnd) {
    super(SPEC, maxLen, Ws.class, catalogue);
    this.stack = stack;
    this.itemTable = itemTable;
    this.nItems = nItems;
    this.outRelu = outRelu;
    this.readAtWindowEnd = readAtWindowEnd;
  }

  /**
   * Loads the reference's {@code state_dict} ({@code item_embedding}, {@code residual_blocks.i.*},
   * {@code output}); hyperparameters ({@code n_items, channels, kernel_size, dilations, ln_eps,
   * max_len}) from the weight file's metadata.
   */
  public static NextItNet load(SafeTensors st, ModelOptions o) throws IOException {
    int nItems = o.get(N_ITEMS);
    int c = o.get(CHANNELS);
    NextItNetStack stack = NextItNetStack.load(st, c, o.get(KERNEL_SIZE), o.get(DILATIONS), o.get(LN_EPS));
    float[] table = st.floats("item_embedding.weight", nItems + 1, c);
    Catalogue catalogue = Catalogue.of(st.floats("output.weight", nItems + 1, c), nItems + 1, c,
        st.floats("output.bias", nItems + 1));
    return new NextItNet(stack, table, nItems, catalogue, o.get(MAX_LEN), o.get(OUT_RELU),
        o.get(READ_AT).equals("window_end"));
  }

  /** Actions the newest position sees: {@code 1 + (k-1) * sum over blocks of 3d}. */
  public int receptiveField() {
    return stack.receptiveField();
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void embed(UserHistory history, int first, Ws w, float[] out, int outOff) {
    int end = history.length();
    HistoryChecks.ids("history itemIds", history.itemIds(), first, end, nItems + 1);
    int c = stack.channels();
    int kept = end - first;
    if (kept == 0) {
      java.util.Arrays.fill(out, outOff, outOff + c, 0f);
      return;
    }
    // the sequence the stack reads: the kept actions, then (RecBole) id-0 padding up to max_len
    int length = readAtWindowEnd ? maxHistoryLength() : kept;
    int rows = stack.rowsFor(length);
    int[] items = history.itemIds();
    for (int r = 0; r < rows; r++) {
      int slot = length - rows + r;
      int item = slot < kept ? items[first + slot] : 0;
      System.arraycopy(itemTable, item * c, w.x, r * c, c);
    }
    stack.lastRow(w.x, 0, rows, out, outOff, w.scratch, 0);
    if (outRelu) {
      Activations.relu(out, outOff, out, outOff, c);
    }
  }

  // ---------------------------------------------------------------- incremental user state

  /**
   * An empty user state (no action yet) for {@link #append}.
   *
   * @throws IllegalStateException when the model reads RecBole's way ({@code read_at=window_end}):
   *     the read row then depends on how much padding follows the history, so no state can grow
   */
  public NextItNetState newState() {
    if (readAtWindowEnd) {
      // the read row's input then depends on how much padding follows the history: no state can be appended to
      throw new IllegalStateException("nextitnet: read_at=window_end (RecBole's reading) has no incremental"
          + " state; score the history instead");
    }
    return new NextItNetState(this, stack);
  }

  /**
   * Advances {@code state} by one action: one new row per convolution, then the user embedding
   * {@code ReLU(X_top)}. Allocation-free.
   *
   * @throws IllegalArgumentException for a state of another model or an id outside [1, n_items];
   *     the state is unchanged then
   */
  public void append(NextItNetState state, int itemId) {
    checkState(state);
    if (itemId < 1 || itemId > nItems) {
      throw new IllegalArgumentException("nextitnet: appended itemId = " + itemId + " is outside the vocabulary [1, "
          + nItems + "]");
    }
    stack.append(state, itemTable, itemId * stack.channels(), state.userEmbedding, 0, state.appendScratch, 0);
    if (outRelu) {
      Activations.relu(state.userEmbedding, 0, state.userEmbedding, 0, stack.channels());
    }
  }

  /** Copies the state's user embedding (C floats; zeros for an empty state) to {@code out[outOff ..]}. */
  public void userEmbedding(NextItNetState state, float[] out, int outOff) {
    checkState(state);
    HistoryChecks.output(out, outOff, embeddingDim());
    System.arraycopy(state.userEmbedding, 0, out, outOff, embeddingDim());
  }

  /** Candidate logits from a state, as {@link #score(UserHistory, Candidates, Workspace, float[], int)} from its history. */
  public void score(NextItNetState state, Candidates candidates, Workspace workspace, float[] logits, int logitsOff) {
    Ws w = acquire(workspace);
    try {
      checkState(state);
      if (candidates == null) {
        throw new IllegalArgumentException("nextitnet: candidates must not be null");
      }
      HistoryChecks.output(logits, logitsOff, candidates.count());
      catalogue().score(state.userEmbedding, 0, candidates.itemIds(), candidates.count(), logits, logitsOff,
          w.stateCatalogue);
    } finally {
      release(w);
    }
  }

  /**
   * Catalogue top-k from a state (seen items are not excluded: the state does not keep the
   * history; use {@link #recommend(UserHistory, int, boolean, Workspace, int[], int, float[], int)}
   * for that). Returns how many ids were written (k, or fewer for a smaller catalogue).
   */
  public int recommend(NextItNetState state, int k, Workspace workspace, int[] ids, int idsOff, float[] scores,
                       int scoresOff) {
    Ws w = acquire(workspace);
    try {
      checkState(state);
      if (k < 1 || k > NextItemModel.MAX_K) {
        throw new IllegalArgumentException("nextitnet: k must be in [1, " + NextItemModel.MAX_K + "], got " + k);
      }
      if (ids == null || idsOff < 0 || idsOff + (long) k > ids.length) {
        throw new IllegalArgumentException("ids needs " + k + " ints from offset " + idsOff + ", its length is "
            + (ids == null ? "null" : ids.length));
      }
      if (scores == null || scoresOff < 0 || scoresOff + (long) k > scores.length) {
        throw new IllegalArgumentException("scores needs " + k + " floats from offset " + scoresOff
            + ", its length is " + (scores == null ? "null" : scores.length));
      }
      catalogue().topK(state.userEmbedding, 0, 1, k, null, 0, ids, idsOff, scores, scoresOff, w.count, 0,
          w.stateCatalogue);
      return w.count[0];
    } finally {
      release(w);
    }
  }

  private void checkState(NextItNetState state) {
    if (state == null || state.owner != this) {
      throw new IllegalArgumentException("nextitnet: state must come from this model's newState(), got "
          + (state == null ? "null" : "a state of another instance"));
    }
  }

  /** Per-thread scratch: the receptive field's embedded rows and the stack's three row buffers. */
  static final class Ws extends RetrievalWorkspace {
    final float[] x;
    final float[] scratch;
    final Catalogue.Scratch stateCatalogue = new Catalogue.Scratch();
    final int[] count = new int[1];

    Ws(NextItNet owner) {
      super(owner);
      int rows = owner.stack.rowsFor(owner.maxHistoryLength());
      this.x = new float[rows * owner.stack.channels()];
      this.scratch = new float[owner.stack.scratchSize(rows)];
    }
  }
}
