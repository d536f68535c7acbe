package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RecBole's FPMC ({@code recbole/model/sequential_recommender/fpmc.py}) as seqrec's {@code fpmc}:
 * the same four tables under the same names ({@code UI_emb} users, {@code IU_emb} items for the MF
 * term, {@code LI_emb} the last click, {@code IL_emb} items for the chain term) and the same score
 * {@code UI[u] . IU[j] + LI[last] . IL[j]}, the previous basket being the last action
 * ({@code basket=last_item}). RecBole's user ids are remapped like its item ids (0 = padding).
 */
final class FpmcMapping {
  private FpmcMapping() {}

  static ImportedModel map(RecBoleCheckpoint ckpt) {
    int d = ckpt.integer("embedding_size");
    int maxLen = ckpt.integer("MAX_ITEM_LIST_LENGTH");
    Tensor.F32 users = ckpt.tensor("UI_emb.weight", -1, d);
    Tensor.F32 iu = ckpt.tensor("IU_emb.weight", -1, d);
    int nItems = iu.shape()[0] - 1;
    int nUsers = users.shape()[0] - 1;

    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("UI_emb.weight", users);
    t.put("IU_emb.weight", iu);
    t.put("LI_emb.weight", ckpt.tensor("LI_emb.weight", nItems + 1, d));
    t.put("IL_emb.weight", ckpt.tensor("IL_emb.weight", nItems + 1, d));

    Map<String, String> o = new LinkedHashMap<>();
    o.put("n_items", Integer.toString(nItems));
    o.put("n_users", Integer.toString(nUsers));
    o.put("embedding_size", Integer.toString(d));
    o.put("basket", "last_item");
    o.put("max_len", Integer.toString(maxLen));

    List<String> notes = new ArrayList<>(RecBoleImporter.commonNotes(nItems, maxLen));
    notes.add("user ids are RecBole's internal ids 1.." + nUsers + "; RecBole's padding user row 0 is not used"
        + " (seqrec's user 0 is the unknown user, scored by the chain term alone)");
    return new ImportedModel("fpmc", "recbole", t, o, notes);
  }
}
