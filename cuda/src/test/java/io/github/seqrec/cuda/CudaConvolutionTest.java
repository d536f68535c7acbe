package io.github.seqrec.cuda;

import io.github.seqrec.kernels.Convolution;
import io.github.seqrec.kernels.PackedCausalConv;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** GPU dilated causal convolution against the scalar {@link Convolution}, whole sequences and last rows. */
class CudaConvolutionTest {

  @ParameterizedTest
  @MethodSource("io.github.seqrec.cuda.Targets#all")
  void batchesMatchScalar(Targets.Target target) {
    CudaContext ctx = target.context();
    SplittableRandom random = new SplittableRandom(41);
    // batch, length, cIn, cOut, k, dilation
    int[][] shapes = target.large()
        ? new int[][] {{1, 1, 1, 1, 1, 1}, {3, 17, 7, 9, 3, 2}, {2, 65, 64, 64, 3, 4}, {64, 1000, 64, 64, 3, 8},
            {1, 4097, 17, 15, 5, 1}, {7, 10, 3, 2, 3, 16}}
        : new int[][] {{1, 1, 1, 1, 1, 1}, {3, 17, 7, 9, 3, 2}, {2, 33, 16, 20, 3, 4}, {2, 10, 3, 2, 3, 16}};
    for (int[] s : shapes) {
      int batch = s[0];
      int length = s[1];
      int cIn = s[2];
      int cOut = s[3];
      int k = s[4];
      int dil = s[5];
      float[] weight = GpuAsserts.uniform(random, cOut * cIn * k);
      float[] bias = random.nextBoolean() ? GpuAsserts.uniform(random, cOut) : null;
      float[] x = GpuAsserts.uniform(random, batch * length * cIn);
      PackedCausalConv conv = Convolution.packCausalConv1d(weight, bias, cOut, cIn, k, dil);
      float[] expected = new float[batch * length * cOut];
      Convolution.causalConv1dBatch(x, 0, batch, length, conv, expected, 0);
      int from = random.nextInt(length + 1);
      float[] expectedRows = new float[batch * (length - from) * cOut];
      for (int b = 0; b < batch; b++) {
        Convolution.causalConv1dRows(x, b * length * cIn, length, from, conv, expectedRows, b * (length - from) * cOut);
      }
      String what = "conv " + java.util.Arrays.toString(s);
      try (CudaCausalConv dconv = CudaConvolution.packCausalConv1d(ctx, weight, bias, cOut, cIn, k, dil);
           DeviceFloats dx = ctx.upload(x); DeviceFloats y = GpuAsserts.poisoned(ctx, expected.length);
           DeviceFloats yRows = GpuAsserts.poisoned(ctx, Math.max(1, expectedRows.length))) {
        CudaConvolution.causalConv1dBatch(dx, 0, batch, length, dconv, y, 0);
        GpuAsserts.assertClose(what, expected, y.toArray(), GpuAsserts.REL_TOL, Math.sqrt(k * cIn));
        CudaConvolution.causalConv1dRows(dx, 0, batch, length, from, dconv, yRows, 0);
        float[] rows = new float[expectedRows.length];
        yRows.copyTo(0, rows, 0, rows.length);
        GpuAsserts.assertClose(what + " from " + from, expectedRows, rows, GpuAsserts.REL_TOL, Math.sqrt(k * cIn));
      }
    }
  }
}
