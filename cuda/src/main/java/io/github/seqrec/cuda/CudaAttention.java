package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver.Arg;
import io.github.seqrec.cuda.internal.Geometry;

/**
 * Multi-head target attention on the GPU, with the contracts of
 * {@code io.github.seqrec.kernels.Attention#targetAttention} and
 * {@code Attention#targetAttentionGathered}: the same layouts (heads are column blocks: a query
 * row is {@code H dk} wide, a key row {@code H dk}, a value and an output row {@code H dv}), the
 * same equation {@code out[t, h] = sum_j softmax_j(scale (q_{t,h} . k_{j,h}) + bias_{t,h,j}) v_{j,h}},
 * the same bias strides and masking (a target with no key gets a zero row; one whose attended
 * logits are all {@code -Infinity} gets NaN).
 *
 * <p>One launch scores, softmaxes and pools every (target, head) pair in a single pass over the
 * keys with an online softmax (running max and rescaled sums), so the {@code B x H x L} scores
 * never go to memory and L can be 10^5; long histories are split over several blocks and merged
 * by a second small launch. No scratch argument: the split's partial states live in the context's
 * workspace. GPU limits: {@code dk, dv <= 256}.
 */
public final class CudaAttention {
  private CudaAttention() {}

  /**
   * Target attention of {@code B} targets over one shared history of {@code L} behaviours, attended
   * over its first {@code valid} rows: see {@code Attention.targetAttention} (same arguments, minus
   * the scratch).
   *
   * @param q     {@code B x (H dk)} queries at {@code qOff}
   * @param k     {@code L x (H dk)} keys at {@code kOff}
   * @param v     {@code L x (H dv)} values at {@code vOff}
   * @param bias  additive bias or null: {@code bias[biasOff + t biasTargetStride + h biasHeadStride + j]}
   * @param out   {@code B x (H dv)} outputs at {@code outOff}
   */
  public static void targetAttention(DeviceFloats q, long qOff, int b, DeviceFloats k, long kOff,
                                     DeviceFloats v, long vOff, int l, int valid, int heads, int dk, int dv,
                                     float scale, DeviceFloats bias, long biasOff, long biasTargetStride,
                                     long biasHeadStride, DeviceFloats out, long outOff) {
    // Validated and launched holding the context: no buffer can be closed in between.
    DeviceChecks.locked(DeviceChecks.contextOf(q, k, v, bias, out), () -> {
      checkDims(b, l, heads, dk, dv);
      DeviceChecks.inRange("valid", valid, 0, l);
      DeviceChecks.finite("scale", scale);
      long qw = (long) heads * dk;
      long vw = (long) heads * dv;
      DeviceChecks.region("q", q, qOff, b * qw);
      DeviceChecks.region("k", k, kOff, l * qw);
      DeviceChecks.region("v", v, vOff, l * vw);
      DeviceChecks.region("out", out, outOff, b * vw);
      long biasSpan = checkBias(bias, biasOff, biasTargetStride, biasHeadStride, b, heads, l);
      checkOutput(out, outOff, b * vw, q, qOff, b * qw, k, kOff, l * qw, v, vOff, l * vw, bias, biasOff, biasSpan);
      CudaContext ctx = DeviceChecks.sameContext(q, k, v, bias, out);
      if (b == 0) {
        return null;
      }
      ctx.run(() -> launch(ctx, q.at(qOff), qw, k.at(kOff), v.at(vOff), null, 0, 0, l,
          bias == null ? null : bias.at(biasOff), biasTargetStride, biasHeadStride, null, valid,
          b, heads, dk, dv, l, scale, out.at(outOff), vw, null));
      return null;
    });
  }

  /**
   * Target attention where each target attends over its own selected key rows (the exact unit of
   * SIM, ETA and TWIN after their search unit): see {@code Attention.targetAttentionGathered}
   * (same arguments, minus the scratch). Target t attends rows {@code r_j = index[indexOff + t m + j]}
   * for {@code j < c_t} ({@code c_t = count[countOff + t]}, or m when count is null); with a null
   * index, target t uses rows {@code t m .. t m + m - 1} (per-target blocks, many users in one
   * launch). The bias is indexed by the key row {@code r_j}.
   *
   * <p>The index and counts are device data, so they are checked by the kernel: an entry outside
   * {@code [0, n)} or a count outside {@code [0, m]} raises the same
   * {@link IllegalArgumentException} as on the CPU (naming the first bad one) after the launch,
   * which for this check reads back one 8-byte status word (and, on failure, the offending int).
   * The outputs are then unspecified.
   */
  public static void targetAttentionGathered(DeviceFloats q, long qOff, int b, DeviceFloats k, long kOff,
                                             DeviceFloats v, long vOff, int n, DeviceInts index, long indexOff,
                                             int m, DeviceInts count, long countOff, int heads, int dk, int dv,
                                             float scale, DeviceFloats bias, long biasOff, long biasTargetStride,
                                             long biasHeadStride, DeviceFloats out, long outOff) {
    // Validated and launched holding the context: no buffer can be closed in between.
    DeviceChecks.locked(DeviceChecks.contextOf(q, k, v, index, count, bias, out), () -> {
      checkDims(b, n, heads, dk, dv);
      DeviceChecks.nonNegative("m", m);
      DeviceChecks.finite("scale", scale);
      long qw = (long) heads * dk;
      long vw = (long) heads * dv;
      DeviceChecks.region("q", q, qOff, b * qw);
      DeviceChecks.region("k", k, kOff, n * qw);
      DeviceChecks.region("v", v, vOff, n * vw);
      DeviceChecks.region("out", out, outOff, b * vw);
      if (count != null) {
        DeviceChecks.region("count", count, countOff, b);
      }
      if (index == null) {
        if ((long) b * m > n) {
          throw new IllegalArgumentException("without an index, target t uses rows t m .. t m + m - 1, so n must be >= b m = "
              + (long) b * m + ", got " + n);
        }
      } else {
        DeviceChecks.region("index", index, indexOff, (long) b * m);
      }
      long biasSpan = checkBias(bias, biasOff, biasTargetStride, biasHeadStride, b, heads, n);
      checkOutput(out, outOff, b * vw, q, qOff, b * qw, k, kOff, n * qw, v, vOff, n * vw, bias, biasOff, biasSpan);
      CudaContext ctx = DeviceChecks.sameContext(q, k, v, index, count, bias, out);
      if (b == 0) {
        return null;
      }
      ctx.run(() -> {
        long[] status = (index != null || count != null) ? new long[1] : null;
        launch(ctx, q.at(qOff), qw, k.at(kOff), v.at(vOff), index == null ? null : index.at(indexOff), m,
            index == null ? m : 0, n, bias == null ? null : bias.at(biasOff), biasTargetStride, biasHeadStride,
            count == null ? null : count.at(countOff), m, b, heads, dk, dv, m, scale, out.at(outOff), vw, status);
        if (status != null && status[0] != -1L) {
          int t = (int) (status[0] >>> 32);
          int j = (int) (status[0] & 0xffffffffL) - 1;
          int[] value = new int[1];
          if (j < 0) {
            count.copyTo(countOff + t, value, 0, 1);
            throw new IllegalArgumentException("count[" + t + "] must be in [0, m = " + m + "], got " + value[0]);
          }
          index.copyTo(indexOff + (long) t * m + j, value, 0, 1);
          throw new IllegalArgumentException("index[" + t + " * m + " + j + "] must be a row in [0, n = " + n
              + "), got " + value[0]);
        }
      });
      return null;
    });
  }

  /** Launches the attention (and, for a split history, the combine); callers hold the context. */
  private static void launch(CudaContext ctx, Arg.Ptr q, long ldq, Arg.Ptr k, Arg.Ptr v, Arg.Ptr index,
                             long indexRowStride, long rowBase, int nRows, Arg.Ptr bias, long biasRowStride,
                             long biasHeadStride, Arg.Ptr validLen, int validAll, int rows, int heads, int dk, int dv,
                             int l, float scale, Arg.Ptr out, long ldo, long[] status) {
    long pairs = (long) rows * heads;
    Geometry.AttentionSplit split = Geometry.attentionSplit(pairs, l, ctx.device().multiprocessors());
    long partialFloats = Geometry.attentionPartialFloats(pairs, split, dv);
    Arg.Ptr statusPtr = ctx.workspace(STATUS_BYTES / 4 + partialFloats);
    Arg.Ptr partial = ctx.workspaceAt(STATUS_BYTES);
    Arg.Ptr nil = new Arg.Ptr(null, 0);
    if (status != null) {
      ctx.fill32(statusPtr.memory(), statusPtr.byteOffset(), -1, 2);
    }
    long ldk = (long) heads * dk;
    long ldv = (long) heads * dv;
    ctx.launch("seqrec_target_attention", pairs, split.splits(), Geometry.ATTENTION_THREADS, 0,
        q, new Arg.I64(ldq), k, new Arg.I64(ldk), v, new Arg.I64(ldv),
        index == null ? nil : index, new Arg.I64(indexRowStride), new Arg.I64(rowBase), new Arg.I32(nRows),
        bias == null ? nil : bias, new Arg.I64(biasRowStride), new Arg.I64(biasHeadStride),
        validLen == null ? nil : validLen, new Arg.I32(validAll),
        new Arg.I32(heads), new Arg.I32(dk), new Arg.I32(dv), new Arg.I32(l), new Arg.F32(scale),
        new Arg.I32(split.keysPerSplit()), new Arg.I32(Geometry.attentionGroup(dk, dv)),
        status == null ? nil : statusPtr, partial, out, new Arg.I64(ldo));
    if (split.splits() > 1) {
      ctx.launch("seqrec_attention_combine", pairs, 1, Geometry.ATTENTION_THREADS, 0,
          partial, new Arg.I32(split.splits()), new Arg.I32(heads), new Arg.I32(dv),
          validLen == null ? nil : validLen, new Arg.I32(validAll), new Arg.I32(l), out, new Arg.I64(ldo));
    }
    if (status != null) {
      ctx.copyToHost(status, 0, statusPtr.memory(), statusPtr.byteOffset(), 8);
    }
  }

  /** Bytes at the start of the workspace reserved for the status word. */
  private static final long STATUS_BYTES = 256;

  private static void checkDims(int b, int l, int heads, int dk, int dv) {
    DeviceChecks.nonNegative("b", b);
    DeviceChecks.nonNegative("l", l);
    DeviceChecks.positive("heads", heads);
    DeviceChecks.positive("dk", dk);
    DeviceChecks.positive("dv", dv);
    DeviceChecks.gpuLimit("dk", dk, Geometry.ATTENTION_MAX_DIM, "8 elements per lane of a warp");
    DeviceChecks.gpuLimit("dv", dv, Geometry.ATTENTION_MAX_DIM, "8 elements per lane of a warp");
    DeviceChecks.gpuLimit("b * heads", (long) b * heads, Integer.MAX_VALUE, "one block per target and head");
  }

  private static long checkBias(DeviceFloats bias, long biasOff, long targetStride, long headStride, int b,
                                int heads, int keys) {
    if (bias == null) {
      return 0;
    }
    DeviceChecks.nonNegative("biasTargetStride", targetStride);
    DeviceChecks.nonNegative("biasHeadStride", headStride);
    long span = b == 0 || keys == 0 ? 0 : (b - 1) * targetStride + (heads - 1) * headStride + keys;
    DeviceChecks.region("bias", bias, biasOff, span);
    return span;
  }

  private static void checkOutput(DeviceFloats out, long outOff, long outLen, DeviceFloats q, long qOff, long qLen,
                                  DeviceFloats k, long kOff, long kLen, DeviceFloats v, long vOff, long vLen,
                                  DeviceFloats bias, long biasOff, long biasLen) {
    DeviceChecks.disjoint("out", out, outOff, outLen, "q", q, qOff, qLen);
    DeviceChecks.disjoint("out", out, outOff, outLen, "k", k, kOff, kLen);
    DeviceChecks.disjoint("out", out, outOff, outLen, "v", v, vOff, vLen);
    DeviceChecks.disjoint("out", out, outOff, outLen, "bias", bias, biasOff, biasLen);
  }
}
