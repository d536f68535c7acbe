package io.github.seqrec.models;

import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every reference model, by name: {@link #load} reads a PyTorch {@code state_dict} saved as
 * safetensors (hyperparameters from its {@code __metadata__}, overridable by options).
 */
public final class Models {
  private Models() {}

  /** How one architecture is described and loaded. */
  public interface Loader {
    ModelInfo info();

    /**
     * Loads from an open weight file; {@code options} holds the file's metadata overridden by the
     * caller's options. Missing or mis-shaped tensors raise an exception naming the tensor.
     */
    SequentialModel load(SafeTensors weights, Map<String, String> options) throws IOException;
  }

  private static final Map<String, Loader> LOADERS = index();

  private static Map<String, Loader> index() {
    List<Loader> all = new ArrayList<>();
    all.add(Sim.LOADER);
    all.add(Eta.LOADER);
    all.add(Twin.LOADER);
    all.add(TwinV2.LOADER);
    all.add(Din.LOADER);
    all.add(Dien.LOADER);
    all.add(Tim.LOADER);
    Map<String, Loader> byName = new TreeMap<>();
    for (Loader loader : all) {
      byName.put(loader.info().name(), loader);
    }
    return byName;
  }

  /** Every registered model, by name. */
  public static List<ModelInfo> list() {
    return LOADERS.values().stream().map(Loader::info).toList();
  }

  public static boolean has(String name) {
    return LOADERS.containsKey(name);
  }

  /**
   * Loads {@code name} from {@code weights}. Options override the weight file's metadata (for
   * example {@code softmax=true} for DIN's official form).
   *
   * @throws IllegalArgumentException for an unknown model or option value, or bad weights
   */
  public static SequentialModel load(String name, Path weights, Map<String, String> options) throws IOException {
    Loader loader = LOADERS.get(name);
    if (loader == null) {
      throw new IllegalArgumentException("unknown model '" + name + "'; known: " + String.join(", ", LOADERS.keySet()));
    }
    try (SafeTensors st = SafeTensors.open(weights)) {
      Map<String, String> merged = new HashMap<>(st.metadata());
      merged.putAll(options);
      return loader.load(st, merged);
    }
  }
}
