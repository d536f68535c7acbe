package io.github.seqrec.models.transformer;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.models.layers.KvCache;
import io.github.seqrec.models.layers.Mlp;
import io.github.seqrec.models.layers.TransformerBlock;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.Arrays;

/**
 * TransAct (golden/models/transact.py, pinterest/transformer_user_action): per candidate, the
 * latest {@code seqLen} actions newest first and padded to {@code seqLen}, tokens
 * {@code [E_act[lookup[a+1]]; E_item[i]; E_item[candidate]]}, a bidirectional post-LN ReLU
 * encoder with the official key mask ({@code -inf} for padding actions and actions after the
 * request, slot 0 never masked), features {@code [out_linear(max over all slots); the first
 * latestN outputs]} and seqrec's head {@code MLP([features; E_item[candidate]])}. The padded
 * slots are real tokens (the max-pool is unmasked), so every candidate runs {@code seqLen} rows.
 *
 * <p>Early fusion makes the encoder per candidate, but the first layer's projection is linear in
 * the token: {@code W [seq_t; c] + b = (W_seq seq_t + b) + W_cand c}. The history part is
 * projected once per request and the candidate part once per candidate
 * ({@link TransformerBlock#forwardSplitProjection}), which removes the first layer's QKV GEMM, a
 * fifth of the FLOPs, from the per-candidate work; the result differs from the one-GEMM form by
 * float rounding only.
 * Immutable and thread-safe.
 */
final class TransActCore {
  final int nItems;
  final int nActions;
  final int dAction;
  final int dItem;
  final int seqLen;
  final int latestN;
  final int d;
  private final float[] itemTable;
  private final long[] lookup;
  private final float[] actionTable;
  private final TransformerBlock[] blocks;
  private final PackedLinear firstSeqProjection;   // layer 0's in_proj columns of [action; item], with its bias
  private final PackedLinear firstCandProjection;  // layer 0's in_proj columns of the candidate, no bias
  private final PackedLinear outLinear;
  private final Mlp head;

  private TransActCore(int nItems, int nActions, int dAction, int dItem, int seqLen, int latestN, float[] itemTable,
                       long[] lookup, float[] actionTable, TransformerBlock[] blocks, PackedLinear firstSeqProjection,
                       PackedLinear firstCandProjection, PackedLinear outLinear, Mlp head) {
    this.nItems = nItems;
    this.nActions = nActions;
    this.dAction = dAction;
    this.dItem = dItem;
    this.seqLen = seqLen;
    this.latestN = latestN;
    this.d = dAction + 2 * dItem;
    this.itemTable = itemTable;
    this.lookup = lookup;
    this.actionTable = actionTable;
    this.blocks = blocks;
    this.firstSeqProjection = firstSeqProjection;
    this.firstCandProjection = firstCandProjection;
    this.outLinear = outLinear;
    this.head = head;
  }

  static TransActCore load(SafeTensors st, int nItems, int nActions, int dAction, int dItem, int seqLen, int latestN,
                           int numLayers, int heads, int ffn, int headHidden, float eps) throws IOException {
    int d = dAction + 2 * dItem;
    TransformerBlock[] blocks = new TransformerBlock[numLayers];
    for (int i = 0; i < numLayers; i++) {
      blocks[i] = TransformerBlock.loadTorchEncoderLayer(st, "transformer_encoder.layers." + i, d, heads, ffn,
          TransformerBlock.NormPlacement.POST, TransformerBlock.FeedForward.RELU, eps);
    }
    long[] lookup = st.longs("action_type_lookup", 100);
    for (int a = 0; a < nActions; a++) {
      if (lookup[a + 1] < 0 || lookup[a + 1] >= nActions) {
        throw new IllegalArgumentException("action_type_lookup[" + (a + 1) + "] must be in [0, " + nActions
            + "), got " + lookup[a + 1]);
      }
    }
    // layer 0's in_proj [3d, d] split by input columns: [0, dAction + dItem) the history token,
    // the rest the candidate
    float[] inProj = st.floats("transformer_encoder.layers.0.self_attn.in_proj_weight", 3 * d, d);
    int sw = dAction + dItem;
    float[] seqPart = new float[3 * d * sw];
    float[] candPart = new float[3 * d * dItem];
    for (int o = 0; o < 3 * d; o++) {
      System.arraycopy(inProj, o * d, seqPart, o * sw, sw);
      System.arraycopy(inProj, o * d + sw, candPart, o * dItem, dItem);
    }
    PackedLinear firstSeq = Dense.pack(seqPart, st.floats("transformer_encoder.layers.0.self_attn.in_proj_bias", 3 * d),
        3 * d, sw);
    PackedLinear firstCand = Dense.pack(candPart, null, 3 * d, dItem);
    return new TransActCore(nItems, nActions, dAction, dItem, seqLen, latestN,
        st.floats("item_emb.weight", nItems + 1, dItem), lookup, st.floats("action_emb_module.weight", nActions, dAction),
        blocks, firstSeq, firstCand, Mlp.linear(st, "out_linear", d, d),
        Mlp.load(st, "head", d + latestN * d + dItem, new int[] {headHidden}, "relu", 1, 0f));
  }

  int featureWidth() {
    return d + latestN * d;
  }

  /** Per-thread scratch. */
  final class Scratch {
    final float[] seq = new float[seqLen * (dAction + dItem)];    // the candidate-independent token part
    final float[] keyBias = new float[seqLen * seqLen];
    final float[] x = new float[seqLen * d];
    final float[] features = new float[featureWidth() + dItem];
    final float[] pooled = new float[d];
    final float[] logit = new float[1];
    final float[] seqProjection = new float[seqLen * 3 * d];   // layer 0: W_seq seq_t + b, once per request
    final float[] candProjection = new float[3 * d];           // layer 0: W_cand c, once per candidate
    final float[] block = new float[blocks[0].scratchSize(seqLen, seqLen)];
    final float[] head = new float[TransActCore.this.head.scratchSize(1)];
    final KvCache cache = new KvCache(blocks.length, seqLen, d, d, false);
  }

  /**
   * Logits of {@code candidates[candOff .. + count)} for the window {@code [first, first + len)}
   * (oldest first; the latest {@code seqLen} are used) at {@code requestTime}.
   */
  void score(int[] items, int[] actions, long[] times, int first, int len, long requestTime, int[] candidates,
             int candOff, int count, Scratch s, float[] logits, int logitsOff) {
    int kept = Math.min(len, seqLen);
    int sw = dAction + dItem;
    Arrays.fill(s.seq, 0f);
    // token t = the (len-1-t)-th action; padding tokens keep zero action and item vectors
    for (int t = 0; t < seqLen; t++) {
      boolean mask;
      if (t < kept) {
        int slot = first + len - 1 - t;
        int mapped = (int) lookup[actions[slot] + 1];
        System.arraycopy(actionTable, mapped * dAction, s.seq, t * sw, dAction);
        System.arraycopy(itemTable, items[slot] * dItem, s.seq, t * sw + dAction, dItem);
        mask = mapped <= 0 || requestTime - times[slot] < 0;
      } else {
        System.arraycopy(actionTable, (int) lookup[1] * dAction, s.seq, t * sw, dAction);
        mask = lookup[1] <= 0;
      }
      float bias = t != 0 && mask ? Float.NEGATIVE_INFINITY : 0f;
      for (int i = 0; i < seqLen; i++) {
        s.keyBias[i * seqLen + t] = bias;
      }
    }
    float[] x = s.x;
    int fw = featureWidth();
    Dense.linear(s.seq, 0, seqLen, firstSeqProjection, s.seqProjection, 0, false);
    for (int c = 0; c < count; c++) {
      int cand = candidates[candOff + c];
      for (int t = 0; t < seqLen; t++) {
        System.arraycopy(s.seq, t * sw, x, t * d, sw);
        System.arraycopy(itemTable, cand * dItem, x, t * d + sw, dItem);
      }
      Dense.linear(itemTable, cand * dItem, 1, firstCandProjection, s.candProjection, 0, false);
      blocks[0].forwardSplitProjection(x, 0, seqLen, s.seqProjection, 0, s.candProjection, 0, seqLen, s.keyBias,
          s.cache, 0, s.block, 0);
      for (int l = 1; l < blocks.length; l++) {
        blocks[l].forward(x, 0, 0, seqLen, false, seqLen, s.keyBias, s.cache, l, null, 0, 0L, s.block, 0);
      }
      float[] f = s.features;
      // max over every slot (unmasked, as the official code), then out_linear; the latest N outputs
      for (int k = 0; k < d; k++) {
        float m = x[k];
        for (int t = 1; t < seqLen; t++) {
          m = Math.max(m, x[t * d + k]);
        }
        s.pooled[k] = m;
      }
      Dense.linear(s.pooled, 0, 1, outLinear, f, 0, false);
      System.arraycopy(x, 0, f, d, latestN * d);
      System.arraycopy(itemTable, cand * dItem, f, fw, dItem);
      head.forward(f, 0, 1, s.logit, 0, s.head);
      logits[logitsOff + c] = s.logit[0];
    }
  }
}
