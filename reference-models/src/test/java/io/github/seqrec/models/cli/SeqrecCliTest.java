package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.kernels.Backends;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The CLI in-process: listing, a linear round trip, and every bad-input exit code and message. */
class SeqrecCliTest {
  @TempDir Path dir;

  /** Exit code, stdout and stderr of one in-process run. */
  record Run(int code, String out, String err) {
    /** Bad input: exit 2 and exactly one stderr line, no stack trace. */
    Run assertBadInput(String... fragments) {
      assertThat(code).as("exit code; stderr: " + err).isEqualTo(2);
      assertOneLine(fragments);
      return this;
    }

    void assertOneLine(String... fragments) {
      assertThat(err.lines().toList()).as("stderr lines").hasSize(1);
      assertThat(err).startsWith("seqrec: ").doesNotContain("\tat ");
      for (String f : fragments) {
        assertThat(err).contains(f);
      }
    }
  }

  static Run run(CommandLine cl, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static Run run(String... args) {
    return run(SeqrecCli.commandLine(), args);
  }

  private static final Tensor.F32 X = new Tensor.F32(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
  private static final Tensor.F32 W = new Tensor.F32(new int[] {2, 3}, new float[] {1, 0, -1, 0.5f, 0.5f, 0.5f});
  private static final Tensor.F32 B = new Tensor.F32(new int[] {2}, new float[] {10, 20});

  private Path input(Map<String, Tensor> tensors) throws IOException {
    Path p = dir.resolve("in.safetensors");
    SafeTensors.write(p, tensors);
    return p;
  }

  @Test
  void listShowsEveryOpWithInputsOutputsAndParams() {
    Run r = run("kernel", "--list");
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    for (KernelOp op : KernelOps.all()) {
      assertThat(r.out()).contains(op.name() + " - " + op.summary());
      for (KernelOp.TensorSpec t : op.inputs()) {
        assertThat(r.out()).containsPattern("in +" + Pattern.quote(t.name()) + " +" + Pattern.quote(t.dtype()));
      }
      for (KernelOp.TensorSpec t : op.outputs()) {
        assertThat(r.out()).containsPattern("out +" + Pattern.quote(t.name()) + " +" + Pattern.quote(t.dtype()));
      }
      for (KernelOp.ParamSpec p : op.params()) {
        assertThat(r.out()).containsPattern("param +" + Pattern.quote(p.name()) + " +" + Pattern.quote(p.type()));
      }
    }
    assertThat(r.out()).containsPattern("in +bias +F32 +\\[out\\] +nn.Linear bias \\(optional\\)");
  }

  @Test
  void listOneKernel() {
    Run r = run("kernel", "--list", "linear");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("linear - ").contains("out    y");
    run("kernel", "--list", "nope").assertBadInput("unknown kernel 'nope'; known: ");
  }

  @Test
  void linearRoundTrip() throws IOException {
    Path in = input(Map.of("x", X, "weight", W, "bias", B));
    Path out = dir.resolve("out.safetensors");
    Run r = run("kernel", "linear", "--in", in.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo("linear: wrote y F32[2, 2] to " + out + System.lineSeparator());
    try (SafeTensors st = SafeTensors.open(out)) {
      assertThat(st.names()).containsExactly("y");
      // y = x W^T + b, by hand: [1-3, (1+2+3)/2] + b and [4-6, (4+5+6)/2] + b
      assertThat(st.floats("y", 2, 2)).containsExactly(8f, 23f, 8f, 27.5f);
      assertThat(st.metadata()).containsEntry("kernel", "linear").containsEntry("backend", Backends.name());
    }
  }

  @Test
  void goldenFileRunsDirectlyAndVerboseReports() throws IOException, URISyntaxException {
    Path golden = Path.of(getClass().getResource("/golden/dense/linear_tiny.safetensors").toURI());
    Path out = dir.resolve("out.safetensors");
    Run r = run("kernel", "linear", "--in", golden.toString(), "--out", out.toString(), "--verbose",
        "--backend", Backends.name());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).as("expected.* tensors are not reported as unused").isEmpty();
    assertThat(r.out()).contains("backend: " + Backends.describe()).contains("in   x F32[2, 3]").contains("ran linear in");
    try (SafeTensors g = SafeTensors.open(golden); SafeTensors o = SafeTensors.open(out)) {
      float[] expected = g.floats("expected.y");
      float[] actual = o.floats("y");
      for (int i = 0; i < expected.length; i++) {
        assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void unusedTensorsAreWarnedAbout() throws IOException {
    Path in = input(Map.of("x", X, "weight", W, "bais", B));
    Run r = run("kernel", "linear", "--in", in.toString(), "--out", dir.resolve("o.safetensors").toString());
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEqualTo("seqrec: warning: linear ignores tensor(s) [bais]; its inputs are [x, weight, bias]"
        + System.lineSeparator());
  }

  @Test
  void unknownKernel() throws IOException {
    Path in = input(Map.of("x", X));
    run("kernel", "nope", "--in", in.toString(), "--out", dir.resolve("o").toString())
        .assertBadInput("seqrec: unknown kernel 'nope'; known: ", "linear");
  }

  @Test
  void missingTensor() throws IOException {
    Path in = input(Map.of("x", X));
    run("kernel", "linear", "--in", in.toString(), "--out", dir.resolve("o").toString())
        .assertBadInput("missing input tensor 'weight'");
    assertThat(Files.exists(dir.resolve("o"))).isFalse();
  }

  @Test
  void wrongShape() throws IOException {
    Path in = input(Map.of("x", X, "weight", new Tensor.F32(new int[] {2, 4}, new float[8])));
    run("kernel", "linear", "--in", in.toString(), "--out", dir.resolve("o").toString())
        .assertBadInput("tensor 'weight' must have shape [out, 3] to match x, got [2, 4]");
    Path in2 = input(Map.of("x", X, "weight", W, "bias", new Tensor.F32(new int[] {3}, new float[3])));
    run("kernel", "linear", "--in", in2.toString(), "--out", dir.resolve("o").toString())
        .assertBadInput("tensor 'bias' must have shape [2], got [3]");
  }

  @Test
  void wrongDtype() throws IOException {
    Path in = input(Map.of("x", new Tensor.I64(new int[] {2, 3}, new long[6]), "weight", W));
    run("kernel", "linear", "--in", in.toString(), "--out", dir.resolve("o").toString())
        .assertBadInput("tensor 'x' must be F32, got I64[2, 3]");
  }

  @Test
  void unreadableOrInvalidFiles() throws IOException {
    Path missing = dir.resolve("absent.safetensors");
    run("kernel", "linear", "--in", missing.toString(), "--out", dir.resolve("o").toString())
        .assertBadInput("cannot read --in " + missing + ": no such file");
    Path garbage = dir.resolve("garbage.safetensors");
    Files.writeString(garbage, "this is not safetensors at all");
    run("kernel", "linear", "--in", garbage.toString(), "--out", dir.resolve("o").toString())
        .assertBadInput("invalid --in file " + garbage + ": header length", "exceeds the limit");
    run("kernel", "linear", "--in", dir.toString(), "--out", dir.resolve("o").toString())
        .assertBadInput("cannot read --in " + dir);
  }

  @Test
  void unwritableOutput() throws IOException {
    Path in = input(Map.of("x", X, "weight", W));
    Path out = dir.resolve("no/such/folder/o.safetensors");
    run("kernel", "linear", "--in", in.toString(), "--out", out.toString())
        .assertBadInput("cannot write --out " + out);
  }

  @Test
  void badParameters() throws IOException {
    Path in = input(Map.of("x", X, "weight", W));
    run("kernel", "linear", "--in", in.toString(), "--out", dir.resolve("o").toString(), "--param", "heads=2")
        .assertBadInput("unknown parameter 'heads' for kernel linear; it takes none");
    run("kernel", "linear", "--in", in.toString(), "--out", dir.resolve("o").toString(), "--param", "heads")
        .assertBadInput("heads");
  }

  @Test
  void usageErrorsAreOneLine() throws IOException {
    Path in = input(Map.of("x", X, "weight", W));
    run("kernel", "linear", "--in", in.toString())
        .assertBadInput("kernel linear needs --in FILE and --out FILE", "seqrec kernel --help");
    run("kernel").assertBadInput("missing kernel NAME (or --list)");
    run("kernel", "linear", "--frobnicate").assertBadInput("--frobnicate");
    run().assertBadInput("missing command");
    run("nonsense").assertBadInput("nonsense");
  }

  @Test
  void backendOption() throws IOException {
    Path in = input(Map.of("x", X, "weight", W));
    String other = Backends.name().equals("vector") ? "scalar" : "vector";
    run("kernel", "linear", "--in", in.toString(), "--out", dir.resolve("o").toString(), "--backend", "simd")
        .assertBadInput("--backend must be scalar, vector or auto, got 'simd'");
    // In this JVM the kernels are already initialised, so asking for the other backend must fail
    // loudly instead of silently running the wrong one.
    Backends.name();
    run("kernel", "linear", "--in", in.toString(), "--out", dir.resolve("o").toString(), "--backend", other)
        .assertBadInput("--backend " + other + " was requested but this JVM already runs the " + Backends.name());
    Run same = run("kernel", "linear", "--in", in.toString(), "--out", dir.resolve("o").toString(), "--backend",
        Backends.name());
    assertThat(same.code()).isZero();
  }

  @Test
  void backendCommandDescribesTheBackend() {
    Run r = run("backend");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo(Backends.describe() + System.lineSeparator());
    assertThat(run("--version").out()).startsWith("seqrec ");
    assertThat(run("--help").out()).contains("kernel").contains("backend");
  }

  /** A stand-in subcommand that fails in the ways a kernel can. */
  @Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @CommandLine.Parameters String kind;

    @Override
    public Integer call() {
      switch (kind) {
        case "iae" -> throw new IllegalArgumentException("rows must be >= 0, got -1\nsecond line");
        case "bad" -> throw new BadInputException("bad thing");
        default -> throw new IllegalStateException("kernel bug");
      }
    }
  }

  @Test
  void exceptionsMapToExitCodes() {
    CommandLine cl = SeqrecCli.commandLine().addSubcommand(new Boom());
    run(cl, "boom", "iae").assertBadInput("seqrec: rows must be >= 0, got -1 second line");
    run(SeqrecCli.commandLine().addSubcommand(new Boom()), "boom", "bad").assertBadInput("seqrec: bad thing");
    Run internal = run(SeqrecCli.commandLine().addSubcommand(new Boom()), "boom", "state");
    assertThat(internal.code()).isEqualTo(1);
    internal.assertOneLine("seqrec: internal error: java.lang.IllegalStateException: kernel bug",
        "run with --verbose for the stack trace");
    Run verbose = run(SeqrecCli.commandLine().addSubcommand(new Boom()), "boom", "state", "--verbose");
    assertThat(verbose.code()).isEqualTo(1);
    assertThat(verbose.err()).startsWith("seqrec: internal error: java.lang.IllegalStateException: kernel bug")
        .contains("\tat ").doesNotContain("run with --verbose");
  }
}
