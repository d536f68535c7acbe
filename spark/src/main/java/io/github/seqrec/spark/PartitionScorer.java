package io.github.seqrec.spark;

import java.io.Serial;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/** The task side of {@link SeqrecScorer#transform}: one {@link RowScorer} per partition, rows scored as they stream through. */
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
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        if (!rows.hasNext()) {
          throw new NoSuchElementException();
        }
        return scorer.score(rows.next());
      }
    };
  }
}
