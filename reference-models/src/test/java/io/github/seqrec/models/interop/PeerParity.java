package io.github.seqrec.models.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.kernels.Backends;
import io.github.seqrec.models.ModelBatch;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores a peer's recorded batch with an imported model and compares with the peer's own
 * outputs ({@code expected.logits}, {@code expected.probs}): error {@code |got - want| /
 * max(1, |want|)}, at most {@link #TOLERANCE}.
 */
final class PeerParity {
  private PeerParity() {}

  static final double TOLERANCE = 1e-4;
  private static final Map<String, Double> WORST = new TreeMap<>();

  static Map<String, Tensor> batch(Path file) throws IOException {
    try (SafeTensors st = SafeTensors.open(file)) {
      return st.toTensors();
    }
  }

  static Map<String, String> metadata(Path file) throws IOException {
    try (SafeTensors st = SafeTensors.open(file)) {
      return st.metadata();
    }
  }

  /** The worst error of {@code model} on the batch in {@code batchFile}; fails above the tolerance. */
  static double check(String what, SequentialModel model, Path batchFile) throws IOException {
    Map<String, Tensor> tensors = batch(batchFile);
    ModelBatch batch = ModelBatch.of(tensors);
    float[] logits = batch.score(model);
    float[] probs = logits.clone();
    SequentialModel.probabilities(probs, 0, probs.length);
    double worst = Math.max(worst(what + " logits", logits, tensors.get("expected.logits")),
        worst(what + " probs", probs, tensors.get("expected.probs")));
    synchronized (WORST) {
      WORST.merge(what + " [" + Backends.name() + "]", worst, Math::max);
    }
    return worst;
  }

  private static double worst(String what, float[] got, Tensor expected) {
    float[] want = ((Tensor.F32) expected).data();
    assertThat(got).as(what + ": number of scores").hasSize(want.length);
    double worst = 0;
    for (int i = 0; i < want.length; i++) {
      double err = Math.abs(got[i] - want[i]) / Math.max(1.0, Math.abs(want[i]));
      assertThat(err).as(what + " [" + i + "]: seqrec " + got[i] + ", peer " + want[i]).isLessThanOrEqualTo(TOLERANCE);
      worst = Math.max(worst, err);
    }
    return worst;
  }

  /** What {@code seqrec ARGS} printed and returned. */
  record Cli(int code, String out, String err) {}

  static Cli cli(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = io.github.seqrec.models.cli.SeqrecCli.commandLine();
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    int code = cl.execute(args);
    return new Cli(code, out.toString(), err.toString());
  }

  static void printWorst(String peer) {
    StringBuilder sb = new StringBuilder(peer + " import parity, worst error:\n");
    synchronized (WORST) {
      WORST.forEach((k, v) -> {
        if (k.startsWith(peer)) {
          sb.append(String.format("  %-50s %.2e%n", k, v));
        }
      });
    }
    System.out.print(sb);
  }
}
