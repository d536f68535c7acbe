package io.github.seqrec.models;

import io.github.seqrec.models.tensors.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * A padded batch of requests as the golden files and {@code seqrec model --in} carry it, scored
 * user by user through {@link SequentialModel#score}.
 *
 * <p>Tensor names (B users, L history slots, C candidates, J cross features; right-padded, oldest
 * first): {@code hist_items [B, L]}, {@code hist_len [B]}, and where the model needs them
 * {@code hist_cates [B, L]}, {@code hist_times [B, L]} with {@code request_time [B]},
 * {@code hist_cross [B, L, J]} (bucket ids), {@code hist_num [B, L, J]} (numeric),
 * {@code hist_sizes [B, L]} (cluster sizes); {@code cand_items [B, C]}, {@code cand_cates [B, C]}.
 * The {@code raw_*} tensors ({@code raw_items, raw_cates, raw_num, raw_len}) take the place of
 * {@code hist_*} for a model that groups raw behaviours itself (TWIN-V2 with {@code input=raw}).
 */
public final class ModelBatch {
  private final int users;
  private final int slots;
  private final int candidates;
  private final String prefix;
  private final Map<String, Tensor> tensors;

  private ModelBatch(Map<String, Tensor> tensors) {
    this.tensors = tensors;
    this.prefix = tensors.containsKey("raw_items") && !tensors.containsKey("hist_items") ? "raw_" : "hist_";
    int[] items = shape(prefix + "items", 2);
    users = items[0];
    slots = items[1];
    int[] cands = shape("cand_items", 2);
    if (cands[0] != users) {
      throw new IllegalArgumentException("cand_items must have " + users + " rows like " + prefix + "items, got "
          + Arrays.toString(cands));
    }
    candidates = cands[1];
    expect(prefix + "len", users);
  }

  /** Wraps the tensors of a batch file (extra tensors such as {@code expected.*} are ignored). */
  public static ModelBatch of(Map<String, Tensor> tensors) {
    return new ModelBatch(tensors);
  }

  public int users() { return users; }
  public int candidates() { return candidates; }

  /** Scores every user: logits {@code [B, C]} row-major. */
  public float[] score(SequentialModel model) {
    SequentialModel.Workspace workspace = model.newWorkspace();
    float[] logits = new float[users * candidates];
    for (int b = 0; b < users; b++) {
      model.score(history(b), candidates(b), workspace, logits, b * candidates);
    }
    return logits;
  }

  /** User {@code b}'s history (copies of the row: the batch's arrays are shared by all users). */
  public UserHistory history(int b) {
    int length = ints(prefix + "len")[b];
    if (length < 0 || length > slots) {
      throw new IllegalArgumentException(prefix + "len[" + b + "] = " + length + " must be in [0, " + slots + "]");
    }
    UserHistory.Builder h = UserHistory.of(row(ints(prefix + "items"), b, slots), length);
    if (tensors.containsKey(prefix + "cates")) {
      h.categoryIds(row(ints(prefix + "cates"), b, slots));
    }
    if (tensors.containsKey(prefix + "times")) {
      h.timestamps(Arrays.copyOfRange(longs(prefix + "times"), b * slots, (b + 1) * slots));
      h.requestTime(longs("request_time")[b]);
    }
    if (tensors.containsKey(prefix + "cross")) {
      int j = shape(prefix + "cross", 3)[2];
      h.crossBuckets(row(ints(prefix + "cross"), b, slots * j), j);
    }
    if (tensors.containsKey(prefix + "num")) {
      int j = shape(prefix + "num", 3)[2];
      float[] all = f32(prefix + "num");
      h.crossNumeric(Arrays.copyOfRange(all, b * slots * j, (b + 1) * slots * j), j);
    }
    if (tensors.containsKey(prefix + "sizes")) {
      h.clusterSizes(row(ints(prefix + "sizes"), b, slots));
    }
    return h.build();
  }

  /** User {@code b}'s candidates. */
  public Candidates candidates(int b) {
    int[] items = row(ints("cand_items"), b, candidates);
    int[] cates = tensors.containsKey("cand_cates") ? row(ints("cand_cates"), b, candidates) : null;
    return new Candidates(candidates, items, cates);
  }

  private static int[] row(int[] all, int b, int width) {
    return Arrays.copyOfRange(all, b * width, (b + 1) * width);
  }

  private int[] shape(String name, int rank) {
    Tensor t = require(name);
    if (t.shape().length != rank) {
      throw new IllegalArgumentException("tensor '" + name + "' must have rank " + rank + ", got " + t.describe());
    }
    return t.shape();
  }

  private void expect(String name, int... shape) {
    Tensor t = require(name);
    if (!Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException("tensor '" + name + "' must have shape " + Arrays.toString(shape) + ", got "
          + t.describe());
    }
  }

  private Tensor require(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("missing batch tensor '" + name + "'");
    }
    return t;
  }

  private int[] ints(String name) {
    return switch (require(name)) {
      case Tensor.I32 i -> i.data();
      case Tensor.I64 l -> {
        int[] out = new int[l.data().length];
        for (int i = 0; i < out.length; i++) {
          long v = l.data()[i];
          if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + "[" + i + "] = " + v + " does not fit an int");
          }
          out[i] = (int) v;
        }
        yield out;
      }
      case Tensor t -> throw new IllegalArgumentException("tensor '" + name + "' must be I64 or I32, got " + t.describe());
    };
  }

  private long[] longs(String name) {
    return switch (require(name)) {
      case Tensor.I64 l -> l.data();
      case Tensor.I32 i -> Arrays.stream(i.data()).asLongStream().toArray();
      case Tensor t -> throw new IllegalArgumentException("tensor '" + name + "' must be I64, got " + t.describe());
    };
  }

  private float[] f32(String name) {
    if (require(name) instanceof Tensor.F32 f) {
      return f.data();
    }
    throw new IllegalArgumentException("tensor '" + name + "' must be F32, got " + require(name).describe());
  }
}
