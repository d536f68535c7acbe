package io.github.seqrec.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.seqrec.kernels.internal.KernelProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The backend this JVM picked matches the surefire run it is in (preferred species, 256-bit,
 * 128-bit, no incubator module), and a JVM without the module logs the fix exactly once.
 */
class BackendSelectionTest {

  @Test
  void theChosenBackendMatchesThisRun() {
    String expectBackend = System.getProperty("seqrec.test.expectBackend", "vector");
    assertThat(Backends.name()).isEqualTo(expectBackend);
    String expectBits = System.getProperty("seqrec.test.expectVectorBits");
    if (expectBits != null) {
      assertThat(Backends.vectorBitSize()).isEqualTo(Integer.parseInt(expectBits));
    }
    assertThat(Backends.describe()).startsWith("backend=" + expectBackend);
  }

  @Test
  void anUnknownForcedBackendIsRejected() throws Exception {
    Process p = childJvm(List.of("--add-modules=jdk.incubator.vector", "-Dseqrec.backend=gpu"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("-Dseqrec.backend must be scalar, vector or auto, got 'gpu'");
    assertThat(p.exitValue()).isNotZero();
  }

  @Test
  void withoutTheIncubatorModuleItFallsBackToScalarAndSaysHowToFixItOnce() throws Exception {
    Process p = childJvm(List.of());
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("BACKEND backend=scalar");
    long hintLines = out.lines().filter(l -> l.contains(KernelProvider.ENABLE_VECTOR_HINT)).count();
    assertThat(hintLines).as(out).isEqualTo(1);
  }

  @Test
  void withTheModuleTheVectorBackendIsChosenWithoutWarnings() throws Exception {
    Process p = childJvm(List.of("--add-modules=jdk.incubator.vector"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("BACKEND backend=vector").doesNotContain("WARNING: seqrec");
  }

  @Test
  void forcingVectorWithoutTheModuleFailsWithTheReason() throws Exception {
    Process p = childJvm(List.of("-Dseqrec.backend=vector"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    assertThat(out).contains("-Dseqrec.backend=vector was requested but the module jdk.incubator.vector is not readable");
  }

  @Test
  void theGemmTileIsNamedAndCanBeForced() throws Exception {
    for (String tile : new String[] {"4x3", "6x2"}) {
      Process p = childJvm(List.of("--add-modules=jdk.incubator.vector", "-Dseqrec.gemm.tile=" + tile));
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(out).as(out).contains("gemm-tile=" + tile + " (forced by -Dseqrec.gemm.tile)");
    }
    Process p = childJvm(List.of("--add-modules=jdk.incubator.vector"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).as(out).containsPattern("gemm-tile=(4x3 \\(32|6x2 \\(16) vector registers\\)");
  }

  @Test
  void anUnknownGemmTileIsRejected() throws Exception {
    Process p = childJvm(List.of("--add-modules=jdk.incubator.vector", "-Dseqrec.gemm.tile=8x8"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("-Dseqrec.gemm.tile must be 4x3, 6x2 or auto, got '8x8'");
    assertThat(p.exitValue()).isNotZero();
  }

  /** Runs {@link ChildMain} in a fresh JVM of the same JDK, stdout and stderr merged. */
  private static Process childJvm(List<String> jvmArgs) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ChildMain.class.getName());
    assumeTrue(Path.of(java).toFile().canExecute(), "no java executable at " + java);
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** Entry point of the child JVM: uses a kernel, then prints the backend. */
  public static final class ChildMain {
    public static void main(String[] args) {
      float dot = Dense.dot(new float[] {1, 2}, 0, new float[] {3, 4}, 0, 2);
      System.out.println("DOT " + dot);
      System.out.println("BACKEND " + Backends.describe());
    }
  }
}
