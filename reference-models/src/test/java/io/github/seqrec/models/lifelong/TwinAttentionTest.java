package io.github.seqrec.models.lifelong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.TargetAttentionModel.HistoryAttention;
import io.github.seqrec.models.UserHistory;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TWIN's attention readout picks what its CP-GSU picks: scoring each candidate with {@link
 * Twin#scoreSelected} on the actions the readout weighs gives the logits of {@link Twin#score}, each
 * row is a softmax over at most top-k actions, and the weights follow the kept window.
 */
class TwinAttentionTest {
  @BeforeAll
  static void load() throws Exception {
    TwinTest.load();
  }

  @Test
  void theWeighedActionsAreTheGsuPicks() {
    Twin model = TwinTest.model;
    for (int length : new int[] {1, 7, 150, 1000, 1300}) {
      UserHistory history = TwinTest.history(40 + length, length);
      Candidates candidates = TwinTest.candidates(length, 37);
      HistoryAttention att = model.attention(history, candidates);
      int n = Math.min(length, model.maxHistoryLength());
      assertThat(att.first()).isEqualTo(length - n);
      assertThat(att.length()).isEqualTo(n);
      int k = model.topK();
      int[] slots = new int[candidates.count() * k];
      Arrays.fill(slots, -1);
      for (int c = 0; c < candidates.count(); c++) {
        int picked = 0;
        double sum = 0;
        for (int j = 0; j < n; j++) {
          float w = att.weight(c, j);
          assertThat(w).isBetween(0f, 1f);
          if (w > 0) {
            slots[c * k + picked++] = att.first() + j;
          }
          sum += w;
        }
        assertThat(picked).as("picks of candidate " + c + " at L " + length).isEqualTo(Math.min(k, n));
        assertThat(sum).isCloseTo(1, within(1e-5));
      }
      float[] full = new float[candidates.count()];
      float[] selected = new float[candidates.count()];
      model.score(history, candidates, model.newWorkspace(), full, 0);
      model.scoreSelected(history, candidates, slots, 0, model.newWorkspace(), selected, 0);
      for (int c = 0; c < full.length; c++) {
        assertThat(selected[c]).as("candidate " + c + " at L " + length).isCloseTo(full[c], within(1e-5f));
      }
    }
  }

  @Test
  void emptyHistoryAndBadIds() {
    Twin model = TwinTest.model;
    Candidates candidates = TwinTest.candidates(1, 3);
    HistoryAttention none = model.attention(UserHistory.empty(), candidates);
    assertThat(none.length()).isZero();
    assertThat(none.candidates()).isEqualTo(3);
    UserHistory good = TwinTest.history(2, 5);
    int[] items = good.itemIds().clone();
    items[2] = 100_000;
    UserHistory bad = UserHistory.of(items, 5).categoryIds(good.categoryIds()).crossBuckets(good.crossBuckets(), 2).build();
    assertThatThrownBy(() -> model.attention(bad, candidates)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100000");
  }
}
