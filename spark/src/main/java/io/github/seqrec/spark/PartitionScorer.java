package io.github.seqrec.spark;

import java.io.Serial;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * The task side of {@link SeqrecScorer#transform}: one {@link RowScorer} per partition; rows are
 * read {@link RowScorer#BATCH} at a time as they stream through, scored together and handed on in
 * their order.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
  @Serial
  private static final long serialVersionUID = 1L;

  private final ModelCache.Key key;
  private final Broadcast<HadoopConf> hadoopConf;
  private final RowPlan plan;
  private final LongAccumulator badRows;

  PartitionScorer(ModelCache.Key key, Broadcast<HadoopConf> hadoopConf, RowPlan plan, LongAccumulator badRows) {
    this.key = key;
    this.hadoopConf = hadoopConf;
    this.plan = plan;
    this.badRows = badRows;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    ModelCache.Loaded loaded = ModelCache.get(key, hadoopConf.value().get());
    TaskContext task = TaskContext.get();
    int partition = task == null ? 0 : task.partitionId();
    RowScorer scorer = new RowScorer(loaded.model(), plan, partition, badRows);
    Row[] in = new Row[RowScorer.BATCH];
    Row[] out = new Row[RowScorer.BATCH];
    return new Iterator<>() {
      private int next;
      private int count;

      @Override
      public boolean hasNext() {
        return next < count || rows.hasNext();
      }

      @Override
      public Row next() {
        if (next == count) {
          fill();
        }
        Row row = out[next];
        out[next++] = null;
        return row;
      }

      private void fill() {
        int n = 0;
        while (n < in.length && rows.hasNext()) {
          in[n++] = rows.next();
        }
        if (n == 0) {
          throw new NoSuchElementException();
        }
        next = 0;
        count = 0;
        scorer.scoreBatch(in, n, out);
        java.util.Arrays.fill(in, 0, n, null);
        count = n;
      }
    };
  }
}
