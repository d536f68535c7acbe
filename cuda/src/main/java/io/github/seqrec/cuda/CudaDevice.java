package io.github.seqrec.cuda;

/**
 * Facts about the opened GPU: name, ordinal, compute capability, multiprocessor count, global
 * memory in bytes, and the driver's CUDA version ({@code 13000} = 13.0).
 */
public record CudaDevice(String name, int ordinal, int major, int minor, int multiprocessors, long totalMemory,
                         int driverVersion) {

  /** Compute capability as {@code major * 10 + minor} (90 for Hopper). */
  public int computeCapability() {
    return major * 10 + minor;
  }

  /** Driver version as {@code "13.0"}. */
  public String driverVersionString() {
    return driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
  }

  @Override
  public String toString() {
    return name + " (device " + ordinal + ", compute capability " + major + "." + minor + ", " + multiprocessors
        + " SMs, " + (totalMemory >> 20) + " MiB, driver CUDA " + driverVersionString() + ")";
  }
}
