package io.github.seqrec.kernels;

/**
 * Signatures of one history (or any candidate set), prepared once in the blocked layout that makes
 * Hamming search over wide signatures fast: candidates in blocks of 8, and inside a block word w
 * of the 8 candidates contiguous, so one vector XOR + popcount advances 8 distances with no
 * horizontal reduction (see {@link Hamming#toBlocked}). Worth it from m = 128 bits on; for m = 64
 * it equals the row-major layout. ETA caches signatures per item and per user; build one of these
 * per cached history with {@link Hamming#block} and search it with
 * {@link Hamming#topK(long[], int, int, SignatureBlock, int, int, int[], int, int[], int, int[], int)}.
 * Immutable and safe to share between threads.
 */
public final class SignatureBlock {
  private final long[] blocked;
  private final int count;
  private final int bits;

  SignatureBlock(long[] blocked, int count, int bits) {
    this.blocked = blocked;
    this.count = count;
    this.bits = bits;
  }

  /** Number of signatures (candidates). */
  public int count() {
    return count;
  }

  /** Signature width m in bits. */
  public int bits() {
    return bits;
  }

  /** Signature width in 64-bit words, {@code bits() / 64}. */
  public int words() {
    return bits / 64;
  }

  long[] blocked() {
    return blocked;
  }
}
