package io.github.seqrec.models.interop.fuxictr;

import io.github.seqrec.models.interop.CheckpointTensors;
import io.github.seqrec.models.interop.ImportRefusedException;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.interop.PeerDinOptions;
import io.github.seqrec.models.interop.SeqrecTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FuxiCTR's DIEN onto seqrec's {@code dien}. FuxiCTR's interest width is the action width
 * {@code d = 2 * embedding_dim}; its bilinear attention {@code h_t W t} is seqrec's {@code att}
 * with {@code W} as is; its AUGRU/AGRU cells keep gate rows as (update, reset, new), which become
 * PyTorch's (reset, update, new); its DNN input is {@code [h'; (s; t * s); t]} (the sum pooling
 * with {@code enable_sum_pooling}), reordered to seqrec's {@code [h'; t; s; t * s]} or
 * {@code [h'; t]}; a DNN batch norm is folded into the linear layer before it.
 */
final class FuxiCtrDien {
  private FuxiCtrDien() {}

  private static final String EMB = "embedding_layer.embedding_layers.";
  private static final String EVOLUTION = "evolving_modules.0.gru_cell.";
  private static final String EXTRACTOR = "extraction_modules.0.";
  private static final String DNN = "dnn.mlp.";

  static ImportedModel map(FuxiCtrConfig config, FuxiCtrFeatureMap features, CheckpointTensors ckpt) {
    List<String> target = FuxiCtrDin.fieldPair(config, "dien_target_field", List.of("item_id", "cate_id"));
    List<String> sequence = FuxiCtrDin.fieldPair(config, "dien_sequence_field",
        List.of("click_history", "cate_history"));
    List<String> negatives = FuxiCtrDin.fieldPair(config, "dien_neg_seq_field",
        List.of("neg_click_history", "neg_cate_history"));
    FuxiCtrDin.checkFeatures(config, features, target, sequence, negatives, "dien");
    String gruType = evolutionCell(config);
    refuseUnsupported(config);
    int dim = config.integer("embedding_dim", 16);
    for (String f : List.of(target.get(0), target.get(1), sequence.get(0), sequence.get(1))) {
      if (features.embeddingDim(f, dim) != dim) {
        throw new ImportRefusedException("FuxiCTR " + config.expid() + ": feature " + f + " has embedding_dim "
            + features.embeddingDim(f, dim) + " but the model's embedding_dim is " + dim
            + "; FuxiCTR's DIEN sizes its GRUs by embedding_dim, so every DIEN field must use it");
      }
    }
    int d = 2 * dim;
    int[] dnnHidden = config.intList("dnn_hidden_units", new int[] {200, 80});
    String dnnAct = FuxiCtrImporter.seqrecActivation(config, "dnn_activations",
        config.activation("dnn_activations", "ReLU", dnnHidden.length));
    boolean sumPooling = config.bool("enable_sum_pooling", false);
    boolean batchNorm = config.bool("batch_norm", true);

    int nItems = features.integer(target.get(0), "vocab_size") - 1;
    int nCates = features.integer(target.get(1), "vocab_size") - 1;
    SeqrecTensors out = new SeqrecTensors();
    out.put("emb.item.weight", ckpt.f32(EMB + target.get(0) + ".weight", nItems + 1, dim));
    out.put("emb.cate.weight", ckpt.f32(EMB + target.get(1) + ".weight", nCates + 1, dim));
    for (String name : List.of("weight_ih_l0", "weight_hh_l0")) {
      out.put("gru." + name, ckpt.f32(EXTRACTOR + name, 3 * d, d));
    }
    for (String name : List.of("bias_ih_l0", "bias_hh_l0")) {
      out.put("gru." + name, ckpt.f32(EXTRACTOR + name, 3 * d));
    }
    out.put("att.weight", ckpt.f32("attention_modules.0.W_kernel", d, d));
    out.put("evolution.weight_ih", updateResetToPytorch(ckpt.f32(EVOLUTION + "x2h.weight", 3 * d, d), d));
    out.put("evolution.weight_hh", updateResetToPytorch(ckpt.f32(EVOLUTION + "h2h.weight", 3 * d, d), d));
    out.put("evolution.bias_ih", updateResetToPytorch(ckpt.f32(EVOLUTION + "x2h.bias", 3 * d), d));
    out.put("evolution.bias_hh", updateResetToPytorch(ckpt.f32(EVOLUTION + "h2h.bias", 3 * d), d));
    int in = (sumPooling ? 4 : 2) * d;
    FuxiCtrDin.mapMlp(ckpt, DNN, dnnHidden, dnnAct, in, dnnInputOrder(features, target, d, dim, sumPooling),
        batchNorm, "mlp", out);

    Map<String, String> options = new LinkedHashMap<>();
    options.put("n_items", Integer.toString(nItems));
    options.put("n_cates", Integer.toString(nCates));
    options.put("d_item", Integer.toString(dim));
    options.put("d_cate", Integer.toString(dim));
    options.put("hidden", Integer.toString(d));
    options.put("mlp_hidden", PeerDinOptions.widths(dnnHidden));
    options.put("activation", dnnAct);
    options.put("dice_eps", Float.toString(FuxiCtrDin.DICE_EPS));
    options.put("gru_type", gruType);
    options.put("attention", "bilinear");
    options.put("mlp_input", sumPooling ? "evolved_target_sum_product" : "evolved_target");
    options.put("max_len", Integer.toString(features.integer(sequence.get(0), "max_len")));
    List<String> notes = new ArrayList<>();
    notes.add("FuxiCTR experiment " + config.expid() + ": " + target.get(0) + " is seqrec's item, " + target.get(1)
        + " its category; the histories are " + sequence.get(0) + " and " + sequence.get(1)
        + " (the negative histories only train the auxiliary loss)");
    notes.add(gruType + " gate rows reordered from FuxiCTR's (update, reset, new) to PyTorch's (reset, update, new)");
    notes.add("final MLP input columns reordered to seqrec's " + (sumPooling ? "[h'; t; s; t * s]" : "[h'; t]"));
    if (batchNorm) {
      notes.add("batch_norm: each DNN batch norm folded into the linear layer before it");
    }
    if (dnnAct.equals("dice")) {
      notes.add("Dice: FuxiCTR's batch norm has no scale or shift; written as scale 1, shift 0, eps 1e-9");
    }
    return new ImportedModel("dien", FuxiCtrImporter.PEER, out.map(), options, notes);
  }

  private static String evolutionCell(FuxiCtrConfig config) {
    String gruType = config.string("gru_type", "AUGRU");
    return switch (gruType) {
      case "AUGRU", "AGRU" -> gruType;
      case "AIGRU" -> throw new ImportRefusedException("FuxiCTR " + config.expid() + ": gru_type AIGRU is not imported:"
          + " FuxiCTR's DIEN scales [B, L, d] interests by [B, L] scores, which fails in its own forward pass");
      default -> throw new ImportRefusedException("FuxiCTR " + config.expid() + ": gru_type " + gruType
          + " has no seqrec counterpart (seqrec's dien evolves interests with AUGRU, AGRU or AIGRU)");
    };
  }

  private static void refuseUnsupported(FuxiCtrConfig config) {
    String attention = config.string("attention_type", "bilinear_attention");
    if (!attention.equals("bilinear_attention")) {
      throw new ImportRefusedException("FuxiCTR " + config.expid() + ": attention_type " + attention
          + " has no seqrec counterpart (seqrec's dien: bilinear_attention)");
    }
    if (!config.bool("use_attention_softmax", true)) {
      throw new ImportRefusedException("FuxiCTR " + config.expid() + ": use_attention_softmax=False has no seqrec "
          + "counterpart (seqrec's dien always normalises the interest attention with a softmax)");
    }
    config.requireNumbers("net_dropout");        // dropout is the identity when serving
    config.requireNumbers("attention_dropout");
  }

  /** Gate blocks (update, reset, new) of {@code [3d, ...]} rows as PyTorch's (reset, update, new). */
  static Tensor.F32 updateResetToPytorch(Tensor.F32 t, int d) {
    int rowWidth = (int) (t.size() / (3L * d));
    float[] src = t.data();
    float[] out = new float[src.length];
    int block = d * rowWidth;
    System.arraycopy(src, block, out, 0, block);          // reset
    System.arraycopy(src, 0, out, block, block);          // update
    System.arraycopy(src, 2 * block, out, 2 * block, block); // new
    return new Tensor.F32(t.shape().clone(), out);
  }

  /**
   * For each column of seqrec's {@code [h'; t; s; t * s]} (or {@code [h'; t]}), its column in
   * FuxiCTR's {@code [h'; (s; t * s); the 2-D feature embeddings in feature-map order]}.
   */
  private static int[] dnnInputOrder(FuxiCtrFeatureMap features, List<String> target, int d, int dim,
                                     boolean sumPooling) {
    int targetsAt = sumPooling ? 3 * d : d;
    List<String> flat = features.embedded().stream().filter(f -> features.type(f).equals("categorical")).toList();
    int[] source = new int[(sumPooling ? 4 : 2) * d];
    int j = 0;
    for (int k = 0; k < d; k++) {
      source[j++] = k;                                   // h'
    }
    for (String f : target) {
      int from = targetsAt + flat.indexOf(f) * dim;
      for (int k = 0; k < dim; k++) {
        source[j++] = from + k;                          // t = [t_item; t_cate]
      }
    }
    if (sumPooling) {
      for (int k = 0; k < 2 * d; k++) {
        source[j++] = d + k;                             // s, t * s
      }
    }
    return source;
  }
}
