package io.github.seqrec.spark;

/** What {@link SeqrecScorer#transform} does with a row the model cannot score. */
public enum BadRowMode {
  /**
   * The task fails with a {@link BadRowException} that names the row's key, the column and the
   * model's message; Spark fails the job (after its task retries, which fail the same way).
   */
  FAIL_FAST,
  /**
   * The row is kept with null logits (and null probabilities and top-k) and the message in an
   * {@code error} column; each such row adds one to the mode's accumulator.
   */
  ERROR_COLUMN
}
