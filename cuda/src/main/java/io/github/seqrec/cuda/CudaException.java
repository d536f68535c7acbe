package io.github.seqrec.cuda;

/**
 * A CUDA driver call failed: the message names the call (and, for launches and the
 * synchronisation after them, the kernel), the driver's result code and its name, e.g.
 * {@code "cuStreamSynchronize after seqrec_gemm failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)"}.
 * After an execution error (an illegal address, a launch failure) the CUDA context is unusable
 * and the {@link CudaContext} should be closed.
 */
public final class CudaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String call;
  private final int result;

  public CudaException(String call, int result, String resultName) {
    super(call + " failed: " + resultName + " (" + result + ")");
    this.call = call;
    this.result = result;
  }

  /** The driver call (with its kernel or module) that failed. */
  public String call() {
    return call;
  }

  /** The driver's {@code CUresult} code. */
  public int result() {
    return result;
  }
}
