package io.github.seqrec.models.demo;

import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.eval.Interactions;
import io.github.seqrec.models.eval.ItemCatalogue;
import io.github.seqrec.models.eval.Negatives;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The shipped world: catalogue, interactions (the last action of each shopper is the held-out one),
 * the 100 negatives per shopper PyTorch ranked against, PyTorch's metrics per model, and the models.
 *
 * <p>A model is shipped when {@code metrics.json} has an entry for it and {@code <name>.safetensors}
 * is next to it: adding an architecture to the demo is one entry in {@code train.py}'s table.
 */
public final class ShoppingWorld {
  /** The resource folder. */
  public static final String ROOT = "/io/github/seqrec/demo/";

  /**
   * PyTorch's metrics of one model on the held-out split; {@code protocol} is {@code "catalogue"}
   * (a next-item model ranked in the whole catalogue) or {@code "100 negatives"} (a CTR model).
   */
  public record PyTorchMetrics(double hr10, double ndcg10, double mrr, int users, double trainSeconds,
                               String protocol) {}

  private final ItemCatalogue catalogue;
  private final Interactions interactions;
  private final Negatives negatives;
  private final Map<String, PyTorchMetrics> metrics;

  private ShoppingWorld(ItemCatalogue catalogue, Interactions interactions, Negatives negatives,
                        Map<String, PyTorchMetrics> metrics) {
    this.catalogue = catalogue;
    this.interactions = interactions;
    this.negatives = negatives;
    this.metrics = metrics;
  }

  /** Loads the world from the jar (about 0.3 s). */
  public static ShoppingWorld load() throws IOException {
    ItemCatalogue catalogue;
    try (InputStream in = resource("catalogue.csv")) {
      catalogue = ItemCatalogue.read(in, "catalogue.csv");
    }
    Interactions interactions;
    try (InputStream in = new GZIPInputStream(resource("interactions.csv.gz"), 1 << 16)) {
      interactions = Interactions.read(in, "interactions.csv.gz");
    }
    Negatives negatives;
    try (InputStream in = new GZIPInputStream(resource("negatives.csv.gz"), 1 << 16)) {
      negatives = Negatives.read(in, "negatives.csv.gz");
    }
    String json;
    try (InputStream in = resource("metrics.json")) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    return new ShoppingWorld(catalogue, interactions, negatives, parseMetrics(json));
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = ShoppingWorld.class.getResourceAsStream(ROOT + name);
    if (in == null) {
      throw new IOException("the jar has no demo resource " + ROOT + name + " (run reference-models/demo/world.py and "
          + "train.py, then rebuild)");
    }
    return in;
  }

  /**
   * {@code metrics.json} as train.py and train_nextitem.py write it: one flat object of numbers per
   * model, plus its {@code protocol} string.
   */
  static Map<String, PyTorchMetrics> parseMetrics(String json) {
    Map<String, PyTorchMetrics> out = new LinkedHashMap<>();
    Matcher m = Pattern.compile("\"([a-z0-9_]+)\"\\s*:\\s*\\{([^{}]*)\\}").matcher(json);
    while (m.find()) {
      Map<String, Double> values = new LinkedHashMap<>();
      Matcher v = Pattern.compile("\"([a-z0-9_]+)\"\\s*:\\s*(-?[0-9.eE+-]+)").matcher(m.group(2));
      while (v.find()) {
        values.put(v.group(1), Double.parseDouble(v.group(2)));
      }
      for (String key : List.of("hr10", "ndcg10", "mrr", "users")) {
        if (!values.containsKey(key)) {
          throw new IllegalArgumentException("metrics.json: model '" + m.group(1) + "' has no '" + key + "'");
        }
      }
      Matcher protocol = Pattern.compile("\"protocol\"\\s*:\\s*\"([^\"]*)\"").matcher(m.group(2));
      out.put(m.group(1), new PyTorchMetrics(values.get("hr10"), values.get("ndcg10"), values.get("mrr"),
          values.get("users").intValue(), values.getOrDefault("train_seconds", 0.0),
          protocol.find() ? protocol.group(1) : "100 negatives"));
    }
    return out;
  }

  public ItemCatalogue catalogue() {
    return catalogue;
  }

  public Interactions interactions() {
    return interactions;
  }

  public Negatives negatives() {
    return negatives;
  }

  /** The shipped models, in the order of the registry ({@link Models#list()}) where registered. */
  public List<String> modelNames() {
    List<String> names = new ArrayList<>();
    for (var info : Models.list()) {
      if (metrics.containsKey(info.name()) && ShoppingWorld.class.getResource(ROOT + info.name() + ".safetensors") != null) {
        names.add(info.name());
      }
    }
    return names;
  }

  /** PyTorch's metrics of {@code model}, or null. */
  public PyTorchMetrics pytorch(String model) {
    return metrics.get(model);
  }

  /** Loads a shipped model (its weights are copied out of the jar to a temporary file first). */
  public SequentialModel model(String name) throws IOException {
    Path tmp = Files.createTempFile("seqrec-demo-" + name, ".safetensors");
    try {
      try (InputStream in = resource(name + ".safetensors")) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      return Models.load(name, tmp, Map.of());
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
