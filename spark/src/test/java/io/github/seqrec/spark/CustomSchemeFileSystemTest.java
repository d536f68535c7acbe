package io.github.seqrec.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights read through a Hadoop file system that is not a {@code LocalFileSystem}: the test-only
 * {@link CountingFileSystem}, registered under {@code seqrectest:} in the session's Hadoop
 * configuration. This is the code path of {@code hdfs:} and {@code s3a:} (a copy through
 * {@code fs.open} to a temporary file); no real HDFS or S3 is involved.
 */
class CustomSchemeFileSystemTest {
  private static SparkSession spark;
  private static Map<String, String> options;
  private static Path weights;
  private static Dataset<Row> users;
  private static int userCount;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    spark = LocalSpark.start("CustomSchemeFileSystemTest");
    spark.sparkContext().hadoopConfiguration()
        .set("fs." + CountingFileSystem.SCHEME + ".impl", CountingFileSystem.class.getName());
    Map.Entry<Map<String, String>, List<GoldenUsers.User>> group =
        GoldenUsers.byOptions("din").entrySet().iterator().next();
    options = GoldenUsers.modelOptions(group.getKey());
    weights = GoldenUsers.weights("din", group.getKey());
    List<Row> rows = new ArrayList<>();
    for (GoldenUsers.User u : group.getValue()) {
      rows.add(GoldenUsers.row(rows.size(), u.history(), u.candidates()));
    }
    users = spark.createDataFrame(rows, GoldenUsers.schema());
    userCount = rows.size();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static String uri(Path file) {
    return CountingFileSystem.SCHEME + "://" + file.toAbsolutePath();
  }

  private static List<int[]> logits(String weightsUri) {
    List<Row> out = new ArrayList<>(SeqrecScorer.forModel("din", weightsUri, options).withKeyColumn("row_id")
        .transform(users).select("row_id", "logits").collectAsList());
    out.sort(Comparator.comparingInt(r -> r.getInt(0)));
    List<int[]> bits = new ArrayList<>();
    for (Row r : out) {
      bits.add(GoldenIdentityTest.bits(GoldenIdentityTest.floats(r.getList(1))));
    }
    return bits;
  }

  @Test
  void readsThroughOpenOncePerKeyBitIdenticalToFileAndRemovesTheCopy() throws Exception {
    Path copy = Files.copy(weights, dir.resolve("din-remote.safetensors"));
    CountingFileSystem.COPIES_AT_OPEN.clear();
    Set<Path> before = CountingFileSystem.temporaryCopies();
    assertThat(CountingFileSystem.opens(copy)).isZero();

    List<int[]> remote = logits(uri(copy));
    assertThat(CountingFileSystem.opens(copy)).as("fs.open calls after the first job").isEqualTo(1);
    Set<Path> made = new HashSet<>(CountingFileSystem.COPIES_AT_OPEN);
    made.removeAll(before);
    assertThat(made).as("the temporary copy made for the load").hasSize(1);
    assertThat(made.iterator().next().getFileName().toString()).startsWith("seqrec-din-");
    assertThat(made).allSatisfy(p -> assertThat(p).doesNotExist());

    List<int[]> again = logits(uri(copy));   // the same key: the JVM's model, no second read
    assertThat(CountingFileSystem.opens(copy)).as("fs.open calls after the second job").isEqualTo(1);

    List<int[]> local = logits(weights.toUri().toString());
    assertThat(local).isNotEmpty().hasSize(userCount);
    assertThat(remote).hasSameSizeAs(local);
    for (int i = 0; i < local.size(); i++) {
      assertThat(remote.get(i)).as("row %d", i).isEqualTo(local.get(i));
      assertThat(again.get(i)).as("row %d, second job", i).isEqualTo(local.get(i));
    }
    assertThat(CountingFileSystem.opens(weights)).as("a file: URI is read directly").isZero();
  }

  @Test
  void aMissingFileIsAnErrorNamingTheUri() throws Exception {
    Path absent = dir.resolve("absent.safetensors");
    Set<Path> before = CountingFileSystem.temporaryCopies();
    String uri = uri(absent);
    assertThatThrownBy(() -> SeqrecScorer.forModel("din", uri, options).transform(users))
        .hasMessageContaining("seqrec din")
        .hasMessageContaining(uri)
        .hasMessageContaining("FileNotFoundException");
    assertThat(CountingFileSystem.temporaryCopies()).isSubsetOf(before);
  }

  @Test
  void aTruncatedFileIsAnErrorNamingTheUri() throws Exception {
    byte[] all = Files.readAllBytes(weights);
    for (int keep : new int[] {4, 100, all.length / 2, all.length - 1}) {
      Path cut = dir.resolve("din-cut-" + keep + ".safetensors");
      Files.write(cut, java.util.Arrays.copyOf(all, keep));
      Set<Path> before = CountingFileSystem.temporaryCopies();
      String uri = uri(cut);
      assertThatThrownBy(() -> SeqrecScorer.forModel("din", uri, options).transform(users))
          .as("%d of %d bytes", keep, all.length)
          .hasMessageContaining("seqrec din")
          .hasMessageContaining(uri)
          .hasMessageContaining("SafeTensorsFormatException");
      assertThat(CountingFileSystem.opens(cut)).as("%d bytes: opened", keep).isEqualTo(1);
      assertThat(CountingFileSystem.temporaryCopies()).as("%d bytes: copy removed", keep).isSubsetOf(before);
    }
  }
}
