package io.github.seqrec.jmh.report;

import io.github.seqrec.jmh.Work;
import io.github.seqrec.kernels.Backends;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The per-ISA profile: the GEMM-shaped kernels, the FMA ceiling and the ONNX Runtime model peers
 * (DIN, DIEN, TIM at B = 100 and 1000, one thread), run once per instruction set this machine can
 * offer C2, each against its own in-run ceiling.
 *
 * <p>On an AVX-512 machine that is twice: natively (512-bit species, 32 registers) and with
 * {@code -XX:UseAVX=2} (C2 then has the AVX2 register file, 16 ymm registers, and 256-bit vectors,
 * exactly what an AVX2 server gives it); on an AVX2 machine only the AVX2 run exists, and the
 * report says so. Each run's forks get that run's JVM flags; the first thing each run does is ask a
 * JVM with those flags for {@code Backends.describe()} (species, lanes, FMA, GEMM tile), which
 * heads its table.
 *
 * <p>Usage (what {@code mvn -P bench-isa verify} runs; hold the machine's benchmark lock):
 * {@code java --add-modules=jdk.incubator.vector -cp benchmarks.jar io.github.seqrec.jmh.report.IsaSuite
 * OUT_DIR [JMH options]}, default JMH options {@code -f 1 -wi 2 -w 500ms -i 3 -r 500ms}. Writes
 * {@code OUT_DIR/<isa>-<job>.json} and {@code OUT_DIR/isa-report.md}.
 */
public final class IsaSuite {
  private IsaSuite() {}

  /** One instruction set to run under: its name and the JVM flags that select it. */
  record Isa(String name, List<String> jvmFlags) {}

  /** One JMH invocation of the profile: a benchmark regex and the params it is restricted to. */
  record Job(String name, String include, Map<String, String[]> params) {}

  static final List<Job> JOBS = List.of(
      new Job("ceilings", "Ceilings\\.fmaPeak$", Map.of()),
      new Job("dense", "DenseBenchmark\\.linear(Scalar|Vector)$", Map.of()),
      new Job("conv", "ConvolutionBenchmark\\.nextItNetStack(Scalar|Vector)$", Map.of()),
      new Job("simhash", "HashingBenchmark\\.signatures(Scalar|Vector)$", Map.of()),
      new Job("gru", "RecurrentBenchmark\\.gruScan(Scalar|Vector)$", Map.of("rows", new String[] {"100"})),
      new Job("augru-lstm", "RecurrentBenchmark\\.(augruScan|lstmStep)(Scalar|Vector)$",
          Map.of("rows", new String[] {"1000"})),
      new Job("attention-long", "AttentionBenchmark\\.targetAttention(Scalar|Vector)$",
          Map.of("b", new String[] {"1000"}, "l", new String[] {"1000"}, "heads", new String[] {"1"})),
      new Job("attention-heads", "AttentionBenchmark\\.targetAttention(Scalar|Vector)$",
          Map.of("b", new String[] {"100"}, "l", new String[] {"50"}, "heads", new String[] {"4"})),
      new Job("din-unit", "AttentionBenchmark\\.din(Scalar|Vector)$", Map.of("b", new String[] {"100"})),
      new Job("kmeans", "GraphBenchmark\\.kMeans(Scalar|Vector)$", Map.of()),
      new Job("peers", "\\.PeerBenchmark\\.(seqrec|onnxRuntime)$",
          Map.of("model", new String[] {"din", "dien", "tim"}, "B", new String[] {"100", "1000"},
              "threads", new String[] {"1"})));

  static final String DEFAULT_JMH = "-f 1 -wi 2 -w 500ms -i 3 -r 500ms";

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--describe")) {
      System.out.println("DESCRIBE " + Backends.describe() + " UseAVX=" + vmFlag("UseAVX"));
      return;
    }
    if (args.length < 1) {
      System.err.println("usage: IsaSuite <output-dir> [JMH options]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    Files.createDirectories(out);
    String[] jmhArgs = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length) : DEFAULT_JMH.split(" ");
    String cpuFlags = cpuFlags();
    List<Isa> isas = isas(cpuFlags);
    String note = isas.size() == 1
        ? "This machine offers C2 one instruction set (" + isas.get(0).name() + "): only its table can be made"
            + (isas.get(0).name().equals("AVX2") ? " (no AVX-512 here, so no AVX-512 table)." : ".")
        : "Both tables come from this one machine: the second with -XX:UseAVX=2 (AVX2 register file, 256-bit vectors).";
    Map<Isa, String> described = new LinkedHashMap<>();
    Map<Isa, List<BenchResult>> results = new LinkedHashMap<>();
    for (Isa isa : isas) {
      described.put(isa, describe(isa));
      List<BenchResult> all = new ArrayList<>();
      for (Job job : JOBS) {
        Path json = out.resolve(isa.name().toLowerCase(Locale.ROOT).replace('-', '_') + "-" + job.name() + ".json");
        run(isa, job, jmhArgs, json);
        if (Files.exists(json)) {
          all.addAll(Report.read(json));
        }
      }
      results.put(isa, all);
    }
    String md = markdown(Report.machine(), note, described, results);
    Files.writeString(out.resolve("isa-report.md"), md);
    System.out.println(md);
    System.out.println("(written to " + out.resolve("isa-report.md").toAbsolutePath() + ")");
  }

  /** The instruction sets this machine can run C2 under, widest first. */
  static List<Isa> isas(String cpuFlags) {
    List<Isa> isas = new ArrayList<>();
    String arch = System.getProperty("os.arch", "");
    if (arch.equals("aarch64")) {
      isas.add(new Isa("NEON", List.of()));
      return isas;
    }
    boolean avx512 = cpuFlags.contains(" avx512f ");
    boolean avx2 = cpuFlags.contains(" avx2 ");
    if (avx512) {
      isas.add(new Isa("AVX-512", List.of()));
      if (avx2) {
        isas.add(new Isa("AVX2", List.of("-XX:UseAVX=2")));
      }
    } else {
      isas.add(new Isa(avx2 ? "AVX2" : "native", List.of()));
    }
    return isas;
  }

  private static void run(Isa isa, Job job, String[] jmhArgs, Path json) throws RunnerException {
    try {
      ChainedOptionsBuilder options = new OptionsBuilder().parent(new CommandLineOptions(jmhArgs))
          .include(job.include())
          .resultFormat(ResultFormatType.JSON)
          .result(json.toString());
      // Prepend: the benchmarks' own @Fork(jvmArgsAppend) (incubator module, forced backend) stays.
      if (!isa.jvmFlags().isEmpty()) {
        options.jvmArgsPrepend(isa.jvmFlags().toArray(String[]::new));
      }
      for (Map.Entry<String, String[]> p : job.params().entrySet()) {
        options.param(p.getKey(), p.getValue());
      }
      new Runner(options.build()).run();
    } catch (CommandLineOptionException e) {
      throw new IllegalArgumentException("bad JMH options " + String.join(" ", jmhArgs) + ": " + e.getMessage(), e);
    }
  }

  /** {@code Backends.describe()} in a JVM with this ISA's flags (the forks' species and GEMM tile). */
  static String describe(Isa isa) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--add-modules=jdk.incubator.vector");
    command.addAll(isa.jvmFlags());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(IsaSuite.class.getName());
    command.add("--describe");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return text.lines().filter(l -> l.startsWith("DESCRIBE ")).map(l -> l.substring(9)).findFirst()
        .orElse("(describe failed: " + text.strip() + ")");
  }

  static String markdown(String machine, String note, Map<Isa, String> described,
                         Map<Isa, List<BenchResult>> results) {
    StringBuilder md = new StringBuilder();
    md.append("Per-ISA profile, ").append(Instant.now()).append(", on ").append(machine).append(". ")
        .append(note).append(" Medians of the measured iterations, one thread.\n");
    for (Map.Entry<Isa, List<BenchResult>> e : results.entrySet()) {
      Isa isa = e.getKey();
      List<BenchResult> rs = e.getValue();
      Report.Ceilings ceilings = Report.Ceilings.of(rs);
      md.append("\n### ").append(isa.name())
          .append(isa.jvmFlags().isEmpty() ? " (native)" : " (" + String.join(" ", isa.jvmFlags()) + ")")
          .append("\n\n`").append(described.get(isa)).append("`; in-run FMA ceiling **")
          .append(String.format(Locale.ROOT, "%.1f GFLOP/s", ceilings.flopsPerSecond() / 1e9)).append("**.\n\n");
      md.append("| kernel | params | scalar | vector | vector/scalar | vector GFLOP/s | of ").append(isa.name())
          .append(" FMA ceiling |\n|---|---|---:|---:|---:|---:|---:|\n");
      for (Report.Row row : Report.rows(rs)) {
        if (row.className.endsWith("Ceilings") || row.vector == null) {
          continue;
        }
        Work work = Report.work(row.vector);
        double rate = work == null ? Double.NaN : work.amount() / row.vector.secondsPerOp();
        md.append("| ").append(row.name).append(" | ").append(row.params)
            .append(" | ").append(Report.time(row.scalar))
            .append(" | ").append(Report.time(row.vector))
            .append(" | ").append(row.scalar == null ? ""
                : String.format(Locale.ROOT, "%.1fx", row.scalar.secondsPerOp() / row.vector.secondsPerOp()))
            .append(" | ").append(Double.isNaN(rate) ? "" : String.format(Locale.ROOT, "%.1f", rate / 1e9))
            .append(" | ").append(Double.isNaN(rate) ? ""
                : String.format(Locale.ROOT, "%.0f%%", 100 * rate / ceilings.flopsPerSecond()))
            .append(" |\n");
      }
      Report.peers(rs, md);
    }
    return md.toString();
  }

  private static String cpuFlags() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          return " " + line.substring(line.indexOf(':') + 1).trim() + " ";
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: no flags, the native run only
    }
    return " ";
  }

  private static String vmFlag(String name) {
    try {
      var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
          com.sun.management.HotSpotDiagnosticMXBean.class);
      return bean.getVMOption(name).getValue();
    } catch (RuntimeException | LinkageError e) {
      return "n/a";
    }
  }
}
