package io.github.seqrec.models;

/**
 * The per-action fields a {@link UserHistory} can carry; each model states which it needs. This
 * enum is the one place that knows a field: its Java array type, its tensor in a batch file
 * ({@code hist_<suffix>}, or {@code raw_<suffix>} for TWIN-V2's raw input) and whether it holds one
 * value or a row of {@code crossDim} values per action. {@link UserHistory}, {@link ModelBatch} and
 * {@link HistoryChecks} read these declarations, so adding a field is one constant here (plus a
 * typed accessor on {@link UserHistory} if models read it).
 */
public enum HistoryField {
  /** Item ids, {@code 1 .. vocabulary - 1} (0 is padding and never valid inside the history). */
  ITEM_IDS("itemIds", "items", ValueType.INT, false),
  /** Category ids of the items (SIM hard search, DIN/DIEN embeddings [item; category]). */
  CATEGORY_IDS("categoryIds", "cates", ValueType.INT, false),
  /** Action timestamps in seconds, non-decreasing; the request time comes with the history. */
  TIMESTAMPS("timestamps", "times", ValueType.LONG, false),
  /** Action-type ids (click, add-to-cart, purchase ...). */
  ACTION_TYPES("actionTypes", "actions", ValueType.INT, false),
  /** Per-action categorical user-item cross features: {@code crossDim} bucket ids per action (TWIN's K_c). */
  CROSS_BUCKETS("crossBuckets", "cross", ValueType.INT, true),
  /** Per-action numeric user-item cross features: {@code crossDim} floats per action (TWIN-V2's K_c). */
  CROSS_NUMERIC("crossNumeric", "num", ValueType.FLOAT, true),
  /** Number of raw behaviours behind each (virtual) action: TWIN-V2's cluster sizes. */
  CLUSTER_SIZES("clusterSizes", "sizes", ValueType.INT, false);

  /** The Java array a field is held in. */
  public enum ValueType {
    /** {@code int[]}; batch tensors I64 or I32. */
    INT,
    /** {@code long[]}; batch tensors I64 or I32. */
    LONG,
    /** {@code float[]}; batch tensors F32. */
    FLOAT
  }

  private final String javaName;
  private final String suffix;
  private final ValueType valueType;
  private final boolean perActionRow;

  HistoryField(String javaName, String suffix, ValueType valueType, boolean perActionRow) {
    this.javaName = javaName;
    this.suffix = suffix;
    this.valueType = valueType;
    this.perActionRow = perActionRow;
  }

  /** The name error messages use ({@code itemIds}, {@code categoryIds}, ...). */
  public String javaName() {
    return javaName;
  }

  /** The batch tensor name: {@code hist_items}, {@code hist_cates}, ... */
  public String tensorName() {
    return tensorName("hist_");
  }

  /** The batch tensor name under {@code prefix} ({@code hist_} or {@code raw_}). */
  public String tensorName(String prefix) {
    return prefix + suffix;
  }

  public ValueType valueType() {
    return valueType;
  }

  /** Whether each action holds {@code crossDim} values (a {@code [B, L, J]} tensor) instead of one ({@code [B, L]}). */
  public boolean perActionRow() {
    return perActionRow;
  }

  /** The Java array class of this field. */
  Class<?> arrayClass() {
    return switch (valueType) {
      case INT -> int[].class;
      case LONG -> long[].class;
      case FLOAT -> float[].class;
    };
  }
}
