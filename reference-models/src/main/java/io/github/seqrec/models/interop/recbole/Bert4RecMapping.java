package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RecBole's BERT4Rec ({@code recbole/model/sequential_recommender/bert4rec.py}) as seqrec's
 * {@code bert4rec}. RecBole's item table has {@code n_items + 1} rows, the last the mask token
 * (RecBole's {@code mask_token = n_items}, seqrec's {@code n_items + 1}: the same row); the input
 * is {@code LN(E + P)}, the bidirectional post-LN encoder, the head {@code LN(GELU(W h + b))} at
 * the mask slot, scores {@code z . E[j] + output_bias[j]}. BERT's token-type row, which seqrec's
 * bert4rec adds, is zero. For full-catalogue scoring RecBole's {@code reconstruct_test_data}
 * writes the mask after the history and then drops the first slot, so the oldest action of a
 * history shorter than {@code MAX_ITEM_LIST_LENGTH} is never read: seqrec's {@code drop_oldest}.
 */
final class Bert4RecMapping {
  private Bert4RecMapping() {}

  static ImportedModel map(RecBoleCheckpoint ckpt) {
    int d = ckpt.integer("hidden_size");
    int inner = ckpt.integer("inner_size");
    int layers = ckpt.integer("n_layers");
    int heads = ckpt.integer("n_heads");
    int maxLen = ckpt.integer("MAX_ITEM_LIST_LENGTH");
    double eps = ckpt.real("layer_norm_eps");
    RecBoleTransformer.activation(ckpt, "bert4rec", false);
    RecBoleTransformer.checkHeads(ckpt, d, heads);

    // rows: padding 0, items 1..n, the mask token n + 1
    Tensor.F32 items = ckpt.tensor("item_embedding.weight", -1, d);
    int nItems = items.shape()[0] - 2;
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("item_emb.weight", items);
    // no output bias for the mask row: RecBole never scores it
    t.put("out_bias", TensorOps.padVector(ckpt.tensor("output_bias", nItems + 1), 1));
    t.put("pos_emb.weight", ckpt.tensor("position_embedding.weight", maxLen, d));
    t.put("type_emb.weight", TensorOps.zeros(1, d));
    t.put("emb_ln.weight", ckpt.tensor("LayerNorm.weight", d));
    t.put("emb_ln.bias", ckpt.tensor("LayerNorm.bias", d));
    for (int i = 0; i < layers; i++) {
      RecBoleTransformer.Layer l = RecBoleTransformer.layer(ckpt, i, d, inner);
      String p = "encoder.layers." + i + ".";
      t.put(p + "self_attn.in_proj_weight", l.inProjWeight());
      t.put(p + "self_attn.in_proj_bias", l.inProjBias());
      t.put(p + "self_attn.out_proj.weight", l.outWeight());
      t.put(p + "self_attn.out_proj.bias", l.outBias());
      t.put(p + "norm1.weight", l.norm1Weight());
      t.put(p + "norm1.bias", l.norm1Bias());
      t.put(p + "linear1.weight", l.ffn1Weight());
      t.put(p + "linear1.bias", l.ffn1Bias());
      t.put(p + "linear2.weight", l.ffn2Weight());
      t.put(p + "linear2.bias", l.ffn2Bias());
      t.put(p + "norm2.weight", l.norm2Weight());
      t.put(p + "norm2.bias", l.norm2Bias());
    }
    t.put("out_dense.weight", ckpt.tensor("output_ffn.weight", d, d));
    t.put("out_dense.bias", ckpt.tensor("output_ffn.bias", d));
    t.put("out_ln.weight", ckpt.tensor("output_ln.weight", d));
    t.put("out_ln.bias", ckpt.tensor("output_ln.bias", d));

    Map<String, String> o = new LinkedHashMap<>();
    o.put("n_items", Integer.toString(nItems));
    o.put("hidden", Integer.toString(d));
    o.put("num_layers", Integer.toString(layers));
    o.put("num_heads", Integer.toString(heads));
    o.put("intermediate", Integer.toString(inner));
    o.put("ln_eps", Float.toString((float) eps));
    o.put("max_len", Integer.toString(maxLen));
    o.put("drop_oldest", "true");

    List<String> notes = new ArrayList<>(RecBoleImporter.commonNotes(nItems, maxLen));
    notes.add("RecBole's mask token (item id n_items) is seqrec's mask row n_items + 1; the token-type row is zero");
    notes.add("drop_oldest=true: RecBole's full_sort_predict reads at most the " + (maxLen - 1)
        + " most recent actions and never the oldest of a shorter history; seqrec does the same");
    return new ImportedModel("bert4rec", "recbole", t, o, notes);
  }
}
