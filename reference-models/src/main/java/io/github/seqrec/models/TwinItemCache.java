package io.github.seqrec.models;

/**
 * TWIN's per-item inherent projection cache (Chang et al., KDD 2023, §3.3 "serving": the inherent
 * features of a video are the same for every user, so {@code K_h W^k} and {@code K_h W^v} are computed
 * once per item and looked up per request), shared by all users and threads.
 *
 * <p>Built once from the weights by {@link Twin#itemCache()} or {@link TwinV2#itemCache()} for the whole
 * catalogue. Because {@code K_h = [E_item[i]; E_cate[c]]} and the projections are linear,
 * {@code K_h W = E_item[i] W_item + E_cate[c] W_cate}: the cache holds one key row and one value row
 * ({@code H d_k = d_item + d_cate} floats each) per item id <em>and</em> per category id, so it needs no
 * item-to-category map and any (item, category) pair of a history is served by two row reads and one
 * add. The rows are the ones the uncached path computes with the same GEMM, so both paths give
 * bit-identical logits.
 *
 * <p>Immutable and thread-safe. Memory: {@code 2 (items + categories + 2) (d_item + d_cate)} floats.
 */
public final class TwinItemCache {
  final Object owner;
  final float[] itemKeys;
  final float[] cateKeys;
  final float[] itemValues;
  final float[] cateValues;
  private final int items;
  private final int categories;
  private final int width;

  TwinItemCache(Object owner, float[] itemKeys, float[] cateKeys, float[] itemValues, float[] cateValues,
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

  /** Item rows, padding row 0 included ({@code n_items + 1}). */
  public int itemRows() {
    return items;
  }

  /** Category rows, padding row 0 included ({@code n_cates + 1}). */
  public int categoryRows() {
    return categories;
  }

  /** Width of a cached key or value row: {@code heads d_k}. */
  public int width() {
    return width;
  }

  /** Floats held by the cache. */
  public long floats() {
    return 2L * (items + categories) * width;
  }
}
