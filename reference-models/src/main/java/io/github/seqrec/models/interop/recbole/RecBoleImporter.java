package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.interop.ImportRequest;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.interop.PeerImporter;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Serves models trained in RecBole unchanged: reads the checkpoint RecBole's Trainer saves (its
 * settings travel inside it, in the pickled Config's {@code final_config_dict}; no configuration
 * file and no peer setting is needed) and maps it onto the seqrec counterpart, one small mapping
 * class per model. The RecBole model class recorded in the checkpoint must be the one the seqrec
 * model imports.
 *
 * <p>Item ids: RecBole remaps raw item tokens to internal ids 1..n with 0 for padding, which is
 * seqrec's convention; the imported model expects RecBole's internal ids (map raw tokens through
 * the dataset's {@code field2id_token}).
 */
public final class RecBoleImporter implements PeerImporter {
  /** seqrec model -> (RecBole model class, mapping), in the order {@link #models()} lists them. */
  private static final Map<String, Mapping> MAPPINGS = mappings();

  private record Mapping(String recboleModel, Function<RecBoleCheckpoint, ImportedModel> map) {}

  private static Map<String, Mapping> mappings() {
    Map<String, Mapping> m = new LinkedHashMap<>();
    m.put("sasrec", new Mapping("SASRec", SasRecMapping::map));
    m.put("gru4rec", new Mapping("GRU4Rec", Gru4RecMapping::map));
    m.put("bert4rec", new Mapping("BERT4Rec", Bert4RecMapping::map));
    m.put("fpmc", new Mapping("FPMC", FpmcMapping::map));
    m.put("caser", new Mapping("Caser", CaserMapping::map));
    m.put("nextitnet", new Mapping("NextItNet", NextItNetMapping::map));
    m.put("din", new Mapping("DIN", DinMapping::map));
    return m;
  }

  @Override
  public String peer() {
    return "recbole";
  }

  @Override
  public List<String> models() {
    return List.copyOf(MAPPINGS.keySet());
  }

  @Override
  public List<String> usage() {
    return List.of("CKPT: the .pth RecBole's Trainer saves (saved/<Model>-<date>.pth); its config is read from inside",
        "no --config files and no peer settings");
  }

  @Override
  public ImportedModel importModel(ImportRequest request) throws IOException {
    Mapping mapping = MAPPINGS.get(request.model());
    if (mapping == null) {
      throw new IllegalArgumentException("recbole importer: no seqrec model '" + request.model() + "'; it imports: "
          + String.join(", ", MAPPINGS.keySet()));
    }
    if (!request.configs().isEmpty() || !request.peerOptions().isEmpty()) {
      throw new IllegalArgumentException("recbole importer: RecBole keeps its settings inside the checkpoint; got "
          + request.configs().size() + " config file(s) and peer settings " + request.peerOptions().keySet()
          + ", expected none");
    }
    RecBoleCheckpoint ckpt = RecBoleCheckpoint.read(request.checkpoint());
    String trained = ckpt.modelName();
    if (!trained.equals(mapping.recboleModel())) {
      String hint = MAPPINGS.entrySet().stream().filter(e -> e.getValue().recboleModel().equals(trained))
          .map(e -> "; import it as --model " + e.getKey()).findFirst()
          .orElse("; seqrec imports RecBole's " + String.join(", ",
              MAPPINGS.values().stream().map(Mapping::recboleModel).toList()));
      throw new IllegalArgumentException(request.checkpoint() + ": the checkpoint is RecBole model '" + trained
          + "', but seqrec's " + request.model() + " imports RecBole's '" + mapping.recboleModel() + "'" + hint);
    }
    return mapping.map().apply(ckpt);
  }

  /** The notes every RecBole import carries. */
  static List<String> commonNotes(int nItems, int maxLen) {
    return List.of(
        "item ids are RecBole's internal remapped ids (0 = padding, 1.." + nItems + " items), seqrec's convention;"
            + " map raw tokens through the RecBole dataset's field2id_token",
        "max_len=" + maxLen + " from RecBole's MAX_ITEM_LIST_LENGTH: longer histories keep their most recent actions,"
            + " as RecBole's dataset does",
        "dropout layers are identity at serving time (RecBole's eval mode); loss_type does not change the scores");
  }
}
