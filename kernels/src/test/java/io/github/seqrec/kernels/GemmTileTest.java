package io.github.seqrec.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.internal.GemmTile;
import io.github.seqrec.kernels.internal.KernelProvider;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every GEMM register tile, forced on whatever machine and species this run has, against the
 * scalar definition: the GEMM itself on shapes around each tile's edges (rows around multiples of
 * 4 and 6, columns around multiples of 1, 2 and 3 vectors), then each family built on it.
 */
class GemmTileTest {

  @Test
  void theRegisterFileDecidesTheTile() {
    assertThat(GemmTile.vectorRegisters("amd64", 512, Optional.of(3))).isEqualTo(32);
    assertThat(GemmTile.vectorRegisters("amd64", 256, Optional.of(3))).isEqualTo(32); // AVX-512VL, MaxVectorSize=32
    assertThat(GemmTile.vectorRegisters("amd64", 256, Optional.of(2))).isEqualTo(16); // AVX2, or -XX:UseAVX=2
    assertThat(GemmTile.vectorRegisters("amd64", 128, Optional.of(1))).isEqualTo(16);
    assertThat(GemmTile.vectorRegisters("x86_64", 512, Optional.empty())).isEqualTo(32);
    assertThat(GemmTile.vectorRegisters("x86_64", 256, Optional.empty())).isEqualTo(16);
    assertThat(GemmTile.vectorRegisters("aarch64", 128, Optional.empty())).isEqualTo(32);
    assertThat(GemmTile.forRegisters(32)).isEqualTo(GemmTile.ROWS4_VECTORS3);
    assertThat(GemmTile.forRegisters(16)).isEqualTo(GemmTile.ROWS6_VECTORS2);
    assertThat(GemmTile.parse("6x2")).isEqualTo(GemmTile.ROWS6_VECTORS2);
    assertThatThrownBy(() -> GemmTile.parse("5x5")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("-Dseqrec.gemm.tile must be 4x3, 6x2 or auto, got '5x5'");
  }

  @Test
  void eachTileRunsTheGemmOnShapesAroundItsEdges() {
    for (GemmTile tile : GemmTile.values()) {
      KernelProvider vector = BackendPair.vector(tile);
      assertThat(vector.describe()).contains("gemm-tile=" + tile.label());
      int lanes = vector.vectorBitSize() / 32;
      int[] cols = {1, lanes - 1, lanes, lanes + 1, 2 * lanes - 1, 2 * lanes, 2 * lanes + 1, 3 * lanes - 1,
          3 * lanes, 3 * lanes + 1, 4 * lanes + 3, 5 * lanes + 1, 6 * lanes + 5};
      SplittableRandom random = new SplittableRandom(11);
      for (int m = 1; m <= 14; m++) {
        for (int n : cols) {
          for (int k : new int[] {1, 2, 7, 64}) {
            if (n > 0) {
              DenseTest.checkGemm(BackendPair.SCALAR.dense(), vector.dense(), random, m, k, n);
            }
          }
        }
      }
      DenseTest.checkGemm(BackendPair.SCALAR.dense(), vector.dense(), random, 100, 64, 192);
      DenseTest.checkGemm(BackendPair.SCALAR.dense(), vector.dense(), random, 101, 36, 108);
      DenseTest.checkGemm(BackendPair.SCALAR.dense(), vector.dense(), random, 50, 256, 80);
    }
  }

  @Test
  void eachTileRunsTheRecurrences() {
    for (GemmTile tile : GemmTile.values()) {
      var vector = BackendPair.vector(tile).recurrent();
      var scalar = BackendPair.SCALAR.recurrent();
      SplittableRandom random = new SplittableRandom(12);
      RecurrentTest.checkSteps(scalar, vector, random, 13, 17, 36);
      RecurrentTest.checkSteps(scalar, vector, random, 100, 64, 64);
      RecurrentTest.checkScans(scalar, vector, random, 7, 17, 15, 36, 1e-5);
      RecurrentTest.checkScans(scalar, vector, random, 101, 9, 36, 36, 1e-5);
      RecurrentTest.checkScans(scalar, vector, random, 65, 5, 17, 63, 1e-5);
    }
  }

  @Test
  void eachTileRunsAttentionAndTheDinUnit() {
    for (GemmTile tile : GemmTile.values()) {
      var vector = BackendPair.vector(tile).attention();
      var scalar = BackendPair.SCALAR.attention();
      SplittableRandom random = new SplittableRandom(13);
      AttentionTest.checkTarget(scalar, vector, random, 100, 50, 4, 16, 16);
      AttentionTest.checkTarget(scalar, vector, random, 65, 17, 1, 17, 7);
      AttentionTest.checkTarget(scalar, vector, random, 7, 129, 2, 32, 32);
      AttentionTest.checkSelf(scalar, vector, random, 65, true, 2, 17, 16);
      AttentionTest.checkSelf(scalar, vector, random, 50, false, 1, 64, 64);
      AttentionTest.checkDin(scalar, vector, random, AttentionTest.randomUnit(random, 64, 0), 100, 50);
      AttentionTest.checkDin(scalar, vector, random, AttentionTest.randomUnit(random, 17, 2), 13, 17);
    }
  }

  @Test
  void eachTileRunsConvolutionsAndSimHash() {
    for (GemmTile tile : GemmTile.values()) {
      KernelProvider vector = BackendPair.vector(tile);
      SplittableRandom random = new SplittableRandom(14);
      ConvolutionTest.checkCausal(BackendPair.SCALAR.convolution(), vector.convolution(), random, 50, 64, 64, 3, 4);
      ConvolutionTest.checkCausal(BackendPair.SCALAR.convolution(), vector.convolution(), random, 17, 7, 17, 2, 1);
      ConvolutionTest.checkCausal(BackendPair.SCALAR.convolution(), vector.convolution(), random, 65, 17, 63, 5, 3);
      for (int m : new int[] {64, 256}) {
        HashingTest.checkSignatures(BackendPair.SCALAR.hashing(), vector.hashing(), random, m, 64, 65);
        HashingTest.checkSignatures(BackendPair.SCALAR.hashing(), vector.hashing(), random, m, 17, 7);
      }
    }
  }
}
