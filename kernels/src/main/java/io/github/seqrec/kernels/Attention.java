package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.AttentionKernels;
import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.KernelProvider;

/**
 * Attention: multi-head scaled dot-product target attention (DIN-style target attention, the ESU of
 * SIM / ETA / TWIN / TWIN-V2, TIM), its two halves (logits or weights, and pooling), a gathered form
 * where each target attends over its own selected behaviours, self-attention (BERT4Rec, SASRec,
 * TransAct), and DIN's MLP activation unit.
 *
 * <p><b>Layout.</b> Row-major {@code float[]} with explicit offsets, like BLAS. Heads are column
 * blocks: a query row is {@code [q_1 .. q_H]} ({@code H dk} wide, head h at column {@code h dk}), a
 * key row {@code H dk} wide, a value row and an output row {@code H dv} wide (the layout of
 * {@code nn.MultiheadAttention}'s projections before the head split, and of FuxiCTR's
 * {@code MultiHeadTargetAttention}). Projections ({@code W_q, W_k, W_v, W_o}) are not part of these
 * kernels: apply them with {@link Dense#linear}.
 *
 * <p><b>Equation</b> (Vaswani et al. 2017 eq. 1, per head h and target t):
 * {@code s_{t,h,j} = scale (q_{t,h} . k_{j,h}) + bias_{t,h,j}},
 * {@code w_{t,h} = softmax_j(s_{t,h,j})} over the attended keys, {@code o_{t,h} = sum_j w_{t,h,j} v_{j,h}}.
 * {@code scale} is usually {@link #defaultScale(int) 1/sqrt(dk)}.
 *
 * <p><b>Masking.</b> A shared history of {@code L} rows is attended over its first {@code valid}
 * rows (key padding at the end); rows at or past {@code valid} are never read. A target with no key
 * to attend ({@code valid = 0}, an empty history) gets a zero output row, never NaN — seqrec's
 * definition of the empty-history case (MODELS.md §0.3), where PyTorch's {@code -inf} masking gives
 * NaN. An additive bias may hold {@code -Infinity} to exclude a key, but a target whose attended
 * logits are all {@code -Infinity} gets NaN: use {@code valid} or the gathered form's counts for
 * that.
 *
 * <p><b>Bias layout.</b> The optional additive bias is indexed by (target t, head h, key j) through
 * two strides, with key stride 1: {@code bias[biasOff + t * biasTargetStride + h * biasHeadStride + j]}.
 * The usual layouts: {@code [L]} shared by targets and heads (TWIN-V2's {@code ln n_c}): strides
 * {@code 0, 0}; {@code [H x L]} per head and behaviour (TWIN's per-behaviour cross-feature bias
 * {@code (K_c W^c) β}): {@code 0, L}; {@code [B x L]} per target shared by heads: {@code L, 0};
 * {@code [B x H x L]} per target, head and behaviour: {@code H L, L}. The bias is added after the
 * scaling, as in TWIN's equation.
 *
 * <p><b>Scratch.</b> Kernels do not allocate: each takes a caller-provided scratch region of at
 * least the size its {@code ...ScratchSize} method returns (LAPACK work-array style), which a
 * caller can allocate once per thread and reuse. Scratch, outputs and inputs must not overlap.
 *
 * <p>Arguments are checked here, once; a bad one raises {@link IllegalArgumentException} naming it
 * with the expected and actual shape or range. Stateless and thread-safe (given distinct scratch
 * and outputs per thread).
 */
public final class Attention {
  private static final AttentionKernels KERNELS = KernelProvider.get().attention();

  private Attention() {}

  /** {@code 1 / sqrt(dk)}, the scaled dot-product attention's scale. */
  public static float defaultScale(int dk) {
    Checks.positive("dk", dk);
    return (float) (1.0 / Math.sqrt(dk));
  }

  // ---------------------------------------------------------------------------------------------
  // Target attention over one shared history

  /** Scratch floats {@link #targetAttention} needs: {@code H dk L + min(B, 64) L} (0 when B or L is 0). */
  public static int targetAttentionScratchSize(int b, int l, int heads, int dk) {
    checkDims(b, l, heads, dk, 1);
    return toInt(AttentionKernels.targetAttentionScratch(b, l, heads, dk));
  }

  /**
   * Multi-head target attention of {@code B} targets over one shared history of {@code L}
   * behaviours: for every target t and head h,
   * {@code out[t, h] = sum_{j < valid} softmax_j(scale (q_{t,h} . k_{j,h}) + bias_{t,h,j}) v_{j,h}}
   * (MODELS.md §0.4 with the projections applied beforehand).
   *
   * @param q      {@code B x (H dk)} targets (queries) at {@code qOff}
   * @param b      number of targets B (>= 0)
   * @param k      {@code L x (H dk)} keys at {@code kOff}
   * @param v      {@code L x (H dv)} values at {@code vOff}
   * @param l      history length L (>= 0)
   * @param valid  attended keys: the first {@code valid} rows, {@code 0 <= valid <= L}; 0 gives zero rows
   * @param heads  H (>= 1)
   * @param dk     query/key width per head (>= 1)
   * @param dv     value width per head (>= 1)
   * @param scale  logit scale, finite ({@link #defaultScale(int)} for {@code 1/sqrt(dk)})
   * @param bias   additive bias or null, laid out by the two strides (see the class comment)
   * @param out    {@code B x (H dv)} pooled outputs at {@code outOff}
   * @param scratch at least {@link #targetAttentionScratchSize} floats from {@code scratchOff}
   */
  public static void targetAttention(float[] q, int qOff, int b, float[] k, int kOff, float[] v, int vOff,
                                     int l, int valid, int heads, int dk, int dv, float scale,
                                     float[] bias, int biasOff, int biasTargetStride, int biasHeadStride,
                                     float[] out, int outOff, float[] scratch, int scratchOff) {
    checkDims(b, l, heads, dk, dv);
    Checks.inRange("valid", valid, 0, l);
    Checks.finite("scale", scale);
    long qw = (long) heads * dk;
    long vw = (long) heads * dv;
    Checks.region("q", q, qOff, b * qw);
    Checks.region("k", k, kOff, l * qw);
    Checks.region("v", v, vOff, l * vw);
    Checks.region("out", out, outOff, b * vw);
    long biasSpan = checkBias(bias, biasOff, biasTargetStride, biasHeadStride, b, heads, l);
    long need = AttentionKernels.targetAttentionScratch(b, l, heads, dk);
    checkScratch(scratch, scratchOff, need, "targetAttentionScratchSize(b, l, heads, dk)");
    long outLen = b * vw;
    disjoint("out", out, outOff, outLen, "q", q, qOff, b * qw);
    disjoint("out", out, outOff, outLen, "k", k, kOff, l * qw);
    disjoint("out", out, outOff, outLen, "v", v, vOff, l * vw);
    disjoint("out", out, outOff, outLen, "bias", bias, biasOff, biasSpan);
    disjoint("out", out, outOff, outLen, "scratch", scratch, scratchOff, need);
    disjointFromScratch(scratch, scratchOff, need, q, qOff, b * qw, k, kOff, l * qw, v, vOff, l * vw, bias, biasOff, biasSpan);
    KERNELS.targetAttention(q, qOff, b, k, kOff, v, vOff, l, valid, heads, dk, dv, scale,
        bias, biasOff, biasTargetStride, biasHeadStride, out, outOff, scratch, scratchOff);
  }

  /**
   * {@link #targetAttention(float[], int, int, float[], int, float[], int, int, int, int, int, int, float, float[], int, int, int, float[], int, float[], int)}
   * with {@code scale = 1/sqrt(dk)} and no bias.
   */
  public static void targetAttention(float[] q, int qOff, int b, float[] k, int kOff, float[] v, int vOff,
                                     int l, int valid, int heads, int dk, int dv,
                                     float[] out, int outOff, float[] scratch, int scratchOff) {
    targetAttention(q, qOff, b, k, kOff, v, vOff, l, valid, heads, dk, dv, defaultScale(dk),
        null, 0, 0, 0, out, outOff, scratch, scratchOff);
  }

  /** Scratch floats {@link #targetScores} needs: {@code H dk L} (0 when B or L is 0). */
  public static int targetScoresScratchSize(int b, int l, int heads, int dk) {
    checkDims(b, l, heads, dk, 1);
    return toInt(AttentionKernels.targetScoresScratch(b, l, heads, dk));
  }

  /**
   * The first half of target attention, for two-stage models whose search unit scores the whole
   * history and whose exact unit reuses those scores (TWIN's CP-GSU and ESU share the attention
   * logits): {@code scores[t, h, j]}, a {@code B x H x L} block (row {@code (t H + h)} of {@code L}
   * values), is
   * <ul>
   *   <li>{@code softmax = false}: the raw logit {@code scale (q_{t,h} . k_{j,h}) + bias_{t,h,j}} for
   *   {@code j < valid} and {@code -Infinity} (the log of weight 0, so a top-k never picks it) for
   *   {@code j >= valid};</li>
   *   <li>{@code softmax = true}: the attention weight, the softmax of the logits over
   *   {@code j < valid}, and 0 for {@code j >= valid} (a row of zeros when {@code valid = 0}).</li>
   * </ul>
   * Arguments as in {@link #targetAttention(float[], int, int, float[], int, float[], int, int, int, int, int, int, float, float[], int, int, int, float[], int, float[], int)};
   * {@code scores} needs {@code B H L} floats from {@code scoresOff}. A logit does not depend on
   * where its key sits in the history: identical key rows with equal bias get bit-identical
   * logits, so equal scores in a following top-k are true ties (broken by position).
   */
  public static void targetScores(float[] q, int qOff, int b, float[] k, int kOff, int l, int valid,
                                  int heads, int dk, float scale,
                                  float[] bias, int biasOff, int biasTargetStride, int biasHeadStride,
                                  boolean softmax, float[] scores, int scoresOff, float[] scratch, int scratchOff) {
    checkDims(b, l, heads, dk, 1);
    Checks.inRange("valid", valid, 0, l);
    Checks.finite("scale", scale);
    long qw = (long) heads * dk;
    long scoresLen = (long) b * heads * l;
    Checks.region("q", q, qOff, b * qw);
    Checks.region("k", k, kOff, l * qw);
    Checks.region("scores", scores, scoresOff, scoresLen);
    long biasSpan = checkBias(bias, biasOff, biasTargetStride, biasHeadStride, b, heads, l);
    long need = AttentionKernels.targetScoresScratch(b, l, heads, dk);
    checkScratch(scratch, scratchOff, need, "targetScoresScratchSize(b, l, heads, dk)");
    disjoint("scores", scores, scoresOff, scoresLen, "q", q, qOff, b * qw);
    disjoint("scores", scores, scoresOff, scoresLen, "k", k, kOff, l * qw);
    disjoint("scores", scores, scoresOff, scoresLen, "bias", bias, biasOff, biasSpan);
    disjoint("scores", scores, scoresOff, scoresLen, "scratch", scratch, scratchOff, need);
    disjointFromScratch(scratch, scratchOff, need, q, qOff, b * qw, k, kOff, l * qw, null, 0, 0, bias, biasOff, biasSpan);
    KERNELS.targetScores(q, qOff, b, k, kOff, l, valid, heads, dk, scale,
        bias, biasOff, biasTargetStride, biasHeadStride, softmax, scores, scoresOff, scratch, scratchOff);
  }

  /**
   * Keys laid out as the B operand of a {@link Dense#gemm} that scores targets against them:
   * {@code kt[ktOff + c L + j] = scale k[kOff + j (H dk) + c]}, the {@code L x (H dk)} key rows
   * transposed into an {@code (H dk) x L} matrix and scaled ({@link #targetScores} does this per
   * call). A caller that scores many blocks of targets against one long history (TWIN's CP-GSU:
   * {@code Q . kt} with {@code H = 1}, {@code dk} the full width) transposes once per request.
   *
   * @param k  {@code L x (H dk)} key rows at {@code kOff}
   * @param kt {@code (H dk) x L} at {@code ktOff}; must not overlap {@code k}
   */
  public static void transposeKeys(float[] k, int kOff, int l, int heads, int dk, float scale, float[] kt, int ktOff) {
    checkDims(1, l, heads, dk, 1);
    Checks.finite("scale", scale);
    long len = (long) l * heads * dk;
    Checks.region("k", k, kOff, len);
    Checks.region("kt", kt, ktOff, len);
    disjoint("kt", kt, ktOff, len, "k", k, kOff, len);
    KERNELS.transposeKeys(k, kOff, l, heads, dk, scale, kt, ktOff);
  }

  /**
   * The second half of target attention, pooling with given weights:
   * {@code out[t, h] = sum_{j < valid} weights[t, h, j] v_{j,h}}. {@code weights} is {@code B x H x L}
   * at {@code weightsOff} (as {@link #targetScores} writes it); weights at {@code j >= valid} are not
   * read. {@code v} is {@code L x (H dv)}, {@code out} {@code B x (H dv)}. With {@code H = 1} and
   * {@code v} the behaviours this is DIN's weighted sum {@code sum_j w_j e_j}. No scratch.
   */
  public static void pool(float[] weights, int weightsOff, int b, float[] v, int vOff, int l, int valid,
                          int heads, int dv, float[] out, int outOff) {
    checkDims(b, l, heads, 1, dv);
    Checks.inRange("valid", valid, 0, l);
    long vw = (long) heads * dv;
    long wLen = (long) b * heads * l;
    Checks.region("weights", weights, weightsOff, wLen);
    Checks.region("v", v, vOff, l * vw);
    Checks.region("out", out, outOff, b * vw);
    disjoint("out", out, outOff, b * vw, "weights", weights, weightsOff, wLen);
    disjoint("out", out, outOff, b * vw, "v", v, vOff, l * vw);
    KERNELS.pool(weights, weightsOff, b, v, vOff, l, valid, heads, dv, out, outOff);
  }

  // ---------------------------------------------------------------------------------------------
  // Gathered target attention: each target attends over its own selected rows

  /** Scratch floats {@link #targetAttentionGathered} needs: {@code H m} (0 when B is 0). */
  public static int targetAttentionGatheredScratchSize(int b, int m, int heads) {
    Checks.nonNegative("b", b);
    Checks.nonNegative("m", m);
    Checks.positive("heads", heads);
    return toInt(AttentionKernels.gatheredScratch(b, m, heads));
  }

  /**
   * Target attention where each target attends over its own subset of key rows: the exact search
   * unit of SIM (category-filtered behaviours), ETA (Hamming top-k) and TWIN (top-k by attention
   * score), each retrieving different behaviours per candidate. For target t and head h, over the
   * selected rows {@code r_j = index[indexOff + t m + j]}, {@code j < c_t}:
   * {@code out[t, h] = sum_j softmax_j(scale (q_{t,h} . k_{r_j,h}) + bias_{t,h,r_j}) v_{r_j,h}}.
   *
   * @param k      {@code n x (H dk)} key rows (a long history, or per-target blocks) at {@code kOff}
   * @param v      {@code n x (H dv)} value rows at {@code vOff}
   * @param n      number of key/value rows (>= 0)
   * @param index  {@code B x m} row numbers in {@code [0, n)} (only the first {@code c_t} of each
   *               target's row are read, duplicates allowed), or null: target t uses rows
   *               {@code t m .. t m + m - 1} (each target's gathered K/V stored contiguously;
   *               then {@code n >= B m})
   * @param m      selected rows per target (the k of top-k, >= 0)
   * @param count  {@code B} counts {@code c_t} in {@code [0, m]} (fewer real behaviours than m), or
   *               null for {@code c_t = m}; {@code c_t = 0} gives a zero output row
   * @param bias   additive bias or null, indexed by the <em>key row</em> {@code r_j}:
   *               {@code bias[biasOff + t biasTargetStride + h biasHeadStride + r_j]} (e.g. TWIN's
   *               {@code [H x n]} cross-feature bias of the whole history: strides {@code 0, n})
   * @param scratch at least {@link #targetAttentionGatheredScratchSize} floats
   */
  public static void targetAttentionGathered(float[] q, int qOff, int b, float[] k, int kOff, float[] v, int vOff,
                                             int n, int[] index, int indexOff, int m, int[] count, int countOff,
                                             int heads, int dk, int dv, float scale,
                                             float[] bias, int biasOff, int biasTargetStride, int biasHeadStride,
                                             float[] out, int outOff, float[] scratch, int scratchOff) {
    checkDims(b, n, heads, dk, dv);
    Checks.nonNegative("m", m);
    Checks.finite("scale", scale);
    long qw = (long) heads * dk;
    long vw = (long) heads * dv;
    Checks.region("q", q, qOff, b * qw);
    Checks.region("k", k, kOff, n * qw);
    Checks.region("v", v, vOff, n * vw);
    Checks.region("out", out, outOff, b * vw);
    checkSelection(index, indexOff, b, m, count, countOff, n);
    long biasSpan = checkBias(bias, biasOff, biasTargetStride, biasHeadStride, b, heads, n);
    long need = AttentionKernels.gatheredScratch(b, m, heads);
    checkScratch(scratch, scratchOff, need, "targetAttentionGatheredScratchSize(b, m, heads)");
    long outLen = b * vw;
    disjoint("out", out, outOff, outLen, "q", q, qOff, b * qw);
    disjoint("out", out, outOff, outLen, "k", k, kOff, n * qw);
    disjoint("out", out, outOff, outLen, "v", v, vOff, n * vw);
    disjoint("out", out, outOff, outLen, "bias", bias, biasOff, biasSpan);
    disjoint("out", out, outOff, outLen, "scratch", scratch, scratchOff, need);
    disjointFromScratch(scratch, scratchOff, need, q, qOff, b * qw, k, kOff, n * qw, v, vOff, n * vw, bias, biasOff, biasSpan);
    KERNELS.targetAttentionGathered(q, qOff, b, k, kOff, v, vOff, n, index, indexOff, m, count, countOff,
        heads, dk, dv, scale, bias, biasOff, biasTargetStride, biasHeadStride, out, outOff, scratch, scratchOff);
  }

  /** Scratch floats {@link #softmaxPoolGathered} needs: {@code m} (0 when B is 0). */
  public static int softmaxPoolGatheredScratchSize(int b, int m) {
    Checks.nonNegative("b", b);
    Checks.nonNegative("m", m);
    return toInt(AttentionKernels.softmaxPoolGatheredScratch(b, m));
  }

  /**
   * The exact unit of a two-stage model that reuses its search unit's logits (TWIN: the CP-GSU's
   * attention logits over the whole history are the ESU's logits): for target t and head h, over
   * the selected rows {@code r_j}, {@code j < c_t} (as in {@link #targetAttentionGathered}),
   * {@code out[t, h] = sum_j softmax_j(scores[t, h, r_j]) v_{r_j,h}}.
   *
   * @param scores {@code B x H x n} logits at {@code scoresOff}, as {@link #targetScores} writes
   *               them with {@code softmax = false} (scale and bias already in)
   * @param v      {@code n x (H dv)} value rows
   * @param out    {@code B x (H dv)}
   */
  public static void softmaxPoolGathered(float[] scores, int scoresOff, int b, int n, int heads,
                                         float[] v, int vOff, int dv, int[] index, int indexOff, int m,
                                         int[] count, int countOff, float[] out, int outOff,
                                         float[] scratch, int scratchOff) {
    checkDims(b, n, heads, 1, dv);
    Checks.nonNegative("m", m);
    long vw = (long) heads * dv;
    long sLen = (long) b * heads * n;
    Checks.region("scores", scores, scoresOff, sLen);
    Checks.region("v", v, vOff, n * vw);
    Checks.region("out", out, outOff, b * vw);
    checkSelection(index, indexOff, b, m, count, countOff, n);
    long need = AttentionKernels.softmaxPoolGatheredScratch(b, m);
    checkScratch(scratch, scratchOff, need, "softmaxPoolGatheredScratchSize(b, m)");
    long outLen = b * vw;
    disjoint("out", out, outOff, outLen, "scores", scores, scoresOff, sLen);
    disjoint("out", out, outOff, outLen, "v", v, vOff, n * vw);
    disjoint("out", out, outOff, outLen, "scratch", scratch, scratchOff, need);
    disjoint("scratch", scratch, scratchOff, need, "scores", scores, scoresOff, sLen);
    disjoint("scratch", scratch, scratchOff, need, "v", v, vOff, n * vw);
    KERNELS.softmaxPoolGathered(scores, scoresOff, b, n, heads, v, vOff, dv, index, indexOff, m, count, countOff,
        out, outOff, scratch, scratchOff);
  }

  // ---------------------------------------------------------------------------------------------
  // Self-attention

  /** Scratch floats {@link #selfAttention} needs: {@code H dk L + min(L, 64) L} (0 when L is 0). */
  public static int selfAttentionScratchSize(int l, int heads, int dk) {
    checkDims(0, l, heads, dk, 1);
    return toInt(AttentionKernels.selfAttentionScratch(l, heads, dk));
  }

  /**
   * Multi-head self-attention over a sequence of {@code L} positions (the attention of a
   * transformer encoder block: BERT4Rec bidirectional, SASRec causal): for position i and head h,
   * {@code out[i, h] = sum_{j in S_i} softmax_j(scale (q_{i,h} . k_{j,h}) + bias[h, i, j]) v_{j,h}}
   * with {@code S_i = {j < valid}} (key padding; bidirectional) or {@code {j < valid, j <= i}}
   * (causal). Every position gets an output, padded ones too (they attend the valid keys, as
   * {@code nn.MultiheadAttention} with {@code key_padding_mask} does); {@code valid = 0} gives zero
   * rows. HSTU's pointwise SiLU attention is a model-level variant, not this kernel.
   *
   * @param q    {@code L x (H dk)} queries at {@code qOff}, rows {@code ldq} apart ({@code ldq >= H dk};
   *             a fused QKV projection output can be passed as three offsets into one buffer)
   * @param k    {@code L x (H dk)} keys, rows {@code ldk} apart
   * @param v    {@code L x (H dv)} values, rows {@code ldv} apart
   * @param bias additive bias or null: {@code bias[biasOff + h biasHeadStride + i L + j]}, an
   *             {@code L x L} matrix per head ({@code biasHeadStride = L L}) or shared by the heads
   *             ({@code biasHeadStride = 0}; BERT's additive mask, HSTU's relative bias)
   * @param out  {@code L x (H dv)} outputs, rows {@code ldo} apart
   * @param scratch at least {@link #selfAttentionScratchSize} floats
   */
  public static void selfAttention(float[] q, int qOff, int ldq, float[] k, int kOff, int ldk,
                                   float[] v, int vOff, int ldv, int l, int valid, int heads, int dk, int dv,
                                   boolean causal, float scale, float[] bias, int biasOff, int biasHeadStride,
                                   float[] out, int outOff, int ldo, float[] scratch, int scratchOff) {
    checkDims(0, l, heads, dk, dv);
    Checks.inRange("valid", valid, 0, l);
    Checks.finite("scale", scale);
    int qw = toInt((long) heads * dk);
    int vw = toInt((long) heads * dv);
    Checks.matrix("q", q, qOff, l, qw, ldq);
    Checks.matrix("k", k, kOff, l, qw, ldk);
    Checks.matrix("v", v, vOff, l, vw, ldv);
    Checks.matrix("out", out, outOff, l, vw, ldo);
    long biasSpan = 0;
    if (bias != null) {
      Checks.nonNegative("biasHeadStride", biasHeadStride);
      biasSpan = l == 0 ? 0 : (long) (heads - 1) * biasHeadStride + (long) l * l;
      Checks.region("bias", bias, biasOff, biasSpan);
    }
    long need = AttentionKernels.selfAttentionScratch(l, heads, dk);
    checkScratch(scratch, scratchOff, need, "selfAttentionScratchSize(l, heads, dk)");
    long qLen = span(l, qw, ldq);
    long kLen = span(l, qw, ldk);
    long vLen = span(l, vw, ldv);
    long outLen = span(l, vw, ldo);
    disjoint("out", out, outOff, outLen, "q", q, qOff, qLen);
    disjoint("out", out, outOff, outLen, "k", k, kOff, kLen);
    disjoint("out", out, outOff, outLen, "v", v, vOff, vLen);
    disjoint("out", out, outOff, outLen, "bias", bias, biasOff, biasSpan);
    disjoint("out", out, outOff, outLen, "scratch", scratch, scratchOff, need);
    disjointFromScratch(scratch, scratchOff, need, q, qOff, qLen, k, kOff, kLen, v, vOff, vLen, bias, biasOff, biasSpan);
    KERNELS.selfAttention(q, qOff, ldq, k, kOff, ldk, v, vOff, ldv, l, valid, heads, dk, dv, causal, scale,
        bias, biasOff, biasHeadStride, out, outOff, ldo, scratch, scratchOff);
  }

  // ---------------------------------------------------------------------------------------------
  // DIN activation unit

  /** Scratch floats {@link #dinScores} needs for B targets and a history of L (0 when B or L is 0). */
  public static int dinScoresScratchSize(DinAttentionUnit unit, int b, int l) {
    Checks.notNull("unit", unit);
    Checks.nonNegative("b", b);
    Checks.nonNegative("l", l);
    return toInt(AttentionKernels.dinScoresScratch(unit.unit(), b, l));
  }

  /**
   * DIN's activation-unit weights: {@code weights[t, j] = w(q_t, k_j)} (see {@link DinAttentionUnit})
   * for {@code j < valid} and 0 for {@code j >= valid}, a {@code B x L} block; with the unit's
   * softmax option, {@code softmax_j(scale w(q_t, k_j))} over {@code j < valid} instead. No softmax
   * by default (DIN paper, DeepCTR, FuxiCTR).
   *
   * @param q       {@code B x d} targets at {@code qOff}
   * @param k       {@code L x d} behaviours at {@code kOff}
   * @param valid   number of real behaviours, {@code 0 <= valid <= L}
   * @param weights {@code B x L} at {@code weightsOff}
   * @param scratch at least {@link #dinScoresScratchSize} floats
   */
  public static void dinScores(DinAttentionUnit unit, float[] q, int qOff, int b, float[] k, int kOff,
                               int l, int valid, float[] weights, int weightsOff, float[] scratch, int scratchOff) {
    Checks.notNull("unit", unit);
    Checks.nonNegative("b", b);
    Checks.nonNegative("l", l);
    Checks.inRange("valid", valid, 0, l);
    int d = unit.embeddingWidth();
    long wLen = (long) b * l;
    Checks.region("q", q, qOff, (long) b * d);
    Checks.region("k", k, kOff, (long) l * d);
    Checks.region("weights", weights, weightsOff, wLen);
    long need = AttentionKernels.dinScoresScratch(unit.unit(), b, l);
    checkScratch(scratch, scratchOff, need, "dinScoresScratchSize(unit, b, l)");
    disjoint("weights", weights, weightsOff, wLen, "q", q, qOff, (long) b * d);
    disjoint("weights", weights, weightsOff, wLen, "k", k, kOff, (long) l * d);
    disjoint("weights", weights, weightsOff, wLen, "scratch", scratch, scratchOff, need);
    disjointFromScratch(scratch, scratchOff, need, q, qOff, (long) b * d, k, kOff, (long) l * d, null, 0, 0, null, 0, 0);
    KERNELS.dinScores(unit.unit(), q, qOff, b, k, kOff, l, valid, weights, weightsOff, scratch, scratchOff);
  }

  /** Scratch floats {@link #dinAttention} needs: the {@code B x L} weights plus {@link #dinScoresScratchSize}. */
  public static int dinAttentionScratchSize(DinAttentionUnit unit, int b, int l) {
    return toInt((long) b * l + dinScoresScratchSize(unit, b, l));
  }

  /**
   * DIN's attention pooling (the user-interest vector per target):
   * {@code out[t] = sum_{j < valid} weights[t, j] k_j} with the weights of {@link #dinScores}, a
   * {@code B x d} block at {@code outOff}; {@code valid = 0} gives zero rows. The weights go to the
   * start of the scratch.
   */
  public static void dinAttention(DinAttentionUnit unit, float[] q, int qOff, int b, float[] k, int kOff,
                                  int l, int valid, float[] out, int outOff, float[] scratch, int scratchOff) {
    Checks.notNull("unit", unit);
    int need = dinAttentionScratchSize(unit, b, l);
    checkScratch(scratch, scratchOff, need, "dinAttentionScratchSize(unit, b, l)");
    int d = unit.embeddingWidth();
    Checks.region("out", out, outOff, (long) b * d);
    disjoint("out", out, outOff, (long) b * d, "scratch", scratch, scratchOff, need);
    disjoint("out", out, outOff, (long) b * d, "q", q, qOff, (long) b * d);
    disjoint("out", out, outOff, (long) b * d, "k", k, kOff, (long) l * d);
    int weightsLen = b * l;
    dinScores(unit, q, qOff, b, k, kOff, l, valid, scratch, scratchOff, scratch, scratchOff + weightsLen);
    KERNELS.pool(scratch, scratchOff, b, k, kOff, l, valid, 1, d, out, outOff);
  }

  // ---------------------------------------------------------------------------------------------
  // Checks

  private static void checkDims(int b, int l, int heads, int dk, int dv) {
    Checks.nonNegative("b", b);
    Checks.nonNegative("l", l);
    Checks.positive("heads", heads);
    Checks.positive("dk", dk);
    Checks.positive("dv", dv);
  }

  /** Checks an optional strided bias over {@code b x heads x keys}; returns its span (0 when null). */
  private static long checkBias(float[] bias, int biasOff, int targetStride, int headStride, int b, int heads, int keys) {
    if (bias == null) {
      return 0;
    }
    Checks.nonNegative("biasTargetStride", targetStride);
    Checks.nonNegative("biasHeadStride", headStride);
    long span = b == 0 || keys == 0 ? 0 : (long) (b - 1) * targetStride + (long) (heads - 1) * headStride + keys;
    Checks.region("bias", bias, biasOff, span);
    return span;
  }

  /** Checks gathered row numbers (the read ones only) and counts. */
  private static void checkSelection(int[] index, int indexOff, int b, int m, int[] count, int countOff, int n) {
    if (count != null) {
      Checks.region("count", count, countOff, b);
      for (int t = 0; t < b; t++) {
        int c = count[countOff + t];
        if (c < 0 || c > m) {
          throw new IllegalArgumentException("count[" + t + "] must be in [0, m = " + m + "], got " + c);
        }
      }
    }
    if (index == null) {
      if ((long) b * m > n) {
        throw new IllegalArgumentException("without an index, target t uses rows t m .. t m + m - 1, so n must be >= b m = "
            + (long) b * m + ", got " + n);
      }
      return;
    }
    Checks.region("index", index, indexOff, (long) b * m);
    for (int t = 0; t < b; t++) {
      int c = count == null ? m : count[countOff + t];
      for (int j = 0; j < c; j++) {
        int r = index[indexOff + t * m + j];
        if (r < 0 || r >= n) {
          throw new IllegalArgumentException("index[" + t + " * m + " + j + "] must be a row in [0, n = " + n
              + "), got " + r);
        }
      }
    }
  }

  private static void checkScratch(float[] scratch, int scratchOff, long need, String sizeMethod) {
    if (scratch == null && need == 0) {
      return;
    }
    Checks.notNull("scratch", scratch);
    if (scratchOff < 0) {
      throw new IllegalArgumentException("scratch offset must be >= 0, got " + scratchOff);
    }
    if (scratchOff + need > scratch.length) {
      throw new IllegalArgumentException("scratch needs " + need + " floats from offset " + scratchOff + " (Attention."
          + sizeMethod + "), but its length is " + scratch.length);
    }
  }

  private static void disjointFromScratch(float[] scratch, int scratchOff, long need,
                                          float[] q, int qOff, long qLen, float[] k, int kOff, long kLen,
                                          float[] v, int vOff, long vLen, float[] bias, int biasOff, long biasLen) {
    disjoint("scratch", scratch, scratchOff, need, "q", q, qOff, qLen);
    disjoint("scratch", scratch, scratchOff, need, "k", k, kOff, kLen);
    disjoint("scratch", scratch, scratchOff, need, "v", v, vOff, vLen);
    disjoint("scratch", scratch, scratchOff, need, "bias", bias, biasOff, biasLen);
  }

  /** Two regions of the same array must not overlap (an output or scratch would overwrite an input). */
  private static void disjoint(String nameA, float[] a, int aOff, long aLen, String nameB, float[] b, int bOff, long bLen) {
    if (a == null || a != b || aLen == 0 || bLen == 0) {
      return;
    }
    if (aOff < bOff + bLen && bOff < aOff + aLen) {
      throw new IllegalArgumentException(nameA + " [" + aOff + ", " + (aOff + aLen) + ") and " + nameB + " [" + bOff
          + ", " + (bOff + bLen) + ") are the same array and must not overlap");
    }
  }

  /** Elements spanned by {@code rows} rows of {@code cols} values, {@code ld} apart. */
  private static long span(int rows, int cols, int ld) {
    return rows == 0 ? 0 : (long) (rows - 1) * ld + cols;
  }

  private static int toInt(long size) {
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("the scratch (or block) size " + size + " does not fit a Java array");
    }
    return (int) size;
  }
}
