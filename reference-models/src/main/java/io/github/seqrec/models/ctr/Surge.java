package io.github.seqrec.models.ctr;

import io.github.seqrec.models.AbstractSequentialModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * SURGE (Chang et al., SIGIR 2021), a CTR model over candidates, as {@code golden/models/surge.py}
 * defines it (the official {@code surge.py} step by step; MODELS.md section 6): a metric-learned
 * item-similarity graph over the history, relative-rank sparsification, interest-fusion graph
 * convolution with cluster- and query-aware attention, cluster pooling down to
 * {@code pool_length} nodes, then an attention GRU (AUGRU) over the kept nodes in time order and
 * the output MLP. The forward pass is {@link SurgeNetwork}; the graph is built once per request
 * and shared by all candidates.
 *
 * <p>Edge cases (MODELS.md): one action (L = 1) is a one-node graph with its self-loop; a history of
 * at most {@code pool_length} actions keeps every node ({@code to_keep == L}: threshold 0 + 1e-7);
 * exact ties at the graph threshold and at the pooling threshold are dropped (strict {@code >});
 * a history of one repeated item has constant similarity rows (min-max 0/0 gives 0). The empty
 * history has no graph: readout and AUGRU state are zero and the MLP sees the candidate alone.
 * Histories longer than {@code max_len} keep their most recent actions.
 *
 * <p>Immutable and thread-safe; per-thread scratch from {@link #newWorkspace()} (sized for
 * {@code max_len}, grown for more candidates, never shrunk); scoring allocates nothing after
 * warm-up.
 */
public final class Surge extends AbstractSequentialModel<Surge.Ws> {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_CATES = CommonOptions.N_CATES;
  static final ModelOption<Integer> D_ITEM = CommonOptions.D_ITEM;
  static final ModelOption<Integer> D_CATE = CommonOptions.D_CATE;
  static final ModelOption<Integer> HIDDEN = ModelOption.intOption("hidden",
      "AUGRU and fusion width (must equal d_item + d_cate)", 1, 1 << 14);
  static final ModelOption<int[]> ATT_HIDDEN = ModelOption.intList("att_hidden",
      "hidden widths of the three attention MLPs (cluster, query, AUGRU)", 1, 1 << 14);
  static final ModelOption<int[]> MLP_HIDDEN = CommonOptions.MLP_HIDDEN;
  static final ModelOption<Float> BN_EPS = ModelOption.floatOption("bn_eps",
      "batch-norm epsilon of the attention and output MLPs (folded at load)", 0f, 1f).withDefault(1e-4f);
  static final ModelOption<Float> RELATIVE_THRESHOLD = ModelOption.floatOption("relative_threshold",
      "share of the similarity entries kept as edges (relative-rank sparsification)", 0f, 1f).withDefault(0.5f);
  static final ModelOption<Integer> POOL_LENGTH = ModelOption.intOption("pool_length",
      "nodes kept by cluster pooling", 1, CommonOptions.MAX_HISTORY_BOUND).withDefault(30);
  static final ModelOption<Float> LEAKY_SLOPE = ModelOption.floatOption("leaky_slope",
      "LeakyReLU slope of the fusion", 0f, 1f).withDefault(0.2f);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(50);

  /** SURGE as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("surge").family("ctr")
      .paper("Chang et al., Sequential Recommendation with Graph Neural Networks, SIGIR 2021")
      .captures("interest clusters of the history: a learned similarity graph over the actions, sparsified by rank, "
          + "graph-convolved with cluster- and query-aware attention, pooled to the candidate's strongest clusters, "
          + "then an attention GRU over the pooled sequence")
      .kernels("Graph (cosine similarity, min-max rows, relative-rank adjacency, normalised adjacency)",
          "Dense (cluster queries, fusion, attention and output MLPs)", "Activations (softmax, masked softmax, "
          + "LeakyReLU, sigmoid)", "TopK (pooling threshold)", "Recurrent (AUGRU scan)")
      .fields(HistoryField.CATEGORY_IDS)
      .options(N_ITEMS, N_CATES, D_ITEM, D_CATE, HIDDEN, ATT_HIDDEN, MLP_HIDDEN, BN_EPS, RELATIVE_THRESHOLD,
          POOL_LENGTH, LEAKY_SLOPE, MAX_LEN)
      .batchInputs("hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates")
      .loader(Surge::load)
      .build();

  private final SurgeNetwork net;

  private Surge(SurgeNetwork net, int maxLen) {
    super(SPEC, maxLen, Ws.class);
    this.net = net;
  }

  /** Loads the reference's {@code state_dict}; hyperparameters from the weight file's metadata. */
  public static Surge load(SafeTensors st, ModelOptions o) throws IOException {
    SurgeNetwork net = SurgeNetwork.load(st, o.get(N_ITEMS), o.get(N_CATES), o.get(D_ITEM), o.get(D_CATE),
        o.get(HIDDEN), o.get(ATT_HIDDEN), o.get(MLP_HIDDEN), o.get(BN_EPS), o.get(RELATIVE_THRESHOLD),
        o.get(POOL_LENGTH), o.get(LEAKY_SLOPE));
    return new Surge(net, o.get(MAX_LEN));
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void score(UserHistory history, int first, Candidates candidates, Ws w, float[] logits, int logitsOff) {
    int end = history.length();
    net.emb.checkHistory(history, first);
    net.emb.checkCandidates(candidates);
    int c = candidates.count();
    if (c == 0) {
      return;
    }
    int[] items = end > 0 ? history.itemIds() : null;
    int[] cates = end > 0 ? history.categoryIds() : null;
    net.score(items, cates, first, end, candidates.itemIds(), candidates.categoryIds(), c, logits, logitsOff,
        w.scratch);
  }

  /** Per-thread scratch: the graph sized for max_len, candidate blocks grown on demand. */
  static final class Ws extends Workspace {
    final SurgeNetwork.Scratch scratch;

    Ws(Surge owner) {
      super(owner);
      this.scratch = new SurgeNetwork.Scratch(owner.net, owner.maxHistoryLength(), 16);
    }
  }
}
