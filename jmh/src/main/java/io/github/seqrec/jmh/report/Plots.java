package io.github.seqrec.jmh.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG plots of a result: vector/scalar speedups, and cost-vs-history-length curves (log-log). */
final class Plots {
  private Plots() {}

  static void write(List<BenchResult> results, Path outDir) throws IOException {
    speedups(results, outDir.resolve("speedup.png"));
    scaling(results, outDir);
  }

  /** One bar per (kernel, params) that ran on both backends. */
  static void speedups(List<BenchResult> results, Path file) throws IOException {
    List<String> names = new ArrayList<>();
    List<Double> speedups = new ArrayList<>();
    for (Report.Row row : Report.rows(results)) {
      if (row.scalar != null && row.vector != null) {
        names.add(row.name + " " + row.params);
        speedups.add(row.scalar.secondsPerOp() / row.vector.secondsPerOp());
      }
    }
    if (names.isEmpty()) {
      return;
    }
    CategoryChart chart = new CategoryChartBuilder().width(1400).height(700)
        .title("vector / scalar speedup (same run, medians)").yAxisTitle("x faster").build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setXAxisLabelRotation(60);
    chart.addSeries("speedup", names, speedups);
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** Parameter names that mean "history length" in the benchmarks. */
  private static final List<String> LENGTH_PARAMS = List.of("L", "l", "length");

  /**
   * For every benchmark class with a history-length parameter: seconds per op against the
   * length, one series per method and remaining parameters, log-log.
   */
  static void scaling(List<BenchResult> results, Path outDir) throws IOException {
    Map<String, Map<String, TreeMap<Double, Double>>> byClass = new TreeMap<>();
    for (BenchResult r : results) {
      String key = LENGTH_PARAMS.stream().filter(r.params()::containsKey).findFirst().orElse(null);
      if (key == null) {
        continue;
      }
      String length = r.params().get(key);
      TreeMap<String, String> rest = new TreeMap<>(r.params());
      rest.remove(key);
      String series = r.method() + (rest.isEmpty() ? "" : " " + rest);
      byClass.computeIfAbsent(r.simpleClassName(), k -> new TreeMap<>())
          .computeIfAbsent(series, k -> new TreeMap<>())
          .put(Double.parseDouble(length), r.secondsPerOp() * 1e6);
    }
    for (var entry : byClass.entrySet()) {
      XYChart chart = new XYChartBuilder().width(1000).height(650)
          .title(entry.getKey() + ": cost per request vs history length")
          .xAxisTitle("history length L").yAxisTitle("µs per op (median)").build();
      chart.getStyler().setXAxisLogarithmic(true);
      chart.getStyler().setYAxisLogarithmic(true);
      boolean any = false;
      for (var series : entry.getValue().entrySet()) {
        if (series.getValue().size() < 2) {
          continue;
        }
        var s = chart.addSeries(series.getKey(), new ArrayList<>(series.getValue().keySet()),
            new ArrayList<>(series.getValue().values()));
        s.setMarker(SeriesMarkers.CIRCLE);
        any = true;
      }
      if (any) {
        BitmapEncoder.saveBitmap(chart, outDir.resolve("scaling-" + entry.getKey() + ".png").toString(),
            BitmapEncoder.BitmapFormat.PNG);
      }
    }
  }
}
