package io.github.seqrec.models.torch;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that {@link TorchCheckpoint} cannot read: not a {@code torch.save} zip archive, a missing
 * or oversized entry, a pickle stream that is truncated, malformed or uses an opcode outside the
 * data-only subset, or a tensor whose storage does not hold it. The message names the file, and
 * for pickle faults the offset in {@code data.pkl}, what was expected and what came.
 */
public final class TorchCheckpointFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public TorchCheckpointFormatException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public TorchCheckpointFormatException(Path file, String problem, Throwable cause) {
    this(file, problem);
    initCause(cause);
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }
}
