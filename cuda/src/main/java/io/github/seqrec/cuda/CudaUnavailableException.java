package io.github.seqrec.cuda;

/**
 * Why {@link CudaContext#open} found no usable GPU. This is an expected condition (CI machines,
 * laptops), so it is a checked exception with a {@link #reason() typed reason}; the message
 * says what was found and what would fix it.
 */
public final class CudaUnavailableException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The kinds of "no GPU here". */
  public enum Reason {
    /** JCuda's classes or its native library for this OS/architecture are not on the class path. */
    NO_JCUDA,
    /** No CUDA driver: {@code libcuda.so.1} could not be loaded. */
    NO_DRIVER,
    /** The driver is older than CUDA 13.0 and cannot load the PTX nvcc 13 produced (PTX ISA 9.0). */
    DRIVER_TOO_OLD,
    /** The driver loaded but reports no device (or not the requested ordinal). */
    NO_DEVICE,
    /** The device's compute capability is below 7.5, the oldest target the PTX is built for. */
    DEVICE_TOO_OLD,
    /** {@code cuInit} or context creation failed for another reason. */
    INIT_FAILED,
    /** The driver refused a shipped PTX module. */
    PTX_REJECTED
  }

  private final Reason reason;

  public CudaUnavailableException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public CudaUnavailableException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }

  @Override
  public String toString() {
    return reason + ": " + getMessage();
  }
}
