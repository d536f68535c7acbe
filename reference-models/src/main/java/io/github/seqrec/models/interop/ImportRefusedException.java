package io.github.seqrec.models.interop;

/**
 * The checkpoint is readable but its model uses something seqrec cannot yet reproduce exactly (a
 * peer setting, a layer, an activation); the message names the peer setting and, where there is
 * one, the seqrec option that comes closest. Importing anyway would serve silently different
 * scores, so nothing is written.
 */
public final class ImportRefusedException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ImportRefusedException(String message) {
    super(message);
  }
}
