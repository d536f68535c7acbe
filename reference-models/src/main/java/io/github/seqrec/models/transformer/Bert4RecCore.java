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

/**
 * BERT4Rec's encoder (golden/models/bert4rec.py, FeiSun/BERT4Rec): the history with [MASK]
 * appended, {@code h = LN(E + P + T[0])}, bidirectional post-LN {@link TransformerBlock}s with
 * erf GELU, and the output head {@code z = LN(GELU(W_t h[len] + b_t))} read at the [MASK] slot;
 * scores {@code z . E[i] + b_out[i]} over the tied item table. Immutable and thread-safe.
 */
final class Bert4RecCore {
  final int nItems;
  final int d;
  final int maxLen;                 // positions, [MASK] included: at most maxLen - 1 history actions
  final int maskId;
  final float[] itemTable;          // (nItems + 2) x d
  final float[] outBias;            // nItems + 2
  private final float[] posTable;
  private final float[] typeRow;
  private final float[] embGamma;
  private final float[] embBeta;
  private final TransformerBlock[] blocks;
  private final PackedLinear outDense;
  private final float[] outGamma;
  private final float[] outBeta;
  private final float eps;

  private Bert4RecCore(int nItems, int d, int maxLen, float[] itemTable, float[] outBias, float[] posTable,
                       float[] typeRow, float[] embGamma, float[] embBeta, TransformerBlock[] blocks,
                       PackedLinear outDense, float[] outGamma, float[] outBeta, float eps) {
    this.nItems = nItems;
    this.d = d;
    this.maxLen = maxLen;
    this.maskId = nItems + 1;
    this.itemTable = itemTable;
    this.outBias = outBias;
    this.posTable = posTable;
    this.typeRow = typeRow;
    this.embGamma = embGamma;
    this.embBeta = embBeta;
    this.blocks = blocks;
    this.outDense = outDense;
    this.outGamma = outGamma;
    this.outBeta = outBeta;
    this.eps = eps;
  }

  static Bert4RecCore load(SafeTensors st, int nItems, int d, int numLayers, int heads, int intermediate, int maxLen,
                           float eps) throws IOException {
    TransformerBlock[] blocks = new TransformerBlock[numLayers];
    for (int i = 0; i < numLayers; i++) {
      blocks[i] = TransformerBlock.loadTorchEncoderLayer(st, "encoder.layers." + i, d, heads, intermediate,
          TransformerBlock.NormPlacement.POST, TransformerBlock.FeedForward.GELU, eps);
    }
    return new Bert4RecCore(nItems, d, maxLen, st.floats("item_emb.weight", nItems + 2, d),
        st.floats("out_bias", nItems + 2), st.floats("pos_emb.weight", maxLen, d), st.floats("type_emb.weight", 1, d),
        st.floats("emb_ln.weight", d), st.floats("emb_ln.bias", d), blocks, Mlp.linear(st, "out_dense", d, d),
        st.floats("out_ln.weight", d), st.floats("out_ln.bias", d), eps);
  }

  /** Per-thread scratch. */
  final class Scratch {
    final float[] x = new float[maxLen * d];
    final float[] head = new float[d];
    final float[] block = new float[blocks[0].scratchSize(maxLen, maxLen)];
    final KvCache cache = new KvCache(blocks.length, maxLen, d, d, false);
  }

  /** {@code z} for the window {@code items[first .. first + len)}, {@code len <= maxLen - 1}. */
  void encode(int[] items, int first, int len, Scratch s, float[] out, int outOff) {
    int rows = len + 1;
    float[] x = s.x;
    for (int r = 0; r < rows; r++) {
      int token = r < len ? items[first + r] : maskId;
      int e = token * d;
      int p = r * d;
      int o = r * d;
      for (int c = 0; c < d; c++) {
        x[o + c] = itemTable[e + c] + posTable[p + c] + typeRow[c];
      }
    }
    Normalization.layerNorm(x, 0, x, 0, rows, d, embGamma, embBeta, eps);
    for (int l = 0; l < blocks.length; l++) {
      int queryFrom = l == blocks.length - 1 ? len : 0;     // the last layer is read at [MASK] only
      blocks[l].forward(x, 0, 0, rows, queryFrom, false, rows, null, s.cache, l, null, 0, 0L, s.block, 0);
    }
    Dense.linear(x, len * d, 1, outDense, s.head, 0, false);
    Activations.gelu(s.head, 0, s.head, 0, d);
    Normalization.layerNorm(s.head, 0, out, outOff, 1, d, outGamma, outBeta, eps);
  }
}
