package io.github.seqrec.models.interop.fuxictr;

import io.github.seqrec.models.interop.CheckpointTensors;
import io.github.seqrec.models.interop.ImportRefusedException;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.interop.PeerDinOptions;
import io.github.seqrec.models.interop.SeqrecTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;

/**
 * FuxiCTR's DIN onto seqrec's {@code din}. FuxiCTR scores {@code MLP([t; u])} in feature-map
 * order with an activation unit over {@code [t; e; t - e; t * e]}; its Dice has a batch norm
 * without scale or shift (eps 1e-9); with {@code din_use_softmax} the weights are an unscaled
 * softmax, and an empty history spreads them over padding. Each of these maps onto a seqrec
 * option, and {@code batch_norm} (after each DNN linear layer) folds into that layer; what does
 * not map (other features, an output activation on the attention) is refused.
 */
final class FuxiCtrDin {
  private FuxiCtrDin() {}

  /** FuxiCTR's Dice: {@code nn.BatchNorm1d(affine=False, eps=1e-9)}. */
  static final float DICE_EPS = 1e-9f;
  private static final String EMB = "embedding_layer.embedding_layers.";
  private static final String ATT = "attention_layers.0.attention_layer.mlp.";
  private static final String DNN = "dnn.mlp.";

  static ImportedModel map(FuxiCtrConfig config, FuxiCtrFeatureMap features, CheckpointTensors checkpoint) {
    List<String> target = fieldPair(config, "din_target_field", List.of("item_id", "cate_id"));
    List<String> sequence = fieldPair(config, "din_sequence_field", List.of("click_history", "cate_history"));
    checkFeatures(config, features, target, sequence, List.of(), "din");
    refuseUnsupported(config);
    int dim = config.integer("embedding_dim", 10);
    for (String f : List.of(target.get(0), target.get(1), sequence.get(0), sequence.get(1))) {
      if (features.embeddingDim(f, dim) != dim) {
        throw new ImportRefusedException("FuxiCTR " + config.expid() + ": feature " + f + " has embedding_dim "
            + features.embeddingDim(f, dim) + " but the model's embedding_dim is " + dim
            + "; FuxiCTR's DIN splits the pooled vector by embedding_dim, so every DIN field must use it");
      }
    }
    int[] attHidden = config.intList("attention_hidden_units", new int[] {64});
    int[] dnnHidden = config.intList("dnn_hidden_units", new int[] {512, 128, 64});
    String attAct = FuxiCtrImporter.seqrecActivation(config, "attention_hidden_activations",
        config.activation("attention_hidden_activations", "Dice", attHidden.length));
    String dnnAct = FuxiCtrImporter.seqrecActivation(config, "dnn_activations",
        config.activation("dnn_activations", "ReLU", dnnHidden.length));
    boolean softmax = config.bool("din_use_softmax", false);

    int nItems = features.integer(target.get(0), "vocab_size") - 1;
    int nCates = features.integer(target.get(1), "vocab_size") - 1;
    SeqrecTensors out = new SeqrecTensors();
    out.put("emb.item.weight", checkpoint.f32(EMB + target.get(0) + ".weight", nItems + 1, dim));
    out.put("emb.cate.weight", checkpoint.f32(EMB + target.get(1) + ".weight", nCates + 1, dim));
    int d = 2 * dim;
    mapMlp(checkpoint, ATT, attHidden, attAct, 4 * d, null, false, "att", out);
    boolean batchNorm = config.bool("batch_norm", false);
    mapMlp(checkpoint, DNN, dnnHidden, dnnAct, 2 * d, dnnInputOrder(features, target, sequence, dim), batchNorm,
        "mlp", out);

    Map<String, String> options = PeerDinOptions.of(nItems, nCates, dim, dim, attHidden, dnnHidden, dnnAct, attAct,
        DICE_EPS, softmax);
    options.put("max_len", Integer.toString(features.integer(sequence.get(0), "max_len")));
    List<String> notes = new ArrayList<>();
    notes.add("FuxiCTR experiment " + config.expid() + ": " + target.get(0) + " is seqrec's item, " + target.get(1)
        + " its category; the histories are " + sequence.get(0) + " and " + sequence.get(1));
    if (attAct.equals("dice") || dnnAct.equals("dice")) {
      notes.add("Dice: FuxiCTR's batch norm has no scale or shift; written as scale 1, shift 0, eps 1e-9");
    }
    if (batchNorm) {
      notes.add("batch_norm: each DNN batch norm folded into the linear layer before it");
    }
    notes.add("final MLP input columns reordered from the feature map's order to seqrec's [t; u]");
    if (softmax) {
      notes.add("din_use_softmax: unscaled softmax (softmax_scale=none), an empty history pools the padding row");
    }
    return new ImportedModel("din", FuxiCtrImporter.PEER, out.map(), options, notes);
  }

  /**
   * One {@code (item, category)} field pair of {@code key}: FuxiCTR accepts a list of fields or
   * field tuples; seqrec's din has exactly one target pair and one history pair.
   */
  static List<String> fieldPair(FuxiCtrConfig config, String key, List<String> defaultValue) {
    Object raw = config.raw(key);
    if (raw == null) {
      return defaultValue;
    }
    List<?> fields = raw instanceof List<?> l ? l : List.of(raw);
    if (fields.size() != 1) {
      throw new ImportRefusedException("FuxiCTR " + config.expid() + ": " + key + " " + raw + " has " + fields.size()
          + " fields; seqrec's din takes exactly one (item, category) pair, e.g. [[item_id, cate_id]]");
    }
    if (!(fields.get(0) instanceof List<?> pair) || pair.size() != 2
        || !(pair.get(0) instanceof String) || !(pair.get(1) instanceof String)) {
      throw new ImportRefusedException("FuxiCTR " + config.expid() + ": " + key + " " + raw
          + " is not an (item, category) pair; seqrec's din embeds each action as [item; category]");
    }
    return List.of((String) pair.get(0), (String) pair.get(1));
  }

  /**
   * The feature map must hold the target pair, the history pair sharing their tables and nothing
   * else but {@code unused} (DIEN's negative histories, which serving never reads).
   */
  static void checkFeatures(FuxiCtrConfig config, FuxiCtrFeatureMap features, List<String> target,
                            List<String> sequence, List<String> unused, String model) {
    Set<String> known = new java.util.HashSet<>(List.of(target.get(0), target.get(1), sequence.get(0), sequence.get(1)));
    known.addAll(unused);
    List<String> extra = features.embedded().stream().filter(f -> !known.contains(f)).toList();
    if (!extra.isEmpty()) {
      throw new ImportRefusedException("FuxiCTR " + config.expid() + ": feature map " + features.file()
          + " has features " + extra + " besides the " + model.toUpperCase(java.util.Locale.ROOT) + " fields "
          + target + " / " + sequence + "; seqrec's " + model + " takes only the target (item, category) and its "
          + "history");
    }
    for (int i = 0; i < 2; i++) {
      String t = target.get(i);
      String s = sequence.get(i);
      if (!features.type(t).equals("categorical")) {
        throw new ImportRefusedException("FuxiCTR " + config.expid() + ": target field " + t + " is of type "
            + features.type(t) + "; seqrec's " + model + " needs a categorical id");
      }
      if (!features.type(s).equals("sequence") || !t.equals(features.spec(s, "share_embedding"))) {
        throw new ImportRefusedException("FuxiCTR " + config.expid() + ": sequence field " + s + " (type "
            + features.type(s) + ", share_embedding " + features.spec(s, "share_embedding") + ") must be a sequence"
            + " sharing " + t + "'s embedding; seqrec's " + model + " embeds history and candidate with one table");
      }
    }
  }

  private static void refuseUnsupported(FuxiCtrConfig config) {
    if (config.raw("attention_output_activation") != null) {
      throw new ImportRefusedException("FuxiCTR " + config.expid() + ": attention_output_activation "
          + config.raw("attention_output_activation") + " has no seqrec counterpart (din's activation unit ends "
          + "in a plain linear score)");
    }
    config.requireNumbers("net_dropout");        // dropout is the identity when serving
    config.requireNumbers("attention_dropout");
  }

  /**
   * For each column of seqrec's {@code [t_item; t_cate; u_item; u_cate]}, its column in FuxiCTR's
   * input, which concatenates the four fields in feature-map order.
   */
  private static int[] dnnInputOrder(FuxiCtrFeatureMap features, List<String> target, List<String> sequence,
                                     int dim) {
    List<String> fileOrder = features.embedded();
    List<String> seqrecOrder = List.of(target.get(0), target.get(1), sequence.get(0), sequence.get(1));
    int[] source = new int[4 * dim];
    for (int block = 0; block < 4; block++) {
      int from = fileOrder.indexOf(seqrecOrder.get(block)) * dim;
      for (int k = 0; k < dim; k++) {
        source[block * dim + k] = from + k;
      }
    }
    return source;
  }

  /**
   * A FuxiCTR {@code MLP_Block} ({@code nn.Sequential} of Linear, [BatchNorm,] activation,
   * dropout ..., Linear) onto seqrec's {@code <to>.hidden.i / act.i / out}. Module numbers come
   * from the tensors (a dropout or a parameter-free activation takes a number but has none). With
   * {@code batchNorm}, each hidden layer's batch norm (eval: a per-channel affine map) is folded
   * into the linear layer before it.
   */
  static void mapMlp(CheckpointTensors ckpt, String prefix, int[] hidden, String act, int in,
                     int[] inputOrder, boolean batchNorm, String to, SeqrecTensors out) {
    List<Integer> linears = ckpt.indices(prefix, ".weight").stream()
        .filter(i -> ckpt.shape(prefix + i + ".weight").length == 2).toList();
    if (linears.size() != hidden.length + 1) {
      throw ckpt.mismatch("'" + prefix + "*' has " + linears.size() + " linear layers, the config's hidden units "
          + Arrays.toString(hidden) + " give " + (hidden.length + 1));
    }
    NavigableSet<Integer> dice = ckpt.indices(prefix, ".alpha");
    int width = in;
    for (int i = 0; i < hidden.length; i++) {
      int layer = linears.get(i);
      Tensor.F32 w = ckpt.f32(prefix + layer + ".weight", hidden[i], width);
      if (i == 0 && inputOrder != null) {
        w = CheckpointTensors.permuteColumns(w, inputOrder);
      }
      Tensor.F32 b = ckpt.f32(prefix + layer + ".bias", hidden[i]);
      Integer normAt = ckpt.indices(prefix, ".running_mean").higher(layer);
      boolean hasNorm = normAt != null && normAt < linears.get(i + 1);
      if (hasNorm != batchNorm) {
        throw ckpt.mismatch("the config says batch_norm=" + (batchNorm ? "True" : "False") + " but the checkpoint "
            + (hasNorm ? "has a batch norm at '" + prefix + normAt + "'" : "has none after '" + prefix + layer + "'"));
      }
      if (hasNorm) {
        String n = prefix + normAt;
        int h = hidden[i];
        Tensor.F32[] folded = CheckpointTensors.foldBatchNorm(w, b, ckpt.f32(n + ".weight", h), ckpt.f32(n + ".bias", h),
            ckpt.f32(n + ".running_mean", h), ckpt.f32(n + ".running_var", h));
        w = folded[0];
        b = folded[1];
      }
      out.linear(to + ".hidden." + i, w, b);
      Integer diceAt = dice.higher(layer);
      boolean hasDice = diceAt != null && diceAt < linears.get(i + 1);
      if (hasDice != act.equals("dice")) {
        throw ckpt.mismatch("the config says " + act + " after '" + prefix + layer + "' but the checkpoint "
            + (hasDice ? "has Dice parameters at '" + prefix + diceAt + "'" : "has no Dice parameters there"));
      }
      if (hasDice) {
        String p = prefix + diceAt;
        int h = hidden[i];
        out.dice(to + ".act." + i, ckpt.f32(p + ".alpha", h), ckpt.f32(p + ".bn.running_mean", h),
            ckpt.f32(p + ".bn.running_var", h),
            ckpt.has(p + ".bn.weight") ? ckpt.f32(p + ".bn.weight", h) : CheckpointTensors.filled(h, 1f),
            ckpt.has(p + ".bn.bias") ? ckpt.f32(p + ".bn.bias", h) : CheckpointTensors.filled(h, 0f));
      }
      width = hidden[i];
    }
    int last = linears.get(hidden.length);
    out.linear(to + ".out", ckpt.f32(prefix + last + ".weight", 1, width), ckpt.f32(prefix + last + ".bias", 1));
  }


}
