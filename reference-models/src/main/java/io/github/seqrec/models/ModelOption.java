package io.github.seqrec.models;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One typed, declared option of a model: its name, what it means, its type, its default (or none,
 * for a hyperparameter the weight file must carry) and its allowed range. A model declares each
 * option once, as a constant; {@link ModelOptions} parses and checks values against it, and
 * {@code seqrec model --list} prints the declaration.
 *
 * <p>Values come from the weight file's {@code __metadata__} (where training wrote the
 * hyperparameters) overridden by the caller's options. Immutable; the {@code with...} methods
 * return a new declaration.
 *
 * @param <T> {@link Integer}, {@link Float}, {@link Boolean}, {@link String} (a choice) or
 *     {@code int[]} (a comma-separated list)
 */
public final class ModelOption<T> {
  private final String name;
  private final String description;
  private final String type;
  private final T defaultValue;
  private final String range;
  private final Function<String, T> parser;

  private ModelOption(String name, String description, String type, T defaultValue, String range,
                      Function<String, T> parser) {
    this.name = Objects.requireNonNull(name, "name");
    this.description = Objects.requireNonNull(description, "description");
    this.type = type;
    this.defaultValue = defaultValue;
    this.range = range;
    this.parser = parser;
  }

  /** An integer in {@code [min, max]}, required until {@link #withDefault} gives it a default. */
  public static ModelOption<Integer> intOption(String name, String description, int min, int max) {
    return new ModelOption<>(name, description, "int", null, "[" + min + ", " + max + "]", raw -> {
      long v;
      try {
        v = Long.parseLong(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("an integer");
      }
      if (v < min || v > max) {
        throw new IllegalArgumentException("an integer in [" + min + ", " + max + "]");
      }
      return (int) v;
    });
  }

  /** A finite number in {@code [min, max]}, required until {@link #withDefault} gives it a default. */
  public static ModelOption<Float> floatOption(String name, String description, float min, float max) {
    return new ModelOption<>(name, description, "float", null, "[" + min + ", " + max + "]", raw -> {
      float v;
      try {
        v = Float.parseFloat(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("a number");
      }
      if (!(v >= min && v <= max)) {
        throw new IllegalArgumentException("a number in [" + min + ", " + max + "]");
      }
      return v;
    });
  }

  /** {@code true}/{@code false} (or {@code 1}/{@code 0}) with a default. */
  public static ModelOption<Boolean> bool(String name, String description, boolean defaultValue) {
    return new ModelOption<>(name, description, "bool", defaultValue, "true | false", raw ->
        switch (raw.trim().toLowerCase(Locale.ROOT)) {
          case "true", "1" -> true;
          case "false", "0" -> false;
          default -> throw new IllegalArgumentException("true or false");
        });
  }

  /** One of {@code allowed} (case-sensitive), defaulting to {@code defaultValue}. */
  public static ModelOption<String> choice(String name, String description, String defaultValue, String... allowed) {
    List<String> values = List.of(allowed);
    if (defaultValue != null && !values.contains(defaultValue)) {
      throw new IllegalArgumentException("default '" + defaultValue + "' of option " + name + " is not in " + values);
    }
    return new ModelOption<>(name, description, "choice", defaultValue, String.join(" | ", values), raw -> {
      if (!values.contains(raw.trim())) {
        throw new IllegalArgumentException("one of " + values);
      }
      return raw.trim();
    });
  }

  /** A comma-separated list of integers in {@code [min, max]} such as {@code 200,80}, at least one. */
  public static ModelOption<int[]> intList(String name, String description, int min, int max) {
    return new ModelOption<>(name, description, "int list", null, "comma-separated, each in [" + min + ", " + max + "]",
        raw -> {
          String[] parts = raw.split(",");
          int[] out = new int[parts.length];
          int n = 0;
          for (String part : parts) {
            String p = part.trim();
            if (p.isEmpty()) {
              continue;
            }
            long v;
            try {
              v = Long.parseLong(p);
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("comma-separated integers");
            }
            if (v < min || v > max) {
              throw new IllegalArgumentException("comma-separated integers in [" + min + ", " + max + "]");
            }
            out[n++] = (int) v;
          }
          if (n == 0) {
            throw new IllegalArgumentException("at least one integer");
          }
          return Arrays.copyOf(out, n);
        });
  }

  /** The same option with a default, so that it may be absent. */
  public ModelOption<T> withDefault(T value) {
    Objects.requireNonNull(value, "default");
    return new ModelOption<>(name, description, type, value, range, parser);
  }

  public String name() { return name; }
  public String description() { return description; }
  /** {@code int}, {@code float}, {@code bool}, {@code choice} or {@code int list}. */
  public String type() { return type; }
  /** The allowed values, as {@code seqrec model --list} prints them. */
  public String range() { return range; }
  /** Whether the weight file or the caller must give a value (no default). */
  public boolean required() { return defaultValue == null; }

  /** The default, or null for a required option. Lists are copied. */
  public T defaultValue() {
    return copy(defaultValue);
  }

  /** The default as text, or {@code required}. */
  public String defaultText() {
    if (defaultValue == null) {
      return "required";
    }
    return defaultValue instanceof int[] a ? join(a) : String.valueOf(defaultValue);
  }

  /**
   * Parses and range-checks {@code raw}.
   *
   * @throws IllegalArgumentException naming the model, the option, what was expected and the value
   */
  public T parse(String model, String raw) {
    try {
      return parser.apply(raw);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(model + ": option '" + name + "' must be " + e.getMessage() + ", got '"
          + raw + "'");
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T copy(T value) {
    return value instanceof int[] a ? (T) a.clone() : value;
  }

  private static String join(int[] values) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : ",").append(values[i]);
    }
    return b.toString();
  }

  /** {@code name (type, range) = default: description}, as {@code --list} prints it. */
  @Override
  public String toString() {
    return name + " (" + type + ", " + range + ") = " + defaultText() + ": " + description;
  }
}
