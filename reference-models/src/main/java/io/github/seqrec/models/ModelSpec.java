package io.github.seqrec.models;

import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One architecture as the registry knows it: its {@link ModelInfo} (declared once, as a constant
 * {@code SPEC} of the model class) and how to load it from a PyTorch {@code state_dict} saved as
 * safetensors. {@link Models} lists every spec.
 */
public final class ModelSpec {
  /** Builds the model from open weights and its resolved options. */
  @FunctionalInterface
  public interface Loader {
    /** Missing or mis-shaped tensors raise an exception naming the tensor. */
    SequentialModel load(SafeTensors weights, ModelOptions options) throws IOException;
  }

  private final ModelInfo info;
  private final Loader loader;

  private ModelSpec(ModelInfo info, Loader loader) {
    this.info = info;
    this.loader = loader;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public ModelInfo info() {
    return info;
  }

  public String name() {
    return info.name();
  }

  public Set<HistoryField> fields() {
    return info.fields();
  }

  /** The declared options resolved from {@code metadata} and {@code overrides} (see {@link ModelOptions#resolve}). */
  public ModelOptions options(Map<String, String> metadata, Map<String, String> overrides) {
    return ModelOptions.resolve(info.name(), info.options(), metadata, overrides);
  }

  /**
   * Loads from open weights: options are the file's metadata overridden by {@code overrides}.
   *
   * @throws IllegalArgumentException for an unknown option, a value out of range, or bad weights
   */
  public SequentialModel load(SafeTensors weights, Map<String, String> overrides) throws IOException {
    return loader.load(weights, options(weights.metadata(), overrides));
  }

  /** Declares a model; every part but {@link #loader} has a sensible empty default. */
  public static final class Builder {
    private final String name;
    private String family = "";
    private String paper = "";
    private String captures = "";
    private final List<String> kernels = new ArrayList<>();
    private final Set<HistoryField> fields = EnumSet.of(HistoryField.ITEM_IDS);
    private final List<ModelOption<?>> options = new ArrayList<>();
    private final List<String> batchInputs = new ArrayList<>();
    private boolean nextItem;
    private Loader loader;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** The family package ({@code ctr}, {@code lifelong}, {@code nextitem}, {@code transformer}). */
    public Builder family(String family) { this.family = family; return this; }
    public Builder paper(String paper) { this.paper = paper; return this; }
    public Builder captures(String captures) { this.captures = captures; return this; }
    public Builder kernels(String... kernels) { this.kernels.addAll(List.of(kernels)); return this; }
    /** History fields read besides {@link HistoryField#ITEM_IDS} (always read). */
    public Builder fields(HistoryField... fields) { this.fields.addAll(List.of(fields)); return this; }
    public Builder options(ModelOption<?>... options) { this.options.addAll(List.of(options)); return this; }
    public Builder batchInputs(String... names) { this.batchInputs.addAll(List.of(names)); return this; }
    /** Marks a {@link NextItemModel}. */
    public Builder nextItem() { this.nextItem = true; return this; }
    public Builder loader(Loader loader) { this.loader = loader; return this; }

    public ModelSpec build() {
      Objects.requireNonNull(loader, "loader of " + name);
      return new ModelSpec(new ModelInfo(name, family, paper, captures, kernels, fields, options, batchInputs,
          nextItem), loader);
    }
  }
}
