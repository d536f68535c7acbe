package io.github.seqrec.models.interop;

import java.io.IOException;
import java.util.List;

/**
 * Converts one peer library's checkpoints to seqrec reference models. Implementations are
 * stateless; {@link PeerImports} holds one of each.
 */
public interface PeerImporter {
  /** The library's name on the command line: {@code fuxictr}, {@code deepctr-torch}, {@code recbole}. */
  String peer();

  /** The seqrec models this importer produces, each the counterpart of a model the peer has. */
  List<String> models();

  /**
   * One line per configuration file and peer setting the importer reads, for {@code seqrec import
   * --help} and error messages ({@code "--config 1: model_config.yaml (FuxiCTR's model YAML)"}).
   */
  List<String> usage();

  /**
   * Reads the checkpoint and configuration of {@code request} and maps them onto
   * {@code request.model()}.
   *
   * @throws ImportRefusedException when the peer model uses something seqrec cannot reproduce
   * @throws IllegalArgumentException for a model this importer does not produce, or a checkpoint
   *     or configuration that does not match the model (naming the tensor or key)
   * @throws IOException when a file cannot be read or is malformed
   */
  ImportedModel importModel(ImportRequest request) throws IOException;
}
