package io.github.seqrec.models.transformer;

import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;

/**
 * BERT4Rec (Sun et al., CIKM 2019) as {@code golden/models/bert4rec.py} defines it (FeiSun's
 * official code; MODELS.md section 14): item + position + the constant token-type row, layer norm
 * on the embeddings, bidirectional post-LN encoder layers with exact-erf GELU, and the masked-LM
 * head (dense, GELU, layer norm) read at a {@code [MASK]} appended after the history; the next
 * item's score is {@code z . E[j] + b[j]} with the tied item embeddings and the output bias.
 *
 * <p>The window is the most recent {@code max_len - 1} actions (the mask takes the last position);
 * with {@code drop_oldest} (RecBole's full_sort_predict) a history that fits also loses its oldest
 * action, so a one-action history is read as the [MASK] alone.
 * Ids run 1..n_items; row {@code n_items + 1} is the mask token and is never recommended. The
 * forward pass is {@link Bert4RecCore} over the shared {@code layers.TransformerBlock} (a
 * bidirectional encoder is recomputed per request: no KV cache). Immutable and thread-safe.
 */
public final class Bert4Rec extends AbstractNextItemModel<Bert4Rec.Ws> {
  static final ModelOption<Integer> HIDDEN = ModelOption.intOption("hidden", "model width d", 1, 1 << 14);
  static final ModelOption<Integer> NUM_LAYERS = ModelOption.intOption("num_layers", "encoder layers", 1, 64);
  static final ModelOption<Integer> NUM_HEADS = ModelOption.intOption("num_heads", "attention heads (divide d)", 1, 256);
  static final ModelOption<Integer> INTERMEDIATE = ModelOption.intOption("intermediate", "feed-forward width", 1, 1 << 16);
  static final ModelOption<Float> LN_EPS = ModelOption.floatOption("ln_eps", "layer-norm epsilon", 0f, 1f)
      .withDefault(1e-12f);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(200);
  static final ModelOption<Boolean> DROP_OLDEST = ModelOption.bool("drop_oldest",
      "leave out the oldest action of every history even when it fits the window (RecBole: its"
          + " reconstruct_test_data shifts the history one slot left to make room for [MASK])", false);

  /** BERT4Rec as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("bert4rec").family("transformer")
      .paper("Sun et al., BERT4Rec: Sequential Recommendation with Bidirectional Encoder Representations from "
          + "Transformer, CIKM 2019")
      .captures("the sequence read in both directions: a bidirectional encoder predicts the item at a [MASK] "
          + "appended after the history (tied embeddings + output bias)")
      .kernels("Attention (bidirectional self-attention)", "Dense (QKV, output, feed-forward and head GEMMs)",
          "Normalization (layer norm)", "Activations (exact GELU)", "Catalogue (dot-product top-k with bias)")
      .options(CommonOptions.N_ITEMS, HIDDEN, NUM_LAYERS, NUM_HEADS, INTERMEDIATE, LN_EPS, MAX_LEN, DROP_OLDEST)
      .batchInputs("hist_items", "hist_len", "cand_items")
      .nextItem()
      .loader(Bert4Rec::load)
      .build();

  private final Bert4RecCore core;
  private final boolean dropOldest;

  private Bert4Rec(Bert4RecCore core, boolean dropOldest) {
    // rows 0 .. n_items: the catalogue without the mask token's row n_items + 1
    super(SPEC, core.maxLen - 1, Ws.class, Catalogue.of(Arrays.copyOf(core.itemTable, (core.nItems + 1) * core.d),
        core.nItems + 1, core.d, Arrays.copyOf(core.outBias, core.nItems + 1)));
    this.core = core;
    this.dropOldest = dropOldest;
  }

  /** Loads the reference's {@code state_dict} names; hyperparameters from the metadata or {@code options}. */
  public static Bert4Rec load(SafeTensors st, ModelOptions o) throws IOException {
    int maxLen = o.get(MAX_LEN);
    if (maxLen < 2) {
      throw new IllegalArgumentException("bert4rec: max_len must be >= 2 (one position is the [MASK]), got " + maxLen);
    }
    return new Bert4Rec(Bert4RecCore.load(st, o.get(CommonOptions.N_ITEMS), o.get(HIDDEN), o.get(NUM_LAYERS),
        o.get(NUM_HEADS), o.get(INTERMEDIATE), maxLen, o.get(LN_EPS)), o.get(DROP_OLDEST));
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void embed(UserHistory history, int first, Ws w, float[] out, int outOff) {
    int end = history.length();
    HistoryChecks.ids("history itemIds", history.itemIds(), first, end, core.nItems + 1);
    // RecBole reads the most recent max_len actions less the oldest of them: for a history that
    // fits the window that is its action 0, for a longer one the window is already one short
    int start = dropOldest && end > 0 ? Math.max(first, 1) : first;
    core.encode(history.itemIds(), start, end - start, w.scratch, out, outOff);
  }

  /** Per-thread scratch of one encoder pass. */
  public static final class Ws extends RetrievalWorkspace {
    final Bert4RecCore.Scratch scratch;

    Ws(Bert4Rec owner) {
      super(owner);
      this.scratch = owner.core.new Scratch();
    }
  }
}
