package io.github.seqrec.cuda.internal;

/**
 * Launch geometry of the seqrec kernels: block sizes that the .cu sources are written for, and
 * the grid and work-split arithmetic, in plain Java so that it is tested without a GPU.
 */
public final class Geometry {
  private Geometry() {}

  /** seqrec_gemm / seqrec_gemm_tf32: a 128 x 128 tile of C per block of 256 threads (8 x 8 outputs each). */
  public static final int GEMM_TILE = 128;
  public static final int GEMM_THREADS = 256;
  /** Rows of C one gemm launch covers: gridDim.y is at most 65535 tiles. */
  public static final int GEMM_MAX_ROWS_PER_LAUNCH = 65535 * GEMM_TILE;

  /** seqrec_target_attention / seqrec_attention_combine: 4 warps per block. */
  public static final int ATTENTION_THREADS = 128;
  /** Largest head width: 8 elements per lane of a 32-lane group. */
  public static final int ATTENTION_MAX_DIM = 256;
  /** Fewest keys a split of a long history gets. */
  public static final int ATTENTION_MIN_KEYS_PER_SPLIT = 512;
  /** Blocks per multiprocessor the split aims to fill. */
  public static final int ATTENTION_BLOCKS_PER_SM = 8;

  /** Selection kernels (Hamming top-k, top-k by score): one block of 256 threads per row. */
  public static final int SELECT_THREADS = 256;
  /** Largest k of the GPU selection: the sort stage holds k pairs in shared memory. */
  public static final int SELECT_MAX_K = 1024;

  /** Element-wise and warp-per-row kernels. */
  public static final int THREADS = 256;

  /** Recurrent scans: dynamic shared memory per block is at most 48 KiB without opting in. */
  public static final int MAX_DYNAMIC_SHARED = 48 * 1024;

  public static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /** Smallest power of two >= v (v >= 1). */
  public static int nextPowerOfTwo(int v) {
    return v <= 1 ? 1 : Integer.highestOneBit(v - 1) << 1;
  }

  /**
   * Lanes that cooperate on one key in seqrec_target_attention: the smallest power of two
   * covering the wider head, capped at a warp.
   */
  public static int attentionGroup(int dk, int dv) {
    return Math.min(32, nextPowerOfTwo(Math.max(1, Math.max(dk, dv))));
  }

  /**
   * How seqrec_target_attention splits the keys: enough (row, head, split) blocks to give every
   * multiprocessor {@link #ATTENTION_BLOCKS_PER_SM} of them, but no more splits than
   * {@code ceil(keys / ATTENTION_MIN_KEYS_PER_SPLIT)} (so splits hold about that many keys or
   * more) and at most 65535; the keys are spread evenly and no split is empty.
   */
  public record AttentionSplit(int splits, int keysPerSplit) {}

  public static AttentionSplit attentionSplit(long rowsTimesHeads, int keys, int multiprocessors) {
    if (keys <= 0 || rowsTimesHeads <= 0) {
      return new AttentionSplit(1, Math.max(keys, 0));
    }
    long wanted = ceilDiv((long) multiprocessors * ATTENTION_BLOCKS_PER_SM, rowsTimesHeads);
    long byLength = ceilDiv(keys, ATTENTION_MIN_KEYS_PER_SPLIT);
    int splits = (int) Math.max(1, Math.min(Math.min(wanted, byLength), 65535));
    int perSplit = (int) ceilDiv(keys, splits);
    splits = (int) ceilDiv(keys, perSplit);
    return new AttentionSplit(splits, perSplit);
  }

  /** Floats of workspace the split attention needs: (max, sum, dv sums) per (row, head, split). */
  public static long attentionPartialFloats(long rowsTimesHeads, AttentionSplit split, int dv) {
    return split.splits() == 1 ? 0 : rowsTimesHeads * split.splits() * (dv + 2L);
  }

  /** Threads per block of a recurrent scan: one per hidden unit, whole warps, at most 256. */
  public static int scanThreads(int hidden) {
    return (int) Math.min(256, Math.max(32, ceilDiv(hidden, 32) * 32));
  }

  /** Blocks of a grid-stride loop over {@code total} elements. */
  public static long gridStrideBlocks(long total, int threads, int multiprocessors) {
    return Math.max(1, Math.min(ceilDiv(total, threads), (long) multiprocessors * 32));
  }

  /** Blocks of seqrec_simhash: one warp per (row, 32 signature bits). */
  public static long simhashBlocks(long rows, int bits) {
    long warps = rows * (bits / 32);
    return ceilDiv(warps * 32, THREADS);
  }

  /** First radix shift of the Hamming selection: keys (distances) are at most m. */
  public static int hammingTopShift(int bits) {
    int shift = 0;
    while (shift < 24 && (bits >>> (shift + 8)) != 0) {
      shift += 8;
    }
    return shift;
  }
}
