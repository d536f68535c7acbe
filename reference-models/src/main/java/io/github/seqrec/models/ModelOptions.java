package io.github.seqrec.models;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resolved options of one model load: every declared {@link ModelOption} parsed once from the
 * weight file's metadata overridden by the caller's options.
 *
 * <p>A caller's key that the model does not declare is an error naming the closest declared name
 * ({@code softmx=true} fails with "did you mean 'softmax'"); metadata keys that are not options
 * (the generator's {@code model}, {@code source}, ...) are ignored. A required option with no value
 * fails when the model reads it, naming the option.
 */
public final class ModelOptions {
  private final String model;
  private final Map<String, ModelOption<?>> declared;
  private final Map<String, Object> values;

  private ModelOptions(String model, Map<String, ModelOption<?>> declared, Map<String, Object> values) {
    this.model = model;
    this.declared = declared;
    this.values = values;
  }

  /**
   * Parses the declared options of {@code model} from {@code metadata} (unknown keys ignored) and
   * {@code overrides} (unknown keys rejected), overrides winning.
   *
   * @throws IllegalArgumentException for an unknown override key or a value out of its range
   */
  public static ModelOptions resolve(String model, List<ModelOption<?>> options, Map<String, String> metadata,
                                     Map<String, String> overrides) {
    Map<String, ModelOption<?>> declared = new LinkedHashMap<>();
    for (ModelOption<?> option : options) {
      if (declared.put(option.name(), option) != null) {
        throw new IllegalStateException(model + " declares option '" + option.name() + "' twice");
      }
    }
    for (String key : overrides.keySet()) {
      if (!declared.containsKey(key)) {
        throw new IllegalArgumentException(model + ": unknown option '" + key + "'" + suggestion(key, declared.keySet())
            + "; known: " + String.join(", ", declared.keySet()));
      }
    }
    Map<String, String> raw = new HashMap<>(metadata);
    raw.putAll(overrides);
    Map<String, Object> values = new HashMap<>();
    for (ModelOption<?> option : declared.values()) {
      String text = raw.get(option.name());
      if (text != null) {
        values.put(option.name(), option.parse(model, text));
      }
    }
    return new ModelOptions(model, declared, values);
  }

  /** Only the caller's options (no weight file): for models built in code, such as a fitted Markov chain. */
  public static ModelOptions of(String model, List<ModelOption<?>> options, Map<String, String> overrides) {
    return resolve(model, options, Map.of(), overrides);
  }

  /**
   * The value of {@code option}: given, else its default.
   *
   * @throws IllegalArgumentException when the option is required and has no value
   * @throws IllegalStateException when the model did not declare {@code option} (a programming error)
   */
  @SuppressWarnings("unchecked")
  public <T> T get(ModelOption<T> option) {
    if (declared.get(option.name()) != option) {
      throw new IllegalStateException(model + " reads option '" + option.name() + "' without declaring it");
    }
    Object value = values.get(option.name());
    if (value == null) {
      if (option.required()) {
        throw new IllegalArgumentException(model + ": missing hyperparameter '" + option.name() + "' ("
            + option.description() + "; expected in the weight file's metadata or as an option, " + option.range() + ")");
      }
      return option.defaultValue();
    }
    return ModelOption.copy((T) value);
  }

  /** Whether {@code option} has a value (given, not defaulted). */
  public boolean isSet(ModelOption<?> option) {
    return values.containsKey(option.name());
  }

  /** The model these options belong to (for error messages). */
  public String model() {
    return model;
  }

  /** The closest declared name within edit distance 2 (or a third of the key), as ", did you mean 'x'". */
  public static String suggestion(String key, Iterable<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int d = editDistance(key, candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return best != null && bestDistance <= Math.max(2, key.length() / 3) ? "; did you mean '" + best + "'?" : "";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** Names of the declared options, in declaration order. */
  public List<String> names() {
    return new ArrayList<>(declared.keySet());
  }
}
