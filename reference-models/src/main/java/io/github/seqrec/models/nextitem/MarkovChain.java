package io.github.seqrec.models.nextitem;

import io.github.seqrec.models.AbstractSequentialModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first-order Markov chain (MODELS.md §1, {@code golden/models/markov.py}): the next item
 * depends on the last one only, with probabilities counted from sequences and additive smoothing
 * {@code lambda} over the N items:
 * <pre>
 *   P(j | i) = (C[i][j] + lambda) / (R[i] + lambda N)            when item i was ever followed (R[i] > 0)
 *   P(j | i) = P0(j) = (T[j] + lambda) / (T + lambda N)          otherwise, and for the empty history
 * </pre>
 * ({@code C} the transition counts, {@code R[i]} the row totals, {@code T[j]} the transitions into j,
 * {@code T} their sum). Scores are these probabilities, not logits.
 *
 * <p>The one model seqrec fits itself: {@link #fit(Iterator, int, float)} and
 * {@link #fitCsv(Path, int, float)} count sequences into a sparse {@link TransitionCounts} (memory
 * proportional to the distinct transitions) and {@link #save} writes the weight file
 * ({@code row_offsets, next_items, counts} as CSR, {@code n_items} and {@code smoothing} in the
 * metadata) that {@code Models.load("markov", ..)} reads; on the command line
 * {@code seqrec fit markov}.
 *
 * <p>Catalogue top-k is not a dot product: the chain ranks the counted next items of the row
 * (count descending, then id), then fills with the uncounted ones in id order (all tied at
 * {@code lambda / (R + lambda N)}); a fallback row is the popularity order. Cost
 * {@code O(row length log k + k + history)} per request, never {@code O(N)}. The user
 * embedding is empty ({@link #embeddingDim()} = 0): the chain's whole user state is its last item
 * ({@link UserState}).
 *
 * <p>Immutable and thread-safe; allocation-free per request after warm-up (the workspace holds a
 * seen-item stamp table of N + 1 ints for {@code excludeSeen}).
 */
public final class MarkovChain extends AbstractSequentialModel<MarkovChain.Ws> implements NextItemModel {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Float> SMOOTHING = ModelOption.floatOption("smoothing",
      "additive smoothing lambda of every row (0: unsmoothed counts)", 0f, 1e9f).withDefault(0.5f);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(100);

  /** The Markov chain as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("markov").family("nextitem").nextItem()
      .paper("first-order Markov chain (counting estimate with additive smoothing; the FPMC paper's MC part)")
      .captures("the last action's item alone: transition probabilities counted from sequences, popularity "
          + "fallback for unseen rows and the empty history")
      .kernels("none (sparse CSR counts; heap top-k over one row)")
      .options(N_ITEMS, SMOOTHING, MAX_LEN)
      .batchInputs("hist_items", "hist_len", "cand_items")
      .loader(MarkovChain::load)
      .build();

  private final TransitionCounts counts;
  private final double lambda;
  private final int nItems;

  private MarkovChain(TransitionCounts counts, double lambda, int maxLen) {
    super(SPEC, maxLen, Ws.class);
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("markov: smoothing must be finite and >= 0, got " + lambda);
    }
    this.counts = counts;
    this.lambda = lambda;
    this.nItems = counts.nItems();
  }

  /** Loads the CSR counts {@code row_offsets [n_items+2]}, {@code next_items [nnz]}, {@code counts [nnz]} (I64). */
  public static MarkovChain load(SafeTensors st, ModelOptions o) throws IOException {
    int n = o.get(N_ITEMS);
    long[] offsets = st.longs("row_offsets", n + 2);
    int nnz = st.shape("next_items").length == 1 ? st.shape("next_items")[0] : -1;
    if (nnz < 0) {
      throw new IllegalArgumentException("next_items must be one-dimensional, got shape "
          + java.util.Arrays.toString(st.shape("next_items")));
    }
    return new MarkovChain(TransitionCounts.fromCsr(n, offsets, st.longs("next_items", nnz), st.longs("counts", nnz)),
        o.get(SMOOTHING), o.get(MAX_LEN));
  }

  /** The chain of already counted transitions. */
  public static MarkovChain of(TransitionCounts counts, float smoothing, int maxLen) {
    return new MarkovChain(counts, smoothing, maxLen);
  }

  /** Fits by counting the sequences (each array one sequence of ids {@code 1 .. nItems}, oldest first). */
  public static MarkovChain fit(Iterator<int[]> sequences, int nItems, float smoothing) {
    return new MarkovChain(TransitionCounts.fit(sequences, nItems), smoothing, 100);
  }

  /** Fits by counting a sequence file (one sequence per line, comma-separated ids; see {@link TransitionCounts#fitCsv}). */
  public static MarkovChain fitCsv(Path csv, int nItems, float smoothing) throws IOException {
    return new MarkovChain(TransitionCounts.fitCsv(csv, nItems), smoothing, 100);
  }

  /** Writes the weight file {@code Models.load("markov", path, ..)} reads. */
  public void save(Path path) throws IOException {
    long[][] csr = counts.toCsr();
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("row_offsets", new Tensor.I64(new int[] {csr[0].length}, csr[0]));
    tensors.put("next_items", new Tensor.I64(new int[] {csr[1].length}, csr[1]));
    tensors.put("counts", new Tensor.I64(new int[] {csr[2].length}, csr[2]));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("model", "markov");
    meta.put("source", "seqrec MarkovChain.fit (first-order counts, additive smoothing, popularity fallback)");
    meta.put("n_items", String.valueOf(nItems));
    meta.put("smoothing", String.valueOf((float) lambda));
    meta.put("max_len", String.valueOf(maxHistoryLength()));
    SafeTensors.write(path, tensors, meta);
  }

  /** The fitted counts. */
  public TransitionCounts counts() {
    return counts;
  }

  public double smoothing() {
    return lambda;
  }

  /** {@code P(next | previous)}; {@code previous = 0} is the empty history. */
  public double probability(int previous, int next) {
    return counts.probability(previous, next, lambda);
  }

  @Override
  public int embeddingDim() {
    return 0;
  }

  @Override
  public int catalogueSize() {
    return nItems + 1;
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  /** The item the next one is predicted from: the last kept action, 0 for the empty history. */
  private int lastItem(UserHistory history, int first) {
    int end = history.length();
    HistoryChecks.ids("history itemIds", history.itemIds(), first, end, nItems + 1);
    return end == first ? 0 : history.itemIds()[end - 1];
  }

  @Override
  protected void score(UserHistory history, int first, Candidates candidates, Ws w, float[] logits, int logitsOff) {
    int last = lastItem(history, first);
    scoreFrom(last, candidates, logits, logitsOff);
  }

  private void scoreFrom(int last, Candidates candidates, float[] out, int outOff) {
    HistoryChecks.ids("candidate itemIds", candidates.itemIds(), 0, candidates.count(), nItems + 1);
    int[] ids = candidates.itemIds();
    for (int c = 0; c < candidates.count(); c++) {
      out[outOff + c] = (float) counts.probability(last, ids[c], lambda);
    }
  }

  /** Checks the history; the chain has no dense user vector, so nothing is written. */
  @Override
  public void userEmbedding(UserHistory history, Workspace workspace, float[] out, int outOff) {
    Ws w = acquire(workspace);
    try {
      checkHistory(history);
      lastItem(history, HistoryChecks.firstKept(history, maxHistoryLength()));
    } finally {
      release(w);
    }
  }

  @Override
  public int recommend(UserHistory history, int k, boolean excludeSeen, Workspace workspace, int[] ids, int idsOff,
                       float[] scores, int scoresOff) {
    Ws w = acquire(workspace);
    try {
      checkK(k);
      checkHistory(history);
      checkOutputs(ids, idsOff, scores, scoresOff, k);
      int last = lastItem(history, HistoryChecks.firstKept(history, maxHistoryLength()));
      return topK(last, excludeSeen ? history : null, k, w, ids, idsOff, scores, scoresOff);
    } finally {
      release(w);
    }
  }

  @Override
  public void recommend(UserHistory[] users, int k, boolean excludeSeen, Workspace workspace, int[] ids,
                        float[] scores, int[] counts) {
    Ws w = acquire(workspace);
    try {
      checkK(k);
      if (users == null) {
        throw new IllegalArgumentException("markov: users must not be null");
      }
      for (int u = 0; u < users.length; u++) {
        try {
          checkHistory(users[u]);
          lastItem(users[u], HistoryChecks.firstKept(users[u], maxHistoryLength()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("users[" + u + "]: " + e.getMessage(), e);
        }
      }
      checkOutputs(ids, 0, scores, 0, (long) users.length * k);
      if (counts == null || counts.length < users.length) {
        throw new IllegalArgumentException("counts needs " + users.length + " ints, got "
            + (counts == null ? "null" : counts.length));
      }
      for (int u = 0; u < users.length; u++) {
        UserHistory h = users[u];
        int last = lastItem(h, HistoryChecks.firstKept(h, maxHistoryLength()));
        counts[u] = topK(last, excludeSeen ? h : null, k, w, ids, u * k, scores, u * k);
      }
    } finally {
      release(w);
    }
  }

  /**
   * Top-k of {@code P(. | last)}, skipping the items of {@code seen} (all its actions) when not null.
   * Counted next items first (a k-heap over the row), then the uncounted ones in id order; a row
   * without counts is the popularity order.
   */
  private int topK(int last, UserHistory seen, int k, Ws w, int[] ids, int idsOff, float[] scores, int scoresOff) {
    int stamp = w.mark(seen, nItems);
    int[] marks = w.marks;
    int written = 0;
    if (!counts.hasRow(last)) {
      double denominator = counts.totalTransitions() + lambda * nItems;
      for (int r = 0; r < nItems && written < k; r++) {
        int j = counts.popular(r);
        if (marks[j] != stamp) {
          ids[idsOff + written] = j;
          scores[scoresOff + written] = (float) ((counts.incoming(j) + lambda) / denominator);
          written++;
        }
      }
      return written;
    }
    double denominator = counts.rowTotal(last) + lambda * nItems;
    // the k best counted entries: a min-heap of (count << 31 | (MAX - id)), larger key = better
    long[] heap = w.heap;
    int size = 0;
    int start = counts.rowStart(last);
    int end = counts.rowEnd(last);
    for (int e = start; e < end; e++) {
      int j = counts.nextItem(e);
      if (marks[j] == stamp) {
        continue;
      }
      long key = ((long) counts.count(e) << 31) | (Integer.MAX_VALUE - j);
      if (size < k) {
        heap[size] = key;
        siftUp(heap, size++);
      } else if (key > heap[0]) {
        heap[0] = key;
        siftDown(heap, size);
      }
    }
    // pop the heap from the worst: it fills the output from position size - 1 down to 0
    written = size;
    for (int p = size - 1; p >= 0; p--) {
      long key = heap[0];
      heap[0] = heap[p];
      siftDown(heap, p);
      int j = Integer.MAX_VALUE - (int) (key & Integer.MAX_VALUE);
      ids[idsOff + p] = j;
      scores[scoresOff + p] = (float) (((key >>> 31) + lambda) / denominator);
    }
    // then the uncounted items, tied at lambda / denominator, by id (a merge walk along the sorted row)
    float tied = (float) (lambda / denominator);
    int e = start;
    for (int j = 1; j <= nItems && written < k; j++) {
      while (e < end && counts.nextItem(e) < j) {
        e++;
      }
      if ((e < end && counts.nextItem(e) == j) || marks[j] == stamp) {
        continue;
      }
      ids[idsOff + written] = j;
      scores[scoresOff + written] = tied;
      written++;
    }
    return written;
  }

  private static void siftUp(long[] heap, int i) {
    long x = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (heap[parent] <= x) {
        break;
      }
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = x;
  }

  private static void siftDown(long[] heap, int size) {
    if (size == 0) {
      return;
    }
    long x = heap[0];
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && heap[child + 1] < heap[child]) {
        child++;
      }
      if (heap[child] >= x) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = x;
  }

  private void checkK(int k) {
    if (k < 1 || k > MAX_K) {
      throw new IllegalArgumentException("markov: k must be in [1, " + MAX_K + "], got " + k);
    }
  }

  private static void checkOutputs(int[] ids, int idsOff, float[] scores, int scoresOff, long n) {
    if (ids == null || idsOff < 0 || idsOff + n > ids.length) {
      throw new IllegalArgumentException("ids needs " + n + " ints from offset " + idsOff + ", its length is "
          + (ids == null ? "null" : ids.length));
    }
    if (scores == null || scoresOff < 0 || scoresOff + n > scores.length) {
      throw new IllegalArgumentException("scores needs " + n + " floats from offset " + scoresOff + ", its length is "
          + (scores == null ? "null" : scores.length));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Incremental serving: the state is the last item

  /** A fresh per-user state: the empty history. */
  public UserState newUserState() {
    return new UserState();
  }

  /**
   * Appends one action: the state becomes {@code item}.
   *
   * @throws IllegalArgumentException for an item outside {@code [1, n_items]}; the state is unchanged
   */
  public void append(UserState state, int item) {
    if (state == null) {
      throw new IllegalArgumentException("markov: state must not be null");
    }
    if (item < 1 || item > nItems) {
      throw new IllegalArgumentException("markov: item " + item + " is outside the vocabulary [1, " + nItems + "]");
    }
    state.last = item;
    state.actions++;
  }

  /** Scores {@code candidates} from a stored state (as {@link #score} on the history that made it). */
  public void score(UserState state, Candidates candidates, float[] out, int outOff) {
    if (state == null || candidates == null) {
      throw new IllegalArgumentException("markov: state and candidates must not be null");
    }
    if (state.last > nItems) {
      throw new IllegalArgumentException("markov: the state's item " + state.last + " is outside this chain's [1, "
          + nItems + "]");
    }
    HistoryChecks.output(out, outOff, candidates.count());
    scoreFrom(state.last, candidates, out, outOff);
  }

  /** Catalogue top-k from a stored state, skipping the items of {@code seen} when it is not null. */
  public int recommend(UserState state, UserHistory seen, int k, Workspace workspace, int[] ids, int idsOff,
                       float[] scores, int scoresOff) {
    Ws w = acquire(workspace);
    try {
      checkK(k);
      if (state == null) {
        throw new IllegalArgumentException("markov: state must not be null");
      }
      if (state.last > nItems) {
        throw new IllegalArgumentException("markov: the state's item " + state.last + " is outside this chain's [1, "
            + nItems + "]");
      }
      checkOutputs(ids, idsOff, scores, scoresOff, k);
      return topK(state.last, seen, k, w, ids, idsOff, scores, scoresOff);
    } finally {
      release(w);
    }
  }

  /** One user's serving state: the last item (0 before any action). Mutable, one per user. */
  public static final class UserState {
    private int last;
    private long actions;

    /** The item the next one is predicted from (0: none yet). */
    public int lastItem() {
      return last;
    }

    public long actions() {
      return actions;
    }

    public void reset() {
      last = 0;
      actions = 0;
    }
  }

  /** Per-thread scratch: the k-heap and the seen-item stamps (N + 1 ints). */
  static final class Ws extends SequentialModel.Workspace {
    final long[] heap = new long[MAX_K];
    final int[] marks;
    int generation;

    Ws(MarkovChain owner) {
      super(owner);
      this.marks = new int[owner.nItems + 1];
    }

    /**
     * Stamps the items of {@code seen} (every action, ids outside the catalogue ignored) with a
     * fresh generation and returns it; with {@code seen == null} returns a stamp no item carries.
     */
    int mark(UserHistory seen, int nItems) {
      if (++generation == Integer.MAX_VALUE) {
        java.util.Arrays.fill(marks, 0);
        generation = 1;
      }
      marks[0] = generation;  // padding is never recommended
      if (seen == null) {
        return generation;
      }
      int[] items = seen.itemIds();
      for (int a = 0; a < seen.length(); a++) {
        int j = items[a];
        if (j >= 1 && j <= nItems) {
          marks[j] = generation;
        }
      }
      return generation;
    }
  }
}
