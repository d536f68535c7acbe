package io.github.seqrec.spark;

import java.io.Serializable;
import org.apache.spark.sql.types.StructType;

/**
 * Where a model's inputs sit in the input rows (index -1: not read) and what the output adds; made
 * on the driver by {@link SeqrecScorer#transform} after the schema checks, shipped to the tasks.
 */
record RowPlan(String model, int inputWidth, int[] fieldIndex, String[] fieldColumn, int crossDim,
               int userIdIndex, String userIdColumn, int requestTimeIndex, String requestTimeColumn,
               int candItemsIndex, String candItemsColumn, int candCatesIndex, String candCatesColumn,
               int keyIndex, String keyColumn, int topK, boolean excludeSeen, boolean probabilities,
               boolean errorColumn, StructType outputSchema) implements Serializable {}
