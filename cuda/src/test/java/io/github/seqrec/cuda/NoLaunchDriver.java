package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Driver} whose memory is bookkeeping only and which fails the test on any launch or
 * copy: argument-validation tests run against it on every machine and prove that a bad argument is
 * rejected before anything reaches the driver.
 */
final class NoLaunchDriver implements Driver {
  private record Mem(long bytes) implements Memory {}

  private record Fn(String name) implements Function {}

  private record Ev() implements Event {}

  private final int major;
  private final int minor;
  private final int driverVersion;

  NoLaunchDriver(int major, int minor) {
    this(major, minor, 13000);
  }

  NoLaunchDriver(int major, int minor, int driverVersion) {
    this.major = major;
    this.minor = minor;
    this.driverVersion = driverVersion;
  }

  static CudaContext context() {
    try {
      return CudaContext.open(new NoLaunchDriver(9, 0));
    } catch (CudaUnavailableException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public CudaDevice device() {
    return new CudaDevice("no-launch test driver", 0, major, minor, 132, 1L << 40, driverVersion);
  }

  @Override
  public List<Function> loadModule(String moduleName, byte[] ptxWithNul, List<String> entries) {
    List<Function> out = new ArrayList<>();
    entries.forEach(e -> out.add(new Fn(e)));
    return out;
  }

  @Override
  public Memory alloc(long bytes) {
    return new Mem(bytes);
  }

  @Override
  public void free(Memory memory) {}

  private static AssertionError reached(String what) {
    return new AssertionError(what + " reached the driver: validation should have rejected the call first");
  }

  @Override
  public void copyToDevice(Memory dst, long dstByte, Object hostArray, long hostByte, long bytes) {}

  @Override
  public void copyToHost(Object hostArray, long hostByte, Memory src, long srcByte, long bytes) {
    throw reached("a device-to-host copy");
  }

  @Override
  public void copyDeviceToDevice(Memory dst, long dstByte, Memory src, long srcByte, long bytes) {
    throw reached("a device copy");
  }

  @Override
  public void fill32(Memory dst, long dstByte, int value, long count) {}

  @Override
  public void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                     int sharedBytes, List<Arg> args) {
    throw reached("launch of " + function.name());
  }

  @Override
  public void synchronize(String after) {}

  @Override
  public Event createEvent() {
    return new Ev();
  }

  @Override
  public void record(Event event) {}

  @Override
  public float elapsedMillis(Event start, Event end) {
    return 0;
  }

  @Override
  public void destroy(Event event) {}

  @Override
  public void makeCurrent() {}

  @Override
  public void close() {}
}
