package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.interop.PeerImporter;
import io.github.seqrec.models.interop.PeerImports;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seqrec import}: the list, and the one-line errors before any importer runs. */
class ImportCommandTest {
  @TempDir Path dir;

  @Test
  void listNamesEveryPeerAndItsModels() {
    SeqrecCliTest.Run run = SeqrecCliTest.run("import", "--list");
    assertThat(run.code()).as(run.err()).isZero();
    for (PeerImporter importer : PeerImports.all()) {
      assertThat(run.out()).contains(importer.peer() + ": " + String.join(", ", importer.models()));
    }
  }

  @Test
  void missingArgumentsAndUnknownPeersAreOneLine() {
    String out = dir.resolve("w.safetensors").toString();
    SeqrecCliTest.run("import", "--model", "din", "x.pth", "-o", out).assertBadInput("missing --from PEER");
    SeqrecCliTest.run("import", "--from", "recbole", "x.pth", "-o", out).assertBadInput("missing --model NAME");
    SeqrecCliTest.run("import", "--from", "recbole", "--model", "sasrec", "-o", out)
        .assertBadInput("missing the CHECKPOINT file");
    SeqrecCliTest.run("import", "--from", "recbole", "--model", "sasrec", "x.pth").assertBadInput("missing -o FILE");
    SeqrecCliTest.run("import", "--from", "tensorflow", "--model", "din", "x.pth", "-o", out)
        .assertBadInput("unknown peer library 'tensorflow'");
    assertThat(dir.resolve("w.safetensors")).doesNotExist();
  }
}
