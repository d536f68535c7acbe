package io.github.seqrec.models.lifelong;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.models.layers.ItemCateEmbedding;

/**
 * A per-item cache of a model's key and value projections of the behaviour embedding
 * {@code e = [E_item[i]; E_cate[c]]}, shared by all users and threads. TWIN's serving path (Chang et
 * al., KDD 2023, §3.3: the inherent features of a video are the same for every user, so
 * {@code K_h W^k} and {@code K_h W^v} are computed once per item and looked up per request); ETA's
 * exact unit uses the same idea for its attention's {@code W_k e} and {@code W_v e}.
 *
 * <p>Built once from the weights ({@link Twin#itemCache()}, {@link TwinV2#itemCache()},
 * {@link Eta#itemCache()}) for the whole catalogue. Because the projections are linear,
 * {@code e W = E_item[i] W_item + E_cate[c] W_cate}: the cache holds one key row and one value row
 * per item id <em>and</em> per category id, so it needs no item-to-category map and any (item,
 * category) pair of a history is served by two row reads and one add.
 *
 * <p>Immutable and thread-safe. Memory: {@code 2 (items + categories + 2) width} floats.
 */
public final class ItemProjectionCache {
  final Object owner;
  final float[] itemKeys;
  final float[] cateKeys;
  final float[] itemValues;
  final float[] cateValues;
  private final int items;
  private final int categories;
  private final int width;

  ItemProjectionCache(Object owner, float[] itemKeys, float[] cateKeys, float[] itemValues, float[] cateValues,
                      int items, int categories, int width) {
    this.owner = owner;
    this.itemKeys = itemKeys;
    this.cateKeys = cateKeys;
    this.itemValues = itemValues;
    this.cateValues = cateValues;
    this.items = items;
    this.categories = categories;
    this.width = width;
  }

  /**
   * Projects every item and category row of {@code emb} with the transposed projections
   * {@code keyT}, {@code valueT} ({@code [d_in x width]}, input rows first the item's {@code d_item},
   * then the category's {@code d_cate}, as {@code e} is laid out), each part with one GEMM.
   */
  static ItemProjectionCache build(Object owner, ItemCateEmbedding emb, float[] keyT, float[] valueT, int width) {
    int items = emb.itemVocabulary();
    int cates = emb.cateVocabulary();
    int dItem = emb.itemDim();
    int dCate = emb.cateDim();
    float[] itemKeys = new float[items * width];
    float[] cateKeys = new float[cates * width];
    float[] itemValues = new float[items * width];
    float[] cateValues = new float[cates * width];
    Dense.gemm(emb.itemTable(), 0, dItem, items, dItem, keyT, 0, width, width, null, 0, itemKeys, 0, width, false);
    Dense.gemm(emb.itemTable(), 0, dItem, items, dItem, valueT, 0, width, width, null, 0, itemValues, 0, width, false);
    Dense.gemm(emb.cateTable(), 0, dCate, cates, dCate, keyT, dItem * width, width, width, null, 0, cateKeys, 0, width,
        false);
    Dense.gemm(emb.cateTable(), 0, dCate, cates, dCate, valueT, dItem * width, width, width, null, 0, cateValues, 0,
        width, false);
    return new ItemProjectionCache(owner, itemKeys, cateKeys, itemValues, cateValues, items, cates, width);
  }

  /**
   * {@code keys[at ..] = K(item, cate)}, {@code values[at ..] = V(item, cate)}: two row reads and one
   * add each ({@code width} floats).
   */
  void project(int item, int cate, float[] keys, float[] values, int at) {
    System.arraycopy(itemKeys, item * width, keys, at, width);
    Dense.axpy(1f, cateKeys, cate * width, keys, at, width);
    System.arraycopy(itemValues, item * width, values, at, width);
    Dense.axpy(1f, cateValues, cate * width, values, at, width);
  }

  /** Item rows, padding row 0 included ({@code n_items + 1}). */
  public int itemRows() {
    return items;
  }

  /** Category rows, padding row 0 included ({@code n_cates + 1}). */
  public int categoryRows() {
    return categories;
  }

  /** Width of a cached key or value row (the attention width). */
  public int width() {
    return width;
  }

  /** Floats held by the cache. */
  public long floats() {
    return 2L * (items + categories) * width;
  }
}
