package io.github.seqrec.models.ctr;

import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.ModelInfo;
import io.github.seqrec.models.ModelTestKit;
import static io.github.seqrec.models.ModelTestKit.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DinTest {
  static final Path WEIGHTS = Path.of("src/test/resources/golden/models/din/weights.safetensors");

  @Test
  void registeredWithInfo() throws IOException {
    assertTrue(Models.has("din"));
    ModelInfo info = Models.list().stream().filter(i -> i.name().equals("din")).findFirst().orElseThrow();
    assertEquals("false", info.option("softmax").defaultText());
    assertTrue(info.fields().contains(HistoryField.CATEGORY_IDS));
    SequentialModel m = ModelTestKit.load("din", Map.of());
    assertEquals(100, m.maxHistoryLength());
    assertFalse(((Din) m).softmax());
    assertTrue(((Din) ModelTestKit.load("din", Map.of("softmax", "true"))).softmax());
  }

  @Test
  void softmaxOptionChangesScoresAndIsValidated() throws IOException {
    SplittableRandom random = new SplittableRandom(1);
    UserHistory h = ModelTestKit.history(random, 30);
    Candidates c = ModelTestKit.candidates(random, 6);
    float[] plain = ModelTestKit.score(ModelTestKit.load("din", Map.of()), h, c);
    float[] soft = ModelTestKit.score(ModelTestKit.load("din", Map.of("softmax", "true")), h, c);
    assertNotEquals(plain[0], soft[0]);
    var e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("din", Map.of("softmax", "maybe")));
    assertContains(e.getMessage(), "softmax", "maybe");
    e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("din", Map.of("activation", "gelu")));
    assertContains(e.getMessage(), "activation", "gelu");
  }

  /** Permutation-invariant pooling without position: reordering the history leaves the score (up to rounding). */
  @Test
  void historyOrderOnlyChangesRounding() throws IOException {
    SequentialModel m = ModelTestKit.load("din", Map.of());
    SplittableRandom random = new SplittableRandom(2);
    UserHistory h = ModelTestKit.history(random, 40);
    int[] items = h.itemIds().clone();
    int[] cates = h.categoryIds().clone();
    for (int i = 0; i < 20; i++) {
      int j = 39 - i;
      int t = items[i]; items[i] = items[j]; items[j] = t;
      t = cates[i]; cates[i] = cates[j]; cates[j] = t;
    }
    Candidates c = ModelTestKit.candidates(random, 8);
    float[] a = ModelTestKit.score(m, h, c);
    float[] b = ModelTestKit.score(m, UserHistory.of(items, 40).categoryIds(cates).build(), c);
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-4 * (1 + Math.abs(a[i])));
    }
  }

  @Test
  void truncationKeepsMostRecent() throws IOException {
    ModelTestKit.truncationKeepsMostRecent(ModelTestKit.load("din", Map.of("softmax", "true")));
  }

  @Test
  void badInputs() throws IOException {
    ModelTestKit.badInputs(ModelTestKit.load("din", Map.of()));
  }

  @Test
  void emptyHistoryAndGrowingWorkspace() throws IOException {
    ModelTestKit.emptyAndGrowing(ModelTestKit.load("din", Map.of("softmax", "true")));
  }

  @Test
  void allocationFreeAfterWarmUp() throws IOException {
    ModelTestKit.allocationFree(ModelTestKit.load("din", Map.of()), 50);
    ModelTestKit.allocationFree(ModelTestKit.load("din", Map.of("softmax", "true")), 17);
  }

  @Test
  void eightThreadsShareOneModel() throws Exception {
    ModelTestKit.concurrentIdentical(ModelTestKit.load("din", Map.of()));
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
    missing.remove("att.hidden.1.weight");
    Path f1 = dir.resolve("missing.safetensors");
    SafeTensors.write(f1, missing, meta);
    Exception e = assertThrows(Exception.class, () -> Models.load("din", f1, Map.of()));
    assertContains(e.getMessage(), "att.hidden.1.weight");

    Map<String, Tensor> misshaped = new HashMap<>(tensors);
    misshaped.put("mlp.hidden.0.weight", new Tensor.F32(new int[] {200, 383}, new float[200 * 383]));
    Path f2 = dir.resolve("misshaped.safetensors");
    SafeTensors.write(f2, misshaped, meta);
    e = assertThrows(Exception.class, () -> Models.load("din", f2, Map.of()));
    assertContains(e.getMessage(), "mlp.hidden.0.weight", "384", "383");
    assertTrue(Files.size(f2) > 0);
  }
}
