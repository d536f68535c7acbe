package io.github.seqrec.models.transformer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** BERT4Rec, PinnerFormer and TransAct encoders against their PyTorch goldens. */
class EncoderCoresTest {
  static final Path ROOT = Path.of("src/test/resources/golden/models");

  static int[] ints(long[] a, int from, int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = (int) a[from + i];
    }
    return out;
  }

  static long[] longs(long[] a, int from, int n) {
    long[] out = new long[n];
    System.arraycopy(a, from, out, 0, n);
    return out;
  }

  static double check(float expected, float actual, String what) {
    double err = Math.abs(expected - actual) / Math.max(1.0, Math.abs(expected));
    assertTrue(err <= 1e-4, what + ": expected " + expected + ", got " + actual);
    return err;
  }

  @Test
  void bert4rec() throws IOException {
    Bert4RecCore core;
    try (SafeTensors st = SafeTensors.open(ROOT.resolve("bert4rec/weights.safetensors"))) {
      core = Bert4RecCore.load(st, 300, 64, 2, 2, 256, 200, 1e-12f);
    }
    Bert4RecCore.Scratch s = core.new Scratch();
    double worst = 0;
    float[] z = new float[core.d];
    for (String c : new String[] {"len1", "max", "padded", "empty"}) {
      try (SafeTensors b = SafeTensors.open(ROOT.resolve("bert4rec/batch_" + c + ".safetensors"))) {
        long[] items = b.longs("hist_items");
        long[] lens = b.longs("hist_len");
        long[] cands = b.longs("cand_items");
        float[] user = b.floats("expected.user_embedding");
        float[] logits = b.floats("expected.logits");
        int users = lens.length;
        int l = items.length / users;
        int nc = cands.length / users;
        for (int i = 0; i < users; i++) {
          core.encode(ints(items, i * l, l), 0, (int) lens[i], s, z, 0);
          for (int k = 0; k < core.d; k++) {
            worst = Math.max(worst, check(user[i * core.d + k], z[k], c + " z " + i));
          }
          for (int k = 0; k < nc; k++) {
            int item = (int) cands[i * nc + k];
            double dot = core.outBias[item];
            for (int q = 0; q < core.d; q++) {
              dot += (double) z[q] * core.itemTable[item * core.d + q];
            }
            worst = Math.max(worst, check(logits[i * nc + k], (float) dot, c + " logit " + i));
          }
        }
      }
    }
    assertTrue(worst < 1e-4);
  }

  @Test
  void pinnerformer() throws IOException {
    PinnerFormerCore core;
    try (SafeTensors st = SafeTensors.open(ROOT.resolve("pinnerformer/weights.safetensors"))) {
      core = PinnerFormerCore.load(st, 300, 8, 32, 16, 64, 2, 2, 128, 64, 128, 1e-5f, 1e-6f);
    }
    PinnerFormerCore.Scratch s = core.new Scratch();
    float[] u = new float[core.dOut];
    for (String c : new String[] {"len1", "max", "padded", "empty"}) {
      try (SafeTensors b = SafeTensors.open(ROOT.resolve("pinnerformer/batch_" + c + ".safetensors"))) {
        long[] items = b.longs("hist_items");
        long[] actions = b.longs("hist_actions");
        long[] times = b.longs("hist_times");
        long[] lens = b.longs("hist_len");
        long[] cands = b.longs("cand_items");
        float[] user = b.floats("expected.user_embedding");
        float[] logits = b.floats("expected.logits");
        int users = lens.length;
        int l = items.length / users;
        int nc = cands.length / users;
        for (int i = 0; i < users; i++) {
          core.encode(ints(items, i * l, l), ints(actions, i * l, l), longs(times, i * l, l), 0, (int) lens[i], s, u, 0);
          for (int k = 0; k < core.dOut; k++) {
            check(user[i * core.dOut + k], u[k], c + " user " + i);
          }
          for (int k = 0; k < nc; k++) {
            int item = (int) cands[i * nc + k];
            double dot = 0;
            for (int q = 0; q < core.dOut; q++) {
              dot += (double) u[q] * core.catalogue[item * core.dOut + q];
            }
            check(logits[i * nc + k], (float) dot, c + " logit " + i);
          }
        }
      }
    }
  }

  @Test
  void transact() throws IOException {
    TransActCore core;
    try (SafeTensors st = SafeTensors.open(ROOT.resolve("transact/weights.safetensors"))) {
      core = TransActCore.load(st, 300, 20, 32, 32, 100, 10, 2, 2, 32, 32, 1e-5f);
    }
    TransActCore.Scratch s = core.new Scratch();
    for (String c : new String[] {"len1", "max", "padded", "empty", "long"}) {
      try (SafeTensors b = SafeTensors.open(ROOT.resolve("transact/batch_" + c + ".safetensors"))) {
        long[] items = b.longs("hist_items");
        long[] actions = b.longs("hist_actions");
        long[] times = b.longs("hist_times");
        long[] lens = b.longs("hist_len");
        long[] req = b.longs("request_time");
        long[] cands = b.longs("cand_items");
        float[] logits = b.floats("expected.logits");
        int users = lens.length;
        int l = items.length / users;
        int nc = cands.length / users;
        float[] out = new float[nc];
        for (int i = 0; i < users; i++) {
          core.score(ints(items, i * l, l), ints(actions, i * l, l), longs(times, i * l, l), 0, (int) lens[i], req[i],
              ints(cands, i * nc, nc), 0, nc, s, out, 0);
          for (int k = 0; k < nc; k++) {
            check(logits[i * nc + k], out[k], c + " logit " + i + "," + k);
          }
        }
      }
    }
  }
}
