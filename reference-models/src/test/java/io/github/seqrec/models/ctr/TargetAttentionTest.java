package io.github.seqrec.models.ctr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.ModelTestKit;
import io.github.seqrec.models.TargetAttentionModel;
import io.github.seqrec.models.TargetAttentionModel.HistoryAttention;
import io.github.seqrec.models.UserHistory;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link TargetAttentionModel#attention} on the golden DIN, TIM and DIEN: the weights cover the kept
 * history, softmax rows sum to 1, the same action gets the same weight wherever DIN sees it, a
 * truncated history gives the weights of its kept part, and bad ids fail as {@code score} fails.
 */
class TargetAttentionTest {
  private static TargetAttentionModel load(String model, Map<String, String> options) throws Exception {
    return (TargetAttentionModel) ModelTestKit.load(model, options);
  }

  @Test
  void softmaxRowsSumToOne() throws Exception {
    SplittableRandom random = new SplittableRandom(3);
    for (TargetAttentionModel model : new TargetAttentionModel[] {load("tim", Map.of()),
        load("din", Map.of("softmax", "true")), load("dien", Map.of())}) {
      for (int length : new int[] {1, 2, 9, 100}) {
        HistoryAttention att = model.attention(ModelTestKit.history(random, length), ModelTestKit.candidates(random, 7));
        assertThat(att.normalised()).isTrue();
        assertThat(att.length()).isEqualTo(length);
        assertThat(att.candidates()).isEqualTo(7);
        for (int c = 0; c < 7; c++) {
          double sum = 0;
          for (int j = 0; j < length; j++) {
            assertThat(att.weight(c, j)).isBetween(0f, 1f);
            sum += att.weight(c, j);
          }
          assertThat(sum).as(model.name() + " row " + c + " of L " + length).isCloseTo(1, within(1e-5));
        }
      }
    }
  }

  @Test
  void dinWeighsAnActionByWhatItIsNotWhereItIs() throws Exception {
    TargetAttentionModel din = load("din", Map.of());
    int[] items = {5, 17, 5, 99, 5};
    int[] cates = new int[items.length];
    for (int i = 0; i < items.length; i++) {
      cates[i] = ModelTestKit.cate(items[i]);
    }
    UserHistory history = UserHistory.of(items, items.length).categoryIds(cates).build();
    HistoryAttention att = din.attention(history, Candidates.of(new int[] {5, 42}, new int[] {ModelTestKit.cate(5),
        ModelTestKit.cate(42)}));
    assertThat(att.normalised()).isFalse();
    for (int c = 0; c < 2; c++) {
      assertThat(att.weight(c, 2)).isCloseTo(att.weight(c, 0), within(1e-6f));
      assertThat(att.weight(c, 4)).isCloseTo(att.weight(c, 0), within(1e-6f));
      assertThat(att.weight(c, 1)).isNotEqualTo(att.weight(c, 0));
    }
  }

  @Test
  void aTruncatedHistoryGivesTheWeightsOfItsKeptPart() throws Exception {
    SplittableRandom random = new SplittableRandom(11);
    for (String name : new String[] {"din", "tim", "dien"}) {
      TargetAttentionModel model = load(name, Map.of());
      int max = model.maxHistoryLength();
      UserHistory longer = ModelTestKit.history(random, max + 13);
      int[] kept = java.util.Arrays.copyOfRange(longer.itemIds(), 13, max + 13);
      int[] keptCates = java.util.Arrays.copyOfRange(longer.categoryIds(), 13, max + 13);
      Candidates candidates = ModelTestKit.candidates(random, 4);
      HistoryAttention cut = model.attention(longer, candidates);
      HistoryAttention direct = model.attention(UserHistory.of(kept, max).categoryIds(keptCates).build(), candidates);
      assertThat(cut.first()).isEqualTo(13);
      assertThat(cut.length()).isEqualTo(max);
      assertThat(cut.weights()).as(name).containsExactly(direct.weights());
    }
  }

  @Test
  void emptyHistoriesAndCandidatesGiveEmptyMapsAndBadIdsFailLikeScore() throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    for (String name : new String[] {"din", "tim", "dien"}) {
      TargetAttentionModel model = load(name, Map.of());
      HistoryAttention none = model.attention(ModelTestKit.history(random, 0), ModelTestKit.candidates(random, 3));
      assertThat(none.length()).isZero();
      assertThat(none.weights()).isEmpty();
      assertThat(model.attention(ModelTestKit.history(random, 5), Candidates.of(new int[0], new int[0])).weights()).isEmpty();
      UserHistory bad = UserHistory.of(new int[] {1, 200_000}, 2).categoryIds(new int[] {1, 1}).build();
      Candidates candidates = ModelTestKit.candidates(random, 2);
      String message = null;
      try {
        model.score(bad, candidates, model.newWorkspace(), new float[2], 0);
      } catch (IllegalArgumentException e) {
        message = e.getMessage();
      }
      assertThat(message).as(name + " refuses the id in score").isNotNull();
      assertThatThrownBy(() -> model.attention(bad, candidates)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage(message);
      assertThatThrownBy(() -> model.attention(null, candidates)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("history must not be null");
    }
  }
}
