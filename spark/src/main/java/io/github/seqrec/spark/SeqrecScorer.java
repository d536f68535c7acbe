package io.github.seqrec.spark;

import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelInfo;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Scores a DataFrame of user rows with one seqrec model: {@link #transform} returns the input
 * columns plus {@code logits} ({@code array<float>}, one per candidate, pre-sigmoid), and on request
 * {@code probabilities}, the catalogue top-k of a {@link NextItemModel} ({@code topk_items},
 * {@code topk_scores}) and, in {@link BadRowMode#ERROR_COLUMN} mode, {@code error}.
 *
 * <p>A row is one request: the history as parallel arrays, oldest action first (item ids, and the
 * other {@link HistoryField}s the model reads, each of the same length; the cross features of TWIN
 * and TWIN-V2 flattened action-major, {@code J} values per action), the candidates (item ids, and
 * category ids for the models that embed them), the user id for the models with per-user
 * parameters and the request time for the models that read one. Only the columns the model reads
 * are read; a missing one fails {@link #transform} naming the column and the model.
 *
 * <pre>{@code
 * Dataset<Row> scored = SeqrecScorer.forModel("din", "hdfs:///models/din.safetensors", Map.of())
 *     .withKeyColumn("user_id")
 *     .withMode(BadRowMode.ERROR_COLUMN, spark.sparkContext().longAccumulator("bad rows"))
 *     .transform(users);
 * }</pre>
 *
 * <p>Executors hold one immutable model per JVM (loaded on first use through Hadoop's file system
 * API) and one workspace per partition iterator, reused for every row of the partition. Instances
 * are immutable: every {@code with...} returns a new scorer.
 */
public final class SeqrecScorer implements Serializable {
  @Serial
  private static final long serialVersionUID = 1L;

  /** The default input column of each history field. */
  public static final Map<HistoryField, String> DEFAULT_HISTORY_COLUMNS = defaults();

  private final String model;
  private final String weightsUri;
  private final TreeMap<String, String> options;
  private final EnumMap<HistoryField, String> historyColumns;
  private final String userIdColumn;
  private final String requestTimeColumn;
  private final String candidateItemsColumn;
  private final String candidateCategoriesColumn;
  private final String keyColumn;
  private final int topK;
  private final boolean excludeSeen;
  private final boolean probabilities;
  private final BadRowMode mode;
  private final LongAccumulator badRows;

  private SeqrecScorer(String model, String weightsUri, TreeMap<String, String> options,
                       EnumMap<HistoryField, String> historyColumns, String userIdColumn, String requestTimeColumn,
                       String candidateItemsColumn, String candidateCategoriesColumn, String keyColumn, int topK,
                       boolean excludeSeen, boolean probabilities, BadRowMode mode, LongAccumulator badRows) {
    this.model = model;
    this.weightsUri = weightsUri;
    this.options = options;
    this.historyColumns = historyColumns;
    this.userIdColumn = userIdColumn;
    this.requestTimeColumn = requestTimeColumn;
    this.candidateItemsColumn = candidateItemsColumn;
    this.candidateCategoriesColumn = candidateCategoriesColumn;
    this.keyColumn = keyColumn;
    this.topK = topK;
    this.excludeSeen = excludeSeen;
    this.probabilities = probabilities;
    this.mode = mode;
    this.badRows = badRows;
  }

  /**
   * A scorer for the registered model {@code modelName} ({@link Models#list()}) with the weights at
   * {@code weightsUri} (any URI Hadoop's {@code FileSystem} resolves: a plain path, {@code file:},
   * {@code hdfs:}, {@code s3a:} ...) and model options overriding the weight file's metadata.
   *
   * @throws IllegalArgumentException for an unknown model name (options are checked when the model loads)
   */
  public static SeqrecScorer forModel(String modelName, String weightsUri, Map<String, String> options) {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(weightsUri, "weightsUri");
    Objects.requireNonNull(options, "options");
    Models.spec(modelName);
    return new SeqrecScorer(modelName, weightsUri, new TreeMap<>(options), new EnumMap<>(DEFAULT_HISTORY_COLUMNS),
        "user_id", "request_time", "cand_items", "cand_cates", null, 0, false, false, BadRowMode.FAIL_FAST, null);
  }

  /** Reads history field {@code field} from {@code column} (an array column, one entry per action). */
  public SeqrecScorer withHistoryColumn(HistoryField field, String column) {
    EnumMap<HistoryField, String> columns = new EnumMap<>(historyColumns);
    columns.put(Objects.requireNonNull(field, "field"), name(column));
    return new SeqrecScorer(model, weightsUri, options, columns, userIdColumn, requestTimeColumn, candidateItemsColumn,
        candidateCategoriesColumn, keyColumn, topK, excludeSeen, probabilities, mode, badRows);
  }

  /** The user id column (int or bigint), read by models with per-user parameters (FPMC, RRN, Caser). */
  public SeqrecScorer withUserIdColumn(String column) {
    return new SeqrecScorer(model, weightsUri, options, historyColumns, name(column), requestTimeColumn,
        candidateItemsColumn, candidateCategoriesColumn, keyColumn, topK, excludeSeen, probabilities, mode, badRows);
  }

  /** The request time column (bigint or int, the timestamps' unit), read by models with timestamps. */
  public SeqrecScorer withRequestTimeColumn(String column) {
    return new SeqrecScorer(model, weightsUri, options, historyColumns, userIdColumn, name(column),
        candidateItemsColumn, candidateCategoriesColumn, keyColumn, topK, excludeSeen, probabilities, mode, badRows);
  }

  /** The candidate item ids column ({@code array<int>}). */
  public SeqrecScorer withCandidateItemsColumn(String column) {
    return new SeqrecScorer(model, weightsUri, options, historyColumns, userIdColumn, requestTimeColumn, name(column),
        candidateCategoriesColumn, keyColumn, topK, excludeSeen, probabilities, mode, badRows);
  }

  /** The candidate category ids column ({@code array<int>}, as long as the candidate items). */
  public SeqrecScorer withCandidateCategoriesColumn(String column) {
    return new SeqrecScorer(model, weightsUri, options, historyColumns, userIdColumn, requestTimeColumn,
        candidateItemsColumn, name(column), keyColumn, topK, excludeSeen, probabilities, mode, badRows);
  }

  /** The column whose value names a row in errors (by default the row's partition and position). */
  public SeqrecScorer withKeyColumn(String column) {
    return new SeqrecScorer(model, weightsUri, options, historyColumns, userIdColumn, requestTimeColumn,
        candidateItemsColumn, candidateCategoriesColumn, name(column), topK, excludeSeen, probabilities, mode, badRows);
  }

  /** Adds the catalogue top-{@code k} ({@code topk_items}, {@code topk_scores}); history items not excluded. */
  public SeqrecScorer withTopK(int k) {
    return withTopK(k, false);
  }

  /**
   * Adds the catalogue top-{@code k} of a next-item model: {@code topk_items array<int>} and
   * {@code topk_scores array<float>}, best first, ties by lower id ({@link NextItemModel#recommend}).
   *
   * @throws IllegalArgumentException when the model is not a next-item model or k is outside [1, 1000]
   */
  public SeqrecScorer withTopK(int k, boolean excludeSeen) {
    if (!Models.spec(model).info().nextItem()) {
      throw new IllegalArgumentException("seqrec " + model + " is not a next-item model: it has no catalogue top-k");
    }
    if (k < 1 || k > NextItemModel.MAX_K) {
      throw new IllegalArgumentException("k must be in [1, " + NextItemModel.MAX_K + "], got " + k);
    }
    return new SeqrecScorer(model, weightsUri, options, historyColumns, userIdColumn, requestTimeColumn,
        candidateItemsColumn, candidateCategoriesColumn, keyColumn, k, excludeSeen, probabilities, mode, badRows);
  }

  /** Whether to add {@code probabilities} ({@code array<float>}, the sigmoid of each logit). */
  public SeqrecScorer withProbabilities(boolean enabled) {
    return new SeqrecScorer(model, weightsUri, options, historyColumns, userIdColumn, requestTimeColumn,
        candidateItemsColumn, candidateCategoriesColumn, keyColumn, topK, excludeSeen, enabled, mode, badRows);
  }

  /**
   * What to do with bad rows. {@code counter} counts the rows written with an error in
   * {@link BadRowMode#ERROR_COLUMN} mode (required there, ignored in {@link BadRowMode#FAIL_FAST}).
   * Like every accumulator updated in a transformation it counts each evaluation: an output computed
   * twice (two actions on an uncached result, a retried task) counts its bad rows twice.
   */
  public SeqrecScorer withMode(BadRowMode mode, LongAccumulator counter) {
    Objects.requireNonNull(mode, "mode");
    if (mode == BadRowMode.ERROR_COLUMN && counter == null) {
      throw new IllegalArgumentException("ERROR_COLUMN mode needs an accumulator for the bad rows");
    }
    return new SeqrecScorer(model, weightsUri, options, historyColumns, userIdColumn, requestTimeColumn,
        candidateItemsColumn, candidateCategoriesColumn, keyColumn, topK, excludeSeen, probabilities, mode,
        mode == BadRowMode.ERROR_COLUMN ? counter : null);
  }

  /** The model's name. */
  public String model() {
    return model;
  }

  /**
   * The input rows with the scores added (lazily, as Spark transformations are). Loads the model on
   * the driver once to learn which columns it reads, and checks the schema.
   *
   * @throws IllegalArgumentException naming the column and the model when a column the model reads
   *     is missing or has the wrong type, or an output column already exists
   */
  public Dataset<Row> transform(Dataset<Row> input) {
    SparkSession spark = input.sparkSession();
    org.apache.hadoop.conf.Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
    ModelCache.Key key = new ModelCache.Key(model, weightsUri, options);
    ModelCache.Loaded loaded = ModelCache.get(key, hadoopConf);
    RowPlan plan = plan(input.schema(), loaded.model(), loaded.crossDim());
    Broadcast<HadoopConf> conf = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .broadcast(new HadoopConf(new org.apache.hadoop.conf.Configuration(hadoopConf)));
    return input.mapPartitions(new PartitionScorer(key, conf, plan, badRows), Encoders.row(plan.outputSchema()));
  }

  private RowPlan plan(StructType schema, SequentialModel m, int crossDim) {
    ModelInfo info = m.info();
    List<String> inputs = info.batchInputs();
    int[] fieldIndex = new int[HistoryField.values().length];
    java.util.Arrays.fill(fieldIndex, -1);
    String[] fieldColumn = new String[fieldIndex.length];
    for (HistoryField field : HistoryField.values()) {
      if (field == HistoryField.ITEM_IDS || m.requiredFields().contains(field)) {
        String column = historyColumns.get(field);
        fieldIndex[field.ordinal()] = require(schema, column, "the history field " + field.javaName(), true, field.valueType());
        fieldColumn[field.ordinal()] = column;
      }
    }
    int userIdIndex = inputs.contains("user_id")
        ? require(schema, userIdColumn, "the user id", false, HistoryField.ValueType.INT) : -1;
    int requestTimeIndex = -1;
    if (inputs.contains("request_time")) {
      requestTimeIndex = require(schema, requestTimeColumn, "the request time", false, HistoryField.ValueType.LONG);
    } else if (m.requiredFields().contains(HistoryField.TIMESTAMPS) && has(schema, requestTimeColumn)) {
      requestTimeIndex = require(schema, requestTimeColumn, "the request time", false, HistoryField.ValueType.LONG);
    }
    int candItemsIndex = require(schema, candidateItemsColumn, "the candidate item ids", true, HistoryField.ValueType.INT);
    int candCatesIndex = inputs.contains("cand_cates")
        ? require(schema, candidateCategoriesColumn, "the candidate category ids", true, HistoryField.ValueType.INT) : -1;
    int keyIndex = keyColumn == null ? -1 : index(schema, keyColumn, "the row key");

    List<StructField> out = new ArrayList<>(List.of(schema.fields()));
    List<String> added = new ArrayList<>(List.of("logits"));
    out.add(DataTypes.createStructField("logits", DataTypes.createArrayType(DataTypes.FloatType, false), true));
    if (probabilities) {
      added.add("probabilities");
      out.add(DataTypes.createStructField("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), true));
    }
    if (topK > 0) {
      added.add("topk_items");
      added.add("topk_scores");
      out.add(DataTypes.createStructField("topk_items", DataTypes.createArrayType(DataTypes.IntegerType, false), true));
      out.add(DataTypes.createStructField("topk_scores", DataTypes.createArrayType(DataTypes.FloatType, false), true));
    }
    if (mode == BadRowMode.ERROR_COLUMN) {
      added.add("error");
      out.add(DataTypes.createStructField("error", DataTypes.StringType, true));
    }
    for (String column : added) {
      if (has(schema, column)) {
        throw new IllegalArgumentException("seqrec " + model + ": the input already has a column '" + column
            + "', which transform adds; rename or drop it first");
      }
    }
    return new RowPlan(model, schema.fields().length, fieldIndex, fieldColumn, crossDim, userIdIndex, userIdColumn,
        requestTimeIndex, requestTimeColumn, candItemsIndex, candidateItemsColumn, candCatesIndex,
        candidateCategoriesColumn, keyIndex, keyColumn, topK, excludeSeen, probabilities,
        mode == BadRowMode.ERROR_COLUMN, DataTypes.createStructType(out));
  }

  private int require(StructType schema, String column, String what, boolean array, HistoryField.ValueType type) {
    int i = index(schema, column, what);
    DataType t = schema.fields()[i].dataType();
    DataType element = t;
    if (array) {
      if (!(t instanceof ArrayType a)) {
        throw wrongType(column, what, t, array, type);
      }
      element = a.elementType();
    }
    boolean ok = switch (type) {
      case INT, LONG -> element.equals(DataTypes.IntegerType) || element.equals(DataTypes.LongType)
          || element.equals(DataTypes.ShortType) || element.equals(DataTypes.ByteType);
      case FLOAT -> element.equals(DataTypes.FloatType) || element.equals(DataTypes.DoubleType);
    };
    if (!ok) {
      throw wrongType(column, what, t, array, type);
    }
    return i;
  }

  private IllegalArgumentException wrongType(String column, String what, DataType t, boolean array,
                                             HistoryField.ValueType type) {
    String expected = type == HistoryField.ValueType.FLOAT ? "float or double" : "int or bigint";
    return new IllegalArgumentException("seqrec " + model + ": column '" + column + "' (" + what + ") must be "
        + (array ? "an array of " + expected : expected) + ", got " + t.simpleString());
  }

  private int index(StructType schema, String column, String what) {
    if (!has(schema, column)) {
      throw new IllegalArgumentException("seqrec " + model + " reads " + what + " from column '" + column
          + "', which the input does not have (columns: " + String.join(", ", schema.fieldNames()) + ")");
    }
    return schema.fieldIndex(column);
  }

  private static boolean has(StructType schema, String column) {
    for (String name : schema.fieldNames()) {
      if (name.equals(column)) {
        return true;
      }
    }
    return false;
  }

  private static String name(String column) {
    Objects.requireNonNull(column, "column");
    if (column.isBlank()) {
      throw new IllegalArgumentException("a column name must not be blank");
    }
    return column;
  }

  private static Map<HistoryField, String> defaults() {
    EnumMap<HistoryField, String> m = new EnumMap<>(HistoryField.class);
    for (HistoryField field : HistoryField.values()) {
      // history_items, history_cates, history_times, history_actions, history_cross, history_num, history_sizes
      m.put(field, field.tensorName("history_"));
    }
    return java.util.Collections.unmodifiableMap(m);
  }
}
