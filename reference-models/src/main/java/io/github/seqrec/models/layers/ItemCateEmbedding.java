package io.github.seqrec.models.layers;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * The reference {@code [E_item[id]; E_cate[cate]]} embedding ({@code emb.item.weight [n_items + 1, d_item]},
 * {@code emb.cate.weight [n_cates + 1, d_cate]}; row 0 is padding). Ids are checked by the model
 * before lookup (see {@link io.github.seqrec.models.HistoryChecks}).
 */
public final class ItemCateEmbedding {
  private final float[] items;
  private final float[] cates;
  private final int itemVocabulary;
  private final int cateVocabulary;
  private final int dItem;
  private final int dCate;

  private ItemCateEmbedding(float[] items, float[] cates, int itemVocabulary, int cateVocabulary, int dItem, int dCate) {
    this.items = items;
    this.cates = cates;
    this.itemVocabulary = itemVocabulary;
    this.cateVocabulary = cateVocabulary;
    this.dItem = dItem;
    this.dCate = dCate;
  }

  public static ItemCateEmbedding load(SafeTensors st, String prefix, int nItems, int nCates, int dItem, int dCate)
      throws IOException {
    return new ItemCateEmbedding(st.floats(prefix + ".item.weight", nItems + 1, dItem),
        st.floats(prefix + ".cate.weight", nCates + 1, dCate), nItems + 1, nCates + 1, dItem, dCate);
  }

  /** Width of one embedded action: {@code d_item + d_cate}. */
  public int dim() {
    return dItem + dCate;
  }

  /** Width of an item row, {@code d_item}. */
  public int itemDim() {
    return dItem;
  }

  /** Width of a category row, {@code d_cate}. */
  public int cateDim() {
    return dCate;
  }

  /** Number of item rows including padding row 0 (valid ids are {@code 1 .. itemVocabulary - 1}). */
  public int itemVocabulary() {
    return itemVocabulary;
  }

  public int cateVocabulary() {
    return cateVocabulary;
  }

  /** Writes {@code [E_item[item]; E_cate[cate]]} to {@code out[off .. off + dim())}. */
  public void embed(int item, int cate, float[] out, int off) {
    System.arraycopy(items, item * dItem, out, off, dItem);
    System.arraycopy(cates, cate * dCate, out, off + dItem, dCate);
  }

  /**
   * Checks the kept actions {@code [first, length)} of {@code history}: item and category ids must lie
   * in the vocabularies (the message names the field, the position and the range).
   */
  public void checkHistory(UserHistory history, int first) {
    HistoryChecks.ids("history itemIds", history.itemIds(), first, history.length(), itemVocabulary);
    HistoryChecks.ids("history categoryIds", history.categoryIds(), first, history.length(), cateVocabulary);
  }

  /** Checks that every candidate's item and category id lies in the vocabularies. */
  public void checkCandidates(Candidates candidates) {
    HistoryChecks.candidates(candidates, itemVocabulary, cateVocabulary);
  }

  /** Embeds the kept actions {@code [first, length)} as rows of {@code out} from {@code outOff}. */
  public void embedHistory(UserHistory history, int first, float[] out, int outOff) {
    int[] itemIds = history.itemIds();
    int[] cateIds = history.categoryIds();
    int d = dim();
    for (int j = 0, n = history.length() - first; j < n; j++) {
      embed(itemIds[first + j], cateIds[first + j], out, outOff + j * d);
    }
  }

  /** Embeds the candidates as rows of {@code out} from {@code outOff}. */
  public void embedCandidates(Candidates candidates, float[] out, int outOff) {
    int[] itemIds = candidates.itemIds();
    int[] cateIds = candidates.categoryIds();
    int d = dim();
    for (int t = 0; t < candidates.count(); t++) {
      embed(itemIds[t], cateIds[t], out, outOff + t * d);
    }
  }

  /** The item table, {@code itemVocabulary x d_item} (read-only by convention: for per-item caches). */
  public float[] itemTable() {
    return items;
  }

  public float[] cateTable() {
    return cates;
  }
}
