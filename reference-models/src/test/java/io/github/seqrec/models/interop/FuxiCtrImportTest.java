package io.github.seqrec.models.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FuxiCTR checkpoints made by FuxiCTR itself ({@code golden/interop/fuxictr_peer.py}): imported,
 * they score the recorded batch as FuxiCTR did.
 */
class FuxiCtrImportTest {
  static final Path DIR = Path.of("src/test/resources/interop/fuxictr");
  static final Path YAML = DIR.resolve("model_config.yaml");
  static final Path FEATURE_MAP = DIR.resolve("feature_map.json");
  static final Path DIEN_YAML = DIR.resolve("model_config_dien.yaml");
  static final Path DIEN_FEATURE_MAP = DIR.resolve("feature_map_dien.json");

  @TempDir Path tmp;

  static ImportRequest request(String expid, Path yaml, Path featureMap) {
    return new ImportRequest("din", DIR.resolve(expid + ".model"), List.of(yaml, featureMap), Map.of("expid", expid));
  }

  @ParameterizedTest
  @ValueSource(strings = {"DIN_dice", "DIN_dice_softmax", "DIN_relu", "DIN_dice_bn"})
  void dinScoresAsFuxiCtr(String expid) throws IOException {
    ImportedModel imported = PeerImports.importModel("fuxictr", request(expid, YAML, FEATURE_MAP));
    SequentialModel model = imported.load(Map.of());
    double worst = PeerParity.check("fuxictr din " + expid, model, DIR.resolve(expid + "_batch.safetensors"));
    assertThat(worst).isLessThanOrEqualTo(PeerParity.TOLERANCE);
    assertThat(imported.options()).containsEntry("mlp_input", "target_pooled").containsEntry("dice_eps", "1.0E-9");
  }

  @ParameterizedTest
  @ValueSource(strings = {"DIEN_augru", "DIEN_augru_bn", "DIEN_agru"})
  void dienScoresAsFuxiCtr(String expid) throws IOException {
    ImportRequest request = new ImportRequest("dien", DIR.resolve(expid + ".model"),
        List.of(DIEN_YAML, DIEN_FEATURE_MAP), Map.of("expid", expid));
    ImportedModel imported = PeerImports.importModel("fuxictr", request);
    double worst = PeerParity.check("fuxictr dien " + expid, imported.load(Map.of()),
        DIR.resolve(expid + "_batch.safetensors"));
    assertThat(worst).isLessThanOrEqualTo(PeerParity.TOLERANCE);
  }

  private Path dienYaml(String body) throws IOException {
    Path file = tmp.resolve("model_config_dien.yaml");
    Files.writeString(file, "DIEN_augru:\n  model: DIEN\n  embedding_dim: 4\n  dnn_hidden_units: [12, 6]\n"
        + "  batch_norm: false\n  enable_sum_pooling: true\n" + body);
    return file;
  }

  private static ImportRequest dienRequest(Path yaml) {
    return new ImportRequest("dien", DIR.resolve("DIEN_augru.model"), List.of(yaml, DIEN_FEATURE_MAP),
        Map.of("expid", "DIEN_augru"));
  }

  @Test
  void dienRefusesWhatSeqrecCannotServe() throws IOException {
    Path aigru = dienYaml("  gru_type: AIGRU\n");
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", dienRequest(aigru)))
        .isInstanceOf(ImportRefusedException.class).hasMessageContaining("gru_type AIGRU");
    Path din = dienYaml("  attention_type: din_attention\n");
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", dienRequest(din)))
        .isInstanceOf(ImportRefusedException.class).hasMessageContaining("attention_type din_attention");
    Path noSoftmax = dienYaml("  use_attention_softmax: false\n");
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", dienRequest(noSoftmax)))
        .isInstanceOf(ImportRefusedException.class).hasMessageContaining("use_attention_softmax=False");
  }

  @Test
  void dienReportsABatchNormSettingThatDoesNotMatch() throws IOException {
    Path file = dienYaml("").resolveSibling("bn.yaml");
    Files.writeString(file, Files.readString(dienYaml("")).replace("batch_norm: false", "batch_norm: true"));
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", dienRequest(file)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch_norm=True")
        .hasMessageContaining("has none after 'dnn.mlp.0'");
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", new ImportRequest("dien",
        DIR.resolve("DIN_dice.model"), List.of(YAML, FEATURE_MAP), Map.of("expid", "DIN_dice"))))
        .hasMessageContaining("is model 'DIN', expected DIEN");
  }

  @Test
  void expidDefaultsToTheCheckpointName() throws IOException {
    ImportRequest noExpid = new ImportRequest("din", DIR.resolve("DIN_relu.model"), List.of(YAML, FEATURE_MAP),
        Map.of());
    assertThat(PeerImports.importModel("fuxictr", noExpid).options()).containsEntry("att_activation", "relu");
  }

  @Test
  void cliWritesWeightsThatServe() throws IOException {
    Path out = tmp.resolve("din.safetensors");
    var r = PeerParity.cli("import", "--from", "fuxictr", "--model", "din",
        DIR.resolve("DIN_dice_softmax.model").toString(), "--config", YAML.toString(), "--config",
        FEATURE_MAP.toString(), "-P", "expid=DIN_dice_softmax", "-o", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("fuxictr -> din", "wrote " + out);
    PeerParity.check("fuxictr din DIN_dice_softmax (cli)", Models.load("din", out, Map.of()),
        DIR.resolve("DIN_dice_softmax_batch.safetensors"));
  }

  private Path yaml(String body) throws IOException {
    Path file = tmp.resolve("model_config.yaml");
    Files.writeString(file, "DIN_dice:\n  model: DIN\n  embedding_dim: 4\n  dnn_hidden_units: [12, 6]\n"
        + "  attention_hidden_units: [16, 8]\n" + body);
    return file;
  }

  /** The YAML's batch_norm must agree with the checkpoint: a DNN batch norm it does not announce is named. */
  @Test
  void batchNormTheConfigDoesNotAnnounceIsNamed() throws IOException {
    Path file = yaml("  din_target_field: [[item_id, cate_id]]\n  din_sequence_field: [[click_history, cate_history]]\n"
        + "  attention_hidden_activations: Dice\n  batch_norm: false\n");
    ImportRequest bnCheckpoint = new ImportRequest("din", DIR.resolve("DIN_dice_bn.model"), List.of(file, FEATURE_MAP),
        Map.of("expid", "DIN_dice"));
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", bnCheckpoint))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch_norm=False")
        .hasMessageContaining("has a batch norm at");
  }

  @Test
  void refusesATargetWithoutCategory() throws IOException {
    Path file = yaml("  din_target_field: item_id\n  din_sequence_field: click_history\n");
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", request("DIN_dice", file, FEATURE_MAP)))
        .isInstanceOf(ImportRefusedException.class).hasMessageContaining("din_target_field")
        .hasMessageContaining("not an (item, category) pair");
  }

  @Test
  void refusesUserProfileFeatures() throws IOException {
    String json = Files.readString(FEATURE_MAP).replace("\"features\": [",
        "\"features\": [{\"user_id\": {\"source\": \"user\", \"type\": \"categorical\", \"vocab_size\": 9}},");
    Path map = tmp.resolve("feature_map.json");
    Files.writeString(map, json);
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", request("DIN_dice", YAML, map)))
        .isInstanceOf(ImportRefusedException.class).hasMessageContaining("[user_id]");
  }

  @Test
  void reportsAConfigThatDoesNotMatchTheCheckpoint() throws IOException {
    Path file = yaml("  din_target_field: [[item_id, cate_id]]\n  din_sequence_field: [[click_history, cate_history]]\n"
        + "  attention_hidden_activations: relu\n");
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", request("DIN_dice", file, FEATURE_MAP)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the config says relu")
        .hasMessageContaining("has Dice parameters");
    Path wide = yaml("  din_target_field: [[item_id, cate_id]]\n  din_sequence_field: [[click_history, cate_history]]\n"
        .replace("embedding_dim: 4", "embedding_dim: 4"));
    Files.writeString(wide, Files.readString(wide).replace("embedding_dim: 4", "embedding_dim: 5"));
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", request("DIN_dice", wide, FEATURE_MAP)))
        .hasMessageContaining("embedding_layer.embedding_layers.item_id.weight").hasMessageContaining("expected F32[32, 5]");
  }

  @Test
  void namesTheMissingExperiment() {
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", new ImportRequest("din",
        DIR.resolve("DIN_dice.model"), List.of(YAML, FEATURE_MAP), Map.of("expid", "DIN_nosuch"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no experiment 'DIN_nosuch'")
        .hasMessageContaining("DIN_dice, DIN_dice_softmax, DIN_relu");
    assertThatThrownBy(() -> PeerImports.importModel("fuxictr", new ImportRequest("din",
        DIR.resolve("DIN_dice.model"), List.of(YAML), Map.of())))
        .hasMessageContaining("expected two --config files");
  }

  @AfterAll
  static void printWorst() {
    PeerParity.printWorst("fuxictr");
  }
}
