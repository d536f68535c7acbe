package io.github.seqrec.spark;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The example job: generates a Parquet file of users (a history of {@code --length} actions and
 * {@code --candidates} candidates each, ids drawn by a hash of user and position inside the model's
 * vocabulary), scores it with {@link SeqrecScorer} and writes the scores as Parquet, printing rows/s
 * and (user, candidate) pairs/s. With {@code --compare-direct} it then scores the same users with
 * the direct Java API on {@code --threads} threads and prints the ratio: the cost Spark adds.
 *
 * <p>Runs in local mode ({@code local[2]}, bound to 127.0.0.1) unless {@code spark.master} is set,
 * as {@code spark-submit} does. Models whose histories carry only item (and category) ids:
 * gru4rec, din, sasrec, bert4rec, nextitnet, ...
 *
 * <pre>
 * --model NAME --weights PATH_OR_URI --users N --length L --candidates C --out DIR
 * --repeat R --compare-direct --threads T
 * </pre>
 */
public final class ScoringExample {
  private ScoringExample() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Map<String, String> meta;
    try (SafeTensors st = SafeTensors.open(Path.of(o.weights))) {
      meta = st.metadata();
    }
    int items = Integer.parseInt(meta.get("n_items"));
    SequentialModel direct = Models.load(o.model, Path.of(o.weights), Map.of());
    EnumSet<HistoryField> supported = EnumSet.of(HistoryField.ITEM_IDS, HistoryField.CATEGORY_IDS);
    if (!supported.containsAll(direct.requiredFields())) {
      throw new IllegalArgumentException("the example generates item and category ids only; model '" + o.model
          + "' also needs " + direct.requiredFields());
    }
    boolean cates = direct.requiredFields().contains(HistoryField.CATEGORY_IDS);
    int nCates = cates ? Integer.parseInt(meta.get("n_cates")) : 0;

    SparkSession.Builder builder = SparkSession.builder().appName("seqrec-scoring-example");
    if (!new SparkConf().contains("spark.master")) {
      builder.master("local[2]").config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false");
    }
    SparkSession spark = builder.getOrCreate();
    try {
      String users = o.out + "/users";
      List<String> cols = new ArrayList<>(List.of("cast(id as int) as user_id",
          ids("history_items", o.length, 1, items), ids("cand_items", o.candidates, 2, items)));
      if (cates) {
        cols.add(ids("history_cates", o.length, 3, nCates));
        cols.add(ids("cand_cates", o.candidates, 4, nCates));
      }
      spark.range(o.users).selectExpr(cols.toArray(String[]::new)).write().mode("overwrite").parquet(users);
      long pairs = (long) o.users * o.candidates;
      System.out.printf("%s: %d users x %d candidates, history %d, on %s%n", o.model, o.users, o.candidates,
          o.length, spark.sparkContext().master());

      double sparkSeconds = 0;
      for (int r = 1; r <= o.repeat; r++) {
        long t0 = System.nanoTime();
        Dataset<Row> in = spark.read().parquet(users);
        SeqrecScorer.forModel(o.model, Path.of(o.weights).toUri().toString(), Map.of()).withKeyColumn("user_id")
            .transform(in).select("user_id", "logits").write().mode("overwrite").parquet(o.out + "/scored");
        sparkSeconds = (System.nanoTime() - t0) / 1e9;
        report("spark  run " + r + " (read, score, write Parquet)", o.users, pairs, sparkSeconds);
      }
      System.out.println("wrote " + o.out + "/scored");

      if (o.compareDirect) {
        List<Row> rows = spark.read().parquet(users).orderBy("user_id").collectAsList();
        UserHistory[] histories = new UserHistory[rows.size()];
        Candidates[] candidates = new Candidates[rows.size()];
        for (int u = 0; u < rows.size(); u++) {
          Row row = rows.get(u);
          int[] h = ints(row.getList(1));
          UserHistory.Builder b = UserHistory.of(h, h.length);
          if (cates) {
            b.categoryIds(ints(row.getList(3)));
            candidates[u] = Candidates.of(ints(row.getList(2)), ints(row.getList(4)));
          } else {
            candidates[u] = Candidates.of(ints(row.getList(2)));
          }
          histories[u] = b.build();
        }
        double directSeconds = 0;
        for (int r = 1; r <= o.repeat; r++) {
          directSeconds = scoreDirect(direct, histories, candidates, o.threads);
          report("direct run " + r + " (" + o.threads + " threads, in memory)", o.users, pairs, directSeconds);
        }
        System.out.printf("spark / direct time: %.2fx (last runs)%n", sparkSeconds / directSeconds);
      }
    } finally {
      spark.stop();
    }
  }

  /** {@code n} ids in [1, vocab] per row, a hash of the row id, position and {@code salt}. */
  private static String ids(String column, int n, int salt, int vocab) {
    return "transform(sequence(0, " + (n - 1) + "), i -> cast(pmod(hash(id, i, " + salt + "), " + vocab
        + ") + 1 as int)) as " + column;
  }

  private static double scoreDirect(SequentialModel model, UserHistory[] histories, Candidates[] candidates,
                                    int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long t0 = System.nanoTime();
      List<Future<Float>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = (int) ((long) histories.length * t / threads);
        int end = (int) ((long) histories.length * (t + 1) / threads);
        parts.add(pool.submit(() -> {
          SequentialModel.Workspace ws = model.newWorkspace();
          float[] logits = new float[candidates.length == 0 ? 0 : candidates[0].count()];
          float sum = 0;
          for (int u = first; u < end; u++) {
            model.score(histories[u], candidates[u], ws, logits, 0);
            sum += logits[0];
          }
          return sum;
        }));
      }
      for (Future<Float> f : parts) {
        f.get();
      }
      return (System.nanoTime() - t0) / 1e9;
    } finally {
      pool.shutdown();
    }
  }

  private static void report(String what, long users, long pairs, double seconds) {
    System.out.printf("%-48s %7.2f s  %,12.0f rows/s  %,14.0f pairs/s%n", what, seconds, users / seconds,
        pairs / seconds);
  }

  private static int[] ints(List<Integer> list) {
    int[] a = new int[list.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = list.get(i);
    }
    return a;
  }

  private record Options(String model, String weights, int users, int length, int candidates, String out,
                         int repeat, boolean compareDirect, int threads) {
    static Options parse(String[] args) {
      String model = "gru4rec";
      String weights = null;
      int users = 100_000;
      int length = 50;
      int candidates = 100;
      String out = "target/scoring-example";
      int repeat = 2;
      boolean compare = false;
      int threads = 2;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--compare-direct")) {
          compare = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--model" -> model = v;
          case "--weights" -> weights = v;
          case "--users" -> users = positive(a, v);
          case "--length" -> length = positive(a, v);
          case "--candidates" -> candidates = positive(a, v);
          case "--out" -> out = v;
          case "--repeat" -> repeat = positive(a, v);
          case "--threads" -> threads = positive(a, v);
          default -> throw new IllegalArgumentException("unknown option " + a + "; expected --model, --weights, "
              + "--users, --length, --candidates, --out, --repeat, --threads or --compare-direct");
        }
      }
      if (weights == null) {   // the golden weights shipped with the repository
        weights = "../reference-models/src/test/resources/golden/models/" + model + "/weights.safetensors";
      }
      return new Options(model, weights, users, length, candidates, out, repeat, compare, threads);
    }

    private static int positive(String option, String value) {
      int n;
      try {
        n = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " expects a positive integer, got '" + value + "'");
      }
      if (n < 1) {
        throw new IllegalArgumentException(option + " expects a positive integer, got " + n);
      }
      return n;
    }
  }
}
