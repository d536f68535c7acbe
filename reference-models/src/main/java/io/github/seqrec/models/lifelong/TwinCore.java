package io.github.seqrec.models.lifelong;

import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.TopK;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.layers.ItemCateEmbedding;
import io.github.seqrec.models.layers.Mlp;
import io.github.seqrec.models.layers.PickSet;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;

/**
 * The machinery TWIN and TWIN-V2 share ({@code golden/models/twin.py::TwinBase}): inherent keys and
 * values per behaviour (cached or projected per request), the per-head attention logits over the whole
 * history with an {@code [H x L]} bias, the consistency-preserved GSU (top-k by the mean over heads of
 * those logits), the ESU (softmax of the same logits over the selected behaviours, pooled values),
 * the output projection and the MLP on {@code [o; q]}. Immutable and thread-safe; per-request state
 * lives in {@link Work}.
 */
final class TwinCore {
  /** Budget for the {@code C_block x L} relevance panel of one block of candidates (floats). */
  static final int SCORE_BUDGET = 1 << 22;
  /** Most candidates scored per block (GEMM-shaped work over the block). */
  static final int MAX_BLOCK = 256;

  final String model;
  final ItemCateEmbedding emb;
  final int dItem;
  final int dCate;
  final int width;
  final int heads;
  final int dk;
  final int topk;
  final int maxLen;
  final int valueIn;
  final float scale;
  private final float[] qT;
  private final float[] kT;
  final float[] vT;
  private final float[] outT;
  private final float[] meanWeights;
  private final Mlp mlp;

  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_CATES = CommonOptions.N_CATES;
  static final ModelOption<Integer> D_ITEM =
      ModelOption.intOption("d_item", "item embedding width", 1, 1 << 14).withDefault(32);
  static final ModelOption<Integer> D_CATE =
      ModelOption.intOption("d_cate", "category embedding width", 1, 1 << 14).withDefault(32);
  static final ModelOption<Integer> HEADS = LifelongOptions.heads(4);
  static final ModelOption<Integer> TOPK = LifelongOptions.topK(100);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(1000);
  static final ModelOption<int[]> MLP_HIDDEN = CommonOptions.MLP_HIDDEN;
  static final ModelOption<String> ACTIVATION = CommonOptions.activation("relu");

  TwinCore(String model, SafeTensors st, ModelOptions o, int valueIn) throws IOException {
    this.model = model;
    this.dItem = o.get(D_ITEM);
    this.dCate = o.get(D_CATE);
    this.emb = ItemCateEmbedding.load(st, "emb", o.get(N_ITEMS), o.get(N_CATES), dItem, dCate);
    this.width = dItem + dCate;
    this.heads = o.get(HEADS);
    if (width % heads != 0) {
      throw new IllegalArgumentException(model + ": heads must divide d_item + d_cate = " + width + ", got " + heads);
    }
    this.dk = width / heads;
    this.topk = o.get(TOPK);
    this.maxLen = o.get(MAX_LEN);
    this.valueIn = valueIn;
    this.scale = Attention.defaultScale(dk);
    this.qT = transposed(st.floats("mha.q_proj_weight", width, width), width, width);
    this.kT = transposed(st.floats("mha.k_proj_weight", width, width), width, width);
    this.vT = transposed(st.floats("mha.v_proj_weight", width, valueIn), width, valueIn);
    this.outT = transposed(st.floats("mha.out_proj.weight", width, width), width, width);
    this.meanWeights = new float[heads];
    Arrays.fill(meanWeights, 1f / heads);
    this.mlp = Mlp.load(st, "mlp", 2 * width, o.get(MLP_HIDDEN), o.get(ACTIVATION), 1, 1e-8f);
  }

  /** {@code w [out x in]} (PyTorch layout) -> {@code [in x out]} (the GEMM's B operand). */
  static float[] transposed(float[] w, int out, int in) {
    float[] t = new float[w.length];
    Dense.transpose(w, 0, out, in, t, 0);
    return t;
  }

  /** The inherent key/value rows of every item id and category id (see {@link ItemProjectionCache}). */
  ItemProjectionCache buildCache(Object owner) {
    return ItemProjectionCache.build(owner, emb, kT, vT, width);
  }

  // ----------------------------------------------------------------------------------------------
  // checks

  void checkInherent(UserHistory h, int first) {
    emb.checkHistory(h, first);
  }

  void checkCandidates(Candidates candidates, float[] logits, int logitsOff) {
    emb.checkCandidates(candidates);
    HistoryChecks.output(logits, logitsOff, candidates.count());
  }

  void checkCache(ItemProjectionCache cache, Object owner) {
    if (cache == null) {
      throw new IllegalArgumentException("cache must not be null");
    }
    if (cache.owner != owner) {
      throw new IllegalArgumentException("cache was built by another " + model + " instance; use this model's itemCache()");
    }
  }

  // ----------------------------------------------------------------------------------------------
  // per-request work

  /**
   * Fills {@code w.keys} and {@code w.values} ({@code n x width}) with the inherent projections of the
   * history rows {@code first .. first + n}: from the cache (two row reads and one add per behaviour) or,
   * when {@code cache} is null, by projecting the gathered embeddings with the same GEMMs the cache was
   * built with (so both are bit-identical).
   */
  void inherent(ItemProjectionCache cache, int[] items, int[] cates, int first, int n, Work w) {
    inherent(cache, items, cates, first, null, n, w);
  }

  /**
   * As {@link #inherent(ItemProjectionCache, int[], int[], int, int, Work)} for {@code n} chosen rows: row i
   * is the history action {@code first + rowSlot[i]} (or {@code first + i} when {@code rowSlot} is null).
   */
  void inherent(ItemProjectionCache cache, int[] items, int[] cates, int first, int[] rowSlot, int n, Work w) {
    if (cache != null) {
      for (int i = 0; i < n; i++) {
        int a = first + (rowSlot == null ? i : rowSlot[i]);
        cache.project(items[a], cates[a], w.keys, w.values, i * width);
      }
      return;
    }
    float[] itemTable = emb.itemTable();
    float[] cateTable = emb.cateTable();
    for (int i = 0; i < n; i++) {
      int a = first + (rowSlot == null ? i : rowSlot[i]);
      System.arraycopy(itemTable, items[a] * dItem, w.embItem, i * dItem, dItem);
      System.arraycopy(cateTable, cates[a] * dCate, w.embCate, i * dCate, dCate);
    }
    Dense.gemm(w.embItem, 0, dItem, n, dItem, kT, 0, width, width, null, 0, w.keys, 0, width, false);
    Dense.gemm(w.embCate, 0, dCate, n, dCate, kT, dItem * width, width, width, null, 0, w.tmp, 0, width, false);
    Dense.axpy(1f, w.tmp, 0, w.keys, 0, n * width);
    Dense.gemm(w.embItem, 0, dItem, n, dItem, vT, 0, width, width, null, 0, w.values, 0, width, false);
    Dense.gemm(w.embCate, 0, dCate, n, dCate, vT, dItem * width, width, width, null, 0, w.tmp, 0, width, false);
    Dense.axpy(1f, w.tmp, 0, w.values, 0, n * width);
  }

  /**
   * Scores the candidates against the prepared history of {@code n} behaviours ({@code w.keys},
   * {@code w.values} complete, {@code w.bias} the {@code [H x n]} per-head per-behaviour bias), block
   * by block of candidates. With {@code alpha[t, h, l] = (q_{t,h} . k_{l,h}) / sqrt(d_k) + bias[h, l]}:
   * <ol>
   *   <li>{@code q = [E_item; E_cate]} of each candidate (also the MLP's second half), {@code q W^q};
   *   <li>CP-GSU: the relevance {@code mean_h alpha[t, h, l]} over the whole history, top-k by
   *       {@link TopK#topKRows} (higher first, equal: lower slot). The mean of the heads' dot products
   *       is one dot product over the full width, {@code (q_t . k_l) / (H sqrt(d_k)) + mean_h bias[h, l]},
   *       so this is one GEMM against the keys transposed once per request
   *       ({@link Attention#transposeKeys} with the factor folded in) and a row bias, writing
   *       {@code B x L} values instead of the {@code B x H x L} per-head logits;
   *   <li>ESU: the softmax of the same per-head logits over the selected behaviours, pooled values
   *       ({@link Attention#targetAttentionGathered} computes them again for the K picks only, which
   *       costs {@code 2 K H d_k} per candidate instead of keeping {@code H L}); then {@code W^o} into
   *       the MLP input;
   *   <li>{@code logit = MLP([o; q])}.
   * </ol>
   */
  void score(Work w, int n, Candidates candidates, float[] logits, int logitsOff) {
    run(w, n, false, candidates, logits, logitsOff);
  }

  /**
   * The block loop of {@link #score} ({@code picked = false}: the CP-GSU selects over the {@code n}
   * rows) and of {@link #scoreGathered} ({@code picked = true}: the selection is given in
   * {@code w.gather} / {@code w.pickCounts}); everything after the selection is shared.
   */
  private void run(Work w, int n, boolean picked, Candidates candidates, float[] logits, int logitsOff) {
    int count = candidates.count();
    int[] items = candidates.itemIds();
    int[] cates = candidates.categoryIds();
    int in = 2 * width;
    if (n > 0 && !picked) {
      Attention.transposeKeys(w.keys, 0, n, 1, width, scale / heads, w.keysT, 0);
      Dense.gemm(meanWeights, 0, heads, 1, heads, w.bias, 0, n, n, null, 0, w.meanBias, 0, n, false);
    }
    for (int c0 = 0; c0 < count; c0 += w.block) {
      int b = Math.min(w.block, count - c0);
      for (int t = 0; t < b; t++) {
        emb.embed(items[c0 + t], cates[c0 + t], w.mlpIn, t * in + width);
      }
      if (n == 0) {
        for (int t = 0; t < b; t++) {
          Arrays.fill(w.mlpIn, t * in, t * in + width, 0f);
        }
      } else {
        Dense.gemm(w.mlpIn, width, in, b, width, qT, 0, width, width, null, 0, w.q, 0, width, false);
        if (picked) {
          Attention.targetAttentionGathered(w.q, 0, b, w.keys, 0, w.values, 0, n, w.gather, c0 * topk, topk,
              w.pickCounts, c0, heads, dk, dk, scale, w.bias, 0, 0, n, w.pooled, 0, w.gatherScratch, 0);
        } else {
          Dense.gemm(w.q, 0, width, b, width, w.keysT, 0, n, n, w.meanBias, 0, w.relevance, 0, n, false);
          int m = TopK.topKRows(w.relevance, 0, b, n, topk, w.topValues, 0, w.topIndex, 0);
          Attention.targetAttentionGathered(w.q, 0, b, w.keys, 0, w.values, 0, n, w.topIndex, 0, m, null, 0,
              heads, dk, dk, scale, w.bias, 0, 0, n, w.pooled, 0, w.gatherScratch, 0);
        }
        Dense.gemm(w.pooled, 0, width, b, width, outT, 0, width, width, null, 0, w.mlpIn, 0, in, false);
      }
      mlp.forward(w.mlpIn, 0, b, logits, logitsOff + c0, w.mlpScratch);
    }
  }

  /**
   * The ESU's attention for each candidate over the {@code n} prepared rows (as {@link #score}
   * prepares them), into {@code weights [count x n]}: the CP-GSU picks the same top-k rows as the
   * scoring path (the same relevance GEMM and {@link TopK#topKRows}), and each picked row gets the
   * mean over heads of its per-head softmax weight ({@link Attention#targetScores} on the picked
   * logits), unpicked rows 0, so a row sums to 1. Allocates; for explanation, not for serving.
   */
  void attention(Work w, int n, Candidates candidates, float[] weights) {
    int count = candidates.count();
    int[] items = candidates.itemIds();
    int[] cates = candidates.categoryIds();
    int in = 2 * width;
    Attention.transposeKeys(w.keys, 0, n, 1, width, scale / heads, w.keysT, 0);
    Dense.gemm(meanWeights, 0, heads, 1, heads, w.bias, 0, n, n, null, 0, w.meanBias, 0, n, false);
    float[] logits = new float[heads * n];
    float[] scratch = new float[Attention.targetScoresScratchSize(1, n, heads, dk)];
    for (int c0 = 0; c0 < count; c0 += w.block) {
      int b = Math.min(w.block, count - c0);
      for (int t = 0; t < b; t++) {
        emb.embed(items[c0 + t], cates[c0 + t], w.mlpIn, t * in + width);
      }
      Dense.gemm(w.mlpIn, width, in, b, width, qT, 0, width, width, null, 0, w.q, 0, width, false);
      Dense.gemm(w.q, 0, width, b, width, w.keysT, 0, n, n, w.meanBias, 0, w.relevance, 0, n, false);
      int m = TopK.topKRows(w.relevance, 0, b, n, topk, w.topValues, 0, w.topIndex, 0);
      for (int t = 0; t < b; t++) {
        Attention.targetScores(w.q, t * width, 1, w.keys, 0, n, n, heads, dk, scale, w.bias, 0, 0, n, false,
            logits, 0, scratch, 0);
        int row = (c0 + t) * n;
        for (int h = 0; h < heads; h++) {
          float max = Float.NEGATIVE_INFINITY;
          for (int i = 0; i < m; i++) {
            max = Math.max(max, logits[h * n + w.topIndex[t * m + i]]);
          }
          double sum = 0;
          for (int i = 0; i < m; i++) {
            sum += Math.exp(logits[h * n + w.topIndex[t * m + i]] - max);
          }
          for (int i = 0; i < m; i++) {
            int l = w.topIndex[t * m + i];
            weights[row + l] += (float) (Math.exp(logits[h * n + l] - max) / sum / heads);
          }
        }
      }
    }
  }

  /**
   * The distinct rows of the picks in {@code w.picks} / {@code w.pickCounts} ({@code count}
   * candidates, {@link #topk} slots each, relative to the kept window): {@code w.pickSet.slots()[0 .. rows)}
   * receives each distinct slot once, in order of first appearance, and {@code w.gather} the row of
   * every pick. Returns the number of rows. O(picks): the slot-to-row map is reset afterwards.
   */
  int distinctPicks(Work w, int count) {
    return w.pickSet.collect(w.picks, w.pickCounts, count, topk, maxLen, w.gather);
  }

  /**
   * The ESU alone over given picks: {@code w.keys}, {@code w.values} and the {@code [H x rows]}
   * {@code w.bias} hold the picked behaviours' rows, {@code w.gather} / {@code w.pickCounts} each
   * candidate's rows ({@link #distinctPicks}). Per block of candidates:
   * {@code o_h = sum_j softmax_j((q W^q)_h . k_{r_j,h} / sqrt(d_k) + bias[h, r_j]) v_{r_j,h}}
   * ({@link Attention#targetAttentionGathered}), then {@code W^o} and the MLP on {@code [o; q]} as in
   * {@link #score}. A candidate without picks gets {@code o = 0}, the empty-history logit.
   */
  void scoreGathered(Work w, int rows, Candidates candidates, float[] logits, int logitsOff) {
    run(w, rows, true, candidates, logits, logitsOff);
  }

  /** Per-thread scratch, sized for {@code maxLen} behaviours; candidates go through in blocks. */
  static final class Work extends SequentialModel.Workspace {
    final TwinCore core;
    final int block;
    final float[] keys;
    final float[] values;
    final float[] tmp;
    final float[] embItem;
    final float[] embCate;
    final float[] bias;
    final float[] extra;
    final float[] extraT;
    final float[] q;
    final float[] mlpIn;
    final float[] meanBias;
    final float[] keysT;
    final float[] relevance;
    final float[] topValues;
    final int[] topIndex;
    final float[] pooled;
    final float[] mlpScratch;
    // ESU over given picks (Twin#scoreSelected): grown with the candidate count
    final PickSet pickSet;
    final float[] gatherScratch;
    int[] picks = new int[0];
    int[] pickCounts = new int[0];
    int[] gather = new int[0];

    Work(SequentialModel owner, TwinCore core, int extraColumns) {
      super(owner);
      this.core = core;
      this.pickSet = new PickSet(core.maxLen);
      int l = core.maxLen;
      int w = core.width;
      int h = core.heads;
      this.block = Math.max(1, Math.min(MAX_BLOCK, SCORE_BUDGET / l));
      this.keys = new float[l * w];
      this.values = new float[l * w];
      this.tmp = new float[l * w];
      this.embItem = new float[l * core.dItem];
      this.embCate = new float[l * core.dCate];
      this.bias = new float[h * l];
      this.extra = new float[l * Math.max(1, extraColumns)];
      this.extraT = new float[l * Math.max(1, extraColumns)];
      this.q = new float[block * w];
      this.mlpIn = new float[block * 2 * w];
      this.meanBias = new float[l];
      this.keysT = new float[w * l];
      this.relevance = new float[block * l];
      this.topValues = new float[block * core.topk];
      this.topIndex = new int[block * core.topk];
      this.pooled = new float[block * w];
      this.mlpScratch = new float[core.mlp.scratchSize(block)];
      this.gatherScratch = new float[Math.max(1, Attention.targetAttentionGatheredScratchSize(block, core.topk, h))];
    }

    /** Room for the picks of {@code count} candidates (grows, never shrinks). */
    void ensurePicks(int count) {
      if (count > pickCounts.length) {
        picks = new int[count * core.topk];
        gather = new int[count * core.topk];
        pickCounts = new int[count];
      }
    }
  }
}
