package io.github.seqrec.models;

/**
 * The candidate items to score for one request: {@code count} item ids and, for models that use
 * them, their category ids. Arrays are referenced, not copied (see {@link UserHistory}).
 */
public record Candidates(int count, int[] itemIds, int[] categoryIds) {
  public Candidates {
    if (itemIds == null) {
      throw new IllegalArgumentException("itemIds must not be null");
    }
    if (count < 0 || count > itemIds.length) {
      throw new IllegalArgumentException("count must be in [0, itemIds.length = " + itemIds.length + "], got " + count);
    }
    if (categoryIds != null && categoryIds.length < count) {
      throw new IllegalArgumentException("categoryIds must hold at least count = " + count + " entries, got "
          + categoryIds.length);
    }
  }

  public static Candidates of(int[] itemIds) {
    return new Candidates(itemIds.length, itemIds, null);
  }

  public static Candidates of(int[] itemIds, int[] categoryIds) {
    return new Candidates(itemIds.length, itemIds, categoryIds);
  }
}
