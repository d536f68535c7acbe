package io.github.seqrec.models.lifelong;

import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.Hamming;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.kernels.SimHash;
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
 * ETA, End-to-end Target Attention (Chen et al., Alibaba, arXiv 2108.04468), long-term path as in
 * {@code golden/models/eta.py}:
 * <ul>
 *   <li>{@code sig(x)_k = 1[(x R)_k > 0]} with the fixed Gaussian {@code R = random_rotations}
 *       {@code [d, hash_bits]} from the weights ({@link SimHash#signatures}; a bit count that is not
 *       a multiple of 64 is padded with zero planes, whose bits are always 0 and so never change a
 *       distance);</li>
 *   <li>GSU: the K behaviours with the smallest Hamming distance to the candidate's signature,
 *       ties to the lower slot ({@link Hamming#topK});</li>
 *   <li>ESU: {@code o = out_proj(MHTA(t, {e_j}))} as {@code nn.MultiheadAttention(d, heads, bias=False)}
 *       ({@link Attention#targetAttentionGathered}; keys and values projected once per distinct
 *       retrieved behaviour), an empty retrieved set gives {@code o = 0};</li>
 *   <li>{@code logit = MLP([t; o])}.</li>
 * </ul>
 * The per-user signatures are an {@link EtaSignatureCache}, updated per action; the plain
 * {@link #score(UserHistory, Candidates, SequentialModel.Workspace, float[], int)} builds one in
 * the workspace, with bit-identical logits. Immutable and thread-safe.
 */
public final class Eta extends AbstractSequentialModel<Eta.Ws> implements TargetAttentionModel {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_CATES = CommonOptions.N_CATES;
  static final ModelOption<Integer> D_ITEM = CommonOptions.D_ITEM;
  static final ModelOption<Integer> D_CATE = CommonOptions.D_CATE;
  static final ModelOption<Integer> HASH_BITS =
      ModelOption.intOption("hash_bits", "SimHash signature width m", 1, 4096).withDefault(32);
  static final ModelOption<Integer> TOPK = LifelongOptions.topK(50);
  static final ModelOption<Integer> HEADS = LifelongOptions.heads(2);
  static final ModelOption<Integer> ATTENTION_DIM = ModelOption.intOption("attention_dim",
      "attention width; must equal d = d_item + d_cate (nn.MultiheadAttention); absent means d", 1, 1 << 14);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(1000);
  static final ModelOption<int[]> MLP_HIDDEN = CommonOptions.MLP_HIDDEN;
  static final ModelOption<String> ACTIVATION = CommonOptions.activation("relu");

  /** ETA as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("eta").family("lifelong")
      .paper("Chen et al., End-to-End User Behavior Retrieval in Click-Through Rate Prediction Model, arXiv 2108.04468 "
          + "(2021)")
      .captures("lifelong interest: SimHash signatures of the behaviours, Hamming top-k per candidate, multi-head "
          + "target attention over the retrieved behaviours")
      .kernels("SimHash", "Hamming", "Dense", "Attention (gathered target attention)", "Activations")
      .fields(HistoryField.CATEGORY_IDS)
      .options(N_ITEMS, N_CATES, D_ITEM, D_CATE, HASH_BITS, TOPK, HEADS, ATTENTION_DIM, MAX_LEN, MLP_HIDDEN, ACTIVATION)
      .batchInputs("hist_items", "hist_cates", "hist_len", "cand_items", "cand_cates")
      .loader(Eta::load)
      .build();

  private final ItemCateEmbedding emb;
  private final float[] planes;
  private final int bits;
  private final int paddedBits;
  private final PackedLinear wq;
  private final PackedLinear wk;
  private final PackedLinear wv;
  /** {@code W_k} and {@code W_v} transposed ({@code [d x d]}, input rows): the item cache's operands. */
  private final float[] wkT;
  private final float[] wvT;
  private final PackedLinear out;
  private final Mlp mlp;
  private final int topK;
  private final int heads;
  private final float scale;

  private Eta(ItemCateEmbedding emb, float[] planes, int bits, int paddedBits, PackedLinear wq, PackedLinear wk,
              PackedLinear wv, float[] wkT, float[] wvT, PackedLinear out, Mlp mlp, int topK, int heads, int maxLen) {
    super(SPEC, maxLen, Ws.class);
    this.emb = emb;
    this.planes = planes;
    this.bits = bits;
    this.paddedBits = paddedBits;
    this.wq = wq;
    this.wk = wk;
    this.wv = wv;
    this.wkT = wkT;
    this.wvT = wvT;
    this.out = out;
    this.mlp = mlp;
    this.topK = topK;
    this.heads = heads;
    this.scale = Attention.defaultScale(emb.dim() / heads);
  }

  /** Loads from the reference's {@code state_dict}; options: {@code topk}, {@code max_len}. */
  public static Eta load(SafeTensors st, ModelOptions o) throws IOException {
    ItemCateEmbedding emb = ItemCateEmbedding.load(st, "emb", o.get(N_ITEMS), o.get(N_CATES), o.get(D_ITEM),
        o.get(D_CATE));
    int d = emb.dim();
    int bits = o.get(HASH_BITS);
    int topK = o.get(TOPK);
    int heads = o.get(HEADS);
    int maxLen = o.get(MAX_LEN);
    int att = o.isSet(ATTENTION_DIM) ? o.get(ATTENTION_DIM) : d;
    if (att != d || d % heads != 0) {
      throw new IllegalArgumentException(SPEC.name() + ": attention_dim must equal d = " + d
          + " (nn.MultiheadAttention) and be a multiple of heads = " + heads + ", got " + att);
    }
    int padded = (bits + 63) / 64 * 64;
    float[] r = st.floats("random_rotations", d, bits);
    float[] planes = new float[d * padded];
    for (int i = 0; i < d; i++) {
      System.arraycopy(r, i * bits, planes, i * padded, bits);
    }
    float[] in = st.floats("mha.in_proj_weight", 3 * d, d);
    PackedLinear wq = Dense.pack(Arrays.copyOfRange(in, 0, d * d), null, d, d);
    PackedLinear wk = Dense.pack(Arrays.copyOfRange(in, d * d, 2 * d * d), null, d, d);
    PackedLinear wv = Dense.pack(Arrays.copyOfRange(in, 2 * d * d, 3 * d * d), null, d, d);
    float[] wkT = new float[d * d];
    float[] wvT = new float[d * d];
    Dense.transpose(in, d * d, d, d, wkT, 0);
    Dense.transpose(in, 2 * d * d, d, d, wvT, 0);
    PackedLinear outProj = Mlp.linearNoBias(st, "mha.out_proj.weight", d, d);
    Mlp mlp = Mlp.load(st, "mlp", 2 * d, o.get(MLP_HIDDEN), o.get(ACTIVATION), 1, 1e-8f);
    return new Eta(emb, planes, bits, padded, wq, wk, wv, wkT, wvT, outProj, mlp, topK, heads, maxLen);
  }

  /** K, the behaviours the search unit keeps per candidate. */
  public int topK() {
    return topK;
  }

  /** The model's signature width ({@code hash_bits}). */
  public int hashBits() {
    return bits;
  }

  ItemCateEmbedding embedding() {
    return emb;
  }

  float[] planes() {
    return planes;
  }

  int paddedBits() {
    return paddedBits;
  }

  /**
   * The per-item cache of the exact unit's key and value projections ({@code W_k e}, {@code W_v e})
   * for the whole catalogue: build once, share across users and threads. Scoring with it reads two
   * rows per picked behaviour instead of projecting it (logits equal the uncached ones to float
   * rounding: the projection is summed in two parts).
   */
  public ItemProjectionCache itemCache() {
    return ItemProjectionCache.build(this, emb, wkT, wvT, emb.dim());
  }

  /** A new, empty per-user signature cache (append actions as they arrive). */
  public EtaSignatureCache newSignatureCache() {
    return new EtaSignatureCache(this, 16);
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void score(UserHistory history, int first, Candidates candidates, Ws w, float[] logits, int logitsOff) {
    emb.checkCandidates(candidates);
    if (w.cache == null) {
      w.cache = new EtaSignatureCache(this, Math.max(16, history.length() - first));
    }
    w.cache.clear();
    w.cache.appendAll(history, first, history.length());
    run(null, w.cache, 0, candidates, w, logits, logitsOff);
  }

  /**
   * Scores with a kept per-user signature cache (its most recent {@link #maxHistoryLength()}
   * actions): bit-identical to scoring the history it was built from.
   */
  public void score(EtaSignatureCache cache, Candidates candidates, SequentialModel.Workspace workspace, float[] logits,
                    int logitsOff) {
    Ws w = acquire(workspace);
    try {
      checkCache(cache);
      emb.checkCandidates(candidates);
      HistoryChecks.output(logits, logitsOff, candidates.count());
      run(null, cache, Math.max(0, cache.length() - maxHistoryLength()), candidates, w, logits, logitsOff);
    } finally {
      release(w);
    }
  }

  /** As {@link #score(EtaSignatureCache, Candidates, SequentialModel.Workspace, float[], int)}, with the exact unit's projections read from {@code items}. */
  public void score(ItemProjectionCache items, EtaSignatureCache cache, Candidates candidates, SequentialModel.Workspace workspace,
                    float[] logits, int logitsOff) {
    Ws w = acquire(workspace);
    try {
      checkItemCache(items);
      checkCache(cache);
      emb.checkCandidates(candidates);
      HistoryChecks.output(logits, logitsOff, candidates.count());
      run(items, cache, Math.max(0, cache.length() - maxHistoryLength()), candidates, w, logits, logitsOff);
    } finally {
      release(w);
    }
  }

  /**
   * The exact search unit alone, on picks made elsewhere (a retrieval service, or {@link #search}):
   * candidate c attends over the cache slots {@code slots[slotsOff + c K ..]}, at most K = {@link #topK()}
   * of them, ended early by a -1 (so {@link #search}'s output passes as it is). Every slot must lie in
   * the kept window, the most recent {@link #maxHistoryLength()} actions of the cache; the order of a
   * candidate's picks does not matter and a candidate without picks gets the empty-history logit.
   * On {@link #search}'s picks the logits equal {@link #score(EtaSignatureCache, Candidates,
   * SequentialModel.Workspace, float[], int)}'s bit for bit.
   */
  public void scoreSelected(EtaSignatureCache cache, Candidates candidates, int[] slots, int slotsOff,
                            SequentialModel.Workspace workspace, float[] logits, int logitsOff) {
    runSelected(null, cache, candidates, slots, slotsOff, workspace, logits, logitsOff);
  }

  /**
   * As {@link #scoreSelected(EtaSignatureCache, Candidates, int[], int, SequentialModel.Workspace, float[], int)},
   * with the picked behaviours' keys and values read from {@code items} ({@link #itemCache()}).
   */
  public void scoreSelected(ItemProjectionCache items, EtaSignatureCache cache, Candidates candidates, int[] slots,
                            int slotsOff, SequentialModel.Workspace workspace, float[] logits, int logitsOff) {
    checkItemCache(items);
    runSelected(items, cache, candidates, slots, slotsOff, workspace, logits, logitsOff);
  }

  private void runSelected(ItemProjectionCache items, EtaSignatureCache cache, Candidates candidates, int[] slots,
                           int slotsOff, SequentialModel.Workspace workspace, float[] logits, int logitsOff) {
    Ws w = acquire(workspace);
    try {
      checkCache(cache);
      emb.checkCandidates(candidates);
      HistoryChecks.output(logits, logitsOff, candidates.count());
      int c = candidates.count();
      int first = Math.max(0, cache.length() - maxHistoryLength());
      w.ensureCandidates(c);
      HistoryChecks.picks(name(), slots, slotsOff, c, topK, first, cache.length(), w.sel, w.counts);
      if (c == 0) {
        return;
      }
      emb.embedCandidates(candidates, w.candE, 0);
      esu(items, cache, first, c, w, logits, logitsOff);
    } finally {
      release(w);
    }
  }

  /**
   * The search unit alone: candidate c's picks (cache slots ordered by (distance, slot)) go to
   * {@code slots[slotsOff + c K ..]}, -1 after the {@code min(K, n)} picks; candidate signature
   * words to {@code candidateSignatures[c words ..]} when that array is not null. Returns the
   * number of picks per candidate.
   */
  public int search(EtaSignatureCache cache, Candidates candidates, SequentialModel.Workspace workspace, int[] slots, int slotsOff,
                    long[] candidateSignatures) {
    Ws w = acquire(workspace);
    try {
      checkCache(cache);
      emb.checkCandidates(candidates);
      int c = candidates.count();
      if (slotsOff < 0 || (long) slotsOff + (long) c * topK > slots.length) {
        throw new IllegalArgumentException("slots needs " + (long) c * topK + " ints from offset " + slotsOff);
      }
      int first = Math.max(0, cache.length() - maxHistoryLength());
      w.ensureCandidates(c);
      emb.embedCandidates(candidates, w.candE, 0);
      int m = gsu(cache, first, c, w);
      int words = paddedBits / 64;
      for (int i = 0; i < c * topK; i++) {
        slots[slotsOff + i] = w.sel[i] < 0 ? -1 : first + w.sel[i];
      }
      if (candidateSignatures != null) {
        System.arraycopy(w.candSig, 0, candidateSignatures, 0, c * words);
      }
      return m;
    } finally {
      release(w);
    }
  }

  /**
   * The ESU's own logits over the whole kept history, averaged over heads:
   * {@code out[c n + l] = mean_h (t_c W_q^h) . (e_l W_k^h) / √dh} for the n most recent (at most
   * {@link #maxHistoryLength()}) actions. The "full attention" the Hamming GSU approximates (recall
   * reference, {@code golden/models/longhist.py}). An analysis tool: allocates. Returns n.
   */
  public int fullAttentionScores(EtaSignatureCache cache, Candidates candidates, float[] out) {
    checkCache(cache);
    emb.checkCandidates(candidates);
    int n = cache.length() - Math.max(0, cache.length() - maxHistoryLength());
    HistoryChecks.output(out, 0, candidates.count() * n);
    Sim.headMean(esuLogits(cache, candidates), candidates.count(), heads, n, out);
    return n;
  }

  /**
   * The ESU's per-head logits {@code [c x heads x n]} over the n most recent (at most {@link
   * #maxHistoryLength()}) actions of the cache: {@code (t_c W_q^h) . (e_l W_k^h) / √dh}. Allocates.
   */
  private float[] esuLogits(EtaSignatureCache cache, Candidates candidates) {
    int first = Math.max(0, cache.length() - maxHistoryLength());
    int n = cache.length() - first;
    int c = candidates.count();
    int d = emb.dim();
    float[] e = new float[n * d];
    for (int l = 0; l < n; l++) {
      emb.embed(cache.itemsArray()[first + l], cache.categoriesArray()[first + l], e, l * d);
    }
    float[] keys = new float[n * d];
    Dense.linear(e, 0, n, wk, keys, 0, false);
    float[] candE = new float[c * d];
    for (int t = 0; t < c; t++) {
      emb.embed(candidates.itemIds()[t], candidates.categoryIds()[t], candE, t * d);
    }
    float[] q = new float[c * d];
    Dense.linear(candE, 0, c, wq, q, 0, false);
    return Sim.headLogits(q, c, keys, n, heads, d / heads, scale);
  }

  /**
   * The ESU's weights over the kept history: the actions the Hamming GSU picks for a candidate
   * ({@link #search}) share its softmax weight, averaged over heads; every other action 0.
   */
  @Override
  public HistoryAttention attention(UserHistory history, Candidates candidates) {
    int first = checkedFirstKept(history, candidates);
    emb.checkCandidates(candidates);
    EtaSignatureCache cache = new EtaSignatureCache(this, Math.max(16, history.length() - first));
    cache.appendAll(history, first, history.length());
    int c = candidates.count();
    int n = cache.length();
    int[] slots = new int[c * topK];
    search(cache, candidates, newWorkspace(), slots, 0, null);
    float[] weights = Sim.pickedSoftmaxMean(esuLogits(cache, candidates), c, heads, n, slots, topK);
    return new HistoryAttention(first, n, c, weights, true);
  }

  private void checkItemCache(ItemProjectionCache items) {
    if (items == null || items.owner != this) {
      throw new IllegalArgumentException("item cache must come from this model's itemCache()");
    }
  }

  private void checkCache(EtaSignatureCache cache) {
    if (cache == null || cache.model() != this) {
      throw new IllegalArgumentException("cache must come from this model's newSignatureCache()");
    }
  }

  /** Signs the embedded candidates, then the Hamming top-k into {@code w.sel}; returns min(K, n). */
  private int gsu(EtaSignatureCache cache, int first, int c, Ws w) {
    int d = emb.dim();
    SimHash.signatures(w.candE, 0, c, d, planes, 0, paddedBits, w.candSig, 0, w.sigScratch, 0);
    int n = cache.length() - first;
    int words = paddedBits / 64;
    return Hamming.topK(w.candSig, 0, c, cache.signaturesArray(), first * words, n, n, paddedBits, topK,
        w.sel, 0, null, 0, w.hamScratch, 0);
  }

  private void run(ItemProjectionCache items, EtaSignatureCache cache, int first, Candidates candidates, Ws w,
                   float[] logits, int logitsOff) {
    int c = candidates.count();
    if (c == 0) {
      return;
    }
    w.ensureCandidates(c);
    emb.embedCandidates(candidates, w.candE, 0);
    int m = gsu(cache, first, c, w);
    Arrays.fill(w.counts, 0, c, m);
    esu(items, cache, first, c, w, logits, logitsOff);
  }

  /**
   * The exact search unit over the picks in {@code w.sel} / {@code w.counts} (slots relative to
   * {@code first}), candidates embedded in {@code w.candE}; the picks' keys and values are read
   * from {@code items} or, when it is null, projected.
   */
  private void esu(ItemProjectionCache items, EtaSignatureCache cache, int first, int c, Ws w, float[] logits,
                   int logitsOff) {
    int d = emb.dim();
    // Distinct retrieved behaviours, projected once each ({@link PickSet}).
    int n = cache.length() - first;
    int rows = w.picks.collect(w.sel, w.counts, c, topK, n, w.gather);
    w.ensureRows(rows);
    int[] ids = cache.itemsArray();
    int[] cates = cache.categoriesArray();
    for (int r = 0; r < rows; r++) {
      int slot = first + w.picks.slot(r);
      if (items != null) {
        items.project(ids[slot], cates[slot], w.k, w.v, r * d);
      } else {
        emb.embed(ids[slot], cates[slot], w.e, r * d);
      }
    }
    if (rows > 0 && items == null) {
      Dense.linear(w.e, 0, rows, wk, w.k, 0, false);
      Dense.linear(w.e, 0, rows, wv, w.v, 0, false);
    }
    Dense.linear(w.candE, 0, c, wq, w.q, 0, false);
    Attention.targetAttentionGathered(w.q, 0, c, w.k, 0, w.v, 0, rows, w.gather, 0, topK, w.counts, 0,
        heads, d / heads, d / heads, scale, null, 0, 0, 0, w.att, 0, w.attScratch, 0);
    Dense.linear(w.att, 0, c, out, w.o, 0, false);
    for (int t = 0; t < c; t++) {
      System.arraycopy(w.candE, t * d, w.x, t * 2 * d, d);
      System.arraycopy(w.o, t * d, w.x, t * 2 * d + d, d);
    }
    mlp.forward(w.x, 0, c, logits, logitsOff, w.mlpScratch);
  }

  /** Per-thread scratch; grows (never shrinks) with the candidate count and history length. */
  static final class Ws extends Workspace {
    final Eta owner;
    EtaSignatureCache cache;
    int cands = -1;
    float[] candE, q, att, o, x, mlpScratch, attScratch, sigScratch;
    long[] candSig;
    int[] sel, gather, counts, hamScratch;
    final PickSet picks;
    float[] e = new float[0];
    float[] k = new float[0];
    float[] v = new float[0];

    Ws(Eta owner) {
      super(owner);
      this.owner = owner;
      this.picks = new PickSet(owner.maxHistoryLength());
      ensureCandidates(16);
    }

    void ensureCandidates(int c) {
      if (c <= cands) {
        return;
      }
      Eta m = owner;
      int d = m.emb.dim();
      candE = new float[c * d];
      q = new float[c * d];
      att = new float[c * d];
      o = new float[c * d];
      x = new float[c * 2 * d];
      mlpScratch = new float[m.mlp.scratchSize(c)];
      attScratch = new float[Attention.targetAttentionGatheredScratchSize(c, m.topK, m.heads)];
      sigScratch = new float[SimHash.signaturesScratchSize(c, m.paddedBits)];
      candSig = new long[c * (m.paddedBits / 64)];
      sel = new int[c * m.topK];
      gather = new int[c * m.topK];
      counts = new int[c];
      hamScratch = new int[Hamming.topKScratchSize(c, m.maxHistoryLength(), m.paddedBits, m.topK)];
      cands = c;
    }

    void ensureRows(int rows) {
      int d = owner.emb.dim();
      if (rows * d > e.length) {
        e = new float[rows * d];
        k = new float[rows * d];
        v = new float[rows * d];
      }
    }
  }
}
