package io.github.seqrec.models.interop;

import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.interop.deepctr.DeepCtrImporter;
import io.github.seqrec.models.interop.fuxictr.FuxiCtrImporter;
import io.github.seqrec.models.interop.recbole.RecBoleImporter;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The importers, by peer name. Adding a peer is one line in {@link #IMPORTERS}.
 */
public final class PeerImports {
  private PeerImports() {}

  private static final List<PeerImporter> IMPORTERS = List.of(new FuxiCtrImporter(), new DeepCtrImporter(),
      new RecBoleImporter());

  private static final Map<String, PeerImporter> BY_PEER = index();

  private static Map<String, PeerImporter> index() {
    Map<String, PeerImporter> byPeer = new TreeMap<>();
    for (PeerImporter importer : IMPORTERS) {
      if (byPeer.put(importer.peer(), importer) != null) {
        throw new IllegalStateException("two importers for " + importer.peer());
      }
    }
    return byPeer;
  }

  /** Every importer, by peer name. */
  public static List<PeerImporter> all() {
    return List.copyOf(BY_PEER.values());
  }

  /**
   * The importer of {@code peer}.
   *
   * @throws IllegalArgumentException for an unknown peer, naming the closest known one
   */
  public static PeerImporter importer(String peer) {
    PeerImporter importer = BY_PEER.get(peer);
    if (importer == null) {
      throw new IllegalArgumentException("unknown peer library '" + peer + "'"
          + ModelOptions.suggestion(peer, BY_PEER.keySet()) + "; known: " + String.join(", ", BY_PEER.keySet()));
    }
    return importer;
  }

  /**
   * Imports {@code request} with the importer of {@code peer}.
   *
   * @throws IllegalArgumentException for an unknown peer or a model the peer's importer does not produce
   */
  public static ImportedModel importModel(String peer, ImportRequest request) throws IOException {
    PeerImporter importer = importer(peer);
    if (!importer.models().contains(request.model())) {
      throw new IllegalArgumentException(peer + " importer: no seqrec model '" + request.model() + "'"
          + ModelOptions.suggestion(request.model(), importer.models()) + "; it imports: "
          + String.join(", ", importer.models()));
    }
    return importer.importModel(request);
  }
}
