package io.github.seqrec.models.ctr;

import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.ModelInfo;
import io.github.seqrec.models.ModelBatch;
import io.github.seqrec.models.ModelTestKit;
import static io.github.seqrec.models.ModelTestKit.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DienTest {
  static final Path MAX_BATCH = Path.of("src/test/resources/golden/models/dien/batch_max.safetensors");

  static Dien load(String gruType) throws IOException {
    return (Dien) ModelTestKit.load("dien", Map.of("gru_type", gruType));
  }

  @Test
  void optionsAndInfo() throws IOException {
    assertEquals(Dien.GruType.AUGRU, ((Dien) ModelTestKit.load("dien", Map.of())).gruType());
    assertEquals(Dien.GruType.AGRU, load("AGRU").gruType());
    assertEquals(36, load("AIGRU").hiddenSize());
    var e = assertThrows(IllegalArgumentException.class, () -> load("LSTM"));
    assertContains(e.getMessage(), "gru_type", "LSTM");
    // attention=mlp on the bilinear weights: the activation unit's tensors are not there
    Exception missing = assertThrows(Exception.class,
        () -> ModelTestKit.load("dien", Map.of("attention", "mlp", "att_hidden", "8")));
    assertContains(missing.getMessage(), "att.hidden.0.weight");
    e = assertThrows(IllegalArgumentException.class, () -> ModelTestKit.load("dien", Map.of("attention", "dot")));
    assertContains(e.getMessage(), "attention", "dot");
    ModelInfo info = Models.list().stream().filter(i -> i.name().equals("dien")).findFirst().orElseThrow();
    assertEquals("AUGRU", info.option("gru_type").defaultText());
  }

  static final Path MLP_WEIGHTS = Path.of("src/test/resources/golden/models/dien/weights_mlp.safetensors");

  /** DeepCTR-Torch's attention form (attention=mlp) on its golden weights, with {@code extra} options. */
  static Dien loadMlp(Map<String, String> extra) throws IOException {
    Map<String, String> o = new java.util.HashMap<>(Map.of("attention", "mlp", "att_hidden", "8,4",
        "att_activation", "dice", "mlp_input", "evolved_target"));
    o.putAll(extra);
    return (Dien) Models.load("dien", MLP_WEIGHTS, o);
  }

  @Test
  void mlpAttention() throws IOException {
    var e = assertThrows(IllegalArgumentException.class, () -> loadMlp(Map.of("hidden", "6")));
    assertContains(e.getMessage(), "attention=mlp", "hidden (6)", "d_item + d_cate (8)");
    e = assertThrows(IllegalArgumentException.class, () -> loadMlp(Map.of("softmax_scale", "sqrt")));
    assertContains(e.getMessage(), "softmax_scale", "sqrt");
    for (String softmax : new String[] {"true", "false"}) {
      Dien model = loadMlp(Map.of("softmax", softmax, "gru_type", "AGRU"));
      ModelTestKit.emptyAndGrowing(model);
      ModelTestKit.badInputs(model);
      ModelTestKit.truncationKeepsMostRecent(model);
    }
    // the softmax changes the weights the evolution sees, so the scores differ
    Dien soft = loadMlp(Map.of());
    Dien raw = loadMlp(Map.of("softmax", "false"));
    UserHistory h = UserHistory.of(new int[] {3, 7, 11}, 3).categoryIds(new int[] {1, 2, 3}).build();
    Candidates c = Candidates.of(new int[] {5, 9}, new int[] {4, 5});
    float[] a = new float[2];
    float[] b = new float[2];
    soft.score(h, c, soft.newWorkspace(), a, 0);
    raw.score(h, c, raw.newWorkspace(), b, 0);
    assertTrue(Math.abs(a[0] - b[0]) > 1e-6 || Math.abs(a[1] - b[1]) > 1e-6,
        "softmax=true and false scored alike: " + java.util.Arrays.toString(a) + " " + java.util.Arrays.toString(b));
  }

  /** The extractor states of the user state match PyTorch's nn.GRU outputs in the golden file. */
  @Test
  void interestStatesMatchGolden() throws IOException {
    Dien model = load("AUGRU");
    Map<String, Tensor> t;
    try (SafeTensors st = SafeTensors.open(MAX_BATCH)) {
      t = st.toTensors();
    }
    ModelBatch batch = ModelBatch.of(t);
    float[] expected = ((Tensor.F32) t.get("expected.interest_states")).data();
    int l = 100;
    int h = model.hiddenSize();
    for (int b = 0; b < batch.users(); b++) {
      UserHistory hist = batch.history(b);
      DienUserState state = model.newUserState().reset(hist);
      float[] got = new float[l * h];
      state.interestStates(got, 0);
      double rms = 0;
      for (int i = 0; i < hist.length() * h; i++) {
        rms += expected[b * l * h + i] * expected[b * l * h + i];
      }
      double scale = 0.1 * Math.sqrt(rms / Math.max(1, hist.length() * h));
      for (int i = 0; i < hist.length() * h; i++) {
        float want = expected[b * l * h + i];
        assertEquals(want, got[i], 1e-4 * (Math.abs(want) + scale), "user " + b + " element " + i);
      }
    }
  }

  /** Appending actions one by one gives the uncached path's logits bit for bit, also past max_len. */
  @Test
  void appendedStateScoresBitIdentical() throws IOException {
    for (String type : new String[] {"AUGRU", "AGRU", "AIGRU"}) {
      Dien model = load(type);
      ModelTestKit.warmUp(model);
      SplittableRandom random = new SplittableRandom(3);
      SequentialModel.Workspace ws = model.newWorkspace();
      DienUserState state = model.newUserState();
      UserHistory full = ModelTestKit.history(random, model.maxHistoryLength() + 23);
      Candidates c = ModelTestKit.candidates(random, 7);
      float[] cached = new float[7];
      float[] uncached = new float[7];
      for (int n = 0; n <= full.length(); n++) {
        if (n > 0) {
          state.append(full.itemIds()[n - 1], full.categoryIds()[n - 1]);
        }
        if (!(n < 3 || n % 11 == 0 || n >= model.maxHistoryLength())) {
          continue;
        }
        UserHistory prefix = UserHistory.of(full.itemIds(), n).categoryIds(full.categoryIds()).build();
        model.score(prefix, c, ws, uncached, 0);
        model.score(state, c, ws, cached, 0);
        assertArrayEquals(uncached, cached, type + " after " + n + " appends");
        assertEquals(Math.min(n, model.maxHistoryLength()), state.length());
      }
      // reset gives the same state as the appends
      DienUserState reset = model.newUserState().reset(full);
      model.score(reset, c, ws, uncached, 0);
      assertArrayEquals(cached, uncached, type + " reset vs append");
      // clear: a new user
      state.clear();
      model.score(state, c, ws, cached, 0);
      model.score(UserHistory.empty(), c, ws, uncached, 0);
      assertArrayEquals(uncached, cached, type + " cleared");
    }
  }

  @Test
  void userStateBadInput() throws IOException {
    Dien model = load("AUGRU");
    DienUserState state = model.newUserState().append(3, 4);
    var e = assertThrows(IllegalArgumentException.class, () -> state.append(201, 4));
    assertContains(e.getMessage(), "item id 201", "[1, 200]");
    e = assertThrows(IllegalArgumentException.class, () -> state.append(3, 0));
    assertContains(e.getMessage(), "category id 0", "[1, 20]");
    assertEquals(1, state.length());
    Dien other = load("AGRU");
    Candidates c = Candidates.of(new int[] {1}, new int[] {2});
    e = assertThrows(IllegalArgumentException.class,
        () -> other.score(state, c, other.newWorkspace(), new float[1], 0));
    assertContains(e.getMessage(), "newUserState");
    e = assertThrows(IllegalArgumentException.class, () -> state.interestStates(new float[10], 0));
    assertContains(e.getMessage(), "36");
  }

  @Test
  void truncationKeepsMostRecent() throws IOException {
    ModelTestKit.truncationKeepsMostRecent(load("AUGRU"));
  }

  @Test
  void badInputs() throws IOException {
    ModelTestKit.badInputs(load("AUGRU"));
  }

  @Test
  void emptyHistoryAndGrowingWorkspace() throws IOException {
    ModelTestKit.emptyAndGrowing(load("AIGRU"));
  }

  /**
   * From 64 candidates the vector backend runs the shared-input scan with the candidates in vector
   * lanes (blocks of 48, a ragged last block): the logits must be those of scoring each candidate
   * alone (the row layout), for every cell type, and nothing is allocated.
   */
  @Test
  void manyCandidatesScoreAsEachAlone() throws IOException {
    for (String type : new String[] {"AUGRU", "AGRU", "AIGRU"}) {
      Dien model = load(type);
      SplittableRandom random = new SplittableRandom(21);
      UserHistory h = ModelTestKit.history(random, model.maxHistoryLength());
      Candidates c = ModelTestKit.candidates(random, 150);
      float[] together = ModelTestKit.score(model, h, c);
      for (int i = 0; i < c.count(); i += 7) {
        float alone = ModelTestKit.score(model, h,
            Candidates.of(new int[] {c.itemIds()[i]}, new int[] {c.categoryIds()[i]}))[0];
        assertEquals(alone, together[i], 1e-5f * (1f + Math.abs(alone)), type + " candidate " + i);
      }
      ModelTestKit.allocationFree(model, 150);
    }
  }

  @Test
  void allocationFreeAfterWarmUp() throws IOException {
    ModelTestKit.allocationFree(load("AUGRU"), 50);
    ModelTestKit.allocationFree(load("AIGRU"), 17);
    Dien model = load("AGRU");
    DienUserState state = model.newUserState();
    SplittableRandom random = new SplittableRandom(5);
    Candidates c = ModelTestKit.candidates(random, 20);
    SequentialModel.Workspace ws = model.newWorkspace();
    float[] out = new float[20];
    int[] next = {0};
    long bytes = ModelTestKit.allocatedBytes(() -> {
      int item = 1 + (next[0]++ % 200);
      state.append(item, ModelTestKit.cate(item));
      model.score(state, c, ws, out, 0);
    }, 20);
    assertEquals(0, bytes, "append + cached score");
    assertTrue(Float.isFinite(out[0]));
  }

  @Test
  void eightThreadsShareOneModel() throws Exception {
    ModelTestKit.concurrentIdentical(load("AUGRU"));
  }
}
