package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Every way the CLI can fail maps to its documented exit code with one stderr line and no stack
 * trace: errors (out of memory, out of stack), shapes whose element count overflows an int, huge
 * tensors (named), tensors the command never reads, FIFOs, non-finite weights.
 */
class CliFailureModesTest {
  private static final Path DIN = Path.of("src/test/resources/golden/models/din");

  @TempDir Path dir;

  /** A stand-in subcommand failing with an {@link Error}. */
  @Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @CommandLine.Parameters String kind;

    @Override
    public Integer call() {
      return switch (kind) {
        case "oom" -> throw new OutOfMemoryError("tensor 'x' F32[1000000000] needs 4000000000 bytes");
        case "stack" -> recurse(0);
        default -> throw new AssertionError("kernel invariant broken");
      };
    }

    private static int recurse(int depth) {
      return recurse(depth + 1) + 1;
    }
  }

  private static SeqrecCliTest.Run boom(String... args) {
    return SeqrecCliTest.run(SeqrecCli.commandLine().addSubcommand(new Boom()), args);
  }

  @Test
  void outOfMemoryIsExitThreeWithOneLineNamingTheTensor() {
    SeqrecCliTest.Run r = boom("boom", "oom");
    assertThat(r.code()).as(r.err()).isEqualTo(SeqrecCli.EXIT_RESOURCES);
    r.assertOneLine("seqrec: out of memory: tensor 'x' F32[1000000000] needs 4000000000 bytes", "-Xmx");
  }

  @Test
  void stackOverflowIsExitThreeWithOneLineAndATraceOnlyWithVerbose() {
    SeqrecCliTest.Run r = boom("boom", "stack");
    assertThat(r.code()).as(r.err()).isEqualTo(SeqrecCli.EXIT_RESOURCES);
    r.assertOneLine("seqrec: out of stack", "-Xss");
    SeqrecCliTest.Run verbose = boom("boom", "stack", "--verbose");
    assertThat(verbose.code()).isEqualTo(SeqrecCli.EXIT_RESOURCES);
    assertThat(verbose.err()).contains("\tat ").contains("more");
    assertThat(verbose.err().lines().count()).as("the trace is cut short").isLessThan(100);
  }

  @Test
  void otherErrorsAreInternalWithOneLine() {
    SeqrecCliTest.Run r = boom("boom", "assert");
    assertThat(r.code()).isEqualTo(SeqrecCli.EXIT_INTERNAL);
    r.assertOneLine("seqrec: internal error: java.lang.AssertionError: kernel invariant broken");
  }

  private Path input(Map<String, Tensor> tensors) throws IOException {
    Path p = dir.resolve("in.safetensors");
    SafeTensors.write(p, tensors);
    return p;
  }

  @Test
  void shapeProductsThatOverflowAnIntAreNamedErrors() throws IOException {
    Path out = dir.resolve("o.safetensors");
    // cosine_similarity of 50000 empty rows: S would be [50000, 50000]
    Path in = input(Map.of("x", new Tensor.F32(new int[] {50000, 0}, new float[0])));
    SeqrecCliTest.run("kernel", "cosine_similarity", "--in", in.toString(), "--out", out.toString())
        .assertBadInput("tensor 's' of shape [50000, 50000] would hold 2500000000 elements");
    // hamming_topk with k = 2^30 for 4 queries: indices [4, 2^30]
    in = input(Map.of("queries", new Tensor.I64(new int[] {4, 1}, new long[4]),
        "signatures", new Tensor.I64(new int[] {3, 1}, new long[3])));
    SeqrecCliTest.run("kernel", "hamming_topk", "--in", in.toString(), "--out", out.toString(), "--param",
        "k=1073741824").assertBadInput("tensor 'indices' of shape [4, 1073741824] would hold 4294967296 elements");
    // a GRU scan over a shared empty history for 70000 rows of 70000 steps
    in = input(Map.of("x", new Tensor.F32(new int[] {70000, 1}, new float[70000]),
        "lengths", new Tensor.I64(new int[] {70000}, new long[70000]),
        "weight_ih", new Tensor.F32(new int[] {3, 1}, new float[3]),
        "weight_hh", new Tensor.F32(new int[] {3, 1}, new float[3])));
    SeqrecCliTest.run("kernel", "gru_scan", "--in", in.toString(), "--out", out.toString())
        .assertBadInput("tensor 'h_all' of shape [70000, 70000, 1] would hold 4900000000 elements");
    assertThat(Files.exists(out)).isFalse();
  }

  @Test
  void anEmptyCaserWindowOfTwoBillionRowsAnswersAtOnce() throws IOException {
    Path in = input(Map.of("e", new Tensor.F32(new int[] {Integer.MAX_VALUE, 0}, new float[0]),
        "weight_1", new Tensor.F32(new int[] {1, 1, 1, 0}, new float[0])));
    SeqrecCliTest.Run r = assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
        SeqrecCliTest.run("kernel", "caser_horizontal", "--in", in.toString(), "--out",
            dir.resolve("o.safetensors").toString()));
    assertThat(r.code()).as(r.err()).isIn(0, SeqrecCli.EXIT_BAD_INPUT);
    assertThat(r.err()).doesNotContain("\tat ");
  }

  /**
   * {@code src}'s tensors plus {@code name} F32[{@code elements}] of zeros at the end of the data
   * section, written as a sparse file: gigabytes on paper, nothing on disk.
   */
  static Path withHugeTensor(Path src, Path dst, String name, int... shape) throws IOException {
    byte[] bytes = Files.readAllBytes(src);
    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8).strip();
    long dataLength = bytes.length - 8 - headerLength;
    long elements = 1;
    for (int d : shape) {
      elements *= d;
    }
    String entry = "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + Arrays.toString(shape).replace(" ", "")
        + ",\"data_offsets\":[" + dataLength + "," + (dataLength + 4 * elements) + "]}";
    String newHeader = header.substring(0, header.length() - 1) + (header.length() > 2 ? "," : "") + entry + "}";
    byte[] h = newHeader.getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) & ~7;
    try (RandomAccessFile f = new RandomAccessFile(dst.toFile(), "rw")) {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      f.write(length.array());
      f.write(h);
      f.write(" ".repeat(padded - h.length).getBytes(StandardCharsets.US_ASCII));
      f.write(bytes, (int) (8 + headerLength), (int) dataLength);
      f.setLength(8 + padded + dataLength + 4 * elements);
    }
    return dst;
  }

  /** More float elements than this JVM's heap holds, or -1 when that exceeds a Java array. */
  private static int floatsBeyondTheHeap() {
    long n = Runtime.getRuntime().maxMemory() / 4 + (64 << 20);
    return n > Integer.MAX_VALUE - 8 ? -1 : (int) n;
  }

  @Test
  void aHugeTensorTheModelNeverReadsCostsNothing() throws IOException {
    int huge = floatsBeyondTheHeap();
    Assumptions.assumeTrue(huge > 0, "the heap holds any Java array");
    Path batch = withHugeTensor(DIN.resolve("batch_padded.safetensors"), dir.resolve("batch.safetensors"),
        "unused.features", huge);
    Path out = dir.resolve("scores.safetensors");
    SeqrecCliTest.Run r = SeqrecCliTest.run("model", "din", "--weights", DIN.resolve("weights.safetensors").toString(),
        "--in", batch.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    try (SafeTensors got = SafeTensors.open(out); SafeTensors golden = SafeTensors.open(DIN.resolve("batch_padded.safetensors"))) {
      float[] logits = got.floats("logits");
      float[] expected = golden.floats("expected.logits");
      for (int i = 0; i < logits.length; i++) {
        assertThat((double) logits[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(expected[i]))));
      }
    }
  }

  @Test
  void aHugeTensorAKernelReadsIsExitThreeNamingIt() throws IOException {
    int huge = floatsBeyondTheHeap();
    Assumptions.assumeTrue(huge > 0, "the heap holds any Java array");
    Path small = input(Map.of("weight", new Tensor.F32(new int[] {1, 1}, new float[] {1})));
    Path in = withHugeTensor(small, dir.resolve("huge.safetensors"), "x", 1, huge);
    Path out = dir.resolve("o.safetensors");
    SeqrecCliTest.Run r = SeqrecCliTest.run("kernel", "linear", "--in", in.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(SeqrecCli.EXIT_RESOURCES);
    r.assertOneLine("seqrec: out of memory: ", "tensor 'x' F32[1, " + huge + "] needs " + 4L * huge + " bytes", "-Xmx");
    assertThat(Files.exists(out)).isFalse();
  }

  @Test
  void aFifoAsWeightsFailsAtOnce() throws Exception {
    Path fifo = dir.resolve("weights.fifo");
    Process mkfifo;
    try {
      mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    } catch (IOException e) {
      Assumptions.abort("no mkfifo here: " + e);
      return;
    }
    Assumptions.assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");
    try {
      SeqrecCliTest.Run r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> SeqrecCliTest.run("model", "din",
          "--weights", fifo.toString(), "--in", DIN.resolve("batch_padded.safetensors").toString(),
          "--out", dir.resolve("o.safetensors").toString()));
      r.assertBadInput("--weights " + fifo, "not a regular file");
    } finally {
      new ProcessBuilder("sh", "-c", "exec 3<>'" + fifo + "'").start().waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNonFiniteWeightIsExitTwoNamingTheTensor() throws IOException {
    Map<String, Tensor> tensors;
    Map<String, String> metadata;
    try (SafeTensors st = SafeTensors.open(DIN.resolve("weights.safetensors"))) {
      tensors = new TreeMap<>(st.toTensors());
      metadata = st.metadata();
    }
    float[] w = ((Tensor.F32) tensors.get("att.hidden.0.weight")).data().clone();
    w[513] = Float.NaN;
    tensors.put("att.hidden.0.weight", new Tensor.F32(new int[] {80, 512}, w));
    Path weights = dir.resolve("nan.safetensors");
    SafeTensors.write(weights, tensors, metadata);
    Path out = dir.resolve("o.safetensors");
    SeqrecCliTest.run("model", "din", "--weights", weights.toString(), "--in",
        DIN.resolve("batch_padded.safetensors").toString(), "--out", out.toString())
        .assertBadInput("tensor 'att.hidden.0.weight' F32[80, 512] holds NaN at index [1, 1]");
    assertThat(Files.exists(out)).isFalse();
  }
}
