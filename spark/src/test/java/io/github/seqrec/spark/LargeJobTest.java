package io.github.seqrec.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10^5 GRU4Rec users x 100 candidates, generated in Spark SQL, written to Parquet, read back,
 * scored, written and read again: every row comes back, and sampled rows equal the direct API.
 */
class LargeJobTest {
  private static final Path WEIGHTS = GoldenUsers.ROOT.resolve("gru4rec/weights.safetensors");
  private static final int USERS = 100_000;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start("LargeJobTest");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void hundredThousandUsersThroughParquet(@TempDir Path dir) throws Exception {
    NextItemModel direct = (NextItemModel) Models.load("gru4rec", WEIGHTS, Map.of());
    int items = direct.catalogueSize() - 1; // ids 1 .. items
    // history of 10 actions and 100 candidates per user, ids a deterministic hash of (user, position)
    spark.range(USERS).selectExpr("cast(id as int) as user_id",
            "transform(sequence(0, 9), i -> cast(pmod(hash(id, i), " + items + ") + 1 as int)) as history_items",
            "transform(sequence(0, 99), i -> cast(pmod(hash(id, i, 7), " + items + ") + 1 as int)) as cand_items")
        .write().parquet(dir.resolve("users").toString());
    Dataset<Row> users = spark.read().parquet(dir.resolve("users").toString());
    SeqrecScorer.forModel("gru4rec", WEIGHTS.toUri().toString(), Map.of()).withKeyColumn("user_id")
        .transform(users).select("user_id", "history_items", "cand_items", "logits")
        .write().parquet(dir.resolve("scored").toString());
    Dataset<Row> scored = spark.read().parquet(dir.resolve("scored").toString());
    assertThat(scored.count()).isEqualTo(USERS);
    assertThat(scored.filter("logits is null or size(logits) != 100").count()).isZero();

    List<Row> sample = scored.filter("user_id % 9973 = 0").collectAsList();
    assertThat(sample).hasSize((USERS + 9972) / 9973);
    SequentialModel.Workspace ws = direct.newWorkspace();
    for (Row r : sample) {
      int[] history = r.<Integer>getList(1).stream().mapToInt(Integer::intValue).toArray();
      int[] cands = r.<Integer>getList(2).stream().mapToInt(Integer::intValue).toArray();
      float[] expected = new float[cands.length];
      direct.score(UserHistory.of(history, history.length).build(), Candidates.of(cands), ws, expected, 0);
      assertThat(GoldenIdentityTest.bits(GoldenIdentityTest.floats(r.getList(3)))).as("user " + r.getInt(0))
          .containsExactly(GoldenIdentityTest.bits(expected));
    }
    assertThat(Files.list(dir.resolve("scored")).anyMatch(p -> p.toString().endsWith(".parquet"))).isTrue();
  }
}
