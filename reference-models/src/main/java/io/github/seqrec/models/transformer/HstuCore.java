package io.github.seqrec.models.transformer;

import io.github.seqrec.kernels.Normalization;
import io.github.seqrec.models.layers.HstuRelativeBias;
import io.github.seqrec.models.layers.KvCache;
import io.github.seqrec.models.layers.TransformerBlock;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;

/**
 * HSTU's encoder (golden/models/hstu.py, research {@code hstu.py}): {@code x = E[s] sqrt(d) + P[slot]},
 * HSTU {@link TransformerBlock}s with their relative bias, L2 normalisation, the user vector at the
 * most recent position, scored against the L2-normalised item table.
 *
 * <p><b>KV cache.</b> The bias of query i reads {@code t_{i+1}}: for the most recent action that is
 * the request time, so its outputs - and the next layer's key and value at that position - are
 * provisional until the next action's time is known. {@link State} therefore keeps rows
 * {@code 0 .. len-2} final; {@link #append} finalises the previous most recent row (one row per
 * layer against the cached keys and values, now with the new action's time), and
 * {@link #userEmbedding(State, long, Scratch, float[], int)} computes the most recent row for the
 * request time (one row per layer). Both equal a full recompute. Immutable and thread-safe.
 */
final class HstuCore {
  final int nItems;
  final int d;
  final int maxLen;
  final int heads;
  final int dqk;
  final int dv;
  final float[] catalogue;          // (nItems + 1) x d, L2-normalised rows (row 0 zero)
  private final float[] itemTable;  // raw E, the input embedding
  private final float[] posTable;   // N x d
  private final TransformerBlock[] blocks;
  private final float l2Eps;
  private final float sqrtD;

  private HstuCore(int nItems, int d, int maxLen, int heads, int dqk, int dv, float[] itemTable, float[] posTable,
                   TransformerBlock[] blocks, float l2Eps) {
    this.nItems = nItems;
    this.d = d;
    this.maxLen = maxLen;
    this.heads = heads;
    this.dqk = dqk;
    this.dv = dv;
    this.itemTable = itemTable;
    this.posTable = posTable;
    this.blocks = blocks;
    this.l2Eps = l2Eps;
    this.sqrtD = (float) Math.sqrt(d);
    this.catalogue = new float[itemTable.length];
    Normalization.l2Normalize(itemTable, 0, catalogue, 0, nItems + 1, d, l2Eps);
  }

  /** Loads the research code's state_dict names (see hstu.py). */
  static HstuCore load(SafeTensors st, int nItems, int d, int numBlocks, int heads, int dqk, int dv, int maxLen,
                       int maxOutputLen, int numBuckets, float lnEps, float l2Eps) throws IOException {
    int n = maxLen + maxOutputLen;
    TransformerBlock[] blocks = new TransformerBlock[numBlocks];
    int width = 2 * heads * dv + 2 * heads * dqk;
    for (int i = 0; i < numBlocks; i++) {
      String p = "_hstu._attention_layers." + i;
      HstuRelativeBias rab = new HstuRelativeBias(n, numBuckets, st.floats(p + "._rel_attn_bias._pos_w", 2 * n - 1),
          st.floats(p + "._rel_attn_bias._ts_w", numBuckets + 1));
      blocks[i] = TransformerBlock.hstu(d, heads, dqk, dv, st.floats(p + "._uvqk", d, width),
          st.floats(p + "._o.weight", d, heads * dv), st.floats(p + "._o.bias", d), rab, lnEps);
    }
    return new HstuCore(nItems, d, maxLen, heads, dqk, dv, st.floats("_embedding_module._item_emb.weight", nItems + 1, d),
        st.floats("_input_features_preproc._pos_emb.weight", n, d), blocks, l2Eps);
  }

  int layers() {
    return blocks.length;
  }

  KvCache newCache() {
    return new KvCache(blocks.length, maxLen, heads * dqk, heads * dv, true);
  }

  /** Per-thread scratch. */
  final class Scratch {
    final float[] x = new float[maxLen * d];
    final float[] block = new float[blocks[0].scratchSize(maxLen, maxLen)];
    final long[] times = new long[maxLen];
    final KvCache cache = newCache();
  }

  private void embed(int item, int slot, float[] x, int off) {
    if (item == 0) {                 // the research code zeroes padding ids: x *= 1[id != 0]
      Arrays.fill(x, off, off + d, 0f);
      return;
    }
    int e = item * d;
    int p = slot * d;
    for (int c = 0; c < d; c++) {
      x[off + c] = itemTable[e + c] * sqrtD + posTable[p + c];
    }
  }

  /** Runs rows {@code [from, to)} (inputs already embedded in {@code x}) through every block. */
  private void run(float[] x, int from, int to, KvCache cache, long[] times, long nextOfLast, Scratch s) {
    for (int l = 0; l < blocks.length; l++) {
      // the last layer needs the most recent row's output only (every row's keys and values are cached)
      int queryFrom = l == blocks.length - 1 ? to - 1 : from;
      blocks[l].forward(x, 0, from, to, queryFrom, true, to, null, cache, l, times, 0, nextOfLast, s.block, 0);
    }
  }

  /**
   * The user vector of the window {@code items/times[first .. first + len)} at {@code requestTime},
   * by a full pass; zeros when len is 0.
   */
  void encode(int[] items, long[] times, int first, int len, long requestTime, Scratch s, float[] out, int outOff) {
    if (len == 0) {
      Arrays.fill(out, outOff, outOff + d, 0f);
      return;
    }
    System.arraycopy(times, first, s.times, 0, len);
    for (int r = 0; r < len; r++) {
      embed(items[first + r], r, s.x, r * d);
    }
    run(s.x, 0, len, s.cache, s.times, requestTime, s);
    Normalization.l2Normalize(s.x, (len - 1) * d, out, outOff, 1, d, l2Eps);
  }

  /** One user's incremental state: the kept window, its KV cache (rows 0 .. length-2 final). */
  static final class State {
    final int[] items;
    final long[] times;
    final KvCache cache;
    int length;

    State(HstuCore core) {
      this.items = new int[core.maxLen];
      this.times = new long[core.maxLen];
      this.cache = core.newCache();
    }
  }

  /**
   * Appends one action at {@code time}: finalises the previous most recent row with
   * {@code t_{i+1}} = time (one row per layer); when the window is full it slides and the kept rows
   * are recomputed.
   */
  void append(State st, int item, long time, Scratch s) {
    if (st.length == maxLen) {
      System.arraycopy(st.items, 1, st.items, 0, maxLen - 1);
      System.arraycopy(st.times, 1, st.times, 0, maxLen - 1);
      st.items[maxLen - 1] = item;
      st.times[maxLen - 1] = time;
      int rows = maxLen - 1;
      for (int r = 0; r < rows; r++) {
        embed(st.items[r], r, s.x, r * d);
      }
      run(s.x, 0, rows, st.cache, st.times, time, s);
      st.cache.setRows(rows);
      return;
    }
    int n = st.length;
    st.items[n] = item;
    st.times[n] = time;
    st.length = n + 1;
    if (n >= 1) {
      embed(st.items[n - 1], n - 1, s.x, 0);
      run(s.x, n - 1, n, st.cache, st.times, time, s);
    }
    st.cache.setRows(n);
  }

  /** The user vector at {@code requestTime}: the most recent row computed against the cache. */
  void userEmbedding(State st, long requestTime, Scratch s, float[] out, int outOff) {
    int len = st.length;
    if (len == 0) {
      Arrays.fill(out, outOff, outOff + d, 0f);
      return;
    }
    embed(st.items[len - 1], len - 1, s.x, 0);
    run(s.x, len - 1, len, st.cache, st.times, requestTime, s);
    Normalization.l2Normalize(s.x, 0, out, outOff, 1, d, l2Eps);
  }
}
