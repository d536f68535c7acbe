package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seqrec fit markov} counts the golden sequences into the reference's table, and
 * {@code seqrec model markov} scores a golden batch from the fitted file like the reference
 * (probabilities and catalogue top-k).
 */
class FitCommandTest {
  private static final Path MARKOV = Path.of("src/test/resources/golden/models/markov");

  @TempDir Path dir;

  @Test
  void fitThenScoreReproducesTheReference() throws Exception {
    Path weights = dir.resolve("markov.safetensors");
    SeqrecCliTest.Run fit = SeqrecCliTest.run("fit", "markov", "--sequences", MARKOV.resolve("sequences.csv").toString(),
        "--n-items", "60", "--smoothing", "0.5", "--out", weights.toString());
    assertThat(fit.code()).as(fit.err()).isZero();
    assertThat(fit.out()).contains("markov: counted").contains("wrote " + weights);
    try (SafeTensors got = SafeTensors.open(weights); SafeTensors ref = SafeTensors.open(MARKOV.resolve("weights.safetensors"))) {
      for (String t : new String[] {"row_offsets", "next_items", "counts"}) {
        assertThat(got.longs(t)).as(t).containsExactly(ref.longs(t));
      }
      assertThat(got.metadata()).containsEntry("n_items", "60").containsEntry("smoothing", "0.5");
    }
    Path scores = dir.resolve("scores.safetensors");
    SeqrecCliTest.Run model = SeqrecCliTest.run("model", "markov", "--weights", weights.toString(), "--in",
        MARKOV.resolve("batch_padded.safetensors").toString(), "--out", scores.toString(), "--k", "10");
    assertThat(model.code()).as(model.err()).isZero();
    try (SafeTensors got = SafeTensors.open(scores); SafeTensors golden = SafeTensors.open(MARKOV.resolve("batch_padded.safetensors"))) {
      float[] logits = ((Tensor.F32) got.toTensor("logits")).data();
      float[] expected = golden.floats("expected.logits");
      assertThat(logits).hasSameSizeAs(expected);
      for (int i = 0; i < logits.length; i++) {
        assertThat((double) logits[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6));
      }
      assertThat(got.longs("topk_ids")).containsExactly(golden.longs("expected.topk_ids"));
    }
  }

  @Test
  void badInputIsOneLineWithExitCode2() throws Exception {
    Path csv = dir.resolve("s.csv");
    Files.writeString(csv, "1,2,3\n4,x\n");
    SeqrecCliTest.run("fit", "markov", "--sequences", csv.toString(), "--n-items", "10", "--out",
        dir.resolve("w.safetensors").toString()).assertBadInput("line 2", "x");
    SeqrecCliTest.run("fit", "markov", "--sequences", dir.resolve("none.csv").toString(), "--n-items", "10", "--out",
        dir.resolve("w.safetensors").toString()).assertBadInput("cannot read --sequences", "no such file");
    SeqrecCliTest.run("fit", "gru4rec", "--sequences", csv.toString(), "--n-items", "10", "--out",
        dir.resolve("w.safetensors").toString()).assertBadInput("markov");
    SeqrecCliTest.run("fit", "markov", "--sequences", csv.toString(), "--n-items", "10", "--smoothing", "-1", "--out",
        dir.resolve("w.safetensors").toString()).assertBadInput("--smoothing");
    assertThat(dir.resolve("w.safetensors")).doesNotExist();
  }
}
