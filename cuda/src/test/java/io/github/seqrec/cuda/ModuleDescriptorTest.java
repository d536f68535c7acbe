package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module javac compiled exports the GPU API alone and reads only JCuda (and java.base). */
class ModuleDescriptorTest {

  @Test
  void onlyTheApiPackageIsExported() throws Exception {
    Path classes = Path.of(CudaContext.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    // ModuleFinder scans the classes for the packages, which a bare module-info.class does not list.
    ModuleDescriptor descriptor = java.lang.module.ModuleFinder.of(classes).find("io.github.seqrec.cuda")
        .orElseThrow().descriptor();
    assertThat(descriptor.name()).isEqualTo("io.github.seqrec.cuda");
    assertThat(descriptor.exports().stream().map(e -> e.source() + (e.isQualified() ? " to " + e.targets() : "")))
        .containsExactly("io.github.seqrec.cuda");
    assertThat(descriptor.opens()).isEmpty();
    assertThat(descriptor.packages()).contains("io.github.seqrec.cuda.internal");
    assertThat(descriptor.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("java.base", "jcuda");
  }
}
