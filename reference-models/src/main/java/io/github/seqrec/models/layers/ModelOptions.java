package io.github.seqrec.models.layers;

import java.util.Arrays;
import java.util.Map;

/**
 * Typed reads of a model's hyperparameters and options (the weight file's {@code __metadata__}
 * overridden by the caller), failing with the key, the expected form and the value found.
 */
public final class ModelOptions {
  private final String model;
  private final Map<String, String> values;

  public ModelOptions(String model, Map<String, String> values) {
    this.model = model;
    this.values = Map.copyOf(values);
  }

  public int intValue(String key) {
    String raw = require(key);
    try {
      return Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw bad(key, "an integer", raw);
    }
  }

  public int intValue(String key, int defaultValue) {
    return values.containsKey(key) ? intValue(key) : defaultValue;
  }

  public float floatValue(String key, float defaultValue) {
    if (!values.containsKey(key)) {
      return defaultValue;
    }
    try {
      return Float.parseFloat(values.get(key).trim());
    } catch (NumberFormatException e) {
      throw bad(key, "a number", values.get(key));
    }
  }

  public boolean boolValue(String key, boolean defaultValue) {
    if (!values.containsKey(key)) {
      return defaultValue;
    }
    return switch (values.get(key).trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw bad(key, "true or false", values.get(key));
    };
  }

  /** A comma-separated list of integers such as {@code "200,80"}. */
  public int[] intList(String key) {
    String raw = require(key);
    try {
      return Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    } catch (NumberFormatException e) {
      throw bad(key, "comma-separated integers", raw);
    }
  }

  /** One of {@code allowed} (case-sensitive), or {@code defaultValue} when absent. */
  public String choice(String key, String defaultValue, String... allowed) {
    String value = values.getOrDefault(key, defaultValue);
    if (!Arrays.asList(allowed).contains(value)) {
      throw bad(key, "one of " + Arrays.toString(allowed), value);
    }
    return value;
  }

  private String require(String key) {
    String raw = values.get(key);
    if (raw == null) {
      throw new IllegalArgumentException(model + ": missing hyperparameter '" + key
          + "' (expected in the weight file's metadata or as an option)");
    }
    return raw;
  }

  private IllegalArgumentException bad(String key, String expected, String raw) {
    return new IllegalArgumentException(model + ": option '" + key + "' must be " + expected + ", got '" + raw + "'");
  }
}
