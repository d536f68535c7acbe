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

  /** Per-thread scratch of one full pass. */
  public static final class Ws extends RetrievalWorkspace {
    final HstuCore.Scratch scratch;

    Ws(Hstu owner) {
      super(owner);
      this.scratch = owner.core.new Scratch();
    }
  }
}
