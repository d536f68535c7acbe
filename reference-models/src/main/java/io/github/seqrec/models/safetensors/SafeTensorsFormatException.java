package io.github.seqrec.models.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not valid safetensors: the message names the file, the tensor when one is at
 * fault, and what is wrong (header length, JSON syntax, dtype, shape versus byte size, offsets).
 */
public final class SafeTensorsFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;

  public SafeTensorsFormatException(Path file, String tensor, String problem) {
    super(file + ": " + (tensor == null ? "" : "tensor '" + tensor + "': ") + problem);
    this.file = file;
    this.tensor = tensor;
  }

  public SafeTensorsFormatException(Path file, String tensor, String problem, Throwable cause) {
    this(file, tensor, problem);
    initCause(cause);
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** The tensor at fault, or null when the problem is not one tensor's. */
  public String tensor() {
    return tensor;
  }
}
