package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;
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
        assertThat(Ptx.isaVersion(ptx)).as(name + " .version").isEqualTo(90);
        assertThat(text).as(name).contains(".target sm_" + target.minCapability() + "\n");
        assertThat(Ptx.entries(ptx).keySet()).as(name + " entries").containsExactlyInAnyOrderElementsOf(module.getValue());
        assertThat(text).as(name + " must not embed machine paths").doesNotContain("\"/");
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
        String file = family + "." + target.fileTag() + ".ptx";
        byte[] built = Files.readAllBytes(fresh.resolve(file));
        byte[] shipped = Files.readAllBytes(COMMITTED.resolve(file));
        if (!java.util.Arrays.equals(built, shipped)) {
          stale.add(file);
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
