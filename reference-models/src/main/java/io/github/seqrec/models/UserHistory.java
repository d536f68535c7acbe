package io.github.seqrec.models;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * One user's behaviour sequence, oldest action first (index {@code length - 1} is the most recent),
 * as the parallel arrays a model reads, one per {@link HistoryField}. Arrays are referenced, not
 * copied, so a serving loop can refill the same arrays per request without allocating: do not
 * change them while a model scores.
 *
 * <p>Only {@code length} entries of each array are read ({@code length x crossDim} for the cross
 * features). Fields a model does not use may be absent; a model rejects a history that lacks a
 * field it needs ({@link SequentialModel#requiredFields()}). Histories longer than a model's maximum
 * are cut to their most recent actions by the model.
 */
public final class UserHistory {
  private static final HistoryField[] FIELDS = HistoryField.values();

  private final int length;
  private final Object[] values;
  private final int crossDim;
  private final long requestTime;
  private final int userId;

  private UserHistory(Builder b) {
    this.length = b.length;
    this.values = b.values.clone();
    this.crossDim = b.crossDim;
    this.requestTime = b.requestTime;
    this.userId = b.userId;
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
  public int[] itemIds() { return (int[]) values[0]; }
  public int[] categoryIds() { return (int[]) values[HistoryField.CATEGORY_IDS.ordinal()]; }
  public long[] timestamps() { return (long[]) values[HistoryField.TIMESTAMPS.ordinal()]; }
  public int[] actionTypes() { return (int[]) values[HistoryField.ACTION_TYPES.ordinal()]; }
  /** {@code length x crossDim} bucket ids, action-major, or null. */
  public int[] crossBuckets() { return (int[]) values[HistoryField.CROSS_BUCKETS.ordinal()]; }
  /** {@code length x crossDim} floats, action-major, or null. */
  public float[] crossNumeric() { return (float[]) values[HistoryField.CROSS_NUMERIC.ordinal()]; }
  /** Cross features per action (for whichever cross array is present). */
  public int crossDim() { return crossDim; }
  /** Raw behaviours behind each action (TWIN-V2 clusters), or null. */
  public int[] clusterSizes() { return (int[]) values[HistoryField.CLUSTER_SIZES.ordinal()]; }
  /** The time of the request being scored, in the timestamps' unit (seconds). */
  public long requestTime() { return requestTime; }
  /**
   * The user's id for models with per-user parameters (FPMC, RRN, Caser), or {@link #NO_USER_ID}.
   * Id 0 is the unknown (new) user: such models use only its sequence part. A model that needs an
   * id rejects a history without one rather than guessing.
   */
  public int userId() { return userId; }
  /** Whether a user id was given. */
  public boolean hasUserId() { return userId != NO_USER_ID; }

  /** {@link #userId()} of a history built without one. */
  public static final int NO_USER_ID = -1;

  /** The array of {@code field} ({@code int[]}, {@code long[]} or {@code float[]}, see {@link HistoryField#valueType()}), or null. */
  public Object values(HistoryField field) {
    return values[field.ordinal()];
  }

  /** Values per action of {@code field}: {@link #crossDim()} for the cross features, else 1. */
  public int width(HistoryField field) {
    return field.perActionRow() ? crossDim : 1;
  }

  /** Whether this history carries {@code field} (allocation-free, for per-request checks). */
  public boolean has(HistoryField field) {
    return values[field.ordinal()] != null;
  }

  /** The fields this history carries. */
  public Set<HistoryField> fields() {
    EnumSet<HistoryField> fields = EnumSet.noneOf(HistoryField.class);
    for (HistoryField field : FIELDS) {
      if (has(field)) {
        fields.add(field);
      }
    }
    return fields;
  }

  @Override
  public String toString() {
    return "UserHistory[length=" + length + ", fields=" + fields() + ", items="
        + Arrays.toString(Arrays.copyOf(itemIds(), Math.min(length, 8))) + (length > 8 ? "..." : "") + "]";
  }

  /** Builds a history; {@link #build()} checks that every array holds at least {@code length} entries. */
  public static final class Builder {
    private final int length;
    private final Object[] values = new Object[FIELDS.length];
    private int crossDim;
    private long requestTime;
    private int userId = NO_USER_ID;

    private Builder(int[] itemIds, int length) {
      if (itemIds == null) {
        throw new IllegalArgumentException("itemIds must not be null");
      }
      if (length < 0 || length > itemIds.length) {
        throw new IllegalArgumentException(
            "length must be in [0, itemIds.length = " + itemIds.length + "], got " + length);
      }
      values[0] = itemIds;
      this.length = length;
    }

    /**
     * Sets {@code field} to {@code array} (of the field's {@link HistoryField#valueType()}; null
     * removes it). A per-action-row field also needs {@link #crossDim}.
     */
    public Builder field(HistoryField field, Object array) {
      if (field == HistoryField.ITEM_IDS && array == null) {
        throw new IllegalArgumentException("itemIds must not be null");
      }
      if (array != null && array.getClass() != field.arrayClass()) {
        throw new IllegalArgumentException(field.javaName() + " must be a " + field.arrayClass().getSimpleName() + ", got "
            + array.getClass().getSimpleName());
      }
      values[field.ordinal()] = array;
      return this;
    }

    public Builder categoryIds(int[] categoryIds) { return field(HistoryField.CATEGORY_IDS, categoryIds); }
    public Builder timestamps(long[] timestamps) { return field(HistoryField.TIMESTAMPS, timestamps); }
    public Builder actionTypes(int[] actionTypes) { return field(HistoryField.ACTION_TYPES, actionTypes); }

    /** {@code crossDim} categorical cross features per action, action-major ({@code length x crossDim}). */
    public Builder crossBuckets(int[] crossBuckets, int crossDim) {
      this.crossDim = crossDim;
      return field(HistoryField.CROSS_BUCKETS, crossBuckets);
    }

    /** {@code crossDim} numeric cross features per action, action-major ({@code length x crossDim}). */
    public Builder crossNumeric(float[] crossNumeric, int crossDim) {
      this.crossDim = crossDim;
      return field(HistoryField.CROSS_NUMERIC, crossNumeric);
    }

    /** Values per action of the per-action-row fields (the cross features). */
    public Builder crossDim(int crossDim) { this.crossDim = crossDim; return this; }

    public Builder clusterSizes(int[] clusterSizes) { return field(HistoryField.CLUSTER_SIZES, clusterSizes); }

    public Builder requestTime(long requestTime) { this.requestTime = requestTime; return this; }

    /** The user's id ({@code >= 0}; 0 is the unknown user); models check the upper bound. */
    public Builder userId(int userId) {
      if (userId < 0) {
        throw new IllegalArgumentException("userId must be >= 0 (0 is the unknown user), got " + userId);
      }
      this.userId = userId;
      return this;
    }

    public UserHistory build() {
      if (values[HistoryField.CROSS_BUCKETS.ordinal()] != null && values[HistoryField.CROSS_NUMERIC.ordinal()] != null) {
        throw new IllegalArgumentException("give either crossBuckets or crossNumeric, not both");
      }
      for (HistoryField field : FIELDS) {
        Object array = values[field.ordinal()];
        if (array == null) {
          continue;
        }
        long needed = length;
        if (field.perActionRow()) {
          if (crossDim <= 0) {
            throw new IllegalArgumentException("crossDim must be > 0, got " + crossDim);
          }
          needed = (long) length * crossDim;
        }
        int have = Array.getLength(array);
        if (have < needed) {
          throw new IllegalArgumentException(field.javaName() + " must hold at least " + needed + " entries for length "
              + length + ", got " + have);
        }
      }
      return new UserHistory(this);
    }
  }
}
