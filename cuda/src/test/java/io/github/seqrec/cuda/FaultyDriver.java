package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link Driver} that forwards to another one, except that launches of one kernel fail with a
 * given CUDA result code (700, CUDA_ERROR_ILLEGAL_ADDRESS, is sticky on a real GPU) or block until
 * {@link #release} (a kernel that never finishes): the tests of the device check's and the
 * context's handling of broken and hung launches.
 */
final class FaultyDriver implements Driver {
  private final Driver inner;
  private final String kernel;
  private final int result;
  private final CountDownLatch release;

  private FaultyDriver(Driver inner, String kernel, int result, CountDownLatch release) {
    this.inner = inner;
    this.kernel = kernel;
    this.result = result;
    this.release = release;
  }

  /** Launches of {@code kernel} fail with {@code result}. */
  static FaultyDriver failing(Driver inner, String kernel, int result) {
    return new FaultyDriver(inner, kernel, result, null);
  }

  /** Launches of {@code kernel} block until {@code release} counts down. */
  static FaultyDriver hanging(Driver inner, String kernel, CountDownLatch release) {
    return new FaultyDriver(inner, kernel, 0, release);
  }

  @Override
  public CudaDevice device() {
    return inner.device();
  }

  @Override
  public List<Function> loadModule(String moduleName, byte[] ptxWithNul, List<String> entries) {
    return inner.loadModule(moduleName, ptxWithNul, entries);
  }

  @Override
  public Memory alloc(long bytes) {
    return inner.alloc(bytes);
  }

  @Override
  public void free(Memory memory) {
    inner.free(memory);
  }

  @Override
  public void copyToDevice(Memory dst, long dstByte, Object hostArray, long hostByte, long bytes) {
    inner.copyToDevice(dst, dstByte, hostArray, hostByte, bytes);
  }

  @Override
  public void copyToHost(Object hostArray, long hostByte, Memory src, long srcByte, long bytes) {
    inner.copyToHost(hostArray, hostByte, src, srcByte, bytes);
  }

  @Override
  public void copyDeviceToDevice(Memory dst, long dstByte, Memory src, long srcByte, long bytes) {
    inner.copyDeviceToDevice(dst, dstByte, src, srcByte, bytes);
  }

  @Override
  public void fill32(Memory dst, long dstByte, int value, long count) {
    inner.fill32(dst, dstByte, value, count);
  }

  @Override
  public void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                     int sharedBytes, List<Arg> args) {
    if (function.name().equals(kernel)) {
      if (release != null) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new CudaException("cuLaunchKernel(" + kernel + ") after the test released it", 702,
            "CUDA_ERROR_LAUNCH_TIMEOUT");
      }
      throw new CudaException("cuStreamSynchronize after " + kernel, result, "CUDA_ERROR_" + result);
    }
    inner.launch(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, args);
  }

  @Override
  public void synchronize(String after) {
    inner.synchronize(after);
  }

  @Override
  public Event createEvent() {
    return inner.createEvent();
  }

  @Override
  public void record(Event event) {
    inner.record(event);
  }

  @Override
  public float elapsedMillis(Event start, Event end) {
    return inner.elapsedMillis(start, end);
  }

  @Override
  public void destroy(Event event) {
    inner.destroy(event);
  }

  @Override
  public void makeCurrent() {
    inner.makeCurrent();
  }

  @Override
  public void close() {
    inner.close();
  }
}
