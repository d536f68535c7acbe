package io.github.seqrec.models.interop.deepctr;

import io.github.seqrec.models.interop.CheckpointTensors;
import io.github.seqrec.models.interop.ImportRefusedException;
import io.github.seqrec.models.interop.ImportRequest;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.interop.PeerDinOptions;
import io.github.seqrec.models.interop.SeqrecTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * DeepCTR-Torch's DIN onto seqrec's {@code din}. DeepCTR-Torch scores {@code PredictionLayer(
 * dnn_linear(DNN([t; u])))} (the sparse features' embeddings, then the pooled history), with a
 * {@code LocalActivationUnit} over {@code [t; e; t - e; t * e]}; its Dice has an affine batch norm
 * (eps 1e-8; in the attention a per-channel {@code alpha [H, 1]}); {@code
 * att_weight_normalization} is an unscaled softmax that, for an empty history, spreads the
 * weights over padding (id 0, a trained row in DeepCTR-Torch's tables).
 */
final class DeepCtrDin {
  private DeepCtrDin() {}

  /** DeepCTR-Torch's Dice: {@code nn.BatchNorm1d(eps=1e-8)} with scale and shift. */
  static final float DICE_EPS = 1e-8f;
  static final String EMB = "embedding_dict.";
  private static final String ATT = "attention.local_att.";

  static ImportedModel map(ImportRequest request, CheckpointTensors ckpt) {
    Set<String> used = new HashSet<>();
    List<String> tables = embeddingTables(ckpt);
    List<String> history = historyFeatures(request, tables, "DIN");
    Tensor.F32 items = ckpt.f32(EMB + history.get(0) + ".weight");
    Tensor.F32 cates = ckpt.f32(EMB + history.get(1) + ".weight");
    checkRank2(ckpt, EMB + history.get(0) + ".weight", items);
    checkRank2(ckpt, EMB + history.get(1) + ".weight", cates);
    int dItem = items.shape()[1];
    int dCate = cates.shape()[1];
    int d = dItem + dCate;
    SeqrecTensors out = new SeqrecTensors();
    out.put("emb.item.weight", items).put("emb.cate.weight", cates);
    used.add(EMB + history.get(0) + ".weight");
    used.add(EMB + history.get(1) + ".weight");

    String attAct = activation(request, ckpt, "att_activation", ATT + "dnn.", "dice", "DIN");
    String dnnAct = activation(request, ckpt, "dnn_activation", "dnn.", "relu", "DIN");
    if (ckpt.indices("dnn.bn.", ".weight").size() > 0 || ckpt.indices(ATT + "dnn.bn.", ".weight").size() > 0) {
      throw new ImportRefusedException("deepctr-torch DIN: the checkpoint has batch norm in a DNN (dnn_use_bn=True);"
          + " seqrec's din MLPs have none");
    }
    int[] attHidden = mapDnn(ckpt, ATT + "dnn.", attAct, 4 * d, "att", out, used);
    Tensor.F32 attOut = ckpt.f32(ATT + "dense.weight", 1, attHidden[attHidden.length - 1]);
    out.linear("att.out", attOut, ckpt.f32(ATT + "dense.bias", 1));
    used.add(ATT + "dense.weight");
    used.add(ATT + "dense.bias");

    int dnnIn = ckpt.shape("dnn.linears.0.weight")[1];
    if (dnnIn != 2 * d) {
      throw new ImportRefusedException("deepctr-torch DIN: dnn.linears.0 takes " + dnnIn + " inputs, but the target ("
          + d + ") and the pooled history (" + d + ") give " + 2 * d + ": the model has dense or other varlen "
          + "features, which seqrec's din does not take");
    }
    int[] dnnHidden = mapDnn(ckpt, "dnn.", dnnAct, 2 * d, "mlp", out, used);
    int lastWidth = dnnHidden[dnnHidden.length - 1];
    // dnn_linear has no bias; the PredictionLayer's bias (use_bias=True) is added to its output
    Tensor.F32 bias = ckpt.has("out.bias") ? ckpt.f32("out.bias", 1) : CheckpointTensors.filled(1, 0f);
    out.linear("mlp.out", ckpt.f32("dnn_linear.weight", 1, lastWidth), bias);
    used.add("dnn_linear.weight");
    used.add("out.bias");
    requireAllUsed(ckpt, used, "DIN");

    boolean softmax = bool(request, "att_weight_normalization", false);
    Map<String, String> options = PeerDinOptions.of(items.shape()[0] - 1, cates.shape()[0] - 1, dItem, dCate,
        attHidden, dnnHidden, dnnAct, attAct, DICE_EPS, softmax);
    List<String> notes = new ArrayList<>();
    notes.add("DeepCTR-Torch DIN: " + history.get(0) + " is seqrec's item, " + history.get(1) + " its category");
    request.peerOption("maxlen").ifPresentOrElse(v -> options.put("max_len", positive(v, "maxlen")),
        () -> notes.add("maxlen not given (-P maxlen=N): seqrec's din keeps its default history bound, 100"));
    notes.add("PredictionLayer bias folded into the final layer's bias (dnn_linear has none)");
    if (softmax) {
      notes.add("att_weight_normalization: unscaled softmax; an empty history pools the padding row 0");
    }
    return new ImportedModel("din", DeepCtrImporter.PEER, out.map(), options, notes);
  }

  /** The embedding tables in checkpoint order (DeepCTR-Torch creates them in feature-column order). */
  static List<String> embeddingTables(CheckpointTensors ckpt) {
    List<String> tables = new ArrayList<>();
    for (String name : ckpt.names()) {
      if (name.startsWith(EMB) && name.endsWith(".weight")) {
        tables.add(name.substring(EMB.length(), name.length() - ".weight".length()));
      }
    }
    return tables;
  }

  static List<String> historyFeatures(ImportRequest request, List<String> tables, String model) {
    String seqrec = model.toLowerCase(Locale.ROOT);
    List<String> history = request.peerOption("history_feature_list")
        .map(v -> Arrays.stream(v.split(",")).map(String::trim).toList()).orElse(tables);
    if (history.size() != 2) {
      throw new ImportRefusedException("deepctr-torch " + model + ": history_feature_list " + history + " has "
          + history.size() + " features; seqrec's " + seqrec + " takes exactly an (item, category) pair");
    }
    if (!tables.equals(history)) {
      throw new ImportRefusedException("deepctr-torch " + model + ": the checkpoint's embedding tables " + tables
          + " are not exactly history_feature_list " + history + " in that order; seqrec's " + seqrec + " takes no "
          + "other sparse features, and DeepCTR-Torch orders the query by feature column");
    }
    return history;
  }

  /**
   * The activation of a DeepCTR-Torch {@code DNN} at {@code prefix}: the {@code -P} setting,
   * checked against the parameters its layers hold (Dice: {@code alpha}, PReLU: {@code weight});
   * without a setting, what the parameters show, else {@code peerDefault}.
   */
  static String activation(ImportRequest request, CheckpointTensors ckpt, String key, String prefix,
                           String peerDefault, String model) {
    boolean dice = !ckpt.indices(prefix + "activation_layers.", ".alpha").isEmpty();
    boolean prelu = !ckpt.indices(prefix + "activation_layers.", ".weight").isEmpty();
    String shown = dice ? "dice" : prelu ? "prelu" : null;
    String given = request.peerOption(key).map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse(null);
    String act = given != null ? given : shown != null ? shown : peerDefault;
    if (!Set.of("dice", "relu", "sigmoid", "prelu").contains(act)) {
      throw new ImportRefusedException("deepctr-torch " + model + ": " + key + "=" + act + " has no seqrec counterpart "
          + "(seqrec serves dice, relu, sigmoid, prelu)");
    }
    boolean needsParams = act.equals("dice") || act.equals("prelu");
    if ((shown == null && needsParams) || (shown != null && !shown.equals(act))) {
      throw new IllegalArgumentException("deepctr-torch " + model + ": " + key + " is " + act
          + (given != null ? " (-P)" : " (DeepCTR-Torch's default)") + " but the layers under '" + prefix
          + "activation_layers' " + (shown == null ? "hold no parameters" : "hold " + shown + " parameters")
          + "; set -P " + key + "=" + (shown == null ? "relu|sigmoid" : shown));
    }
    return act;
  }

  /** A DeepCTR-Torch {@code DNN} ({@code linears.i}, {@code activation_layers.i}) onto {@code <to>.hidden/act}. */
  static int[] mapDnn(CheckpointTensors ckpt, String prefix, String act, int in, String to,
                              SeqrecTensors out, Set<String> used) {
    List<Integer> layers = List.copyOf(ckpt.indices(prefix + "linears.", ".weight"));
    if (layers.isEmpty() || !layers.equals(java.util.stream.IntStream.range(0, layers.size()).boxed().toList())) {
      throw ckpt.mismatch("expected layers '" + prefix + "linears.0 ..', found " + layers);
    }
    int[] hidden = new int[layers.size()];
    int width = in;
    for (int i = 0; i < hidden.length; i++) {
      String linear = prefix + "linears." + i;
      hidden[i] = ckpt.shape(linear + ".weight")[0];
      out.linear(to + ".hidden." + i, ckpt.f32(linear + ".weight", hidden[i], width),
          ckpt.f32(linear + ".bias", hidden[i]));
      used.add(linear + ".weight");
      used.add(linear + ".bias");
      String a = prefix + "activation_layers." + i;
      int h = hidden[i];
      if (act.equals("dice")) {
        // Dice(dim=3), as the attention unit builds it, stores alpha as [H, 1]
        Tensor.F32 alpha = ckpt.f32(a + ".alpha");
        if (alpha.size() != h) {
          throw ckpt.mismatch("tensor '" + a + ".alpha' is " + alpha.describe() + ", expected " + h + " values");
        }
        out.dice(to + ".act." + i, CheckpointTensors.reshape(alpha, h), ckpt.f32(a + ".bn.running_mean", h),
            ckpt.f32(a + ".bn.running_var", h), ckpt.f32(a + ".bn.weight", h), ckpt.f32(a + ".bn.bias", h));
        for (String s : List.of(".alpha", ".bn.running_mean", ".bn.running_var", ".bn.weight", ".bn.bias")) {
          used.add(a + s);
        }
      } else if (act.equals("prelu")) {
        out.put(to + ".act." + i + ".weight", ckpt.f32(a + ".weight", 1));
        used.add(a + ".weight");
      }
      width = h;
    }
    return hidden;
  }

  /** Every parameter must have a place: a tensor left over is a layer seqrec would silently drop. */
  static void requireAllUsed(CheckpointTensors ckpt, Set<String> used, String model) {
    List<String> left = new ArrayList<>();
    for (String name : ckpt.names()) {
      if (!used.contains(name) && !name.endsWith("num_batches_tracked")) {
        left.add(name);
      }
    }
    if (!left.isEmpty()) {
      throw new ImportRefusedException("deepctr-torch " + model + ": the checkpoint has parameters seqrec's "
          + model.toLowerCase(Locale.ROOT) + " has no place for: " + left);
    }
  }

  static void checkRank2(CheckpointTensors ckpt, String name, Tensor.F32 t) {
    if (t.shape().length != 2) {
      throw ckpt.mismatch("tensor '" + name + "' is " + t.describe() + ", expected an embedding table [rows, dim]");
    }
  }

  static boolean bool(ImportRequest request, String key, boolean defaultValue) {
    String v = request.peerOption(key).map(s -> s.trim().toLowerCase(Locale.ROOT)).orElse(null);
    if (v == null) {
      return defaultValue;
    }
    return switch (v) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new IllegalArgumentException("deepctr-torch import: -P " + key + " must be true or false, got '"
          + v + "'");
    };
  }

  static String positive(String v, String key) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) {
        return Integer.toString(n);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("deepctr-torch import: -P " + key + " must be a positive integer, got '" + v + "'");
  }

}
