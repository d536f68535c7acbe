package io.github.seqrec.models.lifelong;

import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.kernels.TopK;
import io.github.seqrec.models.AbstractSequentialModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.TargetAttentionModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.layers.ItemCateEmbedding;
import io.github.seqrec.models.layers.Mlp;
import io.github.seqrec.models.layers.PickSet;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;

/**
 * SIM, the Search-based user Interest Model (Pi, Qi et al., CIKM 2020), long-term path as in
 * {@code golden/models/sim.py}: a general search unit (GSU) picks K behaviours per candidate, an
 * exact search unit (ESU) attends over them with time-interval embeddings.
 *
 * <ul>
 *   <li>GSU {@code gsu=hard}: the K most recent behaviours of the candidate's category, read from
 *       the per-user category index ({@link SimUserIndex}); {@code gsu=soft}: top-K of
 *       {@code r_l = (W_b e_l) . (W_a e_a)} ({@link Dense#gemm} of a block of candidates against
 *       the index's cached keys, then {@link TopK}; ties: lower slot).</li>
 *   <li>ESU: {@code z_j = [e_j; E_time[bucket(request_time - t_j)]]} with
 *       {@code bucket(Δ) = min(n_buckets - 1, 64 - numberOfLeadingZeros(Δ))} (0 for {@code Δ <= 0}),
 *       {@code head_i = Σ_j softmax_j((W_b^i z_j) . (W_a^i e_a) / √dh) z_j}
 *       ({@link Attention#targetAttentionGathered}: each candidate over its own picks; keys are
 *       projected once per distinct picked behaviour), then {@code logit = MLP([e_a; head_1 .. head_h])}.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; per-thread scratch in {@link #newWorkspace()}. The per-user
 * {@link SimUserIndex} can be kept between requests ({@link #score(SimUserIndex, long, Candidates,
 * SequentialModel.Workspace, float[], int)}); the plain {@link #score(UserHistory, Candidates,
 * SequentialModel.Workspace, float[], int)} builds one in the workspace, with bit-identical logits.
 */
public final class Sim extends AbstractSequentialModel<Sim.Ws> implements TargetAttentionModel {
  private static final int SOFT_BLOCK = 64;

  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_CATES = CommonOptions.N_CATES;
  static final ModelOption<Integer> D_ITEM = CommonOptions.D_ITEM;
  static final ModelOption<Integer> D_CATE = CommonOptions.D_CATE;
  static final ModelOption<Integer> N_TIME_BUCKETS = LifelongOptions.N_TIME_BUCKETS;
  static final ModelOption<Integer> D_TIME = LifelongOptions.D_TIME;
  static final ModelOption<Integer> TOPK = LifelongOptions.topK(50);
  static final ModelOption<Integer> HEADS = LifelongOptions.heads(2);
  static final ModelOption<Integer> ATTENTION_DIM = LifelongOptions.attentionDim(64);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(1000);
  static final ModelOption<String> GSU = ModelOption.choice("gsu",
      "general search unit: soft (inner-product top-k of W_b e_l . W_a e_c) or hard (the candidate's category)",
      "soft", "soft", "hard");
  static final ModelOption<int[]> MLP_HIDDEN = CommonOptions.MLP_HIDDEN;
  static final ModelOption<String> ACTIVATION = CommonOptions.activation("relu");

  /** SIM as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("sim").family("lifelong")
      .paper("Pi, Qi et al., Search-based User Interest Modeling with Lifelong Sequential Behavior Data for CTR "
          + "Prediction, CIKM 2020")
      .captures("lifelong interest: a search unit keeps the K behaviours relevant to the candidate (category index or "
          + "inner-product top-k), target attention with time-interval embeddings over them")
      .kernels("Dense", "TopK", "Attention (gathered target attention)", "Activations")
      .fields(HistoryField.CATEGORY_IDS, HistoryField.TIMESTAMPS)
      .options(N_ITEMS, N_CATES, D_ITEM, D_CATE, N_TIME_BUCKETS, D_TIME, TOPK, HEADS, ATTENTION_DIM, MAX_LEN, GSU,
          MLP_HIDDEN, ACTIVATION)
      .batchInputs("hist_items", "hist_cates", "hist_times", "hist_len", "request_time", "cand_items", "cand_cates")
      .loader(Sim::load)
      .build();

  private final ItemCateEmbedding emb;
  private final float[] timeTable;
  private final int timeBuckets;
  private final int dTime;
  private final PackedLinear gsuQuery;
  private final PackedLinear gsuKey;
  private final PackedLinear esuQuery;
  private final PackedLinear esuKey;
  private final Mlp mlp;
  private final int topK;
  private final int heads;
  private final int attentionDim;
  private final boolean soft;
  private final float scale;

  private Sim(ItemCateEmbedding emb, float[] timeTable, int timeBuckets, int dTime, PackedLinear gsuQuery,
              PackedLinear gsuKey, PackedLinear esuQuery, PackedLinear esuKey, Mlp mlp, int topK, int heads,
              int attentionDim, boolean soft, int maxLen) {
    super(SPEC, maxLen, Ws.class);
    this.emb = emb;
    this.timeTable = timeTable;
    this.timeBuckets = timeBuckets;
    this.dTime = dTime;
    this.gsuQuery = gsuQuery;
    this.gsuKey = gsuKey;
    this.esuQuery = esuQuery;
    this.esuKey = esuKey;
    this.mlp = mlp;
    this.topK = topK;
    this.heads = heads;
    this.attentionDim = attentionDim;
    this.soft = soft;
    this.scale = Attention.defaultScale(attentionDim / heads);
  }

  /** Loads from the reference's {@code state_dict}; options: {@code gsu}, {@code topk}, {@code max_len}. */
  public static Sim load(SafeTensors st, ModelOptions o) throws IOException {
    int nItems = o.get(N_ITEMS);
    int nCates = o.get(N_CATES);
    int dItem = o.get(D_ITEM);
    int dCate = o.get(D_CATE);
    int buckets = o.get(N_TIME_BUCKETS);
    int dTime = o.get(D_TIME);
    int topK = o.get(TOPK);
    int heads = o.get(HEADS);
    int att = LifelongOptions.attentionDim(o, ATTENTION_DIM, heads);
    int maxLen = o.get(MAX_LEN);
    String gsu = o.get(GSU);
    ItemCateEmbedding emb = ItemCateEmbedding.load(st, "emb", nItems, nCates, dItem, dCate);
    int d = emb.dim();
    float[] time = st.floats("time_emb.weight", buckets, dTime);
    Mlp mlp = Mlp.load(st, "mlp", d + heads * (d + dTime), o.get(MLP_HIDDEN), o.get(ACTIVATION), 1,
        1e-8f);
    return new Sim(emb, time, buckets, dTime,
        Mlp.linearNoBias(st, "gsu_query.weight", att, d), Mlp.linearNoBias(st, "gsu_key.weight", att, d),
        Mlp.linearNoBias(st, "esu_query.weight", att, d), Mlp.linearNoBias(st, "esu_key.weight", att, d + dTime),
        mlp, topK, heads, att, gsu.equals("soft"), maxLen);
  }

  /** True for {@code gsu=soft}, false for {@code gsu=hard}. */
  public boolean softSearch() {
    return soft;
  }

  /** K, the behaviours the search unit keeps per candidate. */
  public int topK() {
    return topK;
  }

  ItemCateEmbedding embedding() {
    return emb;
  }

  int searchKeyWidth() {
    return attentionDim;
  }

  PackedLinear searchKeyLayer() {
    return gsuKey;
  }

  /** A new, empty per-user index for this model (append actions as they arrive). */
  public SimUserIndex newUserIndex() {
    return new SimUserIndex(this, 16);
  }

  /** The time-interval bucket of a gap in seconds: {@code min(n_buckets - 1, bit_length(Δ))}, 0 for {@code Δ <= 0}. */
  public int timeBucket(long delta) {
    return delta <= 0 ? 0 : Math.min(timeBuckets - 1, 64 - Long.numberOfLeadingZeros(delta));
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void score(UserHistory history, int first, Candidates candidates, Ws w, float[] logits, int logitsOff) {
    emb.checkCandidates(candidates);
    if (w.index == null) {
      w.index = new SimUserIndex(this, Math.max(16, history.length() - first));
    }
    w.index.clear();
    w.index.appendAll(history, first, history.length());
    run(w.index, 0, history.requestTime(), candidates, w, logits, logitsOff);
  }

  /**
   * Scores with a kept per-user index (its most recent {@link #maxHistoryLength()} actions):
   * the same logits, bit for bit, as {@link #score(UserHistory, Candidates, SequentialModel.Workspace, float[], int)}
   * on the history the index was built from.
   */
  public void score(SimUserIndex index, long requestTime, Candidates candidates, SequentialModel.Workspace workspace,
                    float[] logits, int logitsOff) {
    Ws w = acquire(workspace);
    try {
      checkIndex(index);
      emb.checkCandidates(candidates);
      HistoryChecks.output(logits, logitsOff, candidates.count());
      run(index, Math.max(0, index.length() - maxHistoryLength()), requestTime, candidates, w, logits, logitsOff);
    } finally {
      release(w);
    }
  }

  /**
   * The exact search unit alone, on picks made elsewhere (a retrieval service, or {@link #search}):
   * candidate c attends over the index slots {@code slots[slotsOff + c K ..]}, at most K = {@link #topK()}
   * of them, ended early by a -1 (so {@link #search}'s output passes as it is). Every slot must lie in
   * the kept window, the most recent {@link #maxHistoryLength()} actions of the index; the order of a
   * candidate's picks does not matter and a candidate without picks gets the empty-history logit.
   * On {@link #search}'s picks the logits equal {@link #score(SimUserIndex, long, Candidates,
   * SequentialModel.Workspace, float[], int)}'s bit for bit.
   */
  public void scoreSelected(SimUserIndex index, long requestTime, Candidates candidates, int[] slots, int slotsOff,
                            SequentialModel.Workspace workspace, float[] logits, int logitsOff) {
    Ws w = acquire(workspace);
    try {
      checkIndex(index);
      emb.checkCandidates(candidates);
      HistoryChecks.output(logits, logitsOff, candidates.count());
      int c = candidates.count();
      int first = Math.max(0, index.length() - maxHistoryLength());
      w.ensureCandidates(c);
      HistoryChecks.picks(name(), slots, slotsOff, c, topK, first, index.length(), w.sel, w.counts);
      if (c == 0) {
        return;
      }
      emb.embedCandidates(candidates, w.candE, 0);
      esu(index, first, requestTime, c, w, logits, logitsOff);
    } finally {
      release(w);
    }
  }

  /**
   * The search unit alone: for candidate c, its picks (index slots, in selection order: hard =
   * newest first, soft = best first) go to {@code slots[slotsOff + c K ..]}, -1 after the
   * {@code counts[countsOff + c]} picks.
   */
  public void search(SimUserIndex index, Candidates candidates, SequentialModel.Workspace workspace, int[] slots, int slotsOff,
                     int[] counts, int countsOff) {
    Ws w = acquire(workspace);
    try {
      checkIndex(index);
      emb.checkCandidates(candidates);
      int c = candidates.count();
      if (slotsOff < 0 || (long) slotsOff + (long) c * topK > slots.length || countsOff < 0
          || (long) countsOff + c > counts.length) {
        throw new IllegalArgumentException("slots needs " + (long) c * topK + " ints and counts " + c + " ints");
      }
      int first = Math.max(0, index.length() - maxHistoryLength());
      w.ensureCandidates(c);
      emb.embedCandidates(candidates, w.candE, 0);
      gsu(index, first, candidates, w);
      for (int t = 0; t < c; t++) {
        int n = w.counts[t];
        counts[countsOff + t] = n;
        for (int j = 0; j < topK; j++) {
          slots[slotsOff + t * topK + j] = j < n ? first + w.sel[t * topK + j] : -1;
        }
      }
    } finally {
      release(w);
    }
  }

  /**
   * The ESU's own logits over the whole kept history, averaged over heads: {@code out[c n + l] =
   * mean_i (W_b^i z_l) . (W_a^i e_c) / √dh} for the n most recent (at most {@link #maxHistoryLength()})
   * actions of the index ({@link Attention#targetScores}). The "full attention" a GSU approximates:
   * recall of the search unit is measured against its top-K ({@code golden/models/longhist.py}).
   * An analysis tool: it allocates its {@code n x (d + d_time)} inputs. Returns n.
   */
  public int fullAttentionScores(SimUserIndex index, long requestTime, Candidates candidates, float[] out) {
    checkIndex(index);
    emb.checkCandidates(candidates);
    int n = index.length() - Math.max(0, index.length() - maxHistoryLength());
    HistoryChecks.output(out, 0, candidates.count() * n);
    headMean(esuLogits(index, requestTime, candidates), candidates.count(), heads, n, out);
    return n;
  }

  /**
   * The ESU's per-head logits {@code [c x heads x n]} over the n most recent (at most {@link
   * #maxHistoryLength()}) actions of the index: {@code (W_b^i z_l) . (W_a^i e_c) / √dh}. Allocates.
   */
  private float[] esuLogits(SimUserIndex index, long requestTime, Candidates candidates) {
    int first = Math.max(0, index.length() - maxHistoryLength());
    int n = index.length() - first;
    int c = candidates.count();
    int d = emb.dim();
    int dz = d + dTime;
    float[] z = new float[n * dz];
    for (int l = 0; l < n; l++) {
      int slot = first + l;
      emb.embed(index.itemsArray()[slot], index.categoriesArray()[slot], z, l * dz);
      System.arraycopy(timeTable, timeBucket(requestTime - index.timestampsArray()[slot]) * dTime, z, l * dz + d, dTime);
    }
    float[] keys = new float[n * attentionDim];
    Dense.linear(z, 0, n, esuKey, keys, 0, false);
    float[] candE = new float[c * d];
    for (int t = 0; t < c; t++) {
      emb.embed(candidates.itemIds()[t], candidates.categoryIds()[t], candE, t * d);
    }
    float[] q = new float[c * attentionDim];
    Dense.linear(candE, 0, c, esuQuery, q, 0, false);
    return headLogits(q, c, keys, n, heads, attentionDim / heads, scale);
  }

  /**
   * The ESU's weights over the kept history: the actions the GSU picks for a candidate ({@link
   * #search}) share its softmax weight, averaged over heads; every other action 0.
   */
  @Override
  public HistoryAttention attention(UserHistory history, Candidates candidates) {
    int first = checkedFirstKept(history, candidates);
    emb.checkCandidates(candidates);
    SimUserIndex index = new SimUserIndex(this, Math.max(16, history.length() - first));
    index.appendAll(history, first, history.length());
    int c = candidates.count();
    int n = index.length();
    int[] slots = new int[c * topK];
    search(index, candidates, newWorkspace(), slots, 0, new int[c], 0);
    float[] weights = pickedSoftmaxMean(esuLogits(index, history.requestTime(), candidates), c, heads, n, slots, topK);
    return new HistoryAttention(first, n, c, weights, true);
  }

  /** {@code [c x heads x n]} scores {@code scale q_{c,h} . k_{l,h}} ({@link Attention#targetScores}; allocates). */
  static float[] headLogits(float[] q, int c, float[] keys, int n, int heads, int dk, float scale) {
    float[] scores = new float[c * heads * n];
    if (c > 0 && n > 0) {
      float[] scratch = new float[Attention.targetScoresScratchSize(c, n, heads, dk)];
      Attention.targetScores(q, 0, c, keys, 0, n, n, heads, dk, scale, null, 0, 0, 0, false, scores, 0, scratch, 0);
    }
    return scores;
  }

  /** {@code out[c n + l]} = mean over heads of the per-head {@code logits [c x heads x n]}. */
  static void headMean(float[] logits, int c, int heads, int n, float[] out) {
    for (int t = 0; t < c; t++) {
      for (int l = 0; l < n; l++) {
        float sum = 0f;
        for (int h = 0; h < heads; h++) {
          sum += logits[(t * heads + h) * n + l];
        }
        out[t * n + l] = sum / heads;
      }
    }
  }

  /**
   * Attention weights {@code [c x n]} of an ESU over GSU picks: candidate t's picks are the
   * positions {@code slots[t k ..]} (relative to the kept window, ended by -1); each head's logits
   * {@code [c x heads x n]} are soft-maxed over the picks and the heads averaged, so a row sums to 1.
   */
  static float[] pickedSoftmaxMean(float[] logits, int c, int heads, int n, int[] slots, int k) {
    float[] weights = new float[c * n];
    for (int t = 0; t < c; t++) {
      int m = 0;
      while (m < k && slots[t * k + m] >= 0) {
        m++;
      }
      for (int h = 0; h < heads; h++) {
        int base = (t * heads + h) * n;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < m; i++) {
          max = Math.max(max, logits[base + slots[t * k + i]]);
        }
        double sum = 0;
        for (int i = 0; i < m; i++) {
          sum += Math.exp(logits[base + slots[t * k + i]] - max);
        }
        for (int i = 0; i < m; i++) {
          int l = slots[t * k + i];
          weights[t * n + l] += (float) (Math.exp(logits[base + l] - max) / sum / heads);
        }
      }
    }
    return weights;
  }

  private void checkIndex(SimUserIndex index) {
    if (index == null || index.model() != this) {
      throw new IllegalArgumentException("index must come from this model's newUserIndex()");
    }
  }

  /** GSU into {@code w.sel} (slots relative to {@code first}) and {@code w.counts}. */
  private void gsu(SimUserIndex index, int first, Candidates candidates, Ws w) {
    int c = candidates.count();
    int n = index.length() - first;
    if (!soft) {
      for (int t = 0; t < c; t++) {
        int m = index.mostRecent(candidates.categoryIds()[t], first, topK, w.sel, t * topK);
        for (int j = 0; j < m; j++) {
          w.sel[t * topK + j] -= first;
        }
        w.counts[t] = m;
      }
      return;
    }
    if (n == 0) {
      Arrays.fill(w.counts, 0, c, 0);
      return;
    }
    w.ensureScores(n);
    int d = emb.dim();
    for (int t0 = 0; t0 < c; t0 += SOFT_BLOCK) {
      int rows = Math.min(SOFT_BLOCK, c - t0);
      Dense.linear(w.candE, t0 * d, rows, gsuQuery, w.gsuQ, 0, false);
      Dense.gemm(w.gsuQ, 0, attentionDim, rows, attentionDim, index.keysT(), first, index.keysStride(), n,
          null, 0, w.scores, 0, n, false);
      for (int r = 0; r < rows; r++) {
        w.counts[t0 + r] = TopK.topK(w.scores, r * n, n, topK, w.topValues, 0, w.sel, (t0 + r) * topK);
      }
    }
  }

  private void run(SimUserIndex index, int first, long requestTime, Candidates candidates, Ws w,
                   float[] logits, int logitsOff) {
    int c = candidates.count();
    if (c == 0) {
      return;
    }
    w.ensureCandidates(c);
    emb.embedCandidates(candidates, w.candE, 0);
    gsu(index, first, candidates, w);
    esu(index, first, requestTime, c, w, logits, logitsOff);
  }

  /**
   * The exact search unit over the picks in {@code w.sel} / {@code w.counts} (slots relative to
   * {@code first}), candidates embedded in {@code w.candE}.
   */
  private void esu(SimUserIndex index, int first, long requestTime, int c, Ws w, float[] logits, int logitsOff) {
    int d = emb.dim();
    int dz = d + dTime;

    // Distinct picked behaviours: each is embedded and projected once, whatever number of
    // candidates picked it ({@link PickSet}).
    int n = index.length() - first;
    int rows = w.picks.collect(w.sel, w.counts, c, topK, n, w.gather);
    w.ensureRows(rows);
    int[] items = index.itemsArray();
    int[] cates = index.categoriesArray();
    long[] times = index.timestampsArray();
    for (int r = 0; r < rows; r++) {
      int slot = first + w.picks.slot(r);
      int zAt = r * dz;
      emb.embed(items[slot], cates[slot], w.z, zAt);
      System.arraycopy(timeTable, timeBucket(requestTime - times[slot]) * dTime, w.z, zAt + d, dTime);
      for (int h = 0; h < heads; h++) {
        System.arraycopy(w.z, zAt, w.values, (r * heads + h) * dz, dz); // the value of every head is z
      }
    }
    if (rows > 0) {
      Dense.linear(w.z, 0, rows, esuKey, w.keys, 0, false);
    }
    Dense.linear(w.candE, 0, c, esuQuery, w.esuQ, 0, false);
    Attention.targetAttentionGathered(w.esuQ, 0, c, w.keys, 0, w.values, 0, rows, w.gather, 0, topK,
        w.counts, 0, heads, attentionDim / heads, dz, scale, null, 0, 0, 0, w.att, 0, w.attScratch, 0);
    int in = d + heads * dz;
    for (int t = 0; t < c; t++) {
      System.arraycopy(w.candE, t * d, w.x, t * in, d);
      System.arraycopy(w.att, t * heads * dz, w.x, t * in + d, heads * dz);
    }
    mlp.forward(w.x, 0, c, logits, logitsOff, w.mlpScratch);
  }

  /** Per-thread scratch; grows (never shrinks) with the candidate count and history length. */
  static final class Ws extends Workspace {
    final Sim owner;
    SimUserIndex index;
    int cands = -1;
    float[] candE, esuQ, att, x, mlpScratch, attScratch, gsuQ, topValues;
    int[] sel, gather, counts;
    final PickSet picks;
    float[] z = new float[0];
    float[] keys = new float[0];
    float[] values = new float[0];
    float[] scores = new float[0];

    Ws(Sim owner) {
      super(owner);
      this.owner = owner;
      this.picks = new PickSet(owner.maxHistoryLength());
      ensureCandidates(16);
    }

    void ensureCandidates(int c) {
      if (c <= cands) {
        return;
      }
      Sim m = owner;
      int d = m.emb.dim();
      int dz = d + m.dTime;
      candE = new float[c * d];
      esuQ = new float[c * m.attentionDim];
      att = new float[c * m.heads * dz];
      x = new float[c * (d + m.heads * dz)];
      mlpScratch = new float[m.mlp.scratchSize(c)];
      attScratch = new float[Attention.targetAttentionGatheredScratchSize(c, m.topK, m.heads)];
      gsuQ = new float[SOFT_BLOCK * m.attentionDim];
      topValues = new float[m.topK];
      sel = new int[c * m.topK];
      gather = new int[c * m.topK];
      counts = new int[c];
      cands = c;
    }

    void ensureRows(int rows) {
      int dz = owner.emb.dim() + owner.dTime;
      if (rows * dz > z.length) {
        z = new float[rows * dz];
        keys = new float[rows * owner.attentionDim];
        values = new float[rows * owner.heads * dz];
      }
    }

    void ensureScores(int n) {
      if (SOFT_BLOCK * n > scores.length) {
        scores = new float[SOFT_BLOCK * n];
      }
    }
  }
}
