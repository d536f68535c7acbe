package io.github.seqrec.models;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * One user's behaviour sequence, oldest action first (index {@code length - 1} is the most recent),
 * as the parallel arrays a model reads. Arrays are referenced, not copied, so a serving loop can
 * refill the same arrays per request without allocating: do not change them while a model scores.
 *
 * <p>Only {@code length} entries of each array are read. Fields a model does not use may be null;
 * a model rejects a history that lacks a field it needs ({@link SequentialModel#requiredFields()}).
 * Histories longer than a model's maximum are cut to their most recent actions by the model.
 */
public final class UserHistory {
  private final int length;
  private final int[] itemIds;
  private final int[] categoryIds;
  private final long[] timestamps;
  private final int[] actionTypes;
  private final int[] crossBuckets;
  private final float[] crossNumeric;
  private final int crossDim;
  private final int[] clusterSizes;
  private final long requestTime;

  private UserHistory(Builder b) {
    this.length = b.length;
    this.itemIds = b.itemIds;
    this.categoryIds = b.categoryIds;
    this.timestamps = b.timestamps;
    this.actionTypes = b.actionTypes;
    this.crossBuckets = b.crossBuckets;
    this.crossNumeric = b.crossNumeric;
    this.crossDim = b.crossDim;
    this.clusterSizes = b.clusterSizes;
    this.requestTime = b.requestTime;
  }

  /** A history of {@code length} actions whose item ids are {@code itemIds[0 .. length)}. */
  public static Builder of(int[] itemIds, int length) {
    return new Builder(itemIds, length);
  }

  /** The empty history (a new user): every model defines its score for it. */
  public static UserHistory empty() {
    return new Builder(new int[0], 0).build();
  }

  public int length() { return length; }
  public int[] itemIds() { return itemIds; }
  public int[] categoryIds() { return categoryIds; }
  public long[] timestamps() { return timestamps; }
  public int[] actionTypes() { return actionTypes; }
  /** {@code length x crossDim} bucket ids, action-major, or null. */
  public int[] crossBuckets() { return crossBuckets; }
  /** {@code length x crossDim} floats, action-major, or null. */
  public float[] crossNumeric() { return crossNumeric; }
  /** Cross features per action (for whichever cross array is present). */
  public int crossDim() { return crossDim; }
  /** Raw behaviours behind each action (TWIN-V2 clusters), or null. */
  public int[] clusterSizes() { return clusterSizes; }
  /** The time of the request being scored, in the timestamps' unit (seconds). */
  public long requestTime() { return requestTime; }

  /** The fields this history carries. */
  public Set<HistoryField> fields() {
    EnumSet<HistoryField> fields = EnumSet.of(HistoryField.ITEM_IDS);
    if (categoryIds != null) fields.add(HistoryField.CATEGORY_IDS);
    if (timestamps != null) fields.add(HistoryField.TIMESTAMPS);
    if (actionTypes != null) fields.add(HistoryField.ACTION_TYPES);
    if (crossBuckets != null) fields.add(HistoryField.CROSS_BUCKETS);
    if (crossNumeric != null) fields.add(HistoryField.CROSS_NUMERIC);
    if (clusterSizes != null) fields.add(HistoryField.CLUSTER_SIZES);
    return fields;
  }

  @Override
  public String toString() {
    return "UserHistory[length=" + length + ", fields=" + fields() + ", items="
        + Arrays.toString(Arrays.copyOf(itemIds, Math.min(length, 8))) + (length > 8 ? "..." : "") + "]";
  }

  /** Builds a history; {@link #build()} checks that every array holds at least {@code length} entries. */
  public static final class Builder {
    private final int[] itemIds;
    private final int length;
    private int[] categoryIds;
    private long[] timestamps;
    private int[] actionTypes;
    private int[] crossBuckets;
    private float[] crossNumeric;
    private int crossDim;
    private int[] clusterSizes;
    private long requestTime;

    private Builder(int[] itemIds, int length) {
      if (itemIds == null) {
        throw new IllegalArgumentException("itemIds must not be null");
      }
      if (length < 0 || length > itemIds.length) {
        throw new IllegalArgumentException(
            "length must be in [0, itemIds.length = " + itemIds.length + "], got " + length);
      }
      this.itemIds = itemIds;
      this.length = length;
    }

    public Builder categoryIds(int[] categoryIds) { this.categoryIds = categoryIds; return this; }
    public Builder timestamps(long[] timestamps) { this.timestamps = timestamps; return this; }
    public Builder actionTypes(int[] actionTypes) { this.actionTypes = actionTypes; return this; }

    /** {@code crossDim} categorical cross features per action, action-major ({@code length x crossDim}). */
    public Builder crossBuckets(int[] crossBuckets, int crossDim) {
      this.crossBuckets = crossBuckets;
      this.crossDim = crossDim;
      return this;
    }

    /** {@code crossDim} numeric cross features per action, action-major ({@code length x crossDim}). */
    public Builder crossNumeric(float[] crossNumeric, int crossDim) {
      this.crossNumeric = crossNumeric;
      this.crossDim = crossDim;
      return this;
    }

    public Builder clusterSizes(int[] clusterSizes) { this.clusterSizes = clusterSizes; return this; }

    public Builder requestTime(long requestTime) { this.requestTime = requestTime; return this; }

    public UserHistory build() {
      need("categoryIds", categoryIds == null ? -1 : categoryIds.length, length);
      need("timestamps", timestamps == null ? -1 : timestamps.length, length);
      need("actionTypes", actionTypes == null ? -1 : actionTypes.length, length);
      need("clusterSizes", clusterSizes == null ? -1 : clusterSizes.length, length);
      if (crossBuckets != null && crossNumeric != null) {
        throw new IllegalArgumentException("give either crossBuckets or crossNumeric, not both");
      }
      if (crossBuckets != null || crossNumeric != null) {
        if (crossDim <= 0) {
          throw new IllegalArgumentException("crossDim must be > 0, got " + crossDim);
        }
        need(crossBuckets != null ? "crossBuckets" : "crossNumeric",
            crossBuckets != null ? crossBuckets.length : crossNumeric.length, (long) length * crossDim);
      }
      return new UserHistory(this);
    }

    private void need(String name, int have, long needed) {
      if (have >= 0 && have < needed) {
        throw new IllegalArgumentException(name + " must hold at least " + needed + " entries for length "
            + length + ", got " + have);
      }
    }
  }
}
