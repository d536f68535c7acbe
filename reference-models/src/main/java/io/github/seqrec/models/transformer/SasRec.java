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

  /** SASRec as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("sasrec").family("transformer")
      .paper("Kang and McAuley, Self-Attentive Sequential Recommendation, ICDM 2018")
      .captures("which earlier actions matter for the next one: causal self-attention over the item sequence "
          + "with learned positions, the most recent position scored against the item table")
      .kernels("Attention (causal self-attention)", "Dense (QKV, output and feed-forward GEMMs)",
          "Normalization (layer norm)", "Activations (ReLU)", "Catalogue (dot-product top-k)")
      .options(CommonOptions.N_ITEMS, HIDDEN, NUM_BLOCKS, NUM_HEADS, NORM_FIRST, POS_ANCHOR, LN_EPS, MAX_LEN)
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
    return new SasRec(SasRecCore.load(st, o.get(CommonOptions.N_ITEMS), o.get(HIDDEN), o.get(NUM_BLOCKS),
        o.get(NUM_HEADS), o.get(MAX_LEN), o.get(NORM_FIRST), o.get(POS_ANCHOR).equals("latest"), o.get(LN_EPS)));
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

  /** Per-thread scratch: one full pass's rows, block scratch and KV cache. */
  public static final class Ws extends RetrievalWorkspace {
    final SasRecCore.Scratch scratch;

    Ws(SasRec owner) {
      super(owner);
      this.scratch = owner.core.new Scratch();
    }
  }
}
