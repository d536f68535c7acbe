package io.github.seqrec.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DIN rows with an out-of-vocabulary history item (row 3) and a category array shorter than its
 * item array (row 5) among good rows: fail-fast names the key and the column; the error column
 * keeps every row, nulls the bad rows' logits, counts them, and scores the good ones as the direct API.
 */
class BadRowTest {
  private static final Path WEIGHTS = GoldenUsers.ROOT.resolve("din/weights.safetensors");
  private static SparkSession spark;
  private static SequentialModel din;

  @BeforeAll
  static void start() throws Exception {
    spark = LocalSpark.start("BadRowTest");
    din = Models.load("din", WEIGHTS, Map.of());
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static final int OOV_ROW = 3;
  private static final int SHAPE_ROW = 5;

  private static UserHistory history(int user, boolean oov, boolean shortCates) {
    int[] items = {1 + user, 2 + user, 3 + user, 4 + user};
    if (oov) {
      items[2] = 1_000_000;
    }
    int[] cates = shortCates ? new int[] {1, 2, 3} : new int[] {1, 2, 3, 4};
    return UserHistory.of(items, items.length).categoryIds(cates).build();
  }

  private static Dataset<Row> users() {
    List<Row> rows = new ArrayList<>();
    for (int u = 0; u < 8; u++) {
      UserHistory h = history(u, u == OOV_ROW, false);
      Candidates c = Candidates.of(new int[] {5, 6, 7 + u}, new int[] {1, 2, 3});
      Row r = GoldenUsers.row(u, h, c);
      if (u == SHAPE_ROW) {
        Object[] values = new Object[r.length()];
        for (int i = 0; i < values.length; i++) {
          values[i] = r.get(i);
        }
        values[GoldenUsers.schema().fieldIndex("history_cates")] = List.of(1, 2, 3);
        r = org.apache.spark.sql.RowFactory.create(values);
      }
      rows.add(r);
    }
    return spark.createDataFrame(rows, GoldenUsers.schema());
  }

  private static SeqrecScorer scorer() {
    return SeqrecScorer.forModel("din", WEIGHTS.toUri().toString(), Map.of()).withKeyColumn("row_id");
  }

  @Test
  void failFastNamesTheKeyAndTheColumn() {
    BadRowException oov = badRow(() -> scorer().transform(users().filter("row_id = " + OOV_ROW)).collectAsList());
    assertThat(oov.key()).isEqualTo(String.valueOf(OOV_ROW));
    assertThat(oov.column()).isEqualTo("history_items");
    assertThat(oov).hasMessageContaining("row row_id=" + OOV_ROW).hasMessageContaining("column 'history_items'")
        .hasMessageContaining("1000000").hasCauseInstanceOf(IllegalArgumentException.class);
    BadRowException shape = badRow(() -> scorer().transform(users().filter("row_id = " + SHAPE_ROW)).collectAsList());
    assertThat(shape.column()).isEqualTo("history_cates");
    assertThat(shape).hasMessageContaining("row row_id=" + SHAPE_ROW).hasMessageContaining("column 'history_cates'")
        .hasMessageContaining("has 3 entries, expected 4");
  }

  /** The {@link BadRowException} in the cause chain of the {@link SparkException} the job fails with. */
  private static BadRowException badRow(org.assertj.core.api.ThrowableAssert.ThrowingCallable job) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(job);
    assertThat(t).isInstanceOf(SparkException.class);
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BadRowException b) {
        return b;
      }
    }
    throw new AssertionError("no BadRowException in the cause chain of " + t, t);
  }

  @Test
  void errorColumnKeepsEveryRowAndCountsTheBadOnes() {
    LongAccumulator bad = spark.sparkContext().longAccumulator("bad rows");
    List<Row> out = new ArrayList<>(scorer().withMode(BadRowMode.ERROR_COLUMN, bad).transform(users()).collectAsList());
    out.sort(Comparator.comparingInt(r -> r.getInt(0)));
    assertThat(out).hasSize(8);
    assertThat(bad.value()).isEqualTo(2L);
    SequentialModel.Workspace ws = din.newWorkspace();
    for (Row r : out) {
      int u = r.getInt(0);
      int logits = r.fieldIndex("logits");
      String error = r.getString(r.fieldIndex("error"));
      if (u == OOV_ROW || u == SHAPE_ROW) {
        assertThat(r.isNullAt(logits)).isTrue();
        assertThat(error).contains("row row_id=" + u)
            .contains(u == OOV_ROW ? "column 'history_items'" : "column 'history_cates'");
      } else {
        assertThat(error).isNull();
        float[] expected = new float[3];
        din.score(history(u, false, false), Candidates.of(new int[] {5, 6, 7 + u}, new int[] {1, 2, 3}), ws, expected, 0);
        assertThat(GoldenIdentityTest.bits(GoldenIdentityTest.floats(r.getList(logits))))
            .containsExactly(GoldenIdentityTest.bits(expected));
      }
    }
  }

  /**
   * 40 GRU4Rec users in one partition, so more than one {@link RowScorer#BATCH} of the batch
   * recommend, with out-of-vocabulary items in rows 5 and 33: those two rows get the error, and
   * every other row of their batches the top-k and logits the direct API gives that user alone.
   */
  @Test
  void aBadRowInABatchSparesTheOthersOfTheBatch() throws Exception {
    Path weights = GoldenUsers.ROOT.resolve("gru4rec/weights.safetensors");
    NextItemModel gru = (NextItemModel) Models.load("gru4rec", weights, Map.of());
    int users = 40;
    int k = 10;
    List<Integer> badRows = List.of(5, 33);
    Random random = new Random(16);
    List<UserHistory> histories = new ArrayList<>();
    List<Candidates> candidates = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      int[] items = new int[1 + random.nextInt(12)];
      for (int i = 0; i < items.length; i++) {
        items[i] = 1 + random.nextInt(gru.catalogueSize() - 1);
      }
      if (badRows.contains(u)) {
        items[items.length - 1] = gru.catalogueSize() + u;
      }
      UserHistory h = UserHistory.of(items, items.length).build();
      Candidates c = Candidates.of(new int[] {1 + u % 7, 2 + u % 5, 3});
      histories.add(h);
      candidates.add(c);
      rows.add(GoldenUsers.row(u, h, c));
    }
    assertThat(users).isGreaterThan(RowScorer.BATCH);
    LongAccumulator bad = spark.sparkContext().longAccumulator("bad gru4rec rows");
    Dataset<Row> input = spark.createDataFrame(rows, GoldenUsers.schema()).coalesce(1);
    List<Row> out = new ArrayList<>(SeqrecScorer.forModel("gru4rec", weights.toUri().toString(), Map.of())
        .withKeyColumn("row_id").withTopK(k, false).withMode(BadRowMode.ERROR_COLUMN, bad)
        .transform(input).collectAsList());
    out.sort(Comparator.comparingInt(r -> r.getInt(0)));
    assertThat(out).hasSize(users);
    assertThat(bad.value()).isEqualTo(2L);
    SequentialModel.Workspace ws = gru.newWorkspace();
    for (Row r : out) {
      int u = r.getInt(0);
      String error = r.getString(r.fieldIndex("error"));
      if (badRows.contains(u)) {
        assertThat(error).contains("row row_id=" + u).contains("column 'history_items'")
            .contains(String.valueOf(gru.catalogueSize() + u));
        assertThat(r.isNullAt(r.fieldIndex("logits"))).isTrue();
        assertThat(r.isNullAt(r.fieldIndex("topk_items"))).isTrue();
        continue;
      }
      assertThat(error).as("row " + u).isNull();
      float[] logits = new float[3];
      gru.score(histories.get(u), candidates.get(u), ws, logits, 0);
      assertThat(GoldenIdentityTest.bits(GoldenIdentityTest.floats(r.getList(r.fieldIndex("logits")))))
          .as("row " + u + " logits").containsExactly(GoldenIdentityTest.bits(logits));
      int[] ids = new int[k];
      float[] scores = new float[k];
      int n = gru.recommend(histories.get(u), k, false, ws, ids, 0, scores, 0);
      List<Integer> gotIds = r.getList(r.fieldIndex("topk_items"));
      assertThat(gotIds).as("row " + u + " top-k").containsExactly(Arrays.stream(ids, 0, n).boxed().toArray(Integer[]::new));
      assertThat(GoldenIdentityTest.bits(GoldenIdentityTest.floats(r.getList(r.fieldIndex("topk_scores")))))
          .as("row " + u + " top-k scores").containsExactly(GoldenIdentityTest.bits(Arrays.copyOf(scores, n)));
    }
  }

  @Test
  void aMissingColumnFailsAtTransformNamingItAndTheModel() {
    assertThatThrownBy(() -> scorer().transform(users().drop("cand_cates")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("seqrec din").hasMessageContaining("'cand_cates'");
  }
}
