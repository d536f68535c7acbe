package io.github.seqrec.models.interop.fuxictr;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FuxiCTR's {@code feature_map.json}: the features in file order (FuxiCTR concatenates feature
 * embeddings in this order), each with its spec ({@code type, vocab_size, max_len,
 * share_embedding, embedding_dim ...}).
 */
final class FuxiCtrFeatureMap {
  private final Path file;
  private final Map<String, Map<String, Object>> features;

  private FuxiCtrFeatureMap(Path file, Map<String, Map<String, Object>> features) {
    this.file = file;
    this.features = features;
  }

  static FuxiCtrFeatureMap read(Path file) throws IOException {
    Map<String, Object> doc = FuxiCtrConfig.readMapping(file, "FuxiCTR feature map");
    if (!(doc.get("features") instanceof List<?> list)) {
      throw new IllegalArgumentException("FuxiCTR feature map " + file + ": expected a list 'features', got "
          + doc.get("features"));
    }
    Map<String, Map<String, Object>> features = new LinkedHashMap<>();
    for (Object entry : list) {
      if (!(entry instanceof Map<?, ?> one) || one.size() != 1) {
        throw new IllegalArgumentException("FuxiCTR feature map " + file
            + ": each entry of 'features' must be {name: spec}, got " + entry);
      }
      for (Map.Entry<String, Object> e : FuxiCtrConfig.stringKeys(one, file.toString()).entrySet()) {
        if (!(e.getValue() instanceof Map<?, ?> spec)) {
          throw new IllegalArgumentException("FuxiCTR feature map " + file + ": feature " + e.getKey()
              + " has no spec mapping");
        }
        features.put(e.getKey(), FuxiCtrConfig.stringKeys(spec, file + " " + e.getKey()));
      }
    }
    return new FuxiCtrFeatureMap(file, features);
  }

  /** Feature names in file order, without {@code meta} features (FuxiCTR embeds none of those). */
  List<String> embedded() {
    return features.entrySet().stream().filter(e -> !"meta".equals(e.getValue().get("type")))
        .map(Map.Entry::getKey).toList();
  }

  boolean has(String feature) {
    return features.containsKey(feature);
  }

  Object spec(String feature, String key) {
    Map<String, Object> spec = features.get(feature);
    if (spec == null) {
      throw new IllegalArgumentException("FuxiCTR feature map " + file + " has no feature '" + feature
          + "'; it has: " + String.join(", ", features.keySet()));
    }
    return spec.get(key);
  }

  String type(String feature) {
    return String.valueOf(spec(feature, "type"));
  }

  int integer(String feature, String key) {
    if (!(spec(feature, key) instanceof Integer n)) {
      throw new IllegalArgumentException("FuxiCTR feature map " + file + ": feature " + feature + "." + key
          + " must be an integer, got " + spec(feature, key));
    }
    return n;
  }

  /** The feature's embedding width: its own {@code embedding_dim}, else the model's. */
  int embeddingDim(String feature, int modelDim) {
    return spec(feature, "embedding_dim") == null ? modelDim : integer(feature, "embedding_dim");
  }

  Path file() {
    return file;
  }
}
