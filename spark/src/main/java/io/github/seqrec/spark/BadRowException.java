package io.github.seqrec.spark;

/**
 * A row that cannot be scored: mis-shaped (arrays of different lengths, a null where a value is
 * needed) or rejected by the model (an id outside the vocabulary, a non-finite feature). The message
 * names the row key, the column and the reason; {@link #key()} and {@link #column()} give them apart.
 */
public final class BadRowException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String column;

  BadRowException(String model, String keyDescription, String key, String column, String reason, Throwable cause) {
    super("seqrec " + model + ": row " + keyDescription + ", column '" + column + "': " + reason, cause);
    this.key = key;
    this.column = column;
  }

  /** The row's key value as text ({@code "null"} for a null key; a position when no key column is set). */
  public String key() {
    return key;
  }

  /** The input column at fault (or the column the model's message points to). */
  public String column() {
    return column;
  }
}
