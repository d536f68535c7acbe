package io.github.seqrec.models.ctr;

import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.ModelTestKit;
import static io.github.seqrec.models.ModelTestKit.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimTest {
  static SequentialModel load() throws IOException {
    return ModelTestKit.load("tim", Map.of());
  }

  @Test
  void infoAndShapes() throws IOException {
    assertEquals(100, load().maxHistoryLength());
    // the position table must have max_len + 1 rows: the error names the tensor and both shapes
    var e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("tim", Map.of("max_len", "50")));
    assertContains(e.getMessage(), "pos_emb.weight", "51", "101");
    e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("tim", Map.of("bn_eps", "-1")));
    assertContains(e.getMessage(), "bn_eps");
  }

  /** Positions count back from the newest action: the same actions in another order score differently. */
  @Test
  void temporalEncodingMakesOrderMatter() throws IOException {
    SequentialModel m = load();
    SplittableRandom random = new SplittableRandom(4);
    UserHistory h = ModelTestKit.history(random, 12);
    int[] items = h.itemIds().clone();
    int[] cates = h.categoryIds().clone();
    for (int i = 0; i < 6; i++) {
      int j = 11 - i;
      int t = items[i]; items[i] = items[j]; items[j] = t;
      t = cates[i]; cates[i] = cates[j]; cates[j] = t;
    }
    Candidates c = ModelTestKit.candidates(random, 3);
    float[] a = ModelTestKit.score(m, h, c);
    float[] b = ModelTestKit.score(m, UserHistory.of(items, 12).categoryIds(cates).build(), c);
    assertNotEquals(a[0], b[0]);
  }

  @Test
  void truncationKeepsMostRecent() throws IOException {
    ModelTestKit.truncationKeepsMostRecent(load());
  }

  @Test
  void badInputs() throws IOException {
    ModelTestKit.badInputs(load());
  }

  @Test
  void emptyHistoryAndGrowingWorkspace() throws IOException {
    ModelTestKit.emptyAndGrowing(load());
  }

  /** Zero bytes per request after warm-up, on either backend. */
  @Test
  void allocationFreeAfterWarmUp() throws IOException {
    ModelTestKit.allocationFree(load(), 50);
  }

  @Test
  void eightThreadsShareOneModel() throws Exception {
    ModelTestKit.concurrentIdentical(load());
  }
}
