package io.github.seqrec.models.nextitem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.kernels.Activations;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The residual stack alone: golden user embeddings, and the incremental state against rescoring. */
class NextItNetStackTest {
  static final Path DIR = Path.of("src/test/resources/golden/models/nextitnet");
  static final int C = 32;

  static NextItNetStack stack(SafeTensors st) throws IOException {
    return NextItNetStack.load(st, C, 3, new int[] {1, 2, 1, 2, 1, 2}, 1e-8f);
  }

  static void embed(float[] table, int[] items, int from, int n, float[] out) {
    for (int i = 0; i < n; i++) {
      System.arraycopy(table, items[from + i] * C, out, i * C, C);
    }
  }

  @Test
  void goldenUserEmbeddings() throws IOException {
    try (SafeTensors st = SafeTensors.open(DIR.resolve("weights.safetensors"))) {
      NextItNetStack s = stack(st);
      assertEquals(55, s.receptiveField());
      float[] table = st.floats("item_embedding.weight", 201, C);
      double worst = 0;
      for (String c : new String[] {"len1", "max", "padded"}) {
        try (SafeTensors b = SafeTensors.open(DIR.resolve("batch_" + c + ".safetensors"))) {
          long[] items = b.longs("hist_items");
          long[] lens = b.longs("hist_len");
          int width = items.length / lens.length;
          float[] expected = b.floats("expected.user_embedding");
          double scale = goldenScale(expected);
          for (int u = 0; u < lens.length; u++) {
            int n = (int) lens[u];
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
              ids[i] = (int) items[u * width + i];
            }
            float[] x = new float[n * C];
            embed(table, ids, 0, n, x);
            float[] out = new float[C];
            s.lastRow(x, 0, n, out, 0, new float[s.scratchSize(n)], 0);
            Activations.relu(out, 0, out, 0, C);
            for (int j = 0; j < C; j++) {
              double e = expected[u * C + j];
              worst = Math.max(worst, Math.abs(out[j] - e) / (Math.abs(e) + scale));
            }
          }
        }
      }
      assertTrue(worst < 1e-4, "worst relative error " + worst);
    }
  }

  @Test
  void incrementalEqualsRescoring() throws IOException {
    try (SafeTensors st = SafeTensors.open(DIR.resolve("weights.safetensors"))) {
      NextItNetStack s = stack(st);
      float[] table = st.floats("item_embedding.weight", 201, C);
      SplittableRandom r = new SplittableRandom(3);
      int n = 1000;
      int[] items = new int[n];
      float[] x = new float[n * C];
      NextItNetState state = new NextItNetState(this, s);
      float[] inc = new float[C];
      float[] full = new float[C];
      float[] scratch = new float[s.scratchSize(n)];
      float[] appendScratch = new float[s.appendScratchSize()];
      double worst = 0;
      for (int t = 0; t < n; t++) {
        items[t] = 1 + r.nextInt(200);
        System.arraycopy(table, items[t] * C, x, t * C, C);
        s.append(state, table, items[t] * C, inc, 0, appendScratch, 0);
        s.lastRow(x, 0, t + 1, full, 0, scratch, 0);
        for (int j = 0; j < C; j++) {
          worst = Math.max(worst, Math.abs(inc[j] - full[j]) / Math.max(1e-3, Math.abs(full[j])));
        }
      }
      assertEquals(n, state.length());
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
