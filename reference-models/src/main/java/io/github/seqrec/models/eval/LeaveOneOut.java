package io.github.seqrec.models.eval;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Leave-one-out evaluation: each user's last action is held out, the model reads the actions
 * before it (cut to its maximum length by the model) with the held-out action's timestamp as the
 * request time, and the held-out item is ranked.
 *
 * <ul>
 *   <li>CTR models: against the user's negatives ({@link Negatives}); rank = 1 + the number of
 *       negatives whose logit is strictly higher than the held-out item's;
 *   <li>next-item models ({@link NextItemModel}): against the whole catalogue through {@link
 *       NextItemModel#recommend} (top {@code min(1000, catalogueSize - 1)}, seen items NOT
 *       excluded, as a shopper buys again); rank = the position in that list, and an item outside it
 *       counts as a miss (0 in HR, NDCG and MRR: the MRR is an MRR@1000 then).
 * </ul>
 * HR@k = mean [rank {@code <=} k]; NDCG@k = mean 1/log2(rank + 1) over ranks {@code <=} k; MRR = mean
 * 1/rank. Users with a single action have no history to predict from and are skipped (counted in
 * the result). Users are scored on {@code threads} threads, each with its own workspace; the sums
 * run over users in id order afterwards, so the result does not depend on the thread count. A
 * failure on any user fails the whole evaluation (no partial result).
 */
public final class LeaveOneOut {
  private LeaveOneOut() {}

  /** The result; {@code ranks[u]} is user u's rank (0 = skipped or not in the next-item list). */
  public record Result(String model, String protocol, int users, int skipped, int k, double hitRate, double ndcg,
                       double mrr, int threads, double seconds, int[] ranks) {
    /** The report printed by {@code seqrec eval}. */
    public String report() {
      return String.format(Locale.ROOT,
          "%s: %d users (leave-one-out: last action held out%s)%n%s%nHR@%d    %.6f%nNDCG@%d  %.6f%nMRR      %.6f%n"
              + "%.2f s, %.0f users/s on %d thread%s",
          model, users, skipped == 0 ? "" : "; " + skipped + " users with a single action skipped", protocol, k, hitRate,
          k, ndcg, mrr, seconds, users / Math.max(seconds, 1e-9), threads, threads == 1 ? "" : "s");
    }
  }

  /** What to evaluate with. */
  public static final class Options {
    int k = 10;
    Negatives negatives;
    int[] categoryOf;
    int threads = Runtime.getRuntime().availableProcessors();
    PrintStream progress;

    /** Cut-off of HR and NDCG (default 10). */
    public Options k(int k) {
      if (k < 1 || k > NextItemModel.MAX_K) {
        throw new IllegalArgumentException("k must be in [1, " + NextItemModel.MAX_K + "], got " + k);
      }
      this.k = k;
      return this;
    }

    /** The negatives of a CTR model (required for one, ignored for next-item models). */
    public Options negatives(Negatives negatives) {
      this.negatives = negatives;
      return this;
    }

    /** {@code categoryOf[item]} (0 = unknown) for candidates whose category the log does not give. */
    public Options categories(int[] categoryOf) {
      this.categoryOf = categoryOf;
      return this;
    }

    /** Worker threads (default: one per core). */
    public Options threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1, got " + threads);
      }
      this.threads = threads;
      return this;
    }

    /** Where the progress line goes when the run takes longer than a second (null: nowhere). */
    public Options progress(PrintStream progress) {
      this.progress = progress;
      return this;
    }
  }

  /**
   * {@code categoryOf[item]} from the log's category column and {@code extra} (a catalogue's; may be
   * null), the log winning where both know an item.
   */
  public static int[] categories(Interactions data, int[] extra) {
    int n = Math.max(data.maxItem() + 1, extra == null ? 0 : extra.length);
    int[] categoryOf = new int[n];
    if (extra != null) {
      System.arraycopy(extra, 0, categoryOf, 0, extra.length);
    }
    if (data.hasCategories()) {
      for (int r = 0; r < data.size(); r++) {
        categoryOf[data.items()[r]] = data.categories()[r];
      }
    }
    return categoryOf;
  }

  /** Evaluates {@code model} on {@code data}. */
  public static Result evaluate(SequentialModel model, Interactions data, Options options) {
    boolean nextItem = model instanceof NextItemModel;
    if (!nextItem && options.negatives == null) {
      throw new IllegalArgumentException(model.name() + " is a CTR model: give negatives (a file or a seed)");
    }
    for (HistoryField field : model.requiredFields()) {
      switch (field) {
        case ITEM_IDS, TIMESTAMPS -> { }
        case CATEGORY_IDS -> {
          if (!data.hasCategories() && options.categoryOf == null) {
            throw new IllegalArgumentException(model.name() + " reads categories: the interactions need a category "
                + "column (or give a catalogue)");
          }
        }
        case ACTION_TYPES, CROSS_BUCKETS -> {
          if (!data.hasActions()) {
            throw new IllegalArgumentException(model.name() + " reads " + field.javaName()
                + ": the interactions need an action column");
          }
        }
        default -> throw new IllegalArgumentException(model.name() + " reads " + field.javaName()
            + ", which an interaction log does not carry");
      }
    }
    int[] categoryOf = categories(data, options.categoryOf);
    int k = options.k;
    int listK = 0;
    if (nextItem) {
      listK = Math.min(NextItemModel.MAX_K, ((NextItemModel) model).catalogueSize() - 1);
      if (listK < k) {
        throw new IllegalArgumentException("k = " + k + " exceeds the catalogue of " + model.name() + " ("
            + listK + " items)");
      }
    }
    int users = data.users();
    int[] ranks = new int[users];
    boolean[] skipped = new boolean[users];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int threads = Math.min(options.threads, Math.max(1, users));
    final int topK = listK;
    long t0 = System.nanoTime();
    Thread[] workers = new Thread[threads];
    for (int w = 0; w < threads; w++) {
      workers[w] = new Thread(() -> {
        try {
          Worker worker = new Worker(model, data, options.negatives, categoryOf, topK);
          int chunk = 8;
          int from;
          while (failure.get() == null && (from = next.getAndAdd(chunk)) < users) {
            int to = Math.min(users, from + chunk);
            for (int u = from; u < to; u++) {
              int rank = worker.rank(u);
              skipped[u] = rank < 0;
              ranks[u] = Math.max(rank, 0);
            }
            done.addAndGet(to - from);
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        }
      }, "seqrec-eval-" + w);
      workers[w].start();
    }
    boolean printed = false;
    try {
      for (Thread worker : workers) {
        while (worker.isAlive()) {
          worker.join(250);
          double elapsed = (System.nanoTime() - t0) / 1e9;
          if (options.progress != null && elapsed > 1.0 && worker.isAlive() && failure.get() == null) {
            int d = done.get();
            double rate = d / elapsed;
            String eta = rate > 0 ? String.format(Locale.ROOT, "%.0f s", (users - d) / rate) : "?";
            options.progress.print(String.format(Locale.ROOT, "\r%s: %d/%d users, %.0f users/s, ETA %s   ",
                model.name(), d, users, rate, eta));
            options.progress.flush();
            printed = true;
          }
        }
      }
    } catch (InterruptedException e) {
      failure.compareAndSet(null, e);
      for (Thread worker : workers) {
        worker.interrupt();
      }
      Thread.currentThread().interrupt();
    } finally {
      if (printed) {
        options.progress.println();
      }
    }
    Throwable t = failure.get();
    if (t != null) {
      if (t instanceof RuntimeException r) {
        throw r;
      }
      if (t instanceof Error e) {
        throw e;
      }
      throw new IllegalStateException("evaluation of " + model.name() + " was interrupted; no result", t);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    int evaluated = 0;
    int skippedCount = 0;
    double hits = 0;
    double ndcg = 0;
    double mrr = 0;
    for (int u = 0; u < users; u++) {
      if (skipped[u]) {
        skippedCount++;
        continue;
      }
      evaluated++;
      int rank = ranks[u];
      if (rank > 0) {
        if (rank <= k) {
          hits += 1;
          ndcg += 1.0 / (Math.log(rank + 1) / Math.log(2));
        }
        mrr += 1.0 / rank;
      }
    }
    if (evaluated == 0) {
      throw new IllegalArgumentException("no user has two or more actions: nothing to evaluate");
    }
    String protocol = nextItem
        ? "candidates: the whole catalogue through NextItemModel.recommend (top " + listK
            + ", seen items kept; a held-out item outside it is a miss, so MRR is MRR@" + listK + ")"
        : "candidates: the held-out item + " + options.negatives.description()
            + "; rank = 1 + negatives scored strictly higher";
    return new Result(model.name(), protocol, evaluated, skippedCount, k, hits / evaluated, ndcg / evaluated,
        mrr / evaluated, threads, seconds, ranks);
  }

  /** One thread's workspace and buffers. */
  private static final class Worker {
    final SequentialModel model;
    final Interactions data;
    final Negatives negatives;
    final int[] categoryOf;
    final int listK;
    final SequentialModel.Workspace ws;
    final boolean categories;
    int[] candItems = new int[0];
    int[] candCates = new int[0];
    float[] logits = new float[0];
    final int[] ids;
    final float[] scores;

    Worker(SequentialModel model, Interactions data, Negatives negatives, int[] categoryOf, int listK) {
      this.model = model;
      this.data = data;
      this.negatives = negatives;
      this.categoryOf = categoryOf;
      this.listK = listK;
      this.ws = model.newWorkspace();
      this.categories = model.requiredFields().contains(HistoryField.CATEGORY_IDS);
      this.ids = new int[Math.max(1, listK)];
      this.scores = new float[Math.max(1, listK)];
    }

    /** The rank of user u's held-out item, 0 if outside the next-item list, -1 if skipped. */
    int rank(int u) {
      int from = data.start(u);
      int last = data.end(u) - 1;
      int n = last - from;
      if (n < 1) {
        return -1;
      }
      int userId = data.userId(u);
      int target = data.items()[last];
      long requestTime = data.timestamps()[last];
      UserHistory history;
      try {
        history = WorldFeatures.history(model.requiredFields(), data.items(), data.timestamps(),
          data.hasActions() ? data.actions() : null, categoryOf, from, last, requestTime, userId);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("user " + userId + ": " + e.getMessage(), e);
      }
      try {
        if (model instanceof NextItemModel next) {
          int got = next.recommend(history, listK, false, ws, ids, 0, scores, 0);
          for (int i = 0; i < got; i++) {
            if (ids[i] == target) {
              return i + 1;
            }
          }
          return 0;
        }
        int[] negs = negatives.of(userId);
        if (negs == null) {
          throw new IllegalArgumentException("no negatives for this user in " + negatives.description());
        }
        int c = negs.length + 1;
        if (candItems.length < c) {
          candItems = new int[c];
          candCates = new int[c];
          logits = new float[c];
        }
        candItems[0] = target;
        System.arraycopy(negs, 0, candItems, 1, negs.length);
        if (categories) {
          for (int i = 0; i < c; i++) {
            int item = candItems[i];
            int cate = item < categoryOf.length ? categoryOf[item] : 0;
            if (cate == 0) {
              throw new IllegalArgumentException("item " + item
                  + " (a candidate) has no known category: give a catalogue or a category column");
            }
            candCates[i] = cate;
          }
        }
        model.score(history, new Candidates(c, candItems, categories ? candCates : null), ws, logits, 0);
        float mine = logits[0];
        int rank = 1;
        for (int i = 1; i < c; i++) {
          if (logits[i] > mine) {
            rank++;
          }
        }
        return rank;
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("user " + userId + ": " + e.getMessage(), e);
      }
    }
  }
}
