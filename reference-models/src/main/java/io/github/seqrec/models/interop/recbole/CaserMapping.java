package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.interop.ImportRefusedException;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RecBole's Caser ({@code recbole/model/sequential_recommender/caser.py}) as seqrec's
 * {@code caser}. The window is RecBole's whole item_seq ({@code L = MAX_ITEM_LIST_LENGTH}),
 * right-padded with the zero padding row ({@code pad=right}); vertical filters, horizontal filters
 * of every height 1..L with ReLU and max over time, {@code z = relu(fc1([o_v; o_h]))} and the user
 * row as in the official network; RecBole's head is {@code u = relu(fc2([z; P_u]))} scored against
 * the item table ({@code head=fc2}).
 */
final class CaserMapping {
  private CaserMapping() {}

  static ImportedModel map(RecBoleCheckpoint ckpt) {
    int d = ckpt.integer("embedding_size");
    int nh = ckpt.integer("nh");
    int nv = ckpt.integer("nv");
    int window = ckpt.integer("MAX_ITEM_LIST_LENGTH");
    if (nh < 1 || nv < 1) {
      // RecBole drops a filter bank set to 0; seqrec's Caser always has both
      throw new ImportRefusedException("RecBole Caser with nh=" + nh + ", nv=" + nv
          + ": seqrec's caser needs both filter banks (nh >= 1 and nv >= 1)");
    }
    Tensor.F32 items = ckpt.tensor("item_embedding.weight", -1, d);
    Tensor.F32 users = ckpt.tensor("user_embedding.weight", -1, d);
    int nItems = items.shape()[0] - 1;
    int nUsers = users.shape()[0] - 1;

    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("item_embeddings.weight", items);
    t.put("user_embeddings.weight", users);
    t.put("conv_v.weight", ckpt.tensor("conv_v.weight", nv, 1, window, 1));
    t.put("conv_v.bias", ckpt.tensor("conv_v.bias", nv));
    for (int h = 1; h <= window; h++) {
      t.put("conv_h." + (h - 1) + ".weight", ckpt.tensor("conv_h." + (h - 1) + ".weight", nh, 1, h, d));
      t.put("conv_h." + (h - 1) + ".bias", ckpt.tensor("conv_h." + (h - 1) + ".bias", nh));
    }
    int in = nv * d + nh * window;
    t.put("fc1.weight", ckpt.tensor("fc1.weight", d, in));
    t.put("fc1.bias", ckpt.tensor("fc1.bias", d));
    t.put("fc2.weight", ckpt.tensor("fc2.weight", d, 2 * d));
    t.put("fc2.bias", ckpt.tensor("fc2.bias", d));

    Map<String, String> o = new LinkedHashMap<>();
    o.put("n_items", Integer.toString(nItems));
    o.put("n_users", Integer.toString(nUsers));
    o.put("d", Integer.toString(d));
    o.put("L", Integer.toString(window));
    o.put("nv", Integer.toString(nv));
    o.put("nh", Integer.toString(nh));
    o.put("ac_conv", "relu");
    o.put("ac_fc", "relu");
    o.put("max_len", Integer.toString(window));
    o.put("pad", "right");
    o.put("head", "fc2");

    List<String> notes = new ArrayList<>(RecBoleImporter.commonNotes(nItems, window));
    notes.add("the window L is RecBole's MAX_ITEM_LIST_LENGTH, right-padded as RecBole's item_seq (pad=right)");
    notes.add("RecBole's head relu(fc2([z; P_u])) . E[j] (head=fc2); user ids are RecBole's internal ids 1.."
        + nUsers + " (0 = unknown: no user row)");
    return new ImportedModel("caser", "recbole", t, o, notes);
  }
}
