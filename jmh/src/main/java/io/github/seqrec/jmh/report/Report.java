package io.github.seqrec.jmh.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.seqrec.jmh.Work;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns a JMH JSON result into the README's Markdown table and PNG plots.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.github.seqrec.jmh.report.Report result.json outDir}.
 * Every number in the table comes from that one result file: the ceilings ({@code Ceilings}) and
 * the kernels were measured in the same run. Times are medians of the measurement iterations.
 * Rates use each benchmark class's {@code workPerOp(params)}; a FLOP rate is divided by the
 * measured FMA peak, a byte rate by the measured copy bandwidth.
 */
public final class Report {
  private Report() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: Report <jmh-result.json> <output-dir>");
      System.exit(2);
    }
    List<BenchResult> results = read(Path.of(args[0]));
    Path outDir = Path.of(args[1]);
    Files.createDirectories(outDir);
    String markdown = markdown(results, Files.getLastModifiedTime(Path.of(args[0])).toString());
    Files.writeString(outDir.resolve("report.md"), markdown);
    Plots.write(results, outDir);
    System.out.println(markdown);
    System.out.println("(report and plots written to " + outDir.toAbsolutePath() + ")");
  }

  /** Parses JMH's JSON result format. */
  static List<BenchResult> read(Path json) throws IOException {
    JsonArray rows;
    try (Reader reader = Files.newBufferedReader(json)) {
      rows = JsonParser.parseReader(reader).getAsJsonArray();
    }
    List<BenchResult> results = new ArrayList<>();
    for (JsonElement element : rows) {
      JsonObject row = element.getAsJsonObject();
      String benchmark = row.get("benchmark").getAsString();
      int dot = benchmark.lastIndexOf('.');
      SortedMap<String, String> params = new TreeMap<>();
      if (row.has("params")) {
        for (Map.Entry<String, JsonElement> p : row.getAsJsonObject("params").entrySet()) {
          params.put(p.getKey(), p.getValue().getAsString());
        }
      }
      JsonObject primary = row.getAsJsonObject("primaryMetric");
      double median = primary.getAsJsonObject("scorePercentiles").get("50.0").getAsDouble();
      double mean = primary.get("score").getAsDouble();
      double error = primary.get("scoreError").isJsonPrimitive() && !primary.get("scoreError").getAsString().equals("NaN")
          ? primary.get("scoreError").getAsDouble() / mean : Double.NaN;
      double secondsPerOp = toSecondsPerOp(median, primary.get("scoreUnit").getAsString());
      double alloc = Double.NaN;
      if (row.has("secondaryMetrics") && row.getAsJsonObject("secondaryMetrics").has("gc.alloc.rate.norm")) {
        alloc = row.getAsJsonObject("secondaryMetrics").getAsJsonObject("gc.alloc.rate.norm").get("score").getAsDouble();
      }
      String jvmArgs = row.has("jvmArgs") ? row.get("jvmArgs").toString() : "";
      results.add(new BenchResult(benchmark.substring(0, dot), benchmark.substring(dot + 1), params,
          secondsPerOp, error, alloc, jvmArgs));
    }
    return results;
  }

  static double toSecondsPerOp(double score, String unit) {
    return switch (unit) {
      case "ops/s" -> 1.0 / score;
      case "ops/ms" -> 1e-3 / score;
      case "ops/us" -> 1e-6 / score;
      case "ops/ns" -> 1e-9 / score;
      case "s/op" -> score;
      case "ms/op" -> score * 1e-3;
      case "us/op" -> score * 1e-6;
      case "ns/op" -> score * 1e-9;
      default -> throw new IllegalArgumentException("unknown JMH score unit " + unit);
    };
  }

  /** The machine's ceilings as measured by {@code Ceilings} in this run (NaN when absent). */
  record Ceilings(double flopsPerSecond, double bytesPerSecond) {
    static Ceilings of(List<BenchResult> results) {
      double flops = Double.NaN;
      double bytes = Double.NaN;
      for (BenchResult r : results) {
        if (r.simpleClassName().equals("Ceilings") && r.method().equals("fmaPeak")) {
          flops = 1.0 / r.secondsPerOp(); // one op is one FLOP
        } else if (r.simpleClassName().equals("Ceilings") && r.method().equals("copyBandwidth")) {
          bytes = work(r).amount() / r.secondsPerOp();
        }
      }
      return new Ceilings(flops, bytes);
    }
  }

  static String markdown(List<BenchResult> results, String when) {
    Ceilings ceilings = Ceilings.of(results);
    StringBuilder md = new StringBuilder();
    md.append("Measured ").append(when).append(" on ").append(machine()).append(".\n\n");
    md.append("Backend of a JVM with the report's flags: `").append(describeBackend()).append("`.\n\n");
    md.append(String.format(Locale.ROOT,
        "Ceilings (same run, one core): FMA peak **%.1f GFLOP/s**, copy bandwidth **%.1f GB/s**.%n%n",
        ceilings.flopsPerSecond() / 1e9, ceilings.bytesPerSecond() / 1e9));
    md.append("| benchmark | params | scalar | vector | vector/scalar | vector rate | of ceiling | alloc B/op |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (Row row : rows(results)) {
      if (row.className.endsWith("Ceilings") || isPeer(row.other)) {
        continue;
      }
      BenchResult fast = row.vector != null ? row.vector : row.scalar != null ? row.scalar : row.other;
      Work work = work(fast);
      double rate = work == null ? Double.NaN : work.amount() / fast.secondsPerOp();
      double ceiling = work == null ? Double.NaN : switch (work.unit()) {
        case Work.FLOP -> rate / ceilings.flopsPerSecond();
        case Work.BYTE -> rate / ceilings.bytesPerSecond();
        default -> Double.NaN;
      };
      md.append("| ").append(row.name).append(" | ").append(row.params)
          .append(" | ").append(time(row.scalar))
          .append(" | ").append(time(row.vector != null ? row.vector : row.other))
          .append(" | ").append(row.scalar != null && row.vector != null
              ? String.format(Locale.ROOT, "%.1fx", row.scalar.secondsPerOp() / row.vector.secondsPerOp()) : "")
          .append(" | ").append(rate(rate, work))
          .append(" | ").append(Double.isNaN(ceiling) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * ceiling))
          .append(" | ").append(Double.isNaN(fast.allocBytesPerOp()) ? "" : String.format(Locale.ROOT, "%.0f", fast.allocBytesPerOp()))
          .append(" |\n");
    }
    peers(results, md);
    return md.toString();
  }

  private static boolean isPeer(BenchResult r) {
    return r != null && (r.method().equals("seqrec") || r.method().equals("onnxRuntime"));
  }

  /** seqrec and ONNX Runtime on the same model and params, side by side. */
  static void peers(List<BenchResult> results, StringBuilder md) {
    Map<String, BenchResult[]> pairs = new LinkedHashMap<>();
    for (BenchResult r : results) {
      if (isPeer(r)) {
        BenchResult[] pair = pairs.computeIfAbsent(r.simpleClassName() + " " + r.paramsText(), k -> new BenchResult[2]);
        pair[r.method().equals("seqrec") ? 0 : 1] = r;
      }
    }
    if (pairs.isEmpty()) {
      return;
    }
    md.append("\n| peers (same model, same inputs) | seqrec | ONNX Runtime Java | ORT / seqrec |\n");
    md.append("|---|---:|---:|---:|\n");
    for (Map.Entry<String, BenchResult[]> e : pairs.entrySet()) {
      BenchResult ours = e.getValue()[0];
      BenchResult theirs = e.getValue()[1];
      md.append("| ").append(e.getKey()).append(" | ").append(time(ours)).append(" | ").append(time(theirs))
          .append(" | ").append(ours != null && theirs != null
              ? String.format(Locale.ROOT, "%.1fx", theirs.secondsPerOp() / ours.secondsPerOp()) : "")
          .append(" |\n");
    }
  }

  /** Scalar and vector runs of the same kernel and params side by side. */
  static final class Row {
    String className;
    String name;
    String params;
    BenchResult scalar;
    BenchResult vector;
    BenchResult other;
  }

  static List<Row> rows(List<BenchResult> results) {
    Map<String, Row> rows = new LinkedHashMap<>();
    for (BenchResult r : results) {
      String key = r.className() + "#" + r.kernel() + "#" + r.paramsText();
      Row row = rows.computeIfAbsent(key, k -> new Row());
      row.className = r.className();
      String base = r.simpleClassName().replace("Benchmark", "");
      row.name = r.kernel().isEmpty() ? base : base + "." + r.kernel();
      row.params = r.paramsText();
      switch (r.backend()) {
        case "scalar" -> row.scalar = r;
        case "vector" -> row.vector = r;
        default -> row.other = r;
      }
    }
    return new ArrayList<>(rows.values());
  }

  /**
   * The benchmark class's declared work per op, or null if it declares none. The map holds the
   * JMH params plus {@code method}, for classes whose methods do different amounts of work.
   */
  static Work work(BenchResult r) {
    try {
      Class<?> type = Class.forName(r.className());
      Method method = type.getMethod("workPerOp", Map.class);
      Map<String, String> params = new TreeMap<>(r.params());
      params.put("method", r.method());
      return (Work) method.invoke(null, params);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  static String time(BenchResult r) {
    if (r == null) {
      return "";
    }
    double s = r.secondsPerOp();
    String err = Double.isNaN(r.errorFraction()) ? "" : String.format(Locale.ROOT, " ±%.0f%%", 100 * r.errorFraction());
    if (s >= 1e-3) {
      return String.format(Locale.ROOT, "%.2f ms%s", s * 1e3, err);
    }
    if (s >= 1e-6) {
      return String.format(Locale.ROOT, "%.2f µs%s", s * 1e6, err);
    }
    return String.format(Locale.ROOT, "%.1f ns%s", s * 1e9, err);
  }

  static String rate(double rate, Work work) {
    if (work == null || Double.isNaN(rate)) {
      return "";
    }
    return switch (work.unit()) {
      case Work.FLOP -> String.format(Locale.ROOT, "%.1f GFLOP/s", rate / 1e9);
      case Work.BYTE -> String.format(Locale.ROOT, "%.1f GB/s", rate / 1e9);
      default -> String.format(Locale.ROOT, "%.2f G%s/s", rate / 1e9, work.unit().substring(0, 3));
    };
  }

  /** {@code Backends.describe()} here: species, lanes, FMA and the GEMM tile the forks chose too. */
  static String describeBackend() {
    try {
      return io.github.seqrec.kernels.Backends.describe();
    } catch (RuntimeException | LinkageError e) {
      return "unknown (" + e + ")";
    }
  }

  static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // keep "unknown CPU"
    }
    return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, JDK " + System.getProperty("java.version");
  }
}
