package io.github.seqrec.models.transformer;

import io.github.seqrec.kernels.Activations;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.Normalization;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.models.layers.KvCache;
import io.github.seqrec.models.layers.Mlp;
import io.github.seqrec.models.layers.TransformerBlock;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;

/**
 * PinnerFormer's encoder as seqrec defines it (golden/models/pinnerformer.py; no public code):
 * per-action features {@code [E_item; E_act; log1p(gap); sin/cos day; sin/cos week]}, a linear
 * projection plus learned positions, causal pre-LN GELU {@link TransformerBlock}s, the final norm,
 * the MLP head and L2 normalisation; pins embedded by the item tower and L2-normalised once at load
 * (the catalogue). Immutable and thread-safe.
 */
final class PinnerFormerCore {
  static final int TIME_FEATURES = 5;
  static final long DAY = 86_400L;
  static final long WEEK = 604_800L;

  final int nItems;
  final int nActions;
  final int dItem;
  final int dAction;
  final int d;
  final int dOut;
  final int maxLen;
  final float[] catalogue;           // (nItems + 1) x dOut, row 0 zero
  private final float[] itemTable;
  private final float[] actionTable;
  private final PackedLinear inProj;
  private final float[] posTable;
  private final TransformerBlock[] blocks;
  private final float[] finalGamma;
  private final float[] finalBeta;
  private final PackedLinear head1;
  private final PackedLinear head2;
  private final float eps;
  private final float l2Eps;

  private PinnerFormerCore(int nItems, int nActions, int dItem, int dAction, int d, int dOut, int maxLen,
                           float[] itemTable, float[] actionTable, PackedLinear inProj, float[] posTable,
                           TransformerBlock[] blocks, float[] finalGamma, float[] finalBeta, PackedLinear head1,
                           PackedLinear head2, PackedLinear itemTower, float eps, float l2Eps) {
    this.nItems = nItems;
    this.nActions = nActions;
    this.dItem = dItem;
    this.dAction = dAction;
    this.d = d;
    this.dOut = dOut;
    this.maxLen = maxLen;
    this.itemTable = itemTable;
    this.actionTable = actionTable;
    this.inProj = inProj;
    this.posTable = posTable;
    this.blocks = blocks;
    this.finalGamma = finalGamma;
    this.finalBeta = finalBeta;
    this.head1 = head1;
    this.head2 = head2;
    this.eps = eps;
    this.l2Eps = l2Eps;
    this.catalogue = new float[(nItems + 1) * dOut];
    Dense.linear(itemTable, dItem, nItems, itemTower, catalogue, dOut, false);
    Normalization.l2Normalize(catalogue, dOut, catalogue, dOut, nItems, dOut, l2Eps);
  }

  static PinnerFormerCore load(SafeTensors st, int nItems, int nActions, int dItem, int dAction, int d, int numLayers,
                               int heads, int ffn, int dOut, int maxLen, float eps, float l2Eps) throws IOException {
    TransformerBlock[] blocks = new TransformerBlock[numLayers];
    for (int i = 0; i < numLayers; i++) {
      blocks[i] = TransformerBlock.loadTorchEncoderLayer(st, "encoder.layers." + i, d, heads, ffn,
          TransformerBlock.NormPlacement.PRE, TransformerBlock.FeedForward.GELU, eps);
    }
    return new PinnerFormerCore(nItems, nActions, dItem, dAction, d, dOut, maxLen,
        st.floats("item_emb.weight", nItems + 1, dItem), st.floats("action_emb.weight", nActions + 1, dAction),
        Mlp.linear(st, "in_proj", d, dItem + dAction + TIME_FEATURES), st.floats("pos_emb.weight", maxLen, d),
        blocks, st.floats("encoder.norm.weight", d), st.floats("encoder.norm.bias", d),
        Mlp.linear(st, "user_head.0", d, d), Mlp.linear(st, "user_head.2", dOut, d),
        Mlp.linear(st, "item_tower", dOut, dItem), eps, l2Eps);
  }

  /** Per-thread scratch. */
  final class Scratch {
    final float[] features = new float[maxLen * (dItem + dAction + TIME_FEATURES)];
    final float[] x = new float[maxLen * d];
    final float[] head = new float[d + dOut];
    final float[] block = new float[blocks[0].scratchSize(maxLen, maxLen)];
    final KvCache cache = new KvCache(blocks.length, maxLen, d, d, false);
  }

  /** {@code (t mod period) / period} in [0, 1), from the integer remainder (exact for any t). */
  static double phase(long t, long period) {
    return (double) Math.floorMod(t, period) / period;
  }

  /** The user vector of the window {@code [first, first + len)}; zeros when len is 0. */
  void encode(int[] items, int[] actions, long[] times, int first, int len, Scratch s, float[] out, int outOff) {
    if (len == 0) {
      Arrays.fill(out, outOff, outOff + dOut, 0f);
      return;
    }
    int fw = dItem + dAction + TIME_FEATURES;
    float[] f = s.features;
    for (int r = 0; r < len; r++) {
      int o = r * fw;
      System.arraycopy(itemTable, items[first + r] * dItem, f, o, dItem);
      System.arraycopy(actionTable, actions[first + r] * dAction, f, o + dItem, dAction);
      long t = times[first + r];
      long gap = r == 0 ? 0 : Math.max(0, t - times[first + r - 1]);
      int q = o + dItem + dAction;
      f[q] = (float) Math.log1p((double) gap);
      double day = 2 * Math.PI * phase(t, DAY);
      double week = 2 * Math.PI * phase(t, WEEK);
      f[q + 1] = (float) Math.sin(day);
      f[q + 2] = (float) Math.cos(day);
      f[q + 3] = (float) Math.sin(week);
      f[q + 4] = (float) Math.cos(week);
    }
    float[] x = s.x;
    Dense.linear(f, 0, len, inProj, x, 0, false);
    for (int e = 0, n = len * d; e < n; e++) {
      x[e] += posTable[e];
    }
    for (int l = 0; l < blocks.length; l++) {
      int queryFrom = l == blocks.length - 1 ? len - 1 : 0;  // the last layer is read at the latest action only
      blocks[l].forward(x, 0, 0, len, queryFrom, true, len, null, s.cache, l, null, 0, 0L, s.block, 0);
    }
    float[] h = s.head;
    Normalization.layerNorm(x, (len - 1) * d, h, 0, 1, d, finalGamma, finalBeta, eps);
    Dense.linear(h, 0, 1, head1, x, 0, false);
    Activations.gelu(x, 0, x, 0, d);
    Dense.linear(x, 0, 1, head2, h, 0, false);
    Normalization.l2Normalize(h, 0, out, outOff, 1, dOut, l2Eps);
  }
}
