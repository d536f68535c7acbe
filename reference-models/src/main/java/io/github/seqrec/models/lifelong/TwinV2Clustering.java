package io.github.seqrec.models.lifelong;

import io.github.seqrec.kernels.Clustering;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.ItemCateEmbedding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * TWIN-V2's offline hierarchical clustering of a life-cycle history into virtual items (Si et al.,
 * CIKM 2024, §3.2), exactly as {@code golden/models/twin_v2.py::cluster_history} defines it (every
 * constant is seqrec's deterministic choice, MODELS.md §12):
 * <ol>
 *   <li>behaviour l's clustering vector is {@code x_l = [E_item; E_cate]}; its numeric features
 *       {@code num[l]} ({@link HistoryField#CROSS_NUMERIC}, feature 0 = play completion ratio);
 *   <li>coarse groups {@code g = min(G - 1, floor(num[l, 0] G))};
 *   <li>each group (slot order) is split recursively: a set of {@code n <= gamma} members is a cluster;
 *       otherwise k-means ({@link Clustering#kMeans}) with {@code k = max(2, ceil(n / gamma))}, initial
 *       centroids the members at {@code floor(i n / k)}, {@code iterations} assignment steps (ties: lower
 *       centroid; an empty centroid stays); the non-empty parts are split again, and a set k-means
 *       cannot split (identical vectors) is cut into chunks of gamma in slot order;
 *   <li>virtual item: item and category of the member nearest the members' mean
 *       ({@link Clustering#nearestMembers}, ties: lowest slot), numeric features = the members' mean,
 *       size n;
 *   <li>clusters listed by their earliest member.
 * </ol>
 * The reference computes in float64; this port uses the float32 kernels, which make the same decisions
 * on the goldens (each of their decisions wins by a margin the generator checks).
 *
 * <p>An offline utility: it allocates per call (the clustered history it returns is the model's
 * allocation-free input). Immutable and thread-safe.
 */
public final class TwinV2Clustering {
  /** The fields a raw history needs. */
  static final java.util.Set<HistoryField> RAW_FIELDS =
      java.util.EnumSet.of(HistoryField.ITEM_IDS, HistoryField.CATEGORY_IDS, HistoryField.CROSS_NUMERIC);

  private final ItemCateEmbedding emb;
  private final int groups;
  private final int gamma;
  private final int iterations;
  private final int numeric;

  TwinV2Clustering(ItemCateEmbedding emb, int groups, int gamma, int iterations, int numeric) {
    if (groups < 1 || gamma < 1 || iterations < 1) {
      throw new IllegalArgumentException("twin_v2 clustering needs groups, max_cluster_size and kmeans_iterations >= 1, got "
          + groups + ", " + gamma + ", " + iterations);
    }
    this.emb = emb;
    this.groups = groups;
    this.gamma = gamma;
    this.iterations = iterations;
    this.numeric = numeric;
  }

  /**
   * The clusters of one raw history and the cluster of each raw action.
   *
   * @param clusters   the clustered history: virtual item and category ids, numeric means
   *                   ({@code crossNumeric}, {@code Lc x J}) and sizes ({@code clusterSizes})
   * @param assignment for each raw action, its cluster's index in {@code clusters}
   */
  public record Result(UserHistory clusters, int[] assignment) {}

  /** Clusters every action of {@code raw} (items, categories and J numeric features per action). */
  public UserHistory cluster(UserHistory raw) {
    return clusterWithAssignment(raw).clusters();
  }

  /** {@link #cluster} plus the raw-action-to-cluster assignment. */
  public Result clusterWithAssignment(UserHistory raw) {
    checkRaw(raw, 0);
    int n = raw.length();
    int d = emb.dim();
    int[] items = raw.itemIds();
    int[] cates = raw.categoryIds();
    float[] num = raw.crossNumeric();
    float[] x = new float[n * d];
    for (int i = 0; i < n; i++) {
      emb.embed(items[i], cates[i], x, i * d);
    }
    Map<Integer, List<Integer>> byGroup = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      int g = (int) Math.min(groups - 1, Math.floor((double) num[i * numeric] * groups));
      byGroup.computeIfAbsent(g, key -> new ArrayList<>()).add(i);
    }
    List<int[]> clusters = new ArrayList<>();
    for (List<Integer> members : byGroup.values()) {
      split(members.stream().mapToInt(Integer::intValue).toArray(), x, d, clusters);
    }
    clusters.sort(Comparator.comparingInt(c -> c[0]));

    int lc = clusters.size();
    int[] cItems = new int[lc];
    int[] cCates = new int[lc];
    int[] sizes = new int[lc];
    float[] means = new float[lc * numeric];
    int[] assignment = new int[n];
    for (int c = 0; c < lc; c++) {
      int[] members = clusters.get(c);
      int medoid = members[nearestToMean(members, x, d)];
      cItems[c] = items[medoid];
      cCates[c] = cates[medoid];
      sizes[c] = members.length;
      for (int j = 0; j < numeric; j++) {
        double sum = 0;
        for (int s : members) {
          sum += num[s * numeric + j];
        }
        means[c * numeric + j] = (float) (sum / members.length);
      }
      for (int s : members) {
        assignment[s] = c;
      }
    }
    UserHistory clustered = UserHistory.of(cItems, lc).categoryIds(cCates).crossNumeric(means, numeric)
        .clusterSizes(sizes).build();
    return new Result(clustered, assignment);
  }

  /** Ids, numeric features and their count of the raw actions from {@code first} on. */
  void checkRaw(UserHistory raw, int first) {
    HistoryChecks.requireFields("twin_v2 clustering", RAW_FIELDS, raw);
    if (raw.crossDim() != numeric) {
      throw new IllegalArgumentException("twin_v2 needs " + numeric + " numeric features per action (crossDim), got "
          + raw.crossDim());
    }
    emb.checkHistory(raw, first);
    HistoryChecks.finite("history crossNumeric", raw.crossNumeric(), first * numeric, raw.length() * numeric);
  }

  private void split(int[] slots, float[] x, int d, List<int[]> out) {
    int n = slots.length;
    if (n <= gamma) {
      out.add(slots);
      return;
    }
    int k = Math.max(2, (n + gamma - 1) / gamma);
    float[] xs = gather(slots, x, d);
    float[] centroids = new float[k * d];
    for (int i = 0; i < k; i++) {
      System.arraycopy(xs, (int) ((long) i * n / k) * d, centroids, i * d, d);
    }
    int[] assign = new int[n];
    float[] scratch = new float[Clustering.kMeansScratchSize(n, d, k)];
    // twin_v2.py runs `iterations` rounds of (assign, update) and keeps the last assignment, which
    // follows iterations - 1 updates: Clustering.kMeans's first assignment plus iterations - 1 steps.
    Clustering.kMeans(xs, 0, n, d, centroids, 0, k, iterations - 1, assign, 0, scratch, 0);
    int[] counts = new int[k];
    for (int a : assign) {
      counts[a]++;
    }
    List<int[]> parts = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      if (counts[c] == 0) {
        continue;
      }
      int[] part = new int[counts[c]];
      int p = 0;
      for (int i = 0; i < n; i++) {
        if (assign[i] == c) {
          part[p++] = slots[i];
        }
      }
      parts.add(part);
    }
    if (parts.size() == 1) {
      for (int s = 0; s < n; s += gamma) {
        out.add(Arrays.copyOfRange(slots, s, Math.min(n, s + gamma)));
      }
      return;
    }
    for (int[] part : parts) {
      split(part, x, d, out);
    }
  }

  /** Index within {@code members} of the member nearest to their mean (ties: lowest). */
  private static int nearestToMean(int[] members, float[] x, int d) {
    int n = members.length;
    float[] xs = gather(members, x, d);
    float[] mean = new float[d];
    System.arraycopy(xs, 0, mean, 0, d);
    int[] assign = new int[n];
    // one k-means step with k = 1: every member in cluster 0, its centroid moved to their mean
    Clustering.kMeans(xs, 0, n, d, mean, 0, 1, 1, assign, 0, new float[Clustering.kMeansScratchSize(n, d, 1)], 0);
    int[] nearest = new int[1];
    Clustering.nearestMembers(xs, 0, n, d, mean, 0, 1, assign, 0, nearest, 0,
        new float[Clustering.nearestMembersScratchSize(1)], 0);
    return nearest[0];
  }

  private static float[] gather(int[] slots, float[] x, int d) {
    float[] xs = new float[slots.length * d];
    for (int i = 0; i < slots.length; i++) {
      System.arraycopy(x, slots[i] * d, xs, i * d, d);
    }
    return xs;
  }
}
