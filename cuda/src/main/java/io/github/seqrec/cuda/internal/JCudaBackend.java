package io.github.seqrec.cuda.internal;

import io.github.seqrec.cuda.CudaContext;
import io.github.seqrec.cuda.CudaDevice;
import io.github.seqrec.cuda.CudaException;
import io.github.seqrec.cuda.CudaUnavailableException;
import io.github.seqrec.cuda.CudaUnavailableException.Reason;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * The production {@link Driver}: JCuda's driver-API binding ({@code org.jcuda:jcuda} with its
 * {@code jcuda-natives} library, which needs nothing but the driver's {@code libcuda.so.1}).
 * Never NVRTC or the runtime API. JCuda's exceptions stay disabled: every call's result code is
 * checked here and a failure becomes a {@link CudaException} naming the call.
 */
public final class JCudaBackend implements Driver {
  /**
   * The oldest driver JCuda's calls here run on: the binding (built against CUDA 12 headers)
   * links {@code cuDevicePrimaryCtxRelease_v2}, new in CUDA 11.0; every other entry point seqrec
   * calls is older. The PTX may need a newer one: {@link CudaContext} checks the ISA of the build
   * it loads against {@link Ptx#minimumDriverFor} (sm_90: ISA 7.8, CUDA 11.8; compute_75: ISA 7.0,
   * CUDA 11.0).
   */
  public static final int MIN_DRIVER_VERSION = 11000;

  /** CUDA_ERROR_INSUFFICIENT_DRIVER, which JCuda 12.0.0's CUresult does not name. */
  private static final int CUDA_ERROR_INSUFFICIENT_DRIVER = 35;

  /** Bytes of the JIT error log {@code cuModuleLoadDataEx} fills when it rejects a PTX image. */
  private static final int JIT_LOG_BYTES = 16 * 1024;

  private final CUdevice device;
  private final CUcontext context;
  private final CUstream stream;
  private final List<CUmodule> modules = new ArrayList<>();
  private final CudaDevice info;
  private boolean closed;

  private record Mem(CUdeviceptr ptr, long bytes) implements Memory {}

  private record Fn(CUfunction handle, String name) implements Function {}

  private record Ev(CUevent handle) implements Event {}

  private JCudaBackend(CUdevice device, CUcontext context, CUstream stream, CudaDevice info) {
    this.device = device;
    this.context = context;
    this.stream = stream;
    this.info = info;
  }

  /**
   * Opens device {@code ordinal}: loads the JCuda driver binding, initialises the driver, checks
   * its version and the device, retains the device's primary context and creates a stream.
   */
  public static JCudaBackend open(int ordinal) throws CudaUnavailableException {
    Natives.Report natives = Natives.prepare();
    if (natives.libcuda() == null) {
      // Without the driver's library JCuda's binding cannot load, and JCuda would then copy it out
      // of its jar into java.io.tmpdir and fail there too: stop here with what was searched.
      throw new CudaUnavailableException(Reason.NO_DRIVER, "no CUDA driver: libcuda.so.1 " + natives.libcudaAccount());
    }
    int initResult;
    try {
      initResult = JCudaDriver.cuInit(0);
    } catch (LinkageError | RuntimeException e) {
      String text = messages(e);
      if (text.contains("libcuda")) {
        throw new CudaUnavailableException(Reason.NO_DRIVER, "no CUDA driver: libcuda.so.1 could not be loaded ("
            + firstLine(e) + "); libcuda.so.1: " + natives.libcudaAccount(), e);
      }
      if (text.contains("libstdc++") || text.contains("libgcc_s")) {
        throw new CudaUnavailableException(Reason.NO_JCUDA, "JCuda's native driver binding needs the C++ runtime ("
            + firstLine(e) + "); libstdc++.so.6: " + natives.libstdcxxAccount(), e);
      }
      throw new CudaUnavailableException(Reason.NO_JCUDA, "JCuda's native driver library could not be loaded ("
          + firstLine(e) + "); " + natives.jcudaAccount(), e);
    }
    if (initResult == CUresult.CUDA_ERROR_NO_DEVICE) {
      throw new CudaUnavailableException(Reason.NO_DEVICE, "cuInit: the CUDA driver reports no device");
    }
    if (initResult == CUDA_ERROR_INSUFFICIENT_DRIVER || initResult == CUresult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH) {
      throw new CudaUnavailableException(Reason.DRIVER_TOO_OLD, "cuInit: the installed CUDA driver is older than the CUDA runtime JCuda expects ("
          + CUresult.stringFor(initResult) + ", " + initResult + ")");
    }
    if (initResult != CUresult.CUDA_SUCCESS) {
      throw new CudaUnavailableException(Reason.INIT_FAILED, "cuInit failed: " + CUresult.stringFor(initResult));
    }
    try {
      int[] value = new int[1];
      check(JCudaDriver.cuDriverGetVersion(value), "cuDriverGetVersion");
      int driverVersion = value[0];
      if (driverVersion < MIN_DRIVER_VERSION) {
        throw new CudaUnavailableException(Reason.DRIVER_TOO_OLD, "the CUDA driver supports CUDA "
            + Ptx.cudaVersionString(driverVersion) + ", but JCuda's driver binding needs CUDA "
            + Ptx.cudaVersionString(MIN_DRIVER_VERSION) + " (R450) or newer");
      }
      check(JCudaDriver.cuDeviceGetCount(value), "cuDeviceGetCount");
      if (value[0] <= ordinal) {
        throw new CudaUnavailableException(Reason.NO_DEVICE,
            "device " + ordinal + " requested, the driver reports " + value[0] + " device(s)");
      }
      CUdevice device = new CUdevice();
      check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet");
      int major = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
      int minor = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
      int sms = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
      byte[] name = new byte[256];
      check(JCudaDriver.cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
      long[] memory = new long[1];
      check(JCudaDriver.cuDeviceTotalMem(memory, device), "cuDeviceTotalMem");
      CudaDevice info = new CudaDevice(cString(name), ordinal, major, minor, sms, memory[0], driverVersion);
      if (Ptx.targetFor(info.computeCapability()) == null) {
        throw new CudaUnavailableException(Reason.DEVICE_TOO_OLD, info
            + ": compute capability 7.5 or higher is needed (nvcc 13 builds no older target)");
      }
      CUcontext context = new CUcontext();
      check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
      try {
        check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        CUstream stream = new CUstream();
        check(JCudaDriver.cuStreamCreate(stream, 0), "cuStreamCreate");
        return new JCudaBackend(device, context, stream, info);
      } catch (CudaException e) {
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
        throw e;
      }
    } catch (CudaException e) {
      throw new CudaUnavailableException(Reason.INIT_FAILED, e.getMessage(), e);
    }
  }

  private static int attribute(CUdevice device, int attribute) {
    int[] value = new int[1];
    check(JCudaDriver.cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
    return value[0];
  }

  private static String cString(byte[] bytes) {
    int n = 0;
    while (n < bytes.length && bytes[n] != 0) {
      n++;
    }
    return new String(bytes, 0, n, StandardCharsets.US_ASCII);
  }

  private static String messages(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      sb.append(t).append('\n');
    }
    return sb.toString();
  }

  private static String firstLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String m = String.valueOf(root.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** Throws {@link CudaException} naming {@code call} unless {@code result} is CUDA_SUCCESS. */
  static void check(int result, String call) {
    if (result != CUresult.CUDA_SUCCESS) {
      throw new CudaException(call, result, CUresult.stringFor(result));
    }
  }

  @Override
  public CudaDevice device() {
    return info;
  }

  /**
   * Loads a PTX image with {@code cuModuleLoadDataEx}, asking the driver's JIT for its error log:
   * a rejected image fails with a {@link CudaException} whose message carries the log (the line
   * of the PTX and what the JIT did not accept), not only the result code.
   */
  @Override
  public List<Function> loadModule(String moduleName, byte[] ptxWithNul, List<String> entries) {
    CUmodule module = new CUmodule();
    int result;
    String log;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment errorLog = arena.allocate(JIT_LOG_BYTES);
      // cuModuleLoadDataEx reads option values as an array of void*: the buffer, then its size.
      MemorySegment values = arena.allocate(ValueLayout.JAVA_LONG, 2);
      values.setAtIndex(ValueLayout.JAVA_LONG, 0, errorLog.address());
      values.setAtIndex(ValueLayout.JAVA_LONG, 1, JIT_LOG_BYTES);
      int[] options = {CUjit_option.CU_JIT_ERROR_LOG_BUFFER, CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
      result = JCudaDriver.cuModuleLoadDataEx(module, Pointer.to(ptxWithNul), options.length, options,
          Pointer.to(values.asByteBuffer()));
      log = errorLog.getString(0, StandardCharsets.US_ASCII).strip();
    }
    if (result != CUresult.CUDA_SUCCESS) {
      throw new CudaException("cuModuleLoadDataEx(" + moduleName + ")" + (log.isEmpty() ? "" : " [JIT log: " + log + "]"),
          result, CUresult.stringFor(result));
    }
    modules.add(module);
    List<Function> out = new ArrayList<>();
    for (String entry : entries) {
      CUfunction f = new CUfunction();
      check(JCudaDriver.cuModuleGetFunction(f, module, entry), "cuModuleGetFunction(" + moduleName + ", " + entry + ")");
      out.add(new Fn(f, entry));
    }
    return out;
  }

  @Override
  public Memory alloc(long bytes) {
    CUdeviceptr ptr = new CUdeviceptr();
    check(JCudaDriver.cuMemAlloc(ptr, Math.max(bytes, 4)), "cuMemAlloc(" + bytes + " bytes)");
    return new Mem(ptr, bytes);
  }

  @Override
  public void free(Memory memory) {
    check(JCudaDriver.cuMemFree(((Mem) memory).ptr()), "cuMemFree");
  }

  private static Pointer host(Object array, long byteOffset) {
    Pointer p = switch (array) {
      case float[] f -> Pointer.to(f);
      case int[] i -> Pointer.to(i);
      case long[] l -> Pointer.to(l);
      default -> throw new IllegalArgumentException("unsupported host array " + array.getClass());
    };
    return byteOffset == 0 ? p : p.withByteOffset(byteOffset);
  }

  private static CUdeviceptr at(Memory memory, long byteOffset) {
    CUdeviceptr base = ((Mem) memory).ptr();
    return byteOffset == 0 ? base : base.withByteOffset(byteOffset);
  }

  @Override
  public void copyToDevice(Memory dst, long dstByte, Object hostArray, long hostByte, long bytes) {
    check(JCudaDriver.cuMemcpyHtoD(at(dst, dstByte), host(hostArray, hostByte), bytes), "cuMemcpyHtoD");
  }

  @Override
  public void copyToHost(Object hostArray, long hostByte, Memory src, long srcByte, long bytes) {
    check(JCudaDriver.cuMemcpyDtoH(host(hostArray, hostByte), at(src, srcByte), bytes), "cuMemcpyDtoH");
  }

  @Override
  public void copyDeviceToDevice(Memory dst, long dstByte, Memory src, long srcByte, long bytes) {
    check(JCudaDriver.cuMemcpyDtoD(at(dst, dstByte), at(src, srcByte), bytes), "cuMemcpyDtoD");
  }

  @Override
  public void fill32(Memory dst, long dstByte, int value, long count) {
    check(JCudaDriver.cuMemsetD32(at(dst, dstByte), value, count), "cuMemsetD32");
  }

  @Override
  public void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                     int sharedBytes, List<Arg> args) {
    Pointer[] params = new Pointer[args.size()];
    for (int i = 0; i < params.length; i++) {
      params[i] = switch (args.get(i)) {
        case Arg.Ptr p -> p.memory() == null ? Pointer.to(new long[] {0L}) : Pointer.to(at(p.memory(), p.byteOffset()));
        case Arg.I32 v -> Pointer.to(new int[] {v.value()});
        case Arg.I64 v -> Pointer.to(new long[] {v.value()});
        case Arg.F32 v -> Pointer.to(new float[] {v.value()});
      };
    }
    Fn fn = (Fn) function;
    check(JCudaDriver.cuLaunchKernel(fn.handle(), gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, stream,
        Pointer.to(params), null), "cuLaunchKernel(" + fn.name() + ")");
  }

  @Override
  public void synchronize(String after) {
    check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize after " + after);
  }

  @Override
  public Event createEvent() {
    CUevent e = new CUevent();
    check(JCudaDriver.cuEventCreate(e, 0), "cuEventCreate");
    return new Ev(e);
  }

  @Override
  public void record(Event event) {
    check(JCudaDriver.cuEventRecord(((Ev) event).handle(), stream), "cuEventRecord");
  }

  @Override
  public float elapsedMillis(Event start, Event end) {
    check(JCudaDriver.cuEventSynchronize(((Ev) end).handle()), "cuEventSynchronize");
    float[] ms = new float[1];
    check(JCudaDriver.cuEventElapsedTime(ms, ((Ev) start).handle(), ((Ev) end).handle()), "cuEventElapsedTime");
    return ms[0];
  }

  @Override
  public void destroy(Event event) {
    check(JCudaDriver.cuEventDestroy(((Ev) event).handle()), "cuEventDestroy");
  }

  @Override
  public void makeCurrent() {
    check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    makeCurrent();
    // Report the first failure after attempting every release.
    CudaException first = null;
    for (CUmodule m : modules) {
      first = attempt(first, JCudaDriver.cuModuleUnload(m), "cuModuleUnload");
    }
    first = attempt(first, JCudaDriver.cuStreamDestroy(stream), "cuStreamDestroy");
    first = attempt(first, JCudaDriver.cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
    if (first != null) {
      throw first;
    }
  }

  private static CudaException attempt(CudaException first, int result, String call) {
    if (first != null || result == CUresult.CUDA_SUCCESS) {
      return first;
    }
    return new CudaException(call, result, CUresult.stringFor(result));
  }
}
