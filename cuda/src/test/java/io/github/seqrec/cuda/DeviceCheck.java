package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver.Arg;
import io.github.seqrec.cuda.internal.Geometry;
import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Backends;
import io.github.seqrec.kernels.Convolution;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.GruWeights;
import io.github.seqrec.kernels.Hamming;
import io.github.seqrec.kernels.LstmWeights;
import io.github.seqrec.kernels.PackedCausalConv;
import io.github.seqrec.kernels.Recurrent;
import io.github.seqrec.kernels.SimHash;
import io.github.seqrec.kernels.TopK;
import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.kernels.internal.RecurrentKernels;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * The one-command GPU check (a tool of the test source set: it compares with the CPU scalar
 * definition, which {@code seqrec-kernels} does not export; {@code cuda/device-check.sh} runs it
 * from the test jar): opens the GPU, runs every seqrec CUDA kernel once on paper-sized
 * shapes, compares a slice of each output with the CPU scalar definition
 * ({@code KernelProvider.scalar()}), times each kernel with CUDA events (median of many launches)
 * and the same shape on seqrec's CPU backend ({@code Backends.describe()}: the vector backend
 * when the JVM runs with {@code --add-modules jdk.incubator.vector}; one thread, measured on a
 * slice of the rows and scaled to the full shape), and prints a table last: max relative error,
 * GPU time, achieved GB/s against the copy bandwidth measured in the same run, GFLOP/s against
 * the FP32 datasheet peak, and the speedup over the CPU.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp ... io.github.seqrec.cuda.DeviceCheck</pre>
 *
 * <p>Exit codes: {@value #OK} every check passed; {@value #FAILED} a check failed (its row says
 * which); {@value #NO_GPU} no usable GPU: one line {@code no GPU: REASON: detail} and nothing else.
 */
public final class DeviceCheck {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int NO_GPU = 3;

  /** FP32 peak of an H200 SXM by the datasheet (no tensor cores), GFLOP/s. */
  static final double FP32_PEAK_GFLOPS = 67_000;

  /** The shapes and repetitions of one run: paper-sized on a GPU, tiny for the emulator test. */
  record Plan(boolean small, int warmups, int reps) {
    static final Plan FULL = new Plan(false, 3, 20);
    static final Plan TINY = new Plan(true, 0, 1);

    int pick(int full, int tiny) {
      return small ? tiny : full;
    }
  }

  private DeviceCheck() {}

  /** {@code --tiny}: the small shapes of the emulator test, one repetition (a quick smoke run). */
  public static void main(String[] args) {
    boolean tiny = args.length > 0 && args[0].equals("--tiny");
    System.exit(run(System.out, tiny ? Plan.TINY : Plan.FULL));
  }

  /** One measured kernel. */
  private record Row(String kernel, String shape, String error, boolean pass, double gpuMs, double bytes,
                     double flops, double cpuMs, String note) {}

  /** A prepared case: the GPU call, the CPU call on a slice, the check of a slice. */
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
    final List<AutoCloseable> resources = new ArrayList<>();

    <T extends AutoCloseable> T own(T resource) {
      resources.add(resource);
      return resource;
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

  static int run(PrintStream out) {
    return run(out, Plan.FULL);
  }

  static int run(PrintStream out, Plan plan) {
    long t0 = System.nanoTime();
    CudaContext ctx;
    try {
      ctx = CudaContext.open();
    } catch (CudaUnavailableException e) {
      out.println("no GPU: " + e.reason() + ": " + e.getMessage());
      return NO_GPU;
    }
    double openMs = (System.nanoTime() - t0) / 1e6;
    try (ctx) {
      out.printf(Locale.ROOT, "context + module load (driver JIT of the PTX) %.0f ms%n", openMs);
      return runChecks(ctx, out, plan) ? OK : FAILED;
    }
  }

  /** Runs every case on an open context and prints the table; true when all passed. */
  static boolean runChecks(CudaContext ctx, PrintStream out, Plan plan) {
    out.println("device: " + ctx.device() + ", PTX " + ctx.ptxTarget());
    out.println("CPU: " + Backends.describe() + ", " + Runtime.getRuntime().availableProcessors() + " cores (1 used)");
    double copy = copyBandwidth(ctx, out, plan);
    List<Row> rows = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(2026);
    KernelProvider scalar = KernelProvider.scalar();
    List<Builder> builders = List.of(
        c -> gemm(c, random, scalar, plan.pick(2048, 70), plan.pick(2048, 33), plan.pick(2048, 65)),
        c -> attention(c, random, scalar, "attention", plan.pick(1000, 5), plan.pick(1000, 300), plan.pick(4, 2), 16, 16),
        c -> attention(c, random, scalar, "attention (long)", plan.pick(100, 2), plan.pick(100_000, 1100), plan.pick(4, 1), 16, 16),
        c -> gathered(c, random, scalar, plan.pick(1000, 5), plan.pick(100, 10), plan.pick(100_000, 200),
            plan.pick(4, 2), 16, 16),
        c -> gru(c, random, scalar, true, plan.pick(1000, 5), plan.pick(50, 6), plan.pick(64, 8), plan.pick(64, 8)),
        c -> gru(c, random, scalar, false, plan.pick(1000, 5), plan.pick(50, 6), plan.pick(64, 8), plan.pick(64, 8)),
        c -> conv(c, random, scalar, plan.pick(256, 2), plan.pick(1000, 20), plan.pick(64, 4), plan.pick(64, 6), 3,
            plan.pick(4, 2)),
        c -> simhash(c, random, scalar, plan.pick(100_000, 100), plan.pick(64, 16), 64),
        c -> hamming(c, random, scalar, plan.pick(1000, 3), plan.pick(100_000, 200), 64, plan.pick(50, 10)),
        c -> topk(c, random, scalar, plan.pick(1000, 3), plan.pick(100_000, 500), plan.pick(100, 20)));
    for (Builder b : builders) {
      rows.add(measure(ctx, b, out, plan));
    }
    out.println();
    printTable(out, ctx, copy, rows, plan);
    return rows.stream().allMatch(Row::pass);
  }

  @FunctionalInterface
  private interface Builder {
    Case build(CudaContext ctx);
  }

  private static Row measure(CudaContext ctx, Builder builder, PrintStream out, Plan plan) {
    Case c = null;
    try {
      c = builder.build(ctx);
      c.gpu.run();
      double err = c.verify.getAsDouble();
      boolean pass = c.exact ? err == 0 : err <= c.tolerance;
      String error = c.exact ? (err == 0 ? "exact" : (long) err + " differ") : String.format(Locale.ROOT, "%.1e", err);
      Case cc = c;
      float[] ms = ctx.timeMillis(c.kernel, () -> cc.gpu.run(), plan.warmups(), plan.reps());
      double gpuMs = ms[ms.length / 2];
      c.cpuSlice.run(); // warm the JIT
      double cpuMs = medianNanos(c.cpuSlice, 3) / 1e6 / c.sliceFraction;
      out.printf(Locale.ROOT, "  %-18s %-34s err %-9s GPU %9.4f ms  CPU %10.2f ms%s%n", c.kernel, c.shape, error,
          gpuMs, cpuMs, pass ? "" : "  FAILED");
      return new Row(c.kernel, c.shape, error, pass, gpuMs, c.bytes, c.flops, cpuMs, "");
    } catch (RuntimeException | Error e) {
      String name = c == null ? "(setup)" : c.kernel;
      out.println("  " + name + " FAILED: " + e);
      e.printStackTrace(out);
      return new Row(name, c == null ? "" : c.shape, "-", false, Double.NaN, 0, 0, Double.NaN, e.toString());
    } finally {
      if (c != null) {
        try {
          c.close();
        } catch (RuntimeException e) {
          out.println("  closing " + c.kernel + ": " + e);
        }
      }
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

  /** Device copy bandwidth (bytes read + written per second) of seqrec_copy over 2 x 1 GiB. */
  private static double copyBandwidth(CudaContext ctx, PrintStream out, Plan plan) {
    long n = plan.small() ? 1L << 12 : 1L << 28; // 2^28 floats = 1 GiB each way
    try (DeviceFloats src = ctx.allocFloats(n); DeviceFloats dst = ctx.allocFloats(n)) {
      src.fill(1f);
      int threads = Geometry.THREADS;
      long blocks = Geometry.gridStrideBlocks(n / 4, threads, ctx.device().multiprocessors());
      Runnable copy = () -> ctx.run(() -> ctx.launch("seqrec_copy", blocks, 1, threads, 0, src.at(0), dst.at(0),
          new Arg.I64(n)));
      float[] ms = ctx.timeMillis("seqrec_copy", copy, plan.warmups(), plan.reps());
      double gbs = 2.0 * n * 4 / (ms[ms.length / 2] / 1e3) / 1e9;
      out.printf(Locale.ROOT, "copy bandwidth (seqrec_copy, %d MiB, read + write): %.0f GB/s%n", n * 4 >> 20, gbs);
      return gbs;
    }
  }

  private static void printTable(PrintStream out, CudaContext ctx, double copyGbs, List<Row> rows, Plan plan) {
    out.printf(Locale.ROOT, "seqrec CUDA device check: %s, PTX %s; ceilings: copy %.0f GB/s (measured), FP32 %.0f"
        + " GFLOP/s (datasheet); CPU = %s, 1 thread%n", ctx.device().name(), ctx.ptxTarget(), copyGbs, FP32_PEAK_GFLOPS,
        Backends.name());
    String fmt = "| %-18s | %-34s | %-9s | %10s | %8s | %6s | %9s | %6s | %10s | %8s |%n";
    out.printf(Locale.ROOT, fmt, "kernel", "shape", "max err", "GPU ms", "GB/s", "% copy", "GFLOP/s", "% FP32",
        "CPU ms", "speedup");
    out.printf(Locale.ROOT, fmt, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-");
    for (Row r : rows) {
      double gbs = r.bytes / (r.gpuMs / 1e3) / 1e9;
      double gflops = r.flops / (r.gpuMs / 1e3) / 1e9;
      out.printf(Locale.ROOT, fmt, r.kernel, r.shape, r.pass ? r.error : r.error + " FAIL",
          String.format(Locale.ROOT, "%.4f", r.gpuMs), String.format(Locale.ROOT, "%.0f", gbs),
          String.format(Locale.ROOT, "%.1f", 100 * gbs / copyGbs),
          r.flops == 0 ? "-" : String.format(Locale.ROOT, "%.0f", gflops),
          r.flops == 0 ? "-" : String.format(Locale.ROOT, "%.1f", 100 * gflops / FP32_PEAK_GFLOPS),
          String.format(Locale.ROOT, "%.2f", r.cpuMs), String.format(Locale.ROOT, "%.0fx", r.cpuMs / r.gpuMs));
    }
    out.println("GB/s: the bytes a kernel must move at least (inputs once, outputs once) per GPU second;"
        + " GPU ms: median of " + plan.reps() + " timed calls (CUDA events; top-k and gathered attention include"
        + " their 8-byte status read-back); CPU ms: seqrec " + Backends.name()
        + " backend on one thread, timed on a slice of the rows and scaled to the full shape.");
    out.println(rows.stream().allMatch(Row::pass) ? "RESULT: all checks passed" : "RESULT: FAILED");
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

  private static Case gemm(CudaContext ctx, SplittableRandom r, KernelProvider scalar, int m, int k, int n) {
    Case c = new Case();
    c.kernel = "gemm";
    c.shape = m + "x" + k + " . " + k + "x" + n;
    float[] a = uniform(r, (long) m * k);
    float[] b = uniform(r, (long) k * n);
    float[] bias = uniform(r, n);
    DeviceFloats da = c.own(ctx.upload(a));
    DeviceFloats db = c.own(ctx.upload(b));
    DeviceFloats dbias = c.own(ctx.upload(bias));
    DeviceFloats dc = c.own(ctx.allocFloats((long) m * n));
    dc.fill(Float.NaN);
    c.gpu = () -> CudaDense.gemm(da, 0, k, m, k, db, 0, n, n, dbias, 0, dc, 0, n, false);
    int slice = 32;
    float[] cpuOut = new float[slice * n];
    c.cpuSlice = () -> Dense.gemm(a, 0, k, slice, k, b, 0, n, n, bias, 0, cpuOut, 0, n, false);
    c.sliceFraction = (double) slice / m;
    c.verify = () -> {
      int rowsChecked = 16;
      float[] expected = new float[rowsChecked * n];
      scalar.dense().gemm(a, (m - rowsChecked) * k, k, rowsChecked, k, b, 0, n, n, bias, 0, expected, 0, n, false);
      float[] actual = download(dc, (long) (m - rowsChecked) * n, rowsChecked * n);
      return maxRelError(expected, 0, actual, 0, expected.length, Math.sqrt(k));
    };
    c.bytes = 4.0 * ((double) m * k + (double) k * n + (double) m * n);
    c.flops = 2.0 * m * n * k;
    return c;
  }

  private static Case attention(CudaContext ctx, SplittableRandom r, KernelProvider scalar, String name, int b, int l,
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
    DeviceFloats dout = c.own(ctx.allocFloats((long) b * heads * dv));
    dout.fill(Float.NaN);
    c.gpu = () -> CudaAttention.targetAttention(dq, 0, b, dk2, 0, dv2, 0, l, valid, heads, dk, dv, scale, null, 0, 0, 0,
        dout, 0);
    int slice = Math.max(1, Math.min(b, l >= 10_000 ? 4 : 64));
    float[] cpuOut = new float[slice * heads * dv];
    float[] scratch = new float[Attention.targetAttentionScratchSize(slice, l, heads, dk)];
    c.cpuSlice = () -> Attention.targetAttention(q, 0, slice, k, 0, v, 0, l, valid, heads, dk, dv, scale, null, 0, 0, 0,
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

  private static Case gathered(CudaContext ctx, SplittableRandom r, KernelProvider scalar, int b, int m, int n,
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
    DeviceFloats dout = c.own(ctx.allocFloats((long) b * heads * dv));
    dout.fill(Float.NaN);
    c.gpu = () -> CudaAttention.targetAttentionGathered(dq, 0, b, dk2, 0, dv2, 0, n, di, 0, m, dc, 0, heads, dk, dv,
        scale, null, 0, 0, 0, dout, 0);
    int slice = Math.min(b, 100);
    float[] cpuOut = new float[slice * heads * dv];
    float[] scratch = new float[Attention.targetAttentionGatheredScratchSize(slice, m, heads)];
    c.cpuSlice = () -> Attention.targetAttentionGathered(q, 0, slice, k, 0, v, 0, n, index, 0, m, count, 0, heads, dk,
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

  private static Case gru(CudaContext ctx, SplittableRandom r, KernelProvider scalar, boolean augru, int rows,
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
    DeviceFloats dh = c.own(ctx.allocFloats((long) rows * hidden));
    DeviceFloats dcell = c.own(ctx.allocFloats((long) rows * hidden));
    dh.fill(Float.NaN);
    c.gpu = augru
        ? () -> CudaRecurrent.augruScan(w, dx, 0, false, datt, 0, rows, steps, lengths, 0, null, 0, dh, 0, null, 0)
        : () -> CudaRecurrent.lstmScan(w, dx, 0, rows, steps, lengths, 0, null, 0, null, 0, dh, 0, dcell, 0, null, 0);
    int slice = Math.min(rows, 100);
    float[] hOut = new float[slice * hidden];
    float[] cOut = new float[slice * hidden];
    if (augru) {
      GruWeights cw = Recurrent.packGru(wih, whh, bih, bhh, in, hidden);
      float[] scratch = new float[Recurrent.gruScanScratchSize(slice, steps, hidden, false)];
      c.cpuSlice = () -> Recurrent.augruScan(cw, x, 0, false, att, 0, slice, steps, lengths, 0, null, 0, hOut, 0, null, 0,
          scratch, 0);
    } else {
      LstmWeights cw = Recurrent.packLstm(wih, whh, bih, bhh, in, hidden);
      float[] scratch = new float[Recurrent.lstmScanScratchSize(slice, steps, hidden)];
      c.cpuSlice = () -> Recurrent.lstmScan(cw, x, 0, slice, steps, lengths, 0, null, 0, null, 0, hOut, 0, cOut, 0, null,
          0, scratch, 0);
    }
    c.sliceFraction = (double) slice / rows;
    RecurrentKernels.Packed packed = new RecurrentKernels.Packed(gates, in, hidden, transpose(wih, gates * hidden, in),
        transpose(whh, gates * hidden, hidden), bih, bhh);
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

  private static Case conv(CudaContext ctx, SplittableRandom r, KernelProvider scalar, int batch, int length, int cIn,
                           int cOut, int kernelSize, int dilation) {
    Case c = new Case();
    c.kernel = "causal conv1d";
    c.shape = "B" + batch + " L" + length + " C" + cIn + "->" + cOut + " k" + kernelSize + " r" + dilation;
    float[] weight = uniform(r, (long) cOut * cIn * kernelSize);
    float[] bias = uniform(r, cOut);
    float[] x = uniform(r, (long) batch * length * cIn);
    CudaCausalConv dconv = c.own(CudaConvolution.packCausalConv1d(ctx, weight, bias, cOut, cIn, kernelSize, dilation));
    DeviceFloats dx = c.own(ctx.upload(x));
    DeviceFloats dy = c.own(ctx.allocFloats((long) batch * length * cOut));
    dy.fill(Float.NaN);
    c.gpu = () -> CudaConvolution.causalConv1dBatch(dx, 0, batch, length, dconv, dy, 0);
    PackedCausalConv cpuConv = Convolution.packCausalConv1d(weight, bias, cOut, cIn, kernelSize, dilation);
    int slice = Math.min(batch, 4);
    float[] cpuOut = new float[slice * length * cOut];
    c.cpuSlice = () -> Convolution.causalConv1dBatch(x, 0, slice, length, cpuConv, cpuOut, 0);
    c.sliceFraction = (double) slice / batch;
    float[] taps = new float[weight.length];
    for (int o = 0; o < cOut; o++) {
      for (int ci = 0; ci < cIn; ci++) {
        for (int mm = 0; mm < kernelSize; mm++) {
          taps[(mm * cIn + ci) * cOut + o] = weight[(o * cIn + ci) * kernelSize + mm];
        }
      }
    }
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

  private static Case simhash(CudaContext ctx, SplittableRandom r, KernelProvider scalar, int rows, int d, int m) {
    Case c = new Case();
    c.kernel = "simhash";
    c.shape = "rows" + rows + " d" + d + " m" + m;
    c.exact = true;
    float[] x = uniform(r, (long) rows * d);
    float[] planes = SimHash.planes(7, d, m);
    DeviceFloats dx = c.own(ctx.upload(x));
    DeviceFloats dp = c.own(ctx.upload(planes));
    DeviceLongs sig = c.own(ctx.allocLongs((long) rows * (m / 64)));
    sig.zero();
    c.gpu = () -> CudaHashing.signatures(dx, 0, rows, d, dp, 0, m, sig, 0);
    int slice = Math.min(rows, 10_000);
    long[] cpuOut = new long[slice * (m / 64)];
    float[] scratch = new float[SimHash.signaturesScratchSize(slice, m)];
    c.cpuSlice = () -> SimHash.signatures(x, 0, slice, d, planes, 0, m, cpuOut, 0, scratch, 0);
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

  private static Case hamming(CudaContext ctx, SplittableRandom r, KernelProvider scalar, int b, int count, int m,
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
    DeviceInts idx = c.own(ctx.allocInts((long) b * k));
    DeviceInts dist = c.own(ctx.allocInts((long) b * k));
    c.gpu = () -> CudaHashing.topK(dq, 0, b, ds, 0, count, count, m, k, idx, 0, dist, 0);
    int slice = Math.min(b, 32);
    int[] ci = new int[slice * k];
    int[] cd = new int[slice * k];
    int[] scratch = new int[Hamming.topKScratchSize(slice, m)];
    c.cpuSlice = () -> Hamming.topK(queries, 0, slice, sigs, 0, count, count, m, k, ci, 0, cd, 0, scratch, 0);
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

  private static Case topk(CudaContext ctx, SplittableRandom r, KernelProvider scalar, int rows, int n, int k) {
    Case c = new Case();
    c.kernel = "top-k";
    c.shape = "rows" + rows + " n" + n + " k" + k;
    c.exact = true;
    float[] scores = new float[Math.toIntExact((long) rows * n)];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = (float) r.nextGaussian();
    }
    DeviceFloats ds = c.own(ctx.upload(scores));
    DeviceFloats val = c.own(ctx.allocFloats((long) rows * k));
    DeviceInts idx = c.own(ctx.allocInts((long) rows * k));
    c.gpu = () -> CudaTopK.topKRows(ds, 0, rows, n, k, val, 0, idx, 0);
    int slice = Math.min(rows, 20);
    float[] cv = new float[slice * k];
    int[] cidx = new int[slice * k];
    c.cpuSlice = () -> TopK.topKRows(scores, 0, slice, n, k, cv, 0, cidx, 0);
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
