package io.github.seqrec.models;

import io.github.seqrec.models.ctr.Dien;
import io.github.seqrec.models.ctr.Din;
import io.github.seqrec.models.ctr.Surge;
import io.github.seqrec.models.ctr.Tim;
import io.github.seqrec.models.lifelong.Eta;
import io.github.seqrec.models.lifelong.Sim;
import io.github.seqrec.models.lifelong.Twin;
import io.github.seqrec.models.lifelong.TwinV2;
import io.github.seqrec.models.nextitem.Caser;
import io.github.seqrec.models.nextitem.Fpmc;
import io.github.seqrec.models.nextitem.Gru4Rec;
import io.github.seqrec.models.nextitem.MarkovChain;
import io.github.seqrec.models.nextitem.NextItNet;
import io.github.seqrec.models.nextitem.Rrn;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.transformer.Bert4Rec;
import io.github.seqrec.models.transformer.Hstu;
import io.github.seqrec.models.transformer.PinnerFormer;
import io.github.seqrec.models.transformer.SasRec;
import io.github.seqrec.models.transformer.TransAct;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every reference model, by name: {@link #load} reads a PyTorch {@code state_dict} saved as
 * safetensors (hyperparameters from its {@code __metadata__}, overridable by options). Adding a
 * model is one line in {@link #SPECS}.
 */
public final class Models {
  private Models() {}

  /** The registry: one line per architecture, in the survey's order. */
  private static final List<ModelSpec> SPECS = List.of(
      // nextitem: order-aware next-item models (user embedding, catalogue top-k)
      MarkovChain.SPEC, Fpmc.SPEC, Rrn.SPEC, Gru4Rec.SPEC, Caser.SPEC, NextItNet.SPEC,
      // ctr: a candidate scored against the recent history
      Surge.SPEC, Din.SPEC, Dien.SPEC, Tim.SPEC,
      // lifelong: two-stage search over long histories
      Sim.SPEC, Eta.SPEC, Twin.SPEC, TwinV2.SPEC,
      // transformer: the sequence read like a sentence
      Bert4Rec.SPEC, SasRec.SPEC, TransAct.SPEC, PinnerFormer.SPEC, Hstu.SPEC);

  private static final Map<String, ModelSpec> BY_NAME = index();

  private static Map<String, ModelSpec> index() {
    Map<String, ModelSpec> byName = new TreeMap<>();
    for (ModelSpec spec : SPECS) {
      if (byName.put(spec.name(), spec) != null) {
        throw new IllegalStateException("two models are named " + spec.name());
      }
    }
    return byName;
  }

  /** Every registered model, by name. */
  public static List<ModelInfo> list() {
    return BY_NAME.values().stream().map(ModelSpec::info).toList();
  }

  public static boolean has(String name) {
    return BY_NAME.containsKey(name);
  }

  /**
   * The spec of {@code name}.
   *
   * @throws IllegalArgumentException for an unknown model, naming the closest known one
   */
  public static ModelSpec spec(String name) {
    ModelSpec spec = BY_NAME.get(name);
    if (spec == null) {
      throw new IllegalArgumentException("unknown model '" + name + "'" + ModelOptions.suggestion(name, BY_NAME.keySet())
          + "; known: " + String.join(", ", BY_NAME.keySet()));
    }
    return spec;
  }

  /**
   * Loads {@code name} from {@code weights}. Options override the weight file's metadata (for
   * example {@code softmax=true} for DIN's official form); an option the model does not declare is
   * an error.
   *
   * @throws IllegalArgumentException for an unknown model, option or option value, or bad weights
   */
  public static SequentialModel load(String name, Path weights, Map<String, String> options) throws IOException {
    ModelSpec spec = spec(name);
    try (SafeTensors st = SafeTensors.open(weights)) {
      return spec.load(st, options);
    }
  }
}
