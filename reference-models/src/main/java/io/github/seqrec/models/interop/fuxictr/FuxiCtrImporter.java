package io.github.seqrec.models.interop.fuxictr;

import io.github.seqrec.models.interop.CheckpointTensors;
import io.github.seqrec.models.interop.ImportRefusedException;
import io.github.seqrec.models.interop.ImportRequest;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.interop.PeerImporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * FuxiCTR ({@code model_zoo/DIN}, {@code model_zoo/DIEN}) checkpoints: the {@code torch.save(model.state_dict())} file
 * FuxiCTR writes as {@code <expid>.model}, its model YAML and its dataset's
 * {@code feature_map.json}. The hyperparameters come from the YAML section of the experiment id
 * (over {@code Base}), the vocabularies and widths from the feature map, checked against the
 * tensor shapes.
 */
public final class FuxiCtrImporter implements PeerImporter {
  static final String PEER = "fuxictr";

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
    return List.of("CHECKPOINT: FuxiCTR's <expid>.model (torch.save of the state dict)",
        "--config 1: model_config.yaml (FuxiCTR's model YAML holding the experiment id)",
        "--config 2: feature_map.json (FuxiCTR's feature map of the dataset)",
        "-P expid=NAME: the experiment id (default: the checkpoint's file name without .model)",
        "din: one (item, category) din_target_field / din_sequence_field pair and no other features; "
            + "the pair's first feature is seqrec's item, the second its category",
        "dien: the same pair (dien_target_field / dien_sequence_field; the negative histories are ignored), "
            + "gru_type AUGRU or AGRU, bilinear_attention with softmax");
  }

  @Override
  public ImportedModel importModel(ImportRequest request) throws IOException {
    if (request.configs().size() != 2) {
      throw new IllegalArgumentException("fuxictr import: expected two --config files, model_config.yaml and "
          + "feature_map.json (in that order), got " + request.configs().size());
    }
    String expid = request.peerOption("expid").orElseGet(() -> stem(request.checkpoint()));
    for (String key : request.peerOptions().keySet()) {
      if (!key.equals("expid")) {
        throw new IllegalArgumentException("fuxictr import: unknown peer setting -P " + key
            + " (FuxiCTR's settings come from its YAML; the only -P is expid)");
      }
    }
    FuxiCtrConfig config = FuxiCtrConfig.read(request.configs().get(0), expid);
    FuxiCtrFeatureMap features = FuxiCtrFeatureMap.read(request.configs().get(1));
    CheckpointTensors checkpoint = CheckpointTensors.read(PEER, request.checkpoint());
    String peerModel = config.string("model", "");
    return switch (request.model()) {
      case "din" -> {
        requirePeerModel(config, peerModel, "DIN");
        yield FuxiCtrDin.map(config, features, checkpoint);
      }
      case "dien" -> {
        requirePeerModel(config, peerModel, "DIEN");
        yield FuxiCtrDien.map(config, features, checkpoint);
      }
      default -> throw new IllegalArgumentException("fuxictr import: no seqrec model '" + request.model() + "'");
    };
  }

  private static void requirePeerModel(FuxiCtrConfig config, String peerModel, String expected) {
    if (!peerModel.equals(expected)) {
      throw new IllegalArgumentException("FuxiCTR experiment " + config.expid() + " is model '" + peerModel
          + "', expected " + expected);
    }
  }

  private static String stem(Path checkpoint) {
    String name = checkpoint.getFileName().toString();
    return name.endsWith(".model") ? name.substring(0, name.length() - ".model".length()) : name;
  }

  /** FuxiCTR activation names seqrec serves, in seqrec's spelling; anything else is refused. */
  static String seqrecActivation(FuxiCtrConfig config, String key, String fuxiName) {
    return switch (fuxiName.toLowerCase(java.util.Locale.ROOT)) {
      case "relu" -> "relu";
      case "sigmoid" -> "sigmoid";
      case "dice" -> "dice";
      default -> throw new ImportRefusedException("FuxiCTR " + config.expid() + ": " + key + " '" + fuxiName
          + "' has no seqrec counterpart (seqrec serves ReLU, Sigmoid and Dice here)");
    };
  }
}
