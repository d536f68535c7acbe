package io.github.seqrec.spark;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * Scores the rows of one partition, in batches of up to {@link #BATCH}, on one thread: one workspace
 * and {@link #BATCH} sets of history scratch arrays (grown to the longest row seen) for the whole
 * partition, so a row costs Spark's own row objects, a small {@link UserHistory} and
 * {@link Candidates} wrapper and the output arrays. Each row's candidates are scored by one
 * {@link SequentialModel#score} call (the model batches over the candidates); the catalogue top-k of
 * a next-item model goes through the batch {@link NextItemModel#recommend(UserHistory[], int, boolean,
 * SequentialModel.Workspace, int[], float[], int[])}, which reads the item table once per
 * {@link Catalogue#USER_BLOCK} users instead of once per user.
 */
final class RowScorer {
  private static final HistoryField[] FIELDS = HistoryField.values();
  /** Rows scored together: one block of the catalogue top-k. */
  static final int BATCH = Catalogue.USER_BLOCK;

  private final SequentialModel model;
  private final NextItemModel nextItem;
  private final RowPlan plan;
  private final int partition;
  private final LongAccumulator badRows;
  private final SequentialModel.Workspace workspace;
  private final int outputWidth;

  /** History arrays of each batch slot (the histories of one batch are alive together). */
  private final Object[][] fieldScratch = new Object[BATCH][FIELDS.length];
  private int[] candItems = new int[0];
  private int[] candCates = new int[0];
  private final int[] topIds;
  private final float[] topScores;
  private final int[] topCounts = new int[BATCH];
  private final UserHistory[] histories = new UserHistory[BATCH];
  private final UserHistory[] fullBatch = new UserHistory[BATCH];
  private final int[] rowOfUser = new int[BATCH];
  private final Object[][] outs = new Object[BATCH][];
  private final long[] numbers = new long[BATCH];
  private long rowNumber;

  RowScorer(SequentialModel model, RowPlan plan, int partition, LongAccumulator badRows) {
    this.model = model;
    this.nextItem = model instanceof NextItemModel n ? n : null;
    this.plan = plan;
    this.partition = partition;
    this.badRows = badRows;
    this.workspace = model.newWorkspace();
    this.outputWidth = plan.outputSchema().fields().length;
    this.topIds = new int[BATCH * plan.topK()];
    this.topScores = new float[BATCH * plan.topK()];
    for (Object[] slot : fieldScratch) {
      for (HistoryField field : FIELDS) {
        if (plan.fieldIndex()[field.ordinal()] >= 0) {
          slot[field.ordinal()] = switch (field.valueType()) {
            case INT -> new int[0];
            case LONG -> new long[0];
            case FLOAT -> new float[0];
          };
        }
      }
    }
  }

  /** A row the model cannot take, before the model sees it: the column and the reason. */
  private static final class Shape extends Exception {
    private static final long serialVersionUID = 1L;
    final String column;

    Shape(String column, String reason) {
      super(reason, null, false, false);
      this.column = column;
    }
  }

  /**
   * Scores {@code rows[0 .. n)} ({@code n <= BATCH}) into {@code out[0 .. n)}, in order. A bad row is
   * thrown as a {@link BadRowException} (fail-fast) or becomes an error row; the others of the
   * batch are unaffected.
   */
  void scoreBatch(Row[] rows, int n, Row[] out) {
    int inputs = plan.inputWidth();
    int users = 0;
    for (int r = 0; r < n; r++) {
      Row row = rows[r];
      long number = rowNumber++;
      numbers[r] = number;
      Object[] values = new Object[outputWidth];
      for (int i = 0; i < inputs; i++) {
        values[i] = row.get(i);
      }
      outs[r] = values;
      try {
        UserHistory history = history(row, r);
        Candidates candidates = candidates(row);
        float[] logits = new float[candidates.count()];
        try {
          model.score(history, candidates, workspace, logits, 0);
        } catch (IllegalArgumentException e) {
          out[r] = badRow(row, number, values, columnNamedBy(e.getMessage()), e.getMessage(), e);
          continue;
        }
        int at = inputs;
        values[at++] = logits;
        if (plan.probabilities()) {
          float[] p = logits.clone();
          SequentialModel.probabilities(p, 0, p.length);
          values[at] = p;
        }
        histories[users] = history;
        rowOfUser[users++] = r;
        out[r] = null; // made below, once the top-k is in
      } catch (Shape e) {
        out[r] = badRow(row, number, values, e.column, e.getMessage(), null);
      }
    }
    if (plan.topK() > 0 && users > 0) {
      recommend(rows, users, out);
    }
    for (int u = 0; u < users; u++) {
      int r = rowOfUser[u];
      if (out[r] == null) {
        out[r] = RowFactory.create(outs[r]);
      }
      histories[u] = null;
    }
    java.util.Arrays.fill(outs, 0, n, null);
  }

  /**
   * The top-k columns of the batch's {@code users} scored rows, by the batch recommend. Every
   * history already passed {@code score}'s checks, which are the same; should the batch call still
   * reject one, the users are recommended one by one, so that only that row is bad (in {@code out}).
   */
  private void recommend(Row[] rows, int users, Row[] out) {
    UserHistory[] batch = users == BATCH ? fullBatch : new UserHistory[users];
    System.arraycopy(histories, 0, batch, 0, users);
    int k = plan.topK();
    try {
      nextItem.recommend(batch, k, plan.excludeSeen(), workspace, topIds, topScores, topCounts);
    } catch (IllegalArgumentException batchRejected) {
      for (int u = 0; u < users; u++) {
        try {
          topCounts[u] = nextItem.recommend(histories[u], k, plan.excludeSeen(), workspace, topIds, u * k,
              topScores, u * k);
        } catch (IllegalArgumentException e) {
          int r = rowOfUser[u];
          out[r] = badRow(rows[r], numbers[r], outs[r], columnNamedBy(e.getMessage()), e.getMessage(), e);
        }
      }
    } finally {
      java.util.Arrays.fill(fullBatch, null);
    }
    int at = plan.inputWidth() + 1 + (plan.probabilities() ? 1 : 0);
    for (int u = 0; u < users; u++) {
      int r = rowOfUser[u];
      if (out[r] == null) {
        outs[r][at] = java.util.Arrays.copyOfRange(topIds, u * k, u * k + topCounts[u]);
        outs[r][at + 1] = java.util.Arrays.copyOfRange(topScores, u * k, u * k + topCounts[u]);
      }
    }
  }

  /** The error row of a bad row ({@link BadRowMode#ERROR_COLUMN}), or the exception that fails the task. */
  private Row badRow(Row row, long number, Object[] out, String column, String reason, IllegalArgumentException cause) {
    String key;
    String keyDescription;
    if (plan.keyIndex() >= 0) {
      Object value = row.get(plan.keyIndex());
      key = String.valueOf(value);
      keyDescription = plan.keyColumn() + "=" + key;
    } else {
      key = partition + ":" + number;
      keyDescription = "#" + number + " of partition " + partition;
    }
    BadRowException bad = new BadRowException(plan.model(), keyDescription, key, column, reason, cause);
    if (!plan.errorColumn()) {
      throw bad;
    }
    badRows.add(1);
    for (int i = plan.inputWidth(); i < outputWidth - 1; i++) {
      out[i] = null;
    }
    out[outputWidth - 1] = bad.getMessage();
    return RowFactory.create(out);
  }

  private UserHistory history(Row row, int slot) throws Shape {
    int itemsAt = plan.fieldIndex()[HistoryField.ITEM_IDS.ordinal()];
    String itemsColumn = plan.fieldColumn()[HistoryField.ITEM_IDS.ordinal()];
    List<Object> items = list(row, itemsAt, itemsColumn);
    int length = items.size();
    int[] itemIds = (int[]) fill(slot, HistoryField.ITEM_IDS, items, itemsColumn, length);
    UserHistory.Builder b = UserHistory.of(itemIds, length);
    for (HistoryField field : FIELDS) {
      int at = plan.fieldIndex()[field.ordinal()];
      if (field == HistoryField.ITEM_IDS || at < 0) {
        continue;
      }
      String column = plan.fieldColumn()[field.ordinal()];
      List<Object> values = list(row, at, column);
      long expected = field.perActionRow() ? (long) length * plan.crossDim() : length;
      if (values.size() != expected) {
        throw new Shape(column, "has " + values.size() + " entries, expected " + expected + " ("
            + (field.perActionRow() ? plan.crossDim() + " per action x " : "one per action, ") + "'" + itemsColumn
            + "' has " + length + " actions)");
      }
      b.field(field, fill(slot, field, values, column, values.size()));
    }
    if (plan.crossDim() > 0) {
      b.crossDim(plan.crossDim());
    }
    if (plan.requestTimeIndex() >= 0) {
      if (row.isNullAt(plan.requestTimeIndex())) {
        throw new Shape(plan.requestTimeColumn(), "is null");
      }
      b.requestTime(((Number) row.get(plan.requestTimeIndex())).longValue());
    }
    if (plan.userIdIndex() >= 0) {
      if (row.isNullAt(plan.userIdIndex())) {
        throw new Shape(plan.userIdColumn(), "is null");
      }
      long id = ((Number) row.get(plan.userIdIndex())).longValue();
      if (id < 0 || id > Integer.MAX_VALUE) {
        throw new Shape(plan.userIdColumn(), "user id " + id + " must be in [0, " + Integer.MAX_VALUE + "] (0 is the unknown user)");
      }
      b.userId((int) id);
    }
    return b.build();
  }

  private Candidates candidates(Row row) throws Shape {
    List<Object> items = list(row, plan.candItemsIndex(), plan.candItemsColumn());
    int count = items.size();
    if (candItems.length < count) {
      candItems = new int[grow(count)];
    }
    ints(items, candItems, plan.candItemsColumn());
    int[] cates = null;
    if (plan.candCatesIndex() >= 0) {
      List<Object> c = list(row, plan.candCatesIndex(), plan.candCatesColumn());
      if (c.size() != count) {
        throw new Shape(plan.candCatesColumn(), "has " + c.size() + " entries, expected " + count + " (one per candidate in '"
            + plan.candItemsColumn() + "')");
      }
      if (candCates.length < count) {
        candCates = new int[grow(count)];
      }
      ints(c, candCates, plan.candCatesColumn());
      cates = candCates;
    }
    return new Candidates(count, candItems, cates);
  }

  /** The field's scratch array of batch slot {@code slot}, grown when needed, holding {@code values}. */
  private Object fill(int slot, HistoryField field, List<Object> values, String column, int size) throws Shape {
    Object[] fieldScratch = this.fieldScratch[slot];
    int f = field.ordinal();
    switch (field.valueType()) {
      case INT -> {
        int[] a = (int[]) fieldScratch[f];
        if (a.length < size) {
          fieldScratch[f] = a = new int[grow(size)];
        }
        ints(values, a, column);
        return a;
      }
      case LONG -> {
        long[] a = (long[]) fieldScratch[f];
        if (a.length < size) {
          fieldScratch[f] = a = new long[grow(size)];
        }
        for (int i = 0; i < size; i++) {
          a[i] = ((Number) element(values, i, column)).longValue();
        }
        return a;
      }
      case FLOAT -> {
        float[] a = (float[]) fieldScratch[f];
        if (a.length < size) {
          fieldScratch[f] = a = new float[grow(size)];
        }
        for (int i = 0; i < size; i++) {
          a[i] = ((Number) element(values, i, column)).floatValue();
        }
        return a;
      }
    }
    throw new IllegalStateException(field.toString());
  }

  private static void ints(List<Object> values, int[] into, String column) throws Shape {
    int size = values.size();
    for (int i = 0; i < size; i++) {
      Object v = element(values, i, column);
      if (v instanceof Integer x) {
        into[i] = x;
      } else {
        long x = ((Number) v).longValue();
        if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
          throw new Shape(column, "[" + i + "] = " + x + " does not fit an int id");
        }
        into[i] = (int) x;
      }
    }
  }

  private static Object element(List<Object> values, int i, String column) throws Shape {
    Object v = values.get(i);
    if (v == null) {
      throw new Shape(column, "[" + i + "] is null");
    }
    return v;
  }

  private static List<Object> list(Row row, int at, String column) throws Shape {
    if (row.isNullAt(at)) {
      throw new Shape(column, "is null");
    }
    return row.getList(at);
  }

  private static int grow(int size) {
    return Math.max(size, 16) + (size >> 1);
  }

  /** The input column a model's error message points to (its field names: "history itemIds[3] ..."). */
  private String columnNamedBy(String message) {
    String m = message == null ? "" : message;
    if (m.contains("candidate categoryIds")) {
      return plan.candCatesColumn();
    }
    if (m.contains("candidate itemIds") || m.contains("candidate")) {
      return plan.candItemsColumn();
    }
    // most specific names first: a message about crossBuckets or categoryIds may also mention itemIds
    HistoryField[] order = {HistoryField.CROSS_BUCKETS, HistoryField.CROSS_NUMERIC, HistoryField.CLUSTER_SIZES,
        HistoryField.CATEGORY_IDS, HistoryField.TIMESTAMPS, HistoryField.ACTION_TYPES, HistoryField.ITEM_IDS};
    for (HistoryField field : order) {
      if (m.contains(field.javaName()) && plan.fieldColumn()[field.ordinal()] != null) {
        return plan.fieldColumn()[field.ordinal()];
      }
    }
    if ((m.contains("userId") || m.contains("user id")) && plan.userIdIndex() >= 0) {
      return plan.userIdColumn();
    }
    if ((m.contains("requestTime") || m.contains("request time")) && plan.requestTimeIndex() >= 0) {
      return plan.requestTimeColumn();
    }
    return plan.fieldColumn()[HistoryField.ITEM_IDS.ordinal()];
  }
}
