package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seqrec eval} end to end on the DIN golden weights (200 items, categories 1 + 7 i mod 20). */
class EvalCommandTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SeqrecCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  static Path dinWeights() throws URISyntaxException {
    return Path.of(EvalCommandTest.class.getResource("/golden/models/din/weights.safetensors").toURI());
  }

  Path log(int users) throws IOException {
    SplittableRandom r = new SplittableRandom(5);
    StringBuilder sb = new StringBuilder("user,item,timestamp,action,category\n");
    for (int u = 1; u <= users; u++) {
      int n = 2 + r.nextInt(20);
      for (int j = 0; j < n; j++) {
        int item = 1 + r.nextInt(200);
        sb.append(u).append(',').append(item).append(',').append(1000 + 60 * j).append(",1,")
            .append(1 + (item * 7) % 20).append('\n');
      }
    }
    Path p = dir.resolve("log.csv");
    Files.writeString(p, sb);
    return p;
  }

  @Test
  void reportsTheMetricsWithTheProtocolAndTheSeed() throws Exception {
    Path data = log(50);
    Run a = run("eval", "--model", "din", "--weights", dinWeights().toString(), "--data", data.toString(), "--threads", "2");
    assertThat(a.code()).as(a.err()).isZero();
    assertThat(a.out()).contains("din: 50 users (leave-one-out: last action held out)",
        "100 negatives per user sampled with seed 13", "HR@10", "NDCG@10", "MRR", "on 2 threads");
    Run b = run("eval", "--model", "din", "--weights", dinWeights().toString(), "--data", data.toString(), "--threads", "1");
    Run c = run("eval", "--model", "din", "--weights", dinWeights().toString(), "--data", data.toString(), "--seed", "14");
    // same seed: the same metrics whatever the thread count; another seed: other negatives
    assertThat(metrics(b.out())).isEqualTo(metrics(a.out()));
    assertThat(c.out()).contains("seed 14");
    assertThat(metrics(c.out())).isNotEqualTo(metrics(a.out()));
  }

  static String metrics(String report) {
    return report.lines().filter(l -> l.startsWith("HR@") || l.startsWith("NDCG@") || l.startsWith("MRR"))
        .reduce("", (x, y) -> x + y + "\n");
  }

  @Test
  void aMalformedFileFailsWithItsLineNumberAndPrintsNoResult() throws Exception {
    Path data = log(20);
    var lines = new java.util.ArrayList<>(Files.readAllLines(data));
    lines.set(7, lines.get(7).replaceFirst(",1000,|,1060,|,1120,|,1180,|,1240,|,1300,|,1360,", ",12x4,"));
    assertThat(lines.get(7)).contains("12x4");
    Files.write(data, lines);
    Run r = run("eval", "--model", "din", "--weights", dinWeights().toString(), "--data", data.toString());
    assertThat(r.code()).isEqualTo(SeqrecCli.EXIT_BAD_INPUT);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip()).isEqualTo("seqrec: " + data + " line 8, column 3 (timestamp): '12x4' is not an integer");
  }

  @Test
  void anOutOfVocabularyItemFailsTheRunNamingTheUserAndPrintsNoResult() throws Exception {
    Path data = dir.resolve("oov.csv");
    Files.writeString(data, "1,5,1,1,16\n1,6,2,1,3\n2,7,1,1,10\n2,201,2,1,8\n");
    Run r = run("eval", "--model", "din", "--weights", dinWeights().toString(), "--data", data.toString(),
        "--n-negatives", "2");
    assertThat(r.code()).isEqualTo(SeqrecCli.EXIT_BAD_INPUT);
    assertThat(r.out()).isEmpty();
    // item 201 is the held-out item of user 2 and, sampled from the log's items, a negative of user 1
    assertThat(r.err()).startsWith("seqrec: user ").contains("= 201 is outside the vocabulary [1, 200]");
  }
}
