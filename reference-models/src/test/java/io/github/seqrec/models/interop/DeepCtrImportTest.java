package io.github.seqrec.models.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.models.Models;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DeepCTR-Torch checkpoints made by DeepCTR-Torch itself ({@code golden/interop/deepctr_peer.py}):
 * imported with the constructor arguments the batch file records ({@code peer_options}), they
 * score the recorded batch as DeepCTR-Torch did.
 */
class DeepCtrImportTest {
  static final Path DIR = Path.of("src/test/resources/interop/deepctr-torch");

  @TempDir Path tmp;

  /** The -P settings the generator used, from the batch file's metadata. */
  static Map<String, String> peerOptions(String variant) throws IOException {
    Map<String, String> options = new LinkedHashMap<>();
    for (String kv : PeerParity.metadata(DIR.resolve(variant + "_batch.safetensors")).get("peer_options").split(",")) {
      String[] parts = kv.split("=", 2);
      options.put(parts[0], parts[1]);
    }
    return options;
  }

  static ImportRequest request(String variant, Map<String, String> options) {
    return new ImportRequest("din", DIR.resolve(variant + ".pth"), List.of(), options);
  }

  @ParameterizedTest
  @ValueSource(strings = {"din_dice", "din_dice_norm", "din_relu", "din_sigmoid_norm"})
  void dinScoresAsDeepCtr(String variant) throws IOException {
    ImportedModel imported = PeerImports.importModel("deepctr-torch", request(variant, peerOptions(variant)));
    double worst = PeerParity.check("deepctr-torch din " + variant, imported.load(Map.of()),
        DIR.resolve(variant + "_batch.safetensors"));
    assertThat(worst).isLessThanOrEqualTo(PeerParity.TOLERANCE);
  }

  @Test
  void emptyHistoryWithNormalizationPoolsThePaddingRow() throws IOException {
    // the batch's last row has an empty history; with u = 0 instead, the score moves far off
    ImportedModel imported = PeerImports.importModel("deepctr-torch", request("din_dice_norm",
        peerOptions("din_dice_norm")));
    Map<String, String> zero = Map.of("empty_softmax", "zero");
    assertThatThrownBy(() -> PeerParity.check("deepctr-torch din (u=0 when empty)", imported.load(zero),
        DIR.resolve("din_dice_norm_batch.safetensors"))).isInstanceOf(AssertionError.class)
        .hasMessageContaining("[4]");
  }

  @Test
  void diceIsInferredFromTheTensors() throws IOException {
    ImportedModel imported = PeerImports.importModel("deepctr-torch", request("din_dice", Map.of("maxlen", "8")));
    assertThat(imported.options()).containsEntry("att_activation", "dice").containsEntry("activation", "relu")
        .containsEntry("softmax", "false").containsEntry("max_len", "8");
    PeerParity.check("deepctr-torch din din_dice (inferred)", imported.load(Map.of()),
        DIR.resolve("din_dice_batch.safetensors"));
  }

  @Test
  void cliWritesWeightsThatServe() throws IOException {
    Path out = tmp.resolve("din.safetensors");
    var r = PeerParity.cli("import", "--from", "deepctr-torch", "--model", "din",
        DIR.resolve("din_dice_norm.pth").toString(), "-P", "att_weight_normalization=true", "-P", "maxlen=8",
        "-o", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("deepctr-torch -> din", "PredictionLayer bias");
    PeerParity.check("deepctr-torch din din_dice_norm (cli)", Models.load("din", out, Map.of()),
        DIR.resolve("din_dice_norm_batch.safetensors"));
  }

  @Test
  void missingActivationSettingIsNamed() {
    // DIN's default att_activation is Dice, but this checkpoint's attention has no Dice parameters
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", request("din_relu", Map.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("att_activation is dice")
        .hasMessageContaining("set -P att_activation=relu|sigmoid");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", request("din_dice",
        Map.of("att_activation", "relu")))).hasMessageContaining("hold dice parameters");
  }

  @Test
  void refusesWhatSeqrecCannotServe() {
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", request("din_relu",
        Map.of("att_activation", "linear")))).isInstanceOf(ImportRefusedException.class)
        .hasMessageContaining("att_activation=linear");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", request("din_dice",
        Map.of("history_feature_list", "item_id,cate_id,brand_id")))).isInstanceOf(ImportRefusedException.class)
        .hasMessageContaining("history_feature_list [item_id, cate_id, brand_id] has 3 features");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", request("din_dice",
        Map.of("history_feature_list", "cate_id,item_id")))).isInstanceOf(ImportRefusedException.class)
        .hasMessageContaining("in that order");
  }

  @Test
  void rejectsUnknownSettingsAndConfigs() {
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", request("din_dice",
        Map.of("att_hidden_units", "16,8")))).hasMessageContaining("unknown DIN setting -P att_hidden_units");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", new ImportRequest("din",
        DIR.resolve("din_dice.pth"), List.of(DIR.resolve("din_dice.pth")), Map.of())))
        .hasMessageContaining("has no configuration file");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", request("din_dice", Map.of("maxlen", "-3"))))
        .hasMessageContaining("-P maxlen must be a positive integer, got '-3'");
  }

  static ImportRequest dienRequest(String variant, Map<String, String> options) {
    return new ImportRequest("dien", DIR.resolve(variant + ".pth"), List.of(), options);
  }

  @ParameterizedTest
  @ValueSource(strings = {"dien_augru_dice_norm", "dien_augru_relu", "dien_agru_sigmoid_norm", "dien_aigru_dice_norm"})
  void dienScoresAsDeepCtr(String variant) throws IOException {
    ImportedModel imported = PeerImports.importModel("deepctr-torch", dienRequest(variant, peerOptions(variant)));
    assertThat(imported.model()).isEqualTo("dien");
    assertThat(imported.options()).containsEntry("attention", "mlp").containsEntry("mlp_input", "evolved_target")
        .containsEntry("max_len", "8");
    double worst = PeerParity.check("deepctr-torch dien " + variant, imported.load(Map.of()),
        DIR.resolve(variant + "_batch.safetensors"));
    assertThat(worst).isLessThanOrEqualTo(PeerParity.TOLERANCE);
  }

  @Test
  void dienSettingsMatter() throws IOException {
    // the same AUGRU checkpoint read as AGRU, or without the softmax, scores off DeepCTR-Torch's outputs
    Map<String, String> agru = new LinkedHashMap<>(peerOptions("dien_augru_dice_norm"));
    agru.put("gru_type", "AGRU");
    ImportedModel asAgru = PeerImports.importModel("deepctr-torch", dienRequest("dien_augru_dice_norm", agru));
    assertThatThrownBy(() -> PeerParity.check("deepctr-torch dien (AUGRU read as AGRU)", asAgru.load(Map.of()),
        DIR.resolve("dien_augru_dice_norm_batch.safetensors"))).isInstanceOf(AssertionError.class);
    Map<String, String> raw = new LinkedHashMap<>(peerOptions("dien_augru_dice_norm"));
    raw.put("att_weight_normalization", "false");
    ImportedModel unnormalised = PeerImports.importModel("deepctr-torch", dienRequest("dien_augru_dice_norm", raw));
    assertThatThrownBy(() -> PeerParity.check("deepctr-torch dien (no softmax)", unnormalised.load(Map.of()),
        DIR.resolve("dien_augru_dice_norm_batch.safetensors"))).isInstanceOf(AssertionError.class);
    // DIEN's defaults: att_weight_normalization true, relu activations; Dice shown by the tensors
    ImportedModel defaults = PeerImports.importModel("deepctr-torch", dienRequest("dien_augru_dice_norm",
        Map.of("gru_type", "augru")));
    assertThat(defaults.options()).containsEntry("softmax", "true").containsEntry("att_activation", "dice")
        .containsEntry("activation", "relu").containsEntry("gru_type", "AUGRU");
    assertThat(defaults.notes()).anyMatch(n -> n.contains("maxlen not given"))
        .anyMatch(n -> n.contains("tied bias"));
  }

  @Test
  void dienRefusals() {
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", dienRequest("dien_augru_relu", Map.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not record gru_type")
        .hasMessageContaining("set -P gru_type=AUGRU|AGRU");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", dienRequest("dien_aigru_dice_norm",
        Map.of("gru_type", "GRU")))).isInstanceOf(ImportRefusedException.class)
        .hasMessageContaining("gru_type=GRU").hasMessageContaining("no such form");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", dienRequest("dien_aigru_dice_norm",
        Map.of("gru_type", "AUGRU")))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("set -P gru_type=AIGRU");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", dienRequest("dien_agru_sigmoid_norm",
        Map.of("gru_type", "AUGRU")))).isInstanceOf(ImportRefusedException.class)
        .hasMessageContaining("bias_ih' and 'bias_hh' differ").hasMessageContaining("set -P gru_type=AGRU");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", dienRequest("dien_augru_relu",
        Map.of("gru_type", "AUGRU", "att_activation", "linear")))).isInstanceOf(ImportRefusedException.class)
        .hasMessageContaining("deepctr-torch DIEN: att_activation=linear");
    assertThatThrownBy(() -> PeerImports.importModel("deepctr-torch", dienRequest("dien_augru_relu",
        Map.of("gru_type", "AUGRU", "use_bn", "true")))).hasMessageContaining("unknown DIEN setting -P use_bn");
  }

  @Test
  void dienCliWritesWeightsThatServe() throws IOException {
    Path out = tmp.resolve("dien.safetensors");
    var r = PeerParity.cli("import", "--from", "deepctr-torch", "--model", "dien",
        DIR.resolve("dien_agru_sigmoid_norm.pth").toString(), "-P", "gru_type=AGRU", "-P", "att_activation=sigmoid",
        "-P", "maxlen=8", "-o", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("deepctr-torch -> dien", "PredictionLayer bias");
    PeerParity.check("deepctr-torch dien dien_agru_sigmoid_norm (cli)", Models.load("dien", out, Map.of()),
        DIR.resolve("dien_agru_sigmoid_norm_batch.safetensors"));
  }

  @AfterAll
  static void printWorst() {
    PeerParity.printWorst("deepctr-torch");
  }
}
