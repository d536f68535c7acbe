package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.ModelBatch;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.safetensors.SafeTensorsFormatException;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzz suite: thousands of mutated weight files and batch files per run, made from the model
 * goldens by seeded mutations (truncations, appended bytes, header bit flips, dtype and shape swaps
 * that keep the byte count, offset games, huge and negative dims, NaN and infinity injection,
 * out-of-vocabulary ids and lengths, garbage in padding, missing, extra and renamed tensors,
 * harmless rewrites of the header). For each input the outcome must be one of:
 *
 * <ul>
 *   <li><b>clean error</b>: the documented exceptions (an {@link IllegalArgumentException} or
 *       {@link BadInputException} naming what is wrong, a {@link SafeTensorsFormatException}, a
 *       {@link FileSystemException}, an {@link OutOfMemoryError} naming a tensor), which the CLI
 *       maps to exit 2 (3 for memory);
 *   <li><b>identical</b>: logits equal to those of the unmutated input (within 1e-6 relative; in
 *       practice bit-identical);
 *   <li>anything else (another exception, a hang past {@link #TIMEOUT_S} s, a changed output) fails
 *       the suite.
 * </ul>
 *
 * <p>Every mutation is one whose honest answer is an error or the original result: value edits
 * that make a different valid input (another valid item id, another finite weight) are not
 * generated, since no reader can tell them from the original. One input in {@link #CLI_EVERY}
 * also runs through {@code seqrec model} in-process: its exit code must agree (0 with the same
 * logits, 2 or 3 with one stderr line and no stack trace). Seeded ({@code -Dseqrec.fuzz.seed}):
 * a failure prints the seed, the input's index and the mutation, so it replays. {@code
 * -Dseqrec.fuzz.weights} and {@code -Dseqrec.fuzz.batches} set the counts.
 */
class MutatedInputsFuzzTest {
  private static final long SEED = Long.getLong("seqrec.fuzz.seed", 0x5EC_2EC_14L);
  /**
   * The scalar-backend run of the module's suite repeats a quarter of the inputs: what the fuzz
   * checks (parsing, shapes, ranges) does not depend on the backend, and scalar scoring is slower.
   */
  private static final int SCALE = io.github.seqrec.kernels.Backends.name().equals("scalar") ? 4 : 1;
  private static final int WEIGHT_INPUTS = Integer.getInteger("seqrec.fuzz.weights", 1200) / SCALE;
  private static final int BATCH_INPUTS = Integer.getInteger("seqrec.fuzz.batches", 2400) / SCALE;
  private static final int CLI_EVERY = 20;
  private static final long TIMEOUT_S = 30;
  private static final Path ROOT = Path.of("src/test/resources/golden/models");

  /** One golden model and batch the mutations start from. */
  record Case(String model, Path weights, Path batchFile, Map<String, String> options, SequentialModel loaded,
              ModelBatch batch, float[] baseline, RawFile rawWeights, RawFile rawBatch,
              Map<String, Tensor> batchTensors, int items, int cates) {}

  /** One mutated file: its kind (for the per-kind table), what was done (to replay), its bytes. */
  record Mutation(String kind, String what, byte[] bytes) {}

  enum Outcome { CLEAN_ERROR, IDENTICAL, OTHER }

  private static final List<Case> CASES = new ArrayList<>();
  private static final Map<String, int[]> BY_KIND = new TreeMap<>();
  private static final List<String> PROBLEMS = Collections.synchronizedList(new ArrayList<>());
  private static final int[] TOTALS = new int[Outcome.values().length + 1]; // + CLI runs
  private static ExecutorService worker;

  @TempDir static Path tempDir;
  private static Path dir;

  @BeforeAll
  static void loadCases() throws IOException {
    Path shm = Path.of("/dev/shm");
    dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "seqrec-fuzz") : tempDir;
    worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fuzz-input");
      t.setDaemon(true);
      return t;
    });
    String[][] goldens = {
        {"din", "batch_padded"}, {"dien", "batch_padded"}, {"tim", "batch_padded"}, {"sim", "batch_soft_padded"},
        {"sim", "batch_hard_padded"}, {"eta", "batch_padded"}, {"twin", "batch_padded"},
        {"twin_v2", "batch_padded"}, {"twin_v2", "batch_cluster_small"}};
    for (String[] g : goldens) {
      Path weights = ROOT.resolve(g[0]).resolve("weights.safetensors");
      Path batchFile = ROOT.resolve(g[0]).resolve(g[1] + ".safetensors");
      Map<String, String> weightMeta;
      Map<String, String> batchMeta;
      Map<String, Tensor> tensors;
      try (SafeTensors w = SafeTensors.open(weights); SafeTensors b = SafeTensors.open(batchFile)) {
        weightMeta = w.metadata();
        batchMeta = b.metadata();
        tensors = ModelCommand.batchTensors(b);
      }
      // Options are what the batch's case changes (gsu=hard, input=raw), nothing that would
      // override a hyperparameter a weight mutation touches.
      Map<String, String> options = new TreeMap<>();
      batchMeta.forEach((k, v) -> {
        if (!k.equals("case") && !k.equals("source") && !k.equals("model") && !k.equals("rtol") && !k.equals("atol")
            && !v.equals(weightMeta.get(k))) {
          options.put(k, v);
        }
      });
      SequentialModel loaded = Models.load(g[0], weights, options);
      ModelBatch batch = ModelBatch.of(tensors);
      float[] baseline = batch.score(loaded);
      CASES.add(new Case(g[0], weights, batchFile, options, loaded, batch, baseline, RawFile.read(weights),
          RawFile.read(batchFile), tensors, Integer.parseInt(weightMeta.get("n_items")),
          Integer.parseInt(weightMeta.get("n_cates"))));
    }
  }

  @AfterAll
  static void report() throws IOException {
    if (worker != null) {
      worker.shutdownNow();
    }
    if (dir != null && !dir.equals(tempDir)) {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The two runs

  @Test
  void mutatedWeightFiles() throws Exception {
    SplittableRandom random = new SplittableRandom(SEED);
    int[] counts = new int[4];
    for (int i = 0; i < WEIGHT_INPUTS; i++) {
      Case c = CASES.get(i % CASES.size());
      Mutation m = mutateWeights(c, random.split());
      Path file = dir.resolve("w-" + c.model() + ".safetensors");
      Files.write(file, m.bytes());
      String replay = "weights input " + i + " (seed " + SEED + ", " + c.model() + ", " + m.kind() + ": " + m.what() + ")";
      Outcome o = run(replay, m.kind(), () -> compare(c, c.batch().score(Models.load(c.model(), file, c.options()))));
      counts[o.ordinal()]++;
      if (i % CLI_EVERY == 0) {
        cli(c, file, c.batchFile(), o, replay);
        counts[3]++;
      }
    }
    summarize("weight files", counts);
  }

  @Test
  void mutatedBatchFiles() throws Exception {
    SplittableRandom random = new SplittableRandom(SEED ^ 0xBA7C4L);
    int[] counts = new int[4];
    for (int i = 0; i < BATCH_INPUTS; i++) {
      Case c = CASES.get(i % CASES.size());
      Mutation m = mutateBatch(c, random.split());
      Path file = dir.resolve("b-" + c.model() + ".safetensors");
      Files.write(file, m.bytes());
      String replay = "batch input " + i + " (seed " + SEED + ", " + c.model() + "/" + c.batchFile().getFileName() + ", "
          + m.kind() + ": " + m.what() + ")";
      Outcome o = run(replay, m.kind(), () -> {
        Map<String, Tensor> tensors;
        try (SafeTensors st = SafeTensors.open(file)) {
          tensors = ModelCommand.batchTensors(st);
        }
        ModelBatch batch = ModelBatch.of(tensors);
        if (batch.users() * (long) batch.candidates() != c.baseline().length) {
          return compare(c, new float[0]);
        }
        return compare(c, batch.score(c.loaded()));
      });
      counts[o.ordinal()]++;
      if (i % CLI_EVERY == 0) {
        cli(c, c.weights(), file, o, replay);
        counts[3]++;
      }
    }
    summarize("batch files", counts);
  }

  private interface Input {
    Outcome call() throws Exception;
  }

  private static Outcome compare(Case c, float[] logits) {
    if (logits.length != c.baseline().length) {
      return Outcome.OTHER;
    }
    for (int i = 0; i < logits.length; i++) {
      if (!(Math.abs(logits[i] - c.baseline()[i]) <= 1e-6 * Math.max(1, Math.abs(c.baseline()[i])))) {
        return Outcome.OTHER;
      }
    }
    return Outcome.IDENTICAL;
  }

  /** Runs one input on the worker thread with a timeout and classifies what came back. */
  private static Outcome run(String replay, String kind, Input input) {
    Future<Outcome> f = worker.submit(input::call);
    Outcome o;
    Throwable failure = null;
    try {
      o = f.get(TIMEOUT_S, TimeUnit.SECONDS);
      if (o == Outcome.OTHER) {
        PROBLEMS.add(replay + ": exit-0 result differs from the unmutated input's");
      }
    } catch (TimeoutException e) {
      f.cancel(true);
      PROBLEMS.add(replay + ": no answer within " + TIMEOUT_S + " s (hang)");
      worker.shutdownNow();
      worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-input");
        t.setDaemon(true);
        return t;
      });
      o = Outcome.OTHER;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      failure = e.getCause();
      o = isClean(failure) ? Outcome.CLEAN_ERROR : Outcome.OTHER;
      if (o == Outcome.OTHER) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        PROBLEMS.add(replay + ": " + trace.toString().lines().limit(8).reduce((a, b) -> a + "\n    " + b).orElse(""));
      }
    }
    synchronized (BY_KIND) {
      BY_KIND.computeIfAbsent(kind, k -> new int[3])[o.ordinal()]++;
      TOTALS[o.ordinal()]++;
    }
    return o;
  }

  /** The documented errors, each with a message. */
  static boolean isClean(Throwable t) {
    boolean documented = t instanceof IllegalArgumentException
        || t instanceof BadInputException
        || t instanceof SafeTensorsFormatException
        || t instanceof FileSystemException
        || (t instanceof UncheckedIOException u && u.getCause() instanceof SafeTensorsFormatException)
        || (t instanceof OutOfMemoryError && String.valueOf(t.getMessage()).contains("tensor '"));
    return documented && t.getMessage() != null && !t.getMessage().isBlank();
  }

  /** The same input through {@code seqrec model}: the exit code must agree with the library's outcome. */
  private static void cli(Case c, Path weights, Path batch, Outcome library, String replay) throws IOException {
    Path out = dir.resolve("cli-out.safetensors");
    Files.deleteIfExists(out);
    List<String> args = new ArrayList<>(List.of("model", c.model(), "--weights", weights.toString(), "--in",
        batch.toString(), "--out", out.toString()));
    c.options().forEach((k, v) -> args.addAll(List.of("--option", k + "=" + v)));
    StringWriter err = new StringWriter();
    int code = SeqrecCli.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(String[]::new));
    synchronized (BY_KIND) {
      TOTALS[3]++;
    }
    String e = err.toString();
    if (code == 0) {
      float[] logits;
      try (SafeTensors st = SafeTensors.open(out)) {
        logits = st.floats("logits");
      }
      if (library != Outcome.IDENTICAL || compare(c, logits) != Outcome.IDENTICAL) {
        PROBLEMS.add(replay + ": CLI exit 0 but the library said " + library + " or the logits differ");
      }
      return;
    }
    boolean oneLine = e.lines().count() == 1 && e.startsWith("seqrec: ") && !e.contains("\tat ");
    if ((code != SeqrecCli.EXIT_BAD_INPUT && code != SeqrecCli.EXIT_RESOURCES) || !oneLine
        || library != Outcome.CLEAN_ERROR || Files.exists(out)) {
      PROBLEMS.add(replay + ": CLI exit " + code + " (library: " + library + "), stderr: " + e.strip());
    }
  }

  private static void summarize(String what, int[] counts) {
    int tried = counts[0] + counts[1] + counts[2];
    StringBuilder sb = new StringBuilder(String.format(
        "fuzz %s: %d inputs tried, %d clean errors, %d identical results, %d anything else; %d also run through the CLI%n",
        what, tried, counts[0], counts[1], counts[2], counts[3]));
    synchronized (BY_KIND) {
      BY_KIND.forEach((k, v) -> sb.append(String.format("  %-26s clean %5d  identical %5d  other %3d%n", k, v[0], v[1], v[2])));
    }
    System.out.print(sb);
    List<String> problems;
    synchronized (PROBLEMS) {
      problems = new ArrayList<>(PROBLEMS);
      PROBLEMS.clear();
    }
    synchronized (BY_KIND) {
      BY_KIND.clear();
    }
    assertThat(problems).as(what + ": inputs that were neither a clean error nor an identical result (first 15 of "
        + problems.size() + ")").isEmpty();
    assertThat(counts[0]).as("clean errors").isGreaterThan(tried / 4);
    assertThat(counts[1]).as("identical results").isGreaterThan(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Mutations shared by both kinds of file

  private static final long[] HUGE = {Integer.MAX_VALUE, 1L << 31, (1L << 32) + 1, 1L << 40, 1L << 62,
      Long.MAX_VALUE, -1, Integer.MIN_VALUE, Long.MIN_VALUE};

  private static <T> T pick(SplittableRandom r, List<T> list) {
    return list.get(r.nextInt(list.size()));
  }

  private static long pick(SplittableRandom r, long[] values) {
    return values[r.nextInt(values.length)];
  }

  /** Byte-level and header-level mutations; null when the kind does not apply to this file. */
  private static Mutation structural(RawFile original, SplittableRandom r, int kind) {
    byte[] bytes = original.bytes();
    RawFile f = original.copy();
    switch (kind) {
      case 0 -> {
        int length = r.nextInt(bytes.length);
        return new Mutation("truncate", "to " + length + " bytes", Arrays.copyOf(bytes, length));
      }
      case 1 -> {
        int n = 1 + r.nextInt(64);
        byte[] longer = Arrays.copyOf(bytes, bytes.length + n);
        for (int i = bytes.length; i < longer.length; i++) {
          longer[i] = (byte) r.nextInt(256);
        }
        return new Mutation("append", n + " bytes", longer);
      }
      case 2 -> {
        // Bit flips in the header outside __metadata__ (a flipped hyperparameter is a different model).
        int[] span = entriesSpan(f.header());
        int flips = 1 + r.nextInt(3);
        StringBuilder at = new StringBuilder();
        for (int k = 0; k < flips; k++) {
          int pos = 8 + span[0] + r.nextInt(span[1] - span[0]);
          bytes[pos] ^= (byte) (1 << r.nextInt(8));
          at.append(pos).append(' ');
        }
        return new Mutation("header bit flip", "at " + at.toString().strip(), bytes);
      }
      case 3 -> {
        long value = r.nextBoolean() ? pick(r, HUGE) : (bytes.length - 8) + r.nextInt(-16, 17);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
        return new Mutation("header length", "set to " + value, bytes);
      }
      case 4 -> {
        RawFile.Entry e = pick(r, f.entries);
        long[] shape = e.shape;
        if (shape.length == 0 || r.nextInt(4) == 0) {
          e.shape = Arrays.copyOf(shape, shape.length + 1);
          e.shape[shape.length] = pick(r, HUGE);
        } else {
          e.shape[r.nextInt(shape.length)] = pick(r, HUGE);
        }
        return new Mutation("huge dim", e.name + " shape " + Arrays.toString(e.shape), f.bytes());
      }
      case 5 -> {
        RawFile.Entry e = pick(r, f.entries);
        switch (r.nextInt(5)) {
          case 0 -> e.begin += r.nextBoolean() ? 1 + r.nextInt(16) : -(1 + r.nextInt(16));
          case 1 -> e.end += r.nextBoolean() ? 1 + r.nextInt(16) : -(1 + r.nextInt(16));
          case 2 -> {
            long b = e.begin;
            e.begin = e.end;
            e.end = b;
          }
          case 3 -> e.begin = pick(r, HUGE);
          default -> e.end = pick(r, HUGE);
        }
        if (e.begin == original.entry(e.name).begin && e.end == original.entry(e.name).end) {
          e.end += 8; // a swap of equal offsets changed nothing
        }
        return new Mutation("offset game", e.name + " data_offsets [" + e.begin + ", " + e.end + "]", f.bytes());
      }
      case 6 -> {
        // Same bytes, other dtype of the same width: a file that is valid but says something else.
        List<RawFile.Entry> swappable = f.entries.stream().filter(e -> widthTwin(e.dtype) != null).toList();
        if (swappable.isEmpty()) {
          return null;
        }
        RawFile.Entry e = pick(r, swappable);
        String from = e.dtype;
        e.dtype = widthTwin(e.dtype);
        return new Mutation("dtype swap", e.name + " " + from + " -> " + e.dtype, f.bytes());
      }
      case 7 -> {
        // Same elements, other shape (a permutation, a flattening, an added unit axis, a split).
        List<RawFile.Entry> reshapeable = f.entries.stream().filter(e -> e.elements() > 1).toList();
        if (reshapeable.isEmpty()) {
          return null;
        }
        RawFile.Entry e = pick(r, reshapeable);
        long[] before = e.shape.clone();
        e.shape = reshape(before, r);
        return new Mutation("shape swap", e.name + " " + Arrays.toString(before) + " -> " + Arrays.toString(e.shape),
            f.bytes());
      }
      case 8 -> {
        // Narrower dtype with the last axis doubled (I64 -> I32, F32 -> F16/BF16): the same bytes read as other values.
        List<RawFile.Entry> narrowable = f.entries.stream()
            .filter(e -> (e.dtype.equals("I64") || e.dtype.equals("F32")) && e.shape.length > 0 && e.elements() > 0)
            .toList();
        if (narrowable.isEmpty()) {
          return null;
        }
        RawFile.Entry e = pick(r, narrowable);
        String from = e.dtype;
        e.dtype = e.dtype.equals("I64") ? "I32" : (r.nextBoolean() ? "F16" : "BF16");
        e.shape[e.shape.length - 1] *= 2;
        return new Mutation("narrow dtype", e.name + " " + from + " -> " + e.dtype + Arrays.toString(e.shape), f.bytes());
      }
      case 9 -> {
        // Harmless rewrites: entry order, whitespace, header padding. The result must not change.
        Collections.shuffle(f.entries, new java.util.Random(r.nextLong()));
        String header = f.header();
        StringBuilder spaced = new StringBuilder();
        for (char ch : header.toCharArray()) {
          spaced.append(ch);
          if ((ch == ',' || ch == ':' || ch == '{') && r.nextInt(3) == 0) {
            spaced.append(" \n\t\r".charAt(r.nextInt(4)));
          }
        }
        return new Mutation("harmless rewrite", "entries shuffled, whitespace added", f.bytes(spaced.toString()));
      }
      case 10 -> {
        RawFile.Entry e = pick(r, f.entries);
        String before = e.name;
        switch (r.nextInt(3)) {
          case 0 -> f.entries.remove(e);
          case 1 -> e.name = e.name + "_";
          default -> {
            // a duplicate key: the JSON reader must refuse it
            String header = f.header();
            String entry = e.json();
            return new Mutation("duplicate key", before, f.bytes(header.substring(0, header.length() - 1) + "," + entry + "}"));
          }
        }
        return new Mutation("remove or rename", before + (f.entries.contains(e) ? " -> " + e.name : " removed"),
            f.bytes());
      }
      default -> {
        // Structural JSON damage: a character of the header replaced by a JSON-significant one.
        int[] span = entriesSpan(f.header());
        int pos = 8 + span[0] + r.nextInt(span[1] - span[0]);
        String alphabet = "{}[]\",:-0123456789 \\";
        bytes[pos] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
        return new Mutation("json damage", "byte " + pos + " = '" + (char) bytes[pos] + "'", bytes);
      }
    }
  }

  private static final int STRUCTURAL_KINDS = 12;

  /** Byte range of the header after its metadata (the tensor entries), as UTF-8 offsets. */
  private static int[] entriesSpan(String header) {
    int from = header.contains("\"__metadata__\"") ? metadataEnd(header) : 1;
    return new int[] {header.substring(0, from).getBytes(StandardCharsets.UTF_8).length,
        header.getBytes(StandardCharsets.UTF_8).length};
  }

  /** The end (exclusive) of the {@code "__metadata__":{...}} member that {@link RawFile#header()} writes first. */
  private static int metadataEnd(String header) {
    int i = header.indexOf("\"__metadata__\":{") + "\"__metadata__\":{".length();
    boolean inString = false;
    for (; i < header.length(); i++) {
      char ch = header.charAt(i);
      if (inString) {
        if (ch == '\\') {
          i++;
        } else if (ch == '"') {
          inString = false;
        }
      } else if (ch == '"') {
        inString = true;
      } else if (ch == '}') {
        return i + 1;
      }
    }
    throw new AssertionError("unterminated metadata in " + header);
  }

  private static String widthTwin(String dtype) {
    return switch (dtype) {
      case "F32" -> "I32";
      case "I32" -> "F32";
      case "I64" -> "F64";
      case "F64" -> "I64";
      case "F16" -> "BF16";
      case "BF16" -> "F16";
      case "U8" -> "BOOL";
      case "BOOL" -> "U8";
      default -> null;
    };
  }

  private static long[] reshape(long[] shape, SplittableRandom r) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    for (int attempt = 0; attempt < 8; attempt++) {
      long[] s = switch (r.nextInt(4)) {
        case 0 -> {
          long[] p = shape.clone();
          for (int i = p.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = p[i];
            p[i] = p[j];
            p[j] = t;
          }
          yield p;
        }
        case 1 -> new long[] {n};
        case 2 -> {
          long[] p = new long[shape.length + 1];
          int at = r.nextInt(p.length);
          for (int i = 0, k = 0; i < p.length; i++) {
            p[i] = i == at ? 1 : shape[k++];
          }
          yield p;
        }
        default -> {
          long div = 2;
          while (div < n && n % div != 0) {
            div++;
          }
          yield div < n ? new long[] {div, n / div} : new long[] {n, 1};
        }
      };
      if (!Arrays.equals(s, shape)) {
        return s;
      }
    }
    return new long[] {n, 1};
  }

  // ---------------------------------------------------------------------------------------------
  // Weight files

  private static Mutation mutateWeights(Case c, SplittableRandom r) {
    while (true) {
      int kind = r.nextInt(STRUCTURAL_KINDS + 2);
      Mutation m = kind < STRUCTURAL_KINDS ? structural(c.rawWeights(), r, kind)
          : kind == STRUCTURAL_KINDS ? nonFiniteWeight(c.rawWeights(), r) : extraTensor(c.rawWeights(), r);
      if (m != null) {
        return m;
      }
    }
  }

  /** One element of a float tensor set to NaN or an infinity: the load must refuse it. */
  private static Mutation nonFiniteWeight(RawFile original, SplittableRandom r) {
    RawFile f = original.copy();
    List<RawFile.Entry> floats = f.entries.stream().filter(e -> e.dtype.equals("F32") && e.elements() > 0).toList();
    RawFile.Entry e = pick(r, floats);
    int index = r.nextInt((int) e.elements());
    float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7FA00001)};
    float value = bad[r.nextInt(bad.length)];
    ByteBuffer.wrap(f.data).order(ByteOrder.LITTLE_ENDIAN).putFloat((int) e.begin + 4 * index, value);
    return new Mutation("non-finite weight", e.name + "[" + index + "] = " + value, f.bytes());
  }

  /** An extra tensor no model reads, at the end of the data: loads may refuse or ignore it, never change. */
  private static Mutation extraTensor(RawFile original, SplittableRandom r) {
    RawFile f = original.copy();
    int n = 1 + r.nextInt(8);
    long begin = f.data.length;
    f.data = Arrays.copyOf(f.data, f.data.length + 4 * n);
    f.entries.add(new RawFile.Entry("zz_unrelated." + r.nextInt(1000), "F32", new long[] {n}, begin, begin + 4L * n));
    return new Mutation("extra tensor", n + " floats", f.bytes());
  }

  // ---------------------------------------------------------------------------------------------
  // Batch files

  private static Mutation mutateBatch(Case c, SplittableRandom r) throws IOException {
    while (true) {
      int kind = r.nextInt(STRUCTURAL_KINDS + 6);
      Mutation m;
      if (kind < STRUCTURAL_KINDS) {
        m = structural(c.rawBatch(), r, kind);
      } else {
        m = switch (kind - STRUCTURAL_KINDS) {
          case 0, 1 -> badValue(c, r);
          case 2, 3 -> paddingGarbage(c, r);
          case 4 -> tensorLevel(c, r);
          default -> sameValuesOtherIntDtype(c, r);
        };
      }
      if (m != null) {
        return m;
      }
    }
  }

  private static byte[] write(Map<String, Tensor> tensors) throws IOException {
    Path tmp = dir.resolve("batch-build.safetensors");
    SafeTensors.write(tmp, tensors);
    return Files.readAllBytes(tmp);
  }

  private static String prefix(Map<String, Tensor> tensors) {
    return tensors.containsKey("raw_items") && !tensors.containsKey("hist_items") ? "raw_" : "hist_";
  }

  private static long[] longs(Tensor t) {
    return switch (t) {
      case Tensor.I64 l -> l.data().clone();
      case Tensor.I32 i -> Arrays.stream(i.data()).asLongStream().toArray();
      default -> throw new AssertionError(t.describe());
    };
  }

  /** An id or length that is out of range, inside the window the model reads: must be refused. */
  private static Mutation badValue(Case c, SplittableRandom r) throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>(c.batchTensors());
    String p = prefix(t);
    long[] lengths = longs(t.get(p + "len"));
    int users = lengths.length;
    int b = r.nextInt(users);
    List<String> targets = new ArrayList<>(List.of(p + "len", "cand_items"));
    if (lengths[b] > 0) {
      targets.add(p + "items");
    }
    if (t.containsKey("cand_cates")) {
      targets.add("cand_cates");
    }
    if (t.containsKey(p + "cates") && lengths[b] > 0) {
      targets.add(p + "cates");
    }
    if (t.containsKey(p + "num") && lengths[b] > 0) {
      targets.add(p + "num");
    }
    String name = pick(r, targets);
    Tensor tensor = t.get(name);
    int[] shape = tensor.shape();
    if (name.equals(p + "num")) {
      float[] data = ((Tensor.F32) tensor).data().clone();
      int j = shape[2];
      int at = (b * shape[1] + r.nextInt((int) lengths[b])) * j + r.nextInt(j);
      data[at] = r.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY;
      t.put(name, new Tensor.F32(shape, data));
      return new Mutation("bad value", name + "[" + at + "] = " + data[at], write(t));
    }
    long[] data = longs(tensor);
    int at;
    long value;
    if (name.equals(p + "len")) {
      at = b;
      long[] bad = {-1, shape.length == 1 ? c.batchTensors().get(p + "items").shape()[1] + 1 : 0, Integer.MAX_VALUE,
          1L << 31, 1L << 40, Long.MIN_VALUE};
      value = pick(r, bad);
    } else {
      int width = shape[1];
      int valid = name.startsWith("cand_") ? width : (int) lengths[b];
      at = b * width + r.nextInt(valid);
      int vocabulary = (name.endsWith("cates") ? c.cates() : c.items()) + 1;
      long[] bad = {0, -1, vocabulary, vocabulary + 1000L, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 40};
      value = pick(r, bad);
    }
    data[at] = value;
    t.put(name, new Tensor.I64(shape, data));
    return new Mutation("bad value", name + "[" + at + "] = " + value, write(t));
  }

  /** Garbage in the padding past each user's length: the model must ignore it (or refuse it). */
  private static Mutation paddingGarbage(Case c, SplittableRandom r) throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>(c.batchTensors());
    String p = prefix(t);
    long[] lengths = longs(t.get(p + "len"));
    List<String> histories = t.keySet().stream().filter(n -> n.startsWith(p) && !n.equals(p + "len")).toList();
    String name = pick(r, histories);
    Tensor tensor = t.get(name);
    int[] shape = tensor.shape();
    int slots = shape[1];
    int width = shape.length == 3 ? shape[2] : 1;
    int b = r.nextInt(lengths.length);
    if (lengths[b] >= slots) {
      return null;
    }
    int from = (int) lengths[b];
    int count = 1 + r.nextInt(slots - from);
    if (tensor instanceof Tensor.F32 f) {
      float[] data = f.data().clone();
      for (int k = 0; k < count; k++) {
        data[(b * slots + from + r.nextInt(slots - from)) * width + r.nextInt(width)] =
            r.nextInt(4) == 0 ? Float.NaN : (float) r.nextGaussian() * 1e6f;
      }
      t.put(name, new Tensor.F32(shape, data));
    } else {
      long[] data = longs(tensor);
      for (int k = 0; k < count; k++) {
        data[(b * slots + from + r.nextInt(slots - from)) * width + r.nextInt(width)] =
            r.nextInt(-1_000_000, 1_000_000);
      }
      t.put(name, new Tensor.I64(shape, data));
    }
    return new Mutation("padding garbage", count + " values of " + name + " past user " + b + "'s length " + from,
        write(t));
  }

  /** Whole-tensor edits: a missing one, a reshaped one (same data), one with another row count, an extra one. */
  private static Mutation tensorLevel(Case c, SplittableRandom r) throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>(c.batchTensors());
    String name = pick(r, new ArrayList<>(t.keySet()));
    Tensor tensor = t.get(name);
    int[] shape = tensor.shape();
    switch (r.nextInt(4)) {
      case 0 -> {
        t.remove(name);
        return new Mutation("tensor removed", name, write(t));
      }
      case 1 -> {
        long[] s = reshape(Arrays.stream(shape).asLongStream().toArray(), r);
        int[] to = Arrays.stream(s).mapToInt(Math::toIntExact).toArray();
        t.put(name, withShape(tensor, to));
        return new Mutation("tensor reshaped", name + " " + Arrays.toString(shape) + " -> " + Arrays.toString(to), write(t));
      }
      case 2 -> {
        // One user more or fewer in this tensor only (rows copied or dropped).
        if (shape.length == 0 || shape[0] == 0) {
          return null;
        }
        int rows = r.nextBoolean() ? shape[0] - 1 : shape[0] + 1;
        int[] to = shape.clone();
        to[0] = rows;
        t.put(name, resizeRows(tensor, to));
        return new Mutation("rows changed", name + " " + Arrays.toString(shape) + " -> " + Arrays.toString(to), write(t));
      }
      default -> {
        t.put("zz_unrelated", new Tensor.F32(new int[] {3}, new float[] {Float.NaN, 1, 2}));
        return new Mutation("extra tensor", "zz_unrelated F32[3]", write(t));
      }
    }
  }

  /** The same values as I32 instead of I64 (or back): ModelBatch accepts both, so the result must not change. */
  private static Mutation sameValuesOtherIntDtype(Case c, SplittableRandom r) throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>(c.batchTensors());
    List<String> ints = t.keySet().stream().filter(n -> t.get(n) instanceof Tensor.I64).toList();
    String name = pick(r, ints);
    Tensor.I64 l = (Tensor.I64) t.get(name);
    int[] data = new int[l.data().length];
    for (int i = 0; i < data.length; i++) {
      data[i] = Math.toIntExact(l.data()[i]);
    }
    t.put(name, new Tensor.I32(l.shape(), data));
    return new Mutation("I64 as I32", name, write(t));
  }

  private static Tensor withShape(Tensor t, int[] shape) {
    return switch (t) {
      case Tensor.F32 f -> new Tensor.F32(shape, f.data());
      case Tensor.I64 l -> new Tensor.I64(shape, l.data());
      case Tensor.I32 i -> new Tensor.I32(shape, i.data());
      case Tensor.Bool b -> new Tensor.Bool(shape, b.data());
    };
  }

  private static Tensor resizeRows(Tensor t, int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    int size = (int) n;
    Function<Integer, Integer> src = i -> i % Math.max(1, (int) t.size());
    return switch (t) {
      case Tensor.F32 f -> {
        float[] d = new float[size];
        for (int i = 0; i < size; i++) {
          d[i] = f.data()[src.apply(i)];
        }
        yield new Tensor.F32(shape, d);
      }
      case Tensor.I64 l -> {
        long[] d = new long[size];
        for (int i = 0; i < size; i++) {
          d[i] = l.data()[src.apply(i)];
        }
        yield new Tensor.I64(shape, d);
      }
      case Tensor.I32 i32 -> {
        int[] d = new int[size];
        for (int i = 0; i < size; i++) {
          d[i] = i32.data()[src.apply(i)];
        }
        yield new Tensor.I32(shape, d);
      }
      case Tensor.Bool b -> new Tensor.Bool(shape, new boolean[size]);
    };
  }
}
