package io.github.seqrec.spark;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelBatch;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The model goldens of reference-models as users: each batch file's options (the model's declared
 * ones among its metadata, and the weight file it names) and its users, read through the public
 * {@link ModelBatch}; and one DataFrame row per user in the scorer's default column layout.
 */
final class GoldenUsers {
  private GoldenUsers() {}

  static final Path ROOT = Path.of(System.getProperty("seqrec.golden.dir", "../reference-models/src/test/resources/golden/models"));

  /** One user of a golden batch. */
  record User(String where, UserHistory history, Candidates candidates) {}

  /** The users of every batch of {@code model}, grouped by the options (weights included) they are scored with. */
  static Map<Map<String, String>, List<User>> byOptions(String model) throws IOException {
    Set<String> declared = new HashSet<>();
    for (ModelOption<?> option : Models.spec(model).info().options()) {
      declared.add(option.name());
    }
    Map<Map<String, String>, List<User>> groups = new LinkedHashMap<>();
    List<Path> batches;
    try (Stream<Path> files = Files.list(ROOT.resolve(model))) {
      batches = files.filter(f -> f.getFileName().toString().startsWith("batch_")).sorted().toList();
    }
    for (Path file : batches) {
      Map<String, String> options = new TreeMap<>();
      ModelBatch batch;
      try (SafeTensors st = SafeTensors.open(file)) {
        options.putAll(st.metadata());
        batch = ModelBatch.of(st.toTensors());
      }
      String weights = options.getOrDefault("weights", "weights");
      options.keySet().retainAll(declared);
      options.put("weights", weights);
      List<User> users = groups.computeIfAbsent(options, o -> new ArrayList<>());
      for (int b = 0; b < batch.users(); b++) {
        users.add(new User(file.getFileName() + "#" + b, batch.history(b), batch.candidates(b)));
      }
    }
    return groups;
  }

  /** The weight file an options group names, and the options without it. */
  static Path weights(String model, Map<String, String> group) {
    return ROOT.resolve(model).resolve(group.get("weights") + ".safetensors");
  }

  static Map<String, String> modelOptions(Map<String, String> group) {
    Map<String, String> options = new TreeMap<>(group);
    options.remove("weights");
    return options;
  }

  /** Every column the scorer's defaults read, plus {@code row_id}. */
  static StructType schema() {
    StructType s = new StructType().add("row_id", DataTypes.IntegerType, false);
    for (HistoryField field : HistoryField.values()) {
      s = s.add(SeqrecScorer.DEFAULT_HISTORY_COLUMNS.get(field), DataTypes.createArrayType(switch (field.valueType()) {
        case INT -> DataTypes.IntegerType;
        case LONG -> DataTypes.LongType;
        case FLOAT -> DataTypes.FloatType;
      }), true);
    }
    return s.add("user_id", DataTypes.IntegerType, true)
        .add("request_time", DataTypes.LongType, true)
        .add("cand_items", DataTypes.createArrayType(DataTypes.IntegerType), false)
        .add("cand_cates", DataTypes.createArrayType(DataTypes.IntegerType), true);
  }

  /** {@code user} as a row of {@link #schema()}: the first {@code length} actions of each field it carries. */
  static Row row(int rowId, UserHistory h, Candidates c) {
    List<Object> values = new ArrayList<>();
    values.add(rowId);
    for (HistoryField field : HistoryField.values()) {
      Object array = h.values(field);
      if (array == null) {
        values.add(null);
        continue;
      }
      int n = h.length() * h.width(field);
      values.add(switch (array) {
        case int[] a -> Arrays.stream(a, 0, n).boxed().toList();
        case long[] a -> Arrays.stream(a, 0, n).boxed().toList();
        case float[] a -> {
          List<Float> f = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            f.add(a[i]);
          }
          yield f;
        }
        default -> throw new IllegalStateException(array.getClass().getName());
      });
    }
    values.add(h.hasUserId() ? h.userId() : null);
    values.add(h.has(HistoryField.TIMESTAMPS) ? h.requestTime() : null);
    values.add(Arrays.stream(c.itemIds(), 0, c.count()).boxed().toList());
    values.add(c.categoryIds() == null ? null : Arrays.stream(c.categoryIds(), 0, c.count()).boxed().toList());
    return RowFactory.create(values.toArray());
  }
}
