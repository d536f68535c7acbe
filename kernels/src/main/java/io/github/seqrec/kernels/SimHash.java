package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.HashingKernels;
import io.github.seqrec.kernels.internal.KernelProvider;
import java.util.Random;

/**
 * SimHash signatures by random hyperplanes, the retrieval key of ETA (Chen et al., "End-to-End
 * User Behavior Retrieval in Click-Through Rate Prediction Model", arXiv 2108.04468, §3):
 * {@code bit_k(x) = 1[(x R)_k > 0]} for a fixed {@code d x m} matrix R whose columns are the m
 * hyperplane normals. The Hamming distance between two signatures estimates the angle between
 * the vectors ({@link Hamming}).
 *
 * <p><b>Layout.</b> m is a positive multiple of 64; a signature is {@code m / 64} {@code long}
 * words, little-endian: bit k lives in word {@code k / 64} at bit position {@code k % 64}
 * ({@code (sig[k >>> 6] >>> (k & 63)) & 1}). Signatures of N rows are {@code N x (m / 64)} longs,
 * row-major. x is {@code N x d} row-major floats, R is {@code d x m} row-major floats (as in
 * FuxiCTR's ETA, {@code x @ R}); both with explicit offsets.
 *
 * <p><b>Sign rule.</b> A bit is 1 only for a strictly positive projection: an exact 0 (and -0,
 * and NaN) gives 0, as FuxiCTR's {@code argmax([-xR, xR])} does on a tie. Projections that are
 * within rounding of 0 can come out either way between backends (the GEMM's summation order
 * differs); with Gaussian planes that needs a projection within about 1e-6 of its scale.
 *
 * <p>Stateless and thread-safe; nothing allocates except {@link #planes}. Bad arguments raise
 * {@link IllegalArgumentException} naming the argument with the expected and actual value.
 */
public final class SimHash {
  private static final HashingKernels KERNELS = KernelProvider.get().hashing();

  private SimHash() {}

  /** {@code m / 64}, the longs per signature; m must be a positive multiple of 64. */
  public static int words(int m) {
    checkBits(m);
    return m / 64;
  }

  /**
   * A reproducible {@code d x m} row-major plane matrix R of standard Gaussian entries, the same
   * on every JDK: {@code new java.util.Random(seed)}, then plane by plane (column k = 0..m-1 of
   * R), entry by entry (row i = 0..d-1), {@code R[i][k] = (float) random.nextGaussian()}. The
   * Java SE specification fixes {@code java.util.Random} exactly (a 48-bit linear congruential
   * generator, {@code nextGaussian} by the polar method with {@code StrictMath}), so a seed means
   * the same planes everywhere. Generating plane by plane makes the planes for m bits a prefix of
   * those for more bits: the first words of a wider signature are the narrower signature. Store
   * the planes with the model (ETA's R is a fixed, non-trained parameter); regenerate only for
   * tests or new models.
   */
  public static float[] planes(long seed, int d, int m) {
    Checks.nonNegative("d", d);
    checkBits(m);
    long size = (long) d * m;
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("d x m = " + d + " x " + m + " = " + size + " floats do not fit a Java array");
    }
    float[] r = new float[(int) size];
    Random random = new Random(seed);
    for (int k = 0; k < m; k++) {
      for (int i = 0; i < d; i++) {
        r[i * m + k] = (float) random.nextGaussian();
      }
    }
    return r;
  }

  /** Floats of scratch {@link #signatures} needs for {@code rows} rows of m bits. */
  public static int signaturesScratchSize(int rows, int m) {
    Checks.nonNegative("rows", rows);
    checkBits(m);
    long size = (long) Math.min(rows, HashingKernels.ROW_BLOCK) * m;
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("scratch for rows = " + rows + ", m = " + m + " exceeds an int: " + size);
    }
    return (int) size;
  }

  /**
   * SimHash signatures of {@code rows} inputs: {@code signatures[sigOff + r * m/64 ..]} gets the m
   * bits {@code (x_r R)_k > 0} of row r. The projection {@code x R} is one GEMM per block of 64
   * rows ({@code Dense.gemm}), written into {@code scratch}
   * ({@link #signaturesScratchSize}{@code (rows, m)} floats from {@code scratchOff}); then each
   * 64 projections become one word.
   *
   * @param x {@code rows x d} row-major inputs from {@code xOff}
   * @param planes R, {@code d x m} row-major from {@code planesOff}
   * @param signatures output, {@code rows x m/64} longs from {@code sigOff}
   */
  public static void signatures(float[] x, int xOff, int rows, int d, float[] planes, int planesOff, int m,
                                long[] signatures, int sigOff, float[] scratch, int scratchOff) {
    Checks.nonNegative("rows", rows);
    Checks.nonNegative("d", d);
    checkBits(m);
    Checks.region("x", x, xOff, (long) rows * d);
    Checks.region("planes", planes, planesOff, (long) d * m);
    Checks.region("signatures", signatures, sigOff, (long) rows * (m / 64));
    Checks.region("scratch", scratch, scratchOff, signaturesScratchSize(rows, m));
    if (scratch == x) {
      checkDisjoint("scratch", scratchOff, signaturesScratchSize(rows, m), "x", xOff, (long) rows * d);
    }
    if (scratch == planes) {
      checkDisjoint("scratch", scratchOff, signaturesScratchSize(rows, m), "planes", planesOff, (long) d * m);
    }
    KERNELS.signatures(x, xOff, rows, d, planes, planesOff, m, signatures, sigOff, scratch, scratchOff);
  }

  /**
   * The sign bits of {@code n} floats (n a multiple of 64), packed as signatures are: bit b of
   * {@code out[outOff + w]} is {@code values[off + 64 w + b] > 0}. For projections computed
   * elsewhere (another GEMM, a GPU); {@link #signatures} is this after its GEMM.
   */
  public static void packSigns(float[] values, int off, int n, long[] out, int outOff) {
    Checks.nonNegative("n", n);
    if (n % 64 != 0) {
      throw new IllegalArgumentException("n must be a multiple of 64, got " + n);
    }
    Checks.region("values", values, off, n);
    Checks.region("out", out, outOff, n / 64);
    KERNELS.packSigns(values, off, n, out, outOff);
  }

  static void checkBits(int m) {
    if (m <= 0 || m % 64 != 0) {
      throw new IllegalArgumentException("m (signature bits) must be a positive multiple of 64, got " + m);
    }
  }

  /** Two regions of the same array must not overlap. */
  static void checkDisjoint(String name, int off, long length, String otherName, int otherOff, long otherLength) {
    if (length > 0 && otherLength > 0 && off < otherOff + otherLength && otherOff < off + length) {
      throw new IllegalArgumentException(name + " [" + off + ", " + (off + length) + ") must not overlap "
          + otherName + " [" + otherOff + ", " + (otherOff + otherLength) + ")");
    }
  }
}
