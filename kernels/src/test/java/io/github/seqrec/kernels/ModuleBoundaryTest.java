package io.github.seqrec.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.modulecheck.ModulePathChild;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The module boundary: the descriptor javac compiled exports the API package alone, the backend
 * constructors are not public, and on the module path (child JVMs; the suite itself runs on the
 * class path) the kernels are a named module that hides its backends and still picks the vector
 * backend, or falls back to scalar with its one warning when {@code jdk.incubator.vector} is absent.
 */
class ModuleBoundaryTest {

  @Test
  void theDescriptorExportsOnlyTheApiPackage() throws IOException, URISyntaxException {
    // ModuleFinder scans the exploded classes (or the jar) for the packages, which a bare
    // module-info.class compiled by javac does not list.
    ModuleDescriptor descriptor = java.lang.module.ModuleFinder.of(location(Backends.class))
        .find("io.github.seqrec.kernels").orElseThrow().descriptor();
    assertThat(descriptor.name()).isEqualTo("io.github.seqrec.kernels");
    assertThat(descriptor.exports()).hasSize(1);
    ModuleDescriptor.Exports api = descriptor.exports().iterator().next();
    assertThat(api.source()).isEqualTo("io.github.seqrec.kernels");
    assertThat(api.isQualified()).isFalse();
    assertThat(descriptor.opens()).isEmpty();
    assertThat(descriptor.packages()).contains("io.github.seqrec.kernels.internal",
        "io.github.seqrec.kernels.internal.scalar", "io.github.seqrec.kernels.internal.vector");
    ModuleDescriptor.Requires vector = descriptor.requires().stream()
        .filter(r -> r.name().equals("jdk.incubator.vector")).findFirst().orElseThrow();
    assertThat(vector.modifiers()).containsExactly(ModuleDescriptor.Requires.Modifier.STATIC);
  }

  @Test
  void backendProvidersHaveNoPublicConstructor() throws ClassNotFoundException {
    assertThat(publicConstructors("io.github.seqrec.kernels.internal.ScalarKernelProvider")).isEmpty();
    // Loading the vector provider links it against jdk.incubator.vector: only where that is readable.
    assumeTrue(KernelProvider.vectorIfAvailable().isPresent(), "jdk.incubator.vector is not readable in this JVM");
    assertThat(publicConstructors("io.github.seqrec.kernels.internal.vector.VectorKernelProvider")).isEmpty();
  }

  @Test
  void onTheModulePathTheBackendsAreHiddenAndTheVectorBackendRuns() throws Exception {
    String out = runOnModulePath(List.of("--add-modules", "io.github.seqrec.kernels,jdk.incubator.vector"));
    assertThat(out).contains("MODULE io.github.seqrec.kernels", "EXPORTS-INTERNAL false", "INTERNAL blocked",
        "APPLY [0.0, 2.0, 0.0]", "BACKEND backend=vector").doesNotContain("WARNING: seqrec");
  }

  @Test
  void onTheModulePathWithoutTheIncubatorModuleItFallsBackToScalarAndSaysSoOnce() throws Exception {
    String out = runOnModulePath(List.of("--add-modules", "io.github.seqrec.kernels"));
    assertThat(out).contains("MODULE io.github.seqrec.kernels", "APPLY [0.0, 2.0, 0.0]", "BACKEND backend=scalar");
    long hints = out.lines().filter(l -> l.contains(KernelProvider.ENABLE_VECTOR_HINT)).count();
    assertThat(hints).as(out).isEqualTo(1);
  }

  private static Set<Constructor<?>> publicConstructors(String className) throws ClassNotFoundException {
    Class<?> type = Class.forName(className, false, ModuleBoundaryTest.class.getClassLoader());
    return Set.of(type.getDeclaredConstructors()).stream()
        .filter(c -> Modifier.isPublic(c.getModifiers())).collect(Collectors.toSet());
  }

  /** The directory (or jar) a class was loaded from: target/classes, target/test-classes. */
  private static Path location(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  /** Runs {@link ModulePathChild} with the kernels on the module path, stdout and stderr merged. */
  private static String runOnModulePath(List<String> jvmArgs) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    assumeTrue(Path.of(java).toFile().canExecute(), "no java executable at " + java);
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("--module-path");
    command.add(location(Backends.class).toString());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(location(ModulePathChild.class).toString());
    command.add(ModulePathChild.class.getName());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
