package io.github.seqrec.models.transformer;

import static io.github.seqrec.models.transformer.SasRecCoreTest.rand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.layers.HstuRelativeBias;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HSTU encoder against the PyTorch goldens; its KV-cache steps against full recompute. */
class HstuCoreTest {
  static final Path DIR = Path.of("src/test/resources/golden/models/hstu");

  static HstuCore golden() throws IOException {
    try (SafeTensors st = SafeTensors.open(DIR.resolve("weights.safetensors"))) {
      return HstuCore.load(st, 300, 50, 2, 2, 25, 25, 200, 11, 128, 1e-6f, 1e-6f);
    }
  }

  @Test
  void goldens() throws IOException {
    HstuCore core = golden();
    HstuCore.Scratch s = core.new Scratch();
    double worst = 0;
    for (String c : new String[] {"len1", "max", "padded", "empty"}) {
      try (SafeTensors b = SafeTensors.open(DIR.resolve("batch_" + c + ".safetensors"))) {
        long[] items = b.longs("hist_items");
        long[] times = b.longs("hist_times");
        long[] lens = b.longs("hist_len");
        long[] req = b.longs("request_time");
        long[] cands = b.longs("cand_items");
        float[] user = b.floats("expected.user_embedding");
        float[] logits = b.floats("expected.logits");
        int users = lens.length;
        int l = items.length / users;
        int nc = cands.length / users;
        float[] u = new float[core.d];
        for (int i = 0; i < users; i++) {
          int[] ids = new int[l];
          long[] ts = new long[l];
          for (int j = 0; j < l; j++) {
            ids[j] = (int) items[i * l + j];
            ts[j] = times[i * l + j];
          }
          core.encode(ids, ts, 0, (int) lens[i], req[i], s, u, 0);
          for (int k = 0; k < core.d; k++) {
            worst = Math.max(worst, check(user[i * core.d + k], u[k], c + " user " + i));
          }
          for (int k = 0; k < nc; k++) {
            int item = (int) cands[i * nc + k];
            double dot = 0;
            for (int q = 0; q < core.d; q++) {
              dot += (double) u[q] * core.catalogue[item * core.d + q];
            }
            worst = Math.max(worst, check(logits[i * nc + k], (float) dot, c + " logit " + i));
          }
        }
      }
    }
    assertTrue(worst < 1e-4, "worst " + worst);
  }

  static double check(float expected, float actual, String what) {
    double err = Math.abs(expected - actual) / Math.max(1.0, Math.abs(expected));
    assertTrue(err <= 1e-4, what + ": expected " + expected + ", got " + actual);
    return err;
  }

  @Test
  void bucketMatchesTheFormula() {
    HstuRelativeBias rab = new HstuRelativeBias(4, 128, new float[7], new float[129]);
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 200_000; i++) {
      long dt = i < 5000 ? i - 2500 : (long) Math.pow(2, r.nextDouble() * 62) * (r.nextBoolean() ? 1 : -1);
      long a = Math.max(1, Math.abs(dt));
      long expected = Math.min(128, Math.max(0, (long) Math.floor(Math.log((double) a) / 0.301)));
      assertEquals(expected, rab.bucket(dt), "dt " + dt);
    }
  }

  /**
   * 500 appended actions, each one incremental step (the previous most recent row finalised), and
   * a request-time user vector after each: equal to the full recompute.
   */
  @Test
  void incrementalEqualsFullRecompute(@TempDir Path tmp) throws IOException {
    int d = 24;
    int heads = 2;
    int dqk = 8;
    int dv = 12;
    int maxLen = 510;
    int out = 2;
    int n = maxLen + out;
    SplittableRandom r = new SplittableRandom(11);
    Map<String, Tensor> w = new HashMap<>();
    w.put("_embedding_module._item_emb.weight", rand(r, 0.5, 101, d));
    w.put("_input_features_preproc._pos_emb.weight", rand(r, 0.5, n, d));
    for (int i = 0; i < 2; i++) {
      String p = "_hstu._attention_layers." + i;
      w.put(p + "._uvqk", rand(r, 0.4, d, 2 * heads * dv + 2 * heads * dqk));
      w.put(p + "._o.weight", rand(r, 0.3, d, heads * dv));
      w.put(p + "._o.bias", rand(r, 0.1, d));
      w.put(p + "._rel_attn_bias._pos_w", rand(r, 1.0, 2 * n - 1));
      w.put(p + "._rel_attn_bias._ts_w", rand(r, 1.0, 129));
    }
    Path file = tmp.resolve("w.safetensors");
    SafeTensors.write(file, w);
    HstuCore core;
    try (SafeTensors st = SafeTensors.open(file)) {
      core = HstuCore.load(st, 100, d, 2, heads, dqk, dv, maxLen, out, 128, 1e-6f, 1e-6f);
    }
    HstuCore.Scratch s = core.new Scratch();
    HstuCore.State state = new HstuCore.State(core);
    int[] items = new int[500];
    long[] times = new long[500];
    long t = 1_600_000_000L;
    float[] inc = new float[d];
    float[] full = new float[d];
    double worst = 0;
    for (int i = 0; i < 500; i++) {
      t += 1 + (long) Math.pow(2, r.nextDouble() * 20);
      items[i] = 1 + r.nextInt(100);
      times[i] = t;
      core.append(state, items[i], t, s);
      if (i % 9 == 0 || i == 499) {
        long request = t + 1 + r.nextInt(5000);
        core.userEmbedding(state, request, s, inc, 0);
        core.encode(items, times, 0, i + 1, request, s, full, 0);
        for (int c = 0; c < d; c++) {
          worst = Math.max(worst, Math.abs(full[c] - inc[c]));
        }
      }
    }
    assertTrue(worst < 1e-5, "incremental vs full: " + worst);
  }
}
