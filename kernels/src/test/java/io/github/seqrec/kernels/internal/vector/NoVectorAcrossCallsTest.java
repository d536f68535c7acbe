package io.github.seqrec.kernels.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.seqrec.kernels.internal.KernelProvider;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import org.junit.jupiter.api.Test;

/**
 * The rule of {@link VectorKernelProvider}'s package, checked on its compiled classes: no method of
 * ours takes or returns a vector or a mask, so no vector is boxed where C2 does not inline a helper.
 * (The allocation checks under the worst inlining are reference-models' {@code worst-case-inlining}
 * run; this test names the method.)
 */
class NoVectorAcrossCallsTest {
  @Test
  void noMethodTakesOrReturnsAVector() throws IOException, URISyntaxException, ClassNotFoundException {
    assumeTrue(KernelProvider.vectorIfAvailable().isPresent(), "jdk.incubator.vector is not readable in this JVM");
    // the main classes (this test shares the package, so getResource("") could name test-classes)
    Path dir = Path.of(VectorKernelProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve(VectorKernelProvider.class.getPackageName().replace('.', '/'));
    List<String> classes;
    try (Stream<Path> files = Files.list(dir)) {
      classes = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class"))
          .map(n -> n.substring(0, n.length() - ".class".length())).sorted().toList();
    }
    assertThat(classes).contains("VectorActivations", "VectorDense", "VectorHashing", "VectorSelection");
    List<String> offenders = new ArrayList<>();
    String pkg = VectorKernelProvider.class.getPackageName();
    for (String name : classes) {
      Class<?> c = Class.forName(pkg + "." + name, false, getClass().getClassLoader());
      for (Method m : c.getDeclaredMethods()) {
        boolean vectorIn = Stream.of(m.getParameterTypes()).anyMatch(NoVectorAcrossCallsTest::isVector);
        if (vectorIn || isVector(m.getReturnType())) {
          offenders.add(name + "." + m.getName());
        }
      }
    }
    assertThat(offenders).as("methods passing vectors or masks across a call").isEmpty();
  }

  private static boolean isVector(Class<?> type) {
    return Vector.class.isAssignableFrom(type) || VectorMask.class.isAssignableFrom(type);
  }
}
