package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver.Arg;
import io.github.seqrec.cuda.internal.Geometry;
import io.github.seqrec.cuda.internal.Natives;
import io.github.seqrec.cuda.internal.Ptx;
import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Hamming;
import io.github.seqrec.kernels.SimHash;
import io.github.seqrec.kernels.internal.AttentionKernels;
import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.kernels.internal.RecurrentKernels;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.DoubleSupplier;

/**
 * The one-command GPU check, in one JVM (a tool of the test source set: it compares with the CPU
 * scalar definition, which {@code seqrec-kernels} does not export; {@code cuda/device-check.sh}
 * runs it from the test jar): opens the GPU, prints one line naming the driver, the
 * GPU, the PTX builds and ISA and the native libraries found, then runs every seqrec CUDA kernel
 * in a {@code tiny} pass (small awkward shapes, one launch each, on the sm_90 and the portable
 * compute_75 build: seconds) and then in the full pass on paper-sized shapes. Each kernel's
 * output is NaN-poisoned before its checked launch; a slice is compared with the CPU scalar
 * definition ({@code KernelProvider.scalar()}) and the whole output must have been written. Each
 * kernel is timed with CUDA events (median of many launches) and the same shape on seqrec's
 * vector CPU backend (one thread, on a slice of the rows, scaled to the full shape). Every row is
 * printed the moment it is measured, so a run cut short keeps every finished line.
 *
 * <p>Each kernel runs under its own timeout ({@code --timeout=SECONDS}, default
 * {@value #DEFAULT_TIMEOUT_SECONDS} s in the full pass, {@value #TINY_TIMEOUT_SECONDS} s in the tiny
 * one): a kernel that does not finish is reported and the check goes on with a fresh context (it
 * stops after two). A sticky CUDA error (an illegal address, a failed launch) is reported once,
 * on the kernel that caused it; the context is closed and the check goes on with a fresh one.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp ... io.github.seqrec.cuda.DeviceCheck [--tiny] [--timeout=S]</pre>
 *
 * <p>Exit codes: {@value #OK} every check passed; {@value #FAILED} a check failed (its row says
 * which); {@value #NO_GPU} no usable GPU (the first line, then {@code no GPU: REASON: detail});
 * {@value #NO_GPU_REQUIRED} the same with {@code -Dseqrec.cuda.require=true}, where "no GPU" is a
 * failure rather than a skip.
 */
public final class DeviceCheck {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int NO_GPU = 3;
  public static final int NO_GPU_REQUIRED = 4;

  /** {@code -Dseqrec.cuda.require=true}: no GPU fails (the device check, and the GPU tests) instead of skipping. */
  public static final String REQUIRE_PROPERTY = "seqrec.cuda.require";

  static final int DEFAULT_TIMEOUT_SECONDS = 90;
  static final int TINY_TIMEOUT_SECONDS = 30;

  /** FP32 peak of an H200 SXM by the datasheet (no tensor cores), GFLOP/s. */
  static final double FP32_PEAK_GFLOPS = 67_000;

  /** The shapes, repetitions and per-kernel timeout of one pass: paper-sized, or tiny. */
  record Plan(boolean small, int warmups, int reps, int timeoutSeconds) {
    static final Plan FULL = new Plan(false, 3, 20, DEFAULT_TIMEOUT_SECONDS);
    static final Plan TINY = new Plan(true, 0, 1, TINY_TIMEOUT_SECONDS);

    int pick(int full, int tiny) {
      return small ? tiny : full;
    }

    Plan withTimeout(int seconds) {
      return new Plan(small, warmups, reps, seconds);
    }
  }

  /** Opens a context with a given PTX build: the GPU, or the tests' emulator. */
  @FunctionalInterface
  interface Opener {
    CudaContext open(String ptxTarget) throws CudaUnavailableException;
  }

  private DeviceCheck() {}

  public static void main(String[] args) {
    boolean tinyOnly = false;
    int timeout = DEFAULT_TIMEOUT_SECONDS;
    for (String a : args) {
      if (a.equals("--tiny")) {
        tinyOnly = true;
      } else if (a.startsWith("--timeout=")) {
        timeout = Integer.parseInt(a.substring("--timeout=".length()));
      } else {
        System.err.println("usage: DeviceCheck [--tiny] [--timeout=SECONDS]");
        System.exit(2);
      }
    }
    Outcome outcome = run(System.out, gpu(), tinyOnly, Plan.TINY, Plan.FULL.withTimeout(timeout), required());
    exit(outcome);
  }

  /** Whether {@value #REQUIRE_PROPERTY} is set. */
  public static boolean required() {
    return Boolean.getBoolean(REQUIRE_PROPERTY);
  }

  /** The GPU opener: device 0 through JCuda. */
  static Opener gpu() {
    return target -> CudaContext.open(0, target);
  }

  /** What a run ended with: its exit code, and whether a worker thread is still stuck in a kernel. */
  record Outcome(int code, boolean hung) {}

  /** Exits with the outcome's code; halts (no shutdown hooks) if a kernel never returned. */
  static void exit(Outcome outcome) {
    System.out.flush();
    if (outcome.hung()) {
      Runtime.getRuntime().halt(outcome.code());
    }
    System.exit(outcome.code());
  }

  /**
   * The first line: the NVIDIA driver, the GPU (or "none"), the PTX builds with their ISA and the
   * driver each needs, and the native libraries found.
   */
  static String firstLine(CudaContext ctx) {
    String kernelDriver = Natives.kernelDriverVersion();
    StringBuilder sb = new StringBuilder("seqrec-cuda device check | driver ");
    sb.append(kernelDriver == null ? "(no /proc/driver/nvidia/version)" : kernelDriver);
    if (ctx != null) {
      sb.append(", CUDA ").append(ctx.device().driverVersionString());
    }
    sb.append(" | GPU ").append(ctx == null ? "none" : ctx.device().toString());
    sb.append(" | PTX");
    for (Ptx.Target t : Ptx.Target.values()) {
      sb.append(' ').append(t.fileTag()).append(" ISA ").append(Ptx.isaString(CudaContext.isa(t)))
          .append(" (needs CUDA >= ").append(Ptx.cudaVersionString(CudaContext.minimumDriver(t))).append(')');
    }
    if (ctx != null) {
      sb.append(", loaded ").append(ctx.ptxTarget());
    }
    sb.append(" | JCuda ").append(Natives.jcudaVersion()).append(' ').append(Natives.prepare().describe());
    return sb.toString();
  }

  /**
   * The whole check: first line, tiny pass (both PTX builds where the device runs both), then
   * unless {@code tinyOnly} the full pass. Rows are printed as they are measured.
   */
  static Outcome run(PrintStream out, Opener opener, boolean tinyOnly, Plan tiny, Plan full, boolean require) {
    long t0 = System.nanoTime();
    CudaContext ctx;
    try {
      ctx = opener.open("auto");
    } catch (CudaUnavailableException e) {
      out.println(firstLine(null));
      out.println("no GPU: " + e.reason() + ": " + e.getMessage());
      out.println(require ? "RESULT: FAILED: a GPU is required (-D" + REQUIRE_PROPERTY + "=true) and none is usable"
          : "RESULT: no GPU (exit " + NO_GPU + ")");
      return new Outcome(require ? NO_GPU_REQUIRED : NO_GPU, false);
    }
    out.println(firstLine(ctx));
    out.printf(Locale.ROOT, "context + module load (driver JIT of the %s PTX): %.0f ms%n", ctx.ptxTarget(),
        (System.nanoTime() - t0) / 1e6);
    out.println("CPU reference: scalar definition; CPU timing: " + cpuProvider().describe() + ", "
        + Runtime.getRuntime().availableProcessors() + " cores (1 used)");
    boolean passed = true;
    boolean hung = false;
    String firstTarget = ctx.ptxTarget();
    List<String> tinyTargets = new ArrayList<>(List.of(firstTarget));
    if (!firstTarget.equals(Ptx.Target.COMPUTE_75.fileTag())
        && ctx.device().computeCapability() >= Ptx.Target.COMPUTE_75.minCapability()
        && ctx.device().driverVersion() >= CudaContext.minimumDriver(Ptx.Target.COMPUTE_75)) {
      tinyTargets.add(Ptx.Target.COMPUTE_75.fileTag());
    }
    try (Pass pass = new Pass(out, opener, ctx, true)) {
      for (String target : tinyTargets) {
        PassResult r = pass.run("tiny", target, tiny);
        passed &= r.passed();
        if (r.stopped()) {
          return new Outcome(FAILED, pass.hung);
        }
      }
      if (!tinyOnly) {
        PassResult r = pass.run("full", firstTarget, full);
        passed &= r.passed();
      }
      hung = pass.hung;
    }
    out.println(passed ? "RESULT: all checks passed" : "RESULT: FAILED");
    return new Outcome(passed ? OK : FAILED, hung);
  }

  /** Runs the emulator-test form: one tiny pass on an open context, no timeouts beyond the plan's. */
  static boolean runChecks(CudaContext ctx, PrintStream out, Plan plan) {
    try (Pass pass = new Pass(out, target -> {
      throw new CudaUnavailableException(CudaUnavailableException.Reason.INIT_FAILED, "no second context here");
    }, ctx, false)) {
      return pass.run("tiny", ctx.ptxTarget(), plan).passed();
    }
  }

  /** The CPU backend the table times: the vector backend where this JVM can run it, else scalar. */
  static KernelProvider cpuProvider() {
    return KernelProvider.vectorIfAvailable().orElseGet(KernelProvider::scalar);
  }

  private record PassResult(boolean passed, boolean stopped) {}

  /** One measured kernel. */
  private record Row(String kernel, String shape, String error, boolean pass, double gpuMs, double bytes,
                     double flops, double cpuMs, String note) {}

  /**
   * Runs passes on a context, replacing it with a fresh one after a sticky error or a timeout.
   * Each kernel runs on a worker thread so that a hung launch cannot stop the check.
   */
  private static final class Pass implements AutoCloseable {
    final PrintStream out;
    final Opener opener;
    CudaContext ctx;
    /** Whether the pass closes its context at the end (false: the caller's, e.g. a test's shared one). */
    final boolean ownsContext;
    boolean hung;
    ExecutorService worker = newWorker();

    Pass(PrintStream out, Opener opener, CudaContext ctx, boolean ownsContext) {
      this.out = out;
      this.opener = opener;
      this.ctx = ctx;
      this.ownsContext = ownsContext;
    }

    private static ExecutorService newWorker() {
      return Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "seqrec-device-check");
        t.setDaemon(true);
        return t;
      });
    }

    PassResult run(String name, String target, Plan plan) {
      if (!ctx.ptxTarget().equals(target) && !reopen(target, "for the " + target + " build")) {
        return new PassResult(false, true);
      }
      out.println();
      out.println("== " + name + " pass: " + ctx.device().name() + ", PTX " + ctx.ptxTarget() + " (ISA " + ctx.ptxIsa()
          + "), timeout " + plan.timeoutSeconds() + " s per kernel, GPU ms = median of " + plan.reps() + " timed calls");
      SplittableRandom random = new SplittableRandom(2026);
      KernelProvider scalar = KernelProvider.scalar();
      KernelProvider cpu = cpuProvider();
      List<Builder> builders = builders(plan, random, scalar, cpu, ctx.ptxTarget().equals("sm_90"));
      double[] copy = {Double.NaN};
      int timeouts = 0;
      boolean passed = true;
      Task copyTask = () -> copy[0] = copyBandwidth(ctx, plan);
      Object copyResult = attempt("copy bandwidth", copyTask, plan);
      if (copyResult instanceof String problem) {
        out.println("  copy bandwidth: " + problem);
        passed = false;
        if (problem.startsWith("TIMEOUT")) {
          timeouts++;
        }
      } else {
        out.printf(Locale.ROOT, "  copy bandwidth (seqrec_copy, read + write): %.0f GB/s; FP32 datasheet peak %.0f GFLOP/s%n",
            copy[0], FP32_PEAK_GFLOPS);
      }
      String fmt = "| %-18s | %-34s | %-9s | %10s | %8s | %6s | %9s | %6s | %10s | %8s |%n";
      out.printf(Locale.ROOT, fmt, "kernel", "shape", "max err", "GPU ms", "GB/s", "% copy", "GFLOP/s", "% FP32",
          "CPU ms", "speedup");
      out.printf(Locale.ROOT, fmt, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-");
      for (Builder b : builders) {
        Row[] row = new Row[1];
        Object result = attempt(b.name(), () -> row[0] = measure(ctx, b, plan), plan);
        if (result instanceof String problem) {
          passed = false;
          out.printf(Locale.ROOT, "| %-18s | %s%n", b.name(), problem);
          if (problem.startsWith("TIMEOUT") && ++timeouts >= 2) {
            out.println("  two kernels timed out: the GPU looks hung, stopping the check here");
            return new PassResult(false, true);
          }
          if (!reopenIfNeeded(target, b.name())) {
            return new PassResult(false, true);
          }
          continue;
        }
        Row r = row[0];
        passed &= r.pass();
        printRow(out, fmt, r, copy[0]);
      }
      out.println("GB/s: the bytes a kernel must move at least (inputs once, outputs once) per GPU second; % copy: of"
          + " the copy bandwidth above; GPU ms: CUDA events (top-k and gathered attention include their 8-byte status"
          + " read-back); CPU ms: seqrec " + cpu.name() + " backend on one thread, timed on a slice and scaled.");
      out.println("== " + name + " pass " + ctx.ptxTarget() + ": " + (passed ? "passed" : "FAILED"));
      return new PassResult(passed, false);
    }

    /** Runs one task under the plan's timeout: null when it finished, else a one-line account of what went wrong. */
    private Object attempt(String what, Task task, Plan plan) {
      Future<?> f = worker.submit(() -> {
        task.run();
        return null;
      });
      try {
        f.get(plan.timeoutSeconds(), TimeUnit.SECONDS);
        return null;
      } catch (TimeoutException e) {
        f.cancel(true);
        hung = true;
        // The worker may be stuck inside the driver holding the context's lock: leave both behind.
        worker = newWorker();
        CudaContext abandoned = ctx;
        ctx = null;
        String account = "TIMEOUT after " + plan.timeoutSeconds() + " s: " + what + " did not finish";
        if (!reopenAfterTimeout(abandoned)) {
          account += "; no fresh context could be opened";
        }
        return account;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        StringBuilder sb = new StringBuilder("FAILED: ").append(cause);
        StackTraceElement[] frames = cause.getStackTrace();
        for (int i = 0; i < Math.min(4, frames.length); i++) {
          sb.append(i == 0 ? " at " : " < ").append(frames[i]);
        }
        CudaException sticky = ctx == null ? null : ctx.stickyError();
        if (sticky != null) {
          sb.append(System.lineSeparator()).append("  sticky CUDA error (reported once): ").append(sticky.getMessage())
              .append(": closing this context and going on with a fresh one");
        }
        return sb.toString();
      }
    }

    private boolean reopenAfterTimeout(CudaContext abandoned) {
      String target = abandoned.ptxTarget();
      try {
        ctx = opener.open(target);
        return true;
      } catch (CudaUnavailableException | RuntimeException e) {
        out.println("  could not open a fresh context after the timeout: " + e);
        return false;
      }
    }

    /** After a failure: a context with a sticky error is replaced; false if none could be opened. */
    private boolean reopenIfNeeded(String target, String after) {
      if (ctx == null) {
        return false;
      }
      if (ctx.stickyError() == null) {
        return true;
      }
      return reopen(target, "after the sticky error in " + after);
    }

    private boolean reopen(String target, String why) {
      try {
        if (ctx != null) {
          ctx.close();
        }
      } catch (RuntimeException e) {
        out.println("  closing the old context: " + e);
      }
      try {
        ctx = opener.open(target);
        out.println("  opened a fresh context " + why + ": PTX " + ctx.ptxTarget());
        return true;
      } catch (CudaUnavailableException | RuntimeException e) {
        ctx = null;
        out.println("  could not open a context " + why + ": " + e);
        return false;
      }
    }

    @Override
    public void close() {
      if (!hung) {
        worker.shutdownNow();
      }
      if (ctx != null && ownsContext) {
        try {
          ctx.close();
        } catch (RuntimeException e) {
          out.println("  closing the context: " + e);
        }
      }
    }
  }

  @FunctionalInterface
  private interface Task {
    void run() throws Exception;
  }

  private static void printRow(PrintStream out, String fmt, Row r, double copyGbs) {
    double gbs = r.bytes / (r.gpuMs / 1e3) / 1e9;
    double gflops = r.flops / (r.gpuMs / 1e3) / 1e9;
    out.printf(Locale.ROOT, fmt, r.kernel, r.shape, r.pass ? r.error : r.error + " FAIL",
        String.format(Locale.ROOT, "%.4f", r.gpuMs), String.format(Locale.ROOT, "%.0f", gbs),
        Double.isNaN(copyGbs) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * gbs / copyGbs),
        r.flops == 0 ? "-" : String.format(Locale.ROOT, "%.0f", gflops),
        r.flops == 0 ? "-" : String.format(Locale.ROOT, "%.1f", 100 * gflops / FP32_PEAK_GFLOPS),
        String.format(Locale.ROOT, "%.2f", r.cpuMs), String.format(Locale.ROOT, "%.0fx", r.cpuMs / r.gpuMs));
    if (!r.note.isEmpty()) {
      out.println("  " + r.kernel + ": " + r.note);
    }
  }

  /** A prepared case: the GPU call, the CPU call on a slice, the check of a slice, the outputs to poison. */
  private static final class Case implements AutoCloseable {
    String kernel;
    String shape;
    Runnable gpu;
    Runnable cpuSlice;
    double sliceFraction = 1;
    DoubleSupplier verify;
    boolean exact;
    double tolerance = 1e-4;
    double bytes;
    double flops;
    String note = "";
    final List<DeviceFloats> floatOutputs = new ArrayList<>();
    final List<DeviceInts> intOutputs = new ArrayList<>();
    final List<DeviceLongs> longOutputs = new ArrayList<>();
    final List<AutoCloseable> resources = new ArrayList<>();

    <T extends AutoCloseable> T own(T resource) {
      resources.add(resource);
      return resource;
    }

    DeviceFloats output(DeviceFloats d) {
      floatOutputs.add(own(d));
      return d;
    }

    DeviceInts output(DeviceInts d) {
      intOutputs.add(own(d));
      return d;
    }

    DeviceLongs output(DeviceLongs d) {
      longOutputs.add(own(d));
      return d;
    }

    /** NaN in every float output, the NaN bit pattern in every int and long output. */
    void poison() {
      for (DeviceFloats d : floatOutputs) {
        d.fill(Float.NaN);
      }
      for (DeviceInts d : intOutputs) {
        d.fill(POISON_BITS);
      }
      for (DeviceLongs d : longOutputs) {
        d.fillBits(POISON_BITS);
      }
    }

    /** Elements of the float and int outputs still holding the poison (none of these cases writes NaN). */
    long unwritten() {
      long n = 0;
      for (DeviceFloats d : floatOutputs) {
        for (float f : d.toArray()) {
          n += Float.isNaN(f) ? 1 : 0;
        }
      }
      for (DeviceInts d : intOutputs) {
        for (int i : d.toArray()) {
          n += i == POISON_BITS ? 1 : 0;
        }
      }
      return n;
    }

    @Override
    public void close() {
      for (AutoCloseable r : resources) {
        try {
          r.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing " + kernel + " buffers", e);
        }
      }
    }
  }

  private static final int POISON_BITS = 0x7fc0_0000;

  /** A named case builder. */
  private record Builder(String name, java.util.function.Function<CudaContext, Case> build) {}

  private static List<Builder> builders(Plan plan, SplittableRandom random, KernelProvider scalar, KernelProvider cpu,
                                        boolean tf32) {
    List<Builder> all = new ArrayList<>(List.of(
        new Builder("gemm", c -> gemm(c, random, scalar, cpu, plan.pick(2048, 70), plan.pick(2048, 33),
            plan.pick(2048, 65), false)),
        new Builder("attention", c -> attention(c, random, scalar, cpu, "attention", plan.pick(1000, 5),
            plan.pick(1000, 300), plan.pick(4, 2), 16, 16)),
        new Builder("attention (long)", c -> attention(c, random, scalar, cpu, "attention (long)", plan.pick(100, 2),
            plan.pick(100_000, 1100), plan.pick(4, 1), 16, 16)),
        new Builder("attention gathered", c -> gathered(c, random, scalar, cpu, plan.pick(1000, 5), plan.pick(100, 10),
            plan.pick(100_000, 200), plan.pick(4, 2), 16, 16)),
        new Builder("augru scan", c -> gru(c, random, scalar, cpu, true, plan.pick(1000, 5), plan.pick(50, 6),
            plan.pick(64, 8), plan.pick(64, 8))),
        new Builder("lstm scan", c -> gru(c, random, scalar, cpu, false, plan.pick(1000, 5), plan.pick(50, 6),
            plan.pick(64, 8), plan.pick(64, 8))),
        new Builder("causal conv1d", c -> conv(c, random, scalar, cpu, plan.pick(256, 2), plan.pick(1000, 20),
            plan.pick(64, 4), plan.pick(64, 6), 3, plan.pick(4, 2))),
        new Builder("simhash", c -> simhash(c, random, scalar, cpu, plan.pick(100_000, 100), plan.pick(64, 16), 64)),
        new Builder("hamming top-k", c -> hamming(c, random, scalar, cpu, plan.pick(1000, 3), plan.pick(100_000, 200),
            64, plan.pick(50, 10))),
        new Builder("top-k", c -> topk(c, random, scalar, cpu, plan.pick(1000, 3), plan.pick(100_000, 500),
            plan.pick(100, 20)))));
    if (tf32) {
      all.add(1, new Builder("gemm tf32", c -> gemm(c, random, scalar, cpu, plan.pick(2048, 130), plan.pick(2048, 20),
          plan.pick(2048, 131), true)));
    }
    return all;
  }

  private static Row measure(CudaContext ctx, Builder builder, Plan plan) {
    try (Case c = builder.build().apply(ctx)) {
      c.poison();
      c.gpu.run();
      double err = c.verify.getAsDouble();
      long unwritten = c.unwritten();
      boolean pass = (c.exact ? err == 0 : err <= c.tolerance) && unwritten == 0;
      String error = c.exact ? (err == 0 ? "exact" : (long) err + " differ") : String.format(Locale.ROOT, "%.1e", err);
      float[] ms = ctx.timeMillis(c.kernel, c.gpu, plan.warmups(), plan.reps());
      double gpuMs = ms[ms.length / 2];
      c.cpuSlice.run(); // warm the JIT
      double cpuMs = medianNanos(c.cpuSlice, 3) / 1e6 / c.sliceFraction;
      String note = unwritten == 0 ? c.note : unwritten + " output elements still hold the poison: never written";
      return new Row(c.kernel, c.shape, error, pass, gpuMs, c.bytes, c.flops, cpuMs, note);
    }
  }

  private static double medianNanos(Runnable r, int reps) {
    long[] t = new long[reps];
    for (int i = 0; i < reps; i++) {
      long s = System.nanoTime();
      r.run();
      t[i] = System.nanoTime() - s;
    }
    java.util.Arrays.sort(t);
    return t[reps / 2];
  }

  /** Device copy bandwidth (bytes read + written per second) of seqrec_copy over 2 x 1 GiB (4 KiB tiny). */
  private static double copyBandwidth(CudaContext ctx, Plan plan) {
    long n = plan.small() ? 1L << 12 : 1L << 28; // 2^28 floats = 1 GiB each way
    try (DeviceFloats src = ctx.allocFloats(n); DeviceFloats dst = ctx.allocFloats(n)) {
      src.fill(1f);
      dst.fill(Float.NaN);
      int threads = Geometry.THREADS;
      long blocks = Geometry.gridStrideBlocks(n / 4, threads, ctx.device().multiprocessors());
      Runnable copy = () -> ctx.run(() -> ctx.launch("seqrec_copy", blocks, 1, threads, 0, src.at(0), dst.at(0),
          new Arg.I64(n)));
      copy.run();
      float[] probe = new float[1];
      dst.copyTo(n - 1, probe, 0, 1);
      if (probe[0] != 1f) {
        throw new IllegalStateException("seqrec_copy left " + probe[0] + " in its last element");
      }
      float[] ms = ctx.timeMillis("seqrec_copy", copy, plan.warmups(), plan.reps());
      return 2.0 * n * 4 / (ms[ms.length / 2] / 1e3) / 1e9;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The cases

  private static float[] uniform(SplittableRandom r, long n) {
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }

  /** max |a - e| / (|e| + scale) over {@code n} elements from the given offsets. */
  private static double maxRelError(float[] expected, int eOff, float[] actual, int aOff, int n, double scale) {
    double worst = 0;
    for (int i = 0; i < n; i++) {
      double e = expected[eOff + i];
      double a = actual[aOff + i];
      if (Double.isNaN(e) != Double.isNaN(a)) {
        return Double.POSITIVE_INFINITY;
      }
      if (e != a) {
        worst = Math.max(worst, Math.abs(a - e) / (Math.abs(e) + scale));
      }
    }
    return worst;
  }

  private static float[] download(DeviceFloats d, long off, int n) {
    float[] h = new float[n];
    d.copyTo(off, h, 0, n);
    return h;
  }

  /** TF32 tensor-core peak of an H200 SXM by the datasheet (dense), GFLOP/s. */
  static final double TF32_PEAK_GFLOPS = 494_000;

  private static Case gemm(CudaContext ctx, SplittableRandom r, KernelProvider scalar, KernelProvider cpu, int m, int k,
                           int n, boolean tf32) {
    Case c = new Case();
    c.kernel = tf32 ? "gemm tf32" : "gemm";
    c.shape = m + "x" + k + " . " + k + "x" + n;
    float[] a = uniform(r, (long) m * k);
    float[] b = uniform(r, (long) k * n);
    float[] bias = uniform(r, n);
    DeviceFloats da = c.own(ctx.upload(a));
    DeviceFloats db = c.own(ctx.upload(b));
    DeviceFloats dbias = c.own(ctx.upload(bias));
    DeviceFloats dc = c.output(ctx.allocFloats((long) m * n));
    c.gpu = tf32 ? () -> CudaDense.gemmTf32(da, 0, k, m, k, db, 0, n, n, dbias, 0, dc, 0, n, false)
        : () -> CudaDense.gemm(da, 0, k, m, k, db, 0, n, n, dbias, 0, dc, 0, n, false);
    int slice = Math.min(m, 32);
    float[] cpuOut = new float[slice * n];
    c.cpuSlice = () -> cpu.dense().gemm(a, 0, k, slice, k, b, 0, n, n, bias, 0, cpuOut, 0, n, false);
    c.sliceFraction = (double) slice / m;
    int rowsChecked = Math.min(m, 16);
    if (tf32) {
      // CudaDense.gemmTf32's bound: |c - c_fp32| <= (2^-10 + (k + 2) 2^-22) (sum_p |a b| + |bias|).
      c.tolerance = Math.scalb(1.0, -10) + (k + 2) * Math.scalb(1.0, -22);
      c.note = String.format(Locale.ROOT, "max err = max |c - c_fp32| / (sum_p |a b| + |bias|), bound %.1e; %% FP32"
          + " is of the FP32 peak: the TF32 tensor peak is %.0f GFLOP/s (datasheet, dense)", c.tolerance,
          TF32_PEAK_GFLOPS);
    }
    c.verify = () -> {
      float[] expected = new float[rowsChecked * n];
      int first = m - rowsChecked;
      scalar.dense().gemm(a, first * k, k, rowsChecked, k, b, 0, n, n, bias, 0, expected, 0, n, false);
      float[] actual = download(dc, (long) first * n, rowsChecked * n);
      if (!tf32) {
        return maxRelError(expected, 0, actual, 0, expected.length, Math.sqrt(k));
      }
      double worst = 0;
      for (int i = 0; i < rowsChecked; i++) {
        for (int j = 0; j < n; j++) {
          double magnitude = Math.abs(bias[j]);
          for (int p = 0; p < k; p++) {
            magnitude += Math.abs((double) a[(first + i) * k + p] * b[p * n + j]);
          }
          double err = Math.abs((double) actual[i * n + j] - expected[i * n + j]);
          worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err / magnitude);
        }
      }
      return worst;
    };
    c.bytes = 4.0 * ((double) m * k + (double) k * n + (double) m * n);
    c.flops = 2.0 * m * n * k;
    return c;
  }

  private static Case attention(CudaContext ctx, SplittableRandom r, KernelProvider scalar, KernelProvider cpu, String name, int b, int l,
                                int heads, int dk, int dv) {
    Case c = new Case();
    c.kernel = name;
    c.shape = "B" + b + " L" + l + " H" + heads + " dk" + dk + " dv" + dv;
    float[] q = uniform(r, (long) b * heads * dk);
    float[] k = uniform(r, (long) l * heads * dk);
    float[] v = uniform(r, (long) l * heads * dv);
    int valid = l - l / 10;
    float scale = Attention.defaultScale(dk);
    DeviceFloats dq = c.own(ctx.upload(q));
    DeviceFloats dk2 = c.own(ctx.upload(k));
    DeviceFloats dv2 = c.own(ctx.upload(v));
    DeviceFloats dout = c.output(ctx.allocFloats((long) b * heads * dv));
    c.gpu = () -> CudaAttention.targetAttention(dq, 0, b, dk2, 0, dv2, 0, l, valid, heads, dk, dv, scale, null, 0, 0, 0,
        dout, 0);
    int slice = Math.max(1, Math.min(b, l >= 10_000 ? 4 : 64));
    float[] cpuOut = new float[slice * heads * dv];
    float[] scratch = new float[Attention.targetAttentionScratchSize(slice, l, heads, dk)];
    c.cpuSlice = () -> cpu.attention().targetAttention(q, 0, slice, k, 0, v, 0, l, valid, heads, dk, dv, scale, null, 0, 0, 0,
        cpuOut, 0, scratch, 0);
    c.sliceFraction = (double) slice / b;
    c.verify = () -> {
      int checked = Math.min(b, 4);
      float[] expected = new float[checked * heads * dv];
      float[] s = new float[Attention.targetAttentionScratchSize(checked, l, heads, dk)];
      scalar.attention().targetAttention(q, 0, checked, k, 0, v, 0, l, valid, heads, dk, dv, scale, null, 0, 0, 0,
          expected, 0, s, 0);
      return maxRelError(expected, 0, download(dout, 0, expected.length), 0, expected.length, 1);
    };
    c.bytes = 4.0 * ((double) valid * heads * (dk + dv) + (double) b * heads * (dk + dv));
    c.flops = 2.0 * b * heads * (double) valid * (dk + dv);
    return c;
  }

  private static Case gathered(CudaContext ctx, SplittableRandom r, KernelProvider scalar, KernelProvider cpu, int b, int m, int n,
                               int heads, int dk, int dv) {
    Case c = new Case();
    c.kernel = "attention gathered";
    c.shape = "B" + b + " m" + m + " of n" + n + " H" + heads + " d" + dk;
    float[] q = uniform(r, (long) b * heads * dk);
    float[] k = uniform(r, (long) n * heads * dk);
    float[] v = uniform(r, (long) n * heads * dv);
    int[] index = new int[b * m];
    for (int i = 0; i < index.length; i++) {
      index[i] = r.nextInt(n);
    }
    int[] count = new int[b];
    for (int t = 0; t < b; t++) {
      count[t] = m - r.nextInt(m / 4 + 1);
    }
    float scale = Attention.defaultScale(dk);
    DeviceFloats dq = c.own(ctx.upload(q));
    DeviceFloats dk2 = c.own(ctx.upload(k));
    DeviceFloats dv2 = c.own(ctx.upload(v));
    DeviceInts di = c.own(ctx.upload(index));
    DeviceInts dc = c.own(ctx.upload(count));
    DeviceFloats dout = c.output(ctx.allocFloats((long) b * heads * dv));
    c.gpu = () -> CudaAttention.targetAttentionGathered(dq, 0, b, dk2, 0, dv2, 0, n, di, 0, m, dc, 0, heads, dk, dv,
        scale, null, 0, 0, 0, dout, 0);
    int slice = Math.min(b, 100);
    float[] cpuOut = new float[slice * heads * dv];
    float[] scratch = new float[Attention.targetAttentionGatheredScratchSize(slice, m, heads)];
    c.cpuSlice = () -> cpu.attention().targetAttentionGathered(q, 0, slice, k, 0, v, 0, n, index, 0, m, count, 0, heads, dk,
        dv, scale, null, 0, 0, 0, cpuOut, 0, scratch, 0);
    c.sliceFraction = (double) slice / b;
    c.verify = () -> {
      int checked = Math.min(b, 16);
      float[] expected = new float[checked * heads * dv];
      float[] s = new float[Attention.targetAttentionGatheredScratchSize(checked, m, heads)];
      scalar.attention().targetAttentionGathered(q, 0, checked, k, 0, v, 0, n, index, 0, m, count, 0, heads, dk, dv,
          scale, null, 0, 0, 0, expected, 0, s, 0);
      return maxRelError(expected, 0, download(dout, 0, expected.length), 0, expected.length, 1);
    };
    long pairs = 0;
    for (int t : count) {
      pairs += t;
    }
    c.bytes = 4.0 * (pairs * heads * (dk + dv) + pairs + (double) b * heads * (dk + dv));
    c.flops = 2.0 * pairs * heads * (dk + dv);
    return c;
  }

  private static float[] transpose(float[] w, int rows, int cols) {
    float[] t = new float[w.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = w[i * cols + j];
      }
    }
    return t;
  }

  private static Case gru(CudaContext ctx, SplittableRandom r, KernelProvider scalar, KernelProvider cpu, boolean augru, int rows,
                          int steps, int in, int hidden) {
    Case c = new Case();
    int gates = augru ? 3 : 4;
    c.kernel = augru ? "augru scan" : "lstm scan";
    c.shape = "rows" + rows + " T" + steps + " in" + in + " H" + hidden;
    float[] wih = uniform(r, (long) gates * hidden * in);
    float[] whh = uniform(r, (long) gates * hidden * hidden);
    for (int i = 0; i < whh.length; i++) {
      whh[i] /= (float) Math.sqrt(hidden);
    }
    float[] bih = uniform(r, gates * hidden);
    float[] bhh = uniform(r, gates * hidden);
    float[] x = uniform(r, (long) rows * steps * in);
    float[] att = new float[rows * steps];
    for (int i = 0; i < att.length; i++) {
      att[i] = (float) r.nextDouble();
    }
    int[] lengths = new int[rows];
    for (int i = 0; i < rows; i++) {
      lengths[i] = steps - r.nextInt(steps / 2 + 1);
    }
    CudaRecurrentWeights w = c.own(augru ? CudaRecurrent.packGru(ctx, wih, whh, bih, bhh, in, hidden)
        : CudaRecurrent.packLstm(ctx, wih, whh, bih, bhh, in, hidden));
    DeviceFloats dx = c.own(ctx.upload(x));
    DeviceFloats datt = c.own(ctx.upload(att));
    DeviceFloats dh = c.output(ctx.allocFloats((long) rows * hidden));
    DeviceFloats dcell = augru ? c.own(ctx.allocFloats((long) rows * hidden)) : c.output(ctx.allocFloats((long) rows * hidden));
    c.gpu = augru
        ? () -> CudaRecurrent.augruScan(w, dx, 0, false, datt, 0, rows, steps, lengths, 0, null, 0, dh, 0, null, 0)
        : () -> CudaRecurrent.lstmScan(w, dx, 0, rows, steps, lengths, 0, null, 0, null, 0, dh, 0, dcell, 0, null, 0);
    int slice = Math.min(rows, 100);
    float[] hOut = new float[slice * hidden];
    float[] cOut = new float[slice * hidden];
    RecurrentKernels.Packed packed = new RecurrentKernels.Packed(gates, in, hidden, transpose(wih, gates * hidden, in),
        transpose(whh, gates * hidden, hidden), bih, bhh);
    if (augru) {
      float[] scratch = new float[(int) RecurrentKernels.gruScanScratch(slice, steps, hidden, false)];
      c.cpuSlice = () -> cpu.recurrent().gruScan(RecurrentKernels.GruMode.AUGRU, packed, x, 0, false, att, 0, slice,
          steps, lengths, 0, null, 0, hOut, 0, null, 0, scratch, 0);
    } else {
      float[] scratch = new float[(int) RecurrentKernels.lstmScanScratch(slice, steps, hidden)];
      c.cpuSlice = () -> cpu.recurrent().lstmScan(packed, x, 0, slice, steps, lengths, 0, null, 0, null, 0, hOut, 0,
          cOut, 0, null, 0, scratch, 0);
    }
    c.sliceFraction = (double) slice / rows;
    c.verify = () -> {
      int checked = Math.min(rows, 16);
      float[] expected = new float[checked * hidden];
      float[] cell = new float[checked * hidden];
      if (augru) {
        float[] s = new float[(int) RecurrentKernels.gruScanScratch(checked, steps, hidden, false)];
        scalar.recurrent().gruScan(RecurrentKernels.GruMode.AUGRU, packed, x, 0, false, att, 0, checked, steps, lengths,
            0, null, 0, expected, 0, null, 0, s, 0);
      } else {
        float[] s = new float[(int) RecurrentKernels.lstmScanScratch(checked, steps, hidden)];
        scalar.recurrent().lstmScan(packed, x, 0, checked, steps, lengths, 0, null, 0, null, 0, expected, 0, cell, 0,
            null, 0, s, 0);
      }
      return maxRelError(expected, 0, download(dh, 0, expected.length), 0, expected.length, 1);
    };
    long work = 0;
    for (int len : lengths) {
      work += len;
    }
    c.bytes = 4.0 * ((double) rows * steps * in + (double) gates * hidden * (in + hidden) + (double) rows * hidden
        + rows * steps);
    c.flops = 2.0 * work * gates * hidden * (in + hidden);
    return c;
  }

  private static Case conv(CudaContext ctx, SplittableRandom r, KernelProvider scalar, KernelProvider cpu, int batch, int length, int cIn,
                           int cOut, int kernelSize, int dilation) {
    Case c = new Case();
    c.kernel = "causal conv1d";
    c.shape = "B" + batch + " L" + length + " C" + cIn + "->" + cOut + " k" + kernelSize + " r" + dilation;
    float[] weight = uniform(r, (long) cOut * cIn * kernelSize);
    float[] bias = uniform(r, cOut);
    float[] x = uniform(r, (long) batch * length * cIn);
    CudaCausalConv dconv = c.own(CudaConvolution.packCausalConv1d(ctx, weight, bias, cOut, cIn, kernelSize, dilation));
    DeviceFloats dx = c.own(ctx.upload(x));
    DeviceFloats dy = c.output(ctx.allocFloats((long) batch * length * cOut));
    c.gpu = () -> CudaConvolution.causalConv1dBatch(dx, 0, batch, length, dconv, dy, 0);
    float[] taps = new float[weight.length];
    for (int o = 0; o < cOut; o++) {
      for (int ci = 0; ci < cIn; ci++) {
        for (int mm = 0; mm < kernelSize; mm++) {
          taps[(mm * cIn + ci) * cOut + o] = weight[(o * cIn + ci) * kernelSize + mm];
        }
      }
    }
    int slice = Math.min(batch, 4);
    float[] cpuOut = new float[slice * length * cOut];
    c.cpuSlice = () -> {
      for (int i = 0; i < slice; i++) {
        cpu.convolution().causalConv1d(x, i * length * cIn, length, 0, taps, bias, cIn, cOut, kernelSize, dilation,
            cpuOut, i * length * cOut);
      }
    };
    c.sliceFraction = (double) slice / batch;
    c.verify = () -> {
      float[] expected = new float[length * cOut];
      int last = batch - 1;
      scalar.convolution().causalConv1d(x, last * length * cIn, length, 0, taps, bias, cIn, cOut, kernelSize, dilation,
          expected, 0);
      return maxRelError(expected, 0, download(dy, (long) last * length * cOut, expected.length), 0, expected.length,
          Math.sqrt(kernelSize * cIn));
    };
    c.bytes = 4.0 * ((double) batch * length * (cIn + cOut) + (double) weight.length);
    c.flops = 2.0 * batch * length * (double) cOut * cIn * kernelSize;
    return c;
  }

  private static Case simhash(CudaContext ctx, SplittableRandom r, KernelProvider scalar, KernelProvider cpu, int rows, int d, int m) {
    Case c = new Case();
    c.kernel = "simhash";
    c.shape = "rows" + rows + " d" + d + " m" + m;
    c.exact = true;
    float[] x = uniform(r, (long) rows * d);
    float[] planes = SimHash.planes(7, d, m);
    DeviceFloats dx = c.own(ctx.upload(x));
    DeviceFloats dp = c.own(ctx.upload(planes));
    DeviceLongs sig = c.output(ctx.allocLongs((long) rows * (m / 64)));
    c.gpu = () -> CudaHashing.signatures(dx, 0, rows, d, dp, 0, m, sig, 0);
    int slice = Math.min(rows, 10_000);
    long[] cpuOut = new long[slice * (m / 64)];
    float[] scratch = new float[SimHash.signaturesScratchSize(slice, m)];
    c.cpuSlice = () -> cpu.hashing().signatures(x, 0, slice, d, planes, 0, m, cpuOut, 0, scratch, 0);
    c.sliceFraction = (double) slice / rows;
    c.verify = () -> {
      int checked = Math.min(rows, 4096);
      long[] expected = new long[checked * (m / 64)];
      float[] s = new float[SimHash.signaturesScratchSize(checked, m)];
      scalar.hashing().signatures(x, 0, checked, d, planes, 0, m, expected, 0, s, 0);
      long[] actual = new long[expected.length];
      sig.copyTo(0, actual, 0, actual.length);
      long bits = 0;
      for (int i = 0; i < expected.length; i++) {
        bits += Long.bitCount(expected[i] ^ actual[i]);
      }
      return bits;
    };
    c.bytes = 4.0 * ((double) rows * d + (double) d * m) + 8.0 * rows * (m / 64);
    c.flops = 2.0 * rows * (double) d * m;
    return c;
  }

  private static Case hamming(CudaContext ctx, SplittableRandom r, KernelProvider scalar, KernelProvider cpu, int b, int count, int m,
                              int k) {
    Case c = new Case();
    c.kernel = "hamming top-k";
    c.shape = "B" + b + " L" + count + " m" + m + " k" + k;
    c.exact = true;
    int words = m / 64;
    long[] queries = new long[b * words];
    long[] sigs = new long[count * words];
    for (int i = 0; i < queries.length; i++) {
      queries[i] = r.nextLong();
    }
    for (int i = 0; i < sigs.length; i++) {
      sigs[i] = r.nextLong();
    }
    DeviceLongs dq = c.own(ctx.upload(queries));
    DeviceLongs ds = c.own(ctx.upload(sigs));
    DeviceInts idx = c.output(ctx.allocInts((long) b * k));
    DeviceInts dist = c.output(ctx.allocInts((long) b * k));
    c.gpu = () -> CudaHashing.topK(dq, 0, b, ds, 0, count, count, m, k, idx, 0, dist, 0);
    int slice = Math.min(b, 32);
    int[] ci = new int[slice * k];
    int[] cd = new int[slice * k];
    int[] scratch = new int[Hamming.topKScratchSize(slice, m)];
    c.cpuSlice = () -> cpu.hashing().topK(queries, 0, slice, sigs, 0, count, count, m, k, ci, 0, cd, 0, scratch, 0);
    c.sliceFraction = (double) slice / b;
    c.verify = () -> {
      int checked = Math.min(b, 16);
      int[] ei = new int[checked * k];
      int[] ed = new int[checked * k];
      int[] s = new int[Hamming.topKScratchSize(checked, m)];
      scalar.hashing().topK(queries, 0, checked, sigs, 0, count, count, m, k, ei, 0, ed, 0, s, 0);
      int[] ai = new int[ei.length];
      int[] ad = new int[ed.length];
      idx.copyTo(0, ai, 0, ai.length);
      dist.copyTo(0, ad, 0, ad.length);
      long differ = 0;
      for (int i = 0; i < ei.length; i++) {
        differ += (ei[i] != ai[i] ? 1 : 0) + (ed[i] != ad[i] ? 1 : 0);
      }
      return differ;
    };
    c.bytes = 8.0 * ((double) count * words + (double) b * words) + 8.0 * b * k;
    return c;
  }

  private static Case topk(CudaContext ctx, SplittableRandom r, KernelProvider scalar, KernelProvider cpu, int rows, int n, int k) {
    Case c = new Case();
    c.kernel = "top-k";
    c.shape = "rows" + rows + " n" + n + " k" + k;
    c.exact = true;
    float[] scores = new float[Math.toIntExact((long) rows * n)];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = (float) r.nextGaussian();
    }
    DeviceFloats ds = c.own(ctx.upload(scores));
    DeviceFloats val = c.output(ctx.allocFloats((long) rows * k));
    DeviceInts idx = c.output(ctx.allocInts((long) rows * k));
    c.gpu = () -> CudaTopK.topKRows(ds, 0, rows, n, k, val, 0, idx, 0);
    int slice = Math.min(rows, 20);
    float[] cv = new float[slice * k];
    int[] cidx = new int[slice * k];
    c.cpuSlice = () -> cpu.selection().topKRows(scores, 0, slice, n, k, cv, 0, cidx, 0);
    c.sliceFraction = (double) slice / rows;
    c.verify = () -> {
      int checked = Math.min(rows, 16);
      float[] ev = new float[checked * k];
      int[] ei = new int[checked * k];
      scalar.selection().topKRows(scores, 0, checked, n, k, ev, 0, ei, 0);
      int[] ai = new int[ei.length];
      idx.copyTo(0, ai, 0, ai.length);
      long differ = 0;
      for (int i = 0; i < ei.length; i++) {
        differ += ei[i] != ai[i] ? 1 : 0;
      }
      return differ;
    };
    c.bytes = 4.0 * rows * (double) n + 8.0 * rows * k;
    return c;
  }
}
