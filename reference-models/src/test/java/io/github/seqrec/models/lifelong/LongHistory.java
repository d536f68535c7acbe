package io.github.seqrec.models.lifelong;

import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The golden generator's long synthetic histories ({@code golden/models/longhist.py}), regenerated
 * exactly: SplitMix64 is {@link SplittableRandom} ({@code nextLong} without splitting), and every
 * draw is {@code below(n) = Long.remainderUnsigned(nextLong(), n)} or
 * {@code unit() = (nextLong() >>> 11) * 2^-53}. Used by the recall measurement and the
 * long-history benchmark; {@code recall/recall_reference.json} holds checksums to compare with.
 *
 * <p>Catalogue: {@code nItems} items, {@code nCates} categories, category of item i is
 * {@code 1 + (i - 1) % nCates}. The golden run uses seed 2024, 20 000 items, 500 categories,
 * embedding tables from seeds 77 (items) and 78 (categories).
 */
public final class LongHistory {
  /** The golden run's parameters. */
  public static final long SEED = 2024;
  public static final long EMB_SEED = 77;
  public static final int N_ITEMS = 20_000;
  public static final int N_CATES = 500;

  private LongHistory() {}

  /** One synthetic user: history (oldest first) with times and TWIN cross buckets, request time, candidates. */
  public record User(int[] items, int[] cates, long[] times, int[] cross, long requestTime,
                     int[] candItems, int[] candCates) {
    public UserHistory history() {
      return UserHistory.of(items, items.length).categoryIds(cates).timestamps(times).requestTime(requestTime).build();
    }

    public Candidates candidates() {
      return Candidates.of(candItems, candCates);
    }
  }

  static long below(SplittableRandom rng, long n) {
    return Long.remainderUnsigned(rng.nextLong(), n);
  }

  /** User {@code user} of the data set with seed {@code seed}: L actions and C candidates. */
  public static User user(long seed, int user, int length, int candidates, int nItems, int nCates) {
    SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + user);
    int per = nItems / nCates;
    int nInt = 2 + (int) below(rng, 3);
    int[] fav = new int[nInt];
    for (int j = 0; j < nInt; j++) {
      fav[j] = 1 + (int) below(rng, nCates);
    }
    int[] items = new int[length];
    int[] cates = new int[length];
    long[] times = new long[length];
    int[] cross = new int[2 * length];
    long t = 1_600_000_000L;
    for (int l = 0; l < length; l++) {
      int cat = below(rng, 100) < 80 ? fav[(int) below(rng, nInt)] : 1 + (int) below(rng, nCates);
      int j = (int) Math.min(below(rng, per), below(rng, per));
      t = t + 1 + below(rng, 7200);
      items[l] = cat + nCates * j;
      cates[l] = cat;
      times[l] = t;
      cross[2 * l] = (int) below(rng, 16);
      cross[2 * l + 1] = (int) below(rng, 16);
    }
    long request = t + 1 + below(rng, 3600);
    int[] candItems = new int[candidates];
    int[] candCates = new int[candidates];
    for (int c = 0; c < candidates; c++) {
      int cat = below(rng, 2) == 0 ? fav[(int) below(rng, nInt)] : 1 + (int) below(rng, nCates);
      candItems[c] = cat + nCates * (int) below(rng, per);
      candCates[c] = cat;
    }
    return new User(items, cates, times, cross, request, candItems, candCates);
  }

  /** {@code [rows + 1, dim]} row-major, row 0 zero, rows 1.. {@code (float) (0.5 (2 unit() - 1))} from SplitMix64(seed). */
  public static float[] table(long seed, int rows, int dim) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] out = new float[(rows + 1) * dim];
    for (int i = dim; i < out.length; i++) {
      double unit = (rng.nextLong() >>> 11) * 0x1.0p-53;
      out[i] = (float) (0.5 * (2.0 * unit - 1.0));
    }
    return out;
  }

  /** The reference's order-sensitive checksum: {@code sum_i (i + 1) (v_i mod p) mod p}, p = 2^61 - 1. */
  public static long checksum(long[] values) {
    long s = 0;
    for (int i = 0; i < values.length; i++) {
      s = mersenneMod(s + mulMod(i + 1, Math.floorMod(values[i], P)));
    }
    return s;
  }

  private static final long P = (1L << 61) - 1;

  /** {@code a b mod p} for {@code 0 <= a, b < 2^61}, using {@code 2^61 = 1 (mod p)}. */
  private static long mulMod(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    // a b = hi 2^64 + lo = hi 2^3 2^61 + (lo >>> 61) 2^61 + (lo & P)  ==  8 hi + (lo >>> 61) + (lo & P)
    return mersenneMod(mersenneMod((hi << 3) + (lo >>> 61)) + (lo & P));
  }

  private static long mersenneMod(long x) {
    long r = (x & P) + (x >>> 61);
    return r >= P ? r - P : r;
  }

  /** Ints as longs, for {@link #checksum}. */
  public static long[] widen(int[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  /**
   * Writes a copy of a golden weight file to {@code out} with the long-history catalogue: the
   * embedding tables replaced by {@link #table}s of {@code nItems} and {@code nCates} rows (seeds
   * {@code embSeed}, {@code embSeed + 1}) and the metadata's {@code n_items}, {@code n_cates} and
   * {@code max_len} updated; {@code overrides} replace further tensors (the "aligned" variants).
   */
  public static void writeWeights(Path golden, Path out, long embSeed, int nItems, int nCates, int maxLen,
                                  Map<String, Tensor> overrides) throws IOException {
    Map<String, Tensor> tensors;
    Map<String, String> meta;
    try (SafeTensors st = SafeTensors.open(golden)) {
      tensors = new HashMap<>(st.toTensors());
      meta = new HashMap<>(st.metadata());
    }
    int dItem = tensors.get("emb.item.weight").shape()[1];
    int dCate = tensors.get("emb.cate.weight").shape()[1];
    tensors.put("emb.item.weight", new Tensor.F32(new int[] {nItems + 1, dItem}, table(embSeed, nItems, dItem)));
    tensors.put("emb.cate.weight", new Tensor.F32(new int[] {nCates + 1, dCate}, table(embSeed + 1, nCates, dCate)));
    tensors.putAll(overrides);
    meta.put("n_items", Integer.toString(nItems));
    meta.put("n_cates", Integer.toString(nCates));
    meta.put("max_len", Integer.toString(maxLen));
    SafeTensors.write(out, tensors, meta);
  }
}
