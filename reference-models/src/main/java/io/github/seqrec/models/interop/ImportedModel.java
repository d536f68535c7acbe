package io.github.seqrec.models.interop;

import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A peer checkpoint in seqrec's form: tensors under the names the seqrec model's loader reads, and
 * the options (hyperparameters and conventions) that make its forward pass the peer's. {@link
 * #write} stores both as one safetensors file (options in its {@code __metadata__}, beside {@code
 * model}, {@code source} and {@code peer}); {@link Models#load} serves that file like any other.
 *
 * @param model the seqrec model name
 * @param peer the library the checkpoint came from
 * @param tensors seqrec-named tensors
 * @param options seqrec options, as metadata strings
 * @param notes what the mapping did that a user should know (gate rows reordered, a tied bias
 *     folded, a setting taken from its peer default), one sentence each
 */
public record ImportedModel(String model, String peer, Map<String, Tensor> tensors, Map<String, String> options,
                            List<String> notes) {
  public ImportedModel {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(peer, "peer");
    tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
    notes = List.copyOf(notes);
  }

  /** The safetensors metadata written: the options plus {@code model}, {@code peer} and {@code source}. */
  public Map<String, String> metadata() {
    Map<String, String> metadata = new LinkedHashMap<>(options);
    metadata.put("model", model);
    metadata.put("peer", peer);
    metadata.put("source", "seqrec import --from " + peer);
    return metadata;
  }

  /** Writes the tensors and {@link #metadata} as a safetensors file (atomically). */
  public void write(Path path) throws IOException {
    SafeTensors.write(path, tensors, metadata());
  }

  /**
   * The seqrec model itself: written to a temporary file, loaded, and the file removed.
   *
   * @param overrides options that win over the imported ones (as in {@link Models#load})
   */
  public SequentialModel load(Map<String, String> overrides) throws IOException {
    Path file = Files.createTempFile("seqrec-import-" + model + "-", ".safetensors");
    try {
      write(file);
      return Models.load(model, file, overrides);
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
