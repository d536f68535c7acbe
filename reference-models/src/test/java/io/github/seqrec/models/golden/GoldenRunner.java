package io.github.seqrec.models.golden;

import io.github.seqrec.models.cli.BadInputException;
import io.github.seqrec.models.cli.KernelOp;
import io.github.seqrec.models.cli.KernelOps;
import io.github.seqrec.models.cli.OpInputs;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs one kernel golden file: reads metadata {@code kernel}, passes the tensors not named
 * {@code expected.*} and the whole metadata (as parameters) to {@code KernelOps.get(kernel)},
 * and compares every {@code expected.<name>} with the op's output {@code <name>} by {@link
 * GoldenComparison}. Any problem is an {@link AssertionError} that starts with the file.
 */
public final class GoldenRunner {
  /** Prefix of expected outputs in a golden file. */
  public static final String EXPECTED = "expected.";

  /** Subfolder of the golden root that holds model goldens (not run as kernel goldens). */
  public static final String MODELS_FOLDER = "models";

  private GoldenRunner() {}

  /** One golden file's outcome. */
  public record CaseResult(Path file, String kernel, List<GoldenComparison.Result> outputs) {
    /** Worst error over the outputs. */
    public double worstError() {
      return outputs.stream().mapToDouble(GoldenComparison.Result::worstError).max().orElse(0);
    }
  }

  /** The golden root on the test class path: {@code src/test/resources/golden}. */
  public static Path root() {
    URL url = GoldenRunner.class.getResource("/golden");
    if (url == null) {
      throw new AssertionError("no golden/ folder on the test class path (src/test/resources/golden)");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError("bad golden folder URL " + url, e);
    }
  }

  /** Every {@code *.safetensors} under {@code root}, except the {@code models/} subfolder, sorted. */
  public static List<Path> kernelGoldens(Path root) {
    Path models = root.resolve(MODELS_FOLDER);
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.toString().endsWith(".safetensors"))
          .filter(p -> !p.startsWith(models))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + root, e);
    }
  }

  /** Runs and checks one golden file. */
  public static CaseResult run(Path file) {
    String where = file.getFileName().toString();
    Path parent = file.getParent();
    if (parent != null && parent.getFileName() != null) {
      where = parent.getFileName() + "/" + where;
    }
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    Map<String, Tensor> expected = new LinkedHashMap<>();
    Map<String, String> metadata;
    try (SafeTensors st = SafeTensors.open(file)) {
      metadata = st.metadata();
      for (String name : st.names()) {
        if (name.startsWith(EXPECTED)) {
          expected.put(name.substring(EXPECTED.length()), st.toTensor(name));
        } else {
          inputs.put(name, st.toTensor(name));
        }
      }
    } catch (IOException e) {
      throw new AssertionError(where + ": cannot read: " + e.getMessage(), e);
    }
    String kernel = metadata.get("kernel");
    if (kernel == null) {
      throw new AssertionError(where + ": no 'kernel' entry in __metadata__ (have " + metadata.keySet() + ")");
    }
    if (expected.isEmpty()) {
      throw new AssertionError(where + ": no '" + EXPECTED + "*' tensors to compare against");
    }
    KernelOp op;
    try {
      op = KernelOps.get(kernel);
    } catch (BadInputException e) {
      throw new AssertionError(where + ": " + e.getMessage(), e);
    }
    GoldenComparison.Tolerance tol = GoldenComparison.Tolerance.from(metadata);
    Map<String, Tensor> outputs;
    try {
      outputs = op.run(new OpInputs(inputs, metadata));
    } catch (BadInputException | IllegalArgumentException e) {
      throw new AssertionError(where + ": op '" + kernel + "' rejected the inputs: " + e.getMessage(), e);
    }
    List<GoldenComparison.Result> results = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : expected.entrySet()) {
      results.add(GoldenComparison.compare(where + " (" + kernel + ")", e.getKey(), e.getValue(),
          outputs.get(e.getKey()), tol));
    }
    return new CaseResult(file, kernel, results);
  }
}
