package io.github.seqrec.models.interop.deepctr;

import io.github.seqrec.models.interop.CheckpointTensors;
import io.github.seqrec.models.interop.ImportRequest;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.interop.PeerImporter;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * DeepCTR-Torch ({@code deepctr_torch.models.DIN}, {@code DIEN}) checkpoints: {@code torch.save(model.state_dict())}.
 * DeepCTR-Torch keeps no configuration file, so widths and vocabularies come from the tensor
 * shapes and the constructor arguments the state dict does not record come as {@code -P}
 * settings under their DeepCTR-Torch names.
 */
public final class DeepCtrImporter implements PeerImporter {
  static final String PEER = "deepctr-torch";
  static final Set<String> DIN_SETTINGS =
      Set.of("history_feature_list", "att_activation", "dnn_activation", "att_weight_normalization", "maxlen");
  static final Set<String> DIEN_SETTINGS = Set.of("history_feature_list", "gru_type", "att_activation",
      "dnn_activation", "att_weight_normalization", "maxlen");

  @Override
  public String peer() {
    return PEER;
  }

  @Override
  public List<String> models() {
    return List.of("din", "dien");
  }

  @Override
  public List<String> usage() {
    return List.of("CHECKPOINT: torch.save(model.state_dict()) of a DeepCTR-Torch DIN; no --config",
        "-P history_feature_list=ITEM,CATE: DIN's history_feature_list (default: the two embedding tables in "
            + "checkpoint order); the first is seqrec's item, the second its category",
        "-P att_activation=dice|relu|sigmoid|prelu (default: Dice when the checkpoint holds Dice parameters)",
        "-P dnn_activation=relu|sigmoid|prelu|dice (default: relu, DIN's default)",
        "-P att_weight_normalization=true|false (default false, DIN's default)",
        "-P maxlen=N: the VarLenSparseFeat maxlen of the histories (default 100)",
        "DIEN (--model dien): torch.save(model.state_dict()) of a DeepCTR-Torch DIEN; the same settings, and",
        "-P gru_type=AUGRU|AGRU|AIGRU (required: the state dict does not record it; GRU is refused)",
        "  DIEN's defaults: att_activation relu, dnn_activation relu, att_weight_normalization true");
  }

  @Override
  public ImportedModel importModel(ImportRequest request) throws IOException {
    if (!request.configs().isEmpty()) {
      throw new IllegalArgumentException("deepctr-torch import: DeepCTR-Torch has no configuration file; give "
          + "the constructor arguments as -P key=value (got " + request.configs().size() + " --config files)");
    }
    return switch (request.model()) {
      case "din" -> {
        for (String key : request.peerOptions().keySet()) {
          if (!DIN_SETTINGS.contains(key)) {
            throw new IllegalArgumentException("deepctr-torch import: unknown DIN setting -P " + key + "; known: "
                + String.join(", ", new java.util.TreeSet<>(DIN_SETTINGS)));
          }
        }
        yield DeepCtrDin.map(request, CheckpointTensors.read(PEER, request.checkpoint()));
      }
      case "dien" -> {
        for (String key : request.peerOptions().keySet()) {
          if (!DIEN_SETTINGS.contains(key)) {
            throw new IllegalArgumentException("deepctr-torch import: unknown DIEN setting -P " + key + "; known: "
                + String.join(", ", new java.util.TreeSet<>(DIEN_SETTINGS)));
          }
        }
        yield DeepCtrDien.map(request, CheckpointTensors.read(PEER, request.checkpoint()));
      }
      default -> throw new IllegalArgumentException("deepctr-torch import: no seqrec model '" + request.model() + "'");
    };
  }
}
