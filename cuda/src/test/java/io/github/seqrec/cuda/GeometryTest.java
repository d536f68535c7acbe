package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.cuda.internal.Geometry;
import io.github.seqrec.cuda.internal.Geometry.AttentionSplit;
import org.junit.jupiter.api.Test;

/** The launch arithmetic, checked without a GPU. */
class GeometryTest {

  @Test
  void powersOfTwoAndDivisions() {
    assertThat(Geometry.nextPowerOfTwo(1)).isEqualTo(1);
    assertThat(Geometry.nextPowerOfTwo(2)).isEqualTo(2);
    assertThat(Geometry.nextPowerOfTwo(3)).isEqualTo(4);
    assertThat(Geometry.nextPowerOfTwo(17)).isEqualTo(32);
    assertThat(Geometry.nextPowerOfTwo(64)).isEqualTo(64);
    assertThat(Geometry.ceilDiv(0, 64)).isZero();
    assertThat(Geometry.ceilDiv(65, 64)).isEqualTo(2);
  }

  @Test
  void attentionGroupCoversTheWiderHeadUpToAWarp() {
    assertThat(Geometry.attentionGroup(1, 1)).isEqualTo(1);
    assertThat(Geometry.attentionGroup(7, 3)).isEqualTo(8);
    assertThat(Geometry.attentionGroup(16, 16)).isEqualTo(16);
    assertThat(Geometry.attentionGroup(16, 17)).isEqualTo(32);
    assertThat(Geometry.attentionGroup(64, 64)).isEqualTo(32);
    assertThat(Geometry.attentionGroup(256, 1)).isEqualTo(32);
    // every element of a 256-wide head has a lane: 8 per lane of 32
    assertThat(Geometry.ATTENTION_MAX_DIM).isEqualTo(8 * 32);
  }

  @Test
  void attentionSplitsLongHistoriesWhenFewPairs() {
    // one target, one head, 10^5 keys on 132 SMs: ceil(10^5 / 512) = 196 splits of 511 keys
    AttentionSplit s = Geometry.attentionSplit(1, 100_000, 132);
    assertThat(s.splits()).isEqualTo(196);
    assertThat(s.keysPerSplit()).isEqualTo(511);
    assertThat((long) s.splits() * s.keysPerSplit()).isGreaterThanOrEqualTo(100_000);
    assertThat((long) (s.splits() - 1) * s.keysPerSplit()).isLessThan(100_000);
    // many pairs already fill the GPU: no split
    assertThat(Geometry.attentionSplit(4000, 100_000, 132)).isEqualTo(new AttentionSplit(1, 100_000));
    // a short history is never split
    assertThat(Geometry.attentionSplit(1, 50, 132)).isEqualTo(new AttentionSplit(1, 50));
    // empty history, empty batch
    assertThat(Geometry.attentionSplit(10, 0, 132)).isEqualTo(new AttentionSplit(1, 0));
    assertThat(Geometry.attentionSplit(0, 10, 132)).isEqualTo(new AttentionSplit(1, 10));
  }

  @Test
  void attentionSplitHasNoEmptySplitAndFitsTheGrid() {
    for (int keys : new int[] {1, 511, 512, 513, 1000, 4097, 65_537, 100_000, Integer.MAX_VALUE / 2}) {
      for (long pairs : new long[] {1, 2, 7, 100, 1000}) {
        AttentionSplit s = Geometry.attentionSplit(pairs, keys, 132);
        assertThat(s.splits()).isBetween(1, 65535);
        assertThat((long) s.splits() * s.keysPerSplit()).isGreaterThanOrEqualTo(keys);
        assertThat((long) (s.splits() - 1) * s.keysPerSplit()).isLessThan(keys);
        assertThat(Geometry.attentionPartialFloats(pairs, s, 64))
            .isEqualTo(s.splits() == 1 ? 0 : pairs * s.splits() * 66);
      }
    }
  }

  @Test
  void scanThreadsAreWholeWarpsUpTo256() {
    assertThat(Geometry.scanThreads(1)).isEqualTo(32);
    assertThat(Geometry.scanThreads(33)).isEqualTo(64);
    assertThat(Geometry.scanThreads(64)).isEqualTo(64);
    assertThat(Geometry.scanThreads(1000)).isEqualTo(256);
  }

  @Test
  void simhashUsesOneWarpPer32Bits() {
    assertThat(Geometry.simhashBlocks(1, 64)).isEqualTo(1); // 2 warps
    assertThat(Geometry.simhashBlocks(4, 64)).isEqualTo(1); // 8 warps = 256 threads
    assertThat(Geometry.simhashBlocks(5, 64)).isEqualTo(2);
    assertThat(Geometry.simhashBlocks(1000, 128)).isEqualTo(500);
  }

  @Test
  void hammingRadixStartsAtTheHighestDigitOfM() {
    assertThat(Geometry.hammingTopShift(64)).isZero();
    assertThat(Geometry.hammingTopShift(192)).isZero();
    assertThat(Geometry.hammingTopShift(256)).isEqualTo(8);
    assertThat(Geometry.hammingTopShift(4096)).isEqualTo(8);
    assertThat(Geometry.hammingTopShift(65536)).isEqualTo(16);
  }

  @Test
  void gridStrideBlocksAreCapped() {
    assertThat(Geometry.gridStrideBlocks(1, 256, 132)).isEqualTo(1);
    assertThat(Geometry.gridStrideBlocks(256 * 10, 256, 132)).isEqualTo(10);
    assertThat(Geometry.gridStrideBlocks(1L << 40, 256, 132)).isEqualTo(132 * 32);
  }
}
