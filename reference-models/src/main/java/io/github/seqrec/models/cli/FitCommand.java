package io.github.seqrec.models.cli;

import io.github.seqrec.models.nextitem.MarkovChain;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code seqrec fit markov --sequences s.csv --n-items N [--smoothing L] --out w.safetensors}:
 * fits the one model seqrec trains itself, the first-order Markov chain, by counting a sequence
 * file (one sequence per line, comma-separated item ids, oldest first; {@code #} comments and blank
 * lines skipped), and writes the weight file {@code seqrec model markov --weights} reads.
 */
@Command(name = "fit", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Fit a model seqrec can train itself (the first-order Markov chain) from sequences.",
        "Example: seqrec fit markov --sequences s.csv --n-items 100000 --out markov.safetensors"})
final class FitCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL", description = "The model to fit: markov.")
  String model;

  @Option(names = "--sequences", required = true, paramLabel = "FILE",
      description = "One sequence per line, comma-separated item ids 1..N, oldest first.")
  Path sequences;

  @Option(names = "--n-items", required = true, paramLabel = "N", description = "Catalogue size: item ids 1..N.")
  int nItems;

  @Option(names = "--smoothing", paramLabel = "LAMBDA", defaultValue = "0.5",
      description = "Additive smoothing of every row (default 0.5; 0 = raw frequencies).")
  float smoothing;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the weights (safetensors).")
  Path out;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (!"markov".equals(model)) {
      throw new BadInputException("fit knows the model 'markov' only, got '" + model + "'");
    }
    if (!(smoothing >= 0) || Float.isInfinite(smoothing)) {
      throw new BadInputException("--smoothing must be finite and >= 0, got " + smoothing);
    }
    MarkovChain chain;
    try {
      chain = MarkovChain.fitCsv(sequences, nItems, smoothing);
    } catch (FileSystemException e) {
      throw new BadInputException("cannot read --sequences " + sequences + ": " + ModelCommand.reason(e), e);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    chain.save(out);
    PrintWriter stdout = spec.commandLine().getOut();
    stdout.println("markov: counted " + chain.counts().totalTransitions() + " transitions ("
        + chain.counts().distinctTransitions() + " distinct, " + chain.counts().bytes() + " bytes) over " + nItems
        + " items; wrote " + out);
    return 0;
  }
}
