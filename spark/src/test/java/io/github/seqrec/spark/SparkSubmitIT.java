package io.github.seqrec.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's submit path, run: {@code org.apache.spark.deploy.SparkSubmit} (the class the
 * {@code spark-submit} script runs) in a child JVM, on the Spark jars Maven resolved, with the
 * module's jar as the application and the kernels and reference-models jars in {@code --jars}:
 * the example job scores 1000 DIN users in {@code local[2]} bound to 127.0.0.1. This test then
 * reads both Parquet outputs back itself (parquet-hadoop, no Spark): every user scored once, 100
 * finite logits each, and one user in {@value #CHECK_EVERY} (by id) bit-identical to the direct
 * Java API's logits (GoldenIdentityTest compares every model exhaustively; this checks the path).
 */
class SparkSubmitIT {
  private static final int USERS = 1000;
  private static final int CHECK_EVERY = 10;
  private static final long TIMEOUT_S = 180;

  @TempDir
  Path dir;

  @Test
  void theExampleJobRunsThroughSparkSubmit() throws Exception {
    Path submit = Path.of(System.getProperty("seqrec.submit.dir"));
    String sparkClassPath = Files.readString(submit.resolve("spark.classpath")).trim();
    String jars = Files.readString(submit.resolve("seqrec.jars")).trim();
    assertThat(jars.split(",")).as("--jars").hasSize(2)
        .anyMatch(j -> Path.of(j).getFileName().toString().startsWith("seqrec-kernels-"))
        .anyMatch(j -> Path.of(j).getFileName().toString().startsWith("seqrec-reference-models-"));
    assertThat(sparkClassPath).contains("spark-core_2.13-").doesNotContain("seqrec-");
    Path app = Path.of(System.getProperty("seqrec.spark.jar"));
    assertThat(app).isRegularFile();
    Path weights = GoldenUsers.ROOT.resolve("din/weights.safetensors").toAbsolutePath();
    Path out = dir.resolve("job");

    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("@" + submit.resolve("jvm.args"));   // spark.jvm.flags: what Spark's launcher would add
    command.addAll(List.of("-Xmx1g", "-cp", sparkClassPath, "org.apache.spark.deploy.SparkSubmit",
        "--master", "local[2]",
        "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.ui.enabled=false",
        "--class", "io.github.seqrec.spark.ScoringExample", "--jars", jars, app.toString(),
        "--model", "din", "--weights", weights.toString(), "--users", String.valueOf(USERS), "--repeat", "1",
        "--out", out.toString()));
    Path log = dir.resolve("spark-submit.log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    long t0 = System.nanoTime();
    Process child = pb.start();
    if (!child.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
      child.destroyForcibly().waitFor();
      fail("SparkSubmit did not finish in " + TIMEOUT_S + " s:\n" + tail(log));
    }
    System.out.printf("SparkSubmitIT: the SparkSubmit JVM ran %.1f s%n", (System.nanoTime() - t0) / 1e9);
    String text = Files.readString(log);
    assertThat(child.exitValue()).as("exit status; the log ends:\n%s", tail(log)).isZero();
    assertThat(text)
        .contains("din: " + USERS + " users x 100 candidates, history 50, on local[2]")
        .contains("wrote " + out + "/scored")
        .containsPattern("Added JAR \\S*seqrec-kernels-\\S*\\.jar")
        .containsPattern("Added JAR \\S*seqrec-reference-models-\\S*\\.jar")
        .containsPattern("Added JAR \\S*" + app.getFileName())
        .contains("spark://127.0.0.1:")
        // the driver JVM hosts the local executors: --add-modules must be on its own command line
        .doesNotContain("jdk.incubator.vector is not readable");

    long t1 = System.nanoTime();
    Map<Integer, Group> users = byUser(read(out.resolve("users")));
    Map<Integer, Group> scored = byUser(read(out.resolve("scored")));
    assertThat(users.keySet()).hasSize(USERS).allMatch(u -> u >= 0 && u < USERS);
    assertThat(scored.keySet()).isEqualTo(users.keySet());

    SequentialModel din = Models.load("din", weights, Map.of());
    SequentialModel.Workspace ws = din.newWorkspace();
    int checked = 0;
    for (Map.Entry<Integer, Group> e : users.entrySet()) {
      float[] actual = floats(scored.get(e.getKey()), "logits");
      assertThat(actual).as("user %d", e.getKey()).hasSize(100);
      for (float v : actual) {
        assertThat(Float.isFinite(v)).as("user %d: logit %s", e.getKey(), v).isTrue();
      }
      if (e.getKey() % CHECK_EVERY != 0) {
        continue;
      }
      Group u = e.getValue();
      int[] items = ints(u, "history_items");
      UserHistory h = UserHistory.of(items, items.length).categoryIds(ints(u, "history_cates")).build();
      Candidates c = Candidates.of(ints(u, "cand_items"), ints(u, "cand_cates"));
      float[] expected = new float[c.count()];
      din.score(h, c, ws, expected, 0);
      assertThat(GoldenIdentityTest.bits(actual)).as("user %d", e.getKey()).isEqualTo(GoldenIdentityTest.bits(expected));
      checked++;
    }
    assertThat(checked).isEqualTo(USERS / CHECK_EVERY);
    System.out.printf("SparkSubmitIT: read back and checked in %.1f s%n", (System.nanoTime() - t1) / 1e9);
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  private static List<Group> read(Path parquetDir) throws IOException {
    assertThat(parquetDir.resolve("_SUCCESS")).isRegularFile();
    List<Path> files;
    try (Stream<Path> list = Files.list(parquetDir)) {
      files = list.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
    assertThat(files).as("Parquet files in %s", parquetDir).isNotEmpty();
    List<Group> rows = new ArrayList<>();
    for (Path f : files) {
      try (ParquetReader<Group> reader =
               ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(f.toUri())).build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          rows.add(g);
        }
      }
    }
    return rows;
  }

  private static Map<Integer, Group> byUser(List<Group> rows) {
    Map<Integer, Group> out = new HashMap<>();
    for (Group g : rows) {
      assertThat(out.put(g.getInteger("user_id", 0), g)).as("duplicate user %d", g.getInteger("user_id", 0)).isNull();
    }
    return out;
  }

  /** A Parquet LIST column as Spark writes it: {@code field.list[i].element}. */
  private static int[] ints(Group row, String field) {
    Group list = row.getGroup(field, 0);
    int[] a = new int[list.getFieldRepetitionCount("list")];
    for (int i = 0; i < a.length; i++) {
      a[i] = list.getGroup("list", i).getInteger("element", 0);
    }
    return a;
  }

  private static float[] floats(Group row, String field) {
    assertThat(row.getFieldRepetitionCount(field)).as("%s present", field).isEqualTo(1);
    Group list = row.getGroup(field, 0);
    float[] a = new float[list.getFieldRepetitionCount("list")];
    for (int i = 0; i < a.length; i++) {
      a[i] = list.getGroup("list", i).getFloat("element", 0);
    }
    return a;
  }
}
