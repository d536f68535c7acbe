package io.github.seqrec.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.ModelInfo;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered model scores its golden users through {@link SeqrecScorer} on local[2] exactly as
 * the direct Java API does: the same bits for every logit, and for next-item models the same
 * catalogue top-10 (ids and scores, history excluded).
 */
class GoldenIdentityTest {
  private static final int K = 10;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start("GoldenIdentityTest");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  static Stream<String> models() {
    List<String> names = Models.list().stream().map(ModelInfo::name).toList();
    assertThat(names).hasSize(19);
    return names.stream();
  }

  @ParameterizedTest
  @MethodSource("models")
  void sparkScoresBitIdenticalToTheDirectApi(String model) throws Exception {
    Map<Map<String, String>, List<GoldenUsers.User>> groups = GoldenUsers.byOptions(model);
    assertThat(groups).as(model + " goldens").isNotEmpty();
    int compared = 0;
    for (Map.Entry<Map<String, String>, List<GoldenUsers.User>> group : groups.entrySet()) {
      Path weights = GoldenUsers.weights(model, group.getKey());
      Map<String, String> options = GoldenUsers.modelOptions(group.getKey());
      List<GoldenUsers.User> users = group.getValue();
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < users.size(); i++) {
        rows.add(GoldenUsers.row(i, users.get(i).history(), users.get(i).candidates()));
      }
      SequentialModel direct = Models.load(model, weights, options);
      boolean nextItem = direct instanceof NextItemModel;
      SeqrecScorer scorer = SeqrecScorer.forModel(model, weights.toUri().toString(), options).withKeyColumn("row_id")
          .withProbabilities(true);
      if (nextItem) {
        scorer = scorer.withTopK(K, true);
      }
      Dataset<Row> input = spark.createDataFrame(rows, GoldenUsers.schema());
      List<Row> scored = new ArrayList<>(scorer.transform(input).collectAsList());
      scored.sort(Comparator.comparingInt(r -> r.getInt(r.fieldIndex("row_id"))));
      assertThat(scored).hasSize(users.size());

      SequentialModel.Workspace ws = direct.newWorkspace();
      for (int i = 0; i < users.size(); i++) {
        GoldenUsers.User u = users.get(i);
        Row r = scored.get(i);
        String where = model + " " + group.getKey() + " " + u.where();
        float[] expected = new float[u.candidates().count()];
        direct.score(u.history(), u.candidates(), ws, expected, 0);
        assertThat(bits(floats(r.getList(r.fieldIndex("logits"))))).as(where + " logits").containsExactly(bits(expected));
        float[] p = expected.clone();
        SequentialModel.probabilities(p, 0, p.length);
        assertThat(bits(floats(r.getList(r.fieldIndex("probabilities"))))).as(where + " probabilities")
            .containsExactly(bits(p));
        if (nextItem) {
          int[] ids = new int[K];
          float[] scores = new float[K];
          int n = ((NextItemModel) direct).recommend(u.history(), K, true, ws, ids, 0, scores, 0);
          List<Integer> gotIds = r.getList(r.fieldIndex("topk_items"));
          assertThat(gotIds).as(where + " top-k ids").containsExactly(Arrays.stream(ids, 0, n).boxed().toArray(Integer[]::new));
          assertThat(bits(floats(r.getList(r.fieldIndex("topk_scores"))))).as(where + " top-k scores")
              .containsExactly(bits(Arrays.copyOf(scores, n)));
        }
        compared++;
      }
    }
    System.out.printf("spark identity: %s: %d golden users in %d option groups bit-identical%n", model, compared,
        groups.size());
    assertThat(compared).isPositive();
  }

  static float[] floats(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  static int[] bits(float[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Float.floatToRawIntBits(values[i]);
    }
    return out;
  }
}
