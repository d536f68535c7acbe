package io.github.seqrec.models.ctr;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** SURGE's forward pass alone, against every golden batch (edge cases included). */
class SurgeNetworkTest {
  static final Path DIR = Path.of("src/test/resources/golden/models/surge");

  static SurgeNetwork load(SafeTensors st) throws IOException {
    return SurgeNetwork.load(st, 200, 20, 32, 8, 40, new int[] {80, 40}, new int[] {100, 64}, 1e-4f, 0.5f, 30, 0.2f);
  }

  @Test
  void goldenLogits() throws IOException {
    try (SafeTensors st = SafeTensors.open(DIR.resolve("weights.safetensors"))) {
      SurgeNetwork net = load(st);
      SurgeNetwork.Scratch w = new SurgeNetwork.Scratch(net, 1, 1);
      List<Path> batches;
      try (Stream<Path> files = Files.list(DIR)) {
        batches = files.filter(p -> p.getFileName().toString().startsWith("batch_")).sorted().toList();
      }
      StringBuilder report = new StringBuilder();
      double worstAll = 0;
      for (Path file : batches) {
        try (SafeTensors b = SafeTensors.open(file)) {
          long[] items = b.longs("hist_items");
          long[] cates = b.longs("hist_cates");
          long[] lens = b.longs("hist_len");
          long[] ci = b.longs("cand_items");
          long[] cc = b.longs("cand_cates");
          float[] expected = b.floats("expected.logits");
          long[] kept = b.longs("expected.kept_nodes");
          int users = lens.length;
          int width = items.length / users;
          int c = ci.length / users;
          double sum = 0;
          for (float v : expected) {
            sum += v * v;
          }
          double scale = Math.max(0.1 * Math.sqrt(sum / expected.length), 1e-6);
          double worst = 0;
          for (int u = 0; u < users; u++) {
            int n = (int) lens[u];
            int[] hi = new int[n];
            int[] hc = new int[n];
            for (int i = 0; i < n; i++) {
              hi[i] = (int) items[u * width + i];
              hc[i] = (int) cates[u * width + i];
            }
            int[] ti = new int[c];
            int[] tc = new int[c];
            for (int t = 0; t < c; t++) {
              ti[t] = (int) ci[u * c + t];
              tc[t] = (int) cc[u * c + t];
            }
            float[] out = new float[c];
            net.score(hi, hc, 0, n, ti, tc, c, out, 0, w);
            for (int t = 0; t < c; t++) {
              if (n > 0) {
                org.junit.jupiter.api.Assertions.assertEquals(kept[u * c + t], w.keptCount[t],
                    file.getFileName() + " user " + u + " candidate " + t + ": pooled nodes");
              }
              double e = expected[u * c + t];
              worst = Math.max(worst, Math.abs(out[t] - e) / (Math.abs(e) + scale));
            }
          }
          report.append(file.getFileName()).append(' ').append(worst).append('\n');
          worstAll = Math.max(worstAll, worst);
        }
      }
      assertTrue(worstAll < 1e-4, report.toString());
      System.out.println("surge golden worst errors:\n" + report);
    }
  }
}
