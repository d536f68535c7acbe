package io.github.seqrec.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The module boundary of reference-models: every package is API except the command line, which
 * is opened to picocli only; the kernels' internals are not reachable from here (they are not
 * exported, and nothing in this module imports them).
 */
class ModuleDescriptorTest {

  @Test
  void everyPackageButTheCliIsExportedAndTheCliIsOpenToPicocliOnly() throws Exception {
    Path classes = Path.of(Models.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor descriptor = ModuleFinder.of(classes).find("io.github.seqrec.models").orElseThrow().descriptor();
    Set<String> exported = descriptor.exports().stream()
        .peek(e -> assertThat(e.isQualified()).as(e.source()).isFalse())
        .map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
    Set<String> notExported = new TreeSet<>(descriptor.packages());
    notExported.removeAll(exported);
    assertThat(notExported).containsExactly("io.github.seqrec.models.cli");
    assertThat(exported).contains("io.github.seqrec.models", "io.github.seqrec.models.ctr",
        "io.github.seqrec.models.lifelong", "io.github.seqrec.models.layers");
    assertThat(descriptor.opens()).singleElement().satisfies(o -> {
      assertThat(o.source()).isEqualTo("io.github.seqrec.models.cli");
      assertThat(o.targets()).containsExactly("info.picocli");
    });
    assertThat(descriptor.requires().stream().map(ModuleDescriptor.Requires::name))
        .doesNotContain("jdk.incubator.vector");
  }
}
