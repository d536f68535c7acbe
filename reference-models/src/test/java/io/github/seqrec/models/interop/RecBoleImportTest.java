package io.github.seqrec.models.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.Backends;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RecBole parity: each checkpoint under {@code src/test/resources/interop/recbole} was saved the
 * way RecBole's Trainer saves, from RecBole's own model class, with RecBole's own
 * {@code full_sort_predict} scores beside it ({@code golden/interop/recbole_peer.py}). Imported
 * through the Java API, the seqrec model must score the same users (history lengths 1, 2, 3,
 * max-1, max) over the whole catalogue within 1e-4 relative-or-absolute on this JVM's backend;
 * surefire runs the module on the vector and on the scalar backend.
 */
class RecBoleImportTest {
  static final Path DIR = Path.of("src/test/resources/interop/recbole");
  static final double TOLERANCE = 1e-4;
  private static final Map<String, Double> WORST = new TreeMap<>();

  @TempDir Path tmp;

  /** The fixture's file stem is the seqrec model's name. */
  @ParameterizedTest(name = "recbole {0}")
  @ValueSource(strings = {"sasrec", "gru4rec", "bert4rec", "fpmc", "caser", "nextitnet"})
  void importedModelScoresAsRecBole(String model) throws IOException {
    ImportedModel imported = PeerImports.importModel("recbole", ImportRequest.of(model, DIR.resolve(model + ".pth")));
    assertThat(imported.model()).isEqualTo(model);
    assertThat(imported.notes()).anyMatch(n -> n.contains("internal remapped ids"));
    double worst = worstError(model, imported.load(Map.of()));
    synchronized (WORST) {
      WORST.put(model, worst);
    }

    // the written file (what 'seqrec import' leaves behind) carries the options and serves the same scores
    Path file = tmp.resolve(model + ".safetensors");
    imported.write(file);
    try (SafeTensors written = SafeTensors.open(file)) {
      assertThat(written.metadata()).containsEntry("peer", "recbole").containsEntry("model", model)
          .containsAllEntriesOf(imported.options());
    }
    assertThat(worstError(model, io.github.seqrec.models.Models.load(model, file, Map.of()))).isEqualTo(worst);
  }

  /**
   * The option the importer sets for RecBole's form is what makes the model RecBole's: set back to
   * seqrec's default, the short histories score differently (the length-1 user fails first).
   */
  @ParameterizedTest(name = "recbole {0} without {1}={2}")
  @CsvSource({"bert4rec, drop_oldest, false", "caser, pad, left", "nextitnet, read_at, last_action"})
  void theRecBoleOptionMatters(String model, String option, String seqrecDefault) throws IOException {
    ImportedModel imported = PeerImports.importModel("recbole", ImportRequest.of(model, DIR.resolve(model + ".pth")));
    assertThat(imported.options()).containsKey(option).doesNotContainEntry(option, seqrecDefault);
    SequentialModel seqrecForm = imported.load(Map.of(option, seqrecDefault));
    assertThatThrownBy(() -> worstError(model, seqrecForm)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("history length 1");
  }

  @Test
  void nextitnetInRecBoleFormHasNoIncrementalState() throws IOException {
    var model = (io.github.seqrec.models.nextitem.NextItNet) PeerImports.importModel("recbole",
        ImportRequest.of("nextitnet", DIR.resolve("nextitnet.pth"))).load(Map.of());
    assertThatThrownBy(model::newState).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("read_at=window_end");
  }

  /** The largest relative-or-absolute difference from RecBole's scores; fails on the first over 1e-4. */
  static double worstError(String model, SequentialModel seqrec) throws IOException {
    try (SafeTensors outputs = SafeTensors.open(DIR.resolve(model + "-outputs.safetensors"))) {
      Map<String, Tensor> t = outputs.toTensors();
      Tensor.I64 items = (Tensor.I64) t.get("hist_items");
      Tensor.I64 lengths = (Tensor.I64) t.get("hist_len");
      Tensor.I64 userIds = (Tensor.I64) t.get("user_ids");
      Tensor.F32 expected = (Tensor.F32) t.get("scores");
      int users = lengths.shape()[0];
      int width = items.shape()[1];
      int catalogue = expected.shape()[1];
      // every item RecBole scores but its padding column 0, which is never a recommendation
      int[] all = new int[catalogue - 1];
      for (int j = 1; j < catalogue; j++) {
        all[j - 1] = j;
      }
      SequentialModel.Workspace ws = seqrec.newWorkspace();
      float[] logits = new float[catalogue - 1];
      double worst = 0;
      for (int u = 0; u < users; u++) {
        int len = (int) lengths.data()[u];
        int[] history = new int[len];
        for (int s = 0; s < len; s++) {
          history[s] = (int) items.data()[u * width + s];
        }
        // RecBole's internal user id: Caser and FPMC read it, the others ignore it
        UserHistory user = UserHistory.of(history, len).userId((int) userIds.data()[u]).build();
        seqrec.score(user, Candidates.of(all), ws, logits, 0);
        for (int j = 1; j < catalogue; j++) {
          double want = expected.data()[u * catalogue + j];
          double got = logits[j - 1];
          double err = Math.abs(got - want) / Math.max(1.0, Math.abs(want));
          worst = Math.max(worst, err);
          assertThat(err).as("%s user %d (history length %d) item %d: seqrec %s, RecBole %s [%s]", model, u, len, j,
              got, want, Backends.name()).isLessThanOrEqualTo(TOLERANCE);
        }
      }
      return worst;
    }
  }

  /**
   * RecBole's DIN (a context-aware sequential model: item id plus a category feature) against its
   * own forward: 7 users (history lengths 1, 2, 3, max-1, max, max, 0) x 4 candidates, categories
   * from the dataset's item feature table as RecBole's embedding layer reads them.
   */
  @Test
  void importedDinScoresAsRecBole() throws IOException {
    ImportedModel imported = PeerImports.importModel("recbole", ImportRequest.of("din", DIR.resolve("din.pth")));
    assertThat(imported.options()).containsEntry("activation", "silu").containsEntry("att_activation", "sigmoid")
        .containsEntry("softmax", "false");
    assertThat(imported.notes()).anyMatch(n -> n.contains("1/sqrt(8) folded"));
    double worst = worstDinError(imported.load(Map.of()));
    synchronized (WORST) {
      WORST.put("din", worst);
    }
    Path file = tmp.resolve("din.safetensors");
    imported.write(file);
    assertThat(worstDinError(io.github.seqrec.models.Models.load("din", file, Map.of()))).isEqualTo(worst);
    // RecBole's Dice is x sigmoid(x): served with seqrec's default activation instead, it scores differently
    assertThatThrownBy(() -> worstDinError(imported.load(Map.of("activation", "relu"))))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void dinWithoutACategoryFeatureIsRefused() {
    assertThatThrownBy(() -> PeerImports.importModel("recbole",
        ImportRequest.of("din", DIR.resolve("din-no-category.pth"))))
        .isInstanceOf(ImportRefusedException.class)
        .hasMessageContaining("item token features [item_id]")
        .hasMessageContaining("one category feature");
  }

  @Test
  void aDinCheckpointNamesItsImport() {
    assertThatThrownBy(() -> PeerImports.importModel("recbole", ImportRequest.of("sasrec", DIR.resolve("din.pth"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RecBole model 'DIN'")
        .hasMessageContaining("--model din");
  }

  private static double worstDinError(SequentialModel seqrec) throws IOException {
    try (SafeTensors outputs = SafeTensors.open(DIR.resolve("din-outputs.safetensors"))) {
      Map<String, Tensor> t = outputs.toTensors();
      Tensor.I64 items = (Tensor.I64) t.get("hist_items");
      Tensor.I64 lengths = (Tensor.I64) t.get("hist_len");
      Tensor.I64 cands = (Tensor.I64) t.get("cand_items");
      Tensor.I64 cateOf = (Tensor.I64) t.get("item_cates");
      Tensor.F32 expected = (Tensor.F32) t.get("logits");
      int users = lengths.shape()[0];
      int width = items.shape()[1];
      int c = cands.shape()[1];
      SequentialModel.Workspace ws = seqrec.newWorkspace();
      float[] logits = new float[c];
      double worst = 0;
      for (int u = 0; u < users; u++) {
        int len = (int) lengths.data()[u];
        int[] history = new int[len];
        int[] historyCates = new int[len];
        for (int s = 0; s < len; s++) {
          history[s] = (int) items.data()[u * width + s];
          historyCates[s] = (int) cateOf.data()[history[s]];
        }
        int[] candItems = new int[c];
        int[] candCates = new int[c];
        for (int j = 0; j < c; j++) {
          candItems[j] = (int) cands.data()[u * c + j];
          candCates[j] = (int) cateOf.data()[candItems[j]];
        }
        UserHistory user = UserHistory.of(history, len).categoryIds(historyCates).build();
        seqrec.score(user, Candidates.of(candItems, candCates), ws, logits, 0);
        for (int j = 0; j < c; j++) {
          double want = expected.data()[u * c + j];
          double err = Math.abs(logits[j] - want) / Math.max(1.0, Math.abs(want));
          worst = Math.max(worst, err);
          assertThat(err).as("din user %d (history length %d) candidate %d: seqrec %s, RecBole %s [%s]", u, len, j,
              logits[j], want, Backends.name()).isLessThanOrEqualTo(TOLERANCE);
        }
      }
      return worst;
    }
  }

  @AfterAll
  static void report() {
    StringBuilder sb = new StringBuilder("RecBole import worst relative-or-absolute error [" + Backends.name() + "]:\n");
    WORST.forEach((k, v) -> sb.append(String.format("  %-10s %.3e%n", k, v)));
    System.out.print(sb);
  }

  @Test
  void wrongModelNamesWhatTheCheckpointHolds() {
    assertThatThrownBy(() -> PeerImports.importModel("recbole", ImportRequest.of("sasrec", DIR.resolve("gru4rec.pth"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RecBole model 'GRU4Rec'")
        .hasMessageContaining("imports RecBole's 'SASRec'")
        .hasMessageContaining("--model gru4rec");
  }

  @Test
  void unsupportedActivationIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> PeerImports.importModel("recbole",
        ImportRequest.of("sasrec", DIR.resolve("sasrec-swish.pth"))))
        .isInstanceOf(ImportRefusedException.class)
        .hasMessageContaining("hidden_act=swish")
        .hasMessageContaining("relu or exact gelu");
  }

  @Test
  void modelOutsideTheImporterIsNamed() {
    assertThatThrownBy(() -> PeerImports.importModel("recbole", ImportRequest.of("tim", DIR.resolve("sasrec.pth"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no seqrec model 'tim'")
        .hasMessageContaining("sasrec");
  }

  @Test
  void missingTensorIsNamed() {
    assertThatThrownBy(() -> PeerImports.importModel("recbole",
        ImportRequest.of("gru4rec", DIR.resolve("gru4rec-missing-tensor.pth"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no tensor 'dense.bias'")
        .hasMessageContaining("dense.weight");
  }

  @Test
  void aBareStateDictIsNotARecBoleCheckpoint() {
    assertThatThrownBy(() -> PeerImports.importModel("recbole",
        ImportRequest.of("gru4rec", DIR.resolve("gru4rec-state-dict-only.pth"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a RecBole checkpoint")
        .hasMessageContaining("state_dict");
  }

  @Test
  void configFilesAreNotExpected() {
    assertThatThrownBy(() -> PeerImports.importModel("recbole", new ImportRequest("sasrec", DIR.resolve("sasrec.pth"),
        java.util.List.of(DIR.resolve("sasrec.pth")), Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("settings inside the checkpoint");
  }
}
