package io.github.seqrec.kernels.internal;

import java.util.Locale;
import java.util.Optional;

/**
 * The register tile of the vector GEMM micro-kernel: {@code rows x vectors} accumulators of C held
 * for the whole k loop. Every GEMM-shaped kernel (dense layers, recurrent gate products, attention
 * scores and pooling, convolutions, the DIN unit, SimHash, k-means) runs through that one GEMM, so
 * the tile is chosen once, when the vector backend starts, from the register file:
 *
 * <ul>
 *   <li>{@link #ROWS4_VECTORS3} with 32 vector registers (AVX-512, whatever the species width:
 *       AVX-512VL gives 256- and 128-bit code the same 32): 12 accumulators, 3 loads of B and a
 *       broadcast of A per k step, 16 of 32 registers, 12 FMAs per 3 loads;</li>
 *   <li>{@link #ROWS6_VECTORS2} with 16 (AVX2, AVX): 12 accumulators, 2 loads, 1 broadcast = 15 of
 *       16, 12 FMAs per 2 loads. The 4 x 3 tile needs all 16 registers before C2 has any left
 *       for addressing and spills its accumulators through the k loop: measured on a Zen 3 core,
 *       100x64 . 64x192 ran at 23% of the FMA ceiling with 4 x 3 and at ~3x that with 6 x 2.</li>
 * </ul>
 *
 * <p>x86 tells which file C2 uses by {@code -XX:UseAVX} (3 = AVX-512 with zmm0-31; 2 or less =
 * ymm0-15), which also covers an AVX-512 machine run with {@code -XX:UseAVX=2}; where the flag cannot
 * be read, a 512-bit preferred species means AVX-512. AArch64 has 32 SIMD registers (v0-v31, NEON
 * and SVE alike). {@code -Dseqrec.gemm.tile=4x3|6x2|auto} overrides the choice (tests force each).
 */
public enum GemmTile {
  ROWS4_VECTORS3(4, 3),
  ROWS6_VECTORS2(6, 2);

  /** System property forcing a tile: {@code 4x3}, {@code 6x2} or {@code auto} (default). */
  public static final String PROPERTY = "seqrec.gemm.tile";

  private final int rows;
  private final int vectors;

  GemmTile(int rows, int vectors) {
    this.rows = rows;
    this.vectors = vectors;
  }

  public int rows() {
    return rows;
  }

  public int vectors() {
    return vectors;
  }

  /** {@code "6x2"}: rows x vectors. */
  public String label() {
    return rows + "x" + vectors;
  }

  /** The tile for a register file of {@code registers} vector registers. */
  public static GemmTile forRegisters(int registers) {
    return registers >= 32 ? ROWS4_VECTORS3 : ROWS6_VECTORS2;
  }

  /** The tile named {@code 4x3} or {@code 6x2}. */
  public static GemmTile parse(String label) {
    for (GemmTile tile : values()) {
      if (tile.label().equals(label)) {
        return tile;
      }
    }
    throw new IllegalArgumentException("-D" + PROPERTY + " must be 4x3, 6x2 or auto, got '" + label + "'");
  }

  /** Throws the {@link #parse} error when {@code -Dseqrec.gemm.tile} is neither {@code auto} nor a tile. */
  static void checkProperty() {
    String forced = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    if (!forced.equals("auto")) {
      parse(forced);
    }
  }

  /** The tile this JVM's vector backend uses, with the reason, for {@code Backends.describe()}. */
  public record Choice(GemmTile tile, int registers, String reason) {
    public String describe() {
      return "gemm-tile=" + tile.label() + " (" + reason + ")";
    }
  }

  /**
   * Chooses the tile for a vector backend whose preferred float species is {@code vectorBits} wide:
   * the property when set, else from the register file of this CPU and JVM.
   */
  public static Choice choose(int vectorBits) {
    String forced = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    int registers = vectorRegisters(System.getProperty("os.arch", ""), vectorBits,
        KernelProvider.vmFlag("UseAVX").flatMap(GemmTile::parseInt));
    if (!forced.equals("auto")) {
      return new Choice(parse(forced), registers, "forced by -D" + PROPERTY);
    }
    return new Choice(forRegisters(registers), registers, registers + " vector registers");
  }

  /**
   * The number of vector registers C2 allocates from: 32 on AArch64 and on x86 with AVX-512
   * ({@code UseAVX >= 3}, or a 512-bit species when the flag is unknown), else 16.
   */
  public static int vectorRegisters(String arch, int vectorBits, Optional<Integer> useAvx) {
    String a = arch.toLowerCase(Locale.ROOT);
    if (a.equals("aarch64") || a.equals("arm64")) {
      return 32;
    }
    if (useAvx.isPresent()) {
      return useAvx.get() >= 3 ? 32 : 16;
    }
    return vectorBits >= 512 ? 32 : 16;
  }

  private static Optional<Integer> parseInt(String s) {
    try {
      return Optional.of(Integer.parseInt(s.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
