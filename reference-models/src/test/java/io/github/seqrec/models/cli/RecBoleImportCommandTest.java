package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seqrec import --from recbole}: the command writes a weight file that serves; bad input is one line, exit 2. */
class RecBoleImportCommandTest {
  private static final Path RECBOLE = Path.of("src/test/resources/interop/recbole");

  @TempDir Path dir;

  @Test
  void importsASasRecCheckpointThatServes() throws Exception {
    Path out = dir.resolve("sasrec.safetensors");
    SeqrecCliTest.Run r = SeqrecCliTest.run("import", "--from", "recbole", "--model", "sasrec",
        RECBOLE.resolve("sasrec.pth").toString(), "-o", out.toString());
    assertThat(r.code()).as("stderr: " + r.err()).isZero();
    assertThat(r.out()).contains("recbole -> sasrec").contains("emb_norm=true").contains("note: item ids are RecBole's");
    try (SafeTensors st = SafeTensors.open(out)) {
      assertThat(st.metadata()).containsEntry("model", "sasrec").containsEntry("peer", "recbole")
          .containsEntry("ffn_act", "gelu").containsEntry("max_len", "6");
    }
    SequentialModel served = Models.load("sasrec", out, Map.of());
    assertThat(served.maxHistoryLength()).isEqualTo(6);
  }

  @Test
  void listShowsRecBoleAndItsModels() {
    SeqrecCliTest.Run r = SeqrecCliTest.run("import", "--list");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("recbole: sasrec, gru4rec, bert4rec, fpmc, caser, nextitnet");
  }

  @Test
  void wrongModelIsOneLineNamingTheCheckpointsModel() {
    Path out = dir.resolve("x.safetensors");
    SeqrecCliTest.run("import", "--from", "recbole", "--model", "bert4rec", RECBOLE.resolve("gru4rec.pth").toString(),
        "-o", out.toString()).assertBadInput("RecBole model 'GRU4Rec'", "--model gru4rec");
    assertThat(Files.exists(out)).isFalse();
  }

  @Test
  void refusedSettingIsOneLineAndWritesNothing() {
    Path out = dir.resolve("x.safetensors");
    SeqrecCliTest.run("import", "--from", "recbole", "--model", "sasrec", RECBOLE.resolve("sasrec-swish.pth").toString(),
        "-o", out.toString()).assertBadInput("hidden_act=swish");
    assertThat(Files.exists(out)).isFalse();
  }
}
