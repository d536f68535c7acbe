package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad arguments are rejected with the CPU facades' messages before anything reaches the driver
 * (the {@link NoLaunchDriver} fails the test on any launch), so these run on every machine.
 */
class ValidationTest {
  private static CudaContext ctx;

  @BeforeAll
  static void open() {
    ctx = NoLaunchDriver.context();
  }

  @AfterAll
  static void close() {
    ctx.close();
  }

  @Test
  void attention() {
    try (DeviceFloats q = ctx.allocFloats(2 * 8); DeviceFloats k = ctx.allocFloats(5 * 8);
         DeviceFloats v = ctx.allocFloats(5 * 8); DeviceFloats out = ctx.allocFloats(2 * 8);
         DeviceInts index = ctx.allocInts(6)) {
      // b=2 targets, l=5 keys, heads=2, dk=dv=4
      assertThatThrownBy(() -> CudaAttention.targetAttention(q, 0, 2, k, 0, v, 0, 5, 6, 2, 4, 4, 0.5f,
          null, 0, 0, 0, out, 0)).hasMessage("valid must be in [0, 5], got 6");
      assertThatThrownBy(() -> CudaAttention.targetAttention(q, 0, 2, k, 0, v, 0, 5, 5, 2, 4, 4, Float.NaN,
          null, 0, 0, 0, out, 0)).hasMessage("scale must be finite, got NaN");
      assertThatThrownBy(() -> CudaAttention.targetAttention(q, 1, 2, k, 0, v, 0, 5, 5, 2, 4, 4, 0.5f,
          null, 0, 0, 0, out, 0)).hasMessage("q needs 16 elements from offset 1 (up to index 17), but its length is 16");
      assertThatThrownBy(() -> CudaAttention.targetAttention(q, 0, 2, k, 0, v, 0, 5, 5, 0, 4, 4, 0.5f,
          null, 0, 0, 0, out, 0)).hasMessage("heads must be > 0, got 0");
      assertThatThrownBy(() -> CudaAttention.targetAttention(q, 0, 2, k, 0, v, 0, 5, 5, 2, 4, 4, 0.5f,
          q, 7, 5, 0, out, 0)).hasMessage("bias needs 10 elements from offset 7 (up to index 17), but its length is 16");
      assertThatThrownBy(() -> CudaAttention.targetAttention(q, 0, 2, k, 0, v, 0, 5, 5, 2, 4, 4, 0.5f,
          null, 0, 0, 0, k, 0)).hasMessage("out must not overlap k");
      assertThatThrownBy(() -> CudaAttention.targetAttention(q, 0, 1, k, 0, v, 0, 1, 1, 1, 257, 1, 0.5f,
          null, 0, 0, 0, out, 0)).hasMessageStartingWith("dk must be <= 256 on the GPU");
      assertThatThrownBy(() -> CudaAttention.targetAttentionGathered(q, 0, 2, k, 0, v, 0, 5, null, 0, 3, null, 0,
          2, 4, 4, 0.5f, null, 0, 0, 0, out, 0)).hasMessage(
              "without an index, target t uses rows t m .. t m + m - 1, so n must be >= b m = 6, got 5");
      assertThatThrownBy(() -> CudaAttention.targetAttentionGathered(q, 0, 2, k, 0, v, 0, 5, index, 1, 3, null, 0,
          2, 4, 4, 0.5f, null, 0, 0, 0, out, 0)).hasMessage(
              "index needs 6 elements from offset 1 (up to index 7), but its length is 6");
    }
  }

  @Test
  void biasSpanUsesBothStrides() {
    try (DeviceFloats q = ctx.allocFloats(16); DeviceFloats k = ctx.allocFloats(40); DeviceFloats v = ctx.allocFloats(40);
         DeviceFloats out = ctx.allocFloats(16); DeviceFloats bias = ctx.allocFloats(14)) {
      // span = (b-1) * 5 + (heads-1) * 5 + 5 = 15 > 14
      assertThatThrownBy(() -> CudaAttention.targetAttention(q, 0, 2, k, 0, v, 0, 5, 5, 2, 4, 4, 0.5f,
          bias, 0, 5, 5, out, 0)).hasMessage("bias needs 15 elements from offset 0 (up to index 15), but its length is 14");
      assertThatThrownBy(() -> CudaAttention.targetAttention(q, 0, 2, k, 0, v, 0, 5, 5, 2, 4, 4, 0.5f,
          bias, 0, -1, 5, out, 0)).hasMessage("biasTargetStride must be >= 0, got -1");
    }
  }

  @Test
  void recurrent() {
    float[] wih = new float[3 * 4 * 3];
    float[] whh = new float[3 * 4 * 4];
    assertThatThrownBy(() -> CudaRecurrent.packGru(ctx, wih, new float[5], null, null, 3, 4))
        .hasMessage("weight_hh must be 3H x H = 12 x 4 = 48 floats, got 5");
    assertThatThrownBy(() -> CudaRecurrent.packGru(ctx, wih, whh, new float[3], null, 3, 4))
        .hasMessage("bias_ih must have 3H = 12 floats, got 3");
    assertThatThrownBy(() -> CudaRecurrent.packGru(ctx, new float[3 * 7000], new float[3 * 7000 * 7000], null, null, 1, 7000))
        .hasMessageStartingWith("hiddenSize must be <= 6144 on the GPU");
    try (CudaRecurrentWeights w = CudaRecurrent.packGru(ctx, wih, whh, null, null, 3, 4);
         CudaRecurrentWeights lstm = CudaRecurrent.packLstm(ctx, new float[4 * 4 * 3], new float[4 * 4 * 4], null, null, 3, 4);
         DeviceFloats x = ctx.allocFloats(2 * 5 * 3); DeviceFloats h = ctx.allocFloats(2 * 4);
         DeviceFloats all = ctx.allocFloats(2 * 5 * 4); DeviceFloats att = ctx.allocFloats(10)) {
      assertThatThrownBy(() -> CudaRecurrent.gruScan(w, x, 0, false, 2, 5, new int[] {5, 6}, 0, null, 0, h, 0, all, 0))
          .hasMessage("lengths[1] must be in [0, steps = 5], got 6");
      assertThatThrownBy(() -> CudaRecurrent.gruScan(w, x, 0, false, 2, 5, new int[] {5}, 0, null, 0, h, 0, all, 0))
          .hasMessage("lengths needs 2 elements from offset 0 (up to index 2), but its length is 1");
      assertThatThrownBy(() -> CudaRecurrent.gruScan(w, x, 1, false, 2, 5, null, 0, null, 0, h, 0, all, 0))
          .hasMessage("x needs 30 elements from offset 1 (up to index 31), but its length is 30");
      assertThatThrownBy(() -> CudaRecurrent.gruScan(lstm, x, 0, false, 2, 5, null, 0, null, 0, h, 0, all, 0))
          .hasMessage("weights must be GRU weights (3 gates), got 4 gates");
      try (DeviceFloats states = ctx.allocFloats(16)) {
        assertThatThrownBy(() -> CudaRecurrent.gruScan(w, x, 0, false, 2, 5, null, 0, states, 1, states, 0, all, 0))
            .hasMessage("hLast must not overlap h0");
      }
      assertThatThrownBy(() -> CudaRecurrent.augruScan(w, x, 0, false, att, 1, 2, 5, null, 0, null, 0, h, 0, all, 0))
          .hasMessage("att needs 10 elements from offset 1 (up to index 11), but its length is 10");
      assertThatThrownBy(() -> CudaRecurrent.gruStep(w, x, 0, h, 0, 3, h, 0))
          .hasMessage("h needs 12 elements from offset 0 (up to index 12), but its length is 8");
    }
  }

  @Test
  void convolution() {
    assertThatThrownBy(() -> CudaConvolution.packCausalConv1d(ctx, new float[7], null, 2, 2, 2, 1))
        .hasMessage("weight must have outChannels x inChannels x kernelSize = 2 x 2 x 2 = 8 floats, got 7");
    assertThatThrownBy(() -> CudaConvolution.packCausalConv1d(ctx, new float[8], null, 2, 2, 2, 0))
        .hasMessage("dilation must be > 0, got 0");
    try (CudaCausalConv conv = CudaConvolution.packCausalConv1d(ctx, new float[8], new float[2], 2, 2, 2, 1);
         DeviceFloats x = ctx.allocFloats(3 * 4 * 2); DeviceFloats y = ctx.allocFloats(3 * 4 * 2)) {
      assertThatThrownBy(() -> CudaConvolution.causalConv1dBatch(x, 0, 4, 4, conv, y, 0))
          .hasMessage("x needs 32 elements from offset 0 (up to index 32), but its length is 24");
      assertThatThrownBy(() -> CudaConvolution.causalConv1dRows(x, 0, 3, 4, 5, conv, y, 0))
          .hasMessage("fromRow must be in [0, 4], got 5");
      assertThatThrownBy(() -> CudaConvolution.causalConv1dBatch(x, 0, 3, 4, conv, x, 0))
          .hasMessage("x must not overlap y");
    }
  }

  @Test
  void hashing() {
    try (DeviceFloats x = ctx.allocFloats(4 * 8); DeviceFloats planes = ctx.allocFloats(8 * 128);
         DeviceLongs sigs = ctx.allocLongs(10 * 2); DeviceLongs queries = ctx.allocLongs(3 * 2);
         DeviceInts idx = ctx.allocInts(3 * 5); DeviceInts dist = ctx.allocInts(3 * 5)) {
      assertThatThrownBy(() -> CudaHashing.signatures(x, 0, 4, 8, planes, 0, 100, sigs, 0))
          .hasMessage("m (signature bits) must be a positive multiple of 64, got 100");
      assertThatThrownBy(() -> CudaHashing.signatures(x, 0, 4, 8, planes, 1, 128, sigs, 0))
          .hasMessage("planes needs 1024 elements from offset 1 (up to index 1025), but its length is 1024");
      assertThatThrownBy(() -> CudaHashing.topK(queries, 0, 3, sigs, 0, 10, 11, 128, 5, idx, 0, dist, 0))
          .hasMessage("valid must be in [0, 10], got 11");
      assertThatThrownBy(() -> CudaHashing.topK(queries, 0, 3, sigs, 0, 10, 10, 128, 0, idx, 0, dist, 0))
          .hasMessage("k must be > 0, got 0");
      assertThatThrownBy(() -> CudaHashing.topK(queries, 0, 3, sigs, 0, 10, 10, 128, 1025, idx, 0, dist, 0))
          .hasMessageStartingWith("k must be <= 1024 on the GPU");
      assertThatThrownBy(() -> CudaHashing.topK(queries, 0, 3, sigs, 0, 10, 10, 128, 5, idx, 0, idx, 0))
          .hasMessage("distances must not overlap indices");
      assertThatThrownBy(() -> CudaHashing.topK(queries, 0, 3, sigs, 0, 10, 10, 128, 6, idx, 0, dist, 0))
          .hasMessage("indices needs 18 elements from offset 0 (up to index 18), but its length is 15");
    }
  }

  @Test
  void topK() {
    try (DeviceFloats scores = ctx.allocFloats(3 * 10); DeviceFloats values = ctx.allocFloats(3 * 4);
         DeviceInts idx = ctx.allocInts(3 * 4)) {
      assertThatThrownBy(() -> CudaTopK.topKRows(scores, 0, 3, 10, 0, values, 0, idx, 0))
          .hasMessage("k must be > 0, got 0");
      assertThatThrownBy(() -> CudaTopK.topKRows(scores, 0, 3, 10, 5, values, 0, idx, 0))
          .hasMessage("values needs 15 elements from offset 0 (up to index 15), but its length is 12");
      assertThatThrownBy(() -> CudaTopK.topKRows(scores, 1, 3, 10, 4, values, 0, idx, 0))
          .hasMessage("scores needs 30 elements from offset 1 (up to index 31), but its length is 30");
      assertThatThrownBy(() -> CudaTopK.topKRows(scores, 0, 2, 10, 4, scores, 0, idx, 0))
          .hasMessage("values must not overlap scores");
    }
  }

  @Test
  void buffersAndContexts() {
    CudaContext other = NoLaunchDriver.context();
    try (DeviceFloats a = ctx.allocFloats(4); DeviceFloats b = other.allocFloats(4); DeviceFloats c = ctx.allocFloats(4)) {
      assertThatThrownBy(() -> CudaDense.gemm(a, 0, 2, 2, 2, b, 0, 2, 2, null, 0, c, 0, 2, false))
          .hasMessage("all buffers of one call must belong to the same CudaContext");
      assertThatThrownBy(() -> a.copyFrom(new float[3], 1, 2, 3))
          .hasMessage("source needs 3 elements from offset 1, but its length is 3");
      assertThatThrownBy(() -> ctx.allocFloats(-1)).hasMessage("length must be >= 0, got -1");
    } finally {
      other.close();
    }
    DeviceFloats closed = ctx.allocFloats(4);
    closed.close();
    closed.close(); // idempotent
    try (DeviceFloats c = ctx.allocFloats(4)) {
      assertThatThrownBy(() -> CudaDense.gemm(closed, 0, 2, 2, 2, c, 0, 2, 2, null, 0, c, 0, 2, false))
          .hasMessage("a is closed");
    }
    CudaContext gone = NoLaunchDriver.context();
    DeviceFloats orphan = gone.allocFloats(2);
    gone.close();
    assertThatThrownBy(() -> orphan.fill(1f)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> gone.allocFloats(1)).isInstanceOf(IllegalStateException.class)
        .hasMessage("the CudaContext is closed");
  }
}
