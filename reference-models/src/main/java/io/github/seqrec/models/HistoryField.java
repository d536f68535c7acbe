package io.github.seqrec.models;

/** The per-action fields a {@link UserHistory} can carry; each model states which it needs. */
public enum HistoryField {
  /** Item ids, {@code 1 .. vocabulary - 1} (0 is padding and never valid inside the history). */
  ITEM_IDS,
  /** Category ids of the items (SIM hard search, DIN/DIEN embeddings [item; category]). */
  CATEGORY_IDS,
  /** Action timestamps in seconds, non-decreasing; the request time comes with the history. */
  TIMESTAMPS,
  /** Action-type ids (click, like, share ...). */
  ACTION_TYPES,
  /** Per-action categorical user-item cross features: {@code crossDim} bucket ids per action (TWIN's K_c). */
  CROSS_BUCKETS,
  /** Per-action numeric user-item cross features: {@code crossDim} floats per action (TWIN-V2's K_c). */
  CROSS_NUMERIC,
  /** Number of raw behaviours behind each (virtual) action: TWIN-V2's cluster sizes. */
  CLUSTER_SIZES
}
