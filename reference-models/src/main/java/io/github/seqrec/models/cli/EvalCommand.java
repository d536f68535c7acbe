package io.github.seqrec.models.cli;

import io.github.seqrec.models.Models;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.eval.Interactions;
import io.github.seqrec.models.eval.ItemCatalogue;
import io.github.seqrec.models.eval.LeaveOneOut;
import io.github.seqrec.models.eval.Negatives;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code seqrec eval}: leave-one-out HR@k, NDCG@k and MRR of a model on an interaction log (see
 * {@link LeaveOneOut} for the protocol). The report goes to stdout only once every user is scored;
 * the progress line goes to stderr.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Leave-one-out evaluation: each user's last action is held out and ranked (HR@k, NDCG@k, MRR).",
        "CTR models rank it against sampled negatives (a file, or drawn with --seed); next-item models against "
            + "the whole catalogue.",
        "Data: CSV user,item,timestamp[,action[,category]] (optional header; .gz read through gzip)."})
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "NAME", description = "Model (see 'seqrec model --list').")
  String model;

  @Option(names = "--weights", required = true, paramLabel = "FILE", description = "The model's weights (safetensors).")
  Path weights;

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "Interactions CSV.")
  Path data;

  @Option(names = "--negatives", paramLabel = "FILE",
      description = "Negatives per user (user,neg_1,...,neg_n); without it they are sampled with --seed.")
  Path negativesFile;

  @Option(names = "--seed", defaultValue = "13", paramLabel = "SEED", description = "Seed of sampled negatives (default 13).")
  long seed;

  @Option(names = "--n-negatives", defaultValue = "100", paramLabel = "N", description = "Sampled negatives per user (default 100).")
  int nNegatives;

  @Option(names = "--catalogue", paramLabel = "FILE",
      description = "Item CSV with a header naming 'item' and 'category': categories of items the log does not show, "
          + "and the pool negatives are sampled from.")
  Path catalogue;

  @Option(names = "--k", defaultValue = "10", paramLabel = "K", description = "Cut-off of HR and NDCG (default 10).")
  int k;

  @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: one per core).")
  Integer threads;

  @Option(names = "--option", paramLabel = "NAME=VALUE", description = "A load option overriding the weights' metadata.")
  List<String> options;

  @Mixin BackendOption backend;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    String backendName = backend.apply();
    Map<String, String> opts = new LinkedHashMap<>();
    if (options != null) {
      for (String o : options) {
        int eq = o.indexOf('=');
        if (eq <= 0) {
          throw new BadInputException("--option must be NAME=VALUE, got '" + o + "'");
        }
        opts.put(o.substring(0, eq), o.substring(eq + 1));
      }
    }
    SequentialModel m = Models.load(model, weights, opts);
    Interactions interactions = Interactions.read(data);
    ItemCatalogue items = catalogue == null ? null : ItemCatalogue.read(catalogue);
    LeaveOneOut.Options o = new LeaveOneOut.Options().k(k).progress(stderr());
    if (threads != null) {
      o.threads(threads);
    }
    if (items != null) {
      o.categories(items.categories());
    }
    if (!(m instanceof NextItemModel)) {
      if (negativesFile != null) {
        o.negatives(Negatives.read(negativesFile));
      } else {
        int[] pool = items != null ? items.ids()
            : IntStream.of(interactions.items()).distinct().sorted().toArray();
        o.negatives(Negatives.sample(interactions, pool, nNegatives, seed));
      }
    }
    LeaveOneOut.Result r = LeaveOneOut.evaluate(m, interactions, o);
    spec.commandLine().getOut().println(r.report() + ", backend " + backendName);
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** The progress line's stream: the command line's stderr (tests capture it). */
  private PrintStream stderr() {
    java.io.PrintWriter err = spec.commandLine().getErr();
    return new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        err.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        err.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
      }

      @Override
      public void flush() {
        err.flush();
      }
    }, true, java.nio.charset.StandardCharsets.UTF_8);
  }
}
