package io.github.seqrec.models.interop;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an importer reads: the peer's checkpoint, the peer's configuration files (FuxiCTR's model
 * YAML and feature map; RecBole keeps its configuration inside the checkpoint; DeepCTR-Torch has
 * none) and peer settings given by hand ({@code expid=DIN_test}, or a DeepCTR-Torch constructor
 * argument that the state dict does not record).
 *
 * @param model the seqrec model to produce ({@code din}, {@code sasrec}, ...)
 * @param checkpoint the peer's {@code torch.save} file
 * @param configs the peer's configuration files, in the order the importer documents
 * @param peerOptions peer settings by the peer's own names
 */
public record ImportRequest(String model, Path checkpoint, List<Path> configs, Map<String, String> peerOptions) {
  public ImportRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(checkpoint, "checkpoint");
    configs = List.copyOf(configs);
    peerOptions = Map.copyOf(peerOptions);
  }

  /** A request with no configuration files and no peer settings. */
  public static ImportRequest of(String model, Path checkpoint) {
    return new ImportRequest(model, checkpoint, List.of(), Map.of());
  }

  /** The peer setting {@code name}, if given. */
  public Optional<String> peerOption(String name) {
    return Optional.ofNullable(peerOptions.get(name));
  }
}
