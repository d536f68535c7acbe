package io.github.seqrec.models.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SASRec encoder against the PyTorch goldens, and its KV-cache step against full recompute. */
class SasRecCoreTest {
  static final Path DIR = Path.of("src/test/resources/golden/models/sasrec");

  static SasRecCore golden(boolean normFirst, boolean latest) throws IOException {
    try (SafeTensors st = SafeTensors.open(DIR.resolve("weights.safetensors"))) {
      return SasRecCore.load(st, 300, 50, 2, 2, 200, normFirst, latest, 1e-8f, SasRecCore.Variant.pmixer(50));
    }
  }

  static double worst;

  /** Every batch: user vectors and candidate logits within 1e-4 relative (scale >= 1). */
  @Test
  void goldens() throws IOException {
    check(golden(false, false), "len1", "max", "padded", "empty");
    check(golden(false, true), "latest_padded");
    check(golden(true, false), "norm_first_padded");
    assertTrue(worst < 1e-4, "worst " + worst);
  }

  private static void check(SasRecCore core, String... cases) throws IOException {
    SasRecCore.Scratch s = core.new Scratch();
    for (String c : cases) {
      try (SafeTensors b = SafeTensors.open(DIR.resolve("batch_" + c + ".safetensors"))) {
        long[] items = b.longs("hist_items");
        long[] lens = b.longs("hist_len");
        long[] cands = b.longs("cand_items");
        float[] user = b.floats("expected.user_embedding");
        float[] logits = b.floats("expected.logits");
        int users = lens.length;
        int l = items.length / users;
        int nc = cands.length / users;
        float[] u = new float[core.d];
        for (int i = 0; i < users; i++) {
          int[] ids = new int[l];
          for (int j = 0; j < l; j++) {
            ids[j] = (int) items[i * l + j];
          }
          core.encode(ids, 0, (int) lens[i], s.cache, s, u, 0);
          for (int c2 = 0; c2 < core.d; c2++) {
            assertClose(user[i * core.d + c2], u[c2], c + " user " + i);
          }
          for (int k = 0; k < nc; k++) {
            int item = (int) cands[i * nc + k];
            double dot = 0;
            for (int c2 = 0; c2 < core.d; c2++) {
              dot += (double) u[c2] * core.itemTable[item * core.d + c2];
            }
            assertClose(logits[i * nc + k], (float) dot, c + " logit " + i);
          }
        }
      }
    }
  }

  static void assertClose(float expected, float actual, String what) {
    double err = Math.abs(expected - actual) / Math.max(1.0, Math.abs(expected));
    worst = Math.max(worst, err);
    assertTrue(err <= 1e-4, what + ": expected " + expected + ", got " + actual);
  }

  /** 500 appended actions, one incremental step each, equal the full recompute at every step. */
  @Test
  void incrementalEqualsFullRecompute(@TempDir Path tmp) throws IOException {
    int d = 32;
    int maxLen = 520;
    SplittableRandom r = new SplittableRandom(7);
    Map<String, Tensor> w = new HashMap<>();
    w.put("item_emb.weight", rand(r, 0.5, 101, d));
    w.put("pos_emb.weight", rand(r, 0.5, maxLen + 1, d));
    for (int i = 0; i < 2; i++) {
      w.put("attention_layers." + i + ".in_proj_weight", rand(r, 0.3, 3 * d, d));
      w.put("attention_layers." + i + ".in_proj_bias", rand(r, 0.1, 3 * d));
      w.put("attention_layers." + i + ".out_proj.weight", rand(r, 0.3, d, d));
      w.put("attention_layers." + i + ".out_proj.bias", rand(r, 0.1, d));
      w.put("attention_layernorms." + i + ".weight", rand(r, 1.0, d));
      w.put("attention_layernorms." + i + ".bias", rand(r, 0.1, d));
      w.put("forward_layernorms." + i + ".weight", rand(r, 1.0, d));
      w.put("forward_layernorms." + i + ".bias", rand(r, 0.1, d));
      w.put("forward_layers." + i + ".conv1.weight", rand(r, 0.3, d, d, 1));
      w.put("forward_layers." + i + ".conv1.bias", rand(r, 0.1, d));
      w.put("forward_layers." + i + ".conv2.weight", rand(r, 0.3, d, d, 1));
      w.put("forward_layers." + i + ".conv2.bias", rand(r, 0.1, d));
    }
    w.put("last_layernorm.weight", rand(r, 1.0, d));
    w.put("last_layernorm.bias", rand(r, 0.1, d));
    Path file = tmp.resolve("w.safetensors");
    SafeTensors.write(file, w);
    SasRecCore core;
    try (SafeTensors st = SafeTensors.open(file)) {
      core = SasRecCore.load(st, 100, d, 2, 4, maxLen, false, false, 1e-8f, SasRecCore.Variant.pmixer(d));
    }
    SasRecCore.Scratch s = core.new Scratch();
    SasRecCore.State state = new SasRecCore.State(core);
    int[] items = new int[500];
    float[] full = new float[d];
    double worstStep = 0;
    for (int n = 0; n < 500; n++) {
      items[n] = 1 + r.nextInt(100);
      core.append(state, items[n], s);
      if (n % 7 == 0 || n == 499) {
        core.encode(items, 0, n + 1, s.cache, s, full, 0);
        for (int c = 0; c < d; c++) {
          double e = Math.abs(full[c] - state.user[c]) / Math.max(1.0, Math.abs(full[c]));
          worstStep = Math.max(worstStep, e);
        }
      }
    }
    assertEquals(500, state.length);
    assertTrue(worstStep < 1e-4, "incremental vs full: " + worstStep);
  }

  static Tensor.F32 rand(SplittableRandom r, double scale, int... shape) {
    int n = 1;
    for (int x : shape) {
      n *= x;
    }
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return new Tensor.F32(shape, a);
  }
}
