package io.github.seqrec.models.layers;

import io.github.seqrec.kernels.Activations;
import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.Normalization;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * The one transformer encoder block of seqrec's transformer family (SASRec, BERT4Rec, TransAct,
 * PinnerFormer, HSTU), composed from the kernels: {@link Dense} for the fused projections and the
 * feed-forward, {@link Attention#selfAttention} / {@link Attention#targetAttention} for softmax
 * attention, {@link Normalization#layerNorm}, {@link Activations}. The five models differ in the
 * mask, the norm placement, the activation, the biases and the head, which are parameters here,
 * never private copies of attention.
 *
 * <p><b>Softmax blocks</b> ({@code nn.MultiheadAttention} + position-wise FFN; Vaswani et al. eq. 1):
 * <pre>
 *   post-LN (SASRec pmixer, BERT4Rec, TransAct):  x = LN_1(x + MHA(x));      x = LN_2(x + FFN(x))
 *   pre-LN  (PinnerFormer, SASRec norm_first):    x = x + MHA(LN_1(x));      x = x + FFN(LN_2(x))
 *   MHA(y) = W_o [softmax(Q_h K_hᵀ / sqrt(dk) + mask) V_h]_h + b_o,  [Q; K; V] = y W_qkvᵀ + b_qkv (one GEMM)
 *   FFN(y) = W_2 act(W_1 y + b_1) + b_2,  act = ReLU or exact GELU
 * </pre>
 * <b>HSTU blocks</b> (Zhai et al. 2024 eqs. 1-3, research {@code hstu.py}):
 * <pre>
 *   [U, V, Q, K] = SiLU(LN(x) W_uvqk)                          (no bias, LN without affine)
 *   A_ij = SiLU(Q_i . K_j + rab_ij) / N  for j &lt;= i          (pointwise: no softmax)
 *   x = x + W_o (U * LN(A V)) + b_o
 * </pre>
 *
 * <p><b>Rows and the KV cache.</b> {@link #forward} runs the rows {@code [from, to)} of a sequence: it
 * computes their queries, keys and values, writes the keys and values to rows {@code [from, to)} of
 * the layer's {@link KvCache}, and attends over the cache rows {@code [0, to)} (causal: row i sees
 * rows {@code <= i}). With {@code from = 0} this is the full pass; with {@code from = to - 1} it is
 * one incremental decoding step that reads the earlier rows' cached keys and values, so an appended
 * action costs {@code O(L d)} per layer instead of {@code O(L² d)}. Bidirectional blocks run full
 * passes only.
 *
 * <p><b>Memory.</b> Softmax attention is blocked inside the kernel (a panel of 64 query rows x L
 * keys); HSTU's pointwise attention runs in row blocks of {@value #HSTU_ROW_BLOCK} with the bias
 * computed per block from its Toeplitz and log-bucket tables. Neither allocates {@code L x L} per
 * head: scratch is {@code O(block L + L d)}.
 *
 * <p>Immutable and thread-safe; scratch and caches come from the caller.
 */
public final class TransformerBlock {
  /** Where the layer norms sit. */
  public enum NormPlacement { POST, PRE }

  /** The feed-forward activation of a softmax block. */
  public enum FeedForward { RELU, GELU }

  /** Query rows per block of HSTU's pointwise attention (the score panel is this many rows x L). */
  public static final int HSTU_ROW_BLOCK = 64;

  private final boolean hstu;
  private final int d;
  private final int heads;
  private final int dk;
  private final int dv;
  private final NormPlacement placement;
  private final FeedForward activation;
  private final PackedLinear qkv;
  private final PackedLinear out;
  private final PackedLinear ffn1;
  private final PackedLinear ffn2;
  private final float[] norm1Gamma;
  private final float[] norm1Beta;
  private final float[] norm2Gamma;
  private final float[] norm2Beta;
  private final float eps;
  private final float scale;
  private final HstuRelativeBias rab;

  private TransformerBlock(boolean hstu, int d, int heads, int dk, int dv, NormPlacement placement,
                           FeedForward activation, PackedLinear qkv, PackedLinear out, PackedLinear ffn1,
                           PackedLinear ffn2, float[] norm1Gamma, float[] norm1Beta, float[] norm2Gamma,
                           float[] norm2Beta, float eps, HstuRelativeBias rab) {
    this.hstu = hstu;
    this.d = d;
    this.heads = heads;
    this.dk = dk;
    this.dv = dv;
    this.placement = placement;
    this.activation = activation;
    this.qkv = qkv;
    this.out = out;
    this.ffn1 = ffn1;
    this.ffn2 = ffn2;
    this.norm1Gamma = norm1Gamma;
    this.norm1Beta = norm1Beta;
    this.norm2Gamma = norm2Gamma;
    this.norm2Beta = norm2Beta;
    this.eps = eps;
    this.scale = (float) (1.0 / Math.sqrt(dk));
    this.rab = rab;
  }

  // ---------------------------------------------------------------------------------------------
  // Loading

  /**
   * A softmax block from its parts: {@code inProjWeight [3d, d]} (rows W_q, W_k, W_v, heads as
   * consecutive {@code d/H}-row blocks, the {@code nn.MultiheadAttention} layout) and bias,
   * {@code outProj [d, d]}, the two norms' gains and shifts, {@code W_1 [ffn, d]}, {@code W_2 [d, ffn]}.
   */
  public static TransformerBlock softmax(int d, int heads, NormPlacement placement, FeedForward activation,
                                         float[] inProjWeight, float[] inProjBias, float[] outWeight, float[] outBias,
                                         float[] norm1Gamma, float[] norm1Beta, float[] norm2Gamma, float[] norm2Beta,
                                         int ffnWidth, float[] w1, float[] b1, float[] w2, float[] b2, float eps) {
    if (d < 1 || heads < 1 || d % heads != 0) {
      throw new IllegalArgumentException("d must be a positive multiple of heads, got d = " + d + ", heads = " + heads);
    }
    int dh = d / heads;
    return new TransformerBlock(false, d, heads, dh, dh, placement, activation,
        Dense.pack(inProjWeight, inProjBias, 3 * d, d), Dense.pack(outWeight, outBias, d, d),
        Dense.pack(w1, b1, ffnWidth, d), Dense.pack(w2, b2, d, ffnWidth),
        vector("norm1 gain", norm1Gamma, d), vector("norm1 shift", norm1Beta, d),
        vector("norm2 gain", norm2Gamma, d), vector("norm2 shift", norm2Beta, d), eps, null);
  }

  /**
   * A PyTorch {@code nn.TransformerEncoderLayer} at {@code prefix} ({@code self_attn.in_proj_weight},
   * {@code self_attn.in_proj_bias}, {@code self_attn.out_proj.*}, {@code linear1.*}, {@code linear2.*},
   * {@code norm1.*}, {@code norm2.*}): BERT4Rec, TransAct, PinnerFormer.
   */
  public static TransformerBlock loadTorchEncoderLayer(SafeTensors st, String prefix, int d, int heads, int ffnWidth,
                                                       NormPlacement placement, FeedForward activation, float eps)
      throws IOException {
    return softmax(d, heads, placement, activation,
        st.floats(prefix + ".self_attn.in_proj_weight", 3 * d, d), st.floats(prefix + ".self_attn.in_proj_bias", 3 * d),
        st.floats(prefix + ".self_attn.out_proj.weight", d, d), st.floats(prefix + ".self_attn.out_proj.bias", d),
        st.floats(prefix + ".norm1.weight", d), st.floats(prefix + ".norm1.bias", d),
        st.floats(prefix + ".norm2.weight", d), st.floats(prefix + ".norm2.bias", d),
        ffnWidth, st.floats(prefix + ".linear1.weight", ffnWidth, d), st.floats(prefix + ".linear1.bias", ffnWidth),
        st.floats(prefix + ".linear2.weight", d, ffnWidth), st.floats(prefix + ".linear2.bias", d), eps);
  }

  /**
   * An HSTU layer: {@code uvqk [d, 2 H dv + 2 H dqk]} as stored (used as {@code x @ W}), the output
   * projection {@code W_o [d, H dv]} and bias, and the layer's relative bias.
   */
  public static TransformerBlock hstu(int d, int heads, int dqk, int dv, float[] uvqk, float[] outWeight,
                                      float[] outBias, HstuRelativeBias rab, float eps) {
    int width = 2 * heads * dv + 2 * heads * dqk;
    if (uvqk == null || uvqk.length != (long) d * width) {
      throw new IllegalArgumentException("uvqk must be d x (2 H dv + 2 H dqk) = " + d + " x " + width + " floats, got "
          + (uvqk == null ? "null" : uvqk.length));
    }
    float[] linearLayout = new float[width * d];     // nn.Linear layout [out, in] for Dense.pack
    for (int i = 0; i < d; i++) {
      for (int o = 0; o < width; o++) {
        linearLayout[o * d + i] = uvqk[i * width + o];
      }
    }
    return new TransformerBlock(true, d, heads, dqk, dv, NormPlacement.PRE, null,
        Dense.pack(linearLayout, null, width, d), Dense.pack(outWeight, outBias, d, heads * dv),
        null, null, null, null, null, null, eps, rab);
  }

  private static float[] vector(String what, float[] v, int n) {
    if (v == null || v.length != n) {
      throw new IllegalArgumentException(what + " must have " + n + " floats, got " + (v == null ? "null" : v.length));
    }
    return v;
  }

  // ---------------------------------------------------------------------------------------------
  // Shape

  public int width() {
    return d;
  }

  public int heads() {
    return heads;
  }

  public int keyWidth() {
    return heads * dk;
  }

  public int valueWidth() {
    return heads * dv;
  }

  public boolean isHstu() {
    return hstu;
  }

  private int qkvWidth() {
    return qkv.outFeatures();
  }

  /** Floats of scratch a {@link #forward} of at most {@code rows} rows over at most {@code keys} keys needs. */
  public int scratchSize(int rows, int keys) {
    long n = (long) rows * qkvWidth() + (long) rows * heads * dv + (long) rows * d;
    if (hstu) {
      n += 2L * Math.min(HSTU_ROW_BLOCK, rows) * keys;
    } else {
      n += (long) rows * ffn1.outFeatures();
      n += Math.max(Attention.selfAttentionScratchSize(keys, heads, dk),
          Attention.targetAttentionScratchSize(1, keys, heads, dk));
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("block scratch of " + n + " floats for " + rows + " rows x " + keys + " keys");
    }
    return (int) n;
  }

  // ---------------------------------------------------------------------------------------------
  // Forward

  /**
   * Runs rows {@code [from, to)} through the block, in place.
   *
   * @param x       the rows' inputs, {@code (to - from) x d} at {@code xOff}; overwritten with the outputs
   * @param causal  row i attends rows {@code <= i} (else every valid row; then {@code from} must be 0)
   * @param valid   keys {@code [0, valid)} are attended ({@code <= to}; a causal pass uses {@code to})
   * @param keyBias additive {@code to x to} score bias shared by the heads, or null (TransAct's
   *                {@code -inf} key mask); softmax blocks with {@code from = 0} only
   * @param cache   this layer's keys and values: rows {@code < from} are read, {@code [from, to)} written
   * @param layer   the layer index in {@code cache}
   * @param times   HSTU only: {@code times[timesOff + i]} = {@code t_i} for {@code i < to}
   * @param nextOfLast HSTU only: {@code t_to}, the time after row {@code to - 1} (the next action's
   *                time, or the request time when row {@code to - 1} is the most recent action)
   */
  public void forward(float[] x, int xOff, int from, int to, boolean causal, int valid, float[] keyBias,
                      KvCache cache, int layer, long[] times, int timesOff, long nextOfLast,
                      float[] scratch, int scratchOff) {
    forward(x, xOff, from, to, from, causal, valid, keyBias, cache, layer, times, timesOff, nextOfLast, scratch,
        scratchOff);
  }

  /**
   * {@link #forward(float[], int, int, int, boolean, int, float[], KvCache, int, long[], int, long, float[], int)}
   * where only rows {@code [queryFrom, to)} need outputs (the last layer of an encoder read at its
   * last position): keys and values are still computed and cached for every row of
   * {@code [from, to)}, but attention, the output projection and the feed-forward run for the
   * query rows only. Their outputs land at {@code x[xOff + (queryFrom - from) d ..]}; the other
   * rows of {@code x} are left as they were (the pre-LN input of a later row is not needed).
   */
  public void forward(float[] x, int xOff, int from, int to, int queryFrom, boolean causal, int valid,
                      float[] keyBias, KvCache cache, int layer, long[] times, int timesOff, long nextOfLast,
                      float[] scratch, int scratchOff) {
    checkPass(from, to, queryFrom, causal, valid, cache, layer);
    int rows = to - from;
    int qkvBuf = scratchOff;
    int att = qkvBuf + rows * qkvWidth();
    int tmp = att + rows * heads * dv;
    int rest = tmp + rows * d;
    if (hstu) {
      forwardHstu(x, xOff, from, to, queryFrom, cache, layer, times, timesOff, nextOfLast, scratch, qkvBuf, att, tmp,
          rest);
    } else {
      projectSoftmax(x, xOff, rows, scratch, qkvBuf, tmp);
      attendAndFeedForward(x, xOff, from, to, queryFrom, causal, valid, keyBias, cache, layer, scratch, qkvBuf, att,
          tmp, rest);
    }
  }

  /**
   * A bidirectional pass of a softmax block over rows {@code [0, rows)} whose projection the caller
   * supplies in two parts: {@code [Q | K | V]} of row t = {@code rowTerms[t] + sharedTerm} (row t
   * at {@code rowTermsOff + t * (2 H dk + H dv)}; the bias in either part). TransAct's first layer:
   * token t is {@code [history_t; candidate]}, so {@code W [h_t; c] + b = (W_h h_t + b) + W_c c},
   * the first computed once per request and the second once per candidate. The rest of the block
   * is {@link #forward}'s; {@code x} still holds the rows' inputs (the residual reads them).
   */
  public void forwardSplitProjection(float[] x, int xOff, int rows, float[] rowTerms, int rowTermsOff,
                                     float[] sharedTerm, int sharedOff, int valid, float[] keyBias, KvCache cache,
                                     int layer, float[] scratch, int scratchOff) {
    if (hstu || placement != NormPlacement.POST) {
      throw new IllegalArgumentException("a split projection is defined for post-LN softmax blocks only (their "
          + "projection reads x itself)");
    }
    checkPass(0, rows, 0, false, valid, cache, layer);
    int w = qkvWidth();
    int qkvBuf = scratchOff;
    int att = qkvBuf + rows * w;
    int tmp = att + rows * heads * dv;
    int rest = tmp + rows * d;
    for (int r = 0; r < rows; r++) {
      int dst = qkvBuf + r * w;
      int src = rowTermsOff + r * w;
      for (int j = 0; j < w; j++) {
        scratch[dst + j] = rowTerms[src + j] + sharedTerm[sharedOff + j];
      }
    }
    attendAndFeedForward(x, xOff, 0, rows, 0, false, valid, keyBias, cache, layer, scratch, qkvBuf, att, tmp, rest);
  }

  private void checkPass(int from, int to, int queryFrom, boolean causal, int valid, KvCache cache, int layer) {
    int rows = to - from;
    if (queryFrom < from || queryFrom >= to) {
      throw new IllegalArgumentException("queryFrom must be in [from = " + from + ", to = " + to + "), got " + queryFrom);
    }
    if (from < 0 || rows < 1 || to > cache.capacity) {
      throw new IllegalArgumentException("rows [from, to) must satisfy 0 <= from < to <= cache capacity "
          + cache.capacity + ", got [" + from + ", " + to + ")");
    }
    if (!causal && from != 0) {
      throw new IllegalArgumentException("a bidirectional pass must start at row 0, got from = " + from);
    }
    if (valid < 1 || valid > to) {
      throw new IllegalArgumentException("valid must be in [1, to = " + to + "], got " + valid);
    }
    if (cache.keyWidth != heads * dk || cache.valueWidth != heads * dv || layer < 0 || layer >= cache.layers
        || (hstu && cache.keysTransposed == null)) {
      throw new IllegalArgumentException("cache does not fit this block (key width " + cache.keyWidth + ", value width "
          + cache.valueWidth + ", layers " + cache.layers + ", layer " + layer + ")");
    }
  }

  /** [Q | K | V] = y W_qkvᵀ + b with y = x (post-LN) or LN_1(x) (pre-LN): one GEMM into s[qkvBuf ..]. */
  private void projectSoftmax(float[] x, int xOff, int rows, float[] s, int qkvBuf, int tmp) {
    if (placement == NormPlacement.PRE) {
      Normalization.layerNorm(x, xOff, s, tmp, rows, d, norm1Gamma, norm1Beta, eps);
      Dense.linear(s, tmp, rows, qkv, s, qkvBuf, false);
    } else {
      Dense.linear(x, xOff, rows, qkv, s, qkvBuf, false);
    }
  }

  /** A softmax block after its projection: cache the keys and values, attend, W_o, the norms and the FFN. */
  private void attendAndFeedForward(float[] x, int xOff, int from, int to, int queryFrom, boolean causal, int valid,
                                    float[] keyBias, KvCache cache, int layer, float[] s, int qkvBuf, int att, int tmp,
                                    int rest) {
    int rows = to - from;
    int w = qkvWidth();
    int kw = heads * dk;
    int vw = heads * dv;
    float[] keys = cache.keys[layer];
    float[] values = cache.values[layer];
    float[] keysT = cache.keysTransposed == null ? null : cache.keysTransposed[layer];
    int cap = cache.capacity;
    for (int r = 0; r < rows; r++) {
      System.arraycopy(s, qkvBuf + r * w + kw, keys, (from + r) * kw, kw);
      System.arraycopy(s, qkvBuf + r * w + 2 * kw, values, (from + r) * vw, vw);
      if (keysT != null) {                     // column h dk + c' of K lands at (h dk + c') cap + i, scaled
        for (int c = 0; c < kw; c++) {
          keysT[c * cap + from + r] = scale * s[qkvBuf + r * w + kw + c];
        }
      }
    }
    int q0 = queryFrom - from;                 // first query row within this pass
    int qRows = to - queryFrom;
    int ffnBuf = rest;
    int attScratch = ffnBuf + rows * ffn1.outFeatures();
    if (queryFrom == 0) {
      Attention.selfAttention(s, qkvBuf, w, keys, 0, kw, values, 0, vw, to, valid, heads, dk, dv, causal,
          scale, keyBias, 0, 0, s, att, vw, s, attScratch);
    } else {
      if (keyBias != null) {
        throw new IllegalArgumentException("keyBias is supported when every row is a query (queryFrom = 0) only");
      }
      for (int r = 0; r < qRows; r++) {
        int i = queryFrom + r;
        int seen = causal ? i + 1 : valid;     // causal: row i sees rows 0 .. i
        if (keysT != null) {
          attendTransposed(s, qkvBuf + (q0 + r) * w, keysT, cap, values, seen, s, att + r * vw, attScratch);
        } else {
          Attention.targetAttention(s, qkvBuf + (q0 + r) * w, 1, keys, 0, values, 0, seen, seen, heads, dk, dv,
              scale, null, 0, 0, 0, s, att + r * vw, s, attScratch);
        }
      }
    }
    int xq = xOff + q0 * d;
    // x = LN_1(x + W_o a + b_o) (post) or x + W_o a + b_o (pre): the residual via the GEMM's accumulate
    Dense.linear(s, att, qRows, out, x, xq, true);
    if (placement == NormPlacement.POST) {
      Normalization.layerNorm(x, xq, x, xq, qRows, d, norm1Gamma, norm1Beta, eps);
      Dense.linear(x, xq, qRows, ffn1, s, ffnBuf, false);
    } else {
      Normalization.layerNorm(x, xq, s, tmp, qRows, d, norm2Gamma, norm2Beta, eps);
      Dense.linear(s, tmp, qRows, ffn1, s, ffnBuf, false);
    }
    int n = qRows * ffn1.outFeatures();
    if (activation == FeedForward.RELU) {
      Activations.relu(s, ffnBuf, s, ffnBuf, n);
    } else {
      Activations.gelu(s, ffnBuf, s, ffnBuf, n);
    }
    Dense.linear(s, ffnBuf, qRows, ffn2, x, xq, true);
    if (placement == NormPlacement.POST) {
      Normalization.layerNorm(x, xq, x, xq, qRows, d, norm2Gamma, norm2Beta, eps);
    }
  }

  /**
   * One query row's softmax attention over the first {@code seen} cached rows, reading the cache's
   * scaled transposed keys: per head, {@code softmax(q_h (s K_h)ᵀ) V_h} as the target-attention
   * kernel computes it after its own transpose (the same GEMM, softmax and pooling GEMM).
   */
  private void attendTransposed(float[] q, int qOff, float[] keysT, int cap, float[] values, int seen, float[] out,
                                int outOff, int panel) {
    int vw = heads * dv;
    for (int h = 0; h < heads; h++) {
      Dense.gemm(q, qOff + h * dk, heads * dk, 1, dk, keysT, h * dk * cap, cap, seen, null, 0, q, panel, seen, false);
      Activations.softmax(q, panel, q, panel, seen, seen);
      Dense.gemm(q, panel, seen, 1, seen, values, h * dv, vw, dv, null, 0, out, outOff + h * dv, vw, false);
    }
  }

  private void forwardHstu(float[] x, int xOff, int from, int to, int queryFrom, KvCache cache, int layer,
                           long[] times, int timesOff, long nextOfLast, float[] s, int qkvBuf, int att, int tmp,
                           int rest) {
    if (times == null || timesOff < 0 || timesOff + (long) to > times.length) {
      throw new IllegalArgumentException("times must hold " + to + " timestamps from " + timesOff + ", got "
          + (times == null ? "null" : times.length));
    }
    int rows = to - from;
    int w = qkvWidth();
    int uw = heads * dv;
    int qCol = 2 * uw;
    int kCol = qCol + heads * dk;
    int kw = heads * dk;
    int cap = cache.capacity;
    // [U, V, Q, K] = SiLU(LN(x) W_uvqk)
    Normalization.layerNorm(x, xOff, s, tmp, rows, d, null, null, eps);
    Dense.linear(s, tmp, rows, qkv, s, qkvBuf, false);
    Activations.silu(s, qkvBuf, s, qkvBuf, rows * w);
    float[] keys = cache.keys[layer];
    float[] keysT = cache.keysTransposed[layer];
    float[] values = cache.values[layer];
    for (int r = 0; r < rows; r++) {
      int i = from + r;
      System.arraycopy(s, qkvBuf + r * w + kCol, keys, i * kw, kw);
      System.arraycopy(s, qkvBuf + r * w + uw, values, i * uw, uw);
      for (int c = 0; c < kw; c++) {          // head h, column c' = c - h dk lands at (h dk + c') cap + i
        keysT[c * cap + i] = s[qkvBuf + r * w + kCol + c];
      }
    }
    int panel = rest;
    int biasPanel = panel + Math.min(HSTU_ROW_BLOCK, rows) * to;
    float invN = 1f / rab.n;
    int q0 = queryFrom - from;
    int qRows = to - queryFrom;
    for (int i0 = queryFrom; i0 < to; i0 += HSTU_ROW_BLOCK) {
      int rb = Math.min(HSTU_ROW_BLOCK, to - i0);
      int n = i0 + rb;                           // keys this block's rows may see
      for (int r = 0; r < rb; r++) {
        int i = i0 + r;
        long next = i + 1 < to ? times[timesOff + i + 1] : nextOfLast;
        rab.row(i, next, times, timesOff, n, s, biasPanel + r * n);
      }
      for (int h = 0; h < heads; h++) {
        // S = Q_h K_hᵀ over the block's rows and keys [0, n), from the transposed key cache
        Dense.gemm(s, qkvBuf + (i0 - from) * w + qCol + h * dk, w, rb, dk, keysT, h * dk * cap, cap, n,
            null, 0, s, panel, n, false);
        for (int e = 0, len = rb * n; e < len; e++) {
          s[panel + e] += s[biasPanel + e];
        }
        Activations.silu(s, panel, s, panel, rb * n);
        for (int r = 0; r < rb; r++) {
          int row = panel + r * n;
          int last = i0 + r;                     // causal: keys j <= i, A_ij = SiLU(S_ij) / N
          for (int j = 0; j <= last; j++) {
            s[row + j] *= invN;
          }
          java.util.Arrays.fill(s, row + last + 1, row + n, 0f);
        }
        Dense.gemm(s, panel, n, rb, n, values, h * dv, uw, dv, null, 0, s, att + (i0 - queryFrom) * uw + h * dv, uw,
            false);
      }
    }
    // y = U * LN(A V);  x = x + W_o y + b_o
    Normalization.layerNorm(s, att, s, att, qRows, uw, null, null, eps);
    for (int r = 0; r < qRows; r++) {
      int a = att + r * uw;
      int u = qkvBuf + (q0 + r) * w;
      for (int c = 0; c < uw; c++) {
        s[a + c] *= s[u + c];
      }
    }
    Dense.linear(s, att, qRows, out, x, xOff + q0 * d, true);
  }
}
