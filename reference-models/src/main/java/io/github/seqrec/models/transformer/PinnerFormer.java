package io.github.seqrec.models.transformer;

import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * PinnerFormer (Pancha et al., KDD 2022). No public code exists: {@code golden/models/pinnerformer.py}
 * is its executable definition (MODELS.md section 14). Per action the features
 * {@code [E_item; E_action; log1p(gap); sin/cos of day and week phase]}, a linear projection plus
 * learned positions, a causal pre-LN GELU encoder, a final layer norm and an MLP head give one
 * L2-normalised user embedding (read at the most recent action), scored against the item tower's
 * L2-normalised projections of the item embeddings (computed once at load: the catalogue).
 *
 * <p>Action types ({@code 1 .. n_actions}) and timestamps are required. The forward pass is
 * {@link PinnerFormerCore} over the shared {@code layers.TransformerBlock}. Immutable and thread-safe.
 */
public final class PinnerFormer extends AbstractNextItemModel<PinnerFormer.Ws> {
  static final ModelOption<Integer> N_ACTIONS = ModelOption.intOption("n_actions", "action types (ids 1 .. n)", 1, 1 << 16);
  static final ModelOption<Integer> ITEM_EMB_DIM = ModelOption.intOption("item_emb_dim", "item embedding width", 1, 1 << 14);
  static final ModelOption<Integer> ACTION_EMB_DIM = ModelOption.intOption("action_emb_dim", "action embedding width",
      1, 1 << 14);
  static final ModelOption<Integer> D_MODEL = ModelOption.intOption("d_model", "encoder width", 1, 1 << 14);
  static final ModelOption<Integer> NUM_LAYERS = ModelOption.intOption("num_layers", "encoder layers", 1, 64);
  static final ModelOption<Integer> NUM_HEADS = ModelOption.intOption("num_heads", "attention heads", 1, 256);
  static final ModelOption<Integer> DIM_FEEDFORWARD = ModelOption.intOption("dim_feedforward", "feed-forward width",
      1, 1 << 16);
  static final ModelOption<Integer> D_OUT = ModelOption.intOption("d_out", "embedding width", 1, 1 << 14);
  static final ModelOption<Float> LN_EPS = ModelOption.floatOption("ln_eps", "layer-norm epsilon", 0f, 1f)
      .withDefault(1e-5f);
  static final ModelOption<Float> L2_EPS = ModelOption.floatOption("l2_eps", "L2-normalisation epsilon", 0f, 1f)
      .withDefault(1e-6f);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(128);

  /** PinnerFormer as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("pinnerformer").family("transformer")
      .paper("Pancha et al., PinnerFormer: Sequence Modeling for User Representation at Pinterest, KDD 2022")
      .captures("one user embedding for dense all-action prediction: item, action and time features through a "
          + "causal encoder, an MLP head and L2 normalisation, against an item tower")
      .kernels("Attention (causal self-attention)", "Dense (input projection, QKV, feed-forward, head, item tower)",
          "Normalization (layer norm, L2)", "Activations (GELU)", "Catalogue (dot-product top-k)")
      .fields(HistoryField.ACTION_TYPES, HistoryField.TIMESTAMPS)
      .options(CommonOptions.N_ITEMS, N_ACTIONS, ITEM_EMB_DIM, ACTION_EMB_DIM, D_MODEL, NUM_LAYERS, NUM_HEADS,
          DIM_FEEDFORWARD, D_OUT, LN_EPS, L2_EPS, MAX_LEN)
      .batchInputs("hist_items", "hist_actions", "hist_times", "hist_len", "cand_items")
      .nextItem()
      .loader(PinnerFormer::load)
      .build();

  private final PinnerFormerCore core;

  private PinnerFormer(PinnerFormerCore core) {
    super(SPEC, core.maxLen, Ws.class, Catalogue.of(core.catalogue, core.nItems + 1, core.dOut, null));
    this.core = core;
  }

  /** Loads the definition's {@code state_dict} names; hyperparameters from the metadata or {@code options}. */
  public static PinnerFormer load(SafeTensors st, ModelOptions o) throws IOException {
    return new PinnerFormer(PinnerFormerCore.load(st, o.get(CommonOptions.N_ITEMS), o.get(N_ACTIONS),
        o.get(ITEM_EMB_DIM), o.get(ACTION_EMB_DIM), o.get(D_MODEL), o.get(NUM_LAYERS), o.get(NUM_HEADS),
        o.get(DIM_FEEDFORWARD), o.get(D_OUT), o.get(MAX_LEN), o.get(LN_EPS), o.get(L2_EPS)));
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void embed(UserHistory history, int first, Ws w, float[] out, int outOff) {
    int end = history.length();
    HistoryChecks.ids("history itemIds", history.itemIds(), first, end, core.nItems + 1);
    HistoryChecks.ids("history actionTypes", history.actionTypes(), first, end, core.nActions + 1);
    core.encode(history.itemIds(), history.actionTypes(), history.timestamps(), first, end - first, w.scratch, out,
        outOff);
  }

  /** Per-thread scratch of one encoder pass. */
  public static final class Ws extends RetrievalWorkspace {
    final PinnerFormerCore.Scratch scratch;

    Ws(PinnerFormer owner) {
      super(owner);
      this.scratch = owner.core.new Scratch();
    }
  }
}
