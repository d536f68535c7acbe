package io.github.seqrec.models.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.github.seqrec.kernels.Backends;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every kernel golden file under {@code src/test/resources/golden/**} (except {@code models/}),
 * run through its {@code KernelOp} on this JVM's backend (surefire runs the module twice: vector,
 * then scalar) and compared with PyTorch's expected outputs by {@link GoldenComparison}. Prints
 * the worst error per kernel at the end.
 */
class KernelGoldenTest {
  private static final Map<String, Worst> WORST = new TreeMap<>();

  private record Worst(int files, double error, String file) {}

  @TestFactory
  Stream<DynamicTest> kernelGoldens() {
    Path root = GoldenRunner.root();
    List<Path> files = GoldenRunner.kernelGoldens(root);
    assertThat(files).as("golden files under " + root).isNotEmpty();
    return files.stream().map(file -> dynamicTest(root.relativize(file).toString(), file.toUri(), () -> {
      GoldenRunner.CaseResult result = GoldenRunner.run(file);
      record(result, root.relativize(file).toString());
    }));
  }

  /**
   * The kernel goldens stay under 5 MB together, and each model's goldens under 700 KB ("a few
   * hundred KB per model"): a budget per model, since every model adds its own directory.
   */
  @Test
  void goldenSetStaysSmall() throws IOException {
    Path root = GoldenRunner.root();
    Path models = root.resolve("models");
    long kernels;
    try (Stream<Path> all = Files.walk(root)) {
      kernels = all.filter(Files::isRegularFile).filter(p -> !p.startsWith(models))
          .mapToLong(p -> p.toFile().length()).sum();
    }
    assertThat(kernels).as("bytes of kernel golden files (keep them under 5 MB)").isLessThan(5L << 20);
    if (Files.isDirectory(models)) {
      try (Stream<Path> dirs = Files.list(models)) {
        for (Path dir : dirs.filter(Files::isDirectory).toList()) {
          long bytes;
          try (Stream<Path> all = Files.walk(dir)) {
            bytes = all.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
          }
          assertThat(bytes).as("bytes of the golden files of model " + dir.getFileName() + " (keep under 700 KB)")
              .isLessThan(700L << 10);
        }
      }
    }
  }

  /** Every golden file, models included, is valid safetensors that reads back completely. */
  @Test
  void everyGoldenFileIsValidSafetensors() throws IOException {
    List<Path> all;
    try (Stream<Path> files = Files.walk(GoldenRunner.root())) {
      all = files.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
    }
    for (Path file : all) {
      try (SafeTensors st = SafeTensors.open(file)) {
        assertThat(st.toTensors()).as(file.toString()).hasSameSizeAs(st.names());
      }
    }
  }

  private static synchronized void record(GoldenRunner.CaseResult result, String file) {
    WORST.merge(result.kernel(), new Worst(1, result.worstError(), file),
        (a, b) -> b.error() > a.error() ? new Worst(a.files() + 1, b.error(), b.file())
            : new Worst(a.files() + 1, a.error(), a.file()));
  }

  @AfterAll
  static synchronized void printWorstErrors() {
    StringBuilder table = new StringBuilder();
    table.append("\nKernel goldens on ").append(Backends.describe()).append('\n');
    table.append(String.format("%-28s %6s %12s  %s%n", "kernel", "files", "worst err", "file"));
    for (Map.Entry<String, Worst> e : WORST.entrySet()) {
      table.append(String.format("%-28s %6d %12.3e  %s%n", e.getKey(), e.getValue().files(), e.getValue().error(),
          e.getValue().file()));
    }
    System.out.print(table);
  }
}
