package io.github.seqrec.models.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.models.ModelTestKit;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The importer API's shared parts: an {@link ImportedModel} writes its options as metadata beside
 * the peer's name, loads into the same model as the weight file it came from, and the registry
 * names what it does not know.
 */
class ImportedModelTest {
  private static final Path DIN = Path.of("src/test/resources/golden/models/din/weights.safetensors");

  @TempDir Path dir;

  private static ImportedModel dinAsImported() throws Exception {
    try (SafeTensors st = SafeTensors.open(DIN)) {
      Map<String, String> options = new java.util.LinkedHashMap<>(st.metadata());
      options.remove("model");
      options.remove("source");
      return new ImportedModel("din", "test-peer", st.toTensors(), options, List.of("copied from the golden"));
    }
  }

  @Test
  void writesOptionsAndProvenanceAsMetadata() throws Exception {
    ImportedModel imported = dinAsImported();
    Path out = dir.resolve("din.safetensors");
    imported.write(out);
    try (SafeTensors st = SafeTensors.open(out); SafeTensors ref = SafeTensors.open(DIN)) {
      assertThat(st.metadata()).containsEntry("model", "din").containsEntry("peer", "test-peer")
          .containsEntry("source", "seqrec import --from test-peer").containsAllEntriesOf(imported.options());
      assertThat(st.names()).isEqualTo(ref.names());
      for (String name : ref.names()) {
        Tensor got = st.toTensor(name);
        Tensor want = ref.toTensor(name);
        assertThat(got.shape()).as(name).isEqualTo(want.shape());
        if (want instanceof Tensor.F32 f) {
          assertThat(((Tensor.F32) got).data()).as(name).containsExactly(f.data());
        }
      }
    }
  }

  @Test
  void loadsIntoTheSameModelAsItsWeightFile() throws Exception {
    SequentialModel imported = dinAsImported().load(Map.of());
    SequentialModel direct = ModelTestKit.load("din", Map.of());
    SplittableRandom random = new SplittableRandom(5);
    for (int length : new int[] {0, 1, 7, direct.maxHistoryLength()}) {
      var history = ModelTestKit.history(random, length);
      var candidates = ModelTestKit.candidates(random, 9);
      assertThat(ModelTestKit.score(imported, history, candidates))
          .containsExactly(ModelTestKit.score(direct, history, candidates));
    }
  }

  @Test
  void overridesWinOverImportedOptionsAndUnknownOnesAreNamed() throws Exception {
    ImportedModel imported = dinAsImported();
    assertThat(imported.load(Map.of("softmax", "true"))).isNotNull();
    assertThatThrownBy(() -> imported.load(Map.of("sofmax", "true")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("did you mean 'softmax'");
  }

  @Test
  void unknownPeerIsNamed() {
    assertThatThrownBy(() -> PeerImports.importer("tensorflow"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown peer library 'tensorflow'");
  }
}
