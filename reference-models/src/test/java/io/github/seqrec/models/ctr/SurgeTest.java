package io.github.seqrec.models.ctr;

import static io.github.seqrec.models.ModelTestKit.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.ModelInfo;
import io.github.seqrec.models.ModelTestKit;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SURGE on the platform. The golden batches pin the edge cases numerically (len1: L = 1, pool:
 * to_keep == L, ties: exact ties at both thresholds, same_item: constant similarity rows, with the
 * kept node counts in SurgeNetworkTest); here they are checked for structure at every length.
 */
class SurgeTest {
  static final Path WEIGHTS = Path.of("src/test/resources/golden/models/surge/weights.safetensors");

  static SequentialModel model() throws IOException {
    return ModelTestKit.load("surge", Map.of());
  }

  @Test
  void registeredWithInfo() throws IOException {
    ModelInfo info = Models.list().stream().filter(i -> i.name().equals("surge")).findFirst().orElseThrow();
    assertEquals("ctr", info.family());
    assertEquals("30", info.option("pool_length").defaultText());
    SequentialModel m = model();
    assertEquals(50, m.maxHistoryLength());
    var e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("surge", Map.of("hidden", "41")));
    assertContains(e.getMessage(), "hidden", "41", "d_item + d_cate");
  }

  /**
   * One repeated item (every similarity row constant: min-max 0/0 -> 0, every entry tied at the
   * threshold) and a random history at the lengths around each boundary (1, 2, 3; to_keep == L
   * up to pool_length = 30, then pooling; max_len): finite logits.
   */
  @Test
  void edgeCasesStayFiniteAroundEveryBoundary() throws IOException {
    SequentialModel m = model();
    SequentialModel.Workspace ws = m.newWorkspace();
    SplittableRandom r = new SplittableRandom(31);
    Candidates c = ModelTestKit.candidates(r, 5);
    float[] out = new float[5];
    for (int n : new int[] {1, 2, 3, 29, 30, 31, 32, 49, 50}) {
      int[] items = new int[n];
      int[] cates = new int[n];
      Arrays.fill(items, 17);
      Arrays.fill(cates, ModelTestKit.cate(17));
      m.score(UserHistory.of(items, n).categoryIds(cates).build(), c, ws, out, 0);
      for (float v : out) {
        assertTrue(Float.isFinite(v), "same item x " + n + ": " + Arrays.toString(out));
      }
      UserHistory h = ModelTestKit.history(r, n);
      m.score(h, c, ws, out, 0);
      for (float v : out) {
        assertTrue(Float.isFinite(v), "random history of " + n + ": " + Arrays.toString(out));
      }
    }
  }

  /** Ties: a history drawn from 3 items (many exact ties at both thresholds) scores the same twice and finitely. */
  @Test
  void tiedHistoriesAreDeterministic() throws IOException {
    SequentialModel m = model();
    SplittableRandom r = new SplittableRandom(32);
    int[] pool = {3, 77, 150};
    for (int n : new int[] {2, 30, 31, 50}) {
      int[] items = new int[n];
      int[] cates = new int[n];
      for (int i = 0; i < n; i++) {
        items[i] = pool[r.nextInt(3)];
        cates[i] = ModelTestKit.cate(items[i]);
      }
      UserHistory h = UserHistory.of(items, n).categoryIds(cates).build();
      Candidates c = ModelTestKit.candidates(r, 6);
      float[] a = ModelTestKit.score(m, h, c);
      assertArrayEquals(a, ModelTestKit.score(m, h, c));
      for (float v : a) {
        assertTrue(Float.isFinite(v));
      }
    }
  }

  @Test
  void truncationKeepsMostRecent() throws IOException {
    ModelTestKit.truncationKeepsMostRecent(model());
  }

  @Test
  void badInputs() throws IOException {
    ModelTestKit.badInputs(model());
  }

  @Test
  void emptyHistoryAndGrowingWorkspace() throws IOException {
    ModelTestKit.emptyAndGrowing(model());
  }

  @Test
  void allocationFreeAfterWarmUp() throws IOException {
    ModelTestKit.allocationFree(model(), 100);
  }

  @Test
  void eightThreadsShareOneModel() throws Exception {
    ModelTestKit.concurrentIdentical(model());
  }

  @Test
  void missingOrMisshapedTensorIsNamed(@TempDir Path dir) throws IOException {
    Map<String, Tensor> tensors;
    Map<String, String> meta;
    try (SafeTensors st = SafeTensors.open(WEIGHTS)) {
      tensors = new HashMap<>(st.toTensors());
      meta = st.metadata();
    }
    Map<String, Tensor> missing = new HashMap<>(tensors);
    missing.remove("att_query.mlp.bn.1.running_var");
    Path f1 = dir.resolve("missing.safetensors");
    SafeTensors.write(f1, missing, meta);
    Exception e = assertThrows(Exception.class, () -> Models.load("surge", f1, Map.of()));
    assertContains(e.getMessage(), "att_query.mlp.bn.1.running_var");
    Map<String, Tensor> misshaped = new HashMap<>(tensors);
    misshaped.put("graph_weight", new Tensor.F32(new int[] {39}, new float[39]));
    Path f2 = dir.resolve("misshaped.safetensors");
    SafeTensors.write(f2, misshaped, meta);
    e = assertThrows(Exception.class, () -> Models.load("surge", f2, Map.of()));
    assertContains(e.getMessage(), "graph_weight", "40", "39");
  }
}
