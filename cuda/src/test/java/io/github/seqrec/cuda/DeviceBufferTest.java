package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Host/device copies with offsets on both sides, fills, device copies and the workspace: the JCuda plumbing. */
class DeviceBufferTest {

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void copiesHonourOffsetsOnBothSides(Targets.Target target) {
    CudaContext ctx = target.context();
    float[] host = new float[10];
    for (int i = 0; i < host.length; i++) {
      host[i] = i + 0.5f;
    }
    try (DeviceFloats d = ctx.allocFloats(8); DeviceFloats e = ctx.allocFloats(8)) {
      d.fill(-1f);
      d.copyFrom(host, 3, 2, 4); // d = [-1, -1, 3.5, 4.5, 5.5, 6.5, -1, -1]
      assertThat(d.toArray()).containsExactly(-1f, -1f, 3.5f, 4.5f, 5.5f, 6.5f, -1f, -1f);
      float[] back = new float[6];
      d.copyTo(3, back, 1, 4);
      assertThat(back).containsExactly(0f, 4.5f, 5.5f, 6.5f, -1f, 0f);
      e.fill(Float.NaN);
      e.copyFrom(d, 2, 5, 3);
      float[] all = e.toArray();
      assertThat(Arrays.copyOfRange(all, 5, 8)).containsExactly(3.5f, 4.5f, 5.5f);
      assertThat(all[4]).isNaN();
      d.copyFrom(host, 0, 8, 0); // empty copy at the end is fine
    }
    long[] longs = {Long.MIN_VALUE, -1L, 0x0123_4567_89ab_cdefL, 7L};
    int[] ints = {Integer.MIN_VALUE, -2, 3, Integer.MAX_VALUE};
    try (DeviceLongs dl = ctx.upload(longs); DeviceInts di = ctx.upload(ints)) {
      assertThat(dl.toArray()).containsExactly(longs);
      long[] part = new long[2];
      dl.copyTo(1, part, 0, 2);
      assertThat(part).containsExactly(-1L, 0x0123_4567_89ab_cdefL);
      di.copyFrom(new int[] {9, 8}, 1, 3, 1);
      assertThat(di.toArray()).containsExactly(Integer.MIN_VALUE, -2, 3, 8);
      di.fill(42);
      assertThat(di.toArray()).containsOnly(42);
      dl.zero();
      assertThat(dl.toArray()).containsOnly(0L);
    }
  }

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void emptyBuffersAndTheWorkspaceCanBeReleased(Targets.Target target) {
    CudaContext ctx = target.context();
    try (DeviceFloats empty = ctx.allocFloats(0)) {
      assertThat(empty.toArray()).isEmpty();
      empty.fill(1f);
    }
    ctx.trimWorkspace();
    // kernels that need a workspace allocate it again
    try (DeviceFloats scores = ctx.upload(new float[] {3, 1, 2}); DeviceFloats values = ctx.allocFloats(2);
         DeviceInts idx = ctx.allocInts(2)) {
      CudaTopK.topKRows(scores, 0, 1, 3, 2, values, 0, idx, 0);
      assertThat(idx.toArray()).containsExactly(0, 2);
      assertThat(values.toArray()).containsExactly(3f, 2f);
    }
  }
}
