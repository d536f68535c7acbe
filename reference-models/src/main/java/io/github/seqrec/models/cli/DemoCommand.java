package io.github.seqrec.models.cli;

import io.github.seqrec.models.demo.Demo;
import io.github.seqrec.models.demo.ShoppingWorld;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code seqrec demo}: every architecture shipped in the jar (trained in PyTorch on the demo's
 * shopping world) answers one shopper's request; per architecture its top items, its held-out
 * HR@10 / NDCG@10 computed here next to PyTorch's, and its median latency per request.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Every shipped architecture answers the example shopper (books, cleaning supplies and blue "
        + "shampoo over the week, now comparing pull-up bars): top items, held-out metrics by seqrec next to "
        + "PyTorch's, median latency per request.",
        "Models, catalogue and held-out split are resources of the jar (reference-models/demo/world.py, train.py)."})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--model", paramLabel = "NAME", split = ",", description = "Only these models (default: every shipped one).")
  List<String> models;

  @Option(names = "--history", paramLabel = "ITEM,ITEM,...",
      description = "The shopper's history, oldest first: item names (as in catalogue.csv) or ids; each a click.")
  String history;

  @Option(names = "--k", defaultValue = "5", paramLabel = "K", description = "Items shown per model (default 5).")
  int k;

  @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML page.")
  Path html;

  @Option(names = "--threads", paramLabel = "N", description = "Threads of the held-out evaluation (default: one per core).")
  Integer threads;

  @Mixin BackendOption backend;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    backend.apply();
    if (k < 1 || k > 100) {
      throw new BadInputException("--k must be in [1, 100], got " + k);
    }
    if (threads != null && threads < 1) {
      throw new BadInputException("--threads must be >= 1, got " + threads);
    }
    ShoppingWorld world = ShoppingWorld.load();
    List<String> shipped = world.modelNames();
    List<String> chosen = models == null ? shipped : models;
    for (String m : chosen) {
      if (!shipped.contains(m)) {
        throw new BadInputException("--model " + m + " is not shipped with the demo; shipped: " + String.join(", ", shipped));
      }
    }
    Demo.Shopper shopper = history == null ? Demo.exampleShopper(world.catalogue())
        : Demo.parseHistory(world.catalogue(), history);
    PrintWriter out = spec.commandLine().getOut();
    out.println(Demo.header(world.catalogue(), shopper));
    out.flush();
    long t0 = System.nanoTime();
    List<Demo.Answer> answers = new ArrayList<>();
    int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    for (String m : chosen) {
      Demo.Answer a = Demo.answer(world, m, shopper, k, n);
      answers.add(a);
      out.println(Demo.table(world.catalogue(), shopper, a));
      out.flush();
    }
    out.print(Demo.summary(answers));
    out.println(String.format(Locale.ROOT, "(%d models in %.1f s)", answers.size(), (System.nanoTime() - t0) / 1e9));
    if (html != null) {
      try {
        Files.writeString(html, Demo.html(world.catalogue(), shopper, answers), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new BadInputException("cannot write --html " + html + ": " + e.getMessage(), e);
      }
      out.println("wrote " + html);
    }
    out.flush();
    return 0;
  }
}
