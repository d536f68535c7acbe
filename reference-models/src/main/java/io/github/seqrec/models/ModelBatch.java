package io.github.seqrec.models;

import io.github.seqrec.models.tensors.Tensor;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * A padded batch of requests as the golden files and {@code seqrec model --in} carry it, scored
 * user by user through {@link SequentialModel#score}.
 *
 * <p>Tensor names (B users, L history slots, C candidates, J cross features; right-padded, oldest
 * first): {@code hist_len [B]}, one tensor per {@link HistoryField} the batch carries
 * ({@code hist_items [B, L]}, {@code hist_cates [B, L]}, {@code hist_times [B, L]} with
 * {@code request_time [B]}, {@code hist_actions [B, L]}, {@code hist_cross [B, L, J]} bucket ids,
 * {@code hist_num [B, L, J]} numeric, {@code hist_sizes [B, L]}); {@code cand_items [B, C]},
 * {@code cand_cates [B, C]}, {@code user_id [B]} (models with per-user parameters). The {@code raw_*} tensors ({@code raw_items, raw_cates, raw_num,
 * raw_len}) take the place of {@code hist_*} for a model that groups raw behaviours itself (TWIN-V2
 * with {@code input=raw}). Every tensor is checked for its full shape and dtype and converted once,
 * when the batch is made; other tensors (such as {@code expected.*}) are ignored.
 */
public final class ModelBatch {
  private static final HistoryField[] FIELDS = HistoryField.values();

  private final int users;
  private final int slots;
  private final int candidates;
  private final int crossDim;
  private final int[] lengths;
  private final Map<HistoryField, Object> fields = new EnumMap<>(HistoryField.class);
  private final long[] requestTimes;
  private final int[] userIds;
  private final int[] candItems;
  private final int[] candCates;

  private ModelBatch(Map<String, Tensor> tensors) {
    String prefix = tensors.containsKey("raw_items") && !tensors.containsKey("hist_items") ? "raw_" : "hist_";
    int[] itemShape = shape(tensors, HistoryField.ITEM_IDS.tensorName(prefix), 2);
    users = itemShape[0];
    slots = itemShape[1];
    int[] candShape = shape(tensors, "cand_items", 2);
    if (candShape[0] != users) {
      throw new IllegalArgumentException("tensor 'cand_items' must have " + users + " rows like "
          + HistoryField.ITEM_IDS.tensorName(prefix) + ", got " + Arrays.toString(candShape));
    }
    candidates = candShape[1];
    int j = 0;
    for (HistoryField field : FIELDS) {
      String name = field.tensorName(prefix);
      if (field.perActionRow() && tensors.containsKey(name)) {
        int[] s = shape(tensors, name, 3);
        if (j != 0 && s[2] != j) {
          throw new IllegalArgumentException("tensor '" + name + "' has " + s[2] + " cross features per action, another "
              + "cross tensor has " + j);
        }
        j = s[2];
      }
    }
    crossDim = j;
    lengths = ints(tensors, prefix + "len", users);
    for (int b = 0; b < users; b++) {
      if (lengths[b] < 0 || lengths[b] > slots) {
        throw new IllegalArgumentException(prefix + "len[" + b + "] = " + lengths[b] + " must be in [0, " + slots + "]");
      }
    }
    for (HistoryField field : FIELDS) {
      String name = field.tensorName(prefix);
      if (tensors.containsKey(name)) {
        int[] shape = field.perActionRow() ? new int[] {users, slots, crossDim} : new int[] {users, slots};
        fields.put(field, convert(tensors, name, field.valueType(), shape));
      }
    }
    requestTimes = fields.containsKey(HistoryField.TIMESTAMPS)
        ? (long[]) convert(tensors, "request_time", HistoryField.ValueType.LONG, new int[] {users}) : null;
    userIds = tensors.containsKey("user_id") ? ints(tensors, "user_id", users) : null;
    if (userIds != null) {
      for (int b = 0; b < users; b++) {
        if (userIds[b] < 0) {
          throw new IllegalArgumentException("user_id[" + b + "] = " + userIds[b] + " must be >= 0 (0 is the unknown user)");
        }
      }
    }
    candItems = ints(tensors, "cand_items", users, candidates);
    candCates = tensors.containsKey("cand_cates") ? ints(tensors, "cand_cates", users, candidates) : null;
  }

  /**
   * Every tensor name a batch may carry ({@code hist_*} and {@code raw_*} per {@link HistoryField},
   * their lengths, {@code request_time}, {@code user_id}, the candidates): a reader copies only
   * these out of a file.
   */
  public static java.util.List<String> tensorNames() {
    java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of("request_time", "user_id", "cand_items", "cand_cates"));
    for (String prefix : java.util.List.of("hist_", "raw_")) {
      names.add(prefix + "len");
      for (HistoryField field : FIELDS) {
        names.add(field.tensorName(prefix));
      }
    }
    return java.util.List.copyOf(names);
  }

  /**
   * Wraps the tensors of a batch file.
   *
   * @throws IllegalArgumentException naming the tensor, the expected and the actual shape or dtype
   */
  public static ModelBatch of(Map<String, Tensor> tensors) {
    return new ModelBatch(tensors);
  }

  public int users() { return users; }
  public int candidates() { return candidates; }
  /** History slots per user (L). */
  public int slots() { return slots; }

  /** Scores every user: logits {@code [B, C]} row-major. */
  public float[] score(SequentialModel model) {
    SequentialModel.Workspace workspace = model.newWorkspace();
    float[] logits = new float[Math.multiplyExact(users, candidates)];
    for (int b = 0; b < users; b++) {
      model.score(history(b), candidates(b), workspace, logits, b * candidates);
    }
    return logits;
  }

  /** User {@code b}'s history (copies of its rows: the batch's arrays are shared by all users). */
  public UserHistory history(int b) {
    java.util.Objects.checkIndex(b, users);
    int length = lengths[b];
    UserHistory.Builder h = UserHistory.of((int[]) row(fields.get(HistoryField.ITEM_IDS), b, slots), length);
    h.crossDim(crossDim);
    for (Map.Entry<HistoryField, Object> e : fields.entrySet()) {
      if (e.getKey() != HistoryField.ITEM_IDS) {
        h.field(e.getKey(), row(e.getValue(), b, e.getKey().perActionRow() ? slots * crossDim : slots));
      }
    }
    if (requestTimes != null) {
      h.requestTime(requestTimes[b]);
    }
    if (userIds != null) {
      h.userId(userIds[b]);
    }
    return h.build();
  }

  /** User {@code b}'s candidates. */
  public Candidates candidates(int b) {
    java.util.Objects.checkIndex(b, users);
    int[] items = Arrays.copyOfRange(candItems, b * candidates, (b + 1) * candidates);
    int[] cates = candCates == null ? null : Arrays.copyOfRange(candCates, b * candidates, (b + 1) * candidates);
    return new Candidates(candidates, items, cates);
  }

  private static Object row(Object all, int b, int width) {
    return switch (all) {
      case int[] a -> Arrays.copyOfRange(a, b * width, (b + 1) * width);
      case long[] a -> Arrays.copyOfRange(a, b * width, (b + 1) * width);
      case float[] a -> Arrays.copyOfRange(a, b * width, (b + 1) * width);
      default -> throw new IllegalStateException(all.getClass().getName());
    };
  }

  private static int[] shape(Map<String, Tensor> tensors, String name, int rank) {
    Tensor t = require(tensors, name);
    if (t.shape().length != rank) {
      throw new IllegalArgumentException("tensor '" + name + "' must have rank " + rank + ", got " + t.describe());
    }
    return t.shape();
  }

  private static int[] ints(Map<String, Tensor> tensors, String name, int... shape) {
    return (int[]) convert(tensors, name, HistoryField.ValueType.INT, shape);
  }

  /** The tensor as the Java array of {@code type}, after checking its full shape and dtype. */
  private static Object convert(Map<String, Tensor> tensors, String name, HistoryField.ValueType type, int[] shape) {
    Tensor t = require(tensors, name);
    if (!Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException("tensor '" + name + "' must have shape " + Arrays.toString(shape) + ", got "
          + t.describe());
    }
    return switch (type) {
      case INT -> switch (t) {
        case Tensor.I32 i -> i.data();
        case Tensor.I64 l -> {
          long[] data = l.data();
          int[] out = new int[data.length];
          for (int i = 0; i < out.length; i++) {
            long v = data[i];
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
              throw new IllegalArgumentException(name + "[" + i + "] = " + v + " does not fit an int");
            }
            out[i] = (int) v;
          }
          yield out;
        }
        default -> throw new IllegalArgumentException("tensor '" + name + "' must be I64 or I32, got " + t.describe());
      };
      case LONG -> switch (t) {
        case Tensor.I64 l -> l.data();
        case Tensor.I32 i -> Arrays.stream(i.data()).asLongStream().toArray();
        default -> throw new IllegalArgumentException("tensor '" + name + "' must be I64 or I32, got " + t.describe());
      };
      case FLOAT -> {
        if (t instanceof Tensor.F32 f) {
          yield f.data();
        }
        throw new IllegalArgumentException("tensor '" + name + "' must be F32, got " + t.describe());
      }
    };
  }

  private static Tensor require(Map<String, Tensor> tensors, String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("missing batch tensor '" + name + "'");
    }
    return t;
  }
}
