package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.seqrec.cuda.internal.Ptx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The PTX shipped in the jar: present for every family and target, with the expected entry
 * points and parameter lists, no machine-specific paths, and (where nvcc is installed) identical
 * to what build-ptx.sh produces from the current .cu sources.
 */
class PtxResourcesTest {
  private static final Path CUDA_SOURCES = Path.of("src/main/cuda");
  private static final Path COMMITTED = Path.of("src/main/resources/io/github/seqrec/cuda/ptx");
  private static final Path NVCC = Path.of(System.getProperty("seqrec.nvcc", "/usr/local/cuda/bin/nvcc"));
  private static final String UPDATE = "cuda/src/main/cuda/build-ptx.sh cuda/src/main/resources/io/github/seqrec/cuda/ptx";

  @Test
  void everyFamilyShipsBothTargetsWithItsEntries() {
    for (Map.Entry<String, List<String>> module : Ptx.MODULES.entrySet()) {
      for (Ptx.Target target : Ptx.Target.values()) {
        byte[] ptx = Ptx.load(module.getKey(), target);
        String text = new String(ptx, StandardCharsets.US_ASCII);
        String name = Ptx.resourceName(module.getKey(), target);
        // build-ptx.sh lowers nvcc 13's ISA 9.0 to the lowest ptxas accepts: sm_90 exists since 7.8.
        assertThat(Ptx.isaVersion(ptx)).as(name + " .version").isBetween(63, target == Ptx.Target.SM_90 ? 78 : 70);
        assertThat(text).as(name).contains(".target sm_" + target.minCapability() + "\n");
        assertThat(Ptx.entries(ptx).keySet()).as(name + " entries").containsExactlyInAnyOrderElementsOf(module.getValue());
        assertThat(text).as(name + " must not embed machine paths").doesNotContain("\"/");
      }
    }
  }

  @Test
  void theBuildsNeedDriversOlderThanCuda13() {
    assertThat(Ptx.isaVersion(Ptx.Target.SM_90)).isEqualTo(78);
    assertThat(Ptx.isaVersion(Ptx.Target.COMPUTE_75)).isEqualTo(70);
    assertThat(CudaContext.minimumDriver(Ptx.Target.SM_90)).isEqualTo(11080);
    assertThat(CudaContext.minimumDriver(Ptx.Target.COMPUTE_75)).isEqualTo(11000);
    assertThat(Ptx.minimumDriverFor(63)).isEqualTo(10000);
    assertThat(Ptx.minimumDriverFor(65)).isEqualTo(10020);
    assertThat(Ptx.minimumDriverFor(77)).isEqualTo(11070);
    assertThat(Ptx.minimumDriverFor(80)).isEqualTo(12000);
    assertThat(Ptx.minimumDriverFor(85)).isEqualTo(12050);
    assertThat(Ptx.minimumDriverFor(86)).isEqualTo(12070);
    assertThat(Ptx.minimumDriverFor(88)).isEqualTo(12090);
    assertThat(Ptx.minimumDriverFor(90)).isEqualTo(13000);
    assertThatThrownBy(() -> Ptx.minimumDriverFor(79)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Each shipped image comes with its ptxas -v report (registers, shared memory, spills per kernel). */
  @Test
  void everyImageHasItsResourceReport() throws IOException {
    for (String family : Ptx.MODULES.keySet()) {
      for (Ptx.Target target : Ptx.Target.values()) {
        Path report = COMMITTED.resolve(family + "." + target.fileTag() + ".ptxas.txt");
        String text = Files.readString(report);
        for (String entry : Ptx.MODULES.get(family)) {
          assertThat(text).as(report.toString()).contains("Compiling entry function '" + entry + "' for 'sm_"
              + target.minCapability() + "'");
        }
        assertThat(text).as(report.toString()).contains("registers");
      }
    }
  }

  @Test
  void entrySignaturesMatchTheJavaCallSites() {
    Map<String, List<Ptx.ParamKind>> gemm = Ptx.entries(Ptx.load("dense", Ptx.Target.SM_90));
    assertThat(gemm.get("seqrec_gemm")).hasSize(11).startsWith(Ptx.ParamKind.B64, Ptx.ParamKind.B32);
    Map<String, List<Ptx.ParamKind>> att = Ptx.entries(Ptx.load("attention", Ptx.Target.SM_90));
    assertThat(att.get("seqrec_target_attention")).hasSize(26);
    assertThat(att.get("seqrec_target_attention").get(19)).isEqualTo(Ptx.ParamKind.F32);
    // Both targets declare identical parameter lists.
    for (String family : Ptx.MODULES.keySet()) {
      assertThat(Ptx.entries(Ptx.load(family, Ptx.Target.COMPUTE_75)))
          .as(family).isEqualTo(Ptx.entries(Ptx.load(family, Ptx.Target.SM_90)));
    }
  }

  @Test
  void targetsFollowTheComputeCapability() {
    assertThat(Ptx.targetFor(90)).isEqualTo(Ptx.Target.SM_90);
    assertThat(Ptx.targetFor(100)).isEqualTo(Ptx.Target.SM_90);
    assertThat(Ptx.targetFor(89)).isEqualTo(Ptx.Target.COMPUTE_75);
    assertThat(Ptx.targetFor(75)).isEqualTo(Ptx.Target.COMPUTE_75);
    assertThat(Ptx.targetFor(70)).isNull();
    assertThat(Ptx.withNul(new byte[] {1, 2})).containsExactly(1, 2, 0);
  }

  /**
   * Where nvcc is installed (the same release that built the committed files), the committed PTX
   * must equal what build-ptx.sh makes of the current sources: a .cu edited without regenerating
   * fails here. Uses target/generated-ptx when the nvcc profile made it after the last source
   * change, else runs the script into a temporary folder.
   */
  @Test
  void committedPtxIsFreshWhereNvccExists() throws IOException, InterruptedException {
    Assumptions.assumeTrue(Files.isExecutable(NVCC), "no nvcc at " + NVCC + ": the committed PTX is used as shipped");
    String release = nvccRelease();
    String committedRelease = committedRelease();
    Assumptions.assumeTrue(committedRelease.equals(release), "nvcc here is '" + release
        + "', the committed PTX was made by '" + committedRelease + "': another compiler writes other PTX");
    Path fresh = Path.of("target/generated-ptx");
    if (!Files.isDirectory(fresh) || olderThanSources(fresh)) {
      fresh = Files.createTempDirectory("seqrec-ptx");
      Process p = new ProcessBuilder("bash", CUDA_SOURCES.resolve("build-ptx.sh").toString(), fresh.toString(),
          NVCC.toString()).redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        fail("build-ptx.sh failed:\n" + log);
      }
    }
    List<String> stale = new ArrayList<>();
    for (String family : Ptx.MODULES.keySet()) {
      for (Ptx.Target target : Ptx.Target.values()) {
        for (String suffix : List.of(".ptx", ".ptxas.txt")) {
          String file = family + "." + target.fileTag() + suffix;
          byte[] built = Files.readAllBytes(fresh.resolve(file));
          byte[] shipped = Files.readAllBytes(COMMITTED.resolve(file));
          if (!java.util.Arrays.equals(built, shipped)) {
            stale.add(file);
          }
        }
      }
    }
    if (!stale.isEmpty()) {
      fail("the committed PTX differs from its .cu sources for " + stale + "; regenerate with: " + UPDATE);
    }
  }

  private static boolean olderThanSources(Path generated) throws IOException {
    FileTime built = Files.getLastModifiedTime(generated.resolve("dense.sm_90.ptx"));
    try (Stream<Path> sources = Files.list(CUDA_SOURCES)) {
      for (Path s : (Iterable<Path>) sources::iterator) {
        if (Files.getLastModifiedTime(s).compareTo(built) > 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static String nvccRelease() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(NVCC.toString(), "--version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.lines().filter(l -> l.startsWith("Cuda compilation tools")).findFirst().orElse(out).trim();
  }

  private static String committedRelease() {
    String text = new String(Ptx.load("dense", Ptx.Target.SM_90), StandardCharsets.US_ASCII);
    return text.lines().filter(l -> l.startsWith("// Cuda compilation tools")).findFirst()
        .map(l -> l.substring(3).trim()).orElse("unknown");
  }
}
