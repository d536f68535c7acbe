package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.interop.CheckpointTensors;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RecBole's SASRec ({@code recbole/model/sequential_recommender/sasrec.py}) as seqrec's
 * {@code sasrec}. RecBole's forward: {@code LN(E[s] + P[slot])} with positions counted from the
 * oldest kept action (its sequences are right-padded, slot 0 first), the post-LN encoder, the
 * output of the most recent slot as the user vector, scores {@code u . E[j]}. seqrec's sasrec
 * reproduces it with {@code emb_scale=none emb_norm=true final_norm=false ffn=inner_size
 * ffn_act=hidden_act pos_anchor=oldest}.
 */
final class SasRecMapping {
  private SasRecMapping() {}

  static ImportedModel map(RecBoleCheckpoint ckpt) {
    int d = ckpt.integer("hidden_size");
    int inner = ckpt.integer("inner_size");
    int layers = ckpt.integer("n_layers");
    int heads = ckpt.integer("n_heads");
    int maxLen = ckpt.integer("MAX_ITEM_LIST_LENGTH");
    double eps = ckpt.real("layer_norm_eps");
    String act = RecBoleTransformer.activation(ckpt, "sasrec", true);
    RecBoleTransformer.checkHeads(ckpt, d, heads);

    Tensor.F32 items = ckpt.tensor("item_embedding.weight", -1, d);
    int nItems = items.shape()[0] - 1;
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("item_emb.weight", items);
    // RecBole's table has max_len rows for slots 0..max_len-1; seqrec's has a padding row 0 first
    t.put("pos_emb.weight", TensorOps.prependZeroRow(ckpt.tensor("position_embedding.weight", maxLen, d)));
    t.put("emb_norm.weight", ckpt.tensor("LayerNorm.weight", d));
    t.put("emb_norm.bias", ckpt.tensor("LayerNorm.bias", d));
    for (int i = 0; i < layers; i++) {
      RecBoleTransformer.Layer l = RecBoleTransformer.layer(ckpt, i, d, inner);
      t.put("attention_layers." + i + ".in_proj_weight", l.inProjWeight());
      t.put("attention_layers." + i + ".in_proj_bias", l.inProjBias());
      t.put("attention_layers." + i + ".out_proj.weight", l.outWeight());
      t.put("attention_layers." + i + ".out_proj.bias", l.outBias());
      t.put("attention_layernorms." + i + ".weight", l.norm1Weight());
      t.put("attention_layernorms." + i + ".bias", l.norm1Bias());
      // seqrec reads pmixer's kernel-1 Conv1d weights: the same floats as a Linear's
      t.put("forward_layers." + i + ".conv1.weight", CheckpointTensors.reshape(l.ffn1Weight(), inner, d, 1));
      t.put("forward_layers." + i + ".conv1.bias", l.ffn1Bias());
      t.put("forward_layers." + i + ".conv2.weight", CheckpointTensors.reshape(l.ffn2Weight(), d, inner, 1));
      t.put("forward_layers." + i + ".conv2.bias", l.ffn2Bias());
      t.put("forward_layernorms." + i + ".weight", l.norm2Weight());
      t.put("forward_layernorms." + i + ".bias", l.norm2Bias());
    }

    Map<String, String> o = new LinkedHashMap<>();
    o.put("n_items", Integer.toString(nItems));
    o.put("hidden", Integer.toString(d));
    o.put("num_blocks", Integer.toString(layers));
    o.put("num_heads", Integer.toString(heads));
    o.put("max_len", Integer.toString(maxLen));
    o.put("ln_eps", Float.toString((float) eps));
    o.put("norm_first", "false");
    o.put("pos_anchor", "oldest");
    o.put("emb_scale", "none");
    o.put("emb_norm", "true");
    o.put("final_norm", "false");
    o.put("ffn", Integer.toString(inner));
    o.put("ffn_act", act);

    List<String> notes = new ArrayList<>(RecBoleImporter.commonNotes(nItems, maxLen));
    notes.add("query, key and value Linears stacked into one in-projection (rows q, k, v)");
    notes.add("position_embedding gained a zero padding row 0: RecBole's slot s is seqrec's position s + 1");
    notes.add("layer_norm_eps=" + eps + " is used for every layer norm, as RecBole does");
    return new ImportedModel("sasrec", "recbole", t, o, notes);
  }
}
