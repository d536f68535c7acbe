package io.github.seqrec.kernels.internal;

/**
 * The blocked ("word-major") signature layout: candidates are grouped in blocks of
 * {@link #BLOCK}; inside a block, word w of its {@code BLOCK} candidates is contiguous. Candidate
 * {@code i}, word {@code w} lives at {@code (i / BLOCK) * BLOCK * words + w * BLOCK + i % BLOCK}.
 * The last block is padded with zero words. With this layout one 512-bit {@code LongVector} load
 * reads word w of 8 candidates, so XOR with the broadcast query word and a lane-wise popcount
 * accumulate 8 distances at once with no horizontal reduction (FAISS PR #5587's lesson). The
 * block width is fixed (not the JVM's vector width) so that a blocked array means the same thing
 * to every backend.
 */
public final class SignatureLayout {
  /** Candidates per block: one 512-bit vector of longs. */
  public static final int BLOCK = 8;

  private SignatureLayout() {}

  /** Longs a blocked copy of {@code count} signatures of {@code words} words needs. */
  public static long blockedLength(int count, int words) {
    long blocks = (count + (long) BLOCK - 1) / BLOCK;
    return blocks * BLOCK * words;
  }

  /** Copies {@code count} row-major signatures into the blocked layout, zero-filling the padding. */
  public static void toBlocked(long[] src, int srcOff, int count, int words, long[] dst, int dstOff) {
    int blocks = (count + BLOCK - 1) / BLOCK;
    for (int blk = 0; blk < blocks; blk++) {
      int base = dstOff + blk * BLOCK * words;
      for (int lane = 0; lane < BLOCK; lane++) {
        int i = blk * BLOCK + lane;
        for (int w = 0; w < words; w++) {
          dst[base + w * BLOCK + lane] = i < count ? src[srcOff + i * words + w] : 0L;
        }
      }
    }
  }

  /** Index of candidate {@code i}'s word {@code w} in a blocked array starting at {@code off}. */
  public static int at(int off, int i, int w, int words) {
    return off + (i / BLOCK) * BLOCK * words + w * BLOCK + i % BLOCK;
  }
}
