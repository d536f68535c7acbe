package io.github.seqrec.models.demo;

import io.github.seqrec.kernels.Backends;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.TargetAttentionModel;
import io.github.seqrec.models.TargetAttentionModel.HistoryAttention;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.eval.ItemCatalogue;
import io.github.seqrec.models.eval.LeaveOneOut;
import io.github.seqrec.models.eval.WorldFeatures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code seqrec demo}: the example shopper's request answered by every shipped architecture, each
 * with its held-out metrics computed here next to PyTorch's and its per-request latency.
 */
public final class Demo {
  /** The request time of the example shopper: 2026-03-02 18:00 UTC, after the world's last action. */
  static final long NOW = 1_772_474_400L;

  /** A history: items oldest first, with their timestamps and action types (1 click, 2 cart, 3 purchase). */
  public record Shopper(int[] items, long[] timestamps, int[] actions, long requestTime, String description) {}

  /**
   * One architecture's answer; {@code attention} holds, for the target-attention models, the
   * weights each of the top items puts on the shopper's history (else null).
   */
  public record Answer(String model, String family, int[] topItems, float[] topScores, int candidates,
                       LeaveOneOut.Result seqrec, ShoppingWorld.PyTorchMetrics pytorch, double medianMillis,
                       int requests, HistoryAttention attention) {}

  private Demo() {}

  /**
   * The brief's shopper: over the week two novels and a cookbook, cleaning supplies, blue shampoo
   * (two compared, one bought), and today comparing pull-up bars.
   */
  public static Shopper exampleShopper(ItemCatalogue c) {
    List<int[]> steps = new ArrayList<>(); // {item, day offset (seconds before NOW), action}
    long day = 86_400L;
    int novel1 = nth(c, "novel", 0);
    int novel2 = nth(c, "novel", 1);
    int cookbook = nth(c, "cookbook", 0);
    int cleaner = nth(c, "all-purpose cleaner", 0);
    int sponge = nth(c, "sponge", 0);
    int shampoo1 = c.find("Bluebird Blue Shampoo");
    int shampoo2 = c.find("Fjord Blue Shampoo");
    int bar1 = nth(c, "pull-up bar", 0);
    int bar2 = nth(c, "pull-up bar", 1);
    int bar3 = nth(c, "pull-up bar", 2);
    long[][] plan = {
        {novel1, 7 * day, 1}, {novel2, 7 * day - 120, 1}, {novel2, 7 * day - 240, 3}, {cookbook, 6 * day, 1},
        {cleaner, 5 * day, 1}, {cleaner, 5 * day - 90, 2}, {cleaner, 5 * day - 180, 3}, {sponge, 5 * day - 300, 1},
        {shampoo1, 3 * day, 1}, {shampoo2, 3 * day - 100, 1}, {shampoo1, 3 * day - 200, 2}, {shampoo1, 3 * day - 260, 3},
        {shampoo1, day, 1},
        {bar1, 900, 1}, {bar2, 700, 1}, {bar3, 500, 1}, {bar2, 300, 1},
    };
    int n = plan.length;
    int[] items = new int[n];
    long[] times = new long[n];
    int[] actions = new int[n];
    for (int i = 0; i < n; i++) {
      items[i] = (int) plan[i][0];
      times[i] = NOW - plan[i][1];
      actions[i] = (int) plan[i][2];
    }
    return new Shopper(items, times, actions, NOW,
        "the example shopper: books, cleaning supplies and blue shampoo over the week, now comparing pull-up bars");
  }

  private static int nth(ItemCatalogue c, String kind, int n) {
    int seen = 0;
    for (int id : c.ids()) {
      if (c.kind(id).equals(kind) && seen++ == n) {
        return id;
      }
    }
    throw new IllegalStateException("the demo catalogue has fewer than " + (n + 1) + " items of kind " + kind);
  }

  /**
   * A history from {@code --history}: item names or ids separated by commas, oldest first, each a
   * click five minutes after the one before, the last one a minute before the request.
   */
  public static Shopper parseHistory(ItemCatalogue c, String spec) {
    String[] parts = spec.split(",");
    int n = parts.length;
    int[] items = new int[n];
    for (int i = 0; i < n; i++) {
      String p = parts[i].trim();
      int id;
      if (p.matches("[0-9]+")) {
        id = Integer.parseInt(p);
        if (!c.has(id)) {
          throw new IllegalArgumentException("--history item " + (i + 1) + ": no item with id " + id + " (ids 1.."
              + (c.idLimit() - 1) + ")");
        }
      } else {
        id = c.find(p);
        if (id < 0) {
          throw new IllegalArgumentException("--history item " + (i + 1) + ": no item named '" + p
              + "' in the catalogue (names as in catalogue.csv, or ids)");
        }
      }
      items[i] = id;
    }
    if (n == 0 || spec.isBlank()) {
      throw new IllegalArgumentException("--history must name at least one item");
    }
    long[] times = new long[n];
    int[] actions = new int[n];
    for (int i = 0; i < n; i++) {
      times[i] = NOW - 60 - 300L * (n - 1 - i);
      actions[i] = 1;
    }
    return new Shopper(items, times, actions, NOW, "the history given with --history");
  }

  /** Scores, ranks, evaluates and times one model for {@code shopper}. */
  public static Answer answer(ShoppingWorld world, String name, Shopper shopper, int k, int threads) throws IOException {
    SequentialModel model = world.model(name);
    ItemCatalogue c = world.catalogue();
    int[] categoryOf = c.categories();
    // the shopper is none of the world's: user id 0, the unknown user of the models with per-user rows
    // (FPMC, RRN, Caser), whose user term is then zero
    UserHistory history = WorldFeatures.history(model.requiredFields(), shopper.items(), shopper.timestamps(),
        shopper.actions(), categoryOf, 0, shopper.items().length, shopper.requestTime(), 0);
    SequentialModel.Workspace ws = model.newWorkspace();
    Set<Integer> seen = new HashSet<>();
    for (int item : shopper.items()) {
      seen.add(item);
    }
    int[] top = new int[k];
    float[] topScores = new float[k];
    int candidates;
    Runnable request;
    if (model instanceof NextItemModel next) {
      candidates = next.catalogueSize() - 1;
      int[] ids = new int[k];
      float[] scores = new float[k];
      request = () -> next.recommend(history, k, true, ws, ids, 0, scores, 0);
      int got = next.recommend(history, k, true, ws, top, 0, topScores, 0);
      if (got < k) {
        top = Arrays.copyOf(top, got);
      }
    } else {
      // the candidate set: the whole catalogue (a retrieval stage would send a few hundred instead)
      int[] ids = c.ids();
      int[] cates = new int[ids.length];
      for (int i = 0; i < ids.length; i++) {
        cates[i] = categoryOf[ids[i]];
      }
      candidates = ids.length;
      Candidates all = Candidates.of(ids, cates);
      float[] logits = new float[ids.length];
      request = () -> model.score(history, all, ws, logits, 0);
      request.run();
      Integer[] order = new Integer[ids.length];
      for (int i = 0; i < ids.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
      int n = 0;
      for (int i = 0; i < order.length && n < k; i++) {
        if (!seen.contains(ids[order[i]])) {
          top[n] = ids[order[i]];
          topScores[n] = logits[order[i]];
          n++;
        }
      }
    }
    // latency: warm up, then time requests for about half a second (at least 5), report the median
    for (int i = 0; i < 5; i++) {
      request.run();
    }
    List<Long> times = new ArrayList<>();
    long until = System.nanoTime() + 500_000_000L;
    while (times.size() < 5 || (System.nanoTime() < until && times.size() < 500)) {
      long t0 = System.nanoTime();
      request.run();
      times.add(System.nanoTime() - t0);
    }
    times.sort(null);
    double median = times.get(times.size() / 2) / 1e6;
    LeaveOneOut.Result r = LeaveOneOut.evaluate(model, world.interactions(), new LeaveOneOut.Options().k(10)
        .negatives(world.negatives()).categories(categoryOf).threads(threads));
    HistoryAttention attention = null;
    if (model instanceof TargetAttentionModel attending) {
      int[] cates = new int[top.length];
      for (int i = 0; i < top.length; i++) {
        cates[i] = categoryOf[top[i]];
      }
      attention = attending.attention(history, Candidates.of(top, cates));
    }
    return new Answer(name, model.info().family(), top, topScores, candidates, r, world.pytorch(name), median,
        times.size(), attention);
  }

  /** The name of this machine's CPU (Linux: /proc/cpuinfo), else the architecture. */
  public static String cpuName() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim() + ", " + Runtime.getRuntime().availableProcessors()
              + " cores";
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
  }

  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("EEE dd MMM HH:mm", Locale.ROOT)
      .withZone(ZoneOffset.UTC);

  private static String action(int a) {
    return switch (a) {
      case 1 -> "click";
      case 2 -> "add-to-cart";
      case 3 -> "purchase";
      default -> "action " + a;
    };
  }

  /** The history as text lines. */
  public static String historyText(ItemCatalogue c, Shopper s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.items().length; i++) {
      int item = s.items()[i];
      sb.append(String.format(Locale.ROOT, "  %s  %-11s  %-34s %s%n", WHEN.format(Instant.ofEpochSecond(s.timestamps()[i])),
          action(s.actions()[i]), c.name(item), c.categoryName(item)));
    }
    return sb.toString();
  }

  /** One architecture's table for the history of {@code s}. */
  public static String table(ItemCatalogue c, Shopper s, Answer a) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s (%s): top %d of %,d candidates%s%n", a.model().toUpperCase(Locale.ROOT),
        a.family(), a.topItems().length, a.candidates(),
        a.family().equals("nextitem") || a.family().equals("transformer") ? " (catalogue top-k, seen items left out)"
            : " (the whole catalogue scored, seen items left out)"));
    sb.append(String.format(Locale.ROOT, "  %-2s %-34s %-24s %8s%n", "#", "item", "category", "logit"));
    for (int i = 0; i < a.topItems().length; i++) {
      int item = a.topItems()[i];
      sb.append(String.format(Locale.ROOT, "  %-2d %-34s %-24s %8.3f%n", i + 1, c.name(item), c.categoryName(item),
          a.topScores()[i]));
    }
    if (a.attention() != null && a.attention().candidates() > 0 && a.attention().length() > 0) {
      sb.append("  #1 attends most to: ").append(mostAttended(c, s, a.attention(), 0, 3)).append('\n');
    }
    LeaveOneOut.Result r = a.seqrec();
    ShoppingWorld.PyTorchMetrics p = a.pytorch();
    sb.append(String.format(Locale.ROOT, "  held-out split (%,d shoppers, last action vs %s)%n", r.users(),
        r.protocol().contains("recommend") ? "the whole catalogue" : "100 negatives"));
    sb.append(String.format(Locale.ROOT, "  %-8s %9s %9s %9s%n", "", "seqrec", "PyTorch", "|diff|"));
    sb.append(metricRow("HR@10", r.hitRate(), p == null ? Double.NaN : p.hr10()));
    sb.append(metricRow("NDCG@10", r.ndcg(), p == null ? Double.NaN : p.ndcg10()));
    sb.append(metricRow("MRR", r.mrr(), p == null ? Double.NaN : p.mrr()));
    sb.append(String.format(Locale.ROOT, "  latency  median %.3f ms per request (%,d candidates, %d requests, one thread)%n",
        a.medianMillis(), a.candidates(), a.requests()));
    return sb.toString();
  }

  /**
   * The {@code count} actions candidate {@code row} weighs most, highest first, as "name (#position
   * weight)"; positions count the shopper's history from 1, oldest first.
   */
  static String mostAttended(ItemCatalogue c, Shopper s, HistoryAttention att, int row, int count) {
    Integer[] order = new Integer[att.length()];
    for (int j = 0; j < order.length; j++) {
      order[j] = j;
    }
    Arrays.sort(order, (x, y) -> Float.compare(att.weight(row, y), att.weight(row, x)));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(count, order.length); i++) {
      int position = att.first() + order[i];
      sb.append(i == 0 ? "" : ", ").append(c.name(s.items()[position]))
          .append(String.format(Locale.ROOT, " (#%d %.3f)", position + 1, att.weight(row, order[i])));
    }
    return sb.toString();
  }

  private static String metricRow(String name, double seqrec, double pytorch) {
    return String.format(Locale.ROOT, "  %-8s %9.4f %9s %9s%n", name, seqrec,
        Double.isNaN(pytorch) ? "-" : String.format(Locale.ROOT, "%.4f", pytorch),
        Double.isNaN(pytorch) ? "-" : String.format(Locale.ROOT, "%.1e", Math.abs(seqrec - pytorch)));
  }

  /** The summary across architectures. */
  public static String summary(List<Answer> answers) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-12s %-11s %13s %13s %14s %14s %11s%n", "model", "family", "HR@10 seqrec",
        "HR@10 torch", "NDCG@10 seqrec", "NDCG@10 torch", "median ms"));
    for (Answer a : answers) {
      ShoppingWorld.PyTorchMetrics p = a.pytorch();
      sb.append(String.format(Locale.ROOT, "%-12s %-11s %13.4f %13s %14.4f %14s %11.3f%n", a.model(), a.family(),
          a.seqrec().hitRate(), p == null ? "-" : String.format(Locale.ROOT, "%.4f", p.hr10()), a.seqrec().ndcg(),
          p == null ? "-" : String.format(Locale.ROOT, "%.4f", p.ndcg10()), a.medianMillis()));
    }
    return sb.toString();
  }

  /** The header: history, candidates, backend and CPU. */
  public static String header(ItemCatalogue c, Shopper s) {
    return "seqrec demo: what each architecture would show next\n" + s.description() + " ("
        + s.items().length + " actions, oldest first):\n" + historyText(c, s) + "backend: " + Backends.describe()
        + "\nCPU: " + cpuName() + "\n";
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /**
   * One strip per top item: a cell per history action (numbered as in the history table), shaded by
   * the weight the item's score puts on it. Softmax rows are shaded against 1; DIN's unnormalised
   * weights against the largest magnitude in the table, and a negative weight is shaded red.
   */
  private static void strips(StringBuilder sb, ItemCatalogue c, Shopper s, Answer a) {
    HistoryAttention att = a.attention();
    float largest = 0;
    for (float w : att.weights()) {
      largest = Math.max(largest, Math.abs(w));
    }
    float scale = att.normalised() || largest == 0 ? 1 : largest;
    sb.append("<p class=note>Attention over the history, one strip per item above (")
        .append(att.normalised() ? "softmax weights, shaded against 1" : "unnormalised activation-unit weights, "
            + "shaded against the largest, " + String.format(Locale.ROOT, "%.3f", scale))
        .append("; hover a cell for the action and its weight):</p>\n<table class=strip><tr><th>item</th>");
    for (int j = 0; j < att.length(); j++) {
      sb.append("<th>").append(att.first() + j + 1).append("</th>");
    }
    sb.append("</tr>\n");
    for (int row = 0; row < att.candidates(); row++) {
      sb.append("<tr><td>").append(esc(c.name(a.topItems()[row]))).append("</td>");
      for (int j = 0; j < att.length(); j++) {
        float w = att.weight(row, j);
        double shade = Math.min(1, Math.abs(w) / scale);
        String colour = w >= 0 ? "37,99,235" : "220,38,38";
        int position = att.first() + j;
        sb.append(String.format(Locale.ROOT, "<td style=\"background:rgba(%s,%.3f)\" title=\"#%d %s: %.4f\"></td>",
            colour, shade, position + 1, esc(c.name(s.items()[position])), w));
      }
      sb.append("</tr>\n");
    }
    sb.append("</table>\n");
  }

  /** A self-contained HTML page (no scripts, no network) with the same content. */
  public static String html(ItemCatalogue c, Shopper s, List<Answer> answers) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>seqrec demo</title>\n<style>")
        .append("body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;"
            + "margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
            + "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}"
            + "h2{margin-top:1.5em}.note{color:#555}table.strip td{width:1.6em;height:1.2em;padding:0}"
            + "table.strip td:first-child{width:auto;padding:0 .6em}</style></head><body>\n")
        .append("<h1>seqrec demo: what each architecture would show next</h1>\n<p>")
        .append(esc(s.description())).append("</p>\n<table><tr><th>#</th><th>when (UTC)</th><th>action</th><th>item</th><th>category</th></tr>\n");
    for (int i = 0; i < s.items().length; i++) {
      int item = s.items()[i];
      sb.append("<tr><td class=n>").append(i + 1).append("</td><td>")
          .append(WHEN.format(Instant.ofEpochSecond(s.timestamps()[i]))).append("</td><td>")
          .append(action(s.actions()[i])).append("</td><td>").append(esc(c.name(item))).append("</td><td>")
          .append(esc(c.categoryName(item))).append("</td></tr>\n");
    }
    sb.append("</table>\n<p>backend: ").append(esc(Backends.describe())).append("<br>CPU: ").append(esc(cpuName()))
        .append("</p>\n<h2>Summary</h2>\n<table><tr><th>model</th><th>family</th><th>HR@10 seqrec</th><th>HR@10 PyTorch</th>"
            + "<th>NDCG@10 seqrec</th><th>NDCG@10 PyTorch</th><th>median ms / request</th></tr>\n");
    for (Answer a : answers) {
      ShoppingWorld.PyTorchMetrics p = a.pytorch();
      sb.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td class=n>%.4f</td><td class=n>%s</td>"
              + "<td class=n>%.4f</td><td class=n>%s</td><td class=n>%.3f</td></tr>%n", a.model(), a.family(),
          a.seqrec().hitRate(), p == null ? "-" : String.format(Locale.ROOT, "%.4f", p.hr10()), a.seqrec().ndcg(),
          p == null ? "-" : String.format(Locale.ROOT, "%.4f", p.ndcg10()), a.medianMillis()));
    }
    sb.append("</table>\n");
    for (Answer a : answers) {
      sb.append("<h2>").append(a.model().toUpperCase(Locale.ROOT)).append(" <small>(").append(a.family())
          .append(")</small></h2>\n<table><tr><th>#</th><th>item</th><th>category</th><th>logit</th></tr>\n");
      for (int i = 0; i < a.topItems().length; i++) {
        int item = a.topItems()[i];
        sb.append(String.format(Locale.ROOT, "<tr><td class=n>%d</td><td>%s</td><td>%s</td><td class=n>%.3f</td></tr>%n",
            i + 1, esc(c.name(item)), esc(c.categoryName(item)), a.topScores()[i]));
      }
      sb.append("</table>\n");
      if (a.attention() != null) {
        strips(sb, c, s, a);
      }
    }
    sb.append("<p class=note>Metrics: leave-one-out on the shipped world (last action of each shopper held out), "
            + "CTR models rank it against the 100 negatives of negatives.csv.gz that PyTorch used.</p>\n</body></html>\n");
    return sb.toString();
  }
}
