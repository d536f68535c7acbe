package io.github.seqrec.kernels.internal;

/**
 * Attention kernels; arguments have been validated by the facade ({@code Attention}), whose
 * javadoc states the shapes and equations. The static {@code ...ScratchSize} methods are the one
 * place the scratch needs of both backends are written down: every backend must fit in them.
 */
public interface AttentionKernels {

  /**
   * Targets (or query positions) per block in the GEMM-shaped kernels: a {@code ROW_BLOCK x L}
   * score panel stays in L2 while it is softmaxed and multiplied by V.
   */
  int ROW_BLOCK = 64;

  /** Rows ({@code targets x behaviours}) per block in the vector DIN unit's GEMMs. */
  int DIN_ROWS = 256;

  /** Scratch floats for {@link #targetAttention}: the scaled {@code (H dk) x L} keys plus one score panel. */
  static long targetAttentionScratch(int b, int l, int heads, int dk) {
    if (b == 0 || l == 0) {
      return 0;
    }
    return (long) heads * dk * l + (long) Math.min(b, ROW_BLOCK) * l;
  }

  /** Scratch floats for {@link #targetScores}: the scaled {@code (H dk) x L} keys. */
  static long targetScoresScratch(int b, int l, int heads, int dk) {
    if (b == 0 || l == 0) {
      return 0;
    }
    return (long) heads * dk * l;
  }

  /** Scratch floats for {@link #targetAttentionGathered}: one logit row per head. */
  static long gatheredScratch(int b, int m, int heads) {
    return b == 0 ? 0 : (long) heads * m;
  }

  /** Scratch floats for {@link #softmaxPoolGathered}: one gathered logit row. */
  static long softmaxPoolGatheredScratch(int b, int m) {
    return b == 0 ? 0 : m;
  }

  /** Scratch floats for {@link #selfAttention}: the scaled {@code (H dk) x L} keys plus one score panel. */
  static long selfAttentionScratch(int l, int heads, int dk) {
    if (l == 0) {
      return 0;
    }
    return (long) heads * dk * l + (long) Math.min(l, ROW_BLOCK) * l;
  }

  /** Targets per block in the vector DIN unit, so that one block has about {@link #DIN_ROWS} rows. */
  static int dinBlockTargets(int b, int l) {
    return Math.max(1, Math.min(b, DIN_ROWS / Math.max(1, l)));
  }

  /**
   * Scratch floats for {@link #dinScores}: the larger of the scalar definition's need (one
   * {@code L x 4d} feature block and two {@code L x h} activation buffers) and the vector split's
   * (the {@code L x h1} behaviour part, a block of target parts, the {@code (q*k)} block and two
   * activation buffers per block of targets).
   */
  static long dinScoresScratch(DinUnit unit, int b, int l) {
    if (b == 0 || l == 0) {
      return 0;
    }
    int h1 = unit.hidden[0];
    long twoBuffers = unit.layers() > 1 ? 2L : 1L;
    long scalar = (long) l * 4 * unit.d + twoBuffers * l * unit.maxHidden;
    long t = dinBlockTargets(b, l);
    long rows = t * l;
    long vector = (long) l * h1 + t * h1 + rows * unit.d + twoBuffers * rows * unit.maxHidden;
    return Math.max(scalar, vector);
  }

  /** Multi-head target attention of B targets over one shared history (see {@code Attention.targetAttention}). */
  void targetAttention(float[] q, int qOff, int b, float[] k, int kOff, float[] v, int vOff, int l, int valid,
                       int heads, int dk, int dv, float scale,
                       float[] bias, int biasOff, int biasTargetStride, int biasHeadStride,
                       float[] out, int outOff, float[] scratch, int scratchOff);

  /** Raw logits or softmax weights, {@code B x H x L} (see {@code Attention.targetScores}). */
  void targetScores(float[] q, int qOff, int b, float[] k, int kOff, int l, int valid,
                    int heads, int dk, float scale,
                    float[] bias, int biasOff, int biasTargetStride, int biasHeadStride, boolean softmax,
                    float[] scores, int scoresOff, float[] scratch, int scratchOff);

  /** {@code kt[c, j] = scale k[j, c]}: keys as a GEMM's B operand (see {@code Attention.transposeKeys}). */
  void transposeKeys(float[] k, int kOff, int l, int heads, int dk, float scale, float[] kt, int ktOff);

  /** {@code out[b, h] = sum_{l < valid} w[b, h, l] v[l, h]} (see {@code Attention.pool}). */
  void pool(float[] weights, int weightsOff, int b, float[] v, int vOff, int l, int valid, int heads, int dv,
            float[] out, int outOff);

  /** Each target attends over its own selected rows (see {@code Attention.targetAttentionGathered}). */
  void targetAttentionGathered(float[] q, int qOff, int b, float[] k, int kOff, float[] v, int vOff, int n,
                               int[] index, int indexOff, int m, int[] count, int countOff,
                               int heads, int dk, int dv, float scale,
                               float[] bias, int biasOff, int biasTargetStride, int biasHeadStride,
                               float[] out, int outOff, float[] scratch, int scratchOff);

  /** Softmax over gathered precomputed logits, then pooling (see {@code Attention.softmaxPoolGathered}). */
  void softmaxPoolGathered(float[] scores, int scoresOff, int b, int n, int heads, float[] v, int vOff, int dv,
                           int[] index, int indexOff, int m, int[] count, int countOff,
                           float[] out, int outOff, float[] scratch, int scratchOff);

  /** Multi-head self-attention over L positions (see {@code Attention.selfAttention}). */
  void selfAttention(float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, float[] v, int vOff, int ldv,
                     int l, int valid, int heads, int dk, int dv, boolean causal, float scale,
                     float[] bias, int biasOff, int biasHeadStride,
                     float[] out, int outOff, int ldo, float[] scratch, int scratchOff);

  /** DIN activation-unit weights, {@code B x L} (see {@code Attention.dinScores}). */
  void dinScores(DinUnit unit, float[] q, int qOff, int b, float[] k, int kOff, int l, int valid,
                 float[] weights, int weightsOff, float[] scratch, int scratchOff);
}
