package io.github.seqrec.cuda;

import io.github.seqrec.cuda.CudaUnavailableException.Reason;
import io.github.seqrec.cuda.internal.Driver;
import io.github.seqrec.cuda.internal.JCudaBackend;
import io.github.seqrec.cuda.internal.Ptx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One GPU opened for seqrec: the device's primary CUDA context, a stream, and the seqrec kernel
 * modules (PTX shipped in the jar, loaded with {@code cuModuleLoadData}). Open it once and share
 * it; every kernel call ({@link CudaDense}, {@link CudaAttention}, {@link CudaRecurrent},
 * {@link CudaConvolution}, {@link CudaHashing}, {@link CudaTopK}) takes device buffers allocated
 * here.
 *
 * <pre>{@code
 * try (CudaContext cuda = CudaContext.open();
 *      DeviceFloats x = cuda.upload(hostX); DeviceFloats y = cuda.allocFloats(n)) {
 *   CudaDense.gemm(x, 0, in, rows, in, w, 0, out, out, null, 0, y, 0, out, false);
 *   float[] result = y.toArray();
 * } catch (CudaUnavailableException e) {
 *   // no GPU here: e.reason() says why; use the CPU facades
 * }
 * }</pre>
 *
 * <p><b>Calls are synchronous.</b> Each kernel call validates its arguments (an
 * {@link IllegalArgumentException} naming the argument, before anything reaches the driver),
 * launches, waits for the GPU and checks the result, so a failure surfaces as a
 * {@link CudaException} naming the kernel, and outputs are ready when the call returns. A call
 * copies nothing between host and device beyond what its documentation says (buffers you
 * upload and download yourself); kernels needing temporary device memory use a workspace owned
 * by this context that grows on demand (free it with {@link #trimWorkspace()}).
 *
 * <p><b>Threads.</b> The context is thread-safe: calls from several threads are serialised (one
 * stream), and it makes itself current on the calling thread. {@link #close()} frees every buffer
 * still open and releases the device.
 */
public final class CudaContext implements AutoCloseable {
  /** The driver as opened; every call but the releases in {@link #close()} goes through {@link #driver}. */
  private final Driver raw;
  private final Driver driver;
  private final CudaDevice device;
  private final Ptx.Target target;
  private final Map<String, Kernel> kernels = new HashMap<>();
  private final Set<DeviceBuffer> live = Collections.newSetFromMap(new IdentityHashMap<>());
  private Driver.Memory workspace;
  private boolean closed;
  private boolean deferSync;
  /** The first sticky execution error (the CUDA context is unusable after it), or null. */
  private CudaException sticky;

  /** A loaded entry point and its PTX parameter list. */
  record Kernel(String name, Driver.Function function, List<Ptx.ParamKind> params) {}

  /**
   * System property choosing the PTX build: {@code auto} (default: the newest target the device
   * runs), {@code sm_90} or {@code compute_75} (e.g. to exercise the portable build on a Hopper).
   */
  public static final String PTX_PROPERTY = "seqrec.cuda.ptx";

  private CudaContext(Driver driver, Ptx.Target target) {
    this.raw = driver;
    this.driver = new StickyGuard();
    this.device = driver.device();
    this.target = target;
    for (Map.Entry<String, List<String>> module : Ptx.MODULES.entrySet()) {
      byte[] ptx = Ptx.load(module.getKey(), target);
      Map<String, List<Ptx.ParamKind>> signatures = Ptx.entries(ptx);
      for (String entry : module.getValue()) {
        if (!signatures.containsKey(entry)) {
          throw new IllegalStateException(Ptx.resourceName(module.getKey(), target) + " has no entry " + entry);
        }
      }
      List<Driver.Function> functions = raw.loadModule(module.getKey() + "." + target.fileTag() + ".ptx",
          Ptx.withNul(ptx), module.getValue());
      for (Driver.Function f : functions) {
        kernels.put(f.name(), new Kernel(f.name(), f, signatures.get(f.name())));
      }
    }
  }

  /** Opens GPU 0. */
  public static CudaContext open() throws CudaUnavailableException {
    return open(0);
  }

  /**
   * Opens GPU {@code ordinal} through JCuda's driver API and loads the seqrec kernels.
   *
   * @throws CudaUnavailableException with a {@link CudaUnavailableException#reason() reason} when
   *     JCuda, the driver or a suitable device is missing, or the driver rejects the PTX
   */
  public static CudaContext open(int ordinal) throws CudaUnavailableException {
    if (ordinal < 0) {
      throw new IllegalArgumentException("ordinal must be >= 0, got " + ordinal);
    }
    JCudaBackend backend = JCudaBackend.open(ordinal);
    return open(backend);
  }

  /** Loads the kernels on an already opened driver (the JCuda backend, or the tests' emulator). */
  static CudaContext open(Driver driver) throws CudaUnavailableException {
    return open(driver, System.getProperty(PTX_PROPERTY, "auto"));
  }

  /**
   * Opens GPU {@code ordinal} with the PTX build {@code ptxTarget} ({@code auto}, {@code sm_90} or
   * {@code compute_75}) whatever {@value #PTX_PROPERTY} says: the device check runs both builds
   * in one JVM.
   */
  static CudaContext open(int ordinal, String ptxTarget) throws CudaUnavailableException {
    return open(JCudaBackend.open(ordinal), ptxTarget);
  }

  static CudaContext open(Driver driver, String ptxTarget) throws CudaUnavailableException {
    Ptx.Target target;
    try {
      target = chooseTarget(driver.device(), ptxTarget);
    } catch (CudaUnavailableException | RuntimeException e) {
      driver.close();
      throw e;
    }
    try {
      return new CudaContext(driver, target);
    } catch (CudaException e) {
      try {
        driver.close();
      } catch (CudaException suppressed) {
        e.addSuppressed(suppressed);
      }
      CudaDevice d = driver.device();
      throw new CudaUnavailableException(Reason.PTX_REJECTED, "the driver (CUDA " + d.driverVersionString()
          + ") rejected seqrec's PTX " + target.fileTag() + " (ISA " + Ptx.isaString(isa(target)) + ") for " + d.name()
          + ": " + e.getMessage(), e);
    }
  }

  private static final Map<Ptx.Target, Integer> ISA = new java.util.EnumMap<>(Ptx.Target.class);

  /** The PTX ISA of a shipped build (the highest among its modules). */
  static synchronized int isa(Ptx.Target target) {
    return ISA.computeIfAbsent(target, Ptx::isaVersion);
  }

  /** The oldest driver (CUDA version, {@code 11080} = 11.8) that loads the shipped build {@code target}. */
  public static int minimumDriver(Ptx.Target target) {
    return Math.max(JCudaBackend.MIN_DRIVER_VERSION, Ptx.minimumDriverFor(isa(target)));
  }

  private static Ptx.Target chooseTarget(CudaDevice device, String wanted) throws CudaUnavailableException {
    wanted = wanted.trim();
    int cc = device.computeCapability();
    if (wanted.equals("auto")) {
      Ptx.Target runs = null;
      for (Ptx.Target t : Ptx.Target.values()) {
        if (cc >= t.minCapability()) {
          if (device.driverVersion() >= minimumDriver(t)) {
            return t;
          }
          runs = runs == null ? t : runs;
        }
      }
      if (runs == null) {
        throw new CudaUnavailableException(Reason.DEVICE_TOO_OLD, device + ": compute capability 7.5 or higher is needed");
      }
      throw driverTooOld(device, runs);
    }
    for (Ptx.Target t : Ptx.Target.values()) {
      if (t.fileTag().equals(wanted)) {
        if (cc < t.minCapability()) {
          throw new CudaUnavailableException(Reason.DEVICE_TOO_OLD, "-D" + PTX_PROPERTY + "=" + wanted + " needs compute"
              + " capability " + t.minCapability() / 10 + "." + t.minCapability() % 10 + ", " + device.name() + " has "
              + device.major() + "." + device.minor());
        }
        if (device.driverVersion() < minimumDriver(t)) {
          throw driverTooOld(device, t);
        }
        return t;
      }
    }
    throw new IllegalArgumentException("-D" + PTX_PROPERTY + " must be auto, sm_90 or compute_75, got '" + wanted + "'");
  }

  private static CudaUnavailableException driverTooOld(CudaDevice device, Ptx.Target t) {
    return new CudaUnavailableException(Reason.DRIVER_TOO_OLD, "the CUDA driver supports CUDA "
        + device.driverVersionString() + ", but seqrec's " + t.fileTag() + " PTX (ISA " + Ptx.isaString(isa(t))
        + ") needs CUDA " + Ptx.cudaVersionString(minimumDriver(t)) + " or newer");
  }

  /** The opened device. */
  public CudaDevice device() {
    return device;
  }

  /** Which PTX build runs here: {@code sm_90} or {@code compute_75}. */
  public String ptxTarget() {
    return target.fileTag();
  }

  /** The PTX ISA of the loaded build, as {@code "7.8"}. */
  public String ptxIsa() {
    return Ptx.isaString(isa(target));
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  /**
   * The first sticky execution error this context met (an illegal address, a failed or timed-out
   * launch, a device-side assert: after one, every later CUDA call in the context fails the same
   * way), or null. Once it is set, every call throws an {@link IllegalStateException} naming it
   * without reaching the driver, and the context should be closed and a new one opened (closing
   * releases the device's primary context, which the driver then recreates clean).
   */
  public synchronized CudaException stickyError() {
    return sticky;
  }

  /** Driver result codes after which the CUDA context is unusable (the CUDA driver API's error list). */
  static boolean isSticky(int result) {
    return switch (result) {
      case 700, 702, 710, 714, 715, 716, 717, 718, 719 -> true;
      default -> false;
    };
  }

  /** A new device array of {@code length} floats (contents undefined). */
  public DeviceFloats allocFloats(long length) {
    return new DeviceFloats(this, checkLength(length));
  }

  /** A new device array of {@code length} ints (contents undefined). */
  public DeviceInts allocInts(long length) {
    return new DeviceInts(this, checkLength(length));
  }

  /** A new device array of {@code length} longs (contents undefined). */
  public DeviceLongs allocLongs(long length) {
    return new DeviceLongs(this, checkLength(length));
  }

  /** A new device copy of {@code host}. */
  public DeviceFloats upload(float[] host) {
    DeviceFloats d = allocFloats(host.length);
    d.copyFrom(host);
    return d;
  }

  /** A new device copy of {@code host}. */
  public DeviceInts upload(int[] host) {
    DeviceInts d = allocInts(host.length);
    d.copyFrom(host);
    return d;
  }

  /** A new device copy of {@code host}. */
  public DeviceLongs upload(long[] host) {
    DeviceLongs d = allocLongs(host.length);
    d.copyFrom(host);
    return d;
  }

  private static long checkLength(long length) {
    if (length < 0) {
      throw new IllegalArgumentException("length must be >= 0, got " + length);
    }
    return length;
  }

  /** Frees the internal workspace (it is allocated again, as large as needed, by the next call that needs it). */
  public synchronized void trimWorkspace() {
    ensureOpen();
    if (workspace != null) {
      driver.makeCurrent();
      Driver.Memory w = workspace;
      workspace = null;
      driver.free(w);
    }
  }

  /**
   * Frees every buffer still open, unloads the kernels and releases the device. Idempotent. After
   * a sticky error the releases fail with that error again; they are still attempted (so the
   * primary context's reference is dropped) but not reported.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    CudaException first = null;
    try {
      first = attempt(first, raw::makeCurrent);
      List<DeviceBuffer> open = new ArrayList<>(live);
      live.clear();
      for (DeviceBuffer b : open) {
        b.markClosed();
        first = attempt(first, () -> raw.free(b.memoryUnchecked()));
      }
      if (workspace != null) {
        Driver.Memory w = workspace;
        workspace = null;
        first = attempt(first, () -> raw.free(w));
      }
    } finally {
      first = attempt(first, raw::close);
    }
    if (first != null && sticky == null) {
      throw first;
    }
  }

  private static CudaException attempt(CudaException first, Runnable action) {
    try {
      action.run();
      return first;
    } catch (CudaException e) {
      if (first == null) {
        return e;
      }
      first.addSuppressed(e);
      return first;
    }
  }

  @Override
  public String toString() {
    return "CudaContext[" + device + ", PTX " + target.fileTag() + (closed ? ", closed]" : "]");
  }

  // ---- package-private plumbing for buffers and kernel families ----

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the CudaContext is closed");
    }
  }

  synchronized Driver.Memory allocate(DeviceBuffer owner, long bytes) {
    ensureOpen();
    driver.makeCurrent();
    Driver.Memory m = driver.alloc(bytes);
    live.add(owner);
    return m;
  }

  synchronized void release(DeviceBuffer owner, Driver.Memory memory) {
    if (owner.closedFlag()) {
      return;
    }
    owner.markClosed();
    if (closed || !live.remove(owner) || sticky != null) {
      return; // after a sticky error the memory goes with the context when it is closed
    }
    driver.makeCurrent();
    driver.free(memory);
  }

  synchronized void copyToDevice(Driver.Memory dst, long dstByte, Object host, long hostByte, long bytes) {
    ensureOpen();
    if (bytes == 0) {
      return;
    }
    driver.makeCurrent();
    driver.copyToDevice(dst, dstByte, host, hostByte, bytes);
  }

  synchronized void copyToHost(Object host, long hostByte, Driver.Memory src, long srcByte, long bytes) {
    ensureOpen();
    if (bytes == 0) {
      return;
    }
    driver.makeCurrent();
    driver.copyToHost(host, hostByte, src, srcByte, bytes);
  }

  synchronized void copyDeviceToDevice(Driver.Memory dst, long dstByte, Driver.Memory src, long srcByte, long bytes) {
    ensureOpen();
    if (bytes == 0) {
      return;
    }
    driver.makeCurrent();
    driver.copyDeviceToDevice(dst, dstByte, src, srcByte, bytes);
    driver.synchronize("cuMemcpyDtoD");
  }

  synchronized void fill32(Driver.Memory dst, long dstByte, int value, long count) {
    ensureOpen();
    if (count == 0) {
      return;
    }
    driver.makeCurrent();
    driver.fill32(dst, dstByte, value, count);
    driver.synchronize("cuMemsetD32");
  }

  /** Runs {@code body} holding the context's lock, without other checks (validation runs inside it). */
  synchronized <T> T locked(java.util.function.Supplier<T> body) {
    return body.get();
  }

  /** Whether {@code buffer} was closed (by itself or with this context); the lock orders it with release. */
  synchronized boolean isClosed(DeviceBuffer buffer) {
    return closed || buffer.closedFlag();
  }

  /** Runs {@code body} holding the context (current on this thread); kernel families use it. */
  synchronized <T> T call(java.util.function.Supplier<T> body) {
    ensureOpen();
    driver.makeCurrent();
    return body.get();
  }

  synchronized void run(Runnable body) {
    ensureOpen();
    driver.makeCurrent();
    body.run();
  }

  /**
   * A device scratch area of at least {@code floats} floats, valid until the next call that asks
   * for one; callers hold the context. Grows (free + alloc) only when too small.
   */
  Driver.Arg.Ptr workspace(long floats) {
    long bytes = Math.max(4, floats * 4);
    if (workspace == null || workspace.bytes() < bytes) {
      if (workspace != null) {
        Driver.Memory old = workspace;
        workspace = null;
        driver.free(old);
      }
      workspace = driver.alloc(bytes);
    }
    return new Driver.Arg.Ptr(workspace, 0);
  }

  /** The workspace viewed at a byte offset (callers hold the context and sized it). */
  Driver.Arg.Ptr workspaceAt(long byteOffset) {
    return new Driver.Arg.Ptr(workspace, byteOffset);
  }

  /**
   * Launches {@code kernel} (1-D blocks of {@code block} threads), then waits for it: the
   * arguments are checked against the PTX parameter list first, launch errors name the kernel,
   * and execution errors surface at the synchronisation, also naming it. Callers hold the context.
   */
  void launch(String kernel, long gridX, long gridY, int block, int sharedBytes, Driver.Arg... args) {
    Kernel k = kernels.get(kernel);
    if (k == null) {
      throw new IllegalStateException("no kernel " + kernel + " is loaded");
    }
    if (args.length != k.params().size()) {
      throw new IllegalStateException(kernel + " takes " + k.params().size() + " parameters, " + args.length + " given");
    }
    for (int i = 0; i < args.length; i++) {
      if (!k.params().get(i).accepts(args[i])) {
        throw new IllegalStateException(kernel + " parameter " + i + " is " + k.params().get(i) + ", given " + args[i]);
      }
    }
    if (gridX < 1 || gridX > Integer.MAX_VALUE || gridY < 1 || gridY > 65535) {
      throw new IllegalStateException(kernel + ": grid " + gridX + " x " + gridY + " is outside the device limits");
    }
    driver.launch(k.function(), (int) gridX, (int) gridY, 1, block, 1, 1, sharedBytes, List.of(args));
    if (!deferSync) {
      driver.synchronize(kernel);
    }
  }

  /**
   * Times {@code call} on the GPU's own clock: CUDA events recorded around it on the context's
   * stream, with the wait after each launch left out so that the interval holds only GPU work
   * (execution errors then surface at the final synchronisation, naming {@code what}). Returns
   * milliseconds per repetition, sorted ascending.
   */
  synchronized float[] timeMillis(String what, Runnable call, int warmups, int reps) {
    ensureOpen();
    driver.makeCurrent();
    for (int i = 0; i < warmups; i++) {
      call.run();
    }
    Driver.Event start = driver.createEvent();
    Driver.Event end = driver.createEvent();
    float[] ms = new float[reps];
    deferSync = true;
    try {
      for (int i = 0; i < reps; i++) {
        driver.record(start);
        call.run();
        driver.record(end);
        ms[i] = driver.elapsedMillis(start, end);
      }
      driver.synchronize(what);
    } finally {
      deferSync = false;
      driver.destroy(start);
      driver.destroy(end);
    }
    java.util.Arrays.sort(ms);
    return ms;
  }

  /** The entry points loaded (for tests). */
  Set<String> kernelNames() {
    return Collections.unmodifiableSet(kernels.keySet());
  }

  Driver driver() {
    return driver;
  }

  /**
   * The driver as every call sees it: refuses to run once a sticky error was recorded (naming
   * it, so that it is reported once and not as a new failure of each later call) and records the
   * first sticky error any call returns. Callers hold the context's lock.
   */
  private final class StickyGuard implements Driver {
    private void refuseIfBroken() {
      if (sticky != null) {
        throw new IllegalStateException("the CudaContext is unusable after an earlier sticky CUDA error ("
            + sticky.getMessage() + "): close it and open a new one");
      }
    }

    private CudaException record(CudaException e) {
      if (sticky == null && isSticky(e.result())) {
        sticky = e;
      }
      return e;
    }

    @Override
    public CudaDevice device() {
      return raw.device();
    }

    @Override
    public List<Function> loadModule(String moduleName, byte[] ptxWithNul, List<String> entries) {
      refuseIfBroken();
      try {
        return raw.loadModule(moduleName, ptxWithNul, entries);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public Memory alloc(long bytes) {
      refuseIfBroken();
      try {
        return raw.alloc(bytes);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void free(Memory memory) {
      refuseIfBroken();
      try {
        raw.free(memory);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void copyToDevice(Memory dst, long dstByte, Object hostArray, long hostByte, long bytes) {
      refuseIfBroken();
      try {
        raw.copyToDevice(dst, dstByte, hostArray, hostByte, bytes);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void copyToHost(Object hostArray, long hostByte, Memory src, long srcByte, long bytes) {
      refuseIfBroken();
      try {
        raw.copyToHost(hostArray, hostByte, src, srcByte, bytes);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void copyDeviceToDevice(Memory dst, long dstByte, Memory src, long srcByte, long bytes) {
      refuseIfBroken();
      try {
        raw.copyDeviceToDevice(dst, dstByte, src, srcByte, bytes);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void fill32(Memory dst, long dstByte, int value, long count) {
      refuseIfBroken();
      try {
        raw.fill32(dst, dstByte, value, count);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                       int sharedBytes, List<Arg> args) {
      refuseIfBroken();
      try {
        raw.launch(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, args);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void synchronize(String after) {
      refuseIfBroken();
      try {
        raw.synchronize(after);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public Event createEvent() {
      refuseIfBroken();
      try {
        return raw.createEvent();
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void record(Event event) {
      refuseIfBroken();
      try {
        raw.record(event);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public float elapsedMillis(Event start, Event end) {
      refuseIfBroken();
      try {
        return raw.elapsedMillis(start, end);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void destroy(Event event) {
      if (sticky != null) {
        return; // the events die with the context
      }
      try {
        raw.destroy(event);
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void makeCurrent() {
      refuseIfBroken();
      try {
        raw.makeCurrent();
      } catch (CudaException e) {
        throw record(e);
      }
    }

    @Override
    public void close() {
      raw.close();
    }
  }

  /** Checks that {@code buffer} (nullable) belongs to this context. */
  void owns(String name, DeviceBuffer buffer) {
    if (buffer != null && buffer.context() != this) {
      throw new IllegalArgumentException(name + " belongs to another CudaContext");
    }
  }
}
