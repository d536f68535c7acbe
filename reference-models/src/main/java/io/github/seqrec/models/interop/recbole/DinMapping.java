package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.interop.CheckpointTensors;
import io.github.seqrec.models.interop.ImportRefusedException;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.interop.SeqrecTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RecBole's DIN ({@code recbole/model/sequential_recommender/din.py}) as seqrec's {@code din}.
 * RecBole embeds every token feature of an item with one table of {@code embedding_size} columns
 * ({@code embedding_layer.token_embedding_table.item}, the fields stacked at offsets) and reads:
 * <pre>
 *   w_l   = (dense(MLP_sigmoid([t; e_l; t - e_l; t * e_l])) / sqrt(d)) on valid actions, else 0
 *   u     = sum_l w_l e_l,   logit = Linear(MLP_bn_dice([u; t; u * t]))
 * </pre>
 * which is seqrec's reference form (no softmax, {@code mlp_input=pooled_target_product}) once
 * mapped: the 1/sqrt(d) is folded into the unit's output layer, each batch norm of the final MLP
 * into the linear before it, and RecBole's {@code Dice} (its {@code alpha} is a constant zero
 * tensor, not a parameter, so {@code p(s) s} with {@code p = sigmoid}) is {@code activation=silu}.
 * The attention unit's widths are {@code mlp_hidden_size}, as RecBole builds it.
 *
 * <p>Features: exactly the item id and one more token feature (the category) — the embedding
 * layer's field lists, which RecBole pickles under {@code other_parameter}, give their order and
 * sizes. Float and token-sequence item features are refused. RecBole's DIN embeds user features
 * but does not read them, so they are dropped.
 */
final class DinMapping {
  private DinMapping() {}

  private static final String EMBEDDING_LAYER = "embedding_layer";

  static ImportedModel map(RecBoleCheckpoint ckpt) {
    int e = ckpt.integer("embedding_size");
    int[] hidden = ckpt.integers("mlp_hidden_size");
    int maxLen = ckpt.integer("MAX_ITEM_LIST_LENGTH");
    String itemField = ckpt.string("ITEM_ID_FIELD");
    for (String kind : List.of("float_field_names", "token_seq_field_names", "float_seq_field_names")) {
      List<?> extra = itemFields(ckpt, kind);
      if (!extra.isEmpty()) {
        throw new ImportRefusedException("RecBole DIN: item features " + extra + " (" + kind.replace("_names", "")
            + "s) cannot be imported: seqrec's din embeds an item id and one category");
      }
    }
    List<?> names = itemFields(ckpt, "token_field_names");
    List<?> dims = itemFields(ckpt, "token_field_dims");
    int itemAt = names.indexOf(itemField);
    if (names.size() != 2 || itemAt < 0 || dims.size() != 2) {
      throw new ImportRefusedException("RecBole DIN: item token features " + names + " cannot be imported: seqrec's"
          + " din needs exactly '" + itemField + "' and one category feature");
    }
    int cateAt = 1 - itemAt;
    int itemRows = count(ckpt, dims.get(itemAt));
    int cateRows = count(ckpt, dims.get(cateAt));
    int nItems = itemRows - 1;
    int nCates = cateRows - 1;
    int d = 2 * e;

    // the fields' rows are stacked in field order (FMEmbedding offsets)
    Tensor.F32 table = ckpt.tensor("embedding_layer.token_embedding_table.item.embedding.weight",
        itemRows + cateRows, e);
    int itemOffset = itemAt == 0 ? 0 : cateRows;
    int cateOffset = cateAt == 0 ? 0 : itemRows;
    SeqrecTensors out = new SeqrecTensors();
    out.put("emb.item.weight", rows(table, itemOffset, itemRows, e));
    out.put("emb.cate.weight", rows(table, cateOffset, cateRows, e));

    // an action's embedding is [field 0; field 1]; seqrec's is [item; category]
    int[] block = new int[d];
    for (int k = 0; k < d; k++) {
      int field = k < e ? itemAt : cateAt;
      block[k] = field * e + k % e;
    }
    mapAttention(ckpt, hidden, d, block, out);
    mapFinalMlp(ckpt, hidden, d, block, out);

    Map<String, String> o = new LinkedHashMap<>();
    o.put("n_items", Integer.toString(nItems));
    o.put("n_cates", Integer.toString(nCates));
    o.put("d_item", Integer.toString(e));
    o.put("d_cate", Integer.toString(e));
    String widths = String.join(",", Arrays.stream(hidden).mapToObj(Integer::toString).toList());
    o.put("att_hidden", widths);
    o.put("mlp_hidden", widths);
    o.put("activation", "silu");
    o.put("att_activation", "sigmoid");
    o.put("softmax", "false");
    o.put("mlp_input", "pooled_target_product");
    o.put("max_len", Integer.toString(maxLen));

    List<String> notes = new ArrayList<>(RecBoleImporter.commonNotes(nItems, maxLen));
    notes.add("category ids are RecBole's internal ids of item feature '" + names.get(cateAt) + "' (1.." + nCates
        + "), the ones its dataset's item feature table gives each item");
    notes.add("the attention's 1/sqrt(" + d + ") folded into att.out; each batch norm of the final MLP folded into the"
        + " linear before it");
    notes.add("RecBole's Dice has a constant zero alpha: it is x * sigmoid(x), activation=silu");
    notes.add("user features are embedded by RecBole's DIN but not read; they are dropped");
    return new ImportedModel("din", "recbole", out.map(), o, notes);
  }

  /** The activation unit: {@code attention.att_mlp_layers.mlp_layers.*} (Linear, Sigmoid) and {@code attention.dense}. */
  private static void mapAttention(RecBoleCheckpoint ckpt, int[] hidden, int d, int[] block, SeqrecTensors out) {
    List<Integer> linears = linearLayers(ckpt, "attention.att_mlp_layers.mlp_layers.", hidden.length);
    int width = 4 * d;
    for (int i = 0; i < hidden.length; i++) {
      String name = "attention.att_mlp_layers.mlp_layers." + linears.get(i);
      Tensor.F32 w = ckpt.tensor(name + ".weight", hidden[i], width);
      if (i == 0) {
        w = CheckpointTensors.permuteColumns(w, repeat(block, 4));
      }
      out.linear("att.hidden." + i, w, ckpt.tensor(name + ".bias", hidden[i]));
      width = hidden[i];
    }
    // RecBole divides the unit's scores by sqrt(d) (d = the query's width) even without a softmax
    float scale = (float) (1.0 / Math.sqrt(d));
    out.linear("att.out", scaled(ckpt.tensor("attention.dense.weight", 1, width), scale),
        scaled(ckpt.tensor("attention.dense.bias", 1), scale));
  }

  /** {@code dnn_mlp_layers.mlp_layers.*} (Linear, BatchNorm1d, Dice) and {@code dnn_predict_layers}. */
  private static void mapFinalMlp(RecBoleCheckpoint ckpt, int[] hidden, int d, int[] block, SeqrecTensors out) {
    String prefix = "dnn_mlp_layers.mlp_layers.";
    List<Integer> linears = linearLayers(ckpt, prefix, hidden.length);
    int width = 3 * d;
    for (int i = 0; i < hidden.length; i++) {
      int layer = linears.get(i);
      Tensor.F32 w = ckpt.tensor(prefix + layer + ".weight", hidden[i], width);
      if (i == 0) {
        w = CheckpointTensors.permuteColumns(w, repeat(block, 3));
      }
      String norm = prefix + (layer + 1);
      int h = hidden[i];
      Tensor.F32[] folded = CheckpointTensors.foldBatchNorm(w, ckpt.tensor(prefix + layer + ".bias", h),
          ckpt.tensor(norm + ".weight", h), ckpt.tensor(norm + ".bias", h), ckpt.tensor(norm + ".running_mean", h),
          ckpt.tensor(norm + ".running_var", h));
      out.linear("mlp.hidden." + i, folded[0], folded[1]);
      width = h;
    }
    out.linear("mlp.out", ckpt.tensor("dnn_predict_layers.weight", 1, width),
        ckpt.tensor("dnn_predict_layers.bias", 1));
  }

  /** The module numbers of an MLPLayers' linear layers (2-D weights), checked against the widths. */
  private static List<Integer> linearLayers(RecBoleCheckpoint ckpt, String prefix, int expected) {
    List<Integer> found = new ArrayList<>();
    for (int i = 0; i < 4 * expected + 4; i++) {
      if (ckpt.hasTensor(prefix + i + ".weight") && !ckpt.hasTensor(prefix + i + ".running_mean")) {
        found.add(i);
      }
    }
    if (found.size() != expected) {
      throw new IllegalArgumentException(ckpt.path() + ": '" + prefix + "*' has " + found.size()
          + " linear layers, mlp_hidden_size gives " + expected);
    }
    return found;
  }

  private static List<?> itemFields(RecBoleCheckpoint ckpt, String attribute) {
    Object byType = ckpt.otherParameterAttribute(EMBEDDING_LAYER, attribute);
    Object item = byType instanceof Map<?, ?> m ? m.get("item") : null;
    if (item instanceof List<?> list) {
      return list;
    }
    throw new IllegalArgumentException(ckpt.path() + ": " + EMBEDDING_LAYER + "." + attribute
        + " should map 'item' to a list, got " + byType);
  }

  private static int count(RecBoleCheckpoint ckpt, Object n) {
    if (n instanceof Number v && v.longValue() >= 2 && v.longValue() <= Integer.MAX_VALUE) {
      return v.intValue();
    }
    throw new IllegalArgumentException(ckpt.path() + ": a token field size should be an integer >= 2, got " + n);
  }

  private static Tensor.F32 rows(Tensor.F32 table, int from, int count, int cols) {
    return new Tensor.F32(new int[] {count, cols},
        Arrays.copyOfRange(table.data(), from * cols, (from + count) * cols));
  }

  private static int[] repeat(int[] block, int times) {
    int[] out = new int[block.length * times];
    for (int t = 0; t < times; t++) {
      for (int k = 0; k < block.length; k++) {
        out[t * block.length + k] = t * block.length + block[k];
      }
    }
    return out;
  }

  private static Tensor.F32 scaled(Tensor.F32 t, float s) {
    float[] data = t.data().clone();
    for (int i = 0; i < data.length; i++) {
      data[i] *= s;
    }
    return new Tensor.F32(t.shape().clone(), data);
  }
}
