package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seqrec demo} on the shipped world. */
class DemoCommandTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SeqrecCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void printsTheShopperTheTopItemsTheMetricsAndWritesAPage() throws Exception {
    Path html = dir.resolve("demo.html");
    Run r = run("demo", "--model", "tim", "--k", "3", "--html", html.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Bluebird Blue Shampoo", "Pull-Up Bar", "backend: ", "CPU: ",
        "TIM (ctr): top 3 of 2,000 candidates", "HR@10", "NDCG@10", "PyTorch", "median", "wrote " + html);
    // the table's metric rows: seqrec and PyTorch agree to the 4 printed digits (|diff| column)
    String hr = r.out().lines().filter(l -> l.trim().startsWith("HR@10 ")).findFirst().orElseThrow();
    String[] cells = hr.trim().split("\\s+");
    assertThat(cells[1]).isEqualTo(cells[2]);
    // three ranked rows, none of them an item of the history
    long rows = r.out().lines().filter(l -> l.matches("  [123]  .*")).count();
    assertThat(rows).isEqualTo(3);
    String page = Files.readString(html);
    assertThat(page).startsWith("<!DOCTYPE html>").contains("<table>", "Bluebird Blue Shampoo", "<table class=strip>")
        .doesNotContain("<script", "http://", "https://");
    // TIM attends: one strip per ranked item, a cell per action of the 17-action history
    // and what it attends to is the session: the top item's heaviest action is one of the pull-up bars (#14-#17)
    String attends = r.out().lines().filter(l -> l.contains("#1 attends most to: ")).findFirst().orElseThrow();
    assertThat(attends.substring(attends.indexOf(": ") + 2).split(" \\(#")[0]).endsWith("Pull-Up Bar");
    String strip = page.substring(page.indexOf("<table class=strip>"));
    strip = strip.substring(0, strip.indexOf("</table>"));
    assertThat(strip.split("<tr>")).hasSize(1 + 1 + 3);
    assertThat(strip.split("<td style=")).hasSize(1 + 3 * 17);
  }

  @Test
  void aGivenHistoryByNameAndIdIsUsedAndBadOnesAreNamed() {
    Run r = run("demo", "--model", "tim", "--k", "2", "--history", "Bluebird Blue Shampoo, 1");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("the history given with --history (2 actions");
    Run bad = run("demo", "--model", "tim", "--history", "Bluebird Blue Shampoo,No Such Thing");
    assertThat(bad.code()).isEqualTo(SeqrecCli.EXIT_BAD_INPUT);
    assertThat(bad.err().strip()).isEqualTo("seqrec: --history item 2: no item named 'No Such Thing' in the catalogue "
        + "(names as in catalogue.csv, or ids)");
    Run unknown = run("demo", "--model", "gru4rec_nope");
    assertThat(unknown.code()).isEqualTo(SeqrecCli.EXIT_BAD_INPUT);
    assertThat(unknown.err()).contains("--model gru4rec_nope is not shipped with the demo; shipped: ", "din", "twin");
  }
}
