package io.github.seqrec.cuda.internal;

import io.github.seqrec.cuda.CudaDevice;
import java.util.List;

/**
 * The few CUDA driver operations seqrec uses, behind an interface so that the production
 * implementation ({@link JCudaBackend}, JCuda's driver API) and the test suite's host emulator
 * run the same kernel-calling code. Every method either succeeds or throws
 * {@link io.github.seqrec.cuda.CudaException} naming the driver call that failed. Callers hold
 * the owning context's lock, so implementations need not be thread-safe.
 */
public interface Driver {

  /** A device allocation. */
  interface Memory {
    /** Size in bytes. */
    long bytes();
  }

  /** A loaded kernel entry point. */
  interface Function {
    String name();
  }

  /** A timing event on the context's stream. */
  interface Event {}

  /** One kernel parameter. */
  sealed interface Arg {
    /** A device pointer: {@code memory + byteOffset}, or NULL when memory is null. */
    record Ptr(Memory memory, long byteOffset) implements Arg {}

    record I32(int value) implements Arg {}

    record I64(long value) implements Arg {}

    record F32(float value) implements Arg {}
  }

  /** What the device is (read once when the context opens). */
  CudaDevice device();

  /** Loads a PTX image (NUL-terminated) as a module and returns its entry points by name. */
  List<Function> loadModule(String moduleName, byte[] ptxWithNul, List<String> entries);

  Memory alloc(long bytes);

  void free(Memory memory);

  /** Copies {@code bytes} from a host array ({@code float[]}, {@code int[]} or {@code long[]}). */
  void copyToDevice(Memory dst, long dstByte, Object hostArray, long hostByte, long bytes);

  /** Copies {@code bytes} into a host array ({@code float[]}, {@code int[]} or {@code long[]}). */
  void copyToHost(Object hostArray, long hostByte, Memory src, long srcByte, long bytes);

  void copyDeviceToDevice(Memory dst, long dstByte, Memory src, long srcByte, long bytes);

  /** Sets {@code count} 32-bit words starting at {@code dst + dstByte} to {@code value}. */
  void fill32(Memory dst, long dstByte, int value, long count);

  /** Launches asynchronously on the context's stream; launch-configuration errors throw here. */
  void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
              int sharedBytes, List<Arg> args);

  /** Waits for the stream; an execution error of earlier work throws, naming {@code after}. */
  void synchronize(String after);

  Event createEvent();

  void record(Event event);

  /** Milliseconds between two recorded events (waits for {@code end}). */
  float elapsedMillis(Event start, Event end);

  void destroy(Event event);

  /** Makes this driver's context current on the calling thread. */
  void makeCurrent();

  /** Unloads modules, destroys the stream and releases the context. */
  void close();
}
