package io.github.seqrec.models.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code target/seqrec.jar} in child JVMs (failsafe runs this after {@code package}):
 * the real {@code main}, the real exit codes and stderr, and --backend chosen before the kernels
 * initialise. The JVM's own "WARNING: Using incubator modules" line is not seqrec's and is ignored.
 */
class SeqrecJarIT {
  private static Path jar;

  @TempDir Path dir;

  @BeforeAll
  static void findJar() {
    String p = System.getProperty("seqrec.jar");
    Assumptions.assumeTrue(p != null, "system property seqrec.jar not set (run through maven-failsafe)");
    jar = Path.of(p);
    Assumptions.assumeTrue(Files.isRegularFile(jar), "no shaded jar at " + jar + " (built at the package phase)");
  }

  record Result(int code, String out, List<String> errLines) {}

  private Result java(boolean vectorModule, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (vectorModule) {
      cmd.add("--add-modules=jdk.incubator.vector");
    }
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    Path out = dir.resolve("stdout.txt");
    Path err = dir.resolve("stderr.txt");
    Process process = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    List<String> errLines = Files.readAllLines(err, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.startsWith("WARNING: Using incubator modules"))
        .toList();
    return new Result(process.exitValue(), Files.readString(out), errLines);
  }

  private static Path golden() throws URISyntaxException {
    return Path.of(SeqrecJarIT.class.getResource("/golden/dense/linear_awkward.safetensors").toURI());
  }

  @Test
  void runsAGoldenCaseOnEachBackend() throws Exception {
    for (String backend : new String[] {"scalar", "vector"}) {
      Path out = dir.resolve(backend + ".safetensors");
      Result r = java(true, "kernel", "linear", "--in", golden().toString(), "--out", out.toString(), "--backend",
          backend);
      assertThat(r.code()).as(r.errLines().toString()).isZero();
      assertThat(r.errLines()).isEmpty();
      assertThat(r.out()).contains("linear: wrote y F32[17, 33] to " + out);
      try (SafeTensors g = SafeTensors.open(golden()); SafeTensors o = SafeTensors.open(out)) {
        assertThat(o.metadata()).containsEntry("kernel", "linear").containsEntry("backend", backend);
        float[] e = g.floats("expected.y", 17, 33);
        float[] a = o.floats("y", 17, 33);
        for (int i = 0; i < e.length; i++) {
          assertThat(Math.abs(a[i] - e[i])).as(backend + " y[" + i + "]").isLessThanOrEqualTo(1e-4f * (Math.abs(e[i]) + 0.1f));
        }
      }
    }
  }

  @Test
  void vectorBackendWithoutTheModuleExitsTwoWithTheFix() throws Exception {
    Result r = java(false, "kernel", "linear", "--in", golden().toString(), "--out", dir.resolve("o").toString(),
        "--backend", "vector");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("seqrec: the vector backend is unavailable: the module "
        + "jdk.incubator.vector is not readable; add '--add-modules jdk.incubator.vector' to the java command line "
        + "to enable the Vector API backend");
    assertThat(Files.exists(dir.resolve("o"))).isFalse();
  }

  @Test
  void badInputIsOneLineAndExitTwo() throws Exception {
    Result r = java(true, "kernel", "no_such_kernel", "--in", golden().toString(), "--out", dir.resolve("o").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.errLines().get(0)).startsWith("seqrec: unknown kernel 'no_such_kernel'; known: ").contains("linear");
  }

  @Test
  void listAndBackend() throws Exception {
    Result list = java(false, "kernel", "--list");
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains("linear - ");
    assertThat(list.errLines()).as("listing touches no kernel, so no backend line").isEmpty();
    Result backend = java(true, "backend");
    assertThat(backend.code()).isZero();
    assertThat(backend.out()).startsWith("backend=vector");
    assertThat(backend.errLines()).as("the INFO line shows only with --verbose").isEmpty();
  }
}
