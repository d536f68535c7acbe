package io.github.seqrec.jmh.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time goes, from the JFR recordings of JMH's {@code -prof jfr}: the share of execution
 * samples per method, self (top frame) and inclusive (anywhere on the stack, inlined frames
 * included), so a benchmark's cost splits into its kernels. Perf counters are not available on
 * every VM; JFR's sampler is.
 *
 * <pre>
 *   java --add-modules=jdk.incubator.vector -jar jmh/target/benchmarks.jar 'PeerBenchmark.seqrec' -p model=dien \
 *       -prof jfr:dir=target/jfr
 *   java -cp jmh/target/benchmarks.jar io.github.seqrec.jmh.report.ProfileTop target/jfr [rows]
 * </pre>
 * Prints one table per recording found under the directory (or for the one file given).
 */
public final class ProfileTop {
  private ProfileTop() {}

  /** Sample shares of one recording: method name to fraction of samples. */
  record Shares(int samples, Map<String, Double> self, Map<String, Double> inclusive) {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: ProfileTop <recording.jfr | directory> [rows, default 25]");
      System.exit(2);
    }
    int rows = args.length == 2 ? Integer.parseInt(args[1]) : 25;
    List<Path> files;
    Path root = Path.of(args[0]);
    if (Files.isDirectory(root)) {
      try (Stream<Path> walk = Files.walk(root)) {
        files = walk.filter(p -> p.toString().endsWith(".jfr")).sorted().toList();
      }
    } else {
      files = List.of(root);
    }
    for (Path file : files) {
      Shares shares = shares(file);
      System.out.println("## " + file + " (" + shares.samples() + " samples)");
      System.out.println("| inclusive | self | method |");
      System.out.println("|---:|---:|---|");
      List<Map.Entry<String, Double>> top = new ArrayList<>(shares.inclusive().entrySet());
      top.sort(Map.Entry.<String, Double>comparingByValue().reversed());
      int shown = 0;
      for (Map.Entry<String, Double> e : top) {
        if (shown == rows) {
          break;
        }
        if (e.getKey().startsWith("java.") || e.getKey().startsWith("jdk.internal.") || e.getKey().contains("jmh_generated")) {
          continue; // harness and JDK plumbing; the Vector API's own frames stay visible
        }
        System.out.printf("| %.1f%% | %.1f%% | %s |%n", 100 * e.getValue(), 100 * shares.self().getOrDefault(e.getKey(), 0.0),
            e.getKey());
        shown++;
      }
      System.out.println();
    }
  }

  static Shares shares(Path file) throws IOException {
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    int samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
        continue;
      }
      List<RecordedFrame> frames = event.getStackTrace().getFrames();
      if (frames.isEmpty()) {
        continue;
      }
      samples++;
      self.merge(name(frames.get(0)), 1, Integer::sum);
      Set<String> seen = new HashSet<>();
      for (RecordedFrame frame : frames) {
        String name = name(frame);
        if (seen.add(name)) {
          inclusive.merge(name, 1, Integer::sum);
        }
      }
    }
    return new Shares(samples, fractions(self, samples), fractions(inclusive, samples));
  }

  private static String name(RecordedFrame frame) {
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
  }

  private static Map<String, Double> fractions(Map<String, Integer> counts, int total) {
    Map<String, Double> out = new HashMap<>();
    counts.forEach((k, v) -> out.put(k, v / (double) Math.max(1, total)));
    return out;
  }
}
