package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.ModelInfo;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seqrec model}: listing, scoring a golden batch, and one-line errors with exit code 2. */
class ModelCommandTest {
  private static final Path DIN = Path.of("src/test/resources/golden/models/din");

  @TempDir Path dir;

  @Test
  void listShowsEveryRegisteredModel() {
    SeqrecCliTest.Run r = SeqrecCliTest.run("model", "--list");
    assertThat(r.code()).isZero();
    // every model with golden batches is registered (and so listed): a new model cannot be forgotten
    assertThat(Models.list().stream().map(ModelInfo::name)).containsAll(goldenModelNames());
    for (ModelInfo info : Models.list()) {
      assertThat(r.out()).contains(info.name() + ": " + info.paper()).contains(String.join(", ", info.batchInputs()));
      for (ModelOption<?> option : info.options()) {
        assertThat(r.out()).contains("    " + option);
      }
    }
  }

  @Test
  void scoresAGoldenBatchLikePyTorch() throws Exception {
    Path out = dir.resolve("scores.safetensors");
    SeqrecCliTest.Run r = SeqrecCliTest.run("model", "din", "--weights", DIN.resolve("weights.safetensors").toString(),
        "--in", DIN.resolve("batch_padded.safetensors").toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("din: wrote logits and probs");
    try (SafeTensors got = SafeTensors.open(out); SafeTensors golden = SafeTensors.open(DIN.resolve("batch_padded.safetensors"))) {
      float[] logits = ((Tensor.F32) got.toTensor("logits")).data();
      float[] expected = ((Tensor.F32) golden.toTensor("expected.logits")).data();
      assertThat(logits).hasSameSizeAs(expected);
      for (int i = 0; i < logits.length; i++) {
        assertThat((double) logits[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(expected[i]))));
      }
      assertThat(got.metadata()).containsEntry("model", "din");
    }
  }

  @Test
  void badInputIsOneLineWithExitCode2() throws Exception {
    SeqrecCliTest.Run unknown = SeqrecCliTest.run("model", "nosuch", "--weights", "w", "--in", "i", "--out", "o");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown model 'nosuch'").doesNotContain("\tat ");

    Path missing = dir.resolve("missing.safetensors");
    SeqrecCliTest.Run noFile = SeqrecCliTest.run("model", "din", "--weights", missing.toString(),
        "--in", DIN.resolve("batch_padded.safetensors").toString(), "--out", dir.resolve("o.safetensors").toString());
    assertThat(noFile.code()).isEqualTo(2);
    assertThat(noFile.err()).contains("missing.safetensors");

    // a batch whose item id is outside the vocabulary: the error names the field and the range
    Path bad = dir.resolve("bad.safetensors");
    try (SafeTensors golden = SafeTensors.open(DIN.resolve("batch_len1.safetensors"))) {
      var tensors = new java.util.TreeMap<>(golden.toTensors());
      Tensor.I64 items = (Tensor.I64) tensors.get("hist_items");
      long[] data = items.data().clone();
      data[0] = 100_000;
      tensors.put("hist_items", new Tensor.I64(items.shape(), data));
      SafeTensors.write(bad, tensors);
    }
    SeqrecCliTest.Run outOfVocabulary = SeqrecCliTest.run("model", "din", "--weights",
        DIN.resolve("weights.safetensors").toString(), "--in", bad.toString(), "--out", dir.resolve("o2.safetensors").toString());
    assertThat(outOfVocabulary.code()).isEqualTo(2);
    assertThat(outOfVocabulary.err()).contains("100000").contains("outside the vocabulary");
    assertThat(Files.exists(dir.resolve("o2.safetensors"))).isFalse();
  }

  /** The directories under golden/models that hold at least one batch file. */
  private static java.util.List<String> goldenModelNames() {
    try (var dirs = java.nio.file.Files.list(DIN.getParent())) {
      return dirs.filter(d -> {
        try (var files = java.nio.file.Files.list(d)) {
          return files.anyMatch(f -> f.getFileName().toString().matches("batch_.*\\.safetensors"));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).map(d -> d.getFileName().toString()).sorted().toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
