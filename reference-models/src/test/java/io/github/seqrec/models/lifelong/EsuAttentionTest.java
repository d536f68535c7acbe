package io.github.seqrec.models.lifelong;

import static io.github.seqrec.models.lifelong.TwoStageTestSupport.load;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.randomCandidates;
import static io.github.seqrec.models.lifelong.TwoStageTestSupport.randomHistory;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.TargetAttentionModel;
import io.github.seqrec.models.TargetAttentionModel.HistoryAttention;
import io.github.seqrec.models.UserHistory;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIM's and ETA's attention readouts weigh exactly what their GSUs pick: each row is a softmax over
 * at most top-k kept actions, and scoring each candidate's ESU on those actions ({@code
 * scoreSelected}) gives the logits of {@code score}.
 */
class EsuAttentionTest {

  /** The kept-window positions candidate c weighs, -1 padded to k. */
  private static int[] picks(HistoryAttention att, int k) {
    int[] slots = new int[att.candidates() * k];
    Arrays.fill(slots, -1);
    for (int c = 0; c < att.candidates(); c++) {
      int picked = 0;
      double sum = 0;
      for (int j = 0; j < att.length(); j++) {
        float w = att.weight(c, j);
        assertThat(w).isBetween(0f, 1f);
        if (w > 0) {
          assertThat(picked).as("more than top-k weighed").isLessThan(k);
          slots[c * k + picked++] = j;
        }
        sum += w;
      }
      if (att.length() > 0 && picked > 0) {
        assertThat(sum).isCloseTo(1, within(1e-5));
      }
    }
    return slots;
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as(what + " candidate " + i).isCloseTo(expected[i], within(1e-5f));
    }
  }

  @Test
  void simWeighsItsGsuPicks() throws Exception {
    for (String gsu : new String[] {"hard", "soft"}) {
      Sim sim = (Sim) load("sim", Map.of("gsu", gsu));
      for (int length : new int[] {1, 9, 300, sim.maxHistoryLength()}) {
        UserHistory history = randomHistory(7 + length, length);
        Candidates candidates = randomCandidates(length, 23);
        HistoryAttention att = ((TargetAttentionModel) sim).attention(history, candidates);
        assertThat(att.length()).isEqualTo(length);
        int[] slots = picks(att, sim.topK());
        SimUserIndex index = sim.newUserIndex();
        index.appendAll(history);
        float[] full = new float[candidates.count()];
        float[] selected = new float[candidates.count()];
        SequentialModel.Workspace ws = sim.newWorkspace();
        sim.score(history, candidates, ws, full, 0);
        sim.scoreSelected(index, history.requestTime(), candidates, slots, 0, ws, selected, 0);
        assertClose(full, selected, "sim " + gsu + " L " + length);
        if (gsu.equals("hard")) {
          // the hard search picks only the candidate's own category
          for (int c = 0; c < candidates.count(); c++) {
            for (int j = 0; j < length; j++) {
              if (att.weight(c, j) > 0) {
                assertThat(history.categoryIds()[j]).isEqualTo(candidates.categoryIds()[c]);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void etaWeighsItsHammingPicks() throws Exception {
    Eta eta = (Eta) load("eta", Map.of());
    for (int length : new int[] {1, 9, 300, eta.maxHistoryLength()}) {
      UserHistory history = randomHistory(11 + length, length);
      Candidates candidates = randomCandidates(3 * length, 23);
      HistoryAttention att = eta.attention(history, candidates);
      int[] slots = picks(att, eta.topK());
      for (int c = 0; c < candidates.count(); c++) {
        assertThat(slots[c * eta.topK() + Math.min(eta.topK(), length) - 1]).as("every candidate picks min(K, L)")
            .isGreaterThanOrEqualTo(0);
      }
      EtaSignatureCache cache = eta.newSignatureCache();
      cache.appendAll(history);
      float[] full = new float[candidates.count()];
      float[] selected = new float[candidates.count()];
      SequentialModel.Workspace ws = eta.newWorkspace();
      eta.score(history, candidates, ws, full, 0);
      eta.scoreSelected(cache, candidates, slots, 0, ws, selected, 0);
      assertClose(full, selected, "eta L " + length);
    }
  }

  @Test
  void emptyHistoriesWeighNothing() throws Exception {
    for (String model : new String[] {"sim", "eta"}) {
      TargetAttentionModel m = (TargetAttentionModel) load(model, Map.of());
      HistoryAttention att = m.attention(UserHistory.empty(), randomCandidates(1, 4));
      assertThat(att.length()).isZero();
      assertThat(att.candidates()).isEqualTo(4);
    }
  }
}
