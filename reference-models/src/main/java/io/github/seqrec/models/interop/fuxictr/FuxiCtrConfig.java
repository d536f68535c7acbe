package io.github.seqrec.models.interop.fuxictr;

import io.github.seqrec.models.interop.ImportRefusedException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * One FuxiCTR experiment's parameters: the {@code Base} section of the model YAML overlaid with
 * the experiment id's section, as FuxiCTR's {@code load_config} merges them. Values are plain
 * maps, lists, strings, numbers and booleans (SafeConstructor: no YAML tag builds a Java type).
 */
final class FuxiCtrConfig {
  private final String expid;
  private final Path file;
  private final Map<String, Object> params;

  private FuxiCtrConfig(String expid, Path file, Map<String, Object> params) {
    this.expid = expid;
    this.file = file;
    this.params = params;
  }

  /** Reads a YAML (or JSON) document whose top level must be a mapping. */
  static Map<String, Object> readMapping(Path file, String what) throws IOException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    Object doc;
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      doc = new Yaml(new SafeConstructor(options)).load(reader);
    } catch (YAMLException e) {
      throw new IOException(what + " " + file + " is not valid YAML/JSON: " + e.getMessage(), e);
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw new IOException(what + " " + file + ": expected a mapping at the top level, got "
          + (doc == null ? "an empty document" : doc.getClass().getSimpleName()));
    }
    return stringKeys(map, what + " " + file);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> stringKeys(Map<?, ?> map, String where) {
    for (Object key : map.keySet()) {
      if (!(key instanceof String)) {
        throw new IllegalArgumentException(where + ": key " + key + " is not a string");
      }
    }
    return (Map<String, Object>) map;
  }

  /** The parameters of {@code expid} in the model YAML {@code file}. */
  static FuxiCtrConfig read(Path file, String expid) throws IOException {
    Map<String, Object> doc = readMapping(file, "FuxiCTR model config");
    Object section = doc.get(expid);
    if (!(section instanceof Map<?, ?> own)) {
      throw new IllegalArgumentException("FuxiCTR model config " + file + " has no experiment '" + expid
          + "' (give it with -P expid=NAME); it has: " + String.join(", ", doc.keySet()));
    }
    Map<String, Object> params = new LinkedHashMap<>();
    if (doc.get("Base") instanceof Map<?, ?> base) {
      params.putAll(stringKeys(base, file + " Base"));
    }
    params.putAll(stringKeys(own, file + " " + expid));
    return new FuxiCtrConfig(expid, file, params);
  }

  String expid() {
    return expid;
  }

  Object raw(String key) {
    return params.get(key);
  }

  /** A string setting; a missing or null one gives {@code defaultValue}. */
  String string(String key, String defaultValue) {
    Object v = params.get(key);
    return v == null ? defaultValue : v.toString();
  }

  boolean bool(String key, boolean defaultValue) {
    Object v = params.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw bad(key, "true or false", v);
  }

  int integer(String key, int defaultValue) {
    Object v = params.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Integer i) {
      return i;
    }
    throw bad(key, "an integer", v);
  }

  int[] intList(String key, int[] defaultValue) {
    Object v = params.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!(v instanceof List<?> list)) {
      throw bad(key, "a list of integers", v);
    }
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Integer n)) {
        throw bad(key, "a list of integers", v);
      }
      out[i] = n;
    }
    return out;
  }

  /** A rate that only matters in training (dropout): any number; a list must hold numbers. */
  void requireNumbers(String key) {
    Object v = params.get(key);
    List<Object> values = v instanceof List<?> l ? new ArrayList<>(l) : v == null ? List.of() : List.of(v);
    for (Object x : values) {
      if (!(x instanceof Number)) {
        throw bad(key, "a number or a list of numbers", v);
      }
    }
  }

  /**
   * A FuxiCTR activation setting for {@code layers} hidden layers: one name, or a list with one
   * name per layer, which seqrec can serve only when all are the same.
   */
  String activation(String key, String defaultValue, int layers) {
    Object v = params.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof List<?> list) {
      if (list.isEmpty() || list.stream().anyMatch(x -> !list.get(0).equals(x))) {
        throw new ImportRefusedException("FuxiCTR " + expid + ": " + key + " " + list
            + " mixes activations across layers; seqrec's MLPs use one activation for every hidden layer");
      }
      if (list.size() != layers) {
        throw bad(key, layers + " activations (one per hidden layer)", v);
      }
      return list.get(0).toString();
    }
    return v.toString();
  }

  IllegalArgumentException bad(String key, String expected, Object got) {
    return new IllegalArgumentException("FuxiCTR model config " + file + ", " + expid + "." + key + ": expected "
        + expected + ", got " + got);
  }
}
