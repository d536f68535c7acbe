package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seqrec model caser --in batch}: logits, the catalogue top-k (with user ids), and a bad user id. */
class NextItemCommandTest {
  private static final Path CASER = Path.of("src/test/resources/golden/models/caser");

  @TempDir Path dir;

  @Test
  void caserScoresAndRecommendsLikePyTorch() throws Exception {
    Path batch = CASER.resolve("batch_padded.safetensors");
    Path out = dir.resolve("scores.safetensors");
    SeqrecCliTest.Run r = SeqrecCliTest.run("model", "caser", "--weights", CASER.resolve("weights.safetensors").toString(),
        "--in", batch.toString(), "--out", out.toString(), "--exclude-seen");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("caser: wrote logits and probs F32[4, 5], topk_ids and topk_scores [4, 10]");
    try (SafeTensors got = SafeTensors.open(out); SafeTensors golden = SafeTensors.open(batch)) {
      float[] logits = ((Tensor.F32) got.toTensor("logits")).data();
      float[] expected = ((Tensor.F32) golden.toTensor("expected.logits")).data();
      assertThat(logits).hasSameSizeAs(expected);
      for (int i = 0; i < logits.length; i++) {
        assertThat((double) logits[i]).isCloseTo(expected[i], Offset.offset(1e-4 * (1 + Math.abs(expected[i]))));
      }
      assertThat(((Tensor.I64) got.toTensor("topk_ids")).data())
          .containsExactly(((Tensor.I64) golden.toTensor("expected.topk_ids_exclude_seen")).data());
    }
  }

  @Test
  void userIdAboveTheTableIsOneLineWithExitCode2() throws Exception {
    Path bad = dir.resolve("bad.safetensors");
    try (SafeTensors golden = SafeTensors.open(CASER.resolve("batch_len1.safetensors"))) {
      var tensors = new TreeMap<>(golden.toTensors());
      Tensor.I64 users = (Tensor.I64) tensors.get("user_id");
      long[] data = users.data().clone();
      data[1] = 31;
      tensors.put("user_id", new Tensor.I64(users.shape(), data));
      SafeTensors.write(bad, tensors);
    }
    Path out = dir.resolve("o.safetensors");
    SeqrecCliTest.Run r = SeqrecCliTest.run("model", "caser", "--weights", CASER.resolve("weights.safetensors").toString(),
        "--in", bad.toString(), "--out", out.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("user id must be in [0, 30]").contains("31").doesNotContain("\tat ");
    assertThat(Files.exists(out)).isFalse();
  }
}
