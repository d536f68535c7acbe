package io.github.seqrec.models.transformer;

import io.github.seqrec.models.AbstractSequentialModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * TransAct (Xia et al., KDD 2023) as {@code golden/models/transact.py} defines it (Pinterest's
 * {@code transformer_user_action}, its slow path; MODELS.md section 14): per candidate the latest
 * {@code seq_len} actions newest first, tokens {@code [E_action; E_item; E_candidate]} (early
 * fusion), a post-LN ReLU encoder with the official key mask ({@code -inf} for padding and for
 * actions after the request time, slot 0 never masked), features
 * {@code [out_linear(max over all slots); the latest latest_n_emb outputs]}, and a head MLP over
 * {@code [features; E_candidate]} giving the logit (the head is seqrec's: the paper feeds these
 * features to Pinterest's ranking model, which is not public).
 *
 * <p>Action types are {@code 0 .. n_actions - 1} mapped through {@code action_type_lookup};
 * timestamps and the request time are required. Histories longer than {@code seq_len} keep their
 * most recent actions. The forward pass is {@link TransActCore}. Immutable and thread-safe.
 */
public final class TransAct extends AbstractSequentialModel<TransAct.Ws> {
  static final ModelOption<Integer> N_ITEMS = io.github.seqrec.models.layers.CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_ACTIONS = ModelOption.intOption("n_actions", "action types (ids 0 .. n - 1)",
      1, 99);
  static final ModelOption<Integer> ACTION_EMB_DIM = ModelOption.intOption("action_emb_dim", "action embedding width",
      1, 1 << 14);
  static final ModelOption<Integer> ITEM_EMB_DIM = ModelOption.intOption("item_emb_dim", "item embedding width",
      1, 1 << 14);
  static final ModelOption<Integer> SEQ_LEN = ModelOption.intOption("seq_len", "realtime sequence length kept",
      1, 1 << 14).withDefault(100);
  static final ModelOption<Integer> LATEST_N_EMB = ModelOption.intOption("latest_n_emb",
      "most recent encoder outputs concatenated to the max-pool", 0, 1 << 14).withDefault(10);
  static final ModelOption<Integer> NUM_LAYER = ModelOption.intOption("num_layer", "encoder layers", 1, 64);
  static final ModelOption<Integer> NHEAD = ModelOption.intOption("nhead", "attention heads", 1, 256);
  static final ModelOption<Integer> DIM_FEEDFORWARD = ModelOption.intOption("dim_feedforward", "feed-forward width",
      1, 1 << 16);
  static final ModelOption<Integer> HEAD_HIDDEN = ModelOption.intOption("head_hidden", "head MLP hidden width",
      1, 1 << 16);
  static final ModelOption<Float> LN_EPS = ModelOption.floatOption("ln_eps", "layer-norm epsilon", 0f, 1f)
      .withDefault(1e-5f);

  /** TransAct as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("transact").family("transformer")
      .paper("Xia et al., TransAct: Transformer-based Realtime User Action Model for Recommendation at Pinterest, "
          + "KDD 2023")
      .captures("the realtime action sequence fused early with the candidate: action-type and item tokens through "
          + "a transformer encoder, max-pool plus the latest outputs, scored by a head MLP")
      .kernels("Attention (bidirectional self-attention with an additive key mask)",
          "Dense (QKV, output, feed-forward, out_linear and head GEMMs)", "Normalization (layer norm)",
          "Activations (ReLU)")
      .fields(HistoryField.ACTION_TYPES, HistoryField.TIMESTAMPS)
      .options(N_ITEMS, N_ACTIONS, ACTION_EMB_DIM, ITEM_EMB_DIM, SEQ_LEN, LATEST_N_EMB, NUM_LAYER, NHEAD,
          DIM_FEEDFORWARD, HEAD_HIDDEN, LN_EPS)
      .batchInputs("hist_items", "hist_actions", "hist_times", "hist_len", "request_time", "cand_items")
      .loader(TransAct::load)
      .build();

  private final TransActCore core;

  private TransAct(TransActCore core) {
    super(SPEC, core.seqLen, Ws.class);
    this.core = core;
  }

  /** Loads the reference's {@code state_dict} names; hyperparameters from the metadata or {@code options}. */
  public static TransAct load(SafeTensors st, ModelOptions o) throws IOException {
    return new TransAct(TransActCore.load(st, o.get(N_ITEMS), o.get(N_ACTIONS), o.get(ACTION_EMB_DIM),
        o.get(ITEM_EMB_DIM), o.get(SEQ_LEN), o.get(LATEST_N_EMB), o.get(NUM_LAYER), o.get(NHEAD),
        o.get(DIM_FEEDFORWARD), o.get(HEAD_HIDDEN), o.get(LN_EPS)));
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void score(UserHistory history, int first, Candidates candidates, Ws w, float[] logits, int logitsOff) {
    int end = history.length();
    HistoryChecks.ids("history itemIds", history.itemIds(), first, end, core.nItems + 1);
    int[] actions = history.actionTypes();
    for (int i = first; i < end; i++) {
      if (actions[i] < 0 || actions[i] >= core.nActions) {
        throw new IllegalArgumentException("history actionTypes[" + i + "] = " + actions[i]
            + " is outside the action types [0, " + (core.nActions - 1) + "]");
      }
    }
    HistoryChecks.candidates(candidates, core.nItems + 1, 0);
    core.score(history.itemIds(), actions, history.timestamps(), first, end - first, history.requestTime(),
        candidates.itemIds(), 0, candidates.count(), w.scratch, logits, logitsOff);
  }

  /** Per-thread scratch: one candidate's token rows, key mask and block scratch. */
  public static final class Ws extends SequentialModel.Workspace {
    final TransActCore.Scratch scratch;

    Ws(TransAct owner) {
      super(owner);
      this.scratch = owner.core.new Scratch();
    }
  }
}
