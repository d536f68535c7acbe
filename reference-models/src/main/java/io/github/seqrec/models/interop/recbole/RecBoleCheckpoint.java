package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.tensors.Tensor;
import io.github.seqrec.models.torch.TorchCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * A RecBole checkpoint as its Trainer saves it ({@code recbole/trainer/trainer.py},
 * {@code _save_checkpoint}): a dict whose {@code state_dict} is the model's parameters and whose
 * {@code config} is the pickled {@code recbole.config.configurator.Config} object. That object
 * comes back from the data-only reader as an opaque instance; its {@code __dict__} holds
 * {@code final_config_dict}, the merged settings the model was built from, which is where the
 * hyperparameters are read. Every accessor fails naming the key or tensor and what it found.
 */
final class RecBoleCheckpoint {
  private final Path path;
  private final Map<?, ?> config;
  private final Map<String, Tensor> stateDict;
  /** {@code other_parameter}: the modules a model keeps out of its state dict, pickled whole (may be absent). */
  private final Object otherParameter;

  private RecBoleCheckpoint(Path path, Map<?, ?> config, Map<String, Tensor> stateDict, Object otherParameter) {
    this.path = path;
    this.config = config;
    this.stateDict = stateDict;
    this.otherParameter = otherParameter;
  }

  static RecBoleCheckpoint read(Path path) throws IOException {
    TorchCheckpoint ckpt = TorchCheckpoint.read(path);
    if (!(ckpt.value() instanceof Map<?, ?> top) || !top.containsKey("state_dict")) {
      throw new IllegalArgumentException(path + ": not a RecBole checkpoint: expected the dict RecBole's Trainer saves"
          + " (keys config, epoch, state_dict, ...), got " + describe(ckpt.value()));
    }
    return new RecBoleCheckpoint(path, finalConfig(path, top.get("config")), ckpt.stateDict("state_dict"),
        top.get("other_parameter"));
  }

  /** {@code config.final_config_dict}: the Config object's {@code __dict__} entry (or a plain dict saved instead). */
  private static Map<?, ?> finalConfig(Path path, Object config) {
    Object state = config instanceof TorchCheckpoint.Opaque o ? o.state() : config;
    if (state instanceof Map<?, ?> fields && fields.get("final_config_dict") instanceof Map<?, ?> settings) {
      return settings;
    }
    if (state instanceof Map<?, ?> plain && plain.containsKey("model")) {
      return plain;
    }
    throw new IllegalArgumentException(path + ": the checkpoint's 'config' should be RecBole's Config object with a"
        + " final_config_dict, got " + describe(config));
  }

  Path path() {
    return path;
  }

  /**
   * An attribute of a module RecBole saved under {@code other_parameter} (the context-aware models
   * keep their embedding layer there, with the feature fields it embeds): the module's pickled
   * {@code __dict__} entry {@code attribute}.
   */
  Object otherParameterAttribute(String module, String attribute) {
    Object m = otherParameter instanceof Map<?, ?> modules ? modules.get(module) : null;
    Object state = m instanceof TorchCheckpoint.Opaque o ? o.state() : null;
    if (!(state instanceof Map<?, ?> fields) || !fields.containsKey(attribute)) {
      throw new IllegalArgumentException(path + ": the checkpoint's other_parameter should hold RecBole's '" + module
          + "' module with attribute '" + attribute + "' (as RecBole's Trainer saves it), got "
          + describe(otherParameter instanceof Map<?, ?> modules ? modules.get(module) : otherParameter));
    }
    return fields.get(attribute);
  }

  /** The RecBole model class name the checkpoint was trained as ({@code config['model']}). */
  String modelName() {
    return string("model");
  }

  boolean has(String key) {
    return config.get(key) != null;
  }

  String string(String key) {
    Object v = setting(key);
    if (v instanceof String s) {
      return s;
    }
    throw wrongType(key, "a string", v);
  }

  int integer(String key) {
    Object v = setting(key);
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
      return n.intValue();
    }
    throw wrongType(key, "an integer", v);
  }

  /** A list of integers ({@code dilations: [1, 4]}). */
  int[] integers(String key) {
    Object v = setting(key);
    if (v instanceof java.util.List<?> list && !list.isEmpty()) {
      int[] out = new int[list.size()];
      for (int i = 0; i < out.length; i++) {
        if (!(list.get(i) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
            || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
          throw wrongType(key, "a list of integers", v);
        }
        out[i] = n.intValue();
      }
      return out;
    }
    throw wrongType(key, "a non-empty list of integers", v);
  }

  double real(String key) {
    Object v = setting(key);
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw wrongType(key, "a number", v);
  }

  private Object setting(String key) {
    Object v = config.get(key);
    if (v == null) {
      throw new IllegalArgumentException(path + ": RecBole setting '" + key + "' is missing from the checkpoint's"
          + " config (final_config_dict has " + config.size() + " keys)");
    }
    return v;
  }

  private IllegalArgumentException wrongType(String key, String expected, Object got) {
    return new IllegalArgumentException(path + ": RecBole setting '" + key + "' should be " + expected + ", got "
        + describe(got));
  }

  boolean hasTensor(String name) {
    return stateDict.containsKey(name);
  }

  /**
   * The float tensor {@code name} of the state dict, checked against {@code shape} ({@code -1}
   * accepts any size in that dimension).
   */
  Tensor.F32 tensor(String name, int... shape) {
    Tensor t = stateDict.get(name);
    if (t == null) {
      throw new IllegalArgumentException(path + ": " + modelName() + " state_dict has no tensor '" + name
          + "'; it has " + new TreeSet<>(stateDict.keySet()));
    }
    if (!(t instanceof Tensor.F32 f) || !shapeMatches(t.shape(), shape)) {
      throw new IllegalArgumentException(path + ": tensor '" + name + "' should be F32" + Arrays.toString(shape)
          + ", got " + t.describe());
    }
    return f;
  }

  private static boolean shapeMatches(int[] got, int[] expected) {
    if (got.length != expected.length) {
      return false;
    }
    for (int i = 0; i < got.length; i++) {
      if (expected[i] != -1 && expected[i] != got[i]) {
        return false;
      }
    }
    return true;
  }

  private static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    if (v instanceof TorchCheckpoint.Opaque o) {
      return "an object of " + o.qualifiedName();
    }
    if (v instanceof Map<?, ?> m) {
      return "a dict with keys " + new TreeSet<>(m.keySet().stream().map(String::valueOf).toList());
    }
    return "a " + v.getClass().getSimpleName() + " (" + v + ")";
  }
}
