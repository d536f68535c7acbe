package io.github.seqrec.models.nextitem;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Caser's user embedding x = [z; P_u] alone, against the golden batches. */
class CaserNetworkTest {
  static final Path DIR = Path.of("src/test/resources/golden/models/caser");

  @Test
  void goldenUserEmbeddings() throws IOException {
    try (SafeTensors st = SafeTensors.open(DIR.resolve("weights.safetensors"))) {
      CaserNetwork net = CaserNetwork.load(st, 30, 200, 50, 5, 4, 16, "relu", "relu", false, false);
      double worst = 0;
      for (String c : new String[] {"len1", "max", "padded", "empty"}) {
        try (SafeTensors b = SafeTensors.open(DIR.resolve("batch_" + c + ".safetensors"))) {
          long[] items = b.longs("hist_items");
          long[] lens = b.longs("hist_len");
          long[] users = b.longs("user_id");
          int width = items.length / lens.length;
          float[] expected = b.floats("expected.user_embedding");
          double scale = goldenScale(expected);
          int e = net.embeddingDim();
          for (int u = 0; u < lens.length; u++) {
            int n = (int) lens[u];
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
              ids[i] = (int) items[u * width + i];
            }
            float[] out = new float[e];
            net.userEmbedding(ids, 0, n, (int) users[u], out, 0, new float[net.scratchSize()], 0);
            for (int j = 0; j < e; j++) {
              double x = expected[u * e + j];
              worst = Math.max(worst, Math.abs(out[j] - x) / (Math.abs(x) + scale));
            }
          }
        }
      }
      assertTrue(worst < 1e-4, "worst relative error " + worst);
    }
  }

  /** The golden comparison's near-zero scale (GoldenComparison): a tenth of the tensor's RMS, at least 1e-6. */
  static double goldenScale(float[] expected) {
    double sum = 0;
    for (float v : expected) {
      sum += (double) v * v;
    }
    return Math.max(0.1 * Math.sqrt(sum / Math.max(1, expected.length)), 1e-6);
  }
}
