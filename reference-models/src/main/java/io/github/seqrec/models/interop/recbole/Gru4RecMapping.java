package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RecBole's GRU4Rec ({@code recbole/model/sequential_recommender/gru4rec.py}) as seqrec's
 * {@code gru4rec}. RecBole: {@code h = GRU(E[s])} (an {@code nn.GRU} of {@code num_layers} layers
 * of {@code hidden_size}, without biases, gate rows r, z, n as {@code nn.GRUCell}'s), then
 * {@code u = W_d h + b_d} and {@code score(j) = u . E[j]}. seqrec's gru4rec scores
 * {@code h . Wy[j] + By[j]}, so the dense layer is folded into the output table:
 * {@code Wy = E W_d} and {@code By = E b_d} give {@code h . Wy[j] + By[j] = (W_d h + b_d) . E[j]}
 * exactly (up to float rounding); the input table stays {@code E} (unconstrained embedding).
 */
final class Gru4RecMapping {
  private Gru4RecMapping() {}

  static ImportedModel map(RecBoleCheckpoint ckpt) {
    int embedding = ckpt.integer("embedding_size");
    int hidden = ckpt.integer("hidden_size");
    int layers = ckpt.integer("num_layers");
    int maxLen = ckpt.integer("MAX_ITEM_LIST_LENGTH");

    Tensor.F32 items = ckpt.tensor("item_embedding.weight", -1, embedding);
    int nItems = items.shape()[0] - 1;
    Tensor.F32 dense = ckpt.tensor("dense.weight", embedding, hidden);
    Tensor.F32 denseBias = ckpt.tensor("dense.bias", embedding);

    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("E.weight", items);
    int in = embedding;
    for (int i = 0; i < layers; i++) {
      String p = "G." + i + ".";
      t.put(p + "weight_ih", ckpt.tensor("gru_layers.weight_ih_l" + i, 3 * hidden, in));
      t.put(p + "weight_hh", ckpt.tensor("gru_layers.weight_hh_l" + i, 3 * hidden, hidden));
      // RecBole builds its GRU with bias=False: zero biases are the same recurrence
      t.put(p + "bias_ih", TensorOps.zeros(3 * hidden));
      t.put(p + "bias_hh", TensorOps.zeros(3 * hidden));
      in = hidden;
    }
    t.put("Wy.weight", TensorOps.matmul(items, dense));
    t.put("By.weight", TensorOps.matvecColumn(items, denseBias));

    Map<String, String> o = new LinkedHashMap<>();
    o.put("n_items", Integer.toString(nItems));
    o.put("layers", String.join(",", java.util.Collections.nCopies(layers, Integer.toString(hidden))));
    o.put("embedding", Integer.toString(embedding));
    o.put("constrained_embedding", "false");
    o.put("max_len", Integer.toString(maxLen));

    List<String> notes = new ArrayList<>(RecBoleImporter.commonNotes(nItems, maxLen));
    notes.add("the output Linear 'dense' is folded into the item table: Wy = E dense.weight, By = E dense.bias;"
        + " scores are RecBole's, but seqrec's user embedding is the GRU state h, not dense(h)");
    notes.add("RecBole's GRU has no biases: the seqrec GRU biases are zero");
    return new ImportedModel("gru4rec", "recbole", t, o, notes);
  }
}
