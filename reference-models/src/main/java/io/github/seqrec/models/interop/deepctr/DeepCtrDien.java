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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * DeepCTR-Torch's DIEN onto seqrec's {@code dien} with {@code attention=mlp}. DeepCTR-Torch runs
 * an {@code nn.GRU} interest extractor over the history embeddings, scores its states with the DIN
 * {@code LocalActivationUnit} over {@code [e_a; h_t; e_a - h_t; e_a * h_t]} (with {@code
 * att_weight_normalization} an unscaled softmax over the valid steps, else the raw scores), evolves
 * them with {@code AUGRUCell}/{@code AGRUCell} (PyTorch's gate rows r, z, n, as seqrec's; {@code
 * AUGRUCell} registers one bias as both {@code bias_ih} and {@code bias_hh}, so its input and hidden
 * biases are equal) or, for AIGRU, an {@code nn.GRU} on {@code a_t h_t}, and scores {@code
 * PredictionLayer(linear(DNN([h'; e_a])))}. An empty history gives {@code h' = 0}, as in seqrec.
 */
final class DeepCtrDien {
  private DeepCtrDien() {}

  private static final String WHO = "deepctr-torch DIEN";
  private static final String EXTRACTOR = "interest_extractor.gru.";
  private static final String AUX = "interest_extractor.auxiliary_net.";
  private static final String ATT = "interest_evolution.attention.local_att.";
  private static final String EVO = "interest_evolution.interest_evolution.";

  static ImportedModel map(ImportRequest request, CheckpointTensors ckpt) {
    Set<String> used = new HashSet<>();
    List<String> tables = DeepCtrDin.embeddingTables(ckpt);
    List<String> history = DeepCtrDin.historyFeatures(request, tables, "DIEN");
    String itemName = DeepCtrDin.EMB + history.get(0) + ".weight";
    String cateName = DeepCtrDin.EMB + history.get(1) + ".weight";
    Tensor.F32 items = ckpt.f32(itemName);
    Tensor.F32 cates = ckpt.f32(cateName);
    DeepCtrDin.checkRank2(ckpt, itemName, items);
    DeepCtrDin.checkRank2(ckpt, cateName, cates);
    int dItem = items.shape()[1];
    int dCate = cates.shape()[1];
    int d = dItem + dCate;
    SeqrecTensors out = new SeqrecTensors();
    out.put("emb.item.weight", items).put("emb.cate.weight", cates);
    used.add(itemName);
    used.add(cateName);

    String gruType = gruType(request, ckpt);
    // interest extractor: nn.GRU(d, d), the same names and gate rows as seqrec's
    for (String s : List.of("weight_ih_l0", "weight_hh_l0")) {
      out.put("gru." + s, ckpt.f32(EXTRACTOR + s, 3 * d, d));
      used.add(EXTRACTOR + s);
    }
    for (String s : List.of("bias_ih_l0", "bias_hh_l0")) {
      out.put("gru." + s, ckpt.f32(EXTRACTOR + s, 3 * d));
      used.add(EXTRACTOR + s);
    }
    // interest evolution: AUGRU/AGRU cells (DynamicGRU.rnn) or, for AIGRU, an nn.GRU
    boolean cell = !gruType.equals("AIGRU");
    String evo = cell ? EVO + "rnn." : EVO;
    String sfx = cell ? "" : "_l0";
    Tensor.F32 biasIh = ckpt.f32(evo + "bias_ih" + sfx, 3 * d);
    Tensor.F32 biasHh = ckpt.f32(evo + "bias_hh" + sfx, 3 * d);
    if (gruType.equals("AUGRU") && !Arrays.equals(biasIh.data(), biasHh.data())) {
      throw new ImportRefusedException(WHO + ": gru_type=AUGRU, but '" + evo + "bias_ih' and 'bias_hh' differ; "
          + "DeepCTR-Torch's AUGRUCell holds one bias under both names (an AGRU checkpoint? set -P gru_type=AGRU)");
    }
    out.put("evolution.weight_ih", ckpt.f32(evo + "weight_ih" + sfx, 3 * d, d))
        .put("evolution.weight_hh", ckpt.f32(evo + "weight_hh" + sfx, 3 * d, d))
        .put("evolution.bias_ih", biasIh).put("evolution.bias_hh", biasHh);
    for (String s : List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh")) {
      used.add(evo + s + sfx);
    }

    String attAct = DeepCtrDin.activation(request, ckpt, "att_activation", ATT + "dnn.", "relu", "DIEN");
    String dnnAct = DeepCtrDin.activation(request, ckpt, "dnn_activation", "dnn.", "relu", "DIEN");
    if (ckpt.indices("dnn.bn.", ".weight").size() > 0 || ckpt.indices(ATT + "dnn.bn.", ".weight").size() > 0) {
      throw new ImportRefusedException(WHO + ": the checkpoint has batch norm in a DNN (use_bn=True); seqrec's dien "
          + "MLPs have none");
    }
    int[] attHidden = DeepCtrDin.mapDnn(ckpt, ATT + "dnn.", attAct, 4 * d, "att", out, used);
    out.linear("att.out", ckpt.f32(ATT + "dense.weight", 1, attHidden[attHidden.length - 1]),
        ckpt.f32(ATT + "dense.bias", 1));
    used.add(ATT + "dense.weight");
    used.add(ATT + "dense.bias");

    int dnnIn = ckpt.shape("dnn.linears.0.weight")[1];
    if (dnnIn != 2 * d) {
      throw new ImportRefusedException(WHO + ": dnn.linears.0 takes " + dnnIn + " inputs, but the evolved interest ("
          + d + ") and the target (" + d + ") give " + 2 * d + ": the model has dense or other sparse features, "
          + "which seqrec's dien does not take");
    }
    int[] dnnHidden = DeepCtrDin.mapDnn(ckpt, "dnn.", dnnAct, 2 * d, "mlp", out, used);
    // DIEN's final linear has no bias; the PredictionLayer's bias (use_bias=True) is added to its output
    Tensor.F32 bias = ckpt.has("out.bias") ? ckpt.f32("out.bias", 1) : CheckpointTensors.filled(1, 0f);
    out.linear("mlp.out", ckpt.f32("linear.weight", 1, dnnHidden[dnnHidden.length - 1]), bias);
    used.add("linear.weight");
    used.add("out.bias");

    List<String> notes = new ArrayList<>();
    boolean aux = false;
    for (String name : ckpt.names()) {
      if (name.startsWith(AUX)) {
        used.add(name);
        aux = true;
      }
    }
    DeepCtrDin.requireAllUsed(ckpt, used, "DIEN");

    boolean softmax = DeepCtrDin.bool(request, "att_weight_normalization", true);
    Map<String, String> options = new LinkedHashMap<>();
    options.put("n_items", Integer.toString(items.shape()[0] - 1));
    options.put("n_cates", Integer.toString(cates.shape()[0] - 1));
    options.put("d_item", Integer.toString(dItem));
    options.put("d_cate", Integer.toString(dCate));
    options.put("hidden", Integer.toString(d));
    options.put("mlp_hidden", PeerDinOptions.widths(dnnHidden));
    options.put("activation", dnnAct);
    options.put("dice_eps", Float.toString(DeepCtrDin.DICE_EPS));
    options.put("gru_type", gruType);
    options.put("attention", "mlp");
    options.put("att_hidden", PeerDinOptions.widths(attHidden));
    options.put("att_activation", attAct);
    options.put("softmax", Boolean.toString(softmax));
    options.put("softmax_scale", "none");
    options.put("mlp_input", "evolved_target");
    notes.add(WHO + ": " + history.get(0) + " is seqrec's item, " + history.get(1) + " its category; gru_type "
        + gruType);
    request.peerOption("maxlen").ifPresentOrElse(v -> options.put("max_len", DeepCtrDin.positive(v, "maxlen")),
        () -> notes.add("maxlen not given (-P maxlen=N): seqrec's dien keeps its default history bound, 100"));
    notes.add("PredictionLayer bias folded into the final layer's bias (DIEN's linear has none)");
    notes.add("att_weight_normalization=" + softmax + (softmax ? ": unscaled softmax over the valid steps"
        : ": the raw attention scores gate the evolution"));
    if (gruType.equals("AUGRU")) {
      notes.add("AUGRUCell's tied bias (bias_ih = bias_hh) checked equal and kept under both names");
    }
    if (aux) {
      notes.add("use_negsampling: the auxiliary loss net (" + AUX + "*) is training-only and not imported");
    }
    return new ImportedModel("dien", DeepCtrImporter.PEER, out.map(), options, notes);
  }

  /**
   * The {@code -P gru_type}, checked against the evolution layer the checkpoint holds: the state
   * dict cannot tell AUGRU from AGRU (the same cell tensors), nor GRU from AIGRU (the same nn.GRU).
   */
  private static String gruType(ImportRequest request, CheckpointTensors ckpt) {
    boolean cells = ckpt.has(EVO + "rnn.weight_ih");
    boolean gru = ckpt.has(EVO + "weight_ih_l0");
    if (!cells && !gru) {
      throw ckpt.mismatch("expected the interest-evolution layer '" + EVO + "rnn.*' (AUGRU/AGRU) or '" + EVO
          + "*_l0' (GRU/AIGRU)");
    }
    String given = request.peerOption("gru_type").map(v -> v.trim().toUpperCase(Locale.ROOT)).orElse(null);
    if (given == null) {
      throw new IllegalArgumentException(WHO + ": the state dict does not record gru_type; set -P gru_type="
          + (cells ? "AUGRU|AGRU" : "AIGRU") + " (the checkpoint holds " + (cells ? "AUGRU/AGRU cells" : "an nn.GRU")
          + ")");
    }
    if (given.equals("GRU")) {
      throw new ImportRefusedException(WHO + ": gru_type=GRU (DeepCTR-Torch's default) evolves the interests with "
          + "a plain GRU and pools its states by attention afterwards; seqrec's dien has no such form (it serves "
          + "gru_type AUGRU, AGRU, AIGRU)");
    }
    if (!Set.of("AUGRU", "AGRU", "AIGRU").contains(given)) {
      throw new ImportRefusedException(WHO + ": gru_type=" + given + " has no seqrec counterpart (seqrec serves "
          + "AUGRU, AGRU, AIGRU)");
    }
    if (cells == given.equals("AIGRU")) {
      throw new IllegalArgumentException(WHO + ": -P gru_type=" + given + " but the checkpoint holds "
          + (cells ? "AUGRU/AGRU cells ('" + EVO + "rnn.*'); set -P gru_type=AUGRU|AGRU"
              : "an nn.GRU ('" + EVO + "*_l0'); set -P gru_type=AIGRU"));
    }
    return given;
  }
}
