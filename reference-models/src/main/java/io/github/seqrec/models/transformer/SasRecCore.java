package io.github.seqrec.models.transformer;

import io.github.seqrec.kernels.Normalization;
import io.github.seqrec.models.layers.KvCache;
import io.github.seqrec.models.layers.TransformerBlock;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;

/**
 * SASRec's encoder (golden/models/sasrec.py, pmixer/SASRec.pytorch): item and position
 * embeddings, {@code blocks} causal {@link TransformerBlock}s (post-LN by default, pre-LN with
 * {@code normFirst}), the final layer norm, the user vector at the most recent position. Full
 * passes and the incremental KV-cache step share the blocks; the step is exact because with the
 * position anchored at the oldest kept action an appended action changes no earlier position.
 * Immutable and thread-safe; scratch in {@link Scratch}, per-user state in {@link State}.
 */
final class SasRecCore {
  final int nItems;
  final int d;
  final int maxLen;
  final int heads;
  final boolean latestAnchor;
  final float[] itemTable;       // (nItems + 1) x d, row 0 zero: E_item (the catalogue too)
  private final float[] posTable; // (maxLen + 1) x d, row 0 = padding
  private final TransformerBlock[] blocks;
  private final float[] lastGamma;
  private final float[] lastBeta;
  private final float eps;
  private final float embScale;         // sqrt(d) (pmixer) or 1 (RecBole)
  private final float[] embGamma;       // RecBole's input layer norm, or null
  private final float[] embBeta;

  private SasRecCore(int nItems, int d, int maxLen, int heads, boolean latestAnchor, float[] itemTable,
                     float[] posTable, TransformerBlock[] blocks, float[] lastGamma, float[] lastBeta, float eps,
                     boolean scaleBySqrtD, float[] embGamma, float[] embBeta) {
    this.nItems = nItems;
    this.d = d;
    this.maxLen = maxLen;
    this.heads = heads;
    this.latestAnchor = latestAnchor;
    this.itemTable = itemTable;
    this.posTable = posTable;
    this.blocks = blocks;
    this.lastGamma = lastGamma;
    this.lastBeta = lastBeta;
    this.eps = eps;
    this.embScale = scaleBySqrtD ? (float) Math.sqrt(d) : 1f;
    this.embGamma = embGamma;
    this.embBeta = embBeta;
  }

  /**
   * Where a SASRec departs from pmixer's (RecBole's SASRec: no sqrt(d) scaling, a layer norm on
   * the input, no final norm, a GELU feed-forward of width {@code inner_size}).
   *
   * @param scaleBySqrtD item rows times sqrt(d) before the positions are added
   * @param embNorm a layer norm {@code emb_norm.*} on item + position
   * @param finalNorm {@code last_layernorm.*} after the last block
   * @param ffnWidth the feed-forward's inner width
   * @param activation the feed-forward's activation
   */
  record Variant(boolean scaleBySqrtD, boolean embNorm, boolean finalNorm, int ffnWidth,
                 TransformerBlock.FeedForward activation) {
    static Variant pmixer(int d) {
      return new Variant(true, false, true, d, TransformerBlock.FeedForward.RELU);
    }
  }

  /** Loads pmixer's state_dict names (see sasrec.py). */
  static SasRecCore load(SafeTensors st, int nItems, int d, int numBlocks, int heads, int maxLen, boolean normFirst,
                         boolean latestAnchor, float eps, Variant variant) throws IOException {
    TransformerBlock.NormPlacement placement =
        normFirst ? TransformerBlock.NormPlacement.PRE : TransformerBlock.NormPlacement.POST;
    TransformerBlock[] blocks = new TransformerBlock[numBlocks];
    for (int i = 0; i < numBlocks; i++) {
      String att = "attention_layers." + i;
      String ffn = "forward_layers." + i;
      int f = variant.ffnWidth();
      blocks[i] = TransformerBlock.softmax(d, heads, placement, variant.activation(),
          st.floats(att + ".in_proj_weight", 3 * d, d), st.floats(att + ".in_proj_bias", 3 * d),
          st.floats(att + ".out_proj.weight", d, d), st.floats(att + ".out_proj.bias", d),
          st.floats("attention_layernorms." + i + ".weight", d), st.floats("attention_layernorms." + i + ".bias", d),
          st.floats("forward_layernorms." + i + ".weight", d), st.floats("forward_layernorms." + i + ".bias", d),
          f, st.floats(ffn + ".conv1.weight", f, d, 1), st.floats(ffn + ".conv1.bias", f),
          st.floats(ffn + ".conv2.weight", d, f, 1), st.floats(ffn + ".conv2.bias", d), eps);
    }
    return new SasRecCore(nItems, d, maxLen, heads, latestAnchor, st.floats("item_emb.weight", nItems + 1, d),
        st.floats("pos_emb.weight", maxLen + 1, d), blocks,
        variant.finalNorm() ? st.floats("last_layernorm.weight", d) : null,
        variant.finalNorm() ? st.floats("last_layernorm.bias", d) : null, eps, variant.scaleBySqrtD(),
        variant.embNorm() ? st.floats("emb_norm.weight", d) : null,
        variant.embNorm() ? st.floats("emb_norm.bias", d) : null);
  }

  int layers() {
    return blocks.length;
  }

  /** Per-thread scratch: the rows of a full pass, the block scratch and a KV cache for full passes. */
  final class Scratch {
    final float[] x = new float[maxLen * d];
    final float[] block = new float[blocks[0].scratchSize(maxLen, maxLen)];
    final KvCache cache = new KvCache(blocks.length, maxLen, d, d, false);
  }

  /** Position-table row of slot {@code slot} of a kept window of {@code len} actions. */
  private int position(int slot, int len) {
    return latestAnchor ? maxLen - len + 1 + slot : slot + 1;
  }

  private void embed(int item, int pos, float[] x, int off) {
    int e = item * d;
    int p = pos * d;
    for (int c = 0; c < d; c++) {
      x[off + c] = itemTable[e + c] * embScale + posTable[p + c];
    }
    if (embGamma != null) {
      Normalization.layerNorm(x, off, x, off, 1, d, embGamma, embBeta, eps);
    }
  }

  /** The user vector from the most recent row's output: the final norm, or the row itself (RecBole). */
  private void readOut(float[] x, int rowOff, float[] out, int outOff) {
    if (lastGamma != null) {
      Normalization.layerNorm(x, rowOff, out, outOff, 1, d, lastGamma, lastBeta, eps);
    } else {
      System.arraycopy(x, rowOff, out, outOff, d);
    }
  }

  /**
   * The user vector of the window {@code items[first .. first + len)} (oldest first,
   * {@code len <= maxLen}) by a full pass, into {@code out[outOff .. + d)}; zeros when len is 0.
   * Keys and values of every position are left in {@code cache}.
   */
  void encode(int[] items, int first, int len, KvCache cache, Scratch s, float[] out, int outOff) {
    if (len == 0) {
      Arrays.fill(out, outOff, outOff + d, 0f);
      cache.clear();
      return;
    }
    float[] x = s.x;
    for (int r = 0; r < len; r++) {
      embed(items[first + r], position(r, len), x, r * d);
    }
    for (int l = 0; l < blocks.length; l++) {
      // the last layer needs the most recent row's output only (every row's keys and values are cached)
      int queryFrom = l == blocks.length - 1 ? len - 1 : 0;
      blocks[l].forward(x, 0, 0, len, queryFrom, true, len, null, cache, l, null, 0, 0L, s.block, 0);
    }
    cache.setRows(len);
    readOut(x, (len - 1) * d, out, outOff);
  }

  /** One user's incremental state: the kept window's ids, the KV cache, the current user vector. */
  static final class State {
    final int[] items;
    final KvCache cache;
    final float[] user;
    int length;

    State(SasRecCore core) {
      this.items = new int[core.maxLen];
      // keys also kept transposed and scaled, so an appended row's attention reads them as they are
      // instead of transposing the whole window again (two thirds of an append at L = 4096)
      this.cache = new KvCache(core.blocks.length, core.maxLen, core.d, core.d, true);
      this.user = new float[core.d];
    }
  }

  /**
   * Appends one action: with the oldest-anchored positions and room left in the window, one
   * incremental step (one row per block against the cached keys and values); otherwise (the
   * window slides, or pmixer's latest anchor re-positions every action) a full pass over the kept
   * window - exact either way.
   */
  void append(State st, int item, Scratch s) {
    if (st.length == maxLen) {
      System.arraycopy(st.items, 1, st.items, 0, maxLen - 1);
      st.items[maxLen - 1] = item;
      encode(st.items, 0, maxLen, st.cache, s, st.user, 0);
      return;
    }
    int n = st.length;
    st.items[n] = item;
    st.length = n + 1;
    if (latestAnchor) {
      encode(st.items, 0, n + 1, st.cache, s, st.user, 0);
      return;
    }
    float[] x = s.x;
    embed(item, n + 1, x, 0);
    for (int l = 0; l < blocks.length; l++) {
      blocks[l].forward(x, 0, n, n + 1, true, n + 1, null, st.cache, l, null, 0, 0L, s.block, 0);
    }
    st.cache.setRows(n + 1);
    readOut(x, 0, st.user, 0);
  }
}
