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

  @AfterAll
  static void printWorst() {
    PeerParity.printWorst("deepctr-torch");
  }
}
